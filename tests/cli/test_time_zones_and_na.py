"""Zone ``NA`` (Namibia) is text, and the fall-back day end to end through the CLI."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.factors.sites import load_sites
from fairwatt.factors.table import read_factor_file

runner = CliRunner()


def test_namibia_in_a_factor_file(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("zone,year,carbon_g_per_kwh\nNA,2023,500\nZA,2023,900\n")
    layer = read_factor_file(str(p))
    assert layer.table["key"].tolist() == ["NA", "ZA"]


def test_namibia_in_a_sites_file(tmp_path: Path) -> None:
    p = tmp_path / "sites.csv"
    p.write_text("site,zone,pue,wue_l_per_kwh\nwindhoek,NA,1.25,0\n")
    sites = load_sites([p], bundled=False)
    assert sites.loc["windhoek", "zone"] == "NA"


def test_namibia_audited_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text("timestamp,site,energy_kwh\n2023-05-01T00:00Z,windhoek,80\n")
    (tmp_path / "sites.csv").write_text("site,zone,pue,wue_l_per_kwh\nwindhoek,NA,1.25,0\n")
    (tmp_path / "f.csv").write_text("zone,year,carbon_g_per_kwh\nNA,2023,500\n")
    res = runner.invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "--sites",
            str(tmp_path / "sites.csv"),
            "--factors",
            str(tmp_path / "f.csv"),
            "--footprints",
            "carbon",
            "-f",
            "json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    (row,) = json.loads(res.stdout)["tables"]["footprint"]
    assert row["zone"] == "NA"
    assert row["carbon_kg"] == pytest.approx(80 * 1.25 * 500 / 1000)  # 50 kg


def test_equity_accepts_namibia(tmp_path: Path) -> None:
    p = tmp_path / "regions.csv"
    p.write_text("zone,carbon_kg\nNA,1\nDE,3\n")
    res = runner.invoke(
        app, ["equity", str(p), "--by", "zone", "--value", "carbon_kg", "-f", "csv"]
    )
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(StringIO(res.stdout))
    hit = df[(df["value"] == "carbon_kg") & (df["index"] == "max_to_mean")]
    assert float(hit["result"].iloc[0]) == pytest.approx(3 / 2)  # max 3, mean (1 + 3) / 2


# Europe/Berlin falls back on 2024-10-27: local 02:00 occurs at 00:00Z (CEST), then at
# 01:00Z (CET). Logs and factors are naive local hours 2024-10-26 00:00 .. 2024-10-28
# 23:00: 72 local labels + the repeated 02:00 = 73 records per server.
SERVERS = ("s1", "s2", "s3")
PUE = 1.5


def local_hours() -> list[str]:
    hours = [f"2024-10-{d} {h:02d}:00" for d in (26, 27, 28) for h in range(24)]
    i = hours.index("2024-10-27 02:00")
    return [*hours[: i + 1], "2024-10-27 02:00", *hours[i + 1 :]]


def fall_back_files(tmp_path: Path, *, triple: bool = False) -> list[str]:
    hours = local_hours()
    second = hours.index("2024-10-27 02:00") + 1
    rows = ["timestamp,site,server,energy_kwh"]
    for server in SERVERS:
        for i, h in enumerate(hours):
            # 1 kWh per record, 2 kWh in the second (standard-time) 02:00
            rows.append(f"{h},berlin,{server},{2 if i == second else 1}")
    if triple:
        rows.append("2024-10-27 02:00,berlin,s2,1")
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "sites.csv").write_text(f"site,zone,pue,wue_l_per_kwh\nberlin,XX-DE,{PUE},0\n")
    factors = ["zone,timestamp,carbon_g_per_kwh"]
    for i, h in enumerate(hours):
        # 100 g/kWh, except 200 in the first (daylight) 02:00 and 300 in the second
        ci = 200 if i == second - 1 else 300 if i == second else 100
        factors.append(f"XX-DE,{h},{ci}")
    (tmp_path / "f.csv").write_text("\n".join(factors) + "\n")
    return [
        str(tmp_path / "log.csv"),
        "--sites",
        str(tmp_path / "sites.csv"),
        "--factors",
        str(tmp_path / "f.csv"),
        "--tz",
        "Europe/Berlin",
        "--footprints",
        "carbon",
        "-f",
        "json",
    ]


def test_fall_back_day_end_to_end(tmp_path: Path) -> None:
    res = runner.invoke(app, ["audit", *fall_back_files(tmp_path)])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    (total,) = doc["tables"]["totals"]
    # energy conserved: per server 72 records of 1 kWh + 1 of 2 kWh = 74; 3 servers
    assert total["energy_kwh"] == pytest.approx(3 * 74)
    # carbon: 3 servers x PUE 1.5 x (71 x 1 kWh x 100 + 1 kWh x 200 + 2 kWh x 300) / 1000
    #       = 4.5 x 7900 / 1000 = 35.55 kg (swapping the two 02:00 would give 35.1)
    assert total["carbon_kg"] == pytest.approx(35.55)


def test_fall_back_hour_three_times_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["audit", *fall_back_files(tmp_path, triple=True)])
    assert res.exit_code == 2, res.stdout
    assert "2024-10-27 02:00 in Europe/Berlin is ambiguous" in res.stderr
    assert "duplicate" not in res.stderr
