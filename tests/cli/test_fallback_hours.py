"""factor_fallback_hours counts the site-hours of each row that used a fallback factor."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fairwatt.cli.app import app

runner = CliRunner()


def test_the_count_per_site_and_per_hour(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,site,energy_kwh\n"
        + "".join(
            f"2024-01-01T0{h}:00:00Z,{site},10\n"
            for h in range(3)
            for site in ("aws:us-east-1", "aws:us-west-2")
        )
    )
    hourly = tmp_path / "hourly.csv"  # US-VA covers the first hour only, US-OR all three
    hourly.write_text(
        "timestamp,zone,carbon_g_per_kwh\n"
        "2024-01-01T00:00:00Z,US-VA,300\n"
        + "".join(f"2024-01-01T0{h}:00:00Z,US-OR,100\n" for h in range(3))
    )
    common = ["audit", str(log), "--factors", str(hourly), "--footprints", "carbon", "-q"]
    refused = runner.invoke(app, [*common, "-f", "json"])
    assert refused.exit_code == 3, refused.stderr
    res = runner.invoke(app, [*common, "--fallback", "annual", "-f", "json"])
    assert res.exit_code == 0, res.stderr
    rows = {r["site"]: r for r in json.loads(res.stdout)["tables"]["footprint"]}
    assert rows["aws:us-east-1"]["factor_fallback_hours"] == 2  # hours 1 and 2
    assert rows["aws:us-west-2"]["factor_fallback_hours"] == 0
    by_hour = runner.invoke(app, [*common, "--fallback", "annual", "--by", "hour", "-f", "json"])
    counts = [r["factor_fallback_hours"] for r in json.loads(by_hour.stdout)["tables"]["footprint"]]
    assert counts == [0, 1, 1]
