"""``fairwatt rebalance`` through Typer's CliRunner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EGLB = str(ROOT / "sample_inputs" / "eglb" / "scenario.toml")

runner = CliRunner()


def test_help() -> None:
    result = runner.invoke(app, ["rebalance", "--help"])
    assert result.exit_code == 0
    assert "--objective" in result.stdout
    assert "--sweep" in result.stdout
    assert "--online" in result.stdout


def test_readme_command_reproduces_cacm_numbers() -> None:
    """CACM: water max/avg 1.72 under min price -> 1.30 under eGLB (partial mask)."""
    result = runner.invoke(app, ["rebalance", EGLB, "--mask", "partial", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout)).set_index("objective")
    assert summary.loc["min-cost", "water_max_to_mean"] == pytest.approx(1.716, abs=1e-3)
    assert summary.loc["eglb", "water_max_to_mean"] == pytest.approx(1.299, abs=1e-3)
    assert summary.loc["eglb", "objective_value"] == pytest.approx(629_943.21, rel=1e-6)
    assert summary.loc["nearest", "mask"] == "nearest"
    assert "hours present in only some tables dropped" in result.stderr


def test_json_report_has_every_table(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    alloc = tmp_path / "alloc.parquet"
    result = runner.invoke(
        app,
        [
            "rebalance",
            EGLB,
            "--units",
            "paper",
            "-O",
            "min-cost",
            "-O",
            "eglb:cost=1,water=60,carbon=1500",
            "-O",
            "ratio:water=1.3",
            "-o",
            str(out),
            "--allocation",
            str(alloc),
        ],
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    assert {"summary", "inequity", "sites"} <= set(doc["tables"])
    objectives = [row["objective"] for row in doc["tables"]["summary"]]
    assert objectives == ["min-cost", "eglb:cost=1,water=60,carbon=1500", "ratio:water=1.3"]
    ratio = next(
        r
        for r in doc["tables"]["inequity"]
        if r["objective"] == "ratio:water=1.3" and r["footprint"] == "water"
    )
    assert ratio["max_to_mean"] <= 1.3 + 1e-7
    assert ratio["max_to_mean_before"] == pytest.approx(1.710, abs=1e-3)
    # hourly allocation: per objective, hours x (site, gateway) pairs; demand adds up
    df = pd.read_parquet(alloc)
    assert list(df.columns) == ["objective", "hour", "site", "gateway", "energy_mwh"]
    assert str(df["hour"].dt.tz) == "UTC"
    per_obj = df.groupby("objective")["energy_mwh"].sum()
    sites = pd.DataFrame(doc["tables"]["sites"]).groupby("objective")["energy_mwh"].sum()
    pd.testing.assert_series_equal(
        per_obj.sort_index(), sites.sort_index(), check_names=False, rtol=1e-9
    )


def test_sweep_frontier_is_monotone() -> None:
    result = runner.invoke(
        app, ["rebalance", EGLB, "--units", "paper", "--sweep", "water=0,30,60,120", "-f", "csv"]
    )
    assert result.exit_code == 0, result.stderr
    frontier = pd.read_csv(io.StringIO(result.stdout))
    assert list(frontier["value"]) == [0.0, 30.0, 60.0, 120.0]
    assert (frontier["status"] == "optimal").all()
    # more weight on the worst water site: never more water there, never less cost
    assert frontier["water_worst_m3"].is_monotonic_decreasing
    assert frontier["cost_usd"].is_monotonic_increasing


def test_sweep_over_limits() -> None:
    """Perfect water equality (max/mean 1) is reachable on the full mask; a worst-site cap
    below the smallest possible mean water (1243.91 m3, R6) is not."""
    result = runner.invoke(
        app, ["rebalance", EGLB, "--sweep", "ratio:water=1.0,1.3,1.6", "-f", "csv"]
    )
    assert result.exit_code == 0, result.stderr
    frontier = pd.read_csv(io.StringIO(result.stdout))
    assert (frontier["status"] == "optimal").all()
    assert frontier["water_max_to_mean"].iloc[0] == pytest.approx(1.0, abs=1e-7)
    assert frontier["water_max_to_mean"].iloc[1] <= 1.3 + 1e-7
    assert frontier["cost_usd"].is_monotonic_decreasing

    result = runner.invoke(
        app,
        ["rebalance", EGLB, "--units", "paper", "--sweep", "worst:water=1200,2000", "-f", "csv"],
    )
    assert result.exit_code == 0, result.stderr
    frontier = pd.read_csv(io.StringIO(result.stdout))
    assert list(frontier["status"]) == ["infeasible", "optimal"]
    assert frontier["water_worst_m3"].iloc[1] <= 2000 + 1e-7


def test_online_row_and_gap() -> None:
    result = runner.invoke(app, ["rebalance", EGLB, "--online", "--step", "0.01", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    online = doc["details"]["online"]
    assert 0.0 < online["gap_to_offline"] < 0.05
    row = next(r for r in doc["tables"]["summary"] if r["objective"] == "eglb (online)")
    assert row["method"] == "online"
    assert row["gap_to_optimum_pct"] == pytest.approx(100 * online["gap_to_offline"])


def test_infeasible_exit_code_4(tmp_path: Path) -> None:
    """Capacity 0.2 MWh per site: the first hour's 9.97 MWh cannot be served."""
    base = Path(EGLB).parent.as_posix()
    toml = (
        Path(EGLB)
        .read_text()
        .replace('value = 1.0\nunit = "MWh"', 'value = 0.2\nunit = "MWh"')
        .replace('file = "', f'file = "{base}/')
        .replace('pattern = "', f'pattern = "{base}/')
    )
    path = tmp_path / "infeasible.toml"
    path.write_text(toml)
    result = runner.invoke(app, ["rebalance", str(path)])
    assert result.exit_code == 4
    assert result.stderr.startswith(
        "fairwatt: error: demand cannot be served in 457 of 457 hours under mask 'full'"
    )
    assert "hour 2022-09-22T00:00Z: all gateways together need 9.970 MWh against 2.000 MWh" in (
        result.stderr
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mask", "nope"], "unknown mask 'nope'"),
        (["-O", "fastest"], "unknown objective 'fastest'"),
        (["--weights", "water=-1"], "must be a finite number >= 0"),
        (["--sweep", "water=a:b:c"], "cannot read the values"),
        (["-O", "min-health"], "no health intensity"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["rebalance", EGLB, *args])
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert result.stdout == ""
