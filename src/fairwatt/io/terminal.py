"""Reports as rich tables that fit the terminal without cutting what identifies a row.

Layout rules:

* numbers are right-aligned, with one format per column: the decimals follow the
  column's typical magnitude (its median), enough for its smallest non-zero value to
  show a digit;
* identifier columns (text without spaces: site ids, zones, dataset names, times) are
  never cut or wrapped; long prose wraps within its column;
* headers break after ``_`` (``facility_`` / ``energy_kwh``) before anything is cut;
* if the columns still do not fit, the table is shown in parts, each repeating the
  leading identifier columns;
* on a terminal the width is the terminal's; elsewhere the table is as wide as its
  content;
* notes and titles are plain text: no markup, no highlighting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from fairwatt.io.escaping import one_line

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from fairwatt.reporting.report import Report

__all__ = ["column_format", "print_report"]

#: prose columns are not narrowed below this (or their natural width, if less)
_PROSE_MIN = 16
#: decimals at most, before a column switches to scientific notation
_MAX_DECIMALS = 6


@dataclass
class _Column:
    header: str
    cells: list[str]
    kind: str  # "number", "key" or "prose"

    @property
    def natural(self) -> int:
        return max([_width(self.header), *map(_width, self.cells)])

    @property
    def minimum(self) -> int:
        cells = max([1, *map(_width, self.cells)])
        if self.kind == "prose":
            return min(self.natural, _PROSE_MIN)
        longest_part = max(map(_width, _header_parts(self.header)))
        # a header part as long as the widest cell is never cut; longer ones may fold
        return max(cells, min(longest_part, 10))


def _width(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def _header_parts(header: str) -> list[str]:
    """``facility_energy_kwh`` as ``facility_``, ``energy_``, ``kwh``."""
    parts = header.split("_")
    return [p + "_" for p in parts[:-1]] + [parts[-1]]


def _wrap_header(header: str, width: int) -> str:
    """The header in lines of at most ``width``, broken after ``_`` where possible."""
    lines: list[str] = []
    for part in _header_parts(header):
        if lines and _width(lines[-1] + part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return "\n".join(lines)


def column_format(values: pd.Series) -> Callable[[Any], str]:
    """One format for every value of a numeric column (see the module's rules)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        return lambda v: "" if pd.isna(v) else str(v)
    data = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    mags = np.abs(data[np.isfinite(data) & (data != 0)])
    if mags.size and (mags.max() >= 1e12 or mags.max() < 10.0**-_MAX_DECIMALS):
        return _formatter("{:.3e}")
    decimals = 0
    if mags.size and not np.all(mags == np.round(mags)):
        typical = 2 - math.floor(math.log10(float(np.median(mags))))
        smallest = -math.floor(math.log10(float(mags.min())))
        decimals = min(max(0, typical, smallest), _MAX_DECIMALS)
    return _formatter(f"{{:,.{decimals}f}}")


def _formatter(spec: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        special = _special(value)
        return spec.format(value) if special is None else special

    return fmt


def _special(value: Any) -> str | None:
    """The text of a missing or infinite value, else ``None``."""
    import numbers

    import pandas as pd

    if value is None or value is pd.NA:
        return ""
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        return "" if math.isnan(value) else ("inf" if float(value) > 0 else "-inf")
    return None


def _columns(df: pd.DataFrame, text: Callable[[Any], str]) -> list[_Column]:
    import pandas as pd

    out = []
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            fmt = column_format(col)
            out.append(_Column(str(name), [fmt(v) for v in col], "number"))
            continue
        cells = [one_line(text(v)) for v in col]
        spaced = any(" " in c for c in cells)
        longest = max([0, *map(_width, cells)])
        kind = "prose" if (spaced and longest > 24) or longest > 48 else "key"
        out.append(_Column(str(name), cells, kind))
    return out


def _overhead(n: int) -> int:
    """Table width beyond its columns' content: padding and separators, no outer edge."""
    return 3 * n - 3 if n else 0


def _fit(cols: list[_Column], width: int) -> list[int] | None:
    """Content widths of ``cols`` within ``width``, or ``None`` if they cannot fit."""
    widths = [c.natural for c in cols]
    excess = sum(widths) + _overhead(len(cols)) - width
    if excess <= 0:
        return widths
    floors = [c.minimum for c in cols]
    # prose gives way first, then headers fold; always the widest column
    for kinds in (("prose",), ("prose", "number", "key")):
        while excess > 0:
            slack = [
                (w, i)
                for i, (w, f, c) in enumerate(zip(widths, floors, cols, strict=True))
                if w > f and c.kind in kinds
            ]
            if not slack:
                break
            _, i = max(slack)
            widths[i] -= 1
            excess -= 1
    if excess > 0:
        return None
    return [_balanced(c, w) if c.kind != "prose" else w for c, w in zip(cols, widths, strict=True)]


def _balanced(col: _Column, width: int) -> int:
    """The least width at which ``col``'s header takes no more lines than at ``width``
    (``water_`` / ``onsite_l`` rather than ``water_onsite_`` / ``l``)."""
    lines = _wrap_header(col.header, width).count("\n")
    floor = max([1, *map(_width, col.cells)])
    for w in range(floor, width):
        if _wrap_header(col.header, w).count("\n") <= lines and all(
            _width(part) <= w for part in _header_parts(col.header)
        ):
            return w
    return width


def _panels(cols: list[_Column], width: int | None) -> list[tuple[list[int], list[int]]]:
    """Column indices and content widths of each part of the table."""
    everything = list(range(len(cols)))
    if width is None:
        return [(everything, [c.natural for c in cols])]
    widths = _fit(cols, width)
    if widths is not None:
        return [(everything, widths)]
    keys: list[int] = []  # leading identifiers, repeated in each part while all fit
    for i, c in enumerate(cols[:-1]):
        rest = everything[i + 1 :]
        if c.kind != "key" or any(
            _fit([cols[k] for k in [*keys, i, j]], width) is None for j in rest
        ):
            break
        keys.append(i)
    rest = everything[len(keys) :]
    groups: list[list[int]] = [[]]
    for i in rest:  # as few parts as the width allows ...
        if groups[-1] and _fit([cols[k] for k in [*keys, *groups[-1], i]], width) is None:
            groups.append([])
        groups[-1].append(i)
    size = math.ceil(len(rest) / len(groups))
    even = [rest[k : k + size] for k in range(0, len(rest), size)]
    if len(even) == len(groups) and all(
        _fit([cols[k] for k in [*keys, *g]], width) is not None for g in even
    ):
        groups = even  # ... with their columns shared out evenly where they fit
    return [_panel(cols, [*keys, *g], width) for g in groups]


def _panel(cols: list[_Column], which: list[int], width: int) -> tuple[list[int], list[int]]:
    fitted = _fit([cols[i] for i in which], width)
    return which, fitted if fitted is not None else [cols[i].minimum for i in which]


def _table(cols: list[_Column], which: list[int], widths: list[int]) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    for i, w in zip(which, widths, strict=True):
        c = cols[i]
        table.add_column(
            Text(_wrap_header(c.header, w)),
            justify="right" if c.kind == "number" else "left",
            width=w,
            overflow="fold",
            no_wrap=False,
        )
    for r in range(len(cols[which[0]].cells) if which else 0):
        table.add_row(*(Text(cols[i].cells[r]) for i in which))
    return table


def print_report(
    report: Report,
    stream: IO[str],
    text: Callable[[Any], str],
    *,
    width: int | None,
    max_rows: int | None = None,
    more_hint: str = "use -o FILE",
) -> None:
    """Print ``report``'s tables and notes to ``stream``.

    ``width``: the terminal's width, or ``None`` for tables as wide as their content.
    ``max_rows``: show at most this many rows of each table, then how many more there
    are and ``more_hint``. ``text`` formats non-numeric cells.
    """
    import io

    from rich.console import Console
    from rich.text import Text

    # not a terminal: render into a buffer and drop the padding at the ends of lines
    buffer = io.StringIO() if width is None else None
    console = Console(
        file=buffer or stream,
        width=width or 10_000,
        soft_wrap=False,
        markup=False,
        highlight=False,
        emoji=False,
    )
    for name, df in report.tables.items():
        title = f"{report.title} — {name}" if len(report.tables) > 1 else report.title
        shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
        cols = _columns(shown, text)
        parts = _panels(cols, width) if cols else []
        for k, (which, widths) in enumerate(parts):
            label = title if len(parts) == 1 else f"{title} ({k + 1}/{len(parts)})"
            console.print(Text(one_line(label), style="bold"))
            console.print(_table(cols, which, widths))
        if len(shown) < len(df):
            console.print(Text(f"… {len(df) - len(shown)} more rows; {more_hint}"))
    for n in report.notes:
        console.print(Text(f"note: {n}", style="dim"), soft_wrap=width is None)
    if buffer is not None:
        stream.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
