"""The reduction's integer-hour bucketing (also before 1970 and below the hour) and its
duplicate check (bitmaps on a regular grid, hashed scan otherwise), against hand
calculations and against pandas as an independent implementation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairwatt.errors import InputError
from fairwatt.io import log_duplicates
from fairwatt.io.log_sql import SHIFT_HOURS, with_hours
from fairwatt.io.logs import LogOptions, reduce_log


def _csv(tmp_path: Path, body: str) -> str:
    path = tmp_path / "log.csv"
    path.write_text(body)
    return str(path)


def _rows(out: pd.DataFrame) -> list[tuple[str, str, float, int]]:
    return [
        (r.site, r.hour.isoformat(), round(r.energy_kwh, 12), int(r.records))
        for r in out.itertuples()
    ]


def test_hours_before_and_after_1970_are_floored(tmp_path: Path) -> None:
    # 23:30 and 23:59:59.999999 on 1969-12-31 belong to 23:00 that day (floor, not
    # truncation toward 1970); 1968 and 1970 records are whole hours apart
    path = _csv(
        tmp_path,
        "timestamp,site,energy_kwh\n"
        "1968-06-01T10:15:00+00:00,a,1\n"
        "1969-12-31T23:30:00+00:00,a,2\n"
        "1969-12-31T23:59:59.999999+00:00,a,4\n"
        "1970-01-01T00:00:00+00:00,a,8\n"
        "1970-01-01T00:59:00+00:00,a,16\n"
        "1969-12-31T22:00:00+00:00,b,32\n",
    )
    out = reduce_log([path], LogOptions(duplicates="sum")).data
    assert str(out["hour"].dt.tz) == "UTC"
    assert _rows(out) == [
        ("a", "1968-06-01T10:00:00+00:00", 1.0, 1),
        ("a", "1969-12-31T23:00:00+00:00", 6.0, 2),
        ("a", "1970-01-01T00:00:00+00:00", 24.0, 2),
        ("b", "1969-12-31T22:00:00+00:00", 32.0, 1),
    ]


def test_interval_split_across_1970(tmp_path: Path) -> None:
    # 1.0 kWh over [23:45, 00:15) with a 30 min interval: half in each hour
    path = _csv(
        tmp_path,
        "timestamp,site,energy_kwh\n"
        "1969-12-31T23:45:00+00:00,a,1\n"
        "1969-12-31T22:10:00+00:00,a,3\n",  # [22:10, 22:40): all in 22:00
    )
    out = reduce_log([path], LogOptions(interval_s=1800)).data
    assert _rows(out) == [
        ("a", "1969-12-31T22:00:00+00:00", 3.0, 1),
        ("a", "1969-12-31T23:00:00+00:00", 0.5, 1),
        ("a", "1970-01-01T00:00:00+00:00", 0.5, 0),
    ]


def test_sub_hour_records_match_pandas(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    us = rng.integers(-3 * 10**15, 3 * 10**15, n)  # about 1875 to 2065
    ts = pd.to_datetime(us, unit="us", utc=True)
    df = pd.DataFrame(
        {"timestamp": ts, "site": rng.choice(["a", "b", "c"], n), "energy_kwh": rng.random(n)}
    )
    out = reduce_log(df, LogOptions(duplicates="sum")).data
    want = (
        df.assign(hour=df["timestamp"].dt.floor("h"))
        .groupby(["site", "hour"], as_index=False)
        .agg(energy_kwh=("energy_kwh", "sum"), records=("energy_kwh", "size"))
    )
    assert len(out) == len(want)
    assert (out["hour"].to_numpy() == want["hour"].to_numpy()).all()
    assert (out["records"].to_numpy() == want["records"].to_numpy()).all()
    np.testing.assert_allclose(out["energy_kwh"], want["energy_kwh"], rtol=1e-12)


def _hourly_log(sites: int, servers: int, hours: int, start: str) -> pd.DataFrame:
    hour = pd.date_range(start, periods=hours, freq="h", tz="UTC")
    idx = pd.MultiIndex.from_product(
        [hour, [f"site-{i}" for i in range(sites)], [f"s{j}" for j in range(servers)]],
        names=["timestamp", "site", "server"],
    ).to_frame(index=False)
    idx["energy_kwh"] = np.arange(len(idx)) % 97 / 100.0
    return idx


def _expected_message(df: pd.DataFrame) -> str:
    """The duplicate error, computed with pandas."""
    counts = df.groupby(["timestamp", "site", "server"]).size()
    dups = counts[counts > 1].sort_values(ascending=False, kind="stable")
    (ts, site, server), n = dups.index[0], int(dups.iloc[0])
    return (
        f"{len(dups)} duplicate record keys, e.g. {n} records at {ts.isoformat()} "
        f"for site {site!r}, server {server!r}"
    )


def _inject(df: pd.DataFrame, row: int) -> pd.DataFrame:
    extra = df.iloc[[row]].assign(energy_kwh=0.5)
    return pd.concat([df.iloc[: row + 7], extra, df.iloc[row + 7 :]], ignore_index=True)


def _write(df: pd.DataFrame, path: Path) -> str:
    if path.suffix == ".csv":
        df.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S+00:00")
    else:
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=50_000)
    return str(path)


@pytest.mark.parametrize(
    ("start", "shift", "fmt"),
    [
        ("2023-01-01", "0min", "parquet"),  # on the hour: bitmaps in a second scan
        ("2023-01-01", "0min", "csv"),  # on the hour: checked in the reduction's scan
        ("1969-11-20", "0min", "parquet"),  # across 1970
        ("1969-11-20", "0min", "csv"),
        ("2023-01-01", "30min", "parquet"),  # on a grid off the hour (India-like offsets)
        ("2023-01-01", "30min", "csv"),
    ],
)
def test_injected_duplicate_in_a_large_log(
    tmp_path: Path, start: str, shift: str, fmt: str
) -> None:
    df = _hourly_log(sites=20, servers=10, hours=1_500, start=start)
    df["timestamp"] += pd.Timedelta(shift)
    bad = _inject(df, 123_457)
    path = _write(bad, tmp_path / f"log.{fmt}")
    with pytest.raises(InputError) as err:
        reduce_log([path])
    assert str(err.value).startswith(f"{path}: {_expected_message(bad)}")
    assert "--duplicates sum" in str(err.value)
    clean = _write(df, tmp_path / f"clean.{fmt}")
    assert reduce_log([clean]).records == len(df)


def test_irregular_times_use_the_hashed_check(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    us = np.unique(rng.integers(0, 10**15, n))
    df = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(us, unit="us", utc=True),
            "site": "a",
            "server": "s",
            "energy_kwh": 1.0,
        }
    )
    assert reduce_log(df).records == len(df)  # no duplicate, no false alarm
    bad = _inject(df, 4_000)
    with pytest.raises(InputError) as err:
        reduce_log(bad)
    assert _expected_message(bad) in str(err.value)


def test_sub_hour_grid_with_interval(tmp_path: Path) -> None:
    t = pd.date_range("2024-01-01", periods=400, freq="15min", tz="UTC")
    df = pd.DataFrame({"timestamp": t, "site": "a", "server": "s", "energy_kwh": 1.0})
    out = reduce_log(df, LogOptions(interval_s=900)).data
    assert out["records"].tolist() == [4] * 100
    bad = _inject(df, 200)
    with pytest.raises(InputError) as err:
        reduce_log(bad, LogOptions(interval_s=900))
    assert _expected_message(bad) in str(err.value)
    # without --interval, the same records are not on the hour grid: hashed check
    with pytest.raises(InputError) as err:
        reduce_log(bad)
    assert _expected_message(bad) in str(err.value)
    with pytest.raises(InputError) as err:  # CSV: found from the reduction's own scan
        reduce_log([_write(bad, tmp_path / "bad.csv")])
    assert _expected_message(bad) in str(err.value)
    assert reduce_log([_write(df, tmp_path / "ok.csv")]).records == 400


def test_bitmaps_over_budget_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    df = _hourly_log(sites=2, servers=3, hours=50, start="2023-01-01")
    monkeypatch.setattr(log_duplicates, "BITMAP_BUDGET", 0)
    assert reduce_log(df).records == 300
    bad = _inject(df, 100)
    with pytest.raises(InputError) as err:
        reduce_log(bad)
    assert _expected_message(bad) in str(err.value)


def test_log_without_server_column(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "timestamp,site,energy_kwh\n"
        "2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,a,1\n2024-01-01T00:00Z,b,1\n"
        "2024-01-01T01:00Z,a,2\n",
    )
    with pytest.raises(
        InputError,
        match=r"1 duplicate record keys, e.g. 2 records at "
        r"2024-01-01T01:00:00\+00:00 for site 'a'",
    ):
        reduce_log([path])


@pytest.mark.parametrize(
    ("value", "pattern"),
    [("nan", "energy is NaN"), ("-0.5", "negative energy"), ("", "missing energy")],
)
def test_invalid_values_found_by_the_scan(tmp_path: Path, value: str, pattern: str) -> None:
    rows = "".join(f"2024-01-01T{h:02d}:00Z,a,1\n" for h in range(10))
    path = _csv(tmp_path, "timestamp,site,energy_kwh\n" + rows + f"2024-01-02T00:00Z,a,{value}\n")
    with pytest.raises(InputError, match=f"row 12, column 'energy_kwh': {pattern}"):
        reduce_log([path], LogOptions(interval_s=5400))
    with pytest.raises(InputError, match=f"row 12, column 'energy_kwh': {pattern}"):
        reduce_log([path])


@pytest.mark.parametrize(
    ("value", "pattern"),
    [(float("nan"), "energy is NaN"), (-0.5, "negative energy"), (None, "missing energy")],
)
def test_invalid_values_of_an_in_memory_log(value: float | None, pattern: str) -> None:
    # the scan of a log whose duplicate check is a second scan (not CSV); a pyarrow Table
    # keeps NaN apart from missing (DuckDB reads a pandas NaN as missing)
    t = pd.date_range("2024-01-01", periods=12, freq="h", tz="UTC")
    energy = pa.array([1.0] * 11 + [value], type=pa.float64(), from_pandas=False)
    table = pa.table({"timestamp": pa.array(t), "site": ["a"] * 12, "energy_kwh": energy})
    with pytest.raises(InputError, match=f"row 12, column 'energy_kwh': {pattern}"):
        reduce_log(table)
    with_server = table.append_column("server", pa.array(["s"] * 12))
    with pytest.raises(InputError, match=f"row 12, column 'energy_kwh': {pattern}"):
        reduce_log(with_server, LogOptions(duplicates="sum"))
    assert reduce_log(table.slice(0, 11)).records == 11


@pytest.mark.parametrize(("start", "step"), [("1969-12-30 22:30", "h"), ("2024-03-01", "15min")])
def test_clean_logs_on_a_grid_never_take_the_hashed_scan(
    monkeypatch: pytest.MonkeyPatch, start: str, step: str
) -> None:
    def hashed(*args: object) -> str:
        raise AssertionError("the hashed scan ran")

    monkeypatch.setattr(log_duplicates, "_repeated_hashes", hashed)
    t = pd.date_range(start, periods=300, freq=step, tz="UTC")
    df = pd.DataFrame({"timestamp": t, "site": "a", "server": "s", "energy_kwh": 1.0})
    interval = 3600 if step == "h" else 900
    assert reduce_log(df, LogOptions(interval_s=interval)).records == 300
    if step == "h":
        assert reduce_log(df).records == 300


def test_hour_keys_become_utc_timestamps() -> None:
    # hk is the hour since 1970 shifted by SHIFT_HOURS; the timestamps are built here
    # from calendar dates, not from the shift arithmetic
    hours = [
        pd.Timestamp("1969-12-31 23:00", tz="UTC"),
        pd.Timestamp("1970-01-01 00:00", tz="UTC"),
        pd.Timestamp("2024-02-29 17:00", tz="UTC"),
    ]
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    hk = [SHIFT_HOURS + (h - epoch) // pd.Timedelta(hours=1) for h in hours]
    assert hk[:2] == [SHIFT_HOURS - 1, SHIFT_HOURS]
    df = pd.DataFrame({"site": ["a", "b", "c", "d"], "hk": [*hk, None]})
    out = with_hours(df)
    assert str(out["hour"].dtype) == "datetime64[us, UTC]"
    assert out["hour"].iloc[:3].tolist() == hours
    assert pd.isna(out["hour"].iloc[3])
    assert out["site"].tolist() == ["a", "b", "c", "d"]
