"""``-v`` and ``-q`` before or after the command: ``fairwatt audit LOG -v`` is
``fairwatt -v audit LOG``, and ``fairwatt -q audit LOG`` is ``fairwatt audit LOG -q``.

The verbosity is an option of the program (it sets up logging before any command
runs); quietness is an option of each command that prints notes. The root group moves
either flag to where it belongs before parsing; nothing after ``--`` is touched.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperGroup

_VERBOSE = re.compile(r"-v+")
_QUIET = ("-q", "--quiet")


def _is_verbose(token: str) -> bool:
    return token == "--verbose" or _VERBOSE.fullmatch(token) is not None


def _leaf(group: Any, ctx: Any, names: list[str]) -> Any:
    """The command ``names`` (``["sites", "list"]``) leads to, or ``None``."""
    command = group
    for name in names:
        get = getattr(command, "get_command", None)
        if get is None:
            break
        found = get(ctx, name)
        if found is None:
            return None
        command = found
    return None if command is group else command


def _takes_quiet(command: Any) -> bool:
    return any(getattr(p, "name", None) == "quiet" for p in getattr(command, "params", []))


def hoist_flags(group: Any, ctx: Any, args: list[str]) -> list[str]:
    """``args`` with ``-v``/``--verbose`` after the command moved before it, and
    ``-q``/``--quiet`` before the command moved after it (when the command takes it)."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    first = next((i for i, a in enumerate(head) if not a.startswith("-")), None)
    if first is None:
        return args
    before, after = head[:first], head[first:]
    verbose = [a for a in after if _is_verbose(a)]
    quiet = [a for a in before if a in _QUIET]
    if not verbose and not quiet:
        return args
    after = [a for a in after if not _is_verbose(a)]
    before = verbose + [a for a in before if a not in _QUIET]
    names = []
    for token in after:
        if token.startswith("-"):
            break
        names.append(token)
    if quiet and _takes_quiet(_leaf(group, ctx, names)):
        after = [*after, "-q"]
    return before + after + tail


class FlagsAnywhereGroup(TyperGroup):
    """The root group: ``-v`` and ``-q`` accepted before or after the command; every
    parameter's help shows a plain metavar (:mod:`fairwatt.cli._help_format`); the
    audit options read ``FAIRWATT_<OPTION>`` (:mod:`fairwatt.cli._config`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from fairwatt.cli._config import use_environment
        from fairwatt.cli._help_format import plain_metavars

        super().__init__(*args, **kwargs)
        plain_metavars(self)
        use_environment(self)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_flags(self, ctx, list(args)))
