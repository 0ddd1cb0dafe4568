"""`fairwatt audit --factors-from`: live hourly factors joined into an audit (local server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_bodies import em_past_range
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.factors.sites import load_sites

runner = CliRunner()
KEY = "em-test-key-7f3a"


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", KEY)
    return KEY


def test_audit_with_electricitymaps_then_offline_from_the_cache(
    httpserver: HTTPServer, key: str, tmp_path: Path
) -> None:
    httpserver.expect_request(
        "/v3/carbon-intensity/past-range",
        query_string={
            "dataCenterProvider": "gcp",
            "dataCenterRegion": "europe-west1",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-01T02:00:00Z",
            "temporalGranularity": "hourly",
            "emissionFactorType": "lifecycle",
        },
    ).respond_with_data(
        em_past_range("BE", "2024-01-01", [150, 160]), content_type="application/json"
    )
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,site,energy_kwh\n"
        "2024-01-01T00:00:00Z,gcp:europe-west1,10\n2024-01-01T01:30:00Z,gcp:europe-west1,20\n"
    )
    args = ["audit", str(log), "--footprints", "carbon", "--by", "site,hour", "-f", "json"]
    res = runner.invoke(app, [*args, "--factors-from", "electricitymaps"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    pue = float(load_sites().loc["gcp:europe-west1", "pue"])
    # carbon = IT kWh x PUE x g/kWh / 1000, hour by hour: 10 at 150 g/kWh, 20 at 160 g/kWh
    carbon = [r["carbon_kg"] for r in doc["tables"]["footprint"]]
    assert carbon == pytest.approx([10 * pue * 0.150, 20 * pue * 0.160])
    (src,) = [p for p in doc["provenance"] if p.get("factor") == "carbon_g_per_kwh"]
    assert src["dataset"] == "electricitymaps:gcp:europe-west1"
    assert src["provider"] == "electricitymaps"
    assert key not in res.stdout

    requests_before = len(httpserver.log)
    again = runner.invoke(app, [*args, "--factors-from", "electricitymaps", "--offline"])
    assert again.exit_code == 0, again.stderr
    assert len(httpserver.log) == requests_before
    assert [r["carbon_kg"] for r in json.loads(again.stdout)["tables"]["footprint"]] == carbon


def test_offline_cache_miss_is_exit_3(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2024-02-01T00:00:00Z,gcp:europe-west1,10\n")
    res = runner.invoke(
        app,
        [
            "audit",
            str(log),
            "--footprints",
            "carbon",
            "--factors-from",
            "electricitymaps",
            "--offline",
        ],
    )
    assert res.exit_code == 3
    assert res.stderr.startswith("fairwatt: error:")


def test_provider_without_any_data_is_exit_3_unless_fallback_annual(
    httpserver: HTTPServer, key: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_json(
        {"zone": "BE", "data": [], "temporalGranularity": "hourly"}
    )
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2024-01-01T00:00:00Z,gcp:europe-west1,10\n")
    args = ["audit", str(log), "--footprints", "carbon", "-f", "json"]
    res = runner.invoke(app, [*args, "--factors-from", "electricitymaps"])
    assert res.exit_code == 3
    line = res.stderr.strip()
    assert line.startswith("fairwatt: error: electricitymaps has no data for gcp:europe-west1")
    assert "--fallback annual" in line and len(line.splitlines()) == 1
    # with --fallback annual: the annual factors, said on stderr and in the provenance
    res = runner.invoke(app, [*args, "--factors-from", "electricitymaps", "--fallback", "annual"])
    assert res.exit_code == 0, res.stderr
    notes = [r.getMessage() for r in caplog.records if r.name.startswith("fairwatt")]
    assert any("using annual factors (--fallback annual)" in n for n in notes)
    doc = json.loads(res.stdout)
    carbon = [p for p in doc["provenance"] if p.get("factor") == "carbon_g_per_kwh"]
    assert carbon and all(p["fallback"] for p in carbon)
    assert doc["tables"]["footprint"][0]["carbon_kg"] > 0
    # the one site-hour of the log used the fallback: a count, not a flag
    assert doc["tables"]["footprint"][0]["factor_fallback_hours"] == 1
