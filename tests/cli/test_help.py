"""Every command documents itself, and the top-level help lists the exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from fairwatt import __version__
from fairwatt.cli.app import app

runner = CliRunner()


def command_paths(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [(*prefix, c.name or c.callback.__name__) for c in group.registered_commands]
    for sub in group.registered_groups:
        name = sub.name or ""
        paths.append((*prefix, name))
        paths += command_paths(sub.typer_instance, (*prefix, name))
    return paths


PATHS = command_paths(app)


def test_the_main_commands_are_there() -> None:
    names = {p[0] for p in PATHS}
    assert {"audit", "equity", "rebalance", "check", "factors", "sites", "cache"} <= names


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    res = runner.invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output
    # the first line of the docstring is the summary shown in help
    body = res.output.split("Usage:", 1)[1]
    assert len(body.strip().splitlines()) > 2


def test_top_level_help_lists_exit_codes_and_version() -> None:
    res = runner.invoke(app, ["--help"])
    assert "Exit codes" in res.output and "4 scenario infeasible" in res.output
    assert runner.invoke(app, ["--version"]).stdout.strip() == f"fairwatt {__version__}"


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairwatt", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == f"fairwatt {__version__}"
