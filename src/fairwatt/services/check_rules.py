"""Check policies: rules validated against the metric registry, with overrides.

The policy file is read by :mod:`fairwatt.io.policy`; this module turns its entries,
and any overrides, into :class:`Rule` objects. A rule's value is its limit (a number
>= 0, in the unit of the metric) or a table ``{limit = ..., severity = "error" |
"warning", name = "..."}``; ``false`` switches a rule of the file off.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from fairwatt.errors import InputError
from fairwatt.io.policy import PolicyFile, find_policy, read_policy
from fairwatt.services.check_metrics import (
    FOOTPRINT_ORDER,
    Metric,
    Spell,
    param_spelling,
    rule_keys,
    valid_keys_text,
)

Severity = Literal["error", "warning"]
SEVERITIES: tuple[str, ...] = ("error", "warning")
RULE_FIELDS: tuple[str, ...] = ("limit", "severity", "name")


@dataclass(frozen=True)
class Rule:
    """One budget: ``metric`` (or its change against a baseline) against ``limit``."""

    key: str
    metric: Metric
    kind: Literal["limit", "change"]
    limit: float
    severity: Severity = "error"
    name: str = ""
    file: str | None = None
    line: int | None = None

    @property
    def measure(self) -> str:
        """What the value column holds: the metric, or its change in percent."""
        return self.metric.name if self.kind == "limit" else self.key.removeprefix("max_")

    @property
    def unit(self) -> str:
        return self.metric.unit if self.kind == "limit" else "%"

    @property
    def at_least(self) -> bool:
        """True when the value must be >= the limit (``min_`` rules)."""
        return self.kind == "limit" and self.metric.higher_is_better


@dataclass(frozen=True)
class RuleOverride:
    """One rule set or changed on top of the policy file.

    ``value`` is what a policy file would hold: a limit, a table of fields (merged into
    the file's table for that key) or ``False`` (switch the file's rule off). ``text``
    is how it was given, for the results' metadata (default ``key=value``).
    """

    key: str
    value: Any
    text: str | None = None

    def __str__(self) -> str:
        return self.text if self.text is not None else f"{self.key}={self.value!r}"


@dataclass
class Policy:
    """The rules, where they came from, and the overrides applied."""

    rules: list[Rule]
    source: str | None = None
    section: str | None = None
    overrides: list[str] = field(default_factory=list)

    def footprints(self) -> list[str]:
        """The audit footprints the rules need, in the audit's order."""
        need = {r.metric.footprint for r in self.rules}
        return [f for f in FOOTPRINT_ORDER if f in need]


def _closest(word: str, choices: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _lookup(key: str, *, where: str, file: str | None) -> tuple[Metric, Literal["limit", "change"]]:
    known = rule_keys()
    if key not in known:
        close = _closest(key, list(known))
        guess = f"; did you mean {close!r}?" if close else ""
        raise InputError(
            f"{where}{key}: unknown rule key{guess}", file=file, hint=valid_keys_text()
        )
    return known[key]


def _fields(key: str, value: Any, unit: str, *, where: str, file: str | None) -> tuple[Any, ...]:
    """(limit, severity, name) of a rule value, not yet validated."""
    shape = (
        f'a number (the limit in {unit}) or a table {{limit = ..., severity = "error" or '
        '"warning", name = "..."}'
    )
    if isinstance(value, dict):
        unknown = [f for f in value if f not in RULE_FIELDS]
        if unknown:
            close = _closest(unknown[0], RULE_FIELDS)
            guess = f"; did you mean {close!r}?" if close else ""
            raise InputError(
                f"{where}{key}: unknown field {unknown[0]!r}{guess}",
                file=file,
                hint=f"a rule table has the fields {', '.join(RULE_FIELDS)}",
            )
        if "limit" not in value:
            raise InputError(
                f"{where}{key}: the table has no 'limit'", file=file, hint=f"use {shape}"
            )
        return value["limit"], value.get("severity", "error"), value.get("name")
    if is_number(value):
        return value, "error", None
    raise InputError(
        f"{where}{key}: expected {shape}, got {type(value).__name__} {value!r}", file=file
    )


def _check_fields(
    key: str, limit: Any, severity: Any, name: Any, unit: str, *, where: str, file: str | None
) -> None:
    if not is_number(limit):
        raise InputError(
            f"{where}{key}: limit must be a number in {unit}, got {type(limit).__name__} {limit!r}",
            file=file,
        )
    if not math.isfinite(float(limit)):
        raise InputError(f"{where}{key}: limit must be finite, got {limit!r}", file=file)
    if limit < 0:
        raise InputError(
            f"{where}{key}: limit must be >= 0, got {limit!r} (a negative budget can never be met)",
            file=file,
        )
    if severity not in SEVERITIES:
        raise InputError(
            f"{where}{key}: severity must be 'error' or 'warning', got {severity!r}", file=file
        )
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InputError(f"{where}{key}: name must be a non-empty string, got {name!r}", file=file)


def parse_rule(key: str, value: Any, *, where: str, file: str | None = None) -> Rule | None:
    """Validate one policy entry; ``None`` when it is switched off (``false``).

    ``where`` prefixes messages (e.g. the policy's table), ``file`` names the file.

    Raises
    ------
    InputError
        Unknown key or field (naming the closest valid one), wrong type, a limit that
        is negative or not finite, or an unknown severity.
    """
    metric, kind = _lookup(key, where=where, file=file)
    if value is False:
        return None
    unit = metric.unit if kind == "limit" else "%"
    limit, severity, name = _fields(key, value, unit, where=where, file=file)
    _check_fields(key, limit, severity, name, unit, where=where, file=file)
    if name is None:
        verb = "decrease" if metric.higher_is_better else "increase"
        name = metric.description if kind == "limit" else f"{metric.description}: {verb} %"
        name = name[0].upper() + name[1:]
    return Rule(key, metric, kind, float(limit), severity, name)


def _as_overrides(overrides: Sequence[RuleOverride] | Mapping[str, Any]) -> list[RuleOverride]:
    if isinstance(overrides, Mapping):
        return [RuleOverride(str(k), v) for k, v in overrides.items()]
    return list(overrides)


def _merged(file: PolicyFile | None, overrides: list[RuleOverride]) -> dict[str, tuple[Any, bool]]:
    """Rule key -> (value, set by an override): a new limit keeps the file's table."""
    entries: dict[str, tuple[Any, bool]] = {
        k: (v, False) for k, v in (file.entries if file else {}).items()
    }
    for o in overrides:
        value = o.value
        old = entries.get(o.key, (None, False))[0]
        if isinstance(old, dict) and isinstance(value, dict):
            value = {**old, **value}
        elif isinstance(old, dict) and is_number(value):
            value = {**old, "limit": value}
        entries[o.key] = (value, True)
    return entries


def load_policy(
    policy_file: str | Path | None = None,
    overrides: Sequence[RuleOverride] | Mapping[str, Any] = (),
    *,
    start: Path | None = None,
    spell: Spell = param_spelling,
) -> Policy:
    """Read the policy (``policy_file``, else the nearest one found from ``start``) and
    apply ``overrides``.

    ``spell`` names options in messages (see :data:`~.check_metrics.Spell`).

    Raises
    ------
    InputError
        A missing or invalid file, no policy at all, a policy without rules, or any
        invalid rule (see :func:`parse_rule`).
    """
    given = _as_overrides(overrides)
    path: Path | None
    if policy_file is not None:
        path = Path(policy_file)
        if not path.is_file():
            raise InputError(
                "policy file not found",
                file=str(policy_file),
                hint=f"check {spell('policy_file', None)}",
            )
    else:
        path = find_policy(start)
    if path is None and not given:
        raise InputError(
            "no policy found",
            hint="add a [tool.fairwatt.check] table to pyproject.toml, a [check] table to "
            f"fairwatt.toml, or pass {spell('policy_file', 'FILE')} or "
            f"{spell('overrides', 'KEY=VALUE')}",
        )
    doc = read_policy(path) if path is not None else None
    file = str(path) if path is not None else None
    rules = []
    for key, (value, overridden) in _merged(doc, given).items():
        where = f"{spell('overrides', None)} " if overridden else f"{doc.section if doc else ''} "
        rule = parse_rule(key, value, where=where, file=None if overridden else file)
        if rule is None:
            continue
        if not overridden and doc is not None:
            rule = replace(rule, file=file, line=doc.lines.get(key))
        rules.append(rule)
    if not rules:
        raise InputError(
            "the policy has no rules",
            file=file,
            hint="add rules such as max_carbon_kg = 5000 (`fairwatt check --list-rules`)",
        )
    section = doc.section if doc else None
    return Policy(rules=rules, source=file, section=section, overrides=[str(o) for o in given])
