"""Fetched fuel mixes with 'other' / 'unknown' generation, and the ENTSO-E unit check.

'other' and 'unknown' without a factor in a per-fuel set take the generation-weighted
mean of the interval's known fuels (1 gal/MWh = 0.003785412 L/kWh).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_bodies import em_power_breakdown_range, entsoe_a75, recorded, uk_generation
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.errors import DataUnavailableError
from fairwatt.factors.sites import load_sites
from fairwatt.providers import entsoe
from fairwatt.providers.registry import fetch_factors

GAL = 0.003785412
runner = CliRunner()


def test_electricitymaps_unknown_no_longer_fails(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coal 300, wind 600, unknown 100 MW.

    * carbon, IPCC direct (coal 760, wind 0, unknown 575 — the set's own factor):
      (300 x 760 + 100 x 575) / 1000 = 285.5 g/kWh;
    * EWIF, Macknick incl. hydro (coal 687, wind 0; no 'unknown' -> known-fuel mean):
      300 x 687 / 900 = 229 gal/MWh = 0.866859 L/kWh.
    """
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0042")
    mixes = [{"coal": 300.0, "wind": 600.0, "unknown": 100.0}]
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
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([285.5])
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([229 * GAL], rel=1e-6)
    assert meta["averaged_fuels"] == {
        "ewif_l_per_kwh": {
            "fuels": ["unknown"],
            "hours": 1,
            "largest_share": 0.1,
            "share_of_generation": 0.1,
        }
    }
    assert meta["averaged_fuel_hours"] == 1
    assert "fairwatt's own assumption" in meta["fuel_assumption"]


def test_gb_other_takes_the_known_fuel_mean(httpserver: HTTPServer) -> None:
    """Two half-hours of gas 40, wind 50, other 10 % (IPCC lifecycle has no 'other').

    * carbon: (40 x 490 + 50 x 11) / 90 = 20150 / 90 = 223.889 g/kWh;
    * EWIF (Macknick incl. hydro: gas 205, wind 0): 40 x 205 / 90 = 91.111 gal/MWh
      = 0.344896 L/kWh.
    """
    mixes = [{"gas": 40.0, "wind": 50.0, "other": 10.0}] * 2
    httpserver.expect_request("/generation/2024-01-01T00:00Z/2024-01-01T01:00Z").respond_with_data(
        uk_generation("2024-01-01T00:00Z", mixes), content_type="application/json"
    )
    [(df, meta)] = fetch_factors(
        "ukcarbon", "GB", "2024-01-01T00:00Z", "2024-01-01T01:00Z", signal="generation"
    )
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([20150 / 90])
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([40 * 205 / 90 * GAL], rel=1e-6)
    for column in ("carbon_g_per_kwh", "ewif_l_per_kwh"):
        assert meta["averaged_fuels"][column] == {
            "fuels": ["other"],
            "hours": 1,
            "largest_share": 0.1,
            "share_of_generation": 0.1,
        }


def test_entsoe_other_renewable_alone_is_averaged(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B15 (other renewable) 100 with B04 gas 300: gas EWIF 205 gal/MWh and IPCC
    lifecycle gas 490 g/kWh are the known-fuel means, so the hour is exactly gas."""
    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-test-token-5678")
    body = entsoe_a75("10YFR-RTE------C", "2023-01-01", {"B04": [300], "B15": [100]})
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    [(df, meta)] = fetch_factors("entsoe", "FR", "2023-01-01T00:00Z", "2023-01-01T01:00Z")
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([490.0])
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([205 * GAL], rel=1e-6)
    assert meta["averaged_fuels"]["carbon_g_per_kwh"]["largest_share"] == 0.25


def _with_unit(unit: str | None) -> bytes:
    body = recorded("entsoe", "A75_actual_generation_per_type.xml")
    old = b"<quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>"
    assert old in body
    new = (
        b"" if unit is None else f"<quantity_Measure_Unit.name>{unit}</quantity_Measure_Unit.name>"
    )
    return body.replace(old, new.encode() if isinstance(new, str) else new, 1)


def test_entsoe_recorded_body_in_mw_reads() -> None:
    df, _ = entsoe.read_generation(recorded("entsoe", "A75_actual_generation_per_type.xml"))
    assert not df.empty


@pytest.mark.parametrize(
    ("unit", "shown"), [("MWH", "unit 'MWH'"), ("KWT", "unit 'KWT'"), (None, "no unit")]
)
def test_entsoe_unit_other_than_maw_is_refused(unit: str | None, shown: str) -> None:
    with pytest.raises(DataUnavailableError, match=f"in {shown}, not MAW") as err:
        entsoe.read_generation(_with_unit(unit))
    assert err.value.exit_code == 3


def test_entsoe_wrong_unit_exits_3_through_the_cli(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-cli-token-3344")
    body = entsoe_a75("10YFR-RTE------C", "2023-01-01", {"B14": [900]}).replace(b">MAW<", b">MWH<")
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    args = "factors fetch entsoe -z FR --start 2023-01-01T00:00Z --end 2023-01-01T01:00Z"
    res = runner.invoke(app, args.split())
    assert res.exit_code == 3
    assert "unit 'MWH'" in res.stderr and "MAW" in res.stderr


def test_audit_through_a_power_breakdown_with_unknown(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The audit no longer stops at Electricity Maps' 'unknown' mode.

    coal 300, wind 600, unknown 100 MW each hour; IPCC lifecycle has its own 'unknown'
    (700): (300 x 820 + 600 x 11 + 100 x 700) / 1000 = 322.6 g/kWh; carbon = 10 kWh IT x
    PUE x 0.3226 kg/kWh. Macknick has no 'unknown' EWIF: it takes the known-fuel mean.
    """
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0042")
    mixes = [{"coal": 300.0, "wind": 600.0, "unknown": 100.0}] * 2
    httpserver.expect_request("/v3/power-breakdown/past-range").respond_with_data(
        em_power_breakdown_range("BE", "2024-01-01", mixes), content_type="application/json"
    )
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2024-01-01T00:00:00Z,gcp:europe-west1,10\n")
    args = "--footprints carbon -f json --factors-from electricitymaps --signal power-breakdown"
    res = runner.invoke(app, ["audit", str(log), *args.split()])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    pue = float(load_sites().loc["gcp:europe-west1", "pue"])
    assert [r["carbon_kg"] for r in doc["tables"]["footprint"]] == pytest.approx(
        [10 * pue * 0.3226]
    )
