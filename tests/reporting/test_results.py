"""AuditResult: the audit's versioned JSON round-trips, and bad documents are refused."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.reporting.document import normalize_provenance
from fairwatt.reporting.results import AUDIT_SCHEMA_VERSION, AuditResult
from fairwatt.services.audit import AuditOptions, run_audit

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"


@pytest.fixture(scope="module")
def result() -> AuditResult:
    opts = AuditOptions(by=["zone", "day"], footprints=["carbon", "water"])
    return run_audit([str(FLEET)], opts)


def test_json_round_trip_keeps_every_field(result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    text = result.to_json(path)
    assert path.read_text(encoding="utf-8") == text
    back = AuditResult.from_json(path)
    pd.testing.assert_frame_equal(back.table, result.table, check_dtype=False)
    pd.testing.assert_series_equal(back.totals, result.totals)
    assert back.equity is not None and result.equity is not None
    pd.testing.assert_frame_equal(back.equity, result.equity, check_names=False)
    # the document holds the provenance in its one shape (one factor per entry)
    assert back.provenance == normalize_provenance(result.provenance)
    for name in (
        "notes",
        "by",
        "footprints",
        "options",
        "inputs",
        "records",
        "period_start",
        "period_end",
        "units",
        "equity_info",
        "fairwatt_version",
        "generated_at",
        "schema_version",
    ):
        assert getattr(back, name) == getattr(result, name), name
    # the text itself is stable under a second round trip
    assert back.to_json() == text


def test_document_layout(result: AuditResult) -> None:
    doc = json.loads(result.to_json())
    assert list(doc)[:5] == [
        "schema_version",
        "fairwatt_version",
        "generated_at",
        "command",
        "title",
    ]
    assert doc["schema_version"] == AUDIT_SCHEMA_VERSION
    assert doc["command"] == "audit"
    assert {"footprint", "totals", "equity"} == set(doc["tables"])
    assert {"options", "units", "provenance", "notes", "details"} <= set(doc)
    gini = next(r for r in doc["tables"]["equity"] if r["index"] == "gini")
    assert gini["carbon_kg"] == pytest.approx(result.equity.loc["gini", "carbon_kg"])
    # the table is keyed as the API documents it
    assert result.totals["carbon_kg"] == pytest.approx(result.table["carbon_kg"].sum())


def version_1(result: AuditResult) -> dict[str, object]:
    """The document as fairwatt wrote it before the common layout (version 1)."""
    doc = json.loads(result.to_json())
    meta = {**doc["details"], **{k: doc[k] for k in ("fairwatt_version", "generated_at")}}
    meta.update(options=doc["options"], units=doc["units"], provenance=doc["provenance"])
    return {"title": doc["title"], "metadata": meta, "notes": doc["notes"], **doc["tables"]}


def test_document_without_version_reads_as_version_1(result: AuditResult) -> None:
    doc = version_1(result)
    back = AuditResult.from_json(json.dumps(doc))
    assert back.schema_version == 1
    assert back.totals["water_l"] == pytest.approx(result.totals["water_l"])
    assert back.by == ["zone", "day"]


def test_newer_schema_version_is_refused(result: AuditResult, tmp_path: Path) -> None:
    doc = json.loads(result.to_json())
    doc["schema_version"] = AUDIT_SCHEMA_VERSION + 1
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="upgrade fairwatt") as info:
        AuditResult.from_json(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"title": "something else"}', "not a fairwatt audit JSON document"),
    ],
)
def test_bad_documents(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        AuditResult.from_json(path)


def test_infinite_and_missing_numbers_survive(result: AuditResult) -> None:
    doc = version_1(result)
    doc["totals"][0]["carbon_kg"] = None  # type: ignore[index]
    doc["equity"][0]["water_l"] = "inf"  # type: ignore[index]
    back = AuditResult.from_json(json.dumps(doc))
    assert math.isnan(back.totals["carbon_kg"])
    assert back.equity is not None and math.isinf(back.equity.iloc[0]["water_l"])


def test_an_infinite_index_is_null_with_a_note_and_reads_back(result: AuditResult) -> None:
    changed = AuditResult.from_json(result.to_json())
    assert changed.equity is not None
    changed.equity.loc["max_to_mean", "water_l"] = math.inf
    doc = json.loads(changed.to_json())
    row = [r["index"] for r in doc["tables"]["equity"]].index("max_to_mean")
    assert doc["tables"]["equity"][row]["water_l"] is None
    assert doc["nonfinite"] == [
        {"table": "equity", "row": row, "column": "water_l", "value": "inf"}
    ]
    assert any("infinite" in n and "water_l" in n for n in doc["notes"])
    back = AuditResult.from_json(json.dumps(doc))
    assert back.equity is not None and back.equity.loc["max_to_mean", "water_l"] == math.inf


def test_parquet_carries_the_document(result: AuditResult, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "audit.parquet"
    result.to_parquet(path)
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"fairwatt"])
    assert meta["schema_version"] == AUDIT_SCHEMA_VERSION
    assert meta["details"]["by"] == ["zone", "day"]
    assert meta["command"] == "audit" and meta["main_table"] == "footprint"
    assert table.num_rows == len(result.table)
