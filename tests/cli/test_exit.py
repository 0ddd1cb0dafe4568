"""How the ``fairwatt`` process ends: :func:`fairwatt.cli.app.main` skips the
interpreter's teardown, but never at the cost of output, exit handlers, the exit status
or a thread still running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from fairwatt.cli.app import app

FLEET = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet" / "energy.csv"


def _main(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``main()`` with ``args`` in a child process, after ``prelude``."""
    code = (
        f"import sys\n{prelude}\n"
        "from fairwatt.cli.app import main\n"
        "sys.argv = ['fairwatt', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_piped_report_is_complete_and_the_status_kept() -> None:
    args = ("audit", str(FLEET), "-f", "csv", "-q")
    child = _main("", *args)
    assert child.returncode == 0, child.stderr
    in_process = CliRunner().invoke(app, list(args))
    assert in_process.exit_code == 0
    assert child.stdout == in_process.stdout
    # a header and one row per site of the log
    sites = {line.split(",")[1] for line in FLEET.read_text().splitlines()[1:]}
    assert len(child.stdout.splitlines()) == 1 + len(sites)

    missing = _main("", "audit", "no-such-log.csv")
    assert missing.returncode == 2
    assert "no-such-log.csv: file not found" in missing.stderr


def test_exit_handlers_run(tmp_path: Path) -> None:
    mark = tmp_path / "handler-ran"
    prelude = (
        "import atexit, pathlib\n"
        f"atexit.register(lambda: pathlib.Path({str(mark)!r}).write_text('yes'))"
    )
    child = _main(prelude, "audit", str(FLEET), "-q", "-o", str(tmp_path / "a.json"))
    assert child.returncode == 0, child.stderr
    assert mark.read_text() == "yes"
    assert (tmp_path / "a.json").stat().st_size > 0


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    mark = tmp_path / "thread-done"
    prelude = (
        "import pathlib, threading, time\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        f"    pathlib.Path({str(mark)!r}).write_text('done')\n"
        "threading.Thread(target=late).start()"
    )
    child = _main(prelude, "--version")
    assert child.returncode == 0, child.stderr
    assert mark.read_text() == "done"
