"""Terminal tables: what identifies a row is never cut, one number format per column,
plain-text notes, long tables shortened with a hint."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.io import writers
from fairwatt.io.terminal import column_format, print_report
from fairwatt.reporting.report import Report

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"
runner = CliRunner()


@pytest.fixture
def terminal_80(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout behaves as a terminal 80 columns wide."""
    monkeypatch.setattr(writers, "_terminal_width", lambda stream: 80)


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def test_audit_at_80_columns_shows_every_site_id_whole(terminal_80: None) -> None:
    res = runner.invoke(app, ["audit", str(FLEET), "--footprints", "carbon,water", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    sites = sorted(set(pd.read_csv(FLEET)["site"]))
    tokens = set(re.findall(r"\S+", res.stdout))
    assert set(sites) <= tokens
    assert "…" not in res.stdout
    assert max(len(line) for line in lines_of(res.stdout) if not line.startswith("note:")) <= 80
    assert "13,746" in res.stdout  # the largest water_l, whole


def test_factors_list_names_whole_at_80_columns(terminal_80: None) -> None:
    from fairwatt.datasets import catalog

    res = runner.invoke(app, ["factors", "list", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    tokens = re.findall(r"\S+", res.stdout)
    parts = max(1, res.stdout.count("Bundled datasets ("))
    for d in catalog.manifest():  # whole in every part of the table
        assert tokens.count(d.name) == parts, d.name
    assert "zone_factors" in tokens and "zone_factor" not in tokens
    assert max(len(line) for line in lines_of(res.stdout)) <= 80
    # prose moved out of the list view
    assert "licence" not in res.stdout and "CC-BY-4.0" not in res.stdout


def test_factors_list_wide_and_files_have_the_prose() -> None:
    res = runner.invoke(app, ["factors", "list", "--wide", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    assert "licence" in res.stdout and "CC-BY-4.0" in res.stdout
    res = runner.invoke(app, ["factors", "list", "-f", "csv"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[0].split(",")[-4:] == ["coverage", "kind", "licence", "version"]


def test_sites_list_at_80_columns(terminal_80: None) -> None:
    res = runner.invoke(app, ["sites", "list", "--provider", "azure", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    assert "azure:australiasoutheast" in re.findall(r"\S+", res.stdout)
    assert "pue_source" not in res.stdout
    assert max(len(line) for line in lines_of(res.stdout)) <= 80


def test_factors_show_on_a_terminal_shows_20_rows_and_a_hint(terminal_80: None) -> None:
    res = runner.invoke(app, ["factors", "show", "us-ba-health-hourly-2023", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    # the first hour starts 2022-12-31T23:00Z (EIA-930 labels name the hour's end)
    assert res.stdout.count("2022-12-31T23") + res.stdout.count("2023-01-01T") == 20
    assert "… 35020 more rows; use -o FILE or --limit 0 for all" in res.stdout


def test_factors_show_limit_and_files_are_not_shortened(terminal_80: None, tmp_path: Path) -> None:
    res = runner.invoke(app, ["factors", "show", "country-carbon-owid", "-n", "30", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    assert "more rows" not in res.stdout
    out = tmp_path / "owid.csv"
    res = runner.invoke(app, ["factors", "show", "country-carbon-owid", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert len(pd.read_csv(out)) > 200


def test_bracketed_units_in_notes_are_kept() -> None:
    res = runner.invoke(app, ["factors", "show", "country-carbon-owid", "-n", "5", "-f", "table"])
    assert res.exit_code == 0, res.stderr
    assert "carbon_g_per_kwh [gCO2e/kWh]" in res.stdout
    assert "year [data year]" in res.stdout


def test_markup_and_highlighting_are_off() -> None:
    df = pd.DataFrame({"site": ["aws:sa-east-1", "[bold]x[/bold]"], "carbon_kg": [1.0, 2.0]})
    report = Report("t [g/kWh]", {"t": df}, notes=["units: [g/kWh] and [red]not red[/red]"])
    buf = io.StringIO()
    print_report(report, buf, str, width=80)
    text = buf.getvalue()
    assert "\x1b[" not in text
    assert "[bold]x[/bold]" in text and "t [g/kWh]" in text
    assert "note: units: [g/kWh] and [red]not red[/red]" in text


def test_one_number_format_per_column() -> None:
    fmt = column_format(pd.Series([979.577, 1754.9, 145.134]))
    assert [fmt(v) for v in (979.577, 1754.9, 145.134)] == ["980", "1,755", "145"]
    small = column_format(pd.Series([0.45, 0.3, 0.2, 16902.53]))  # like an equity column
    assert [small(v) for v in (0.45, 16902.53)] == ["0.450", "16,902.530"]
    tiny = column_format(pd.Series([120.0, 0.004]))
    assert tiny(0.004) == "0.004" and tiny(120.0) == "120.000"
    years = column_format(pd.Series([2021, 2023]))
    assert years(2023) == "2023"
    assert column_format(pd.Series([float("nan"), float("inf"), 1.5]))(float("nan")) == ""


def test_numbers_right_aligned_and_cells_never_cut() -> None:
    df = pd.DataFrame(
        {
            "site": [f"azure:site-with-a-long-name-{i}" for i in range(3)],
            **{f"footprint_number_{k}_kg": [1234567.891, 2.5, 33.0] for k in range(8)},
        }
    )
    buf = io.StringIO()
    print_report(Report("wide", {"t": df}), buf, str, width=80)
    text = buf.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.count("azure:site-with-a-long-name-0") >= 2  # repeated in each part
    assert "1,234,567.9" in text and "…" not in text
    assert "    2.5" in text  # right-aligned, same decimals
    assert "(1/" in text


def test_piped_tables_are_as_wide_as_their_content() -> None:
    df = pd.DataFrame({"name": ["x" * 70], "comment": ["a long sentence " * 6]})
    buf = io.StringIO()
    print_report(Report("piped", {"t": df}), buf, str, width=None)
    lines = buf.getvalue().splitlines()
    assert any(len(line) > 120 for line in lines)
    assert all(line == line.rstrip() for line in lines)
