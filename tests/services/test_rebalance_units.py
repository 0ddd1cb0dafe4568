"""Units of rebalancing results: the audit's (kWh, kg, L, US$) by default, the eGLB
paper's (MWh, t, m³, US$) with ``units="paper"`` / ``--units paper``.

Conversions are exact powers of ten (1 MWh = 1000 kWh, 1 t = 1000 kg, 1 m³ = 1000 L),
and a what-if on logs reports each site's carbon and water in the same units and
amounts as ``fairwatt audit`` of the same log.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import fairwatt
from fairwatt.cli.app import app
from fairwatt.errors import InputError
from fairwatt.services.audit import AuditOptions
from fairwatt.services.rebalance import RebalanceOptions, RebalanceResult, Sweep, rebalance
from fairwatt.services.whatif import run_whatif

ROOT = Path(__file__).resolve().parents[2]
EGLB = ROOT / "sample_inputs" / "eglb" / "scenario.toml"
AUDIT = ROOT / "sample_inputs" / "eglb" / "audit"
runner = CliRunner()


@pytest.fixture(scope="module")
def both() -> tuple[RebalanceResult, RebalanceResult]:
    kwargs = {"mask": "partial", "sweep": Sweep("water", [0.0, 60.0]), "deferrable": 0.2}
    kwargs["max_delay"] = 2
    return rebalance(EGLB, **kwargs), rebalance(EGLB, units="paper", **kwargs)  # type: ignore[arg-type]


def test_default_is_kwh_kg_litres(both: tuple[RebalanceResult, RebalanceResult]) -> None:
    audit, paper = both
    assert audit.units == "audit" and paper.units == "paper"
    assert list(audit.sites.columns) == [
        "objective", "site", "energy_kwh", "cost_usd", "carbon_kg", "water_l",
        "energy_change_kwh",
    ]  # fmt: skip
    assert list(paper.sites.columns) == [
        "objective", "site", "energy_mwh", "cost_usd", "carbon_t", "water_m3",
        "energy_change_mwh",
    ]  # fmt: skip
    pairs = [("energy_kwh", "energy_mwh"), ("carbon_kg", "carbon_t"), ("water_l", "water_m3")]
    for new, old in pairs:
        pd.testing.assert_series_equal(
            audit.sites[new], 1000.0 * paper.sites[old], check_names=False, rtol=1e-12
        )
    pd.testing.assert_series_equal(audit.sites["cost_usd"], paper.sites["cost_usd"])
    pd.testing.assert_frame_equal(audit.summary, paper.summary)  # US$ and ratios


def test_inequity_frontier_deferral_follow(both: tuple[RebalanceResult, RebalanceResult]) -> None:
    audit, paper = both
    assert set(audit.inequity["unit"]) == {"kg", "L"}
    assert set(paper.inequity["unit"]) == {"t", "m3"}
    for col in ("total", "mean_site", "worst"):
        pd.testing.assert_series_equal(audit.inequity[col], 1000.0 * paper.inequity[col])
    for col in ("max_to_mean", "gini", "max_to_mean_before", "gini_before"):
        pd.testing.assert_series_equal(audit.inequity[col], paper.inequity[col])
    assert audit.frontier is not None and paper.frontier is not None
    pd.testing.assert_series_equal(
        audit.frontier["water_worst_l"], 1000.0 * paper.frontier["water_worst_m3"],
        check_names=False,
    )  # fmt: skip
    assert "carbon_worst_kg" in audit.frontier and "carbon_worst_t" not in audit.frontier
    assert audit.deferral is not None and paper.deferral is not None
    assert audit.deferral["deferred_kwh"].sum() == pytest.approx(
        1000.0 * paper.deferral["deferred_mwh"].sum(), rel=1e-12
    )
    assert audit.time_shift is not None and "backlog_kwh" in audit.time_shift
    assert "energy_kwh" in audit.allocation and "energy_mwh" in paper.allocation
    assert audit.allocation["energy_kwh"].sum() == pytest.approx(
        1000.0 * paper.allocation["energy_mwh"].sum(), rel=1e-12
    )
    # the deferral note speaks the result's unit
    assert any(re.search(r"eglb: [\d.]+ kWh \(", n) for n in audit.notes)
    assert any(re.search(r"eglb: [\d.]+ MWh \(", n) for n in paper.notes)


def test_metadata_and_json_round_trip(both: tuple[RebalanceResult, RebalanceResult]) -> None:
    audit, paper = both
    assert audit.metadata["units"]["energy"] == "kWh" and audit.metadata["units"]["water"] == "L"
    assert paper.metadata["units"]["carbon"] == "t"
    assert audit.options["units"] == "audit"
    back = RebalanceResult.from_json(audit.to_json(allocation=True))
    assert back.units == "audit"
    pd.testing.assert_frame_equal(back.sites, audit.sites)
    assert RebalanceResult.from_json(paper.to_json()).units == "paper"


def test_unknown_units() -> None:
    with pytest.raises(InputError, match="unknown units 'si'"):
        rebalance(EGLB, objectives=["min-cost"], units="si")  # type: ignore[arg-type]
    result = runner.invoke(app, ["rebalance", str(EGLB), "--units", "si"])
    assert result.exit_code == 2
    assert "unknown --units 'si'" in result.stderr


def test_cli_units_and_json_units_map() -> None:
    args = ["rebalance", str(EGLB), "-O", "min-cost", "-q", "-f", "json"]
    default = runner.invoke(app, args)
    paper = runner.invoke(app, [*args, "--units", "paper"])
    assert default.exit_code == 0 and paper.exit_code == 0
    units, units_paper = json.loads(default.stdout)["units"], json.loads(paper.stdout)["units"]
    assert units["energy_kwh"] == "kWh" and units["carbon_kg"] == "kgCO2e"
    assert units["water_l"] == "L"
    assert units_paper["energy_mwh"] == "MWh" and units_paper["water_m3"] == "m³"
    assert "water_m3" not in units


def test_whatif_matches_the_audit_of_the_same_log() -> None:
    """The status quo of a what-if is the observed load: per site, the same energy,
    carbon and water, in the same units, as fairwatt audit --by site reports."""
    log = str(AUDIT / "energy.csv")
    args = ["audit", log, "--by", "site", "--sites", str(AUDIT / "sites.csv")]
    args += ["--dataset", "eglb-hourly-2022", "--water-model", "total"]
    args += ["--footprints", "carbon,water", "-q", "-f", "csv"]
    audited = runner.invoke(app, args)
    assert audited.exit_code == 0, audited.stderr
    audit = pd.read_csv(io.StringIO(audited.stdout)).set_index("site")
    options = AuditOptions(
        sites=[str(AUDIT / "sites.csv")],
        datasets=["eglb-hourly-2022"],
        water_model="total",
        footprints=["carbon", "water"],
    )
    sq = run_whatif([log], options, RebalanceOptions(objectives=["status-quo"]))
    sites = sq.sites.set_index("site")
    assert sorted(sites.index) == sorted(audit.index)
    for column in ("energy_kwh", "carbon_kg", "water_l"):
        pd.testing.assert_series_equal(
            sites[column], audit[column].reindex(sites.index), check_names=False, rtol=1e-9
        )


@pytest.mark.parametrize(
    ("units", "water", "energy"), [("audit", "L", "kWh"), ("paper", "m³", "MWh")]
)
def test_report_reads_either_unit_system(units: str, water: str, energy: str) -> None:
    result = rebalance(EGLB, mask="partial", sweep=Sweep("water", [0, 60]), units=units)  # type: ignore[arg-type]
    text = fairwatt.report(result)
    assert f"Water footprint of each site [{water}]" in text
    assert f"worst site [{water}]" in text  # the frontier
    assert f"[{energy} per hour]" in text  # the hourly allocation
    assert "min-cost (before) 1.72 → nearest 1.45, eglb 1.30" in text
    assert ("--units paper" in text) == (units == "paper")


def test_convert_frame_by_hand() -> None:
    from fairwatt.services.rebalance_units import convert_frame

    sites = pd.DataFrame(
        {"site": ["a"], "energy_mwh": [1.5], "carbon_t": [0.25], "water_m3": [2.0]}
        | {"health_usd": [7.0], "cost_usd": [3.0]}
    )
    out = convert_frame(sites, "audit")
    assert out.to_dict("records") == [
        {"site": "a", "energy_kwh": 1500.0, "carbon_kg": 250.0, "water_l": 2000.0}
        | {"health_usd": 7.0, "cost_usd": 3.0}
    ]
    inequity = pd.DataFrame(
        {"footprint": ["carbon", "water", "health"], "unit": ["t", "m3", "USD"]}
        | {"total": [1.0, 2.0, 3.0], "worst": [0.5, 1.0, 2.0], "gini": [0.1, 0.2, 0.3]}
    )
    out = convert_frame(inequity, "audit")
    assert list(out["unit"]) == ["kg", "L", "USD"]
    assert list(out["total"]) == [1000.0, 2000.0, 3.0]
    assert list(out["worst"]) == [500.0, 1000.0, 2.0]
    assert list(out["gini"]) == [0.1, 0.2, 0.3]
    assert convert_frame(sites, "paper") is sites
