"""REFERENCE.md R4 through the whole audit pipeline, on the bundled health data."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.services.audit import AuditOptions, run_audit


def test_llama_training_health_cost_at_altoona_and_prineville(tmp_path: Path) -> None:
    # Llama-3.1 training: 39.3 M GPU-hours x 0.700 kW = 27,510,000 kWh of IT energy; PUE 1.08
    # gives 29,710,800 kWh of facility energy (The Unpaid Toll, Table 4).
    it_kwh = 39.3e6 * 0.700
    (tmp_path / "log.csv").write_text(
        "timestamp,site,energy_kwh\n"
        f"2023-07-01T00:00:00+00:00,altoona,{it_kwh}\n"
        f"2023-07-01T00:00:00+00:00,prineville,{it_kwh}\n"
    )
    (tmp_path / "sites.csv").write_text(
        "site,zone,pue,wue_l_per_kwh\naltoona,US-IA-ALTOONA,1.08,0\nprineville,US-OR-PRINEVILLE,1.08,0\n"
    )
    opts = AuditOptions(sites=[str(tmp_path / "sites.csv")], footprints=["health"], by=["site"])
    report = run_audit([str(tmp_path / "log.csv")], opts)
    rows = report.table.set_index("site")
    assert rows.loc["altoona", "facility_energy_kwh"] == pytest.approx(29_710_800.0)
    # health cost $2.51 M (84.48 $/MWh) and $0.23 M (7.74 $/MWh)
    assert rows.loc["altoona", "health_usd"] / 1e6 == pytest.approx(2.51, abs=0.01)
    assert rows.loc["prineville", "health_usd"] / 1e6 == pytest.approx(0.23, abs=0.01)
    # 122 % and 10 % of the electricity bill at 6.91 and 7.52 cents/kWh (±1 %)
    bill = {"altoona": 0.0691, "prineville": 0.0752}
    for site, share in {"altoona": 1.22, "prineville": 0.10}.items():
        ratio = rows.loc[site, "health_usd"] / (rows.loc[site, "facility_energy_kwh"] * bill[site])
        assert ratio == pytest.approx(share, abs=0.01)
    used = {(p["key"], p["dataset"]) for p in report.provenance if "key" in p}
    assert used == {
        ("US-IA-ALTOONA", "us-health-unpaid-toll"),
        ("US-OR-PRINEVILLE", "us-health-unpaid-toll"),
    }


def test_a_state_without_its_own_value_uses_the_us_average_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(
        "timestamp,site,energy_kwh\n2023-07-01T00:00:00Z,aws:us-east-2,1000\n"
    )
    report = run_audit([str(tmp_path / "log.csv")], AuditOptions(footprints=["health"]))
    row = report.table.iloc[0]
    # 37.81 $/MWh (US 2023 average, REFERENCE.md R4) x facility energy
    assert row["health_usd"] == pytest.approx(row["facility_energy_kwh"] * 37.81 / 1000)
    (entry,) = [p for p in report.provenance if p.get("factor") == "health_usd_per_mwh"]
    assert entry["key"] == "US"
