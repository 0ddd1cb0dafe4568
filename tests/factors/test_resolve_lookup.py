"""The array lookups behind factor resolution: same answers as the pandas operations
they replace, and caches that share nothing a caller may change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairwatt.factors.resolve import _years_months, resolve, site_groups
from fairwatt.factors.sites import load_sites
from fairwatt.factors.table import FactorLayer, bundled_layer


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "category"])
def test_site_groups_match_groupby_indices(dtype: str) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "site": pd.Series(rng.choice(["b", "a", "c:x", "Z", None], 500), dtype=dtype),
            "zone": pd.Series(rng.choice(["US-VA", "DE", "US", None], 500), dtype=dtype),
        }
    )
    expected = frame.groupby(["site", "zone"], sort=True, observed=True).indices
    got = site_groups(frame)
    assert list(got) == list(expected)
    assert all(np.array_equal(got[k], expected[k]) for k in expected)
    assert list(site_groups(frame, positions=False)) == list(expected)


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris"])
def test_years_and_months_as_pandas_has_them(tz: str | None) -> None:
    seconds = np.random.default_rng(1).integers(-3_000_000_000, 4_000_000_000, 2_000)
    hours = pd.DatetimeIndex(pd.to_datetime(seconds, unit="s")).floor("h")
    hours = hours.tz_localize("UTC").tz_convert(tz) if tz else hours
    years, months = _years_months(hours)
    assert np.array_equal(years, hours.year.to_numpy())
    assert np.array_equal(months, hours.month.to_numpy())


def test_hourly_duplicates_use_the_first_row_with_a_value() -> None:
    hours = pd.date_range("2024-01-01", periods=4, freq="h", tz="UTC")
    stamps = [hours[2], hours[0], hours[1], hours[1], hours[0], hours[3]]
    values = [30.0, np.nan, 10.0, 11.0, 20.0, 40.0]
    layer = FactorLayer(
        "h",
        "bundled",
        "hourly",
        pd.DataFrame({"key": "DE", "timestamp": stamps, "carbon_g_per_kwh": values}),
    )
    rows = pd.DataFrame({"site": "s", "zone": "DE", "hour": hours})
    got = resolve(rows, ["carbon_g_per_kwh"], [layer]).values["carbon_g_per_kwh"]
    assert got.tolist() == [20.0, 10.0, 30.0, 40.0]


def test_naive_hourly_factors_never_match_utc_hours() -> None:
    hours = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")
    layer = FactorLayer(
        "h",
        "provider",
        "hourly",
        pd.DataFrame(
            {"key": "DE", "timestamp": hours.tz_localize(None), "carbon_g_per_kwh": [1.0, 2.0]}
        ),
    )
    rows = pd.DataFrame({"site": "s", "zone": "DE", "hour": hours})
    resolved = resolve(rows, [], [layer], optional=["carbon_g_per_kwh"])
    assert resolved.values["carbon_g_per_kwh"].isna().all()


def test_cached_bundled_data_is_not_shared_with_callers() -> None:
    a = bundled_layer("country-carbon-owid")
    a.origin = "pinned"
    a.provenance["changed"] = True
    b = bundled_layer("country-carbon-owid")
    assert b.origin == "bundled" and "changed" not in b.provenance
    sites = load_sites()
    sites.loc[sites.index[0], "pue"] = 9.0
    assert load_sites()["pue"].iloc[0] != 9.0
