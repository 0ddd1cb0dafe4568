"""Reading scenario files: forms of tables, units, time handling and error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.services.rebalance import load_scenario

HOURS = ["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "2024-03-01T02:00:00Z"]


def _write(tmp_path: Path, toml: str, tables: dict[str, pd.DataFrame]) -> Path:
    for name, df in tables.items():
        if name.endswith(".parquet"):
            df.to_parquet(tmp_path / name, index=False)
        else:
            df.to_csv(tmp_path / name, index=False)
    path = tmp_path / "scenario.toml"
    path.write_text(toml, encoding="utf-8")
    return path


BASE = """
title = "two sites"
sites = ["x", "y"]
gateways = ["u", "v"]
[capacity]
value = {x = 1500.0, y = 500.0}
unit = "kWh"
[demand]
file = "demand.csv"
[factors.price]
file = "factors.parquet"
column = "price_usd_per_kwh"
unit = "USD/kWh"
[factors.carbon]
file = "factors.parquet"
column = "carbon_g_per_kwh"
unit = "g/kWh"
[factors.water]
value = 2.0
unit = "gal/MWh"
[masks.only_x]
matrix = [[1, 1], [0, 1]]
[nearest]
u = "x"
v = "y"
"""


def _tables() -> dict[str, pd.DataFrame]:
    demand = pd.DataFrame({"timestamp": HOURS, "u": [0.5, 0.6, 0.7], "v": [0.1, 0.2, 0.3]})
    long = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(HOURS * 2),
            "site": ["x"] * 3 + ["y"] * 3,
            "price_usd_per_kwh": [0.05, 0.06, 0.07, 0.10, 0.11, 0.12],
            "carbon_g_per_kwh": [400.0, 410.0, 420.0, 20.0, 30.0, 40.0],
        }
    )
    return {"demand.csv": demand, "factors.parquet": long}


def test_forms_and_units(tmp_path: Path) -> None:
    loaded = load_scenario(_write(tmp_path, BASE, _tables()))
    sc = loaded.scenario
    assert sc.sites == ("x", "y")
    assert sc.gateways == ("u", "v")
    # kWh -> MWh
    np.testing.assert_allclose(sc.capacity[:, 0], [1.5, 0.5])
    # wide per-gateway demand, default unit MWh
    np.testing.assert_allclose(sc.demand, [[0.5, 0.6, 0.7], [0.1, 0.2, 0.3]])
    # long table: USD/kWh -> USD/MWh (x 1000); g/kWh -> t/MWh (/ 1000)
    np.testing.assert_allclose(sc.price[:, 0], [50.0, 100.0])
    np.testing.assert_allclose(sc.intensity["carbon"][:, 2], [0.42, 0.04])
    # 2 gal/MWh = 2 * 3.785411784 L/MWh = 0.007570823568 m3/MWh
    np.testing.assert_allclose(sc.intensity["water"], 2 * 3.785411784 / 1000)
    np.testing.assert_array_equal(sc.mask("only_x"), [[True, True], [False, True]])
    np.testing.assert_array_equal(sc.nearest_sites(), [0, 1])
    assert str(sc.hours[1]) == "2024-03-01T01:00:00.000000"


def test_hours_are_aligned_on_common_timestamps(tmp_path: Path) -> None:
    tables = _tables()
    demand = tables["demand.csv"]
    # the demand file runs one hour longer and gives times in UTC+01:00
    extra = pd.DataFrame({"timestamp": ["2024-03-01T03:00:00Z"], "u": [9.0], "v": [9.0]})
    demand = pd.concat([demand, extra], ignore_index=True)
    demand["timestamp"] = (
        pd.to_datetime(demand["timestamp"]).dt.tz_convert("Etc/GMT-1").map(lambda t: t.isoformat())
    )
    tables["demand.csv"] = demand
    loaded = load_scenario(_write(tmp_path, BASE, tables))
    assert loaded.scenario.n_hours == 3
    assert loaded.notes and "1 hours present in only some tables dropped" in loaded.notes[0]
    np.testing.assert_allclose(loaded.scenario.demand[0], [0.5, 0.6, 0.7])


def test_naive_timestamps_need_a_time_zone(tmp_path: Path) -> None:
    tables = _tables()
    tables["demand.csv"]["timestamp"] = ["2024-03-01 00:00", "2024-03-01 01:00", "2024-03-01 02:00"]
    with pytest.raises(InputError, match="no time zone") as err:
        load_scenario(_write(tmp_path, BASE, tables))
    assert "demand.csv" in str(err.value)
    assert 'timezone = "UTC"' in str(err.value)
    ok = load_scenario(_write(tmp_path, 'timezone = "UTC"\n' + BASE, tables))
    assert ok.scenario.n_hours == 3


def test_bad_number_names_file_row_and_column(tmp_path: Path) -> None:
    tables = _tables()
    tables["demand.csv"]["v"] = ["0.1", "n/a", "0.3"]
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, BASE, tables))
    text = str(err.value)
    assert "demand.csv" in text
    assert "row 3" in text
    assert "column 'v'" in text


def test_duplicate_hour_is_an_error(tmp_path: Path) -> None:
    tables = _tables()
    tables["demand.csv"]["timestamp"] = [HOURS[0], HOURS[1], HOURS[1]]
    with pytest.raises(InputError, match="appears twice") as err:
        load_scenario(_write(tmp_path, BASE, tables))
    assert "row 4" in str(err.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('unit = "g/kWh"', 'unit = "g/kg"'), "unknown unit 'g/kg'"),
        (("matrix = [[1, 1], [0, 1]]", "matrix = [[1, 1]]"), "matrix has shape"),
        (("matrix = [[1, 1], [0, 1]]", "matrix = [[1, 2], [0, 1]]"), "must be 0 or 1"),
        (('u = "x"', 'u = "z"'), "nearest site"),
        (("title", "colour = 1\ntitle"), "unknown key"),
        (("value = {x = 1500.0, y = 500.0}", "value = {x = 1500.0}"), "no value for y"),
        (('file = "demand.csv"', 'file = "missing.csv"'), "file not found"),
    ],
)
def test_errors(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    toml = BASE.replace(*edit, 1)
    with pytest.raises(InputError, match=message):
        load_scenario(_write(tmp_path, toml, _tables()))


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("sites = [", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(path)
    with pytest.raises(InputError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_split_and_pattern(tmp_path: Path) -> None:
    """One total demand series split by shares; per-site files through a pattern with
    a key table for file names that differ from site names."""
    toml = """
timezone = "UTC"
time_column = "time"
sites = [{name = "x", key = "site-x"}, "y"]
gateways = ["u", "v"]
[capacity]
value = 2.0
[demand]
file = "total.csv"
column = "power_kw"
unit = "kW"
split = {u = 0.25, v = 0.75}
[factors.price]
pattern = "price_{key}.csv"
column = "p"
"""
    tables = {
        "total.csv": pd.DataFrame(
            {"time": ["2024-01-01 00:00", "2024-01-01 01:00"], "power_kw": [800.0, 400.0]}
        ),
        "price_site-x.csv": pd.DataFrame(
            {"time": ["2024-01-01 00:00", "2024-01-01 01:00"], "p": [1.0, 2.0]}
        ),
        "price_y.csv": pd.DataFrame(
            {"time": ["2024-01-01 00:00", "2024-01-01 01:00"], "p": [3.0, 4.0]}
        ),
    }
    sc = load_scenario(_write(tmp_path, toml, tables)).scenario
    # 800 kW over an hour = 0.8 MWh, split 1:3
    np.testing.assert_allclose(sc.demand, [[0.2, 0.1], [0.6, 0.3]])
    np.testing.assert_allclose(sc.price, [[1.0, 2.0], [3.0, 4.0]])
    assert sc.footprints == ()


def test_one_site_series_and_gaps(tmp_path: Path) -> None:
    """A single site's price from one column; an hour missing from one series is
    dropped for all, with a note."""
    toml = """
sites = ["only"]
[capacity]
value = 5.0
[demand]
file = "d.csv"
[factors.price]
file = "p.csv"
column = "usd_per_mwh"
"""
    tables = {
        "d.csv": pd.DataFrame({"timestamp": HOURS, "only": [1.0, 2.0, 3.0]}),
        "p.csv": pd.DataFrame({"timestamp": [HOURS[0], HOURS[2]], "usd_per_mwh": [40.0, 60.0]}),
    }
    loaded = load_scenario(_write(tmp_path, toml, tables))
    np.testing.assert_allclose(loaded.scenario.price, [[40.0, 60.0]])
    np.testing.assert_allclose(loaded.scenario.demand, [[1.0, 3.0]])
    assert "2 hours common to every table are used (1 hours" in loaded.notes[0]


def test_mask_with_a_repeated_site_row_is_refused(tmp_path: Path) -> None:
    toml = BASE.replace(
        "[masks.only_x]\nmatrix = [[1, 1], [0, 1]]", '[masks.only_x]\nfile = "mask.csv"'
    )
    tables = {**_tables(), "mask.csv": pd.DataFrame({"site": ["x", "y", "x"], "u": 1, "v": 1})}
    with pytest.raises(InputError, match="more than one row for site 'x'"):
        load_scenario(_write(tmp_path, toml, tables))


def test_site_named_na_is_a_name(tmp_path: Path) -> None:
    """Namibia's code NA in CSV cells (long factor table, mask file) and headers is a
    name, not a missing value; an empty cell is still missing."""
    toml = """
timezone = "UTC"
sites = ["NA", "ZA"]
gateways = ["NA", "BW"]
[capacity]
value = 1.0
[demand]
file = "demand.csv"
[factors.price]
file = "price.csv"
column = "usd_per_mwh"
[masks.south]
file = "mask.csv"
[nearest]
NA = "NA"
BW = "ZA"
"""
    tables = {
        "demand.csv": pd.DataFrame({"timestamp": HOURS, "NA": [0.5, 0.6, 0.7], "BW": 0.1}),
        "price.csv": pd.DataFrame(
            {
                "timestamp": HOURS * 2,
                "site": ["NA"] * 3 + ["ZA"] * 3,
                "usd_per_mwh": [10.0, 11.0, 12.0, 20.0, 21.0, 22.0],
            }
        ),
        "mask.csv": pd.DataFrame({"site": ["NA", "ZA"], "NA": [1, 1], "BW": [0, 1]}),
    }
    sc = load_scenario(_write(tmp_path, toml, tables)).scenario
    assert sc.sites == ("NA", "ZA")
    assert sc.gateways == ("NA", "BW")
    np.testing.assert_allclose(sc.price, [[10.0, 11.0, 12.0], [20.0, 21.0, 22.0]])
    np.testing.assert_allclose(sc.demand[0], [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(sc.mask("south"), [[True, False], [True, True]])
    np.testing.assert_array_equal(sc.nearest_sites(), [0, 1])

    (tmp_path / "demand.csv").write_text(
        "timestamp,NA,BW\n"
        + "".join(f"{h},{v},0.1\n" for h, v in zip(HOURS, ["0.5", "", "0.7"], strict=True))
    )
    with pytest.raises(InputError, match="not a finite number") as err:
        load_scenario(tmp_path / "scenario.toml")
    assert "row 3" in str(err.value)
