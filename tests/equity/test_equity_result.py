"""The typed result of the equity service: orientation, report, JSON round trip."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.io.writers import report_to_json, report_to_markdown
from fairwatt.services.equity import equity_of
from fairwatt.services.equity_report import equity_report
from fairwatt.services.equity_result import EQUITY_SCHEMA_VERSION, EquityOptions, EquityResult

# Per zone totals: A water 10000 L, carbon 400 kg, health 20 (10..40) US$;
# B water 4000, carbon 800, health 33 (11..44); C water 0, carbon 100, health 0.
ROWS = """zone,hour,energy_kwh,water_l,carbon_kg,health_usd,health_low_usd,health_high_usd
A,0,1000,5000,200,10,5,20
B,0,1000,2000,400,30,10,40
C,0,500,0,100,0,0,0
A,1,1000,5000,200,10,5,20
B,1,1000,2000,400,3,1,4
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    p = tmp_path / "fleet.csv"
    p.write_text(ROWS)
    return p


@pytest.fixture
def weights_file(tmp_path: Path) -> Path:
    p = tmp_path / "pop.csv"
    p.write_text("zone,weight\nA,10\nB,20\nC,5\n")
    return p


@pytest.fixture
def weighted(table: Path, weights_file: Path) -> EquityResult:
    options = EquityOptions(
        normalize="per_weight", weights_file=str(weights_file), weighted=True, lorenz=True
    )
    return equity_report(table, options)


def _assert_same(a: EquityResult, b: EquityResult) -> None:
    pd.testing.assert_frame_equal(a.indices, b.indices)
    pd.testing.assert_frame_equal(a.details, b.details)
    pd.testing.assert_frame_equal(a.per_region, b.per_region)
    if a.lorenz is None:
        assert b.lorenz is None
    else:
        assert b.lorenz is not None
        pd.testing.assert_frame_equal(a.lorenz, b.lorenz)
    if a.weights is None:
        assert b.weights is None
    else:
        assert b.weights is not None
        pd.testing.assert_series_equal(a.weights, b.weights)
    assert a.notes == b.notes
    assert a.options == b.options
    assert a.source == b.source
    assert (a.fairwatt_version, a.generated_at, a.schema_version) == (
        b.fairwatt_version,
        b.generated_at,
        b.schema_version,
    )
    # the writers see the same report
    ra, rb = a.to_report(), b.to_report()
    assert report_to_json(ra) == report_to_json(rb)
    assert report_to_markdown(ra) == report_to_markdown(rb)


# ----------------------------------------------------------------------------- fields


def test_indices_one_row_per_index_one_column_per_value(table: Path) -> None:
    result = equity_report(table, EquityOptions(values=["water_l,health_usd"]))
    assert list(result.indices.columns) == [
        "water_l",
        "health_usd",
        "health_low_usd",
        "health_high_usd",
    ]
    assert result.indices.index.name == "index"
    assert result.indices.index[0] == "gini"
    # water (10000, 4000, 0): Gini = (6000 + 10000 + 4000) / (2 * 9 * 14000/3) = 40/84
    assert result.indices.loc["gini", "water_l"] == pytest.approx(40 / 84)
    assert math.isinf(result.indices.loc["max_to_min", "water_l"])
    # the same numbers as the library's equity_of on the per-region values
    pd.testing.assert_frame_equal(result.indices, equity_of(result.per_region))
    assert result.value_columns == list(result.indices.columns)
    assert result.per_region.index.name == "zone"
    assert result.per_region["water_l"].tolist() == [10000.0, 4000.0, 0.0]
    assert result.lorenz is None and result.weights is None
    assert result.schema_version == EQUITY_SCHEMA_VERSION
    assert result.fairwatt_version and result.generated_at.endswith("+00:00")
    assert "regions=3" in repr(result)


def test_to_report_tables_and_metadata(weighted: EquityResult) -> None:
    report = weighted.to_report()
    assert report.title == "Inequity indices"
    assert list(report.tables) == ["lorenz", "indices", "per_region"]
    shown = report.tables["per_region"]
    assert list(shown.columns)[:2] == ["zone", "water_l_per_weight"]
    assert shown["weight"].tolist() == [10.0, 20.0, 5.0]
    assert shown["water_l_per_weight"].tolist() == [1000.0, 200.0, 0.0]
    assert report.metadata["weighted"] is True
    assert report.metadata["gini_form"] == "weighted population"
    assert report.metadata["regions"] == 3
    assert report.notes == weighted.notes
    assert weighted.options.lorenz and weighted.weights is not None


# ----------------------------------------------------------------------------- JSON


def test_json_round_trip_text_and_file(weighted: EquityResult, tmp_path: Path) -> None:
    text = weighted.to_json()
    doc = json.loads(text)
    assert doc["schema"] == "fairwatt.equity"
    assert doc["schema_version"] == EQUITY_SCHEMA_VERSION
    _assert_same(weighted, EquityResult.from_json(text))
    path = tmp_path / "out" / "equity.json"
    path.parent.mkdir()
    assert weighted.to_json(path) == text
    again = EquityResult.from_json(path)
    _assert_same(weighted, again)
    assert again.to_json() == text


def test_json_round_trip_infinite_q_and_no_lorenz(table: Path) -> None:
    result = equity_report(table, EquityOptions(q=math.inf, normalize="per_kwh", k=2))
    back = EquityResult.from_json(result.to_json())
    _assert_same(result, back)
    assert back.options.q == math.inf
    assert back.to_report().metadata["lq_order"] == "inf"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (EQUITY_SCHEMA_VERSION + 1, r"written with equity schema version 2; .* reads up to 1"),
        (0, "schema_version 0 is not valid"),
        ("1", "schema_version '1' is not valid"),
        (None, "schema_version None is not valid"),
    ],
)
def test_wrong_or_newer_schema_version_refused(
    weighted: EquityResult, version: object, message: str
) -> None:
    doc = json.loads(weighted.to_json())
    doc["schema_version"] = version
    with pytest.raises(InputError, match=message):
        EquityResult.from_json(json.dumps(doc))


def test_newer_version_names_the_file_and_says_what_to_do(
    weighted: EquityResult, tmp_path: Path
) -> None:
    doc = json.loads(weighted.to_json())
    doc["schema_version"] = 99
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        EquityResult.from_json(path)
    assert info.value.file == str(path)
    assert "upgrade fairwatt" in (info.value.hint or "")


def test_not_an_equity_result_refused(weighted: EquityResult, tmp_path: Path) -> None:
    doc = json.loads(weighted.to_json())
    doc["schema"] = "fairwatt.rebalance"
    with pytest.raises(InputError, match="not a fairwatt equity result"):
        EquityResult.from_json(json.dumps(doc))
    with pytest.raises(InputError, match="not a JSON document"):
        EquityResult.from_json("{not json")
    with pytest.raises(InputError, match="cannot read the equity result"):
        EquityResult.from_json(tmp_path / "missing.json")
    del doc["tables"]
    doc["schema"] = "fairwatt.equity"
    with pytest.raises(InputError, match="malformed document"):
        EquityResult.from_json(json.dumps(doc))
    doc = json.loads(weighted.to_json())
    doc["options"]["colour"] = "red"
    with pytest.raises(InputError, match="unknown option"):
        EquityResult.from_json(json.dumps(doc))


def test_command_renders_the_result(table: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fairwatt.cli.app import app

    out = tmp_path / "equity.json"
    run = CliRunner().invoke(app, ["equity", str(table), "--lorenz", "-o", str(out)])
    assert run.exit_code == 0, run.output
    expected = equity_report(table, EquityOptions(lorenz=True)).to_report()
    got, want = json.loads(out.read_text()), json.loads(report_to_json(expected))
    del got["generated_at"], want["generated_at"]  # computed apart, seconds may differ
    assert got == want
