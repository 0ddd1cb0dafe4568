"""A what-if on logs whose factors have no energy price: cost objectives are left out
(or, when asked for, named as arbitrary) and eGLB's weights carry no cost weight.

``sample_inputs/fleet`` is a week of a 12-region fleet; the bundled data give carbon and
water for its zones but no ``price_usd_per_mwh``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.services.audit import AuditOptions
from fairwatt.services.rebalance import RebalanceOptions
from fairwatt.services.rebalance_types import RebalanceResult
from fairwatt.services.whatif import run_whatif, scenario_from_logs

ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "sample_inputs" / "fleet" / "energy.csv")
EGLB_AUDIT = ROOT / "sample_inputs" / "eglb" / "audit"
OPTIONS = AuditOptions(footprints=["carbon", "water"])


@pytest.fixture(scope="module")
def default_run() -> RebalanceResult:
    return run_whatif([FLEET], OPTIONS)


def test_scenario_without_prices_is_not_priced() -> None:
    loaded = scenario_from_logs([FLEET], OPTIONS)
    assert loaded.priced is False
    assert loaded.objectives == ["status-quo", "eglb"]
    assert float(abs(loaded.scenario.price).max()) == 0.0


def test_default_objectives_leave_out_min_cost(default_run: RebalanceResult) -> None:
    assert list(default_run.summary["objective"]) == ["status-quo", "eglb"]
    assert any("leave out min-cost" in n for n in default_run.notes)


def test_balanced_weights_have_no_cost_weight(default_run: RebalanceResult) -> None:
    weights = default_run.metadata["weights"]
    assert set(weights) == {"carbon", "water"}
    # without a cost, each footprint weight is 1 / (the status quo's worst site), so the
    # status quo's objective terms are 1 each (no site weights here); weights are per t
    # and per m3, the tables in kg and L
    sq = default_run.sites[default_run.sites["objective"] == "status-quo"]
    assert weights["carbon"] == pytest.approx(1000.0 / sq["carbon_kg"].max(), rel=1e-9)
    assert weights["water"] == pytest.approx(1000.0 / sq["water_l"].max(), rel=1e-9)
    assert not any("cost=1" in n for n in default_run.notes)


def test_asked_for_cost_objectives_are_named_arbitrary() -> None:
    result = run_whatif(
        [FLEET],
        OPTIONS,
        RebalanceOptions(
            objectives=["nearest", "min-cost", "ratio:water=3.5"], weights={"cost": 1.0}
        ),
    )
    names = ["status-quo", "nearest", "min-cost", "ratio:water=3.5"]
    assert list(result.summary["objective"]) == names
    assert "cost" not in result.metadata["weights"]
    notes = "\n".join(result.notes)
    assert "weight cost ignored" in notes
    assert "min-cost, ratio:water=3.5: minimum cost without energy prices is meaningless" in notes


def test_priced_logs_keep_min_cost_and_the_cost_weight() -> None:
    options = AuditOptions(
        sites=[str(EGLB_AUDIT / "sites.csv")],
        datasets=["eglb-hourly-2022"],
        water_model="total",
        footprints=["carbon", "water"],
    )
    loaded = scenario_from_logs([str(EGLB_AUDIT / "energy.csv")], options)
    assert loaded.priced is True
    assert loaded.objectives == ["status-quo", "min-cost", "eglb"]


def test_cli_without_prices() -> None:
    result = CliRunner().invoke(app, ["rebalance", "--logs", FLEET, "--footprints", "carbon,water"])
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout))
    assert list(summary["objective"]) == ["status-quo", "eglb"]
    assert "no cost weight" in result.stderr


def test_progress_covers_reading_and_solving() -> None:
    seen: list[str] = []
    run_whatif([FLEET], OPTIONS, progress=lambda message, _done: seen.append(message))
    assert seen[0] == "reading the energy log"
    assert "joining factors" in seen
    assert seen[-2:] == ["solving status-quo (1/2)", "solving eglb (2/2)"]
