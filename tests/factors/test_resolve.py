"""Factor files and factor resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairwatt.errors import FactorMissingError, InputError
from fairwatt.factors.resolve import resolve, zone_chain
from fairwatt.factors.table import FactorLayer, read_factor_file


def hours(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="h", tz="UTC")


def rows_for(site: str, zone: str, idx: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({"site": site, "zone": zone, "hour": idx})


def annual(name: str, key: str, values: dict[int, float], origin: str = "bundled") -> FactorLayer:
    table = pd.DataFrame(
        {"key": key, "year": list(values), "carbon_g_per_kwh": list(values.values())}
    )
    return FactorLayer(name=name, origin=origin, resolution="annual", table=table)


def hourly(
    name: str, key: str, idx: pd.DatetimeIndex, values: np.ndarray, origin: str = "user"
) -> FactorLayer:
    table = pd.DataFrame({"key": key, "timestamp": idx, "carbon_g_per_kwh": values})
    return FactorLayer(name=name, origin=origin, resolution="hourly", table=table)


def test_zone_chain() -> None:
    assert zone_chain("aws:us-east-1", "US-VA") == ["aws:us-east-1", "US-VA", "US"]
    assert zone_chain("dc", "US-BA-CISO") == ["dc", "US-BA-CISO", "US-BA", "US"]
    assert zone_chain("DE", "DE") == ["DE"]


def test_finer_key_wins_and_year_rule() -> None:
    idx = hours("2024-12-31T22:00Z", 4)  # two hours of 2024, two of 2025
    rows = rows_for("s", "US-VA", idx)
    layers = [
        annual("country", "US", {2023: 400.0}),
        annual("state", "US-VA", {2022: 300.0, 2024: 310.0}),
    ]
    r = resolve(rows, ["carbon_g_per_kwh"], layers)
    # 2024 exact; 2025 not available -> latest earlier year (2024)
    assert r.values["carbon_g_per_kwh"].tolist() == [310.0, 310.0, 310.0, 310.0]
    assert {(s.layer, s.key, s.year) for s in r.sources} == {("state", "US-VA", 2024)}
    # a coarser zone is used when the finer one has no data, and recorded as such
    r2 = resolve(rows_for("s", "US-OH", idx), ["carbon_g_per_kwh"], layers)
    assert r2.values["carbon_g_per_kwh"].tolist() == [400.0] * 4
    assert r2.sources[0].key == "US" and r2.sources[0].year == 2023


def test_earliest_year_when_only_later_years_exist() -> None:
    rows = rows_for("s", "DE", hours("2019-06-01T00:00Z", 1))
    r = resolve(rows, ["carbon_g_per_kwh"], [annual("x", "DE", {2021: 350.0, 2023: 380.0})])
    assert r.values["carbon_g_per_kwh"].tolist() == [350.0]
    assert r.sources[0].year == 2021


def test_user_file_beats_bundled_and_hourly_beats_annual() -> None:
    idx = hours("2024-01-01T00:00Z", 3)
    rows = rows_for("s", "DE", idx)
    layers = [
        annual("bundled", "DE", {2024: 380.0}),
        hourly("mine", "DE", idx, np.array([100.0, 200.0, 300.0])),
    ]
    r = resolve(rows, ["carbon_g_per_kwh"], layers)
    assert r.values["carbon_g_per_kwh"].tolist() == [100.0, 200.0, 300.0]
    assert not r.fallback.any()


def test_missing_hours_error_names_zone_and_hours() -> None:
    idx = hours("2024-01-01T00:00Z", 5)
    rows = rows_for("s", "DE", idx)
    layers = [
        annual("bundled", "DE", {2024: 380.0}),
        hourly("mine", "DE", idx[:2], np.array([1.0, 2.0]) + 99),
    ]
    with pytest.raises(
        FactorMissingError,
        match=r"zone DE \(site s\): no carbon_g_per_kwh for 3 hour\(s\): "
        r"2024-01-01T02:00Z \.\. 2024-01-01T04:00Z \(3 h\).*--fallback annual",
    ):
        resolve(rows, ["carbon_g_per_kwh"], layers)
    r = resolve(rows, ["carbon_g_per_kwh"], layers, fallback="annual")
    assert r.values["carbon_g_per_kwh"].tolist() == [100.0, 101.0, 380.0, 380.0, 380.0]
    assert r.fallback.tolist() == [False, False, True, True, True]
    assert sum(s.fallback for s in r.sources) == 1


def test_no_factor_at_all_is_exit_3() -> None:
    rows = rows_for("s", "FR", hours("2024-01-01T00:00Z", 1))
    with pytest.raises(
        FactorMissingError, match=r"no carbon_g_per_kwh factor for zone FR \(s\)"
    ) as info:
        resolve(rows, ["carbon_g_per_kwh"], [annual("x", "DE", {2024: 1.0})])
    assert info.value.exit_code == 3


def test_optional_factor_left_missing() -> None:
    rows = rows_for("s", "DE", hours("2024-01-01T00:00Z", 1))
    r = resolve(
        rows,
        ["carbon_g_per_kwh"],
        [annual("x", "DE", {2024: 300.0})],
        optional=["health_usd_per_mwh"],
    )
    assert np.isnan(r.values["health_usd_per_mwh"].iloc[0])


# ---------------------------------------------------------------- factor files


def test_wide_and_long_files_agree(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(
        "zone,timestamp,carbon_g_per_kwh,ewif_l_per_kwh\nDE,2024-01-01T00:00Z,300,1.5\n"
    )
    long = tmp_path / "long.csv"
    long.write_text(
        "zone,timestamp,factor,value,unit\nDE,2024-01-01T00:00Z,carbon_g_per_kwh,300,gCO2e/kWh\n"
        "DE,2024-01-01T00:00Z,ewif_l_per_kwh,1.5,L/kWh\n"
    )
    a, b = read_factor_file(str(wide)), read_factor_file(str(long))
    assert a.resolution == b.resolution == "hourly"
    cols = ["key", "timestamp", "carbon_g_per_kwh", "ewif_l_per_kwh"]
    pd.testing.assert_frame_equal(a.table[cols], b.table[cols], check_dtype=False)


def test_unit_alias_columns_are_converted(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("zone,year,carbon_kg_per_kwh,ewif_gal_per_mwh\nDE,2024,0.4,300\n")
    layer = read_factor_file(str(f))
    assert layer.table["carbon_g_per_kwh"].iloc[0] == pytest.approx(400.0)
    assert layer.table["ewif_l_per_kwh"].iloc[0] == pytest.approx(300 * 3.785411784 / 1000)
    assert layer.resolution == "annual"


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("zone,year,carbon_g_per_kwh\nDE,2024,0.4\nFR,2024,0.05\n", "looks like kg/kWh"),
        (
            "zone,year,carbon_g_per_kwh\nDE,2024,400\nFR,2024,4000\n",
            r"column 'carbon_g_per_kwh': 1 value\(s\) outside the plausible range "
            r"0-2000 gCO2e/kWh \(rows 3",
        ),
        ("zone,year,ewif_l_per_kwh\nDE,2024,150\n", "plausible range 0-100 L/kWh"),
        ("zone,year,health_usd_per_mwh\nUS,2024,-3\n", "plausible range 0-1000"),
        (
            "zone,year,carbon_g_per_kwh\nDE,2024,high\n",
            r"row 2, column 'carbon_g_per_kwh': cannot read 'high'",
        ),
        ("region,year,carbon_g_per_kwh\nDE,2024,300\n", "missing column 'zone'"),
        ("zone,year,colour\nDE,2024,300\n", "no factor column found"),
        ("zone,year,carbon_g_per_kwh\nDE,2024,300\nDE,2024,310\n", r"row 3.*duplicate factor row"),
        (
            "zone,timestamp,carbon_g_per_kwh\nDE,2024-01-01 00:00,300\n",
            "timestamps have no time zone",
        ),
        (
            "zone,year,factor,value,unit\nDE,2024,carbon_g_per_kwh,0.4,kg/kWh\n",
            "declared in 'kg/kWh'",
        ),
    ],
)
def test_bad_factor_files(tmp_path: Path, body: str, pattern: str) -> None:
    f = tmp_path / "factors.csv"
    f.write_text(body)
    with pytest.raises(InputError, match=pattern) as info:
        read_factor_file(str(f))
    assert "factors.csv" in str(info.value)


def test_precedence_origin_then_resolution_then_zone_level() -> None:
    idx = hours("2024-01-01T00:00Z", 2)
    rows = rows_for("s", "US-VA", idx)
    state_annual = annual("state", "US-VA", {2024: 300.0})
    national_hourly = hourly(
        "national-hourly", "US", idx, np.array([500.0, 510.0]), origin="bundled"
    )
    # same origin: hourly data of the coarser zone wins over annual data of the finer zone
    r = resolve(rows, ["carbon_g_per_kwh"], [state_annual, national_hourly])
    assert r.values["carbon_g_per_kwh"].tolist() == [500.0, 510.0]
    # a pinned dataset wins over the defaults, a provider over pinned, a user file over all
    pinned = annual("pinned", "US", {2024: 200.0}, origin="pinned")
    provider = annual("provider", "US", {2024: 150.0}, origin="provider")
    user = annual("user", "US", {2024: 100.0}, origin="user")
    layers = [state_annual, national_hourly, pinned]
    assert resolve(rows, ["carbon_g_per_kwh"], layers).values.iloc[0, 0] == 200.0
    assert resolve(rows, ["carbon_g_per_kwh"], [*layers, provider]).values.iloc[0, 0] == 150.0
    assert resolve(rows, ["carbon_g_per_kwh"], [*layers, provider, user]).values.iloc[0, 0] == 100.0
