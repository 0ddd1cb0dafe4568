"""Make text from the data (site ids, zone names, file names) safe in outputs.

* CSV opened in a spreadsheet: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return can run as a formula ("CSV injection"); such text cells get a
  leading ``'``, as OWASP recommends, unless they are plain numbers such as ``-5`` (or a
  lone ``-``).
* Markdown tables: ``|`` ends a cell and a line break ends the row; ``|`` is escaped as
  ``\\|`` (and ``\\`` as ``\\\\``, so that an escape in the data cannot undo ours), a line
  break becomes a space.
"""

from __future__ import annotations

import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula.

    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("-5")
    ('\\'=HYPERLINK("http://x")', '-5')
    """
    if (
        text.startswith(_FORMULA_START)
        and text not in ("-", "+")
        and not _PLAIN_NUMBER.fullmatch(text)
    ):
        return "'" + text
    return text


def spreadsheet_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`spreadsheet_safe` applied to every text cell and column name;
    numeric, boolean and time columns are never altered."""
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[col] = series.map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    out.columns = pd.Index([spreadsheet_safe(c) if isinstance(c, str) else c for c in out.columns])
    return out


def one_line(text: str) -> str:
    """``text`` with its line breaks as spaces (for Markdown headings and list items)."""
    return _LINE_BREAK.sub(" ", text)


def markdown_cell(text: str) -> str:
    """``text`` as the content of a Markdown (GitHub) table cell.

    >>> markdown_cell("a|b\\nc")
    'a\\\\|b c'
    """
    return one_line(text).replace("\\", "\\\\").replace("|", "\\|")
