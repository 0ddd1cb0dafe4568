"""Every command's JSON output follows the one layout of the shipped JSON Schema."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fairwatt.reporting.document import (
    SCHEMA_FILE,
    build_document,
    column_units,
    normalize_provenance,
    output_schema,
    unit_of_column,
)
from fairwatt.reporting.report import Report

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"
SCENARIO = ROOT / "sample_inputs" / "eglb" / "scenario.toml"
runner = CliRunner()


def validate(doc: dict[str, Any]) -> None:
    """Raise unless ``doc`` is valid against the shipped schema (formats checked)."""
    validator = jsonschema.Draft202012Validator(
        output_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(doc)


def run_json(*args: str) -> dict[str, Any]:
    from fairwatt.cli.app import app

    res = runner.invoke(app, [*args, "-f", "json"])
    assert res.exit_code in (0, 1), res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    validate(doc)
    return doc


def the_layout_holds(doc: dict[str, Any], command: str) -> None:
    """What the schema cannot say: units only for columns present, one factor per
    provenance entry, no infinity hidden as text in a numeric column."""
    assert doc["command"] == command
    columns = {c for rows in doc["tables"].values() for row in rows for c in row}
    assert set(doc["units"]) <= columns, set(doc["units"]) - columns
    for entry in doc["provenance"]:
        assert entry["factor"] is None or "," not in entry["factor"]
        assert all(isinstance(s, str) for s in entry["source"])
    for name, rows in doc["tables"].items():
        frame = pd.DataFrame(rows)
        for col in frame.columns:
            values = [v for v in frame[col] if v is not None]
            if values and all(isinstance(v, int | float) for v in values):
                continue
            numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            assert not (numbers and {"inf", "-inf", "nan"} & set(map(str, values))), (name, col)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.fixture(scope="module")
def audit_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "audit.json"
    from fairwatt.cli.app import app

    res = runner.invoke(app, ["audit", str(FLEET), "-q", "-o", str(path)])
    assert res.exit_code == 0, res.stderr
    return path


def test_audit(audit_json: Path) -> None:
    doc = json.loads(audit_json.read_text())
    validate(doc)
    the_layout_holds(doc, "audit")
    assert set(doc["tables"]) == {"footprint", "totals", "equity"}
    # units keyed by exact column: water_l is there, health_usd (not computed) is not
    assert doc["units"]["water_l"] == "L" and doc["units"]["carbon_kg"] == "kgCO2e"
    assert "health_usd" not in doc["units"]
    factors = [p["factor"] for p in doc["provenance"]]
    assert "pue" in factors and "wue_l_per_kwh" in factors
    pue = next(p for p in doc["provenance"] if p["factor"] == "pue")
    assert {s["site"] for s in pue["sites"]} == {r["site"] for r in doc["tables"]["footprint"]}
    assert all(isinstance(s["value"], float) for s in pue["sites"])


def test_check(audit_json: Path) -> None:
    doc = run_json("check", "--report", str(audit_json), "--rule", "max_gini_carbon_kg=0.1")
    the_layout_holds(doc, "check")
    assert doc["tables"]["results"][0]["status"] == "fail"
    assert doc["details"]["failed"] == 1


def test_equity_from_an_audit_parquet_keeps_its_provenance(tmp_path: Path) -> None:
    from fairwatt.cli.app import app

    audit = tmp_path / "audit.parquet"
    assert runner.invoke(app, ["audit", str(FLEET), "-q", "-o", str(audit)]).exit_code == 0
    meta = json.loads(pq.read_schema(audit).metadata[b"fairwatt"])
    validate(meta)
    assert meta["main_table"] == "footprint" and meta["command"] == "audit"
    doc = run_json("equity", str(audit))
    the_layout_holds(doc, "equity")
    assert doc["provenance"] == meta["provenance"]
    eq = tmp_path / "eq.parquet"
    assert runner.invoke(app, ["equity", str(audit), "-o", str(eq)]).exit_code == 0
    assert json.loads(pq.read_schema(eq).metadata[b"fairwatt"])["provenance"] == meta["provenance"]


def test_rebalance() -> None:
    doc = run_json("rebalance", str(SCENARIO), "-O", "min-cost", "-q")
    the_layout_holds(doc, "rebalance")
    assert doc["units"]["cost_usd"] == "US$" and doc["units"]["water_l"] == "L"
    (source,) = doc["provenance"]
    assert source["factor"] == "scenario" and source["licence"] == "MIT"
    assert source["source"][0].endswith(
        "<https://github.com/Ren-Research/Environmentally-Equitable-AI>"
    )


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (("sites", "list"), "sites list"),
        (("sites", "show", "aws:us-east-1"), "sites show"),
        (("factors", "list"), "factors list"),
        (("factors", "show", "country-carbon-owid"), "factors show"),
    ],
)
def test_catalog_commands(args: tuple[str, ...], command: str) -> None:
    doc = run_json(*args)
    the_layout_holds(doc, command)


def test_sites_show_has_typed_values() -> None:
    doc = run_json("sites", "show", "aws:us-east-1")
    (site,) = doc["tables"]["site"]
    assert site["pue"] == 1.15 and isinstance(site["wue_l_per_kwh"], float)
    assert doc["units"]["wue_l_per_kwh"] == "L/kWh"


def test_cache_info(tmp_path: Path) -> None:
    doc = run_json("cache", "info", "--cache-dir", str(tmp_path))
    the_layout_holds(doc, "cache info")
    (cache,) = doc["tables"]["cache"]
    assert cache["exists"] is False and cache["size_bytes"] == 0 and cache["responses"] == 0


def test_infinity_is_null_with_a_note_and_listed() -> None:
    df = pd.DataFrame({"name": ["a", "b"], "ratio": [1.5, math.inf], "text": ["inf", "x"]})
    doc = build_document(Report("t", {"t": df}, command="test"))
    validate(doc)
    assert doc["tables"]["t"][1]["ratio"] is None
    assert doc["tables"]["t"][0]["text"] == "inf"  # text stays text
    assert doc["nonfinite"] == [{"table": "t", "row": 1, "column": "ratio", "value": "inf"}]
    assert doc["notes"] == [
        "1 infinite value(s) in column ratio of table t written as null (listed in 'nonfinite')"
    ]


def test_units_by_exact_column() -> None:
    units, rest = column_units(
        {"carbon_kg": "kgCO2e", "water_*_l": "L", "energy": "MWh"},
        ["site", "carbon_kg", "water_onsite_l", "water_l", "cost_usd", "pue"],
    )
    assert units == {
        "carbon_kg": "kgCO2e",
        "water_onsite_l": "L",
        "water_l": "L",
        "cost_usd": "US$",
    }
    assert rest == {"energy": "MWh"}
    assert unit_of_column("health_usd_per_mwh") == "US$/MWh"
    assert unit_of_column("carbon_kg_per_kwh") == "kgCO2e/kWh"
    assert unit_of_column("zone") is None


def test_provenance_of_one_shape() -> None:
    entries = normalize_provenance(
        [
            {"factor": "carbon_g_per_kwh", "dataset": "d", "source": {"title": "T", "url": "u"}},
            {"factor": "ewif_l_per_kwh", "dataset": "e", "source": [{"title": "A"}, "B"]},
            {
                "factor": "pue, wue_l_per_kwh",
                "sites": [
                    {"site": "s1", "zone": "Z", "pue": 1.1, "wue_l_per_kwh": 0.5,
                     "pue_source": "P", "wue_source": "W", "origin": "cloud-sites"},
                ],
            },
        ]
    )  # fmt: skip
    assert [e["factor"] for e in entries] == ["carbon_g_per_kwh", "ewif_l_per_kwh", "pue",
                                              "wue_l_per_kwh"]  # fmt: skip
    assert entries[0]["source"] == ["T <u>"]
    assert entries[1]["source"] == ["A", "B"]
    assert entries[2]["sites"] == [
        {"site": "s1", "zone": "Z", "value": 1.1, "source": "P", "origin": "cloud-sites"}
    ]
    assert entries[3]["sites"][0]["value"] == 0.5
    assert all(list(e)[:7] == ["factor", "dataset", "version", "year", "kind", "licence",
                               "source"] for e in entries)  # fmt: skip
    # normalising twice changes nothing (documents read back are written the same)
    assert normalize_provenance(entries) == entries
