"""Calls to the real provider APIs. Opt-in only: run with ``pytest -m live`` and the
provider's credentials in the environment; skipped otherwise (never in CI)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from fairwatt.providers import FLAG_COLUMNS, fetch_factors

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _only_when_selected(request: pytest.FixtureRequest) -> None:
    if "live" not in (request.config.option.markexpr or ""):
        pytest.skip("live provider test: run with -m live")


def _need(*variables: str) -> None:
    missing = [v for v in variables if not os.environ.get(v)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")


def _window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    return end - timedelta(hours=6), end


def _check(df: pd.DataFrame, column: str) -> None:
    assert len(df) == 6
    assert str(df["timestamp"].dt.tz) == "UTC"
    assert set(FLAG_COLUMNS) <= set(df.columns)
    assert df.loc[~df["is_missing"], column].between(0, 2000).all()


@pytest.mark.parametrize(
    ("provider", "zone", "variables", "column"),
    [
        ("ukcarbon", "GB", (), "carbon_g_per_kwh"),
        ("electricitymaps", "DE", ("ELECTRICITYMAPS_API_KEY",), "carbon_g_per_kwh"),
        ("watttime", "CAISO_NORTH", ("WATTTIME_USER", "WATTTIME_PASSWORD"), "carbon_g_per_kwh"),
        ("eia", "CISO", ("EIA_API_KEY",), "carbon_g_per_kwh"),
        ("entsoe", "FR", ("ENTSOE_API_KEY",), "carbon_g_per_kwh"),
    ],
)
def test_live_fetch(provider: str, zone: str, variables: tuple[str, ...], column: str) -> None:
    _need(*variables)
    start, end = _window()
    [(df, meta)] = fetch_factors(provider, zone, start, end, unmatched_fuels="exclude")
    _check(df, column)
    assert meta["provider"] == provider
