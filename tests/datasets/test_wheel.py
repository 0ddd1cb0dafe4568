"""The built wheel (not the checkout) carries the data files, the manifest and the JSON
Schema of the outputs."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CHECK = """
import fairwatt, sys
from fairwatt.datasets import catalog
assert fairwatt.__file__.startswith(sys.prefix), fairwatt.__file__
assert "site-packages" in fairwatt.__file__, fairwatt.__file__
bad = [d.name for d in catalog.manifest() if not catalog.verify(d.name)]
assert not bad, bad
print(len(catalog.load("cloud-sites")), len(catalog.load("us-ba-health-hourly-2023")))
from fairwatt.reporting.document import SCHEMA_FILE, output_schema
assert "site-packages" in str(SCHEMA_FILE), SCHEMA_FILE
assert output_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
"""


@pytest.mark.slow
def test_installed_wheel_finds_the_data(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("fairwatt-*.whl")
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    py = venv / "bin" / "python"
    # the fresh venv sees this environment's dependencies (pandas, pyarrow); its own
    # site-packages, where the wheel goes, comes before them on sys.path
    purelib = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    )
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            # the outer environment's fairwatt (seen through deps.pth) must not satisfy this
            "--ignore-installed",
            "-q",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    res = subprocess.run(
        [str(py), "-c", CHECK],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    n_sites, n_hours = map(int, res.stdout.split())
    assert n_sites > 100 and n_hours == 4 * 8760
