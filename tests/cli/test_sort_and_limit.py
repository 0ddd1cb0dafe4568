"""--sort COLUMN and --limit N on the main table of audit, equity, check, factors, sites."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "sample_inputs" / "fleet" / "energy.csv")


def csv(*args: str) -> pd.DataFrame:
    res = runner.invoke(app, [*args, "-f", "csv", "-q"])
    assert res.exit_code == 0, res.stderr
    return pd.read_csv(io.StringIO(res.stdout))


@pytest.fixture(scope="module")
def footprint() -> pd.DataFrame:
    return csv("audit", FLEET)


def test_audit_sorted_descending_and_cut(footprint: pd.DataFrame) -> None:
    top = csv("audit", FLEET, "--sort", "-carbon_kg", "--limit", "3")
    expected = footprint.sort_values("carbon_kg", ascending=False).head(3)
    assert top["site"].tolist() == expected["site"].tolist()
    assert top["carbon_kg"].is_monotonic_decreasing


def test_ascending_with_equals_and_limit_zero_is_all(footprint: pd.DataFrame) -> None:
    rows = csv("audit", FLEET, "--sort=water_l", "--limit", "0")
    assert len(rows) == len(footprint) and rows["water_l"].is_monotonic_increasing


def test_totals_and_indices_stay_those_of_the_whole_audit(footprint: pd.DataFrame) -> None:
    res = runner.invoke(app, ["audit", FLEET, "--limit", "1", "-f", "json", "-q"])
    doc = json.loads(res.stdout)
    assert len(doc["tables"]["footprint"]) == 1
    assert doc["tables"]["totals"][0]["carbon_kg"] == pytest.approx(footprint["carbon_kg"].sum())


def test_catalog_lists(tmp_path: Path) -> None:
    sites = csv("sites", "list", "--provider", "gcp", "--sort", "-pue", "--limit", "2")
    assert len(sites) == 2 and sites["pue"].is_monotonic_decreasing
    names = csv("factors", "list", "--sort", "name")["name"].tolist()
    assert names == sorted(names)


def test_equity_and_check(tmp_path: Path) -> None:
    audit = tmp_path / "audit.csv"
    assert runner.invoke(app, ["audit", FLEET, "-q", "-o", str(audit)]).exit_code == 0
    indices = csv("equity", str(audit), "--by", "site", "--sort", "-result", "--limit", "2")
    assert len(indices) == 2 and indices["result"].is_monotonic_decreasing
    res = runner.invoke(
        app,
        ["check", FLEET, "-r", "max_carbon_kg=1", "-r", "max_water_l=1e9", "--sort", "rule",
         "--limit", "1", "-f", "csv"],
    )  # fmt: skip
    assert res.exit_code == 1  # the failing rule counts though it is not listed
    shown = pd.read_csv(io.StringIO(res.stdout))
    assert shown["rule"].tolist() == ["max_carbon_kg"]
    assert "2 rules: 1 passed, 1 failed, 0 warnings" in res.stderr


def test_an_unknown_column_is_a_clear_error() -> None:
    res = runner.invoke(app, ["audit", FLEET, "--sort", "carbon", "-q", "-f", "csv"])
    assert res.exit_code == 2
    assert "--sort: no column 'carbon' in the footprint table" in res.stderr
    assert "carbon_kg" in res.stderr  # the columns there are
