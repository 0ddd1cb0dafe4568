"""The table-level equity service: aggregation, normalisation, weights, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.services import equity as svc
from fairwatt.services import equity_report as report_svc

# Two hours of a three-region fleet. Per zone totals:
#   A: energy 2000 kWh, water 10000 L, carbon 400 kg, requests 200
#   B: energy 2000 kWh, water  4000 L, carbon 800 kg, requests 100
#   C: energy  500 kWh, water     0 L, carbon 100 kg, requests  50
ROWS = """zone,hour,energy_kwh,water_l,carbon_kg,requests
A,0,1000,5000,200,100
B,0,1000,2000,400,50
C,0,500,0,100,50
A,1,1000,5000,200,100
B,1,1000,2000,400,50
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    p = tmp_path / "fleet.csv"
    p.write_text(ROWS)
    return p


@pytest.fixture
def weights_file(tmp_path: Path) -> Path:
    p = tmp_path / "pop.csv"
    p.write_text("zone,weight\nA,10\nB,20\nC,5\nD,99\n")
    return p


def _result(indices: pd.DataFrame, value: str, index: str) -> float:
    hit = indices[(indices["value"] == value) & (indices["index"] == index)]
    assert len(hit) == 1, (value, index)
    return float(hit["result"].iloc[0])


# ----------------------------------------------------------------------------- columns


def test_split_bound_and_classify() -> None:
    assert svc.split_bound("health_low_usd") == ("health_usd", "low")
    assert svc.split_bound("health_usd_high") == ("health_usd", "high")
    assert svc.split_bound("water_l") == ("water_l", "central")
    assert svc.split_bound("low_l") == ("low_l", "central")  # a leading token is a name
    cols = ["health_high_usd", "water_l", "health_usd", "health_low_usd", "carbon_low_kg"]
    got = [(c.column, c.footprint, c.bound) for c in svc.classify_columns(cols)]
    assert got == [
        ("health_usd", "health_usd", "central"),
        ("health_low_usd", "health_usd", "low"),
        ("health_high_usd", "health_usd", "high"),
        ("water_l", "water_l", "central"),
        # no carbon_kg next to it: a footprint of its own
        ("carbon_low_kg", "carbon_low_kg", "central"),
    ]
    avail = ["zone", "health_usd", "health_low_usd", "health_high_usd", "water_l"]
    assert svc.with_bounds(["health_usd"], avail) == [
        "health_usd",
        "health_low_usd",
        "health_high_usd",
    ]


# ----------------------------------------------------------------------------- aggregate


def test_aggregate_sums_per_region(table: Path) -> None:
    df = pd.read_csv(table)
    agg = svc.aggregate(df, "zone", ["water_l", "energy_kwh"])
    assert list(agg.index) == ["A", "B", "C"]
    assert agg["water_l"].tolist() == [10000.0, 4000.0, 0.0]
    assert agg["energy_kwh"].tolist() == [2000.0, 2000.0, 500.0]


@pytest.mark.parametrize(
    ("cell", "message"),
    [("", "missing"), ("-3", "negative"), ("abc", "not a number"), ("inf", "infinite")],
)
def test_aggregate_refuses_bad_cells(cell: str, message: str) -> None:
    from io import StringIO

    text = "zone,water_l\nA,1\nB,2\nC," + cell + "\n"
    df = pd.read_csv(StringIO(text), dtype={"water_l": "string"} if cell == "abc" else None)
    with pytest.raises(InputError, match=message) as info:
        svc.aggregate(df, "zone", ["water_l"], file="f.csv")
    err = info.value
    assert (err.file, err.row, err.column) == ("f.csv", 3, "water_l")
    assert "region C" in str(err)


def test_aggregate_unknown_columns_list_available(table: Path) -> None:
    df = pd.read_csv(table)
    with pytest.raises(InputError, match=r"no value column 'steam_l'.*available: zone, hour"):
        svc.aggregate(df, "zone", ["steam_l"])
    with pytest.raises(InputError, match=r"no group column 'site'.*available: zone"):
        svc.aggregate(df, "site", ["water_l"])


def test_aggregate_missing_region_name() -> None:
    df = pd.DataFrame({"zone": ["A", None], "water_l": [1.0, 2.0]})
    with pytest.raises(InputError, match="region name is empty") as info:
        svc.aggregate(df, "zone", ["water_l"])
    assert info.value.row == 2


# ----------------------------------------------------------------------------- normalise


def test_normalize_per_kwh_and_per_request(table: Path) -> None:
    agg = svc.aggregate(pd.read_csv(table), "zone", ["water_l", "energy_kwh", "requests"])
    per_kwh = svc.normalize(agg, ["water_l"], "per_kwh")
    # 10000/2000 = 5, 4000/2000 = 2, 0/500 = 0 L/kWh
    assert per_kwh["water_l"].tolist() == [5.0, 2.0, 0.0]
    per_req = svc.normalize(agg, ["water_l"], "per_request")
    # 10000/200 = 50, 4000/100 = 40, 0/50 = 0 L/request
    assert per_req["water_l"].tolist() == [50.0, 40.0, 0.0]
    assert svc.normalize(agg, ["water_l"], "raw")["water_l"].tolist() == [10000.0, 4000.0, 0.0]


def test_normalize_errors(table: Path) -> None:
    agg = svc.aggregate(pd.read_csv(table), "zone", ["water_l", "energy_kwh"])
    with pytest.raises(InputError, match="needs a column 'requests'"):
        svc.normalize(agg, ["water_l"], "per_request")
    with pytest.raises(InputError, match="unknown normalisation"):
        svc.normalize(agg, ["water_l"], "per_mile")
    zero = agg.copy()
    zero.loc["C", "energy_kwh"] = 0.0
    with pytest.raises(InputError, match=r"energy_kwh is zero for region\(s\) C"):
        svc.normalize(zero, ["water_l"], "per_kwh")


def test_weights_file_and_missing_regions(tmp_path: Path, weights_file: Path) -> None:
    w = svc.read_weights(weights_file)
    assert w.to_dict() == {"A": 10.0, "B": 20.0, "C": 5.0, "D": 99.0}
    regions = pd.Index(["A", "B", "C", "E", "F"])
    with pytest.raises(InputError, match=r"weights miss 2 region\(s\): E, F") as info:
        svc.align_weights(regions, w, file=str(weights_file))
    assert info.value.file == str(weights_file)
    bad = tmp_path / "bad.csv"
    bad.write_text("zone,weight\nA,1\nB,-2\n")
    with pytest.raises(InputError, match="negative") as info:
        svc.read_weights(bad)
    assert (info.value.row, info.value.column) == (3, "weight")  # line 3 of the file
    bad.write_text("zone,weight\nA,1\nA,2\n")
    with pytest.raises(InputError, match="more than once"):
        svc.read_weights(bad)
    bad.write_text("zone,pop\nA,1\n")
    with pytest.raises(InputError, match="needs columns"):
        svc.read_weights(bad)
    bad.write_text("zone,weight\nA,\n")
    with pytest.raises(InputError, match="missing or not a finite number"):
        svc.read_weights(bad)


# ----------------------------------------------------------------------------- indices


def test_indices_for_groups_shape_and_values() -> None:
    per_group = pd.DataFrame(
        {
            "water_l": [10.0, 4.0, 0.0],
            "health_usd": [3.0, 2.0, 1.0],
            "health_low_usd": [1.0, 1.0, 1.0],
            "health_high_usd": [9.0, 0.0, 0.0],
        },
        index=pd.Index(["A", "B", "C"], name="zone"),
    )
    cols = ["water_l", "health_usd", "health_low_usd", "health_high_usd"]
    out = svc.indices_for_groups(per_group, cols)
    assert list(out.columns) == ["footprint", "bound", "value", "index", "result", "note"]
    # 13 per column: gini, max_to_mean, max_to_min, theil_t, theil_l, 3 x atkinson,
    # cv, jain, hoover, lq_norm, top_1_share
    assert len(out) == 4 * 13
    assert set(out.loc[out["footprint"] == "health_usd", "bound"]) == {"central", "low", "high"}
    # water (10, 4, 0): Gini 40/84, PAR 10/(14/3)
    assert _result(out, "water_l", "gini") == pytest.approx(40 / 84)
    assert _result(out, "water_l", "max_to_mean") == pytest.approx(30 / 14)
    # health low (1, 1, 1): all equal -> Gini 0, Jain 1
    assert _result(out, "health_low_usd", "gini") == 0.0
    assert _result(out, "health_low_usd", "jain_index") == 1.0
    # health high (9, 0, 0): Gini = 2 * (9 + 9) / (2 * 9 * 3) = 2/3 = 1 - 1/n
    assert _result(out, "health_high_usd", "gini") == pytest.approx(2 / 3)
    assert _result(out, "health_high_usd", "top_1_share") == 1.0
    gini_note = out.loc[out["index"] == "gini", "note"].iloc[0]
    assert gini_note.startswith("population form")


def test_indices_for_groups_all_zero_is_undefined() -> None:
    per_group = pd.DataFrame({"water_l": [0.0, 0.0]}, index=["A", "B"])
    out = svc.indices_for_groups(per_group, ["water_l"])
    gini = out[out["index"] == "gini"].iloc[0]
    assert math.isnan(gini["result"]) and gini["note"].startswith("undefined")
    assert out.loc[out["index"] != "lq_norm(2)", "result"].isna().all()


def test_indices_for_groups_errors() -> None:
    per_group = pd.DataFrame({"water_l": [1.0, np.nan]}, index=["A", "B"])
    with pytest.raises(InputError, match=r"region B is missing \(NaN\)") as info:
        svc.indices_for_groups(per_group, ["water_l"])
    assert info.value.column == "water_l"
    per_group = pd.DataFrame({"water_l": [1.0, -2.0]}, index=["A", "B"])
    with pytest.raises(InputError, match="region B is negative"):
        svc.indices_for_groups(per_group, ["water_l"])
    ok = pd.DataFrame({"water_l": [1.0, 2.0]}, index=["A", "B"])
    with pytest.raises(InputError, match="available: water_l"):
        svc.indices_for_groups(ok, ["carbon_kg"])
    with pytest.raises(InputError, match="unknown Gini form"):
        svc.indices_for_groups(ok, ["water_l"], gini_form="biased")
    w = pd.Series({"A": 1.0, "B": 2.0})
    with pytest.raises(InputError, match="unweighted values only"):
        svc.indices_for_groups(ok, ["water_l"], weights=w, gini_form="sample")
    with pytest.raises(InputError, match=r"weights miss 1 region\(s\): B"):
        svc.indices_for_groups(ok, ["water_l"], weights=pd.Series({"A": 1.0}))
    with pytest.raises(InputError, match="epsilon"):
        svc.indices_for_groups(ok, ["water_l"], epsilons=[-1.0])
    with pytest.raises(InputError, match=r"weights\[1\] is negative"):
        svc.indices_for_groups(ok, ["water_l"], weights=pd.Series({"A": 1.0, "B": -1.0}))
    with pytest.raises(InputError, match="weights are all zero"):
        report_svc.lorenz_table(ok, ["water_l"], weights=pd.Series({"A": 0.0, "B": 0.0}))


def test_indices_for_groups_sample_and_weighted() -> None:
    per_group = pd.DataFrame({"x": [3.0, 0.0, 1.0]}, index=["A", "B", "C"])
    sample = svc.indices_for_groups(per_group, ["x"], gini_form="sample")
    # population Gini: |3-0| + |3-1| + |0-1| = 6, double 12 / (2 * 9 * 4/3) = 0.5;
    # sample: 0.5 * 3/2 = 0.75
    assert _result(sample, "x", "gini") == pytest.approx(0.75)
    w = pd.Series({"C": 3.0, "A": 1.0, "B": 2.0})  # order of the weights does not matter
    weighted = svc.indices_for_groups(per_group, ["x"], weights=w)
    # hand-computed in test_equity_models: weighted Gini 0.5, weighted PAR 3
    assert _result(weighted, "x", "gini") == pytest.approx(0.5)
    assert _result(weighted, "x", "max_to_mean") == pytest.approx(3.0)


def test_lorenz_table() -> None:
    per_group = pd.DataFrame({"x": [6.0, 1.0, 3.0, 2.0]}, index=["A", "B", "C", "D"])
    lt = report_svc.lorenz_table(per_group, ["x"])
    assert lt["region"].tolist() == ["", "B", "D", "C", "A"]
    np.testing.assert_allclose(lt["population_share"], [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(lt["value_share"], [0, 1 / 12, 3 / 12, 6 / 12, 1])


# ----------------------------------------------------------------------------- report


def test_equity_report_end_to_end(table: Path) -> None:
    rep = report_svc.equity_report(
        table, report_svc.EquityOptions(values=["water_l,carbon_kg"])
    ).to_report()
    ind = rep.tables["indices"]
    assert list(rep.tables) == ["indices", "per_region"]
    assert set(ind["value"]) == {"water_l", "carbon_kg"}
    assert (ind["normalization"] == "raw").all()
    assert _result(ind, "water_l", "gini") == pytest.approx(40 / 84)
    # carbon (400, 800, 100): mean 1300/3, PAR = 800 * 3 / 1300
    assert _result(ind, "carbon_kg", "max_to_mean") == pytest.approx(2400 / 1300)
    assert rep.metadata["gini_form"] == "population"
    assert rep.metadata["regions"] == 3


def test_equity_report_per_weight_weighted_parquet(
    tmp_path: Path, table: Path, weights_file: Path
) -> None:
    pq = tmp_path / "fleet.parquet"
    pd.read_csv(table).to_parquet(pq)
    opts = report_svc.EquityOptions(
        values=["water_l"],
        normalize="per_weight",
        weights_file=str(weights_file),
        weighted=True,
        lorenz=True,
    )
    rep = report_svc.equity_report(pq, opts).to_report()
    assert list(rep.tables) == ["lorenz", "indices", "per_region"]
    # per capita: A 10000/10 = 1000, B 4000/20 = 200, C 0/5 = 0 L per person;
    # population-weighted mean = (10000 + 4000 + 0) / 35 = 400; PAR = 1000 / 400 = 2.5
    assert rep.tables["per_region"]["water_l_per_weight"].tolist() == [1000.0, 200.0, 0.0]
    assert _result(rep.tables["indices"], "water_l", "max_to_mean") == pytest.approx(2.5)
    # weighted Gini over people: pairs (1000,200) 10*20*800 = 160000,
    # (1000,0) 10*5*1000 = 50000, (200,0) 20*5*200 = 20000 -> 230000, double 460000;
    # / (2 * 35^2 * 400) = 460000 / 980000
    assert _result(rep.tables["indices"], "water_l", "gini") == pytest.approx(460 / 980)
    lor = rep.tables["lorenz"]
    # people sorted by burden: C (5), B (20), A (10) of 35; water 0, 4000, 10000 of 14000
    np.testing.assert_allclose(lor["population_share"], [0, 5 / 35, 25 / 35, 1])
    np.testing.assert_allclose(lor["value_share"], [0, 0, 4 / 14, 1])


def test_equity_report_option_errors(table: Path, weights_file: Path) -> None:
    with pytest.raises(InputError, match="need a weights file"):
        report_svc.equity_report(table, report_svc.EquityOptions(normalize="per_weight"))
    with pytest.raises(InputError, match="given but not used"):
        report_svc.equity_report(table, report_svc.EquityOptions(weights_file=str(weights_file)))
    with pytest.raises(InputError, match="unknown normalisation"):
        report_svc.equity_report(table, report_svc.EquityOptions(normalize="per_capita"))
    xlsx = weights_file.with_suffix(".xlsx")
    xlsx.write_bytes(b"PK")
    with pytest.raises(InputError, match="unknown table type"):
        report_svc.equity_report(xlsx, report_svc.EquityOptions())
    with pytest.raises(InputError, match="file not found"):
        report_svc.equity_report(table.with_name("nope.csv"), report_svc.EquityOptions())


def test_default_value_columns_pick_footprints(table: Path) -> None:
    rep = report_svc.equity_report(table, report_svc.EquityOptions()).to_report()
    assert rep.metadata["value_columns"] == ["water_l", "carbon_kg"]
