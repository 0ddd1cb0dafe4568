"""``fairwatt cache info|clear``: the HTTP cache of live factor providers."""

from __future__ import annotations

from typing import Annotated

import typer

from fairwatt.cli._common import (
    FormatOpt,
    OutputOpt,
    QuietOpt,
    handle_errors,
    note,
    one_record,
    render,
)

cache_app = typer.Typer(
    name="cache",
    help="Inspect or clear the HTTP cache of live factor providers.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CacheDirOpt = Annotated[
    str | None,
    typer.Option(
        "--cache-dir",
        help="HTTP cache folder. Default: FAIRWATT_CACHE_DIR, else the user cache directory.",
        metavar="DIR",
    ),
]


@cache_app.command("info")
@handle_errors
def info(cache_dir: CacheDirOpt = None, output: OutputOpt = None, fmt: FormatOpt = None) -> None:
    """Where the cache is, its size and what it holds (answers per host).

    Example:

        fairwatt cache info
    """
    import pandas as pd

    from fairwatt.providers.session import cache_summary
    from fairwatt.reporting.report import Report

    s = cache_summary(cache_dir)
    fields = ("path", "exists", "size_bytes", "responses", "expired", "oldest", "newest")
    values = {k: s.get(k) for k in fields}
    hosts = pd.DataFrame(
        {"host": list(s["hosts"]), "responses": [int(n) for n in s["hosts"].values()]},
    ).astype({"host": "object", "responses": "int64"})
    table = one_record(values, output, fmt)
    if "field" in table.columns:  # read on a terminal: one value per host too
        extra = pd.DataFrame({"field": [f"host {h}" for h in hosts["host"]]})
        extra["value"] = [str(n) for n in hosts["responses"]]
        table = pd.concat([table, extra], ignore_index=True)
        table.loc[table["field"] == "exists", "value"] = "yes" if s["exists"] else "no"
    units = {"size_bytes": "bytes"}
    report = Report(
        title="HTTP cache",
        tables={"cache": table, "hosts": hosts},
        metadata={"units": units},
    )
    if "field" in table.columns:
        del report.tables["hosts"]
    render(report, output, fmt)


@cache_app.command("clear")
@handle_errors
def clear(
    cache_dir: CacheDirOpt = None,
    expired: Annotated[
        bool, typer.Option("--expired", help="Remove only expired answers.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Delete cached provider answers (all of them, or only expired ones with --expired).

    Example:

        fairwatt cache clear --expired
    """
    from fairwatt.providers.session import cache_file, clear_cache

    removed = clear_cache(cache_dir, expired_only=expired)
    note(f"removed {removed} cached answer(s) from {cache_file(cache_dir)}", quiet=quiet)
