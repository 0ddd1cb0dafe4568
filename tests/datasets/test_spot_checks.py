"""Bundled values checked against the raw public sources they were built from.

Each expected value is copied from the raw file named beside it (or computed by hand
from such values, with the arithmetic written out), never from running our code.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from fairwatt.datasets import catalog


def value(name: str, column: str, **keys: object) -> float:
    df = catalog.load(name)
    mask = pd.Series(True, index=df.index)
    for k, v in keys.items():
        if k == "timestamp":
            v = pd.Timestamp(str(v), tz="UTC")
        mask &= df[k] == v
    rows = df.loc[mask, column]
    assert len(rows) == 1, f"{name} {keys}: {len(rows)} rows"
    return float(rows.iloc[0])


def test_egrid_virginia_converted_from_lb_per_mwh() -> None:
    # codecarbon/usa_state_emissions_egrid2023.json: virginia 539.599 lb/MWh (STC2ERTA)
    # 539.599 lb/MWh × 0.45359237 kg/lb = 244.7578 kg/MWh = g/kWh
    assert value("us-state-carbon-egrid2023", "carbon_g_per_kwh", zone="US-VA") == (
        pytest.approx(539.599 * 0.45359237, abs=1e-4)
    )
    assert value("us-state-carbon-egrid2023", "carbon_g_per_kwh", zone="US-VA") == (
        pytest.approx(244.758, abs=1e-3)
    )
    # west virginia 1968.869 lb/MWh × 0.45359237 = 885.991 + 7.073 = 893.064 g/kWh
    assert value("us-state-carbon-egrid2023", "carbon_g_per_kwh", zone="US-WV") == (
        pytest.approx(893.064, abs=1e-3)
    )


def test_owid_country_carbon() -> None:
    # codecarbon/global_energy_mix.json: USA carbon_intensity 369.473 (2023),
    # DEU 380.95 (2023), NAM (Namibia, zone "NA") 59.259 (2022)
    assert value("country-carbon-owid", "carbon_g_per_kwh", zone="US", year=2023) == 369.473
    assert value("country-carbon-owid", "carbon_g_per_kwh", zone="DE", year=2023) == 380.95
    assert value("country-carbon-owid", "carbon_g_per_kwh", zone="NA", year=2022) == 59.259


def test_country_ewif_variants_match_the_derived_file() -> None:
    # water/derived_country_ewif_from_owid_mix.csv (columns ren2023 / macknick excl /
    # macknick incl): USA 1.205 / 1.2547 / 2.1908; NOR 0.0208 / 0.0276 / 15.0765;
    # SWE 0.8111 / 0.9409 / 7.6926 (values rounded to 4 decimals in that file)
    cases = {
        "country-ewif-thirsty-code": {"US": 1.205, "NO": 0.0208, "SE": 0.8111},
        "country-ewif-macknick-excl-hydro": {"US": 1.2547, "NO": 0.0276, "SE": 0.9409},
        "country-ewif-macknick-incl-hydro": {"US": 2.1908, "NO": 15.0765, "SE": 7.6926},
    }
    for name, expected in cases.items():
        for zone, v in expected.items():
            assert value(name, "ewif_l_per_kwh", zone=zone) == pytest.approx(v, abs=6e-5)


def test_ember_2021_germany() -> None:
    # carbon/ember_2021_country_carbon_intensity.csv: DEU 2021 363.982
    assert value("country-carbon-ember2021", "carbon_g_per_kwh", zone="DE", year=2021) == 363.982


def test_china_and_nordic_zones() -> None:
    # codecarbon/china_provincial_emissions_2023.json: CN-GD 441.9, CN-SC 156.4
    assert value("cn-province-carbon-mee2023", "carbon_g_per_kwh", zone="CN-GD") == 441.9
    assert value("cn-province-carbon-mee2023", "carbon_g_per_kwh", zone="CN-SC") == 156.4
    # codecarbon/nordic_emissions.json: SE3 27.0, NO4 51.7
    assert value("nordic-zone-carbon-2025", "carbon_g_per_kwh", zone="SE-SE3") == 27.0
    assert value("nordic-zone-carbon-2025", "carbon_g_per_kwh", zone="NO-NO4") == 51.7


def test_canada_quebec_by_hand() -> None:
    # codecarbon/canada_province_energy_mix_2023.json, quebec (%): gas 0.2, petroleum 0.3,
    # biomass 0.7, solar 0.01, wind 6.7, hydro 92.1 (others 0); IPCC 2014 lifecycle g/kWh:
    # gas 490, oil 650, biomass 230, solar 45, wind 11, hydro 24
    num = 0.2 * 490 + 0.3 * 650 + 0.7 * 230 + 0.01 * 45 + 6.7 * 11 + 92.1 * 24
    den = 0.2 + 0.3 + 0.7 + 0.01 + 6.7 + 92.1
    assert value("ca-province-carbon-ipcc2014", "carbon_g_per_kwh", zone="CA-QC") == (
        pytest.approx(num / den, abs=1e-3)
    )
    # EWIF incl. hydro (Macknick gal/MWh: NGCC tower 205, NG steam tower 826 for oil,
    # biopower steam tower 553, PV 1, wind 0, hydro 4491) × 0.003785411784 L/kWh per gal/MWh
    gal = (0.2 * 205 + 0.3 * 826 + 0.7 * 553 + 0.01 * 1 + 6.7 * 0 + 92.1 * 4491) / den
    assert value("ca-province-ewif-macknick-incl-hydro", "ewif_l_per_kwh", zone="CA-QC") == (
        pytest.approx(gal * 0.003785411784, abs=1e-5)
    )


def test_google_region_carbon_by_year() -> None:
    # google_region_carbon/2024.csv: europe-west1 103.37, CFE 0.84;
    # 2019.csv: us-central1 479 (lifecycle), CFE 0.78
    assert (
        value("gcp-region-carbon-google", "carbon_g_per_kwh", zone="gcp:europe-west1", year=2024)
        == 103.37
    )
    assert (
        value("gcp-region-carbon-google", "google_cfe_share", zone="gcp:europe-west1", year=2024)
        == 0.84
    )
    assert (
        value("gcp-region-carbon-google", "carbon_g_per_kwh", zone="gcp:us-central1", year=2019)
        == 479.0
    )
    # 2019.csv: asia-east2 (Hong Kong) has no CFE value -> empty
    assert math.isnan(
        value("gcp-region-carbon-google", "google_cfe_share", zone="gcp:asia-east2", year=2019)
    )


def test_ccf_cloud_regions() -> None:
    # carbon/ccf_cloud_region_grid_factors.csv: aws eu-west-1 316.0, azure West Europe 390.0
    assert value("cloud-region-carbon-ccf", "carbon_g_per_kwh", zone="aws:eu-west-1") == 316.0
    assert value("cloud-region-carbon-ccf", "carbon_g_per_kwh", zone="azure:westeurope") == 390.0


def test_hourly_health_is_internal_plus_external() -> None:
    # hourly_samples/health_hourly_2023/CISO_...csv first row 2023-01-01T00: 14.12 + 16.38;
    # the label is the hour's end (EIA-930), so the hour starts 2022-12-31T23:00Z
    name = "us-ba-health-hourly-2023"
    t0 = "2022-12-31T23:00"
    assert value(name, "health_usd_per_mwh", zone="US-BA-CISO", timestamp=t0) == (
        pytest.approx(14.12 + 16.38, abs=1e-9)
    )
    # TVA last row 2023-12-31T23 (hour ending 23:00Z): 7.79 + 26.14
    assert value(name, "health_usd_per_mwh", zone="US-BA-TVA", timestamp="2023-12-31T22:00") == (
        pytest.approx(7.79 + 26.14, abs=1e-9)
    )
    df = catalog.load(name)
    ciso = df[df["zone"] == "US-BA-CISO"]
    assert len(ciso) == 8760
    # annual means of the raw CISO file: internal 12.4634, external 14.0995
    assert ciso["health_internal_usd_per_mwh"].mean() == pytest.approx(12.4634, abs=1e-3)
    assert ciso["health_external_usd_per_mwh"].mean() == pytest.approx(14.0995, abs=1e-3)


def test_unpaid_toll_prices() -> None:
    # The Unpaid Toll, Table 1: US 2023 6.67 bn USD over 176.39 TWh
    assert value("us-health-unpaid-toll", "health_usd_per_mwh", zone="US") == (
        pytest.approx(6.67e9 / 176.39e6, abs=0.01)
    )
    assert value("us-health-unpaid-toll", "health_usd_per_mwh", zone="US-IA-ALTOONA") == 84.48
    assert value("us-health-unpaid-toll", "health_usd_per_mwh", zone="US-OR-PRINEVILLE") == 7.74


def test_eglb_series_units() -> None:
    name = "eglb-hourly-2022"
    t0 = "2022-09-22T00:00"
    # eglb-benchmark/carbon/Texas_carbon.csv first row 0.4494737760460783 kg/kWh -> ×1000
    assert value(name, "carbon_g_per_kwh", zone="US-TX", timestamp=t0) == (
        pytest.approx(449.4737760460783, rel=1e-12)
    )
    # water/Belguim_water.csv first row 3.818345769879773 L/kWh
    assert value(name, "water_total_l_per_kwh", zone="BE", timestamp=t0) == 3.818345769879773
    # price/Germany_Price.csv first row 412.6215942 $/MWh
    assert value(name, "price_usd_per_mwh", zone="DE", timestamp=t0) == 412.6215942
    df = catalog.load(name)
    common = df.dropna().groupby("timestamp")["zone"].count()
    assert (common == 10).sum() == 457  # R6: 457 common hours over the 10 sites


def test_thirsty_table1_and_fuel_factors() -> None:
    # Making AI Less Thirsty, Table 1: Washington EWIF 9.501, Arizona WUE 1.63
    assert value("thirsty-table1-ewif", "ewif_l_per_kwh", zone="US-WA") == 9.501
    assert value("thirsty-table1-locations", "wue_l_per_kwh", zone="US-AZ") == 1.63
    # water/ewif_by_eia930_fuel_ren2023.csv: NG 300 gal/MWh, carbon 0.44 kg/kWh
    assert value("fuel-factors-thirsty-code", "ewif_l_per_kwh", fuel="gas") == (
        pytest.approx(300 * 0.003785411784, abs=1e-6)
    )
    assert value("fuel-factors-thirsty-code", "carbon_g_per_kwh", fuel="gas") == 440.0
    # carbon/electricitymaps_default_emission_factors.csv: coal lifecycle 820, direct 760
    assert value("fuel-carbon-ipcc2014-lifecycle", "carbon_g_per_kwh", fuel="coal") == 820.0
    assert value("fuel-carbon-ipcc2014-direct", "carbon_g_per_kwh", fuel="coal") == 760.0
    # carbon/uk_neso_intensity_factors.json: Gas (Open Cycle) 651
    assert value("fuel-carbon-uk-neso", "carbon_g_per_kwh", fuel="gas_oc") == 651.0
    # macknick: hydropower 4491 gal/MWh
    assert value("fuel-ewif-macknick2012-incl-hydro", "ewif_gal_per_mwh", fuel="hydro") == 4491
    assert value("fuel-ewif-macknick2012-excl-hydro", "ewif_l_per_kwh", fuel="hydro") == 0.0


def test_sites_catalog_values_and_sources() -> None:
    df = catalog.load("cloud-sites").set_index("site")
    # datacenter_pue_wue_published.csv: aws us-east-1 WUE 0.12 (2024); AWS fleet PUE 1.15
    assert df.loc["aws:us-east-1", "wue_l_per_kwh"] == 0.12
    assert df.loc["aws:us-east-1", "pue"] == 1.15
    assert df.loc["aws:us-east-1", "zone"] == "US-VA"
    # no per-region WUE for ap-northeast-2 -> AWS 2024 APAC average 0.27
    assert df.loc["aws:ap-northeast-2", "wue_l_per_kwh"] == 0.27
    assert "APAC average" in df.loc["aws:ap-northeast-2", "wue_source"]
    # Google Council Bluffs TTM PUE 1.11 for us-central1
    assert df.loc["gcp:us-central1", "pue"] == 1.11
    assert "Council Bluffs" in df.loc["gcp:us-central1", "pue_source"]
    # Microsoft Arizona PUE 1.13 (2025 page); Thirsty Table 1 Arizona WUE 1.63
    assert df.loc["azure:westus3", "pue"] == 1.13
    assert df.loc["azure:westus3", "wue_l_per_kwh"] == 1.63
    assert (df["pue_source"].str.len() > 0).all() and (df["wue_source"].str.len() > 0).all()
