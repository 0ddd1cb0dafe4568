"""Write reports as a rich table, CSV, Parquet, JSON or Markdown, atomically."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pandas as pd

from fairwatt.errors import InputError
from fairwatt.reporting.report import Report

FORMATS = ("table", "csv", "parquet", "json", "markdown")
_EXTENSIONS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
}


def resolve_format(output: str | None, fmt: str | None, *, stdout_is_terminal: bool) -> str:
    """The output format: ``fmt`` if given, else from ``output``'s extension, else
    ``table`` on a terminal and ``csv`` when stdout is a pipe or file."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
        return fmt
    if output not in (None, "-"):
        suffix = Path(output).suffix.lower()
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
        raise InputError(
            f"cannot infer the output format from {output!r}",
            hint=f"pass --format ({', '.join(FORMATS)})",
        )
    return "table" if stdout_is_terminal else "csv"


def check_output_path(output: str | None) -> None:
    """Fail early (before any work) when ``output`` cannot be written."""
    if output in (None, "-"):
        return
    parent = Path(output).resolve().parent
    if not parent.is_dir():
        raise InputError(
            f"output folder does not exist: {parent}", hint="create it or choose another -o path"
        )
    if Path(output).is_dir():
        raise InputError(f"output path is a folder: {output}", hint="give a file name")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success,
    remove it on failure, so no half-written file is ever left behind."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return _finite_or_none(float(value))
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
            out[col]
        ):
            out[col] = out[col].map(lambda t: None if pd.isna(t) else t.isoformat())
    records = cast("list[dict[str, Any]]", out.to_dict(orient="records"))
    for rec in records:
        for key, val in rec.items():
            if isinstance(val, float) and not math.isfinite(val):
                rec[key] = None if math.isnan(val) else ("inf" if val > 0 else "-inf")
            elif val is pd.NA or val is pd.NaT:
                rec[key] = None
    return records


def report_to_json(report: Report) -> str:
    doc = {
        **({} if report.schema_version is None else {"schema_version": report.schema_version}),
        "title": report.title,
        "metadata": report.metadata,
        "notes": report.notes,
        **{name: _records(df) for name, df in report.tables.items()},
    }
    return json.dumps(doc, indent=2, default=_json_default, allow_nan=False) + "\n"


def _format_cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == 0:
            return "0"
        if abs(value) < 1e-3 or abs(value) >= 1e12:
            return f"{value:.4g}"
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def report_to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    for name, df in report.tables.items():
        lines += [f"## {name}", ""]
        cols = [str(c) for c in df.columns]
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "|".join("---" for _ in cols) + "|")
        for row in df.itertuples(index=False):
            lines.append("| " + " | ".join(_format_cell(v) for v in row) + " |")
        lines.append("")
    if report.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    sources = [s for s in report.metadata.get("provenance", []) if "dataset" in s]
    if sources:
        cols = [
            c
            for c in (
                "factor",
                "dataset",
                "version",
                "year",
                "key",
                "resolution",
                "fallback",
                "site_hours",
                "kind",
            )
            if any(c in s for s in sources)
        ]
        lines += [
            "## Provenance",
            "",
            "| " + " | ".join(cols) + " |",
            "|" + "|".join("---" for _ in cols) + "|",
        ]
        lines += [
            "| " + " | ".join(_format_cell(s.get(c, "")) for c in cols) + " |" for s in sources
        ]
        lines += ["", "Sources, licences and site factors: see the JSON output's metadata.", ""]
    return "\n".join(lines)


def _print_rich(report: Report, stream: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, soft_wrap=False)
    for name, df in report.tables.items():
        table = Table(title=f"{report.title} — {name}" if len(report.tables) > 1 else report.title)
        for col in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[col])
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in df.itertuples(index=False):
            table.add_row(*(_format_cell(v) for v in row))
        console.print(table)
    for n in report.notes:
        console.print(f"note: {n}", style="dim")


def _write_parquet(report: Report, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(report.main, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"fairwatt"] = json.dumps(
        {
            **({} if report.schema_version is None else {"schema_version": report.schema_version}),
            "title": report.title,
            "metadata": report.metadata,
            "notes": report.notes,
        },
        default=_json_default,
    ).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def write_report(report: Report, output: str | None, fmt: str) -> None:
    """Write ``report`` in ``fmt`` to ``output`` (a path, or ``None``/``'-'`` for stdout)."""
    to_stdout = output in (None, "-")
    if fmt == "parquet":
        if to_stdout:
            if sys.stdout.isatty():
                raise InputError("refusing to write Parquet to a terminal", hint="use -o FILE")
            with tempfile.TemporaryDirectory() as tmp:
                p = Path(tmp) / "out.parquet"
                _write_parquet(report, p)
                sys.stdout.flush()
                sys.stdout.buffer.write(p.read_bytes())
                sys.stdout.flush()
            return
        check_output_path(output)
        with atomic_path(output) as tmp:  # type: ignore[arg-type]
            _write_parquet(report, tmp)
        return

    if fmt == "csv":
        main = report.main.copy()
        for col in main.columns:  # times are written in UTC, with their offset
            if isinstance(main[col].dtype, pd.DatetimeTZDtype):
                main[col] = main[col].dt.tz_convert("UTC")
        # 12 significant digits: exact to 1e-12 relative, without binary noise (0.1 + 0.2)
        text = main.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S+00:00", float_format="%.12g")
    elif fmt == "json":
        text = report_to_json(report)
    elif fmt == "markdown":
        text = report_to_markdown(report)
    elif fmt == "table":
        if to_stdout:
            _print_rich(report, sys.stdout)
            return
        import io

        buf = io.StringIO()
        _print_rich(report, buf)
        text = buf.getvalue()
    else:  # pragma: no cover - resolve_format guards this
        raise InputError(f"unknown format {fmt!r}")

    if to_stdout:
        sys.stdout.write(text)
        return
    check_output_path(output)
    with atomic_path(output) as tmp:  # type: ignore[arg-type]
        tmp.write_text(text, encoding="utf-8")
