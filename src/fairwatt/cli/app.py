"""The ``fairwatt`` command line. Each command lives in its own module of this package;
heavy libraries are imported inside the commands so that ``fairwatt --help`` stays fast."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from fairwatt import __version__
from fairwatt.cli._common import state

HELP = """Audit the carbon, water and public-health footprint of data-center and AI
workloads region by region, measure how unevenly it falls on the host regions, and
ask what equity-aware load balancing would have changed.

Exit codes: 0 ok; 1 a check's threshold was breached; 2 usage or invalid input;
3 data source unavailable or factor missing; 4 scenario infeasible.
"""

app = typer.Typer(
    name="fairwatt",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"fairwatt {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv: debug).")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    state.verbose = verbose
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(stream=sys.stderr, level=level, format="fairwatt: %(message)s")


# Commands ---------------------------------------------------------------------
from fairwatt.cli import audit as _audit  # noqa: E402
from fairwatt.cli import cache as _cache  # noqa: E402
from fairwatt.cli import check as _check  # noqa: E402
from fairwatt.cli import equity as _equity  # noqa: E402
from fairwatt.cli import rebalance as _rebalance  # noqa: E402
from fairwatt.cli.factors import factors_app  # noqa: E402
from fairwatt.cli.fetch import fetch as _fetch  # noqa: E402
from fairwatt.cli.sites import sites_app  # noqa: E402

app.command("audit")(_audit.audit)
app.command("equity")(_equity.equity)
app.add_typer(_cache.cache_app, name="cache")
app.command("rebalance")(_rebalance.rebalance)
app.add_typer(factors_app, name="factors")
app.add_typer(sites_app, name="sites")
factors_app.command("fetch")(_fetch)
app.command("check")(_check.check)


def main() -> None:
    app()
