"""One contract every factor provider passes (tz-aware UTC hourly index, sorted, canonical
columns and units, no gap unless flagged, provenance, cache, offline).

Each subclass serves a 3-day range in its provider's answer shape, with one hour left
out, and names the request that :func:`fairwatt.providers.fetch_factors` makes."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, ClassVar

import pandas as pd
import pytest
from provider_bodies import (
    eia_page,
    em_past_range,
    entsoe_a75,
    uk_intensity,
    wt_historical,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fairwatt.providers import FACTOR_COLUMNS, FLAG_COLUMNS, fetch_factors
from fairwatt.providers.registry import PROVIDERS

START = pd.Timestamp("2024-03-01T00:00Z")
END = pd.Timestamp("2024-03-04T00:00Z")
HOURS = int((END - START) / pd.Timedelta(hours=1))
GAP = 30  # the hour left out of every answer
PLAUSIBLE = {
    "carbon_g_per_kwh": (0.0, 2000.0),
    "ewif_l_per_kwh": (0.0, 25.0),
    "health_usd_per_mwh": (0.0, 10_000.0),
}


def _hour(i: int) -> pd.Timestamp:
    return START + pd.Timedelta(hours=i)


class ProviderContract:
    provider: ClassVar[str]
    zone: ClassVar[str]
    signal: ClassVar[str | None] = None
    env: ClassVar[dict[str, str]] = {}
    factor_columns: ClassVar[list[str]]

    def serve(self, httpserver: HTTPServer) -> None:
        raise NotImplementedError

    @pytest.fixture
    def fetched(
        self, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        for k, v in self.env.items():
            monkeypatch.setenv(k, v)
        self.serve(httpserver)
        results = fetch_factors(self.provider, [self.zone], START, END, signal=self.signal)
        assert len(results) == 1
        return results[0]

    def test_columns_are_canonical(self, fetched: tuple[pd.DataFrame, dict[str, Any]]) -> None:
        df, _ = fetched
        assert df.columns.tolist() == ["timestamp", "zone", *self.factor_columns, *FLAG_COLUMNS]
        assert set(self.factor_columns) <= set(FACTOR_COLUMNS)
        for col in self.factor_columns:
            assert df[col].dtype == "float64"
        for flag in FLAG_COLUMNS:
            assert df[flag].dtype == bool
        assert df["zone"].unique().tolist() == [self.zone]

    def test_hourly_utc_sorted_and_complete(
        self, fetched: tuple[pd.DataFrame, dict[str, Any]]
    ) -> None:
        df, _ = fetched
        ts = df["timestamp"]
        assert isinstance(ts.dtype, pd.DatetimeTZDtype) and str(ts.dt.tz) == "UTC"
        assert ts.is_monotonic_increasing and ts.is_unique
        assert (ts.dt.minute == 0).all() and (ts.dt.second == 0).all()
        assert ts.tolist() == [_hour(i) for i in range(HOURS)]

    def test_no_gap_unless_flagged(self, fetched: tuple[pd.DataFrame, dict[str, Any]]) -> None:
        df, meta = fetched
        values = df[self.factor_columns]
        assert values.isna().all(axis=1).equals(df["is_missing"])
        assert not values[~df["is_missing"]].isna().any().any()
        assert df.loc[df["is_missing"], "timestamp"].tolist() == [_hour(GAP)]
        assert meta["missing_hours"] == 1
        assert not (df["is_partial"] & df["is_missing"]).any()

    def test_values_in_canonical_units(self, fetched: tuple[pd.DataFrame, dict[str, Any]]) -> None:
        df, meta = fetched
        for col in self.factor_columns:
            lo, hi = PLAUSIBLE[col]
            present = df.loc[~df["is_missing"], col]
            assert ((present >= lo) & (present <= hi)).all(), col
            assert meta["units"][col] == FACTOR_COLUMNS[col]
        self.check_values(df)

    def check_values(self, df: pd.DataFrame) -> None:
        """Provider-specific expected values (hand-computed from the served answers)."""

    def test_provenance(self, fetched: tuple[pd.DataFrame, dict[str, Any]]) -> None:
        df, meta = fetched
        assert meta["provider"] == self.provider
        assert meta["zone"] == self.zone
        assert meta["signal_kind"] in ("average", "marginal")
        assert "emission_factor_type" in meta
        assert meta["endpoint"].startswith("http://127.0.0.1:")
        retrieved = datetime.fromisoformat(meta["retrieved_at"])
        assert retrieved.tzinfo is not None
        assert meta["hours"] == len(df) == HOURS
        for flag in FLAG_COLUMNS:
            assert meta[f"{flag[3:]}_hours"] == int(df[flag].sum())

    def test_second_call_is_cached_and_offline_works(
        self, fetched: tuple[pd.DataFrame, dict[str, Any]], httpserver: HTTPServer
    ) -> None:
        df, _ = fetched
        data_requests = len([r for r, _ in httpserver.log if r.path != "/login"])
        [(again, meta)] = fetch_factors(self.provider, self.zone, START, END, signal=self.signal)
        assert again.equals(df)
        assert len([r for r, _ in httpserver.log if r.path != "/login"]) == data_requests
        assert meta["from_cache"] == meta["requests"]
        n = len(httpserver.log)
        [(offline, _)] = fetch_factors(
            self.provider, self.zone, START, END, signal=self.signal, offline=True
        )
        assert offline.equals(df)
        assert len(httpserver.log) == n


class TestElectricityMaps(ProviderContract):
    provider = "electricitymaps"
    zone = "DE"
    env: ClassVar[dict[str, str]] = {"ELECTRICITYMAPS_API_KEY": "em-contract-key-1"}
    factor_columns: ClassVar[list[str]] = ["carbon_g_per_kwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        values = [None if i == GAP else 300.0 + i for i in range(HOURS)]
        httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_data(
            em_past_range("DE", START, values), content_type="application/json"
        )

    def check_values(self, df: pd.DataFrame) -> None:
        assert df["carbon_g_per_kwh"].iloc[5] == 305.0


class TestWattTime(ProviderContract):
    provider = "watttime"
    zone = "CAISO_NORTH"
    env: ClassVar[dict[str, str]] = {"WATTTIME_USER": "u", "WATTTIME_PASSWORD": "contract-pw-2"}
    factor_columns: ClassVar[list[str]] = ["carbon_g_per_kwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        httpserver.expect_request("/login").respond_with_json({"token": "contract-token-3"})
        body = json.loads(wt_historical("CAISO_NORTH", START, [1000.0] * (12 * HOURS)))
        body["data"] = [p for i, p in enumerate(body["data"]) if i // 12 != GAP]
        httpserver.expect_request("/v3/historical").respond_with_json(body)

    def check_values(self, df: pd.DataFrame) -> None:
        assert df["carbon_g_per_kwh"].iloc[0] == pytest.approx(1000 * 0.45359237)


class TestWattTimeHealth(TestWattTime):
    signal = "health_damage"
    factor_columns: ClassVar[list[str]] = ["health_usd_per_mwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        httpserver.expect_request("/login").respond_with_json({"token": "contract-token-4"})
        body = json.loads(
            wt_historical(
                "CAISO_NORTH",
                START,
                [20.0] * (12 * HOURS),
                signal="health_damage",
                units="usd_per_mwh",
            )
        )
        body["data"] = [p for i, p in enumerate(body["data"]) if i // 12 != GAP]
        httpserver.expect_request("/v3/historical").respond_with_json(body)

    def check_values(self, df: pd.DataFrame) -> None:
        assert df["health_usd_per_mwh"].iloc[0] == 20.0


class TestUKCarbon(ProviderContract):
    provider = "ukcarbon"
    zone = "GB"
    factor_columns: ClassVar[list[str]] = ["carbon_g_per_kwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        n = 2 * HOURS
        actual: list[float | None] = [100.0 + (i % 2) * 20 for i in range(n)]
        doc = json.loads(uk_intensity(START, actual, [150.0] * n))
        doc["data"] = [p for i, p in enumerate(doc["data"]) if i // 2 != GAP]
        httpserver.expect_request(
            "/intensity/2024-03-01T00:00Z/2024-03-04T00:00Z"
        ).respond_with_json(doc)

    def check_values(self, df: pd.DataFrame) -> None:
        assert df["carbon_g_per_kwh"].iloc[0] == 110.0  # (100 + 120) / 2


class TestEIA(ProviderContract):
    provider = "eia"
    zone = "ERCO"
    env: ClassVar[dict[str, str]] = {"EIA_API_KEY": "eia-contract-key-5"}
    factor_columns: ClassVar[list[str]] = ["carbon_g_per_kwh", "ewif_l_per_kwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        rows = []
        for i in range(HOURS):
            if i == GAP:
                continue
            period = (_hour(i) + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H")
            rows += [(period, "NG", 600.0), (period, "WND", 400.0)]

        def page(request: Request) -> Response:
            off = int(request.args["offset"])
            return Response(
                eia_page("ERCO", rows[off : off + 100], total=len(rows)),
                content_type="application/json",
            )

        httpserver.expect_request("/v2/electricity/rto/fuel-type-data/data/").respond_with_handler(
            page
        )

    def check_values(self, df: pd.DataFrame) -> None:
        # gas 440 and wind 23 gCO2e/kWh (REFERENCE R3), 60/40 mix
        assert df["carbon_g_per_kwh"].iloc[0] == pytest.approx(0.6 * 440 + 0.4 * 23)
        assert df["ewif_l_per_kwh"].iloc[0] == pytest.approx(0.6 * 300 * 0.003785412, rel=1e-6)


class TestEntsoe(ProviderContract):
    provider = "entsoe"
    zone = "FR"
    env: ClassVar[dict[str, str]] = {"ENTSOE_API_KEY": "entsoe-contract-token-6"}
    factor_columns: ClassVar[list[str]] = ["carbon_g_per_kwh", "ewif_l_per_kwh"]

    def serve(self, httpserver: HTTPServer) -> None:
        quarters = 4 * HOURS
        nuclear = [None if i // 4 == GAP else 900.0 for i in range(quarters)]
        gas = [None if i // 4 == GAP else 100.0 for i in range(quarters)]
        body = entsoe_a75(
            "10YFR-RTE------C", START, {"B14": nuclear, "B04": gas}, resolution="PT15M"
        )
        httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")

    def check_values(self, df: pd.DataFrame) -> None:
        # IPCC lifecycle medians: nuclear 12, gas 490 gCO2e/kWh; 90/10 mix
        assert df["carbon_g_per_kwh"].iloc[0] == pytest.approx(0.9 * 12 + 0.1 * 490)
        assert not math.isnan(df["ewif_l_per_kwh"].iloc[0])


def test_every_provider_has_a_contract_test() -> None:
    covered = {cls.provider for cls in ProviderContract.__subclasses__()}
    assert covered == set(PROVIDERS)


def test_span_matches_each_client() -> None:
    from fairwatt.providers import eia, electricitymaps, entsoe, ukcarbon, watttime

    modules = {
        "electricitymaps": electricitymaps,
        "watttime": watttime,
        "ukcarbon": ukcarbon,
        "eia": eia,
        "entsoe": entsoe,
    }
    for name, spec in PROVIDERS.items():
        assert pd.Timedelta(days=spec.span_days) == modules[name].RANGE_SPAN
