"""The ``fairwatt`` command line. Each command lives in its own module of this package;
heavy libraries are imported inside the commands so that they start fast.

``--help`` is answered without building the command line at all: :func:`main` prints
the plain-text help that ``scripts/gen_cli_docs.py`` renders from the commands
(``_help.json``, checked by the tests to match), so ``fairwatt --help`` and
``fairwatt audit --help`` cost little more than starting Python. Everything else,
and ``from fairwatt.cli.app import app``, builds the Typer application on first use.
"""

# no ``from __future__ import annotations``: Typer reads the annotations of the callback
# defined inside build(), which must be objects, not strings naming its local imports
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer

HELP = """Audit the carbon, water and public-health footprint of data-center and AI
workloads region by region, measure how unevenly it falls on the host regions, and
ask what equity-aware load balancing would have changed.

Exit codes: 0 ok; 1 a check's threshold was breached; 2 usage or invalid input;
3 data source unavailable or factor missing; 4 scenario infeasible.
"""

#: the rendered help of each command path ("" for ``fairwatt`` itself)
HELP_CACHE = Path(__file__).with_name("_help.json")
#: the width the cached help is rendered at; narrower terminals get it rendered afresh
HELP_WIDTH = 80
_HELP_FLAGS = ("--help", "-h")
_app: "typer.Typer | None" = None


def build() -> "typer.Typer":
    """The Typer application with every command."""
    import logging
    from typing import Annotated

    import typer

    from fairwatt import __version__
    from fairwatt.cli import audit as _audit
    from fairwatt.cli import cache as _cache
    from fairwatt.cli import check as _check
    from fairwatt.cli import equity as _equity
    from fairwatt.cli import rebalance as _rebalance
    from fairwatt.cli import report as _report
    from fairwatt.cli._argv import FlagsAnywhereGroup
    from fairwatt.cli._common import state
    from fairwatt.cli.factors import factors_app
    from fairwatt.cli.fetch import fetch as _fetch
    from fairwatt.cli.sites import sites_app

    app = typer.Typer(
        name="fairwatt",
        cls=FlagsAnywhereGroup,
        help=HELP,
        # plain help, the same whether cached or rendered afresh (no markup to escape)
        rich_markup_mode=None,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=True,
        context_settings={"help_option_names": list(_HELP_FLAGS)},
    )

    def _version(value: bool) -> None:
        if value:
            print(f"fairwatt {__version__}")
            raise typer.Exit()

    @app.callback()
    def _main(
        ctx: typer.Context,
        verbose: Annotated[
            int,
            typer.Option(
                "--verbose",
                "-v",
                count=True,
                help="More detail on stderr (-vv: debug); also accepted after the command.",
                show_default=False,
            ),
        ] = 0,
        version: Annotated[
            bool,
            typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
        ] = False,
    ) -> None:
        state.verbose = verbose
        level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
        logging.basicConfig(stream=sys.stderr, level=level, format="fairwatt: %(message)s")
        _configure(ctx)

    app.command("audit")(_audit.audit)
    app.command("equity")(_equity.equity)
    app.add_typer(_cache.cache_app, name="cache")
    app.command("rebalance")(_rebalance.rebalance)
    app.add_typer(factors_app, name="factors")
    app.add_typer(sites_app, name="sites")
    factors_app.command("fetch")(_fetch)
    app.command("check")(_check.check)
    app.command("report")(_report.report)
    return app


def _configure(ctx: "typer.Context") -> None:
    """Defaults of audit and check from fairwatt.toml / pyproject.toml."""
    import typer

    from fairwatt.cli._config import COMMANDS, default_map
    from fairwatt.errors import FairwattError

    if ctx.invoked_subcommand not in COMMANDS:
        return
    try:
        ctx.default_map = default_map(ctx.command)
    except FairwattError as exc:
        print(f"fairwatt: error: {exc}", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None


def __getattr__(name: str) -> Any:
    global _app
    if name == "app":
        if _app is None:
            _app = build()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def cached_help(args: list[str]) -> str | None:
    """The help text for ``args`` when they only ask for a command's help (e.g.
    ``["audit", "--help"]``) and it is in :data:`HELP_CACHE`; else ``None``."""
    if not args or args[-1] not in _HELP_FLAGS or any(a.startswith("-") for a in args[:-1]):
        return None
    if _narrow_terminal():
        return None
    import json

    try:
        texts = json.loads(HELP_CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    text = texts.get(" ".join(args[:-1]))
    return text if isinstance(text, str) else None


def _narrow_terminal() -> bool:
    """Whether stdout is a terminal narrower than the cached help."""
    if not sys.stdout.isatty():
        return False
    import shutil

    return shutil.get_terminal_size().columns < HELP_WIDTH


def main() -> None:
    text = cached_help(sys.argv[1:])
    if text is not None:
        sys.stdout.write(text)
        return
    try:
        __getattr__("app")()
    except SystemExit as done:
        _exit(done)


def _exit(done: SystemExit) -> NoReturn:
    """End the process with ``done``'s status without the interpreter's teardown.

    Unloading the modules that pandas, pyarrow and DuckDB bring takes 0.1-0.15 s after a
    command has finished, more than a whole ``--help``. The exit handlers still run and
    the output streams are flushed first; while another Python thread is still running,
    or a stream cannot be flushed, the ordinary exit is taken instead.
    """
    import atexit
    import os
    import threading

    code = done.code
    if not (code is None or isinstance(code, int)) or threading.active_count() > 1:
        raise done
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    atexit._run_exitfuncs()
    try:  # the exit handlers may have written (logging flushes its handlers)
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    os._exit(code or 0)
