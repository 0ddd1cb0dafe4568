"""Report writers: text from the data made safe in CSV, Markdown and terminal tables."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from fairwatt.io.escaping import markdown_cell, spreadsheet_safe
from fairwatt.io.writers import report_to_markdown, resolve_format, write_report
from fairwatt.reporting.report import Report

INJECTED = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\tTAB",
    "\r=CR",
]
HARMLESS = ["-5", "+7", "-1.5e3", "eu-west-1", "-", "", "a=b"]


def report(sites: list[str]) -> Report:
    n = len(sites)
    df = pd.DataFrame(
        {
            "site": sites,
            "carbon_kg": [-1.5 * (i + 1) for i in range(n)],
            "rank": list(range(-1, n - 1)),
        }
    )
    return Report("audit", {"footprint": df}, notes=["worst site: " + sites[0]])


@pytest.mark.parametrize("text", INJECTED)
def test_formula_cells_get_a_quote(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_numbers_are_untouched(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_csv_neutralises_formulas_but_not_numbers(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    write_report(report(INJECTED + HARMLESS), str(out), "csv")
    back = pd.read_csv(out, keep_default_na=False, dtype={"site": str})
    assert list(back["site"]) == ["'" + s for s in INJECTED] + HARMLESS
    # numeric columns, negative values included, are never altered
    assert list(back["carbon_kg"]) == [-1.5 * (i + 1) for i in range(len(back))]
    assert list(back["rank"]) == list(range(-1, len(back) - 1))


def test_csv_neutralises_a_formula_column_name(tmp_path: Path) -> None:
    df = pd.DataFrame({"=1+1": ["x"], "n": [1]})
    out = tmp_path / "out.csv"
    write_report(Report("t", {"t": df}), str(out), "csv")
    assert out.read_text().splitlines()[0] == "'=1+1,n"


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))


def test_markdown_escapes_pipes_and_line_breaks() -> None:
    sites = ["a|b", "c\nd", "e\r\nf|", "back\\|slash"]
    text = report_to_markdown(report(sites))
    rows = [line for line in text.splitlines() if line.startswith("|")]
    # header, rule and one line per site, each with exactly 4 cell borders
    assert len(rows) == 2 + len(sites)
    assert {unescaped_pipes(r) for r in rows} == {4}
    assert "| a\\|b |" in text and "| c d |" in text and "| e f\\| |" in text
    assert "| back\\\\\\|slash |" in text
    assert "- worst site: a|b" in text  # a list item, not a table: left as it is
    assert markdown_cell("x\ny") == "x y"


def test_markdown_title_and_notes_stay_on_one_line() -> None:
    rep = Report("Site a\n# injected", {"t": pd.DataFrame({"x": [1]})}, notes=["two\nlines"])
    text = report_to_markdown(rep)
    assert text.startswith("# Site a # injected\n")
    assert "- two lines" in text


def test_terminal_table_shows_markup_as_text(tmp_path: Path) -> None:
    sites = ["[bold red]loud[/bold red]", "[/oops]", "[link=http://evil]x[/link]"]
    out = tmp_path / "out.txt"
    write_report(report(sites), str(out), "table")
    text = out.read_text()
    for site in sites:
        assert site in text
    assert "worst site: [bold red]loud[/bold red]" in text


def test_stream_targets_resolve_to_csv_unless_named() -> None:
    assert resolve_format("/dev/null", None, stdout_is_terminal=True) == "csv"
    assert resolve_format("/dev/stdout", None, stdout_is_terminal=True) == "table"
    assert resolve_format("/dev/stdout", None, stdout_is_terminal=False) == "csv"
    assert resolve_format("/dev/null", "json", stdout_is_terminal=False) == "json"


def test_dev_stdout_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_report(report(["s"]), "/dev/stdout", "csv")
    assert capsys.readouterr().out.startswith("site,carbon_kg,rank\ns,")


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_parquet_into_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_report(report(["=1+1", "x"]), str(fifo), "parquet")
    reader.join(timeout=30)
    table = pq.read_table(io.BytesIO(received[0])).to_pandas()
    assert list(table["site"]) == ["=1+1", "x"]  # Parquet keeps values exact
