"""The metrics a check policy can bound, and the rule keys that name them.

A rule key is ``<bound>_<metric>``: ``max_<metric>`` for a metric where lower is
better, ``min_<metric>`` for one where higher is better (Jain's fairness index), and
``max_increase_pct_<metric>`` (``max_decrease_pct_<metric>`` for Jain's index) for the
change against a baseline audit, in percent of the baseline value.

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

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from fairwatt import units
from fairwatt._version import __version__
from fairwatt.schema import FOOTPRINTS, G_PER_KWH, L_PER_KWH, USD_PER_MWH

if TYPE_CHECKING:
    from fairwatt.reporting.report import Report

#: How messages name an option a caller can change: ``spell(name, value)`` for the
#: parameter ``name`` (of :class:`~fairwatt.services.check.CheckOptions` or of the
#: audit) set to ``value``. The library says ``name=value``; the CLI passes its flags.
Spell = Callable[[str, "str | None"], str]


def param_spelling(name: str, value: str | None = None) -> str:
    """The library's spelling of an option in messages: ``name=value`` (or ``name``)."""
    return name if value is None else f"{name}={value}"


#: Footprints in the order the audit computes them.
FOOTPRINT_ORDER: tuple[str, ...] = FOOTPRINTS
#: Footprints the audit's equity table compares across regions.
INEQUITY_FOOTPRINTS: tuple[str, ...] = ("carbon_kg", "water_l", "health_usd")
#: Indices where a higher value is fairer.
HIGHER_IS_BETTER: frozenset[str] = frozenset({"jain_index"})


@dataclass(frozen=True)
class Metric:
    """One quantity a rule can bound.

    ``column`` is the audit column it derives from; ``scale`` converts that column's
    unit (per the divisor's unit) into ``unit``. Inequity metrics name their index
    twice: ``index`` as in rule keys (``atkinson_0_5``), ``index_name`` as in the
    audit's equity table (``atkinson(0.5)``).
    """

    name: str
    unit: str
    description: str
    kind: Literal["total", "per_kwh", "per_request", "region", "inequity"]
    column: str
    scale: float = 1.0
    index: str | None = None
    higher_is_better: bool = False
    index_name: str | None = None

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
    ("carbon_g_per_kwh", "carbon_kg", units.G_PER_KG, G_PER_KWH),
    ("water_l_per_kwh", "water_l", 1.0, L_PER_KWH),
    ("water_onsite_l_per_kwh", "water_onsite_l", 1.0, L_PER_KWH),
    ("water_offsite_l_per_kwh", "water_offsite_l", 1.0, L_PER_KWH),
    ("health_usd_per_mwh", "health_usd", units.KWH_PER_MWH, USD_PER_MWH),
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


def _inequity_metrics(unit: dict[str, str], desc: dict[str, str]) -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for index in _audit_index_names():
        slug = index_slug(index)
        for col in INEQUITY_FOOTPRINTS:
            name = f"{slug}_{col}"
            out[name] = Metric(
                name,
                unit[col] if slug.startswith("lq_norm") else "1",
                f"{_index_label(index)} of {desc[col].split(' (')[0]} across regions",
                "inequity",
                col,
                index=slug,
                higher_is_better=slug in HIGHER_IS_BETTER,
                index_name=index,
            )
    return out


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
    out.update(_inequity_metrics(unit, desc))
    return out


@cache
def rule_keys() -> dict[str, tuple[Metric, Literal["limit", "change"]]]:
    """Every valid rule key -> (metric, ``"limit"`` or ``"change"``)."""
    out: dict[str, tuple[Metric, Literal["limit", "change"]]] = {}
    for m in metrics().values():
        out[m.limit_key] = (m, "limit")
        out[m.change_key] = (m, "change")
    return out


def valid_keys_text() -> str:
    """The valid rule keys in one sentence (the hint for an unknown key)."""
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


def rule_catalog(*, spell: Spell = param_spelling) -> Report:
    """Every rule key with its unit and meaning, as a report (``--list-rules``)."""
    import pandas as pd

    from fairwatt.reporting.report import Report

    baseline = spell("baseline_file", None)
    rows: list[tuple[str, str, str, str]] = []
    for key, (m, kind) in rule_keys().items():
        if kind == "limit":
            what = f"{'at least' if m.higher_is_better else 'at most'}: {m.description}"
            rows.append((key, m.kind, m.unit, what))
        else:
            verb = "decrease" if m.higher_is_better else "increase"
            rows.append((key, "baseline", "%", f"{verb} against {baseline}: {m.description}"))
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
