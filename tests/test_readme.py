"""The README's quick start is what CI runs, and its main command works."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## Quick start\n(.*?)^## ", text, re.S | re.M)
    assert section, "README has no '## Quick start' section"
    blocks = re.findall(r"```bash\n(.*?)```", section.group(1), re.S)
    commands = [line.strip() for b in blocks for line in b.splitlines() if line.strip()]
    assert len(commands) == 2, commands
    return commands


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test_command = quick_start_commands()
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_quick_start_audit_runs_on_the_sample_fleet() -> None:
    install_and_run, _ = quick_start_commands()
    audit = install_and_run.split("&&")[-1].strip()
    argv = shlex.split(audit)
    assert argv[0].endswith("fairwatt") and argv[1] == "audit"
    exe = shutil.which("fairwatt", path=str(Path(sys.executable).parent)) or shutil.which(
        "fairwatt"
    )
    assert exe, "the fairwatt command is not installed"
    done = subprocess.run([exe, *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(StringIO(done.stdout))
    assert len(table) == 12
    assert {"site", "zone", "carbon_kg", "water_l"} <= set(table.columns)
    assert (table["carbon_kg"] > 0).all()
