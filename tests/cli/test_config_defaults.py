"""Audit defaults from [tool.fairwatt.audit] / fairwatt.toml [audit] and FAIRWATT_*:
the command line wins over the environment, which wins over the file."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

runner = CliRunner()
LOG = (
    "timestamp,site,energy_kwh\n"
    "2024-06-03T00:00:00Z,mine,100\n"
    "2024-06-03T00:00:00Z,aws:us-east-1,50\n"
)
SITES = '[[sites]]\nsite = "mine"\nzone = "US-OR"\npue = 1.5\nwue_l_per_kwh = 0.5\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "sites.toml").write_text(SITES)
    (tmp_path / "log.csv").write_text(LOG)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.fairwatt.audit]\n'
        'sites = "infra/sites.toml"\nfootprints = "carbon"\nby = "zone"\n'
    )
    work = tmp_path / "sub"  # found from a folder below, paths relative to the file
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def audit(*args: str, env: dict[str, str] | None = None) -> pd.DataFrame:
    res = runner.invoke(app, ["audit", "../log.csv", *args, "-f", "csv", "-q"], env=env)
    assert res.exit_code == 0, res.stderr
    return pd.read_csv(io.StringIO(res.stdout))


def test_the_file_sets_the_defaults(project: Path) -> None:
    rows = audit()
    assert list(rows.columns) == ["zone", "energy_kwh", "facility_energy_kwh", "carbon_kg"]
    oregon = rows.set_index("zone").loc["US-OR"]
    assert oregon["facility_energy_kwh"] == pytest.approx(150)  # PUE 1.5 of the file's site


def test_the_environment_beats_the_file_and_the_command_line_beats_both(project: Path) -> None:
    assert "site" in audit(env={"FAIRWATT_BY": "site"}).columns
    assert list(audit("--by", "zone,hour", env={"FAIRWATT_BY": "site"}).columns)[:2] == [
        "zone",
        "hour",
    ]
    both = audit(env={"FAIRWATT_FOOTPRINTS": "carbon,water"})
    assert "water_l" in both.columns


def test_fairwatt_toml_comes_first(project: Path) -> None:
    (project / "sub" / "fairwatt.toml").write_text(
        '[audit]\nby = "site"\nsites = ["../infra/sites.toml"]\n'
    )
    rows = audit()
    assert "site" in rows.columns
    assert "water_l" in rows.columns  # footprints of pyproject.toml not merged in: auto


def test_a_saved_report_is_checked_despite_the_defaults(project: Path) -> None:
    saved = project / "audit.json"
    assert runner.invoke(app, ["audit", "../log.csv", "-q", "-o", str(saved)]).exit_code == 0
    res = runner.invoke(
        app,
        ["check", "--report", str(saved), "-r", "max_carbon_kg=1e9", "-f", "csv"],
        env={"FAIRWATT_BY": "zone"},
    )
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("colour = 1\n", "unknown audit option 'colour' in the configuration"),
        ('by = ["zone", "site"]\n', "by takes one value, not a list"),
    ],
)
def test_bad_configurations_are_exit_2(project: Path, table: str, message: str) -> None:
    (project / "sub" / "fairwatt.toml").write_text("[audit]\n" + table)
    res = runner.invoke(app, ["audit", "../log.csv", "-q"])
    assert res.exit_code == 2
    assert message in res.stderr and "fairwatt.toml" in res.stderr
    # other commands do not read the audit defaults
    assert runner.invoke(app, ["sites", "show", "aws:us-east-1", "-f", "csv"]).exit_code == 0
