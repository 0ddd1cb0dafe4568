"""``fairwatt report`` on the command line: the issue's acceptance commands, figure
export, reading an audit's Parquet file, logs audited on the fly, and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
FLEET = str(ROOT / "sample_inputs" / "fleet" / "energy.csv")
EGLB = str(ROOT / "sample_inputs" / "eglb" / "scenario.toml")
runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.stderr


@pytest.fixture(scope="module")
def audit_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "a.json"
    run("audit", FLEET, "--footprints", "carbon,water", "--by", "zone,hour", "-o", str(out))
    return out


def charts(page: Path) -> list[str]:
    return re.findall(r'<figure class="chart" id="chart-([^"]+)">', page.read_text())


def test_audit_acceptance(audit_json: Path, tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    err = run("report", str(audit_json), "-o", str(page))
    assert f"report written to {page}" in err
    assert charts(page) == [
        "carbon_by_zone",
        "water_by_zone",
        "lorenz",
        "carbon_heatmap",
        "water_heatmap",
    ]
    # a week of 12 zones: far below a few MB
    assert page.stat().st_size < 1_000_000
    # the Lorenz caption carries the audit's own indices
    equity = {r["index"]: r for r in json.loads(audit_json.read_text())["tables"]["equity"]}
    text = page.read_text()
    assert f"carbon: Gini {equity['gini']['carbon_kg']:.3f}" in text
    assert f"water: Gini {equity['gini']['water_l']:.3f}" in text


def test_audit_parquet_gives_the_same_indices(audit_json: Path, tmp_path: Path) -> None:
    """From Parquet (the table and its metadata) the indices are recomputed from the
    zone totals: they match the audit's own equity table."""
    parquet = tmp_path / "a.parquet"
    run("audit", FLEET, "--footprints", "carbon,water", "--by", "zone,hour", "-o", str(parquet))
    page = tmp_path / "p.html"
    run("report", str(parquet), "-o", str(page))
    text = page.read_text()
    equity = {r["index"]: r for r in json.loads(audit_json.read_text())["tables"]["equity"]}
    for col, name in (("carbon_kg", "carbon"), ("water_l", "water")):
        gini, mm = equity["gini"][col], equity["max_to_mean"][col]
        assert f"{name}: Gini {gini:.3f}, max/mean {mm:.2f}" in text
    totals = json.loads(audit_json.read_text())["tables"]["totals"][0]
    assert f"{totals['carbon_kg']:,.6g} kgCO2e" in text


def test_rebalance_acceptance(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    run("rebalance", EGLB, "--mask", "partial", "--sweep", "water=0,60,200", "-o", str(result))
    page = tmp_path / "r.html"
    run("report", str(result), "-o", str(page))
    names = charts(page)
    assert names[:3] == ["carbon_by_site", "water_by_site", "inequity_indices"]
    assert "frontier" in names
    assert "min-cost (before) 1.72 → nearest 1.45, eglb 1.30" in page.read_text()


def test_rebalance_with_deferrable_load(tmp_path: Path) -> None:
    """``--deferrable 0.3 --max-delay 4``: the report shows the time shift of eglb; its
    caption carries the deferral table's numbers and its hourly table adds up (every
    MWh that arrives is served; 0.3 of it is the deferrable energy)."""
    result = tmp_path / "r.json"
    args = ["--mask", "partial", "--deferrable", "0.3", "--max-delay", "4", "-o", str(result)]
    run("rebalance", EGLB, *args)
    page, figures = tmp_path / "r.html", tmp_path / "f"
    run("report", str(result), "-o", str(page), "--figures", str(figures))
    assert "time_shift_eglb" in charts(page)
    assert (figures / "time_shift_eglb.png").is_file()
    assert (figures / "time_shift_eglb.svg").is_file()
    tables = json.loads(result.read_text())["tables"]
    row = next(r for r in tables["deferral"] if r["objective"] == "eglb")
    text = page.read_text()
    assert f"({row['deferred_pct']:.2f} % of demand)" in text
    assert f"maximum delay used {row['max_delay_h']:g} h" in text
    hourly = [r for r in tables["time_shift"] if r["objective"] == "eglb"]
    assert len(hourly) == 457
    arriving = sum(r["arriving_kwh"] for r in hourly)  # rebalance reports kWh by default
    assert sum(r["served_kwh"] for r in hourly) == pytest.approx(arriving, rel=1e-9)
    assert 0.3 * arriving == pytest.approx(row["deferrable_kwh"], rel=1e-9)


def test_figures_folder_and_figure_formats(audit_json: Path, tmp_path: Path) -> None:
    run("report", str(audit_json), "-o", str(tmp_path / "a.html"), "--figures", str(tmp_path / "f"))
    both = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert len(both) == 10
    assert {"lorenz.png", "lorenz.svg"} <= set(both)
    run("report", str(audit_json), "--format", "svg", "-o", str(tmp_path / "svg"))
    only = sorted(p.suffix for p in (tmp_path / "svg").iterdir())
    assert only == [".svg"] * 5
    assert not (tmp_path / "a.html.svg").exists()


def test_logs_are_audited_first(tmp_path: Path) -> None:
    page = tmp_path / "logs.html"
    run("report", FLEET, "--footprints", "carbon", "--by", "zone", "-o", str(page))
    assert charts(page) == ["carbon_by_zone", "lorenz"]
    assert "fairwatt audit " in page.read_text()


def test_html_to_stdout(audit_json: Path) -> None:
    res = runner.invoke(app, ["report", str(audit_json), "-o", "-", "-q"])
    assert res.exit_code == 0
    assert res.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "pdf", "-o", "x"], "--format pdf: not a report format"),
        (["--tz", "UTC", "-o", "x.html"], "--tz applies to energy logs"),
        ([], "no output: give -o report.html"),
        (["--format", "png"], "--format png needs a folder"),
        (["--objective", "nope", "-o", "x.html"], "objective 'nope' is not in the result"),
    ],
)
def test_bad_usage_is_exit_2_and_writes_nothing(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    result = tmp_path / "r.json"
    run("rebalance", EGLB, "--mask", "partial", "-O", "eglb", "-o", str(result))
    args = [a if a not in ("x", "x.html") else str(tmp_path / a) for a in extra]
    res = runner.invoke(app, ["report", str(result), *args])
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_two_results_are_refused(audit_json: Path) -> None:
    res = runner.invoke(app, ["report", str(audit_json), str(audit_json), "-o", "x.html"])
    assert res.exit_code == 2
    assert "give one result file" in res.stderr


def test_building_the_command_line_does_not_import_matplotlib() -> None:
    code = (
        "import sys; from fairwatt.cli.app import build; build(); "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_audit_in_a_tables_layout(audit_json: Path, tmp_path: Path) -> None:
    """A document with its tables under ``tables`` (as columns, dtypes and rows) and
    its version, command and units at the top level is read too."""
    old = json.loads(audit_json.read_text())
    meta = old  # options, units and provenance sit at the top level
    rows = old["tables"]["footprint"]
    columns = list(rows[0])
    doc = {
        "fairwatt_version": "9.9.9",
        "generated_at": "2026-01-01T00:00:00+00:00",
        "command": "fairwatt audit energy.csv --by zone,hour -o a.json",
        "title": "fairwatt audit",
        "options": {**meta["options"], "by": "zone,hour"},
        "units": meta["units"],
        "provenance": meta["provenance"],
        "notes": old["notes"],
        "tables": {
            "footprint": {"columns": columns, "data": [[r[c] for c in columns] for r in rows]},
            "totals": old["tables"]["totals"],
        },
    }
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc))
    page = tmp_path / "new.html"
    run("report", str(path), "-o", str(page))
    text = page.read_text()
    assert charts(page) == [
        "carbon_by_zone",
        "water_by_zone",
        "lorenz",
        "carbon_heatmap",
        "water_heatmap",
    ]
    assert "fairwatt audit energy.csv --by zone,hour -o a.json" in text
    assert "Computed by fairwatt 9.9.9" in text
    gini = {r["index"]: r for r in old["tables"]["equity"]}["gini"]["water_l"]
    assert f"water: Gini {gini:.3f}" in text  # recomputed from the zone totals


def test_malformed_results_are_exit_2(audit_json: Path, tmp_path: Path) -> None:
    doc = json.loads(audit_json.read_text())
    doc["tables"]["footprint"][0]["hour"] = "not a time"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    res = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2
    assert "malformed audit document" in res.stderr
    rebalance = {
        "title": "Rebalancing — x",
        "metadata": {},
        "summary": [{"objective": "min-cost", "cost_usd": 1.0}],
        "inequity": [{"objective": "min-cost"}],
        "sites": [{"objective": "min-cost", "site": "a"}],
    }
    bad.write_text(json.dumps(rebalance))
    res = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2
    assert "inequity table has no column 'footprint'" in res.stderr
    assert not (tmp_path / "x.html").exists()


def test_figures_folder_that_is_a_file(audit_json: Path, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    res = runner.invoke(
        app, ["report", str(audit_json), "--format", "png", "-o", str(tmp_path / "f")]
    )
    assert res.exit_code == 2
    assert "cannot make the figures folder" in res.stderr


def test_the_callers_matplotlib_backend_is_left_alone(audit_json: Path) -> None:
    """A notebook's backend stays as it was, and pyplot is never loaded."""
    code = (
        "import sys, matplotlib, fairwatt; "
        f"fairwatt.report({str(audit_json)!r}); "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["svg", "False"]
