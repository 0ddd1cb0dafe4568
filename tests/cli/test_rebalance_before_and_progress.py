"""``fairwatt rebalance --before`` (and its deprecated spelling ``--baseline``), and the
progress reported while a run solves its objectives and the points of a sweep."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli import rebalance as rebalance_cli
from fairwatt.cli.app import app
from fairwatt.services.rebalance import Sweep, rebalance

ROOT = Path(__file__).resolve().parents[2]
EGLB = str(ROOT / "sample_inputs" / "eglb" / "scenario.toml")

runner = CliRunner()
# two cheap objectives: the first summary row is the "before" objective
RUN = ["rebalance", EGLB, "-O", "min-cost", "-O", "nearest", "-f", "csv"]


def _first_objective(stdout: str) -> str:
    return str(pd.read_csv(io.StringIO(stdout))["objective"].iloc[0])


def test_before_names_the_objective_that_is_before() -> None:
    result = runner.invoke(app, [*RUN, "--before", "nearest"])
    assert result.exit_code == 0, result.stderr
    assert _first_objective(result.stdout) == "nearest"
    assert "before = nearest" in result.stderr
    assert "deprecated" not in result.stderr


def test_default_before_is_min_cost() -> None:
    result = runner.invoke(app, RUN)
    assert result.exit_code == 0, result.stderr
    assert _first_objective(result.stdout) == "min-cost"


def test_baseline_still_works_with_one_deprecation_line() -> None:
    result = runner.invoke(app, [*RUN, "--baseline", "nearest"])
    assert result.exit_code == 0, result.stderr
    assert _first_objective(result.stdout) == "nearest"
    warnings = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert warnings == ["fairwatt: warning: --baseline is deprecated here, use --before OBJECTIVE"]


def test_before_and_baseline_together_are_refused() -> None:
    result = runner.invoke(app, [*RUN, "--before", "nearest", "--baseline", "nearest"])
    assert result.exit_code == 2
    assert "give --before only" in result.stderr


def test_help_shows_before_not_baseline() -> None:
    result = runner.invoke(app, ["rebalance", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "--before" in result.stdout
    assert "--baseline" not in result.stdout


def test_service_reports_each_solve_and_sweep_point() -> None:
    seen: list[tuple[str, float | None]] = []
    rebalance(
        EGLB,
        objectives=["min-cost"],
        sweep=Sweep("water", [0.0, 60.0, 120.0]),
        progress=lambda message, done: seen.append((message, done)),
    )
    # 1 objective + 3 sweep points = 4 solves; each is reported before it starts
    assert seen == [
        ("solving min-cost (1/4)", 0.0),
        ("sweep point 1/3: eglb:water=0", 0.25),
        ("sweep point 2/3: eglb:water=60", 0.5),
        ("sweep point 3/3: eglb:water=120", 0.75),
    ]


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_passes_quiet_to_the_progress_bar(monkeypatch: pytest.MonkeyPatch, quiet: bool) -> None:
    calls: list[bool] = []
    messages: list[str] = []

    @contextlib.contextmanager
    def fake_bar(q: bool) -> Iterator[Callable[[str, float | None], None] | None]:
        calls.append(q)
        yield None if q else (lambda message, _done: messages.append(message))

    monkeypatch.setattr(rebalance_cli, "progress_bar", fake_bar)
    args = [*RUN, "--sweep", "water=0,60"] + (["-q"] if quiet else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert calls == [quiet]
    expected = ["solving min-cost (1/4)", "solving nearest (2/4)"]
    expected += ["sweep point 1/2: eglb:water=0", "sweep point 2/2: eglb:water=60"]
    assert messages == ([] if quiet else expected)


def test_no_progress_text_when_stderr_is_not_a_terminal() -> None:
    result = runner.invoke(app, [*RUN, "--sweep", "water=0,60"])
    assert result.exit_code == 0, result.stderr
    assert "sweep point" not in result.stderr
    assert "solving" not in result.stderr
