"""The one shared audit option group (``fairwatt.cli._audit_options``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fairwatt.cli._audit_options import FLAGS, AuditArgs, audit_options
from fairwatt.cli.app import app
from fairwatt.io import DEFAULT_MEMORY_LIMIT
from fairwatt.io.logs import LogOptions
from fairwatt.services.audit import AuditOptions


def probe(**decorator: object) -> tuple[typer.Typer, list[AuditArgs]]:
    """A one-command app that records the AuditArgs it is handed."""
    seen: list[AuditArgs] = []
    probe_app = typer.Typer()

    @probe_app.command()
    @audit_options(**decorator)  # type: ignore[arg-type]
    def cmd(logs: list[str], audit: AuditArgs, extra: int = 0) -> None:
        seen.append(audit)

    return probe_app, seen


def test_defaults_are_the_library_defaults() -> None:
    probe_app, seen = probe()
    res = CliRunner().invoke(probe_app, ["log.csv"])
    assert res.exit_code == 0, res.output
    (args,) = seen
    assert args.given == []
    assert not args.footprints_given
    options = args.options
    assert options.log == LogOptions()
    assert options.log.memory_limit == DEFAULT_MEMORY_LIMIT
    library = AuditOptions()
    for name in ("sites", "factors", "datasets", "by"):
        assert list(getattr(options, name)) == list(getattr(library, name)), name
    for name in ("fallback", "water_model", "offline", "provenance_column", "factors_from"):
        assert getattr(options, name) == getattr(library, name), name
    assert options.footprints is None is library.footprints  # auto, as in the library


def test_values_and_given_flags() -> None:
    probe_app, seen = probe(by="zone", footprints=None)
    res = CliRunner().invoke(
        probe_app,
        [
            "log.csv",
            "--energy-unit",
            "kWh",  # the default, but given: it counts as given
            "--duplicates",
            "sum",
            "--fallback",
            "annual",
            "--water-model",
            "total",
            "--by",
            "zone,hour",
            "--column",
            "site=region",
            "--interval",
            "15min",
            "--memory-limit",
            "2GB",
            "--offline",
            "--extra",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    (args,) = seen
    assert args.given == [
        "--by",
        "--energy-unit",
        "--column",
        "--interval",
        "--duplicates",
        "--fallback",
        "--water-model",
        "--offline",
        "--memory-limit",
    ]
    o = args.options
    assert o.by == ["zone", "hour"]
    assert list(o.footprints) == []  # not given: the command decides
    assert o.log.duplicates == "sum"
    assert o.log.columns == {"site": "region"}
    assert o.log.interval_s == 900.0
    assert o.log.memory_limit == "2GB"
    assert o.fallback == "annual"
    assert o.water_model == "total"
    assert o.offline is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duplicates", "keep"], "--duplicates"),
        (["--fallback", "weekly"], "--fallback"),
        (["--water-model", "rain"], "--water-model"),
        (["--energy-unit", "kwh"], "--energy-unit"),
    ],
)
def test_choices_are_checked_by_the_parser(args: list[str], message: str) -> None:
    probe_app, seen = probe()
    res = CliRunner().invoke(probe_app, ["log.csv", *args])
    assert res.exit_code == 2
    assert message in res.stderr
    assert seen == []


@pytest.mark.parametrize("command", ["audit", "check"])
def test_every_auditing_command_has_every_shared_option(command: str) -> None:
    res = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert res.exit_code == 0
    flags = set(FLAGS) - ({"provenance_column"} if command == "check" else set())
    for name in flags:
        assert FLAGS[name] in res.output, (command, FLAGS[name])


def test_check_report_refuses_audit_options_given_at_their_default(tmp_path: Path) -> None:
    saved = tmp_path / "audit.json"
    saved.write_text("{}")
    res = CliRunner().invoke(
        app,
        ["check", "--report", str(saved), "--energy-unit", "kWh", "--by", "zone", "-r", "x=1"],
    )
    assert res.exit_code == 2
    assert "--by, --energy-unit would have no effect with --report" in res.stderr


def test_a_command_needs_one_audit_args_parameter() -> None:
    def no_slot(logs: list[str]) -> None:
        return None

    with pytest.raises(TypeError, match="exactly one parameter of type AuditArgs"):
        audit_options()(no_slot)
