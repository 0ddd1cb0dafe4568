"""A log whose file name looks like a glob (logs[prod].csv) is read as named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairwatt.cli._common import literal_first
from fairwatt.cli.app import app

runner = CliRunner()
LOG = "timestamp,site,energy_kwh\n2024-06-03T00:00:00Z,aws:us-east-1,100\n"


def test_an_existing_file_with_brackets_is_read_as_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("logs[prod].csv").write_text(LOG)
    res = runner.invoke(app, ["audit", "logs[prod].csv", "-f", "json", "-q"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["details"]["inputs"] == ["logs[prod].csv"]
    assert doc["tables"]["totals"][0]["energy_kwh"] == 100


def test_patterns_that_name_no_file_stay_patterns(tmp_path: Path) -> None:
    (tmp_path / "a[1].csv").write_text(LOG)
    (tmp_path / "a1.csv").write_text(LOG)
    literal = str(tmp_path / "a[1].csv")
    pattern = str(tmp_path / "a[0-9].csv")
    assert literal_first([literal, pattern, "-"]) == [
        str(tmp_path / "a[[]1].csv"),
        pattern,
        "-",
    ]
