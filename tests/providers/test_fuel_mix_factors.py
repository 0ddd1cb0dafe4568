"""Carbon intensity and EWIF from fetched fuel mixes (REFERENCE R3 numbers)."""

from __future__ import annotations

import pandas as pd
import pytest
from provider_bodies import eia_page, em_power_breakdown_range, entsoe_a75, uk_generation
from pytest_httpserver import HTTPServer

from fairwatt.errors import DataUnavailableError, FactorMissingError, InputError
from fairwatt.providers import mix
from fairwatt.providers.registry import fetch_factors, fuel_factor_sets

# REFERENCE R3: per-fuel factors of the "Making AI Less Thirsty" code, by EIA-930 code.
GAL = 0.003785412  # L/kWh per gal/MWh
R3_EWIF = {
    "COL": 450 * GAL,
    "NG": 300 * GAL,
    "NUC": 600 * GAL,
    "OIL": 350 * GAL,
    "OTH": 475 * GAL,
    "SUN": 0.0,
    "WAT": 0.0,
    "WND": 0.0,
}
R3_CARBON = {
    "COL": 968.0,
    "NG": 440.0,
    "NUC": 15.0,
    "OIL": 890.0,
    "OTH": 450.0,
    "SUN": 20.0,
    "WAT": 14.0,
    "WND": 23.0,
}


def _canon(factors: dict[str, float]) -> dict[str, float]:
    return {mix.EIA_FUELS[k]: v for k, v in factors.items()}


def _long(hours: list[dict[str, float]], start: str = "2024-01-01T00:00Z") -> pd.DataFrame:
    rows = [
        {"timestamp": pd.Timestamp(start) + pd.Timedelta(hours=i), "fuel": f, "generation_mwh": v}
        for i, h in enumerate(hours)
        for f, v in h.items()
    ]
    return pd.DataFrame(rows)


def test_reference_r3_mixes() -> None:
    gen = _long(
        [
            {"NG": 500, "COL": 300, "WND": 200},
            {"NG": 400, "COL": 150, "NUC": 100, "SUN": 150, "WND": 200},
        ]
    )
    df, info = mix.derive(
        gen,
        value_col="generation_mwh",
        zone="X",
        factor_sets={"carbon_g_per_kwh": _canon(R3_CARBON), "ewif_l_per_kwh": _canon(R3_EWIF)},
        fuel_table=mix.EIA_FUELS,
        period_s=3600.0,
    )
    # REFERENCE R3: EWIF 1.07884 and 0.93689 L/kWh; carbon 0.5150 and 0.33030 kg/kWh
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([1.07884, 0.93689], abs=1e-5)
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([515.0, 330.30], abs=0.01)
    assert info == {"excluded_fuels": {}}


def test_storage_left_out_and_negative_generation_clipped() -> None:
    gen = _long([{"NG": 500, "COL": 300, "WND": 200, "BAT": 150, "OTH": -40}])
    df, _ = mix.derive(
        gen,
        value_col="generation_mwh",
        zone="X",
        factor_sets={"ewif_l_per_kwh": _canon(R3_EWIF)},
        fuel_table=mix.EIA_FUELS,
        period_s=3600.0,
    )
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([1.07884], abs=1e-5)


def test_fuel_without_factor_is_an_error_or_excluded_on_request() -> None:
    gen = _long([{"NG": 600, "GEOTHERMAL_X": 200, "WND": 200}])
    sets = {"ewif_l_per_kwh": {"gas": 1.0, "wind": 0.0}}
    with pytest.raises(FactorMissingError, match=r"geothermal_x \(up to 20 % of an hour\)"):
        mix.derive(
            gen,
            value_col="generation_mwh",
            zone="X",
            factor_sets=sets,
            fuel_table=None,
            period_s=3600.0,
        )
    df, info = mix.derive(
        gen,
        value_col="generation_mwh",
        zone="X",
        factor_sets=sets,
        fuel_table=None,
        period_s=3600.0,
        unmatched="exclude",
    )
    # the remaining mix: gas 600, wind 200 -> 600 x 1.0 / 800
    assert df["ewif_l_per_kwh"].tolist() == [0.75]
    assert info == {"excluded_fuels": {"ewif_l_per_kwh": {"geothermal_x": 0.2}}}


def test_a_fuel_that_never_generated_needs_no_factor() -> None:
    gen = _long([{"NG": 100, "MYSTERY": 0}])
    df, _ = mix.derive(
        gen,
        value_col="generation_mwh",
        zone="X",
        factor_sets={"carbon_g_per_kwh": {"gas": 440.0}},
        fuel_table=None,
        period_s=3600.0,
    )
    assert df["carbon_g_per_kwh"].tolist() == [440.0]


def test_bundled_sets_reproduce_r3() -> None:
    sets, prov = fuel_factor_sets("eia")
    assert sets["ewif_l_per_kwh"]["coal"] == pytest.approx(450 * GAL, rel=1e-6)
    assert prov["carbon_g_per_kwh"]["dataset"] == "fuel-factors-thirsty-code"
    with pytest.raises(InputError, match="unknown column"):
        fuel_factor_sets("eia", overrides={"water": "x"})
    with pytest.raises(FactorMissingError, match="not bundled"):
        fuel_factor_sets("eia", overrides={"ewif_l_per_kwh": "no-such-set"})


# Through fetch_factors, over HTTP ---------------------------------------------------------


def test_eia_fetch_gives_r3_intensities(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIA_API_KEY", "eia-test-key-1234")
    rows = [
        ("2024-01-01T01", "NG", 500.0),
        ("2024-01-01T01", "COL", 300.0),
        ("2024-01-01T01", "WND", 200.0),
        ("2024-01-01T02", "NG", 400.0),
        ("2024-01-01T02", "COL", 150.0),
        ("2024-01-01T02", "NUC", 100.0),
        ("2024-01-01T02", "SUN", 150.0),
        ("2024-01-01T02", "WND", 200.0),
    ]
    httpserver.expect_request("/v2/electricity/rto/fuel-type-data/data/").respond_with_data(
        eia_page("ERCO", rows, total=len(rows)), content_type="application/json"
    )
    [(df, meta)] = fetch_factors("eia", ["ERCO"], "2024-01-01T00:00Z", "2024-01-01T03:00Z")
    # periods 01 and 02 are the hours starting 00:00 and 01:00; 02:00 has no data
    assert df["timestamp"].tolist() == [pd.Timestamp(f"2024-01-01T0{h}:00Z") for h in range(3)]
    assert df["ewif_l_per_kwh"].iloc[:2].tolist() == pytest.approx([1.07884, 0.93689], abs=1e-5)
    assert df["carbon_g_per_kwh"].iloc[:2].tolist() == pytest.approx([515.0, 330.30], abs=0.01)
    assert df["is_missing"].tolist() == [False, False, True]
    assert meta["fuel_factor_sets"]["ewif_l_per_kwh"]["dataset"] == "fuel-factors-thirsty-code"
    assert meta["signal_kind"] == "average"
    assert meta["endpoint"].endswith("/v2/electricity/rto/fuel-type-data/data/")


def test_entsoe_fetch_with_ipcc_and_macknick(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B15 (other renewable -> other) and B20 (other -> unknown) need no --unmatched-fuels.

    Hour 0: nuclear 800, gas 200 MWh. Hour 1 adds B20 100 and B15 100 (total 1200).

    * carbon, IPCC lifecycle (nuclear 12, gas 490, unknown 700; no 'other'): hour 0 =
      (800x12 + 200x490)/1000 = 107.6; hour 1: 'other' takes the known-fuel mean, i.e.
      it leaves the weighting: (800x12 + 200x490 + 100x700)/1100 = 161.4545...
    * EWIF, Macknick (nuclear 672, gas 205 gal/MWh; neither 'other' nor 'unknown'): both
      take the known-fuel mean, so both hours are (800x672 + 200x205)/1000 = 578.6 gal/MWh
      = 578.6 x 0.003785412 = 2.19024 L/kWh.
    """
    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-test-token-5678")
    body = entsoe_a75(
        "10YFR-RTE------C",
        "2023-01-01",
        {"B14": [800, 800], "B04": [200, 200], "B20": [0, 100], "B15": [0, 100]},
    )
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    [(df, meta)] = fetch_factors("entsoe", "FR", "2023-01-01T00:00Z", "2023-01-01T02:00Z")
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx(
        [(800 * 12 + 200 * 490) / 1000, (800 * 12 + 200 * 490 + 100 * 700) / 1100]
    )
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([578.6 * GAL] * 2, rel=1e-6)
    assert "excluded_fuels" not in meta
    assert "known fuels" in meta["fuel_assumption"]
    assert meta["averaged_fuels"] == {
        "carbon_g_per_kwh": {
            "fuels": ["other"],
            "hours": 1,
            "largest_share": pytest.approx(100 / 1200, abs=1e-6),
            "share_of_generation": pytest.approx(100 / 2200, abs=1e-6),
        },
        "ewif_l_per_kwh": {
            "fuels": ["other", "unknown"],
            "hours": 1,
            "largest_share": pytest.approx(200 / 1200, abs=1e-6),
            "share_of_generation": pytest.approx(200 / 2200, abs=1e-6),
        },
    }
    assert meta["averaged_fuel_hours"] == 1
    assert meta["emission_factor_type"] == "lifecycle"


def test_electricitymaps_power_breakdown(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0042")
    mixes = [{"coal": 300.0, "wind": 700.0, "battery discharge": 50.0}]
    httpserver.expect_request("/v3/power-breakdown/past-range").respond_with_data(
        em_power_breakdown_range("DE", "2024-01-01", mixes), content_type="application/json"
    )
    [(df, meta)] = fetch_factors(
        "electricitymaps",
        "DE",
        "2024-01-01T00:00Z",
        "2024-01-01T01:00Z",
        signal="power-breakdown",
        emission_factor_type="direct",
    )
    # IPCC direct: coal 760, wind 0; battery discharge is storage, left out
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([300 * 760 / 1000])
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([300 * 687 * GAL / 1000], rel=1e-6)
    assert meta["emission_factor_type"] == "direct"


def test_uk_generation_mix(httpserver: HTTPServer) -> None:
    mixes = [{"gas": 40.0, "wind": 50.0, "imports": 10.0}, {"gas": 20.0, "wind": 80.0}]
    httpserver.expect_request("/generation/2024-01-01T00:00Z/2024-01-01T01:00Z").respond_with_data(
        uk_generation("2024-01-01T00:00Z", mixes), content_type="application/json"
    )
    [(df, _)] = fetch_factors(
        "ukcarbon", "GB", "2024-01-01T00:00Z", "2024-01-01T01:00Z", signal="generation"
    )
    # half-hour 1: gas 40 / (40 + 50) of the domestic mix (imports left out); half-hour 2: 0.2
    gas_ewif = 205 * GAL
    expected = (40 / 90 * gas_ewif + 0.2 * gas_ewif) / 2
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([expected], rel=1e-6)
    assert not df["is_partial"].any()


def test_eia_empty_answer_is_an_error_and_not_cached(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIA_API_KEY", "eia-test-key-1234")
    httpserver.expect_request("/v2/electricity/rto/fuel-type-data/data/").respond_with_data(
        eia_page("ERCO", [], total=0), content_type="application/json"
    )
    for _ in range(2):  # asked again: the empty answer was not cached
        with pytest.raises(DataUnavailableError, match="holds no data for zone ERCO"):
            fetch_factors("eia", "ERCO", "2024-01-01T00:00Z", "2024-01-01T02:00Z")
    assert len(httpserver.log) == 2
