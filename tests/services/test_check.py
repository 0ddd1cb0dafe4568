"""The check service on typed audits: metrics read from AuditResult, saved audits read
back with clear errors, and messages that name parameters."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fairwatt import __version__
from fairwatt.errors import InputError
from fairwatt.footprint_models.equity import equity_indices
from fairwatt.reporting.results import AuditResult
from fairwatt.services.audit import AuditOptions, run_audit
from fairwatt.services.check import CheckOptions, change_pct, evaluate, metric_value, run_check
from fairwatt.services.check_metrics import metrics
from fairwatt.services.check_rules import load_policy

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"

#: Two zones, one of them Namibia ("NA", a missing value to careless readers):
#:   NA: 100 kWh IT, 150 kWh facility, 60 kg CO2e, 350 L; XB: 300 kWh, 360 kWh, 36 kg, 660 L
ZONES: dict[str, dict[str, float]] = {
    "NA": {"energy_kwh": 100.0, "facility_energy_kwh": 150.0, "carbon_kg": 60.0, "water_l": 350.0},
    "XB": {"energy_kwh": 300.0, "facility_energy_kwh": 360.0, "carbon_kg": 36.0, "water_l": 660.0},
}


def namibia_audit() -> AuditResult:
    table = pd.DataFrame([{"zone": zone, **values} for zone, values in ZONES.items()])
    columns = ["carbon_kg", "water_l"]
    equity = pd.DataFrame(
        {col: {r.index: r.result for r in equity_indices(table[col].to_numpy())} for col in columns}
    )
    equity.index.name = "index"
    return AuditResult(
        table=table,
        totals=table.drop(columns="zone").sum(),
        equity=equity,
        provenance=[],
        notes=[],
        by=["zone"],
        footprints=["carbon", "water"],
        options={"water_model": "total"},
        inputs=["log.csv"],
        records=2,
        period_start=pd.Timestamp("2024-01-01", tz="UTC"),
        period_end=pd.Timestamp("2024-01-02", tz="UTC"),
        units={},
        equity_info={"across": "zone", "regions": 2},
        fairwatt_version=__version__,
    )


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "audit.json"
    namibia_audit().to_json(path)
    return path


RULES = {
    "max_carbon_kg": 100,
    "max_carbon_g_per_kwh": 240,
    "max_region_carbon_kg": 59,
    "max_gini_water_l": 0.5,
    "max_atkinson_0_5_carbon_kg": 1,
}


def test_a_saved_audit_with_the_zone_na_is_checked(saved: Path) -> None:
    results = run_check([], CheckOptions(report_file=str(saved), overrides=RULES))
    table = results.tables["results"].set_index("rule")
    assert table.at["max_carbon_kg", "value"] == pytest.approx(96.0)
    assert table.at["max_carbon_g_per_kwh", "value"] == pytest.approx(240.0)
    assert table.at["max_region_carbon_kg", "value"] == pytest.approx(60.0)
    assert table.at["max_region_carbon_kg", "detail"] == "worst zone: NA of 2"
    assert table.at["max_region_carbon_kg", "status"] == "fail"
    assert table.at["max_gini_water_l", "value"] == pytest.approx(310 * 2 / (2 * 4 * 505))
    assert table.at["max_gini_water_l", "detail"] == "across 2 zones"
    assert results.metadata["audit"]["source"] == str(saved)
    assert results.metadata["audit"]["period"]["start"] == "2024-01-01T00:00:00+00:00"


def test_evaluate_reads_the_typed_result_directly() -> None:
    result = namibia_audit()
    results = evaluate(load_policy(overrides=RULES), result, source="memory")
    assert results.tables["results"]["value"].tolist()[:2] == pytest.approx([96.0, 240.0])
    value, detail = metric_value(metrics()["max_to_mean_carbon_kg"], result)
    assert (value, detail) == (pytest.approx(60 / 48), "across 2 zones")


def test_every_inequity_metric_finds_its_row_in_an_audits_equity_table() -> None:
    result = run_audit([str(FLEET)], AuditOptions(by=["zone"], footprints=["carbon", "water"]))
    for m in metrics().values():
        if m.kind == "inequity" and m.column in ("carbon_kg", "water_l"):
            value, _ = metric_value(m, result)
            assert value == value or m.index == "max_to_min", m.name  # NaN only if undefined


def rename(doc: dict[str, Any], path: tuple[str | int, ...], new: str) -> None:
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[new] = node.pop(path[-1])


BROKEN = {
    "totals": (("tables", "totals"), "report_file: not a fairwatt audit JSON document"),
    "metadata": (("details",), "report_file: not a fairwatt audit JSON document"),
    "by": (("details", "by"), "report_file: the audit's details has no 'by'"),
    "footprints": (("details", "footprints"), "details has no 'footprints'"),
    "a total": (("tables", "totals", 0, "carbon_kg"), "rule max_carbon_kg cannot be evaluated: "
                "the audit has no carbon_kg"),
    "IT energy": (("tables", "totals", 0, "energy_kwh"), "rule max_carbon_g_per_kwh cannot be "
                  "evaluated: the audit has no energy_kwh"),
    "the region column": (("tables", "footprint", 0, "zone"), "the audit has no carbon_kg per "
                          "zone"),
    "the equity index": (("tables", "equity", 0, "index"), "equity rows need an 'index' field"),
    "the equity table": (("tables", "equity"), "the audit has no equity table (across 2 "
                         "zones)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_renamed_key_is_a_clear_input_error(saved: Path, case: str) -> None:
    path, message = BROKEN[case]
    doc = json.loads(saved.read_text())
    if path == ("tables", "footprint", 0, "zone"):
        for i in range(len(doc["tables"]["footprint"])):
            rename(doc, ("tables", "footprint", i, "zone"), "region")
    else:
        rename(doc, path, "renamed")
    saved.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        run_check([], CheckOptions(report_file=str(saved), overrides=RULES))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("period", "2024", "malformed audit document"),
        ("records", "many", "malformed audit document"),
        ("by", "zone", "has an invalid 'by'"),
    ],
)
def test_a_malformed_field_is_a_clear_input_error(
    saved: Path, field: str, value: Any, message: str
) -> None:
    doc = json.loads(saved.read_text())
    doc["details"][field] = value
    saved.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message) as info:
        run_check([], CheckOptions(report_file=str(saved), overrides=RULES))
    assert str(saved) in str(info.value)


def test_messages_name_parameters(saved: Path) -> None:
    with pytest.raises(InputError, match="give logs or report_file, not both"):
        run_check(["log.csv"], CheckOptions(report_file=str(saved), overrides=RULES))
    with pytest.raises(InputError, match="audit again with water_model=split"):
        run_check([], CheckOptions(report_file=str(saved), overrides={"max_water_onsite_l": 1}))
    with pytest.raises(InputError, match="baseline_file: file not found"):
        run_check(
            [],
            CheckOptions(
                report_file=str(saved), baseline_file=str(saved) + ".gone", overrides=RULES
            ),
        )


def test_a_baseline_compares_typed_results(saved: Path, tmp_path: Path) -> None:
    base = namibia_audit()
    base.totals = base.totals * 0.8
    base_path = tmp_path / "base.json"
    base.to_json(base_path)
    opts = CheckOptions(
        report_file=str(saved),
        baseline_file=str(base_path),
        overrides={"max_increase_pct_carbon_kg": 30},
    )
    results = run_check([], opts)
    row = results.tables["results"].iloc[0]
    assert row["value"] == pytest.approx(25.0)
    assert results.metadata["baseline"]["source"] == str(base_path)
    other = copy.deepcopy(base)
    other.by = ["site"]
    other.to_json(base_path)
    with pytest.raises(InputError, match="baseline_file is grouped by site, this audit by zone"):
        run_check([], opts)


@pytest.mark.parametrize(
    ("current", "baseline", "worse_when", "expected"),
    [
        (110.0, 100.0, "up", 10.0),  # (110 - 100) / 100
        (90.0, 100.0, "up", -10.0),
        (0.9, 1.0, "down", 10.0),  # a fairness index that fell by 10 %
        (0.0, 0.0, "up", 0.0),
        (1.0, 0.0, "up", float("inf")),
    ],
)
def test_change_pct(current: float, baseline: float, worse_when: str, expected: float) -> None:
    got = change_pct(current, baseline, worse_when=worse_when)  # type: ignore[arg-type]
    assert got == pytest.approx(expected)
