"""Energy-log readers and the reduction to energy per (site, hour)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairwatt.errors import InputError
from fairwatt.io.logs import LogOptions, connect, reduce_log

CSV = """timestamp,site,server,energy_kwh
2024-06-03T00:00:00+00:00,a,s1,1.5
2024-06-03T00:30:00+00:00,a,s1,1.0
2024-06-03T01:15:00+02:00,b,s1,2
2024-06-03T00:45:00+00:00,b,s2,4
"""


def write(tmp_path: Path, text: str, name: str = "log.csv") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def as_dict(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (r.site, r.hour.strftime("%Y-%m-%dT%H")): r.energy_kwh for r in df.itertuples(index=False)
    }


def test_csv_groups_by_site_and_utc_hour(tmp_path: Path) -> None:
    out = reduce_log([write(tmp_path, CSV)]).data
    # 01:15+02:00 is 23:15 UTC the day before
    assert as_dict(out) == {
        ("a", "2024-06-03T00"): 2.5,
        ("b", "2024-06-02T23"): 2.0,
        ("b", "2024-06-03T00"): 4.0,
    }
    assert str(out["hour"].dt.tz) == "UTC"
    assert out["records"].sum() == 4


def test_gzip_csv_and_parquet_give_the_same(tmp_path: Path) -> None:
    gz = tmp_path / "log.csv.gz"
    gz.write_bytes(gzip.compress(CSV.encode()))
    df = pd.read_csv(write(tmp_path, CSV))
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="ISO8601", utc=True)
    df.to_parquet(tmp_path / "log.parquet")
    a = as_dict(reduce_log([str(gz)]).data)
    b = as_dict(reduce_log([str(tmp_path / "log.parquet")]).data)
    assert a == b == as_dict(reduce_log([write(tmp_path, CSV)]).data)


def test_folder_with_hive_partitions_and_glob(tmp_path: Path) -> None:
    df = pd.read_csv(write(tmp_path, CSV))
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="ISO8601", utc=True)
    root = tmp_path / "logs"
    for site, part in df.groupby("site"):
        d = root / f"site={site}"
        d.mkdir(parents=True)
        pq.write_table(
            pa.Table.from_pandas(part.drop(columns="site"), preserve_index=False), d / "p.parquet"
        )
    out = reduce_log([str(root)]).data
    assert as_dict(out) == as_dict(reduce_log([write(tmp_path, CSV)]).data)
    out2 = reduce_log([str(root / "*" / "*.parquet")]).data
    assert as_dict(out2) == as_dict(out)


@pytest.mark.parametrize(
    ("unit", "factor"), [("Wh", 1e-3), ("kWh", 1.0), ("MWh", 1e3), ("J", 1 / 3.6e6)]
)
def test_energy_units(tmp_path: Path, unit: str, factor: float) -> None:
    text = f"timestamp,site,energy_{unit.lower()}\n2024-01-01T00:00Z,a,3600000\n"
    out = reduce_log([write(tmp_path, text)], LogOptions(energy_unit=unit)).data
    assert out["energy_kwh"].iloc[0] == pytest.approx(3_600_000 * factor)


def test_column_mapping(tmp_path: Path) -> None:
    text = "when,region,kwh\n2024-01-01T00:10Z,a,2\n"
    opts = LogOptions(columns={"timestamp": "when", "site": "region", "energy": "kwh"})
    assert as_dict(reduce_log([write(tmp_path, text)], opts).data) == {("a", "2024-01-01T00"): 2.0}


def test_naive_timestamps_need_tz(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,site,energy_kwh\n2024-01-01 10:00,a,1\n")
    with pytest.raises(InputError, match=r"no time zone.*--tz"):
        reduce_log([path])
    out = reduce_log([path], LogOptions(tz="Europe/Berlin")).data
    assert as_dict(out) == {("a", "2024-01-01T09"): 1.0}  # CET = UTC+1 in January


def test_naive_local_times_across_dst(tmp_path: Path) -> None:
    # Europe/Berlin springs forward at 2024-03-31 02:00 local (01:00 UTC)
    text = "timestamp,site,energy_kwh\n2024-03-31 01:30,a,1\n2024-03-31 03:30,a,2\n"
    out = reduce_log([write(tmp_path, text)], LogOptions(tz="Europe/Berlin")).data
    assert as_dict(out) == {("a", "2024-03-31T00"): 1.0, ("a", "2024-03-31T01"): 2.0}


def test_unknown_tz(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown time zone"):
        reduce_log([write(tmp_path, CSV)], LogOptions(tz="Mars/Olympus"))


def test_interval_splits_records_across_hours(tmp_path: Path) -> None:
    # 00:45 + 30 min covers 15 min of hour 0 and 15 min of hour 1: 6 kWh -> 3 + 3
    # 02:00 + 2 h covers hours 2 and 3 fully: 8 -> 4 + 4
    text = "timestamp,site,energy_kwh\n2024-01-01T00:45Z,a,6\n2024-01-01T02:00Z,a,8\n"
    out = reduce_log([write(tmp_path, text)], LogOptions(interval_s=1800)).data
    assert as_dict(out) == {
        ("a", "2024-01-01T00"): 3.0,
        ("a", "2024-01-01T01"): 3.0,
        ("a", "2024-01-01T02"): 8.0,
    }
    out = reduce_log([write(tmp_path, text)], LogOptions(interval_s=7200)).data
    assert as_dict(out) == pytest.approx(
        {
            ("a", "2024-01-01T00"): 6 * 15 / 120,
            ("a", "2024-01-01T01"): 6 * 60 / 120,
            ("a", "2024-01-01T02"): 6 * 45 / 120 + 4.0,
            ("a", "2024-01-01T03"): 4.0,
        }
    )
    assert out["records"].sum() == 2
    assert out["energy_kwh"].sum() == pytest.approx(14.0)


def test_power_records_with_interval(tmp_path: Path) -> None:
    text = "timestamp,site,power_w\n2024-01-01T00:00Z,a,2000\n2024-01-01T00:15Z,a,4000\n"
    out = reduce_log([write(tmp_path, text)], LogOptions(interval_s=900)).data
    # 2 kW x 0.25 h + 4 kW x 0.25 h = 1.5 kWh
    assert out["energy_kwh"].iloc[0] == pytest.approx(1.5)
    with pytest.raises(InputError, match="--interval"):
        reduce_log([write(tmp_path, text)])


def test_duplicates_error_or_sum(tmp_path: Path) -> None:
    text = CSV + "2024-06-03T00:00:00+00:00,a,s1,1.5\n"
    path = write(tmp_path, text)
    with pytest.raises(
        InputError, match=r"1 duplicate record keys.*site 'a', server 's1'.*--duplicates sum"
    ):
        reduce_log([path])
    out = reduce_log([path], LogOptions(duplicates="sum")).data
    assert as_dict(out)[("a", "2024-06-03T00")] == 4.0


def test_same_timestamp_on_different_servers_is_not_a_duplicate(tmp_path: Path) -> None:
    text = "timestamp,site,server,energy_kwh\n2024-01-01T00:00Z,a,s1,1\n2024-01-01T00:00Z,a,s2,1\n"
    assert reduce_log([write(tmp_path, text)]).data["energy_kwh"].sum() == 2.0
    no_server = "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T00:00Z,a,1\n"
    with pytest.raises(InputError, match="--column server=NAME"):
        reduce_log([write(tmp_path, no_server, "b.csv")])


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("timestamp,site\n2024-01-01T00:00Z,a\n", r"missing column\(s\): energy_kwh"),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,a,lots\n",
            r"row 3, column 'energy_kwh': cannot read 'lots' as a number",
        ),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,a,-2\n",
            r"row 3, column 'energy_kwh': negative energy",
        ),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,a,NaN\n",
            r"row 3, column 'energy_kwh': energy is NaN",
        ),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,a,\n",
            r"row 3, column 'energy_kwh': missing energy",
        ),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\n2024-01-01T01:00Z,,1\n",
            r"row 3, column 'site': missing site",
        ),
        (
            "timestamp,site,energy_kwh\n2024-01-01T00:00Z,a,1\nyesterday,a,1\n",
            r"row 3, column 'timestamp': cannot parse timestamp 'yesterday'",
        ),
        ("timestamp,site,energy_kwh\n", r"holds no records"),
        ("", r"the file is empty"),
    ],
)
def test_bad_csv_input(tmp_path: Path, body: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as info:
        reduce_log([write(tmp_path, body)])
    assert "log.csv" in str(info.value)


def test_folder_without_parquet(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Parquet files"):
        reduce_log([str(tmp_path / "empty")])


def test_truncated_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-01-01", periods=100, freq="h", tz="UTC"),
            "site": "a",
            "energy_kwh": 1.0,
        }
    )
    p = tmp_path / "log.parquet"
    df.to_parquet(p)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(InputError, match=r"log\.parquet"):
        reduce_log([str(p)])


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        reduce_log([str(tmp_path / "nope.csv")])
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(InputError, match="unknown log format"):
        reduce_log([str(tmp_path / "x.xlsx")])


def test_column_mapping_errors(tmp_path: Path) -> None:
    path = write(tmp_path, CSV)
    with pytest.raises(InputError, match="column 'kwh' \\(mapped to energy\\) is not in the log"):
        reduce_log([path], LogOptions(columns={"energy": "kwh"}))
    with pytest.raises(InputError, match="unknown field"):
        reduce_log([path], LogOptions(columns={"colour": "x"}))


# Naive local times at the daylight-saving changes (the rule of fairwatt.io.times).
# Europe/Berlin falls back on 2024-10-27: 02:00-02:59 occurs first at UTC+2, then UTC+1.
FALL_BACK = """timestamp,site,server,energy_kwh
2024-10-27 01:00,a,s1,1
2024-10-27 02:00,a,s1,2
2024-10-27 02:00,a,s2,20
2024-10-27 02:00,a,s1,3
2024-10-27 02:00,a,s2,30
2024-10-27 03:00,a,s1,4
2024-06-01 12:00,a,s1,100
"""


def test_fall_back_hour_pairs_first_daylight_then_standard(tmp_path: Path) -> None:
    out = reduce_log([write(tmp_path, FALL_BACK)], LogOptions(tz="Europe/Berlin")).data
    assert as_dict(out) == {
        ("a", "2024-10-26T23"): 1.0,  # 01:00 CEST
        ("a", "2024-10-27T00"): 22.0,  # first 02:00 of s1 (2) and s2 (20): CEST
        ("a", "2024-10-27T01"): 33.0,  # second 02:00 of s1 (3) and s2 (30): CET
        ("a", "2024-10-27T02"): 4.0,  # 03:00 CET
        ("a", "2024-06-01T10"): 100.0,  # far from any change: CEST
    }
    assert out["records"].sum() == 7  # nothing dropped, no duplicate reported


def test_fall_back_hour_three_times_is_refused(tmp_path: Path) -> None:
    text = "timestamp,site,energy_kwh\n2024-06-01 12:00,a,1\n" + "2024-10-27 02:00,a,1\n" * 3
    with pytest.raises(InputError) as err:
        reduce_log([write(tmp_path, text)], LogOptions(tz="Europe/Berlin"))
    msg = str(err.value)
    assert "log.csv, row 5, column 'timestamp'" in msg  # the third occurrence
    assert "2024-10-27 02:00 in Europe/Berlin is ambiguous" in msg
    assert "add UTC offsets" in msg and "duplicate" not in msg


def test_spring_forward_gap_is_refused(tmp_path: Path) -> None:
    text = "timestamp,site,energy_kwh\n2024-03-31 01:30,a,1\n2024-03-31 02:30,a,2\n"
    with pytest.raises(
        InputError, match=r"row 3.*2024-03-31 02:30 does not exist in Europe/Berlin"
    ):
        reduce_log([write(tmp_path, text)], LogOptions(tz="Europe/Berlin"))


def test_fall_back_in_parquet_files_counts_rows_per_file(tmp_path: Path) -> None:
    def naive_parquet(name: str, stamps: list[str]) -> str:
        table = pa.table(
            {
                "timestamp": pa.array(pd.to_datetime(stamps), type=pa.timestamp("us")),
                "site": ["a"] * len(stamps),
                "energy_kwh": [1.0] * len(stamps),
            }
        )
        pq.write_table(table, tmp_path / name)
        return str(tmp_path / name)

    first = naive_parquet("1.parquet", ["2024-10-27 01:30", "2024-10-27 02:30"])
    second = naive_parquet("2.parquet", ["2024-10-27 02:30", "2024-10-27 03:30"])
    out = reduce_log([first, second], LogOptions(tz="Europe/Berlin")).data
    # 01:30 CEST = 23:30Z; 02:30 CEST = 00:30Z; 02:30 CET = 01:30Z; 03:30 CET = 02:30Z
    assert as_dict(out) == {
        ("a", "2024-10-26T23"): 1.0,
        ("a", "2024-10-27T00"): 1.0,
        ("a", "2024-10-27T01"): 1.0,
        ("a", "2024-10-27T02"): 1.0,
    }
    third = naive_parquet("3.parquet", ["2024-10-27 01:00", "2024-10-27 02:30"])
    with pytest.raises(InputError, match=r"3\.parquet, row 2.*02:30 in Europe/Berlin is ambig"):
        reduce_log([first, second, third], LogOptions(tz="Europe/Berlin"))


def test_fixed_offset_zone_reads_naive_times_directly(tmp_path: Path) -> None:
    text = "timestamp,site,energy_kwh\n2024-10-27 02:00,a,1\n2024-10-27 02:00,a,2\n"
    opts = LogOptions(tz="Etc/GMT-3", duplicates="sum")  # POSIX sign: UTC+3
    assert as_dict(reduce_log([write(tmp_path, text)], opts).data) == {("a", "2024-10-26T23"): 3.0}


def test_reduction_connection_settings() -> None:
    # 256 MB = 256 * 10^6 bytes, which DuckDB shows in MiB: 256e6 / 2^20 = 244.1
    con = connect(LogOptions())
    try:
        row = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order'),"
            " current_setting('TimeZone')"
        ).fetchone()
    finally:
        con.close()
    assert row == ("244.1 MiB", False, "UTC")
    con = connect(LogOptions(memory_limit="1GB", threads=1))
    try:
        row = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    finally:
        con.close()
    assert row == ("953.6 MiB", 1)  # 10^9 / 2^20
