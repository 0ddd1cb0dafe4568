"""--footprints auto (the default): a fleet outside the US audits without options."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import fairwatt
from fairwatt.cli.app import app
from fairwatt.errors import FactorMissingError

runner = CliRunner()

SITES = ["aws:us-east-1", "gcp:europe-west1", "azure:westeurope"]


@pytest.fixture
def global_log(tmp_path: Path) -> str:
    rows = [
        f"2023-03-01T{h:02d}:00:00Z,{site},{100 + 10 * k + h}"
        for h in range(3)
        for k, site in enumerate(SITES)
    ]
    path = tmp_path / "energy.csv"
    path.write_text("timestamp,site,energy_kwh\n" + "\n".join(rows) + "\n")
    return str(path)


def test_audit_without_options_leaves_health_out_with_one_note(global_log: str) -> None:
    res = runner.invoke(app, ["audit", global_log, "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    columns = set(doc["tables"]["footprint"][0])
    assert {"carbon_kg", "water_l"} <= columns
    assert not any(c.startswith("health") for c in columns)
    assert doc["details"]["footprints"] == ["carbon", "water"]
    health = [n for n in doc["notes"] if "health" in n]
    assert health == [
        "health left out: no health factors (health_usd_per_mwh) for BE, NL "
        "(bundled health data cover US zones only)"
    ]


def test_the_note_reaches_stderr_with_csv(global_log: str) -> None:
    res = runner.invoke(app, ["audit", global_log])  # not a terminal: CSV
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[0].endswith("carbon_kg,water_onsite_l,water_offsite_l,water_l")
    assert "fairwatt: health left out: no health factors" in res.stderr


def test_auto_spelled_out_is_the_default(global_log: str) -> None:
    res = runner.invoke(app, ["audit", global_log, "--footprints", "auto", "-f", "json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["details"]["footprints"] == ["carbon", "water"]


def test_health_asked_for_is_still_an_error(global_log: str) -> None:
    res = runner.invoke(app, ["audit", global_log, "--footprints", "health"])
    assert res.exit_code == 3
    assert "no health_usd_per_mwh factor" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_us_fleet_keeps_every_footprint(tmp_path: Path) -> None:
    log = tmp_path / "us.csv"
    log.write_text("timestamp,site,energy_kwh\n2023-03-01T00:00:00Z,aws:us-east-1,100\n")
    res = runner.invoke(app, ["audit", str(log), "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["details"]["footprints"] == ["carbon", "water", "health"]
    assert not any("left out" in n for n in doc["notes"])


def test_nothing_computable_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2023-03-01T00:00:00Z,moon,100\n")
    sites = tmp_path / "sites.csv"
    sites.write_text("site,zone,pue,wue_l_per_kwh\nmoon,XX-MOON,1.2,0.5\n")
    res = runner.invoke(app, ["audit", str(log), "--sites", str(sites)])
    assert res.exit_code == 3
    assert "no footprint can be computed: carbon left out" in res.stderr


def test_rebalance_logs_leaves_health_out(global_log: str) -> None:
    res = runner.invoke(app, ["rebalance", "--logs", global_log, "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert any(n.startswith("health left out: no health factors") for n in doc["notes"])
    assert {r["footprint"] for r in doc["tables"]["inequity"]} == {"carbon", "water"}


def test_library_default_is_auto(global_log: str) -> None:
    result = fairwatt.audit(global_log)
    assert result.footprints == ["carbon", "water"]
    assert any(n.startswith("health left out") for n in result.notes)
    with pytest.raises(FactorMissingError):
        fairwatt.audit(pd.read_csv(global_log), footprints="health")
