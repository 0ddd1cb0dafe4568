"""Where an energy log comes from: files, folders, globs or stdin, or a table in memory,
and the DuckDB reader.

:func:`resolve_sources` turns the paths given to :func:`fairwatt.io.logs.reduce_log`
into one :class:`Source` (CSV or Parquet files; stdin is copied to a temporary CSV; a
pandas DataFrame or pyarrow Table is kept as it is and registered on the connection as
:data:`FRAME_VIEW`); :func:`reader_sql` is the DuckDB table function that streams them.
Object-store URLs (``s3://``, ``gs://``, ``abfs://``) are listed and read through fsspec
(:mod:`fairwatt.io.remote`).
"""

from __future__ import annotations

import glob
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fairwatt.errors import InputError
from fairwatt.io.remote import expand, is_url

if TYPE_CHECKING:
    from typing import TypeAlias

    import duckdb
    import pandas as pd
    import pyarrow as pa

    #: an energy log: paths (files, folders, globs, ``-``), or a table in memory
    LogSource: TypeAlias = Sequence[str] | str | pd.DataFrame | pa.Table

#: name under which an in-memory log is registered on the DuckDB connection
FRAME_VIEW = "fairwatt_log"


@dataclass
class Source:
    kind: Literal["csv", "parquet", "frame"]
    files: list[str]
    display: str
    hive: bool = False
    tmpdir: str | None = None
    #: the in-memory log (pandas DataFrame or pyarrow Table) of kind "frame"
    frame: Any = None
    #: columns of the whole log that these files lack: name -> SQL type, read as NULL
    #: (one file of a log read file by file, as a union by name would)
    absent: Mapping[str, str] | None = None


def _parquet_files(path: Path) -> list[str]:
    return sorted(str(p) for p in path.rglob("*.parquet") if p.is_file())


def _frame_label(obj: Any) -> str | None:
    """``<DataFrame>`` / ``<Table>`` for an in-memory log, ``None`` for anything else."""
    module = type(obj).__module__
    if module.startswith("pandas") and type(obj).__name__ == "DataFrame":
        return "<DataFrame>"
    if module.startswith("pyarrow") and type(obj).__name__ == "Table":
        return "<Table>"
    return None


def resolve_sources(paths: LogSource) -> Source:
    label = _frame_label(paths)
    if label is not None:
        if len(paths) == 0:
            raise InputError(f"{label}: the log holds no records", hint="pass a non-empty table")
        return Source(kind="frame", files=[label], display=label, frame=paths)
    if isinstance(paths, str):
        paths = [paths]
    if not paths:
        raise InputError("no energy log given", hint="pass a CSV or Parquet file, a folder or '-'")
    kinds: set[str] = set()
    files: list[str] = []
    hive = False
    tmpdir = None
    for raw in paths:
        if raw == "-":
            tmpdir = tempfile.mkdtemp(prefix="fairwatt-stdin-")
            target = Path(tmpdir) / "stdin.csv"
            with target.open("wb") as fh:
                shutil.copyfileobj(sys.stdin.buffer, fh)
            kinds.add("csv")
            files.append(str(target))
            continue
        if is_url(raw):
            found = expand(raw)
            for f in found:
                kinds.add(kind_of(f))
            hive = hive or any("=" in part for f in found for part in f.split("/"))
            files += found
            continue
        p = Path(raw)
        if p.is_dir():
            found = _parquet_files(p)
            if not found:
                raise InputError(
                    f"{raw}: folder holds no Parquet files (*.parquet)",
                    hint="point at a folder of Parquet files, or at a CSV file",
                )
            hive = hive or any("=" in part for f in found for part in Path(f).parts)
            kinds.add("parquet")
            files += found
            continue
        if any(ch in raw for ch in "*?["):
            found = sorted(glob.glob(raw, recursive=True))
            if not found:
                raise InputError(f"{raw}: no file matches this pattern")
            for f in found:
                kinds.add(kind_of(f))
            hive = hive or any("=" in part for f in found for part in Path(f).parts)
            files += found
            continue
        if not p.exists():
            raise InputError(f"{raw}: file not found", hint="check the path")
        kinds.add(kind_of(raw))
        files.append(raw)
    if len(kinds) > 1:
        raise InputError("cannot mix CSV and Parquet logs in one audit", hint="convert one kind")
    for f in files:
        if not is_url(f) and Path(f).stat().st_size == 0:
            raise InputError(f"{display(f, tmpdir)}: the file is empty")
    shown = ", ".join(display(f, tmpdir) for f in files[:3]) + (
        f" and {len(files) - 3} more" if len(files) > 3 else ""
    )
    return Source(kind=kinds.pop(), files=files, display=shown, hive=hive, tmpdir=tmpdir)  # type: ignore[arg-type]


def register_filesystems(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Let DuckDB on ``con`` read the object-store URLs of ``src`` (through fsspec)."""
    if any(is_url(f) for f in src.files):
        from fairwatt.io.remote import register

        register(con, src.files)


def display(f: str, tmpdir: str | None) -> str:
    """How messages name file ``f`` (``<stdin>`` for the copy of standard input)."""
    return "<stdin>" if tmpdir and f.startswith(tmpdir) else f


def kind_of(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith((".csv", ".csv.gz", ".csv.zst", ".tsv", ".txt", ".csv.bz2")):
        return "csv"
    raise InputError(
        f"{path}: unknown log format",
        hint="use .csv, .csv.gz, .parquet, a folder of Parquet or '-'",
    )


def sql_str(s: str) -> str:
    """``s`` as a SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def reader_sql(src: Source, types: Mapping[str, str] | None = None, filename: bool = False) -> str:
    """The DuckDB table function that reads ``src`` (a sub-query when columns are absent)."""
    if src.absent:
        types = {k: v for k, v in (types or {}).items() if k not in src.absent}
        nulls = ", ".join(f"NULL::{t} AS {quote(c)}" for c, t in src.absent.items())
        inner = reader_sql(replace(src, absent=None), types, filename)
        return f"(SELECT *, {nulls} FROM {inner})"
    if src.kind == "frame":
        if filename:
            return f"(SELECT *, {sql_str(src.display)} AS filename FROM {FRAME_VIEW})"
        return FRAME_VIEW
    files = "[" + ", ".join(sql_str(f) for f in src.files) + "]"
    # several files may order (or lack) columns differently; one file needs no matching,
    # and CSV reads faster without it (a 10 M-record log's reduction: 1.99 s against 2.05 s)
    opts = ["union_by_name=true"] if len(src.files) > 1 else []
    if filename:
        opts.append("filename=true")
    if src.kind == "csv":
        opts += ["header=true", "sample_size=20480"]
        if types:
            opts.append(
                "types={" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in types.items()) + "}"
            )
        return f"read_csv({', '.join([files, *opts])})"
    if src.hive:
        opts.append("hive_partitioning=true")
    return f"read_parquet({', '.join([files, *opts])})"


def quote(col: str) -> str:
    """``col`` as a quoted SQL identifier."""
    return '"' + col.replace('"', '""') + '"'
