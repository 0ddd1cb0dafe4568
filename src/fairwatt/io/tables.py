"""Reading every CSV/Parquet input that is not an energy log, with one missing-value rule.

Factor files, fuel-mix files, sites files, weights files, per-region tables and
scenario tables are all read by :func:`read_table`:

* ``.csv``, ``.txt``, ``.csv.gz`` (or any ``.gz``) and ``-`` (CSV on stdin) are CSV;
  ``.parquet`` and ``.pq`` are Parquet.
* **Missing values**: only an empty cell is missing. Text such as ``NA`` (the zone of
  Namibia), ``N/A``, ``null``, ``nan`` or ``None`` stays text; a column that should be
  numeric and holds such text is refused by the reader that converts it.
* Every problem (missing file, unknown extension, unreadable content) is an
  :class:`~fairwatt.errors.InputError` naming the file, never a traceback.

Energy logs are read by :mod:`fairwatt.io.logs`, which streams them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

STDIN = "-"
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".txt", ".gz")
#: pandas options of the one missing-value rule: only empty cells are missing
MISSING_RULE: dict[str, object] = {"keep_default_na": False, "na_values": [""]}


def is_parquet(source: str | os.PathLike[str]) -> bool:
    """True when ``source`` names a Parquet file (by its extension)."""
    return Path(str(source)).suffix.lower() in PARQUET_SUFFIXES


def first_row_number(source: str | os.PathLike[str]) -> int:
    """Number of the first data row in error messages.

    Its line number for CSV (the header is line 1, so 2), 1 for Parquet.
    """
    return 1 if is_parquet(source) else 2


def display_name(source: str | os.PathLike[str]) -> str:
    """How error messages name ``source``: its path, or ``<stdin>``."""
    return "<stdin>" if str(source) == STDIN else str(source)


def read_table(
    source: str | os.PathLike[str], *, what: str | None = None, text: bool = False
) -> pd.DataFrame:
    """Read a CSV or Parquet table with the one missing-value rule.

    Parameters
    ----------
    source
        Path of a ``.csv``, ``.txt``, ``.csv.gz``/``.gz``, ``.parquet`` or ``.pq`` file,
        or ``-`` for CSV on standard input.
    what
        What the table is (``"factor file"``, ``"weights file"``, ...), for messages.
    text
        Read every CSV column as text (no number inference); Parquet keeps its types.

    Returns
    -------
    pandas.DataFrame
        The table as read; only empty cells are missing (NaN), other text is kept.

    Raises
    ------
    InputError
        If the file is missing, its extension is unknown, or its content cannot be read.
    """
    import sys

    import pandas as pd

    kind = what or "table"
    name = display_name(source)
    if str(source) == STDIN:
        return _read_csv(sys.stdin, name, kind, text)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{what or 'file'} not found", file=name, hint="check the path")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several kinds for unreadable files
            raise InputError(
                f"cannot read the {kind} as Parquet: {_first_line(exc)}", file=name
            ) from None
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, name, kind, text)
    raise InputError(
        f"unknown {kind} type {suffix or '(no extension)'!r}",
        file=name,
        hint="give a .csv, .csv.gz or .parquet file (or - for CSV on stdin)",
    )


def _read_csv(source: object, name: str, kind: str, text: bool) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(  # type: ignore[call-overload]
            source, keep_default_na=False, na_values=[""], dtype=str if text else None
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"the {kind} is empty", file=name, hint="write a header row") from None
    except Exception as exc:  # parser, decoding, gzip and OS errors: all unreadable input
        raise InputError(f"cannot read the {kind} as CSV: {_first_line(exc)}", file=name) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
