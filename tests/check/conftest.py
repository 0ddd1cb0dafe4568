"""Fixtures of the `fairwatt check` tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from check_helpers import run, write_tiny


@pytest.fixture(scope="session")
def tiny_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-zone fleet of check_helpers, audited by zone and saved as JSON."""
    folder = tmp_path_factory.mktemp("tiny_audit")
    args = write_tiny(folder)
    out = folder / "audit.json"
    proc = run("audit", *args, "--by", "zone", "-q", "-o", out, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def tiny_doc(tiny_audit: Path) -> dict[str, Any]:
    """A fresh, editable copy of the saved tiny audit."""
    return json.loads(tiny_audit.read_text())
