"""What-if on energy logs: the eGLB benchmark's status quo as a log, read by the audit.

``sample_inputs/eglb/audit/energy.csv`` is the nearest-site allocation of the benchmark
(each site serves its own gateway's P_t / 2708 W × 10 MWh / 10 per hour) and the bundled
``eglb-hourly-2022`` dataset holds the benchmark's hourly carbon, water and price. With
every kWh flexible and a capacity of 1 MWh per site and hour the what-if *is* the R6
problem, so it must give R6's numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.errors import InputError
from fairwatt.services.audit import AuditOptions
from fairwatt.services.rebalance import RebalanceOptions
from fairwatt.services.whatif import run_whatif, scenario_from_logs

AUDIT = Path(__file__).resolve().parents[2] / "sample_inputs" / "eglb" / "audit"
LOG = str(AUDIT / "energy.csv")
SITES = str(AUDIT / "sites.csv")


@pytest.fixture(scope="module")
def audit_options() -> AuditOptions:
    return AuditOptions(
        sites=[SITES],
        datasets=["eglb-hourly-2022"],
        water_model="total",
        footprints=["carbon", "water"],
    )


def test_fully_flexible_log_reproduces_r6(audit_options: AuditOptions) -> None:
    result = run_whatif(
        [LOG],
        audit_options,
        RebalanceOptions(
            objectives=["status-quo", "min-cost", "eglb"],
            weights={"cost": 1.0, "water": 60.0, "carbon": 1500.0},
        ),
        flexible=1.0,
        capacity_kw=1000.0,
    )
    summary = result.summary.set_index("objective")
    assert summary.loc["min-cost", "objective_value"] == pytest.approx(291_698.6063, rel=1e-6)
    assert summary.loc["eglb", "objective_value"] == pytest.approx(623_661.3525, rel=1e-6)
    # the status quo is the nearest-site allocation: water max/avg 1.445 (R6)
    assert summary.loc["status-quo", "water_max_to_mean"] == pytest.approx(1.445, abs=1e-3)
    assert summary.loc["min-cost", "water_max_to_mean"] == pytest.approx(1.710, abs=1e-3)
    assert result.metadata["baseline"] == "status-quo"


def test_flexible_share_and_capacity_are_respected(audit_options: AuditOptions) -> None:
    loaded = scenario_from_logs([LOG], audit_options, flexible=0.3, headroom=1.2)
    sc = loaded.scenario
    observed = sc.demand[:10] + sc.demand[10:]  # flexible + fixed parts of each site
    np.testing.assert_allclose(sc.demand[:10], 0.3 * observed, rtol=1e-12)
    # capacity: observed peak x 1.2 (the sites table has no capacity_kw)
    np.testing.assert_allclose(sc.capacity[:, 0], observed.max(axis=1) * 1.2, rtol=1e-12)
    result = run_whatif([LOG], audit_options, RebalanceOptions(), flexible=0.3, headroom=1.2)
    for outcome in result.outcomes:
        energy = outcome.allocation.site_energy
        # at least the fixed 70 % stays; capacity holds; total load is unchanged per hour
        assert (energy >= 0.7 * observed - 1e-9).all()
        assert (energy <= sc.capacity + 1e-9).all()
        np.testing.assert_allclose(energy.sum(axis=0), observed.sum(axis=0), rtol=1e-9)
    status_quo = result.outcomes[0].allocation.site_energy
    np.testing.assert_allclose(status_quo, observed, atol=1e-9)
    # balanced default weights, and eGLB lowers the worst water site against the status quo
    assert any("balanced at the status quo" in n for n in result.notes)
    ineq = result.inequity.set_index(["objective", "footprint"])
    assert ineq.loc[("eglb", "water"), "worst"] < ineq.loc[("status-quo", "water"), "worst"]


def test_nothing_flexible_changes_nothing(audit_options: AuditOptions) -> None:
    result = run_whatif(
        [LOG],
        audit_options,
        RebalanceOptions(weights={"water": 60.0, "carbon": 1500.0}),
        flexible=0.0,
    )
    base = result.outcomes[0].allocation.site_energy
    for outcome in result.outcomes[1:]:
        np.testing.assert_allclose(outcome.allocation.site_energy, base, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"flexible": 1.5}, "between 0 and 1"),
        ({"headroom": 0.5}, "at least 1"),
        ({"capacity_kw": -1.0}, "positive number of kW"),
    ],
)
def test_bad_options(audit_options: AuditOptions, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        scenario_from_logs([LOG], audit_options, **kwargs)  # type: ignore[arg-type]


def test_cli_whatif() -> None:
    runner = CliRunner()
    args = ["rebalance", "--logs", LOG, "--sites", SITES, "--dataset", "eglb-hourly-2022"]
    args += ["--water-model", "total", "--footprints", "carbon,water", "--flexible", "1"]
    args += ["--capacity-kw", "1000", "--weights", "water=60,carbon=1500", "-f", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout)).set_index("objective")
    assert list(summary.index) == ["status-quo", "min-cost", "eglb"]
    assert summary.loc["eglb", "objective_value"] == pytest.approx(623_661.3525, rel=1e-6)
    both = runner.invoke(app, ["rebalance", "x.toml", "--logs", LOG])
    assert both.exit_code == 2
    assert "either a SCENARIO file or --logs" in both.stderr
