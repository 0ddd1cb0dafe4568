"""to_utc: one time conversion with one daylight-saving rule.

Europe/Berlin: CEST (UTC+2) until 2024-10-27 03:00 local, then CET (UTC+1); so local
02:00-02:59 occurs twice, first at UTC+2 (00:xxZ), then at UTC+1 (01:xxZ). On
2024-03-31 the clocks jump from 02:00 to 03:00: local 02:xx does not exist.
"""

from __future__ import annotations

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.io.times import TimeError, to_utc, zone_is_fixed

BERLIN = "Europe/Berlin"


def utc(*values: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(v, tz="UTC") for v in values]


def test_offsets_are_converted_and_may_differ() -> None:
    out = to_utc(
        pd.Series(["2024-01-01T00:00+02:00", "2024-06-01T00:00-05:00", "2024-06-01T00:00Z"])
    )
    assert list(out) == utc("2023-12-31 22:00", "2024-06-01 05:00", "2024-06-01 00:00")
    assert str(out.dt.tz) == "UTC"


def test_tz_aware_values_are_converted() -> None:
    values = pd.Series(pd.to_datetime(["2024-01-01 01:00"]).tz_localize(BERLIN))
    assert list(to_utc(values)) == utc("2024-01-01 00:00")


def test_naive_values_need_a_zone() -> None:
    with pytest.raises(InputError, match=r"f\.csv, column 'timestamp': timestamps have no time"):
        to_utc(pd.Series(["2024-01-01 00:00"]), file="f.csv")
    # CET is UTC+1 in January
    assert list(to_utc(pd.Series(["2024-01-01 01:00"]), tz=BERLIN)) == utc("2024-01-01 00:00")


def test_unknown_zone() -> None:
    with pytest.raises(InputError, match=r"unknown time zone .Mars/Olympus..*IANA"):
        to_utc(pd.Series(["2024-01-01 00:00"]), tz="Mars/Olympus")


def test_spring_forward_gap_is_refused() -> None:
    values = pd.Series(["2024-03-31 01:30", "2024-03-31 02:30", "2024-03-31 03:30"])
    with pytest.raises(TimeError) as err:
        to_utc(values, tz=BERLIN, file="f.csv", column="time")
    msg = str(err.value)
    assert "f.csv, row 3, column 'time'" in msg
    assert "2024-03-31 02:30 does not exist in Europe/Berlin" in msg
    assert "add UTC offsets" in msg


def test_fall_back_pairs_first_daylight_then_standard() -> None:
    values = pd.Series(
        [
            "2024-10-27 01:00",
            "2024-10-27 02:00",
            "2024-10-27 02:30",
            "2024-10-27 02:00",
            "2024-10-27 02:30",
            "2024-10-27 03:00",
        ]
    )
    out = to_utc(values, tz=BERLIN)
    assert list(out) == utc(
        "2024-10-26 23:00",  # 01:00 CEST
        "2024-10-27 00:00",  # 02:00 first: CEST (UTC+2)
        "2024-10-27 00:30",  # 02:30 first: CEST
        "2024-10-27 01:00",  # 02:00 second: CET (UTC+1)
        "2024-10-27 01:30",  # 02:30 second: CET
        "2024-10-27 02:00",  # 03:00 CET
    )


def test_three_occurrences_are_refused() -> None:
    values = pd.Series(["2024-10-27 01:00", *["2024-10-27 02:00"] * 3])
    with pytest.raises(TimeError) as err:
        to_utc(values, tz=BERLIN, file="f.csv")
    msg = str(err.value)
    assert "f.csv, row 5" in msg  # the third occurrence, which cannot be paired
    assert (
        "2024-10-27 02:00 in Europe/Berlin is ambiguous (it occurs twice at the fall-back)" in msg
    )
    assert "3 times" in msg and "add UTC offsets" in msg
    assert "duplicate" not in msg


def test_single_occurrence_is_refused() -> None:
    with pytest.raises(TimeError, match=r"row 2.*2024-10-27 02:30 in Europe/Berlin is ambiguous"):
        to_utc(pd.Series(["2024-10-27 02:30", "2024-10-27 03:30"]), tz=BERLIN, file="f.csv")


def test_series_keys_separate_pairs() -> None:
    values = pd.Series(["2024-10-27 02:00"] * 4)
    zones = pd.Series(["A", "B", "A", "B"], name="zone")
    out = to_utc(values, tz=BERLIN, series=zones)
    assert list(out) == utc(
        "2024-10-27 00:00", "2024-10-27 00:00", "2024-10-27 01:00", "2024-10-27 01:00"
    )
    # without keys the four rows are one series: four occurrences are refused
    with pytest.raises(TimeError, match="4 times in the column"):
        to_utc(values, tz=BERLIN)
    # with two key columns, each (site, server) series needs its own pair
    keys = pd.DataFrame({"site": ["a"] * 4, "server": ["s1", "s1", "s1", "s2"]})
    with pytest.raises(TimeError, match=r"row 4.*3 times in the series site='a', server='s1'"):
        to_utc(values, tz=BERLIN, series=keys, first_row=2)


def test_unparseable_and_missing_values() -> None:
    with pytest.raises(
        TimeError, match=r"f\.csv, row 3, column 'timestamp': cannot parse timestamp 'soon'"
    ):
        to_utc(pd.Series(["2024-01-01T00:00Z", "soon"]), file="f.csv")
    with pytest.raises(TimeError, match=r"row 1.*missing timestamp"):
        to_utc(pd.Series([None, "2024-01-01T00:00Z"]), file="f.parquet", first_row=1)


def test_mixed_naive_and_offsets_refused() -> None:
    with pytest.raises(TimeError, match=r"row 3.*has no UTC offset"):
        to_utc(pd.Series(["2024-01-01T00:00Z", "2024-01-01 00:00"]), tz=BERLIN)


def test_format_and_naive_datetimes() -> None:
    out = to_utc(
        pd.Series(["27/10/2024 02:00", "27/10/2024 02:00"]), tz=BERLIN, format="%d/%m/%Y %H:%M"
    )
    assert list(out) == utc("2024-10-27 00:00", "2024-10-27 01:00")
    naive = pd.Series(pd.to_datetime(["2024-07-01 12:00"]))
    assert list(to_utc(naive, tz=BERLIN)) == utc("2024-07-01 10:00")


def test_fixed_zones() -> None:
    assert zone_is_fixed("UTC") and zone_is_fixed("Etc/GMT-3") and zone_is_fixed("Asia/Kolkata")
    assert not zone_is_fixed(BERLIN)


def test_offset_changes_of_berlin_in_2024() -> None:
    from datetime import datetime

    from fairwatt.io.times import offset_changes

    # 2024-03-31 01:00Z: 02:00 CET becomes 03:00 CEST; 2024-10-27 01:00Z: 03:00 CEST
    # becomes 02:00 CET (local times before the change)
    changes = offset_changes(BERLIN, datetime(2024, 1, 1), datetime(2024, 12, 31))
    assert changes == [datetime(2024, 3, 31, 2, 0), datetime(2024, 10, 27, 3, 0)]
    assert offset_changes("UTC", datetime(2024, 1, 1), datetime(2024, 12, 31)) == []
