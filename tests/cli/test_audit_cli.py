"""`fairwatt audit` end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

runner = CliRunner()


@pytest.fixture
def thirsty(tmp_path: Path) -> dict[str, str]:
    """GPT-3 training energy at the first two locations of Thirsty Table 1 (R1)."""
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,site,energy_kwh\n"
        "2023-05-01T00:00:00+00:00,us-average,1287000\n"
        "2023-05-01T00:00:00+00:00,arizona,1287000\n"
    )
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "site,zone,pue,wue_l_per_kwh\nus-average,XX-US,1.170,0.550\narizona,XX-AZ,1.180,1.630\n"
    )
    factors = tmp_path / "ewif.csv"
    factors.write_text(
        "zone,year,ewif_l_per_kwh,carbon_g_per_kwh\nXX-US,2023,3.142,400\nXX-AZ,2023,4.959,350\n"
    )
    return {"log": str(log), "sites": str(sites), "factors": str(factors), "dir": str(tmp_path)}


def audit(*args: str) -> object:
    return runner.invoke(app, ["audit", *args])


def test_thirsty_rows_through_the_cli(thirsty: dict[str, str]) -> None:
    res = audit(
        thirsty["log"],
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "water,carbon",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    rows = {r["site"]: r for r in doc["tables"]["footprint"]}
    # R1 (million L): U.S. average 0.708 / 4.731 / 5.439; Arizona 2.098 / 7.531 / 9.629.
    # Tolerance from the paper's rounding (outputs and EWIF to 3 decimals, EWIF unrounded
    # in the paper): on-site 0.0005; off-site and total 1.287 × PUE × 0.0005 + 0.0005
    # (0.0012529 at PUE 1.17, 0.0012593 at 1.18) million L.
    for site, (pue, on, off, total) in {
        "us-average": (1.17, 0.708, 4.731, 5.439),
        "arizona": (1.18, 2.098, 7.531, 9.629),
    }.items():
        ewif_bound = 1.287 * pue * 0.0005 + 0.0005
        assert rows[site]["water_onsite_l"] / 1e6 == pytest.approx(on, abs=0.0005)
        assert rows[site]["water_offsite_l"] / 1e6 == pytest.approx(off, abs=ewif_bound)
        assert rows[site]["water_l"] / 1e6 == pytest.approx(total, abs=ewif_bound)
    # carbon by hand: 1,287,000 kWh x 1.17 x 400 g/kWh = 602,316 kg
    assert rows["us-average"]["carbon_kg"] == pytest.approx(1_287_000 * 1.17 * 0.4)
    # the two rows' bounds add up: 0.0012529 + 0.0012593
    assert doc["tables"]["totals"][0]["water_l"] / 1e6 == pytest.approx(
        5.439 + 9.629, abs=0.0025122
    )
    factors = {(p["factor"], p.get("key")) for p in doc["provenance"]}
    assert ("ewif_l_per_kwh", "XX-AZ") in factors


def test_formats_and_atomic_outputs(thirsty: dict[str, str]) -> None:
    base = [
        thirsty["log"],
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "water,carbon",
        "-q",
    ]
    out = Path(thirsty["dir"])
    for name in ("a.csv", "a.parquet", "a.json", "a.md"):
        res = audit(*base, "-o", str(out / name))
        assert res.exit_code == 0, res.stderr
        assert res.stdout == ""
    csv = pd.read_csv(out / "a.csv")
    assert list(csv.columns[:3]) == ["site", "zone", "energy_kwh"]
    table = pq.read_table(out / "a.parquet")
    meta = json.loads(table.schema.metadata[b"fairwatt"])
    assert meta["provenance"]
    assert table.num_rows == 2
    assert json.loads((out / "a.json").read_text())["details"]["records"] == 2
    assert "| site |" in (out / "a.md").read_text()
    assert not list(out.glob("*.part"))


def test_output_into_missing_folder(thirsty: dict[str, str]) -> None:
    res = audit(
        thirsty["log"],
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "water",
        "-o",
        str(Path(thirsty["dir"]) / "nope" / "x.csv"),
    )
    assert res.exit_code == 2
    assert "output folder does not exist" in res.stderr
    assert "Traceback" not in res.stderr


def test_missing_factor_is_exit_3_and_leaves_no_file(thirsty: dict[str, str]) -> None:
    target = Path(thirsty["dir"]) / "out.csv"
    res = audit(
        thirsty["log"],
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "health",
        "-o",
        str(target),
    )
    assert res.exit_code == 3
    assert "no health_usd_per_mwh" in res.stderr
    assert res.stderr.count("\n") == 1
    assert not target.exists()


def test_bad_log_is_one_line_exit_2(thirsty: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,site,energy_kwh\n2023-05-01T00:00Z,arizona,-5\n")
    res = audit(
        str(bad),
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "water",
    )
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"fairwatt: error: {bad}, row 2, column 'energy_kwh': negative energy -5.0; "
        "energy and power must be >= 0"
    )


def test_unknown_site(thirsty: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "l.csv"
    log.write_text("timestamp,site,energy_kwh\n2023-05-01T00:00Z,arizonaa,5\n")
    res = audit(
        str(log),
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "water",
    )
    assert res.exit_code == 2
    assert "arizonaa" in res.stderr and "arizona" in res.stderr


def test_stdin_and_by_hour(thirsty: dict[str, str]) -> None:
    text = (
        "timestamp,site,energy_kwh\n2023-05-01T00:10Z,arizona,1\n"
        "2023-05-01T00:40Z,arizona,2\n2023-05-01T01:10Z,arizona,4\n"
    )
    res = runner.invoke(
        app,
        [
            "audit",
            "-",
            "--sites",
            thirsty["sites"],
            "--factors",
            thirsty["factors"],
            "--footprints",
            "carbon",
            "--by",
            "zone,hour",
            "-f",
            "csv",
        ],
        input=text,
    )
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(pd.io.common.StringIO(res.stdout))
    assert df["energy_kwh"].tolist() == [3.0, 4.0]
    assert df["zone"].tolist() == ["XX-AZ", "XX-AZ"]
    # 3 kWh x 1.18 x 350 g/kWh = 1.239 kg
    assert df["carbon_kg"].iloc[0] == pytest.approx(3 * 1.18 * 0.35)


def test_bad_options(thirsty: dict[str, str]) -> None:
    base = [thirsty["log"], "--sites", thirsty["sites"], "--factors", thirsty["factors"]]
    for extra, msg in [
        (["--by", "planet"], "--by: unknown grouping"),
        (["--footprints", "noise"], "--footprints: unknown"),
        (["--duplicates", "keep"], "--duplicates"),
        (["--interval", "soon"], "--interval 'soon'"),
        (["--format", "xlsx"], "unknown format"),
        (["--column", "site"], "expected FIELD=NAME"),
        (["--dataset", "no-such-dataset"], "unknown dataset"),
    ]:
        res = (
            audit(*base, "--footprints", "water", *extra)
            if "--footprints" not in extra
            else audit(*base, *extra)
        )
        assert res.exit_code == 2, (extra, res.stderr)
        assert msg in res.stderr, (extra, res.stderr)


def test_missing_health_suggests_leaving_it_out(thirsty: dict[str, str]) -> None:
    # named explicitly: a footprint asked for that cannot be computed stays an error
    res = audit(
        thirsty["log"],
        "--sites",
        thirsty["sites"],
        "--factors",
        thirsty["factors"],
        "--footprints",
        "carbon,water,health",
    )
    assert res.exit_code == 3
    assert (
        "no health_usd_per_mwh factor for zones XX-AZ (arizona), XX-US (us-average)" in res.stderr
    )
    assert res.stderr.rstrip().endswith("or leave health out: --footprints carbon,water")
