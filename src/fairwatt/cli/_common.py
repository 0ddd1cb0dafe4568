"""What every command shares: option bundles, error handling, output rendering."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, TypeVar

import typer

from fairwatt.errors import FairwattError

log = logging.getLogger("fairwatt")

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    verbose: int = 0


state = _State()

# Shared option bundles -------------------------------------------------------

OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write data here ('-' for stdout). The format is inferred from the extension.",
        metavar="PATH",
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, csv, tsv, parquet, json or markdown. Default: from -o's extension "
        "(.csv.gz and .tsv.gz are compressed), else 'table' on a terminal and 'csv' otherwise.",
        metavar="FORMAT",
    ),
]
SortOpt = Annotated[
    str | None,
    typer.Option(
        "--sort",
        help="Sort the main table by COLUMN, ascending; -COLUMN (or --sort=-COLUMN) descending.",
        metavar="COLUMN",
    ),
]
LimitOpt = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=0,
        help="Keep the first N rows of the main table (after --sort; 0: all).",
        metavar="N",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no notes on stderr.")
]


def handle_errors(fn: F) -> F:
    """Turn fairwatt's typed errors into one line on stderr and their exit code.

    With ``-v`` the traceback is shown as well. Anything that is not a
    :class:`FairwattError` is a bug and propagates with its traceback.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FairwattError as exc:
            if state.verbose:
                log.exception("details")
            print(f"fairwatt: error: {exc}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def literal_first(paths: Sequence[str]) -> list[str]:
    """``paths`` with every existing file or folder whose name looks like a glob
    (``logs[prod].csv``) escaped, so that it is read as named, not as a pattern; other
    patterns are kept for expansion."""
    import glob
    from pathlib import Path

    return [
        glob.escape(p) if glob.has_magic(p) and p != "-" and Path(p).exists() else p for p in paths
    ]


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, float | None], None] | None]:
    """A progress bar on stderr, yielding ``update(message, fraction_or_None)``; yields
    ``None`` (no bar) when quiet or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(message: str, done: float | None) -> None:
            if done is None:
                bar.update(task, description=message, total=None)
            else:
                bar.update(task, description=message, total=1.0, completed=done)

        yield update


def note(message: str, *, quiet: bool = False) -> None:
    """A diagnostic line on stderr (never on stdout, which carries data), as plain text;
    on a terminal wrapped between words at its width."""
    if quiet:
        return
    text = f"fairwatt: {message}"
    if sys.stderr.isatty():
        import shutil
        import textwrap

        width = shutil.get_terminal_size().columns
        text = textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)
    print(text, file=sys.stderr)


def narrow_view(output: str | None, fmt: str | None, wide: bool) -> bool:
    """Whether a list command shows only the columns that identify rows: a table
    without ``--wide``. Files and other formats always carry every column."""
    from fairwatt.io.writers import resolve_format

    return (
        not wide and resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty()) == "table"
    )


def one_record(values: dict[str, Any], output: str | None, fmt: str | None) -> Any:
    """One record as a table: ``field``/``value`` rows of text for reading (a table,
    Markdown or CSV), else one row of typed values (numbers stay numbers in JSON and
    Parquet)."""
    import pandas as pd

    from fairwatt.io.writers import resolve_format

    shown = resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty())
    if shown in ("table", "markdown", "csv", "tsv"):
        return pd.DataFrame(
            {
                "field": [str(k) for k in values],
                "value": ["" if _missing(v) else str(v) for v in values.values()],
            }
        )
    return pd.DataFrame([values])


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _context_options() -> tuple[str, dict[str, Any]]:
    """The running command (``"sites list"``) and its parameters, from the Click
    context (Typer's bundled Click where it has one, else Click)."""
    import importlib

    from fairwatt.reporting.frames import plain

    ctx = None
    for name in ("typer._click.globals", "click"):
        try:
            ctx = importlib.import_module(name).get_current_context(silent=True)
        except (ImportError, AttributeError):
            continue
        if ctx is not None:
            break
    if ctx is None:
        return "", {}
    names, node = [], ctx
    while node.parent is not None:  # the root's name is the program's, left out
        names.append(str(node.info_name))
        node = node.parent
    command = " ".join(reversed(names))
    skip = {"output", "fmt", "quiet", "wide"}
    return command, {k: plain(v) for k, v in ctx.params.items() if k not in skip}


def sort_and_limit(report: Any, sort: str | None, limit: int | None) -> Any:
    """A copy of ``report`` whose main table is sorted by ``sort`` (``-COLUMN``:
    descending; missing values last) and cut to its first ``limit`` rows (``0``/``None``:
    all). An unknown column is an :class:`~fairwatt.errors.InputError` naming the
    columns there are."""
    import dataclasses

    from fairwatt.errors import InputError

    if not sort and not limit:
        return report
    name = next(iter(report.tables))
    df = report.tables[name]
    if sort:
        column = sort[1:] if sort.startswith("-") else sort
        if column not in df.columns:
            raise InputError(
                f"--sort: no column {column!r} in the {name} table",
                hint=f"use one of: {', '.join(map(str, df.columns))}",
            )
        df = df.sort_values(
            column, ascending=not sort.startswith("-"), kind="stable", na_position="last"
        ).reset_index(drop=True)
    if limit:
        df = df.head(limit)
    return dataclasses.replace(report, tables={**report.tables, name: df})


def render(
    report: Any,
    output: str | None,
    fmt: str | None,
    *,
    max_rows: int | None = None,
    more_hint: str = "",
    sort: str | None = None,
    limit: int | None = None,
) -> None:
    """Write a :class:`fairwatt.reporting.Report` to ``output`` (or stdout).

    ``max_rows``: a table on a terminal shows at most that many rows of each table, then
    how many more there are and ``more_hint``; files and pipes get every row. A report
    that does not name its command or options gets the running command's. ``sort`` and
    ``limit``: see :func:`sort_and_limit`.
    """
    from fairwatt.io.writers import resolve_format, write_report

    report = sort_and_limit(report, sort, limit)
    command, options = _context_options()
    if not report.command and command:
        report.command = command
    if not report.options and "options" not in report.metadata:
        report.options = options
    resolved = resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty())
    write_report(report, output, resolved, max_rows=max_rows, more_hint=more_hint)
