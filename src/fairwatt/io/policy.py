"""Reading a check policy: TOML discovery, the rules table, and where each rule is set.

A policy is a table of rules kept with the code it governs:

* ``[tool.fairwatt.check]`` in the nearest ``pyproject.toml`` that has that table, or
  ``[check]`` in a ``fairwatt.toml``, searched from a folder upwards (in each folder
  ``fairwatt.toml`` first);
* or a given file: one of those tables, or rules at the top level of any TOML file.

This module only reads: it returns each rule's raw TOML value with the file and line
that set it. What the keys and values mean (metrics, limits, severities) is checked by
:mod:`fairwatt.services.check_rules`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairwatt.errors import InputError

#: Where the rules table sits: keys into the TOML document, and how messages name it.
_TABLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("tool", "fairwatt", "check"), "[tool.fairwatt.check]"),
    (("check",), "[check]"),
)


@dataclass(frozen=True)
class PolicyFile:
    """The rules table of a policy file, as written.

    Attributes
    ----------
    path
        The file.
    section
        The table the rules came from: ``[tool.fairwatt.check]``, ``[check]`` or
        ``(top level)``.
    entries
        Rule key -> its TOML value (a number, a table, ``false``, or anything else the
        file holds: validated later).
    lines
        Rule key -> the line (1-based) where it is set, when found.
    """

    path: Path
    section: str
    entries: dict[str, Any]
    lines: dict[str, int | None] = field(default_factory=dict)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file.

    Raises
    ------
    InputError
        The file cannot be read or is not valid TOML.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the policy: {exc}", file=str(path)) from None


def _section(doc: Mapping[str, Any], *keys: str) -> Any:
    node: Any = doc
    for k in keys:
        if not isinstance(node, Mapping) or k not in node:
            return None
        node = node[k]
    return node


def find_policy(start: Path | None = None) -> Path | None:
    """The policy file for ``start`` (default: the working directory) or its parents:
    in each folder, ``fairwatt.toml`` with a ``[check]`` table, then ``pyproject.toml``
    with ``[tool.fairwatt.check]``; files without such a table are skipped."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "fairwatt.toml"
        if own.is_file() and _section(read_toml(own), "check") is not None:
            return own
        project = folder / "pyproject.toml"
        if (
            project.is_file()
            and _section(read_toml(project), "tool", "fairwatt", "check") is not None
        ):
            return project
    return None


def policy_table(path: Path) -> tuple[dict[str, Any], str]:
    """The rules table of ``path`` and how to name it (see :class:`PolicyFile`).

    Raises
    ------
    InputError
        Invalid TOML, a rules entry that is not a table, or a ``pyproject.toml`` /
        ``fairwatt.toml`` without its rules table.
    """
    doc = read_toml(path)
    for keys, label in _TABLES:
        table = _section(doc, *keys)
        if table is not None:
            if not isinstance(table, dict):
                raise InputError(f"{label} must be a table of rules", file=str(path))
            return table, label
    if path.name in ("pyproject.toml", "fairwatt.toml"):
        wanted = "[tool.fairwatt.check]" if path.name == "pyproject.toml" else "[check]"
        raise InputError(
            f"no {wanted} table", file=str(path), hint="add one with rules such as max_carbon_kg"
        )
    return doc, "(top level)"


def key_line(path: Path, key: str) -> int | None:
    """Line number (1-based) where ``key`` is set in the policy file, if found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    k = re.escape(key)
    # [check.KEY], [tool.fairwatt.check.KEY], or [KEY] in a policy at the top level
    table = re.compile(rf"""^\s*\[\s*((tool\.fairwatt\.)?check\.)?["']?{k}["']?\s*\]""")
    found = next((i for i, line in enumerate(lines) if table.match(line)), None)
    if found is None:  # KEY = value or KEY.field = value, from the policy's table header on
        header = re.compile(r"^\s*\[\s*(tool\.fairwatt\.)?check\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
        assign = re.compile(rf"""^\s*["']?{k}["']?\s*[=.]""")
        found = next((i for i in range(start, len(lines)) if assign.match(lines[i])), None)
    return None if found is None else found + 1


def read_policy(path: str | Path) -> PolicyFile:
    """Read the rules of the policy file ``path`` with the line of each.

    Raises
    ------
    InputError
        See :func:`policy_table`.
    """
    p = Path(path)
    table, section = policy_table(p)
    return PolicyFile(p, section, dict(table), {key: key_line(p, key) for key in table})


def parse_value(text: str) -> Any:
    """A rule value written as TOML, as in a policy file: a number, an inline table
    (``{limit = 5, severity = "warning"}``) or ``false``.

    Raises
    ------
    ValueError
        ``text`` is not a TOML value.
    """
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{text!r} is not a TOML value: {exc}") from None
