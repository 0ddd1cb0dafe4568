"""`fairwatt equity` through the command line."""

from __future__ import annotations

import json
import math
from io import StringIO
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

runner = CliRunner()

# REFERENCE.md R5, min-cost allocation (2, 2, 0) MWh over the horizon, water intensity
# (5, 2, 1) m3/MWh: site water (10, 4, 0) m3 = (10000, 4000, 0) L, split over 2 hours.
# Carbon (0.2, 0.4, 0.3) t/MWh: (400, 800, 0) kg.
R5_LOG = """site,hour,energy_kwh,water_l,carbon_kg
A,0,1000,5000,200
B,0,1000,2000,400
C,0,0,0,0
A,1,1000,5000,200
B,1,1000,2000,400
C,1,0,0,0
"""


@pytest.fixture
def r5(tmp_path: Path) -> Path:
    p = tmp_path / "r5.csv"
    p.write_text(R5_LOG)
    return p


def equity(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["equity", *args], input=stdin)


def _result(df: pd.DataFrame, value: str, index: str) -> float:
    hit = df[(df["value"] == value) & (df["index"] == index)]
    assert len(hit) == 1
    return float(hit["result"].iloc[0])


def test_help() -> None:
    res = equity("--help")
    assert res.exit_code == 0
    assert "--gini-form" in res.stdout and "Example:" in res.stdout


def test_csv_output_r5(r5: Path) -> None:
    res = equity(str(r5), "--by", "site", "--value", "water_l,carbon_kg", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(StringIO(res.stdout))
    # R5: PAR 2.1429, Gini 0.4762 (hand: 30/14 and 40/84)
    assert _result(df, "water_l", "max_to_mean") == pytest.approx(2.1429, abs=1e-4)
    assert _result(df, "water_l", "gini") == pytest.approx(0.4762, abs=1e-4)
    # carbon (400, 800, 0): mean 400, PAR 2; a region at zero -> max/min infinite
    assert _result(df, "carbon_kg", "max_to_mean") == pytest.approx(2.0)
    assert _result(df, "carbon_kg", "max_to_min") == math.inf
    assert "population form" in res.stderr  # the Gini form is said for CSV output


def test_json_output_with_lorenz_and_sample_form(r5: Path) -> None:
    res = equity(
        str(r5), "--by", "site", "--value", "water_l", "--gini-form", "sample", "--lorenz",
        "-f", "json",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["details"]["gini_form"] == "sample"
    gini = next(r for r in doc["tables"]["indices"] if r["index"] == "gini")
    # sample form: 40/84 * 3/2 = 60/84
    assert gini["result"] == pytest.approx(60 / 84)
    assert gini["note"].startswith("sample form")
    mm = next(r for r in doc["tables"]["indices"] if r["index"] == "max_to_min")
    assert mm["result"] is None  # infinite: null, listed in "nonfinite"
    row = doc["tables"]["indices"].index(mm)
    assert {"table": "indices", "row": row, "column": "result", "value": "inf"} in doc["nonfinite"]
    assert [p["region"] for p in doc["tables"]["lorenz"]] == ["", "C", "B", "A"]
    assert [round(p["value_share"], 6) for p in doc["tables"]["lorenz"]] == [
        0.0,
        0.0,
        round(4 / 14, 6),
        1.0,
    ]
    assert doc["tables"]["per_region"][0] == {"site": "A", "water_l": 10000.0}


def test_lorenz_is_the_csv_table(r5: Path) -> None:
    res = equity(str(r5), "--by", "site", "--value", "water_l", "--lorenz", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(StringIO(res.stdout), keep_default_na=False)
    assert list(df.columns) == ["value", "region", "population_share", "value_share"]
    assert len(df) == 4


def test_parquet_file_output_and_per_kwh(r5: Path, tmp_path: Path) -> None:
    out = tmp_path / "eq.parquet"
    res = equity(str(r5), "--by", "site", "--value", "water_l", "--normalize", "per_kwh",
                 "-o", str(out))  # fmt: skip
    # C has zero energy: water per kWh is undefined there
    assert res.exit_code == 2
    assert "energy_kwh is zero for region(s) C" in res.stderr
    assert not out.exists()
    log = pd.read_csv(StringIO(R5_LOG))
    log = log[log["site"] != "C"]
    pq_in = tmp_path / "ab.parquet"
    log.to_parquet(pq_in)
    res = equity(str(pq_in), "--by", "site", "--value", "water_l", "--normalize", "per_kwh",
                 "-o", str(out), "-q")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert res.stderr == ""
    df = pq.read_table(out).to_pandas()
    # per kWh: A 10000/2000 = 5, B 4000/2000 = 2 L/kWh; PAR = 5 / 3.5
    assert _result(df, "water_l", "max_to_mean") == pytest.approx(5 / 3.5)
    assert set(df["normalization"]) == {"per_kwh"}


def test_stdin_and_weights(tmp_path: Path) -> None:
    weights = tmp_path / "pop.csv"
    weights.write_text("site,weight\nA,10\nB,20\n")
    res = equity("-", "--by", "site", "--value", "water_l", "--normalize", "per_weight",
                 "--weights-file", str(weights), "-f", "csv", stdin=R5_LOG)  # fmt: skip
    assert res.exit_code == 2
    assert "weights miss 1 region(s): C" in res.stderr
    assert str(weights) in res.stderr
    weights.write_text("site,weight\nA,10\nB,20\nC,5\n")
    res = equity("-", "--by", "site", "--value", "water_l", "--normalize", "per_weight",
                 "--weights-file", str(weights), "--weighted", "-f", "csv",
                 stdin=R5_LOG)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(StringIO(res.stdout))
    # per person (1000, 200, 0) L over 35 people: mean 14000/35 = 400, PAR 1000/400
    assert _result(df, "water_l", "max_to_mean") == pytest.approx(2.5)


def test_the_old_weights_spelling_still_works_with_a_warning(tmp_path: Path) -> None:
    weights = tmp_path / "pop.csv"
    weights.write_text("site,weight\nA,10\nB,20\nC,5\n")
    common = ["-", "--by", "site", "--value", "water_l", "--normalize", "per_weight"]
    res = equity(*common, "--weights", str(weights), "--weighted", "-f", "csv", stdin=R5_LOG)
    assert res.exit_code == 0, res.stderr
    assert "--weights FILE is now spelled --weights-file FILE" in res.stderr
    assert _result(pd.read_csv(StringIO(res.stdout)), "water_l", "max_to_mean") == 2.5
    both = equity(*common, "--weights", str(weights), "--weights-file", str(weights), stdin=R5_LOG)
    assert both.exit_code == 2
    assert "--weights is its old name" in both.stderr


@pytest.mark.parametrize(
    ("body", "args", "message"),
    [
        # CSV rows are line numbers: header line 1, A line 2, B line 3
        ("site,water_l\nA,1\nB,\n", [], "row 3, column 'water_l': value for region B is missing"),
        ("site,water_l\nA,1\nB,-4\n", [], "value for region B is negative"),
        ("site,water_l\nA,1\n", ["--value", "steam_l"], "available: site, water_l"),
        ("site,water_l\nA,1\n", ["--by", "zone"], "no group column 'zone'"),
        ("site,water_l\nA,1\n", ["--normalize", "per_mile"], "unknown normalisation"),
        ("site,water_l\nA,1\n", ["--gini-form", "unbiased"], "unknown Gini form"),
        ("site,water_l\nA,1\n", ["--epsilon", "a,b"], "--epsilon must be"),
        ("site,water_l\nA,1\n", ["--top-k", "0"], "k must be"),
        ("site,water_l\nA,1\n", ["--weighted"], "need a weights file"),
        ("site,notes\nA,x\n", ["--by", "site"], "no footprint columns"),
    ],
)
def test_invalid_input_exits_2(tmp_path: Path, body: str, args: list[str], message: str) -> None:
    p = tmp_path / "t.csv"
    p.write_text(body)
    by = [] if "--by" in args else ["--by", "site"]
    res = equity(str(p), *by, *args, "-f", "csv")
    assert res.exit_code == 2, res.stdout
    assert message in res.stderr
    assert res.stdout == ""
    assert "Traceback" not in res.stderr


def test_all_zero_reports_undefined(tmp_path: Path) -> None:
    p = tmp_path / "z.csv"
    p.write_text("zone,water_l\nA,0\nB,0\n")
    res = equity(str(p), "-f", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)["tables"]["indices"]
    gini = next(r for r in rows if r["index"] == "gini")
    assert gini["result"] is None and gini["note"].startswith("undefined: all values are zero")


def test_one_region(tmp_path: Path) -> None:
    p = tmp_path / "one.csv"
    p.write_text("zone,water_l\nA,3\nA,4\n")
    res = equity(str(p), "-f", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    got = {r["index"]: r["result"] for r in doc["tables"]["indices"]}
    assert got["gini"] == 0.0 and got["max_to_mean"] == 1.0 and got["jain_index"] == 1.0
    assert any("one region only" in n for n in doc["notes"])


def test_table_output_to_file(r5: Path, tmp_path: Path) -> None:
    out = tmp_path / "eq.md"
    res = equity(str(r5), "--by", "site", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    text = out.read_text()
    assert "## indices" in text and "## per_region" in text
    # water (10000, 4000, 0): Gini 40/84 = 0.476 at three decimals
    assert "| water_l | central | water_l | raw | gini | 0.476 |" in text


def test_q_inf_and_top_k(r5: Path) -> None:
    res = equity(str(r5), "--by", "site", "--value", "water_l", "--q", "inf", "--top-k", "2",
                 "-f", "json")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    got = {r["index"]: r["result"] for r in doc["tables"]["indices"]}
    assert got["lq_norm(inf)"] == 10000.0  # the worst region, in litres
    assert got["top_2_share"] == 1.0  # (10000 + 4000) / 14000
    assert doc["details"]["lq_order"] == "inf"
