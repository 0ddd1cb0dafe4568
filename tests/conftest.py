"""Tests run against the source tree: ``src`` first on the path of this process (pytest's
``pythonpath``) and of every subprocess a test starts (``PYTHONPATH``)."""

from __future__ import annotations

import os
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH", "")) if p)
