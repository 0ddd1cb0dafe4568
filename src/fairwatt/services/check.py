"""A sustainability gate: footprint and equity budgets from a policy, checked on an audit.

The policy is a table of rules, kept with the code it governs:

* ``[tool.fairwatt.check]`` in the nearest ``pyproject.toml`` that has that table, or
  ``[check]`` in a ``fairwatt.toml``, searched from the working directory upwards (in
  each folder ``fairwatt.toml`` first); or the file given with ``--policy``;
* ``--rule KEY=VALUE`` flags override single rules (``VALUE`` is a TOML value: a
  number, an inline table, or ``false`` to switch a file's rule off).

A rule key is ``<bound>_<metric>``: ``max_<metric>`` for a metric where lower is
better, ``min_<metric>`` for one where higher is better (Jain's fairness index), and
``max_increase_pct_<metric>`` (``max_decrease_pct_<metric>`` for Jain's index) for the
change against a baseline audit, in percent of the baseline value. A rule's value is
its limit (a number >= 0, in the unit of the metric) or a table
``{limit = ..., severity = "error" | "warning", name = "..."}``.

Metrics (see :func:`metrics` and ``fairwatt check --list-rules``):

* totals of the audit: ``energy_kwh`` (IT energy), ``facility_energy_kwh``,
  ``carbon_kg``, ``water_l``, ``water_onsite_l``, ``water_offsite_l``, ``health_usd``;
* intensities per kWh of **IT energy** (the log's ``energy_kwh``, so that PUE counts):
  ``carbon_g_per_kwh``, ``water_l_per_kwh``, ``water_onsite_l_per_kwh``,
  ``water_offsite_l_per_kwh``, ``health_usd_per_mwh``;
* per request, when the log has a ``requests`` column: ``energy_wh_per_request``,
  ``carbon_g_per_request``, ``water_ml_per_request``, ``water_onsite_ml_per_request``,
  ``water_offsite_ml_per_request``, ``health_usd_per_request``;
* the worst region's total, ``region_<total>`` (regions are the audit's zones when it
  is grouped by zone, else its sites: the regions its inequity indices compare);
* inequity indices across those regions, ``<index>_<footprint>`` for every index of
  the audit's equity table (``gini``, ``max_to_mean``, ``atkinson_0_5``, ...) and the
  footprints ``carbon_kg``, ``water_l`` and ``health_usd``.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from fairwatt import __version__, units
from fairwatt.errors import FactorMissingError, InputError
from fairwatt.schema import FOOTPRINTS as FOOTPRINT_ORDER

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.report import Report
    from fairwatt.reporting.results import AuditResult
    from fairwatt.services.audit import AuditOptions

Severity = Literal["error", "warning"]
SEVERITIES: tuple[str, ...] = ("error", "warning")
RULE_FIELDS: tuple[str, ...] = ("limit", "severity", "name")
#: Columns of the results table, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "rule",
    "name",
    "severity",
    "metric",
    "value",
    "limit",
    "unit",
    "status",
    "detail",
)

# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Metric:
    """One quantity a rule can bound.

    ``column`` is the audit column it derives from; ``scale`` converts that column's
    unit (per the divisor's unit) into ``unit``.
    """

    name: str
    unit: str
    description: str
    kind: Literal["total", "per_kwh", "per_request", "region", "inequity"]
    column: str
    scale: float = 1.0
    index: str | None = None
    higher_is_better: bool = False

    @property
    def footprint(self) -> str | None:
        """The audit footprint (carbon, water, health) it needs; None for energy."""
        return next((f for f in FOOTPRINT_ORDER if self.column.startswith(f + "_")), None)

    @property
    def needs_split_water(self) -> bool:
        """On-site/off-site water exists only with the audit's split water model."""
        return self.column in ("water_onsite_l", "water_offsite_l")

    @property
    def limit_key(self) -> str:
        return f"{'min' if self.higher_is_better else 'max'}_{self.name}"

    @property
    def change_key(self) -> str:
        return f"max_{'decrease' if self.higher_is_better else 'increase'}_pct_{self.name}"


#: Audit totals: column, unit, description.
_TOTALS: tuple[tuple[str, str, str], ...] = (
    ("energy_kwh", "kWh", "IT energy"),
    ("facility_energy_kwh", "kWh", "facility energy (PUE x IT energy)"),
    ("carbon_kg", "kg CO2e", "carbon emissions"),
    ("water_l", "L", "water consumption (on-site + off-site)"),
    ("water_onsite_l", "L", "on-site water consumption (cooling)"),
    ("water_offsite_l", "L", "off-site water consumption (electricity generation)"),
    ("health_usd", "US$", "public-health damage"),
)
#: Intensities per kWh of IT energy: name, column, scale, unit.
_PER_KWH: tuple[tuple[str, str, float, str], ...] = (
    ("carbon_g_per_kwh", "carbon_kg", units.G_PER_KG, "g CO2e/kWh"),
    ("water_l_per_kwh", "water_l", 1.0, "L/kWh"),
    ("water_onsite_l_per_kwh", "water_onsite_l", 1.0, "L/kWh"),
    ("water_offsite_l_per_kwh", "water_offsite_l", 1.0, "L/kWh"),
    ("health_usd_per_mwh", "health_usd", units.KWH_PER_MWH, "US$/MWh"),
)
#: Per request: name, column, scale, unit.
_PER_REQUEST: tuple[tuple[str, str, float, str], ...] = (
    ("energy_wh_per_request", "energy_kwh", units.WH_PER_KWH, "Wh/request"),
    ("carbon_g_per_request", "carbon_kg", units.G_PER_KG, "g CO2e/request"),
    ("water_ml_per_request", "water_l", units.ML_PER_L, "mL/request"),
    ("water_onsite_ml_per_request", "water_onsite_l", units.ML_PER_L, "mL/request"),
    ("water_offsite_ml_per_request", "water_offsite_l", units.ML_PER_L, "mL/request"),
    ("health_usd_per_request", "health_usd", 1.0, "US$/request"),
)
#: Footprints the audit's equity table compares across regions.
INEQUITY_FOOTPRINTS: tuple[str, ...] = ("carbon_kg", "water_l", "health_usd")
#: Indices where a higher value is fairer.
HIGHER_IS_BETTER: frozenset[str] = frozenset({"jain_index"})


def index_slug(name: str) -> str:
    """Rule-key form of an index name: ``atkinson(0.5)`` -> ``atkinson_0_5``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _index_label(name: str) -> str:
    labels = {
        "gini": "Gini index",
        "max_to_mean": "max/mean ratio",
        "max_to_min": "max/min ratio",
        "theil_t": "Theil T index",
        "theil_l": "Theil L index",
        "coefficient_of_variation": "coefficient of variation",
        "jain_index": "Jain's fairness index",
        "hoover_index": "Hoover index",
    }
    if name in labels:
        return labels[name]
    if m := re.fullmatch(r"atkinson\((.+)\)", name):
        return f"Atkinson index (epsilon {m.group(1)})"
    if m := re.fullmatch(r"lq_norm\((.+)\)", name):
        return f"L{m.group(1)} norm"
    if m := re.fullmatch(r"top_(\d+)_share", name):
        return f"share of the top {m.group(1)} region(s)"
    return name


@cache
def _audit_index_names() -> tuple[str, ...]:
    """Names of the indices in an audit's equity table (the model's defaults)."""
    from fairwatt.footprint_models.equity import equity_indices

    return tuple(r.index for r in equity_indices([1.0, 2.0]))


@cache
def metrics() -> dict[str, Metric]:
    """Every metric a rule can bound, by name."""
    out: dict[str, Metric] = {}
    desc = {col: d for col, _, d in _TOTALS}
    unit = {col: u for col, u, _ in _TOTALS}
    for col, u, d in _TOTALS:
        out[col] = Metric(col, u, f"{d}, total", "total", col)
    for name, col, scale, u in _PER_KWH:
        out[name] = Metric(name, u, f"{desc[col]} per kWh of IT energy", "per_kwh", col, scale)
    for name, col, scale, u in _PER_REQUEST:
        out[name] = Metric(name, u, f"{desc[col]} per request", "per_request", col, scale)
    for col, u, d in _TOTALS:
        name = f"region_{col}"
        out[name] = Metric(name, u, f"{d} of the worst region", "region", col)
    for index in _audit_index_names():
        slug = index_slug(index)
        for col in INEQUITY_FOOTPRINTS:
            name = f"{slug}_{col}"
            u = unit[col] if slug.startswith("lq_norm") else "1"
            out[name] = Metric(
                name,
                u,
                f"{_index_label(index)} of {desc[col].split(' (')[0]} across regions",
                "inequity",
                col,
                index=slug,
                higher_is_better=slug in HIGHER_IS_BETTER,
            )
    return out


@cache
def rule_keys() -> dict[str, tuple[Metric, Literal["limit", "change"]]]:
    """Every valid rule key -> (metric, ``"limit"`` or ``"change"``)."""
    out: dict[str, tuple[Metric, Literal["limit", "change"]]] = {}
    for m in metrics().values():
        out[m.limit_key] = (m, "limit")
        out[m.change_key] = (m, "change")
    return out


def _valid_keys_text() -> str:
    ms = list(metrics().values())
    plain = [m.name for m in ms if m.kind != "inequity"]
    idx = list(dict.fromkeys(m.index for m in ms if m.kind == "inequity" and m.index))
    lower = [i for i in idx if i not in HIGHER_IS_BETTER]
    higher = [i for i in idx if i in HIGHER_IS_BETTER]
    fps = ",".join(INEQUITY_FOOTPRINTS)
    text = (
        "valid keys are max_<metric> and max_increase_pct_<metric>, <metric> one of "
        f"{', '.join(plain)}, {{{','.join(lower)}}}_{{{fps}}}"
    )
    if higher:
        text += (
            f"; and min_<metric>, max_decrease_pct_<metric> for {{{','.join(higher)}}}_{{{fps}}}"
        )
    return text + " (`fairwatt check --list-rules` lists them with their units)"


def rule_catalog() -> Report:
    """Every rule key with its unit and meaning, as a report (``--list-rules``)."""
    import pandas as pd

    from fairwatt.reporting.report import Report

    rows: list[tuple[str, str, str, str]] = []
    for key, (m, kind) in rule_keys().items():
        if kind == "limit":
            what = f"{'at least' if m.higher_is_better else 'at most'}: {m.description}"
            rows.append((key, m.kind, m.unit, what))
        else:
            verb = "decrease" if m.higher_is_better else "increase"
            rows.append((key, "baseline", "%", f"{verb} against --baseline: {m.description}"))
    rows.sort(key=lambda row: row[1] == "baseline")  # stable: limits first, then changes
    table = pd.DataFrame(rows, columns=["rule", "kind", "unit", "meaning"])
    return Report(
        title="fairwatt check rules",
        tables={"rules": table},
        metadata={"fairwatt_version": __version__},
        notes=[
            "a rule is a limit (number >= 0, in the unit shown) or a table "
            '{limit = ..., severity = "error"|"warning", name = "..."}',
            "per kWh = per kWh of IT energy (the log's energy_kwh); per request needs a "
            "requests column in the log",
        ],
    )


# --------------------------------------------------------------------------- policy


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


def _read_toml(path: Path) -> dict[str, Any]:
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
        if own.is_file() and _section(_read_toml(own), "check") is not None:
            return own
        project = folder / "pyproject.toml"
        if (
            project.is_file()
            and _section(_read_toml(project), "tool", "fairwatt", "check") is not None
        ):
            return project
    return None


def _policy_table(path: Path) -> tuple[dict[str, Any], str]:
    doc = _read_toml(path)
    for keys, label in (
        (("tool", "fairwatt", "check"), "[tool.fairwatt.check]"),
        (("check",), "[check]"),
    ):
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


def _key_line(path: Path, key: str) -> int | None:
    """Line number (1-based) where ``key`` is set in the policy file, if found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    k = re.escape(key)
    table = re.compile(rf"""^\s*\[\s*(tool\.fairwatt\.)?check\.["']?{k}["']?\s*\]""")
    found = next((i for i, line in enumerate(lines) if table.match(line)), None)
    if found is None:  # key = value, searched from the policy's table header on
        header = re.compile(r"^\s*\[\s*(tool\.fairwatt\.)?check\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
        assign = re.compile(rf"""^\s*["']?{k}["']?\s*=""")
        found = next((i for i in range(start, len(lines)) if assign.match(lines[i])), None)
    return None if found is None else found + 1


def _closest(word: str, choices: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_rule(key: str, value: Any, *, where: str, file: str | None = None) -> Rule | None:
    """Validate one policy entry; ``None`` when it is switched off (``false``).

    Raises
    ------
    InputError
        Unknown key or field (naming the closest valid one), wrong type, a limit that
        is negative or not finite, or an unknown severity.
    """
    known = rule_keys()
    if key not in known:
        close = _closest(key, list(known))
        guess = f"; did you mean {close!r}?" if close else ""
        raise InputError(
            f"{where}{key}: unknown rule key{guess}", file=file, hint=_valid_keys_text()
        )
    metric, kind = known[key]
    unit = metric.unit if kind == "limit" else "%"
    if value is False:
        return None
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
        limit, severity, name = value["limit"], value.get("severity", "error"), value.get("name")
    elif _is_number(value):
        limit, severity, name = value, "error", None
    else:
        raise InputError(
            f"{where}{key}: expected {shape}, got {type(value).__name__} {value!r}", file=file
        )
    if not _is_number(limit):
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
    if name is None:
        verb = "decrease" if metric.higher_is_better else "increase"
        name = metric.description if kind == "limit" else f"{metric.description}: {verb} %"
        name = name[0].upper() + name[1:]
    return Rule(key, metric, kind, float(limit), severity, name)


def _parse_override(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise InputError(
            f"--rule {text!r}: expected KEY=VALUE",
            hint="e.g. --rule max_carbon_kg=5000 or --rule "
            "'max_gini_water_l={limit=0.5, severity=\"warning\"}'",
        )
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        raise InputError(
            f"--rule {text!r}: {raw!r} is not a number, an inline table or false",
            hint='e.g. 5000, {limit=5000, severity="warning"} or false',
        ) from None
    return key, value


def load_policy(
    policy_file: str | None = None,
    overrides: Sequence[str] = (),
    *,
    start: Path | None = None,
) -> Policy:
    """Read the policy (``policy_file``, else the nearest one found from ``start``) and
    apply ``--rule`` overrides.

    Raises
    ------
    InputError
        A missing or invalid file, no policy at all, a policy without rules, or any
        invalid rule (see :func:`parse_rule`).
    """
    path: Path | None
    if policy_file is not None:
        path = Path(policy_file)
        if not path.is_file():
            raise InputError("policy file not found", file=policy_file, hint="check --policy")
    else:
        path = find_policy(start)
    table: dict[str, Any] = {}
    section = None
    if path is not None:
        table, section = _policy_table(path)
    entries: dict[str, tuple[Any, bool]] = {k: (v, False) for k, v in table.items()}
    for text in overrides:
        key, value = _parse_override(text)
        old = entries.get(key, (None, False))[0]
        if isinstance(old, dict) and isinstance(value, dict):
            value = {**old, **value}
        elif isinstance(old, dict) and _is_number(value):
            value = {**old, "limit": value}
        entries[key] = (value, True)
    if path is None and not overrides:
        raise InputError(
            "no policy found",
            hint="add a [tool.fairwatt.check] table to pyproject.toml, a [check] table to "
            "fairwatt.toml, or pass --policy FILE or --rule KEY=VALUE",
        )
    file = str(path) if path is not None else None
    rules = []
    for key, (value, from_flag) in entries.items():
        where = "--rule " if from_flag else f"{section} "
        rule = parse_rule(key, value, where=where, file=None if from_flag else file)
        if rule is None:
            continue
        if not from_flag and path is not None:
            rule = replace(rule, file=file, line=_key_line(path, key))
        rules.append(rule)
    if not rules:
        raise InputError(
            "the policy has no rules",
            file=file,
            hint="add rules such as max_carbon_kg = 5000 (`fairwatt check --list-rules`)",
        )
    return Policy(rules=rules, source=file, section=section, overrides=list(overrides))


# --------------------------------------------------------------------------- audit data


def region_key(by: Sequence[str]) -> str | None:
    """The audit's regions: zones when grouped by zone, else sites, else none."""
    return next((k for k in ("zone", "site") if k in by), None)


def _num(value: Any, *, file: str, where: str) -> float:
    if value is None:
        return math.nan
    if _is_number(value):
        return float(value)
    if value in ("inf", "-inf"):
        return float(value)
    raise InputError(f"{where}: not a number: {value!r}", file=file)


@dataclass
class AuditData:
    """What a check reads from an audit: its totals, rows, equity table and metadata."""

    source: str
    metadata: dict[str, Any]
    footprint: pd.DataFrame
    totals: dict[str, float]
    equity: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def by(self) -> list[str]:
        return [str(b) for b in self.metadata.get("by", [])]

    @property
    def footprints(self) -> list[str]:
        return [str(f) for f in self.metadata.get("footprints", [])]

    @property
    def water_model(self) -> str:
        return str(self.metadata.get("options", {}).get("water_model", "split"))

    @property
    def version(self) -> str:
        return str(self.metadata.get("fairwatt_version", ""))

    @classmethod
    def from_report(cls, report: Report, source: str) -> AuditData:
        import pandas as pd

        totals_df = report.tables["totals"]
        totals = {str(c): float(totals_df[c].iloc[0]) for c in totals_df.columns}
        equity: dict[str, dict[str, float]] = {}
        eq_df = report.tables.get("equity")
        if eq_df is not None:
            for rec in eq_df.to_dict(orient="records"):
                equity[index_slug(str(rec["index"]))] = {
                    str(k): math.nan if pd.isna(v) else float(v)
                    for k, v in rec.items()
                    if k != "index"
                }
        return cls(source, dict(report.metadata), report.tables["footprint"], totals, equity)


def load_audit_json(path: str, *, what: str = "--report") -> AuditData:
    """Read an audit saved with ``fairwatt audit ... -o audit.json``.

    Raises
    ------
    InputError
        The file is missing, not JSON, or not a fairwatt audit document.
    """
    import pandas as pd

    p = Path(path)
    hint = "write one with: fairwatt audit LOGS -o audit.json"
    if not p.is_file():
        raise InputError(f"{what}: file not found", file=path, hint="check the path")
    if p.suffix.lower() in (".parquet", ".pq", ".csv"):
        raise InputError(
            f"{what} needs the audit's JSON document (it holds the totals and the equity table)",
            file=path,
            hint=hint,
        )
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: not valid JSON: {exc}", file=path, hint=hint) from None
    ok = (
        isinstance(doc, dict)
        and doc.get("title") == "fairwatt audit"
        and isinstance(doc.get("metadata"), dict)
        and isinstance(doc.get("footprint"), list)
        and isinstance(doc.get("totals"), list)
        and len(doc["totals"]) == 1
        and isinstance(doc["totals"][0], dict)
    )
    if not ok:
        raise InputError(f"{what}: not a fairwatt audit JSON document", file=path, hint=hint)
    totals = {str(k): _num(v, file=path, where=f"totals {k}") for k, v in doc["totals"][0].items()}
    equity: dict[str, dict[str, float]] = {}
    for rec in doc.get("equity") or []:
        if not isinstance(rec, dict) or "index" not in rec:
            raise InputError(f"{what}: equity rows need an 'index' field", file=path)
        equity[index_slug(str(rec["index"]))] = {
            str(k): _num(v, file=path, where=f"equity {rec['index']} {k}")
            for k, v in rec.items()
            if k != "index"
        }
    footprint = pd.DataFrame(doc["footprint"])
    return AuditData(path, doc["metadata"], footprint, totals, equity)


# --------------------------------------------------------------------------- evaluation


class _Unavailable(Exception):
    """The audit cannot give this metric; the message says why."""


def check_rules_computable(
    policy: Policy,
    *,
    by: Sequence[str],
    footprints: Sequence[str],
    water_model: str,
    has_baseline: bool,
    saved: bool = False,
) -> None:
    """Fail (exit 2) when a rule needs something the audit does not compute.

    ``saved``: the audit is a saved report (the hints then say to audit again).
    """
    what = "the saved audit" if saved else "this audit"
    redo = "audit again with " if saved else "use "
    for r in policy.rules:
        fp = r.metric.footprint
        where = f"rule {r.key}"
        if fp is not None and fp not in footprints:
            raise InputError(
                f"{where} needs the {fp} footprint, which {what} does not compute "
                f"(footprints: {', '.join(footprints) or 'none'})",
                hint=f"{redo}--footprints {','.join([*footprints, fp])}, or drop the rule",
            )
        if r.metric.needs_split_water and water_model != "split":
            raise InputError(
                f"{where} needs on-site/off-site water, which the water model "
                f"{water_model!r} of {what} does not split",
                hint=f"{redo}--water-model split, or use a water_l rule",
            )
        if r.metric.kind in ("region", "inequity") and region_key(by) is None:
            raise InputError(
                f"{where} compares regions, but {what} is grouped by {','.join(by)}",
                hint=f"{redo}--by zone (or site)",
            )
        if r.kind == "change" and not has_baseline:
            raise InputError(
                f"{where} compares against a baseline, but none was given",
                hint="pass --baseline previous-audit.json",
            )


def metric_value(m: Metric, data: AuditData) -> tuple[float, str]:
    """The metric's value in its unit, and a short detail (e.g. the worst region)."""
    t = data.totals
    if m.kind in ("total", "per_kwh", "per_request") and m.column not in t:
        raise _Unavailable(f"the audit has no {m.column}")
    if m.kind == "total":
        return t[m.column], ""
    if m.kind == "per_kwh":
        return _ratio(t[m.column] * m.scale, t.get("energy_kwh", math.nan)), (
            f"per {_fmt(t.get('energy_kwh', math.nan))} kWh of IT energy"
        )
    if m.kind == "per_request":
        requests = t.get("requests", math.nan)
        if "requests" not in t or math.isnan(requests):
            raise _Unavailable(
                "the logs have no requests column (map one with --column requests=NAME)"
            )
        return _ratio(t[m.column] * m.scale, requests), f"over {_fmt(requests)} requests"
    key = region_key(data.by)
    if m.kind == "region":
        df = data.footprint
        if key is None or key not in df.columns or m.column not in df.columns:
            raise _Unavailable(f"the audit has no {m.column} per {key or 'region'}")
        import pandas as pd

        per_region = pd.to_numeric(df[m.column], errors="coerce").groupby(df[key].astype(str)).sum()
        if per_region.empty:
            raise _Unavailable("the audit has no regions")
        worst = str(per_region.idxmax())
        return float(per_region.max()), f"worst {key}: {worst} of {len(per_region)}"
    # inequity
    if not data.equity:
        raise _Unavailable(
            f"the audit has no inequity indices (they need at least two {key or 'region'}s)"
        )
    row = data.equity.get(str(m.index))
    if row is None or m.column not in row:
        raise _Unavailable(f"the audit's equity table has no {m.index} for {m.column}")
    regions = data.metadata.get("equity", {}).get("regions")
    detail = f"across {regions} {key}s" if regions else ""
    return row[m.column], detail


def _ratio(num: float, den: float) -> float:
    if math.isnan(num) or math.isnan(den) or den == 0:
        return math.nan
    return num / den


def change_pct(current: float, baseline: float, *, worse_when: Literal["up", "down"]) -> float:
    """Change from ``baseline`` to ``current`` in the bad direction, in percent of the
    baseline: ``(current - baseline) / baseline x 100`` when higher is worse. [%]

    A zero baseline gives 0 when unchanged, else +/- infinity; NaN in, NaN out.
    """
    if math.isnan(current) or math.isnan(baseline):
        return math.nan
    delta = current - baseline if worse_when == "up" else baseline - current
    if baseline == 0:
        return 0.0 if delta == 0 else math.copysign(math.inf, delta)
    return delta / abs(baseline) * 100.0


def _version_series(version: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)\.(\d+)", version)
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    return (major, minor) if major == 0 else (major, -1)


def check_baseline(current: AuditData, baseline: AuditData) -> None:
    """Refuse a baseline that cannot be compared: another release series
    (major.minor while the major version is 0, else major), another grouping or
    another water model."""
    a, b = _version_series(current.version), _version_series(baseline.version)
    if a is None or b is None or a != b:
        raise InputError(
            f"--baseline was written by fairwatt {baseline.version or '(unknown)'}, "
            f"incompatible with this audit's {current.version or '(unknown)'}",
            file=baseline.source,
            hint="recompute the baseline with this fairwatt version",
        )
    if current.by != baseline.by:
        raise InputError(
            f"--baseline is grouped by {','.join(baseline.by)}, this audit by "
            f"{','.join(current.by)}",
            file=baseline.source,
            hint=f"compare audits with the same grouping (--by {','.join(baseline.by)})",
        )
    if current.water_model != baseline.water_model:
        raise InputError(
            f"--baseline used the water model {baseline.water_model!r}, this audit "
            f"{current.water_model!r}",
            file=baseline.source,
            hint="compare audits with the same --water-model",
        )


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def evaluate(
    policy: Policy,
    data: AuditData,
    baseline: AuditData | None = None,
    *,
    warn_only: bool = False,
    saved: bool = False,
) -> Report:
    """Evaluate every rule on ``data``; return the results report.

    Status per rule: ``pass``; ``fail`` (an error rule whose value breaks its limit, or
    is undefined); ``warn`` (the same for a warning rule, or for any rule with
    ``warn_only``). Limits are inclusive: a value equal to its limit passes.

    Raises
    ------
    InputError
        A rule needs a metric the audit (or the baseline) cannot give, or the
        baseline cannot be compared with the audit.
    """
    import pandas as pd

    from fairwatt.reporting.report import Report

    check_rules_computable(
        policy,
        by=data.by,
        footprints=data.footprints,
        water_model=data.water_model,
        has_baseline=baseline is not None,
        saved=saved,
    )
    if baseline is not None:
        check_baseline(data, baseline)
    rows = []
    for r in policy.rules:
        try:
            value, detail = metric_value(r.metric, data)
        except _Unavailable as exc:
            raise InputError(f"rule {r.key} cannot be evaluated: {exc}") from None
        if r.kind == "change":
            assert baseline is not None  # checked above
            try:
                base, _ = metric_value(r.metric, baseline)
            except _Unavailable as exc:
                raise InputError(
                    f"rule {r.key} cannot be evaluated on the baseline: {exc}",
                    file=baseline.source,
                ) from None
            unit = "" if r.metric.unit == "1" else f" {r.metric.unit}"
            detail = f"{_fmt(value)}{unit} now, {_fmt(base)}{unit} in the baseline"
            value = change_pct(
                value, base, worse_when="down" if r.metric.higher_is_better else "up"
            )
        if math.isnan(value):
            ok = False
            detail = f"undefined value{'; ' + detail if detail else ''}"
        else:
            ok = value >= r.limit if r.at_least else value <= r.limit
        status = "pass" if ok else "fail" if r.severity == "error" and not warn_only else "warn"
        rows.append((r.key, r.name, r.severity, r.measure, value, r.limit, r.unit, status, detail))
    results = pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).astype(
        {"value": float, "limit": float}
    )
    failed = int((results["status"] == "fail").sum())
    warned = int((results["status"] == "warn").sum())
    metadata: dict[str, Any] = {
        "fairwatt_version": __version__,
        "passed": failed == 0,
        "rules": len(results),
        "failed": failed,
        "warnings": warned,
        "warn_only": warn_only,
        "policy": {
            "file": policy.source,
            "section": policy.section,
            "overrides": policy.overrides,
            "locations": {r.key: [r.file, r.line] for r in policy.rules if r.file},
        },
        "audit": {
            "source": data.source,
            "fairwatt_version": data.version,
            "period": data.metadata.get("period"),
            "by": data.by,
            "footprints": data.footprints,
            "regions": region_key(data.by),
        },
    }
    if baseline is not None:
        metadata["baseline"] = {
            "source": baseline.source,
            "fairwatt_version": baseline.version,
            "period": baseline.metadata.get("period"),
        }
    return Report(title="fairwatt check", tables={"results": results}, metadata=metadata)


# --------------------------------------------------------------------------- running


@dataclass
class CheckOptions:
    """What ``fairwatt check`` was asked for besides the logs."""

    policy_file: str | None = None
    rules: Sequence[str] = ()
    report_file: str | None = None
    baseline_file: str | None = None
    warn_only: bool = False
    audit: AuditOptions | None = None
    #: False: compute the footprints the policy needs; True: exactly ``audit.footprints``.
    footprints_given: bool = False
    start: Path | None = None


#: Factor column -> the footprint that needs it (as in the audit).


def run_check(
    logs: Sequence[str],
    options: CheckOptions,
    run: Callable[[Sequence[str], AuditOptions], AuditResult] | None = None,
) -> Report:
    """Load the policy, audit ``logs`` (or read ``options.report_file``), compare with
    the baseline if any, and return the results (see :func:`evaluate`).

    ``run`` runs the audit (default :func:`fairwatt.services.audit.run_audit`).

    Raises
    ------
    InputError
        Invalid policy, inputs or baseline, or a rule the audit cannot evaluate; also a
        missing factor for a footprint that only the policy asks for (the audit cannot
        compute what the policy refers to).
    """
    from fairwatt.schema import REQUIRED_FACTOR
    from fairwatt.services.audit import AuditOptions, run_audit

    policy = load_policy(options.policy_file, options.rules, start=options.start)
    baseline = (
        load_audit_json(options.baseline_file, what="--baseline") if options.baseline_file else None
    )
    if options.report_file is not None:
        if logs:
            raise InputError("give LOGS or --report, not both")
        data = load_audit_json(options.report_file)
    else:
        if not logs:
            raise InputError("nothing to check", hint="give energy LOGS, or --report audit.json")
        audit = options.audit or AuditOptions(by=["zone"])
        if not options.footprints_given:
            audit = replace(audit, footprints=policy.footprints())
        check_rules_computable(
            policy,
            by=audit.by,
            footprints=audit.footprints,
            water_model=audit.water_model,
            has_baseline=baseline is not None,
        )
        try:
            report = (run or run_audit)(logs, audit)
        except FactorMissingError as exc:
            needed = set(policy.footprints())
            # the footprint each missing factor serves
            serves = {factor: fp for fp, factor in REQUIRED_FACTOR.items()}
            serves["water_total_l_per_kwh"] = "water"
            missing = {serves[f] for f in exc.factors if f in serves}
            blocking = sorted(missing & needed, key=FOOTPRINT_ORDER.index)
            if not blocking:
                raise
            fp = blocking[0]
            keys = [r.key for r in policy.rules if r.metric.footprint == fp]
            raise InputError(
                f"the policy refers to the {fp} footprint (rule {', '.join(keys)}), which the "
                f"audit cannot compute: {exc.message}",
                hint=f"pass --factors FILE with the missing {fp} factors, or drop the rule",
            ) from None
        data = AuditData.from_report(report.to_report(), source=", ".join(logs))
    results = evaluate(
        policy,
        data,
        baseline,
        warn_only=options.warn_only,
        saved=options.report_file is not None,
    )
    if baseline is not None and not any(r.kind == "change" for r in policy.rules):
        results.notes.append("--baseline was given, but no rule compares against it")
    return results


# --------------------------------------------------------------------------- CI outputs


def escape_data(text: str) -> str:
    """Escape the message of a GitHub Actions workflow command (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain(x: float) -> str:
    """A number for machines: full precision, no thousands separator."""
    return (
        "nan"
        if math.isnan(x)
        else "inf"
        if x == math.inf
        else "-inf"
        if x < 0 and math.isinf(x)
        else repr(float(x))
    )


def _failure_message(row: Mapping[str, Any]) -> str:
    unit = f" {row['unit']}" if row["unit"] != "1" else ""
    if math.isnan(row["value"]):
        return f"{row['metric']}: {row['detail']}"
    at_least = str(row["rule"]).startswith("min_")
    rel = "<" if at_least else ">"
    bound = "minimum" if at_least else "limit"
    text = f"{row['metric']} = {_fmt(row['value'])}{unit} {rel} {bound} {_fmt(row['limit'])}{unit}"
    return f"{text} ({row['detail']})" if row["detail"] else text


def compact(results: Report) -> Report:
    """The results for a terminal: status, rule, value, limit and unit."""
    from fairwatt.reporting.report import Report

    table = results.tables["results"][["status", "rule", "value", "limit", "unit"]]
    return Report(results.title, {"results": table}, results.metadata, results.notes)


def _rows(results: Report) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", results.tables["results"].to_dict(orient="records"))


def annotation_commands(results: Report, *, workspace: str | None = None) -> list[str]:
    """One ``::error`` / ``::warning`` workflow command per failed rule.

    Rules from a policy file inside ``workspace`` (default: ``GITHUB_WORKSPACE``, else
    the working directory) point at the file and line that set them.
    """
    root = Path(workspace or os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    locations = results.metadata.get("policy", {}).get("locations", {})
    out = []
    for row in _rows(results):
        if row["status"] == "pass":
            continue
        level = "error" if row["status"] == "fail" else "warning"
        props = []
        file, line = locations.get(row["rule"], [None, None])
        if file:
            try:
                rel = Path(file).resolve().relative_to(root)
            except ValueError:
                rel = None
            if rel is not None:
                props.append(f"file={escape_property(rel.as_posix())}")
                if line:
                    props.append(f"line={int(line)}")
        props.append(f"title={escape_property(str(row['name']))}")
        message = f"{row['rule']}: {_failure_message(row)}"
        out.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return out


def _md_cell(value: Any) -> str:
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return text.replace("|", "\\|")


def step_summary(results: Report) -> str:
    """The Markdown summary for ``GITHUB_STEP_SUMMARY``."""
    meta = results.metadata
    mark = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn"}
    verdict = "passed" if meta["passed"] else "failed"
    lines = [
        f"## fairwatt check: {verdict}",
        "",
        f"{meta['rules']} rule(s): {meta['rules'] - meta['failed'] - meta['warnings']} passed, "
        f"{meta['failed']} failed, {meta['warnings']} warning(s)"
        + (" (--warn-only)" if meta.get("warn_only") else "")
        + ".",
    ]
    audit = meta.get("audit", {})
    period = audit.get("period") or {}
    if period:
        lines.append(
            f"Audit of {_md_cell(audit.get('source'))}, {period.get('start')} to "
            f"{period.get('end')}, by {','.join(audit.get('by', []))}."
        )
    if "baseline" in meta:
        lines.append(f"Baseline: {_md_cell(meta['baseline']['source'])}.")
    lines += [
        "",
        "| status | rule | name | value | limit | unit | detail |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for row in _rows(results):
        cells = [
            mark.get(row["status"], row["status"]),
            f"`{row['rule']}`",
            _md_cell(row["name"]),
            _fmt(row["value"]),
            _fmt(row["limit"]),
            _md_cell(row["unit"]),
            _md_cell(row["detail"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def junit_xml(results: Report) -> bytes:
    """JUnit XML: one ``testcase`` per rule.

    A failed error rule has a ``failure`` element; a failed warning rule (or any failed
    rule under ``--warn-only``) passes, with ``system-out`` saying ``warning: ...`` and
    the property ``status = warn``, so that CI systems show it without failing the run.
    """
    import xml.etree.ElementTree as ET

    rows = _rows(results)
    meta = results.metadata
    n, failures = str(len(rows)), str(meta["failed"])
    suites = ET.Element(
        "testsuites", name="fairwatt check", tests=n, failures=failures, errors="0", time="0"
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="fairwatt check",
        tests=n,
        failures=failures,
        errors="0",
        skipped="0",
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("fairwatt_version", meta.get("fairwatt_version")),
        ("policy", (meta.get("policy") or {}).get("file")),
        ("audit", (meta.get("audit") or {}).get("source")),
        ("baseline", (meta.get("baseline") or {}).get("source")),
    ):
        if value:
            ET.SubElement(props, "property", name=name, value=str(value))
    for row in rows:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"fairwatt.check.{row['rule']}",
            name=str(row["name"]),
            time="0",
        )
        cprops = ET.SubElement(case, "properties")
        for key in ("rule", "severity", "metric", "status", "unit"):
            ET.SubElement(cprops, "property", name=key, value=str(row[key]))
        for key in ("value", "limit"):
            ET.SubElement(cprops, "property", name=key, value=_plain(row[key]))
        message = _failure_message(row)
        if row["status"] == "fail":
            failure = ET.SubElement(case, "failure", message=message, type=str(row["rule"]))
            failure.text = f"{row['rule']} ({row['severity']}): {message}"
        elif row["status"] == "warn":
            ET.SubElement(case, "system-out").text = f"warning: {row['rule']}: {message}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(results: Report, path: str) -> None:
    """Write :func:`junit_xml` to ``path`` atomically."""
    from fairwatt.io.writers import atomic_path, check_output_path

    check_output_path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(junit_xml(results))


def append_step_summary(results: Report, path: str) -> None:
    """Append :func:`step_summary` to the file named by ``GITHUB_STEP_SUMMARY``."""
    try:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(step_summary(results))
    except OSError as exc:
        raise InputError(f"cannot append to GITHUB_STEP_SUMMARY: {exc}", file=path) from None
