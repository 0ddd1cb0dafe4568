"""-v and -q are accepted before or after the command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fairwatt.cli._argv import hoist_flags
from fairwatt.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "sample_inputs" / "fleet" / "energy.csv")


def hoisted(*args: str) -> list[str]:
    return hoist_flags(app_group(), None, list(args))


def app_group():  # type: ignore[no-untyped-def]
    import typer.main

    return typer.main.get_command(app)


def test_verbose_after_the_command_moves_before_it() -> None:
    assert hoisted("audit", "log.csv", "-v") == ["-v", "audit", "log.csv"]
    assert hoisted("sites", "list", "-vv") == ["-vv", "sites", "list"]
    assert hoisted("audit", "log.csv", "--verbose", "-o", "x.csv") == [
        "--verbose",
        "audit",
        "log.csv",
        "-o",
        "x.csv",
    ]
    # nothing after -- is touched
    assert hoisted("audit", "--", "-v") == ["audit", "--", "-v"]


def test_quiet_before_the_command_moves_after_it_when_the_command_takes_it() -> None:
    assert hoisted("-q", "audit", "log.csv") == ["audit", "log.csv", "-q"]
    assert hoisted("-q", "sites", "show", "x") == ["sites", "show", "x", "-q"]
    # cache info prints no notes and has no -q: the flag is dropped, not an error
    assert hoisted("--quiet", "cache", "info") == ["cache", "info"]
    assert hoisted("-v", "audit", "log.csv") == ["-v", "audit", "log.csv"]


def test_verbose_after_the_command_shows_the_details_of_an_error() -> None:
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "fairwatt", "sites", "list", "--provider", "nope", "-v"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "No such option" not in res.stderr
    assert "Traceback" in res.stderr and "unknown provider 'nope'" in res.stderr


def test_quiet_before_the_command_silences_its_notes() -> None:
    loud = runner.invoke(app, ["audit", FLEET, "-f", "csv"])
    assert loud.exit_code == 0 and "health left out" in loud.stderr
    quiet = runner.invoke(app, ["-q", "audit", FLEET, "-f", "csv"])
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stderr == "" and quiet.stdout == loud.stdout
