"""Markdown tables: one number format per column, numbers right-aligned."""

from __future__ import annotations

import pandas as pd

from fairwatt.io.writers import report_to_markdown
from fairwatt.reporting.report import Report


def test_one_format_per_column() -> None:
    df = pd.DataFrame({"site": ["a", "b", "c"], "carbon_kg": [979.577, 1754.9, 12.25]})
    lines = report_to_markdown(Report("t", {"t": df})).splitlines()
    header = lines.index("| site | carbon_kg |")
    assert lines[header + 1] == "|---|---:|"
    cells = [line.split(" | ")[1].rstrip(" |") for line in lines[header + 2 : header + 5]]
    # median 979.6: no decimals for any row (not 979.577 beside 1,754.9)
    assert cells == ["980", "1,755", "12"]
