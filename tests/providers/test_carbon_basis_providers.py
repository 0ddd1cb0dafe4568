"""--carbon-basis reaches fetched provider data: Electricity Maps' power breakdown is
turned into carbon with the per-fuel set of the chosen basis, and the provenance says so.

Mix each hour: coal 300, wind 600, unknown 100 MW (both IPCC sets have an 'unknown'):

* lifecycle (coal 820, wind 11, unknown 700): (246000 + 6600 + 70000) / 1000 = 322.6 g/kWh;
* direct (coal 760, wind 0, unknown 575): (228000 + 0 + 57500) / 1000 = 285.5 g/kWh.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_bodies import em_power_breakdown_range
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.factors.sites import load_sites

runner = CliRunner()


@pytest.mark.parametrize(("basis", "g_per_kwh"), [("lifecycle", 322.6), ("direct", 285.5)])
def test_provider_carbon_follows_the_basis(
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    basis: str,
    g_per_kwh: float,
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0042")
    mixes = [{"coal": 300.0, "wind": 600.0, "unknown": 100.0}] * 2
    httpserver.expect_request("/v3/power-breakdown/past-range").respond_with_data(
        em_power_breakdown_range("BE", "2024-01-01", mixes), content_type="application/json"
    )
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2024-01-01T00:00:00Z,gcp:europe-west1,10\n")
    args = "--footprints carbon -f json --factors-from electricitymaps --signal power-breakdown"
    res = runner.invoke(app, ["audit", str(log), *args.split(), "--carbon-basis", basis])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    pue = float(load_sites().loc["gcp:europe-west1", "pue"])
    assert [r["carbon_kg"] for r in doc["tables"]["footprint"]] == pytest.approx(
        [10 * pue * g_per_kwh / 1000]
    )
    [entry] = [p for p in doc["provenance"] if p.get("factor") == "carbon_g_per_kwh"]
    assert entry["carbon_basis"] == basis
    assert not any(n.startswith("carbon basis mixed") for n in doc["notes"])
