"""Defaults of ``fairwatt audit`` (and of the audit ``fairwatt check`` runs) from a
configuration file and from the environment.

Precedence: the command line, then ``FAIRWATT_<OPTION>`` environment variables
(``FAIRWATT_SITES``, ``FAIRWATT_BY``, ...), then the configuration file, then the
built-in defaults.

The configuration is the ``[audit]`` table of the nearest ``fairwatt.toml``, or the
``[tool.fairwatt.audit]`` table of the nearest ``pyproject.toml``, searched from the
working directory upwards (in each folder ``fairwatt.toml`` first)::

    [tool.fairwatt.audit]
    sites = ["infra/sites.toml"]      # relative to the file's folder
    footprints = "carbon,water"
    by = "zone"

Keys are the long option names without ``--`` (``energy-unit`` or ``energy_unit``);
repeatable options take a list (a single string is a list of one).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from fairwatt.errors import InputError

#: options a configuration file or the environment may set, as on the command line
OPTIONS = (
    "sites",
    "factors",
    "dataset",
    "by",
    "footprints",
    "energy-unit",
    "column",
    "tz",
    "interval",
    "duplicates",
    "fallback",
    "water-model",
    "factors-from",
    "provider-zone",
    "signal",
    "offline",
    "memory-limit",
)
#: options whose values are paths (relative ones are taken from the file's folder)
_PATHS = ("sites", "factors")
#: commands the defaults apply to
COMMANDS = ("audit", "check")


def env_name(option: str) -> str:
    """The environment variable of an option: ``energy-unit`` -> ``FAIRWATT_ENERGY_UNIT``."""
    return "FAIRWATT_" + option.upper().replace("-", "_")


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file with an audit table, and that table."""
    from fairwatt.io.policy import read_toml

    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        own = here / "fairwatt.toml"
        if own.is_file():
            table = read_toml(own).get("audit")
            if table is not None:
                return own, _table(table, own, "[audit]")
        project = here / "pyproject.toml"
        if project.is_file():
            table = read_toml(project).get("tool", {}).get("fairwatt", {}).get("audit")
            if table is not None:
                return project, _table(table, project, "[tool.fairwatt.audit]")
    return None


def _table(value: Any, path: Path, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{name} must be a table of options", file=str(path))
    return value


def defaults(path: Path, table: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The configuration ``table`` of ``path`` as Click defaults: parameter name ->
    value. ``params`` maps each long option (``--by``) to its Click parameter."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        option = str(key).replace("_", "-")
        param = params.get(f"--{option}")
        if option not in OPTIONS or param is None:
            close = difflib.get_close_matches(option, OPTIONS, n=1)
            raise InputError(
                f"unknown audit option {key!r} in the configuration",
                file=str(path),
                hint=f"did you mean {close[0]!r}?" if close else f"use: {', '.join(OPTIONS)}",
            )
        if param.multiple and not isinstance(value, list):
            value = [value]
        if option in _PATHS:
            value = [str((path.parent / str(v)).resolve()) for v in value]
        if not param.multiple and isinstance(value, list):
            raise InputError(f"{key} takes one value, not a list", file=str(path))
        out[str(param.name)] = value
    return out


def _long_options(command: Any) -> dict[str, Any]:
    return {o: p for p in getattr(command, "params", []) for o in p.opts if o.startswith("--")}


def use_environment(group: Any) -> None:
    """Let ``FAIRWATT_<OPTION>`` set the audit options of :data:`COMMANDS`."""
    for name in COMMANDS:
        params = _long_options(group.commands.get(name))
        for option in OPTIONS:
            param = params.get(f"--{option}")
            if param is not None and param.envvar is None:
                param.envvar = env_name(option)


def default_map(group: Any) -> dict[str, dict[str, Any]] | None:
    """Click's ``default_map`` for the commands of ``group`` from the nearest
    configuration file, or ``None`` without one."""
    found = find_config()
    if found is None:
        return None
    path, table = found
    return {
        name: defaults(path, table, _long_options(group.commands[name]))
        for name in COMMANDS
        if name in group.commands
    }
