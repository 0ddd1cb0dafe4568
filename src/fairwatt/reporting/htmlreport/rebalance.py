"""The sections of a rebalancing report.

Built from anything shaped like
:class:`~fairwatt.services.rebalance_types.RebalanceResult` (:class:`RebalanceLike`):
headline and summary; per-site bars of each footprint before (the baseline) and after
every objective; max/mean and Gini per objective; the cost–equity frontier of a sweep
with the chosen objective marked; the hourly allocation of the chosen objective; with
deferrable load, arriving against served load over time (:mod:`.timeshift`).

Each section is one function ``(view) -> Section | None`` listed in :data:`SECTIONS`;
a new chart is one more such function added there.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fairwatt.reporting.htmlreport import page
from fairwatt.reporting.htmlreport.charts import Chart
from fairwatt.reporting.htmlreport.page import Section
from fairwatt.reporting.htmlreport.timeshift import time_shift_section

if TYPE_CHECKING:
    import pandas as pd

#: a footprint's unit as a result's ``inequity`` table names it -> the suffix of its
#: columns (``carbon_kg``, ``water_worst_m3``) and the unit shown
FOOTPRINT_UNITS = {
    "kg": ("kg", "kg"),
    "t": ("t", "t"),
    "L": ("l", "L"),
    "m3": ("m3", "m³"),
    "USD": ("usd", "US$"),
}
#: energy columns by unit, in the order they are looked for
ENERGY_COLUMNS = (("energy_kwh", "kWh"), ("energy_mwh", "MWh"))


class RebalanceLike(Protocol):
    """What a rebalancing report reads from a result."""

    title: str
    summary: pd.DataFrame
    inequity: pd.DataFrame
    sites: pd.DataFrame
    frontier: pd.DataFrame | None
    notes: list[str]
    metadata: dict[str, Any]
    fairwatt_version: str
    generated_at: str


@dataclass
class RebalanceView:
    """A result with what the report needs to know besides it.

    ``chosen``: the objective the report focuses on (the hourly allocation, the marked
    point of the frontier); ``allocation``: the hourly allocation (objective, hour, site,
    energy_kwh or energy_mwh) when known; ``extra``: fields of the document read (e.g. ``command``).
    """

    result: RebalanceLike
    chosen: str
    allocation: pd.DataFrame | None = None
    extra: dict[str, Any] | None = None

    @property
    def objectives(self) -> list[str]:
        return [str(o) for o in self.result.summary["objective"]]

    @property
    def baseline(self) -> str:
        return str(self.result.metadata.get("baseline") or self.objectives[0])


def choose_objective(result: RebalanceLike, wanted: str | None = None) -> str:
    """The objective a report focuses on: ``wanted``, else eglb, else the last one."""
    from fairwatt.errors import InputError

    names = [str(o) for o in result.summary["objective"]]
    if wanted is not None:
        if wanted not in names:
            raise InputError(
                f"objective {wanted!r} is not in the result", hint=f"use one of: {', '.join(names)}"
            )
        return wanted
    return "eglb" if "eglb" in names else names[-1]


def _ratio_text(view: RebalanceView, footprint: str, index: str) -> str:
    ineq = view.result.inequity
    rows = ineq[ineq["footprint"] == footprint].set_index("objective")[index]
    base = view.baseline
    if base not in rows:
        return ""
    after = [f"{o} {rows[o]:.2f}" for o in view.objectives if o != base and o in rows]
    return f"{base} (before) {rows[base]:.2f} → " + ", ".join(after)


def footprint_unit(view: RebalanceView, footprint: str) -> tuple[str, str] | None:
    """The column suffix and shown unit of ``footprint`` in this result (from its
    ``inequity`` table's ``unit``: kg or t, L or m3, USD), or None when unknown."""
    ineq = view.result.inequity
    if "unit" not in ineq.columns:
        return None
    labels = ineq.loc[ineq["footprint"] == footprint, "unit"]
    return FOOTPRINT_UNITS.get(str(labels.iloc[0])) if len(labels) else None


def site_column(view: RebalanceView, footprint: str) -> tuple[str, str] | None:
    """The ``sites`` column of ``footprint`` (``carbon_kg``, ``water_m3``, ...) and its
    unit, or None when the result has none."""
    found = footprint_unit(view, footprint)
    if found is None:
        return None
    col = f"{footprint}_{found[0]}"
    return (col, found[1]) if col in view.result.sites.columns else None


def energy_column(table: pd.DataFrame) -> tuple[str, str] | None:
    """The energy column of ``table`` (``energy_kwh`` or ``energy_mwh``) and its unit."""
    return next(((c, u) for c, u in ENERGY_COLUMNS if c in table.columns), None)


def footprints(view: RebalanceView) -> list[str]:
    seen = dict.fromkeys(str(f) for f in view.result.inequity.get("footprint", []))
    return [f for f in seen if site_column(view, f) is not None]


# --------------------------------------------------------------------------- sections


def headline_section(view: RebalanceView) -> Section:
    r, meta = view.result, view.result.metadata
    summary = r.summary.set_index("objective")
    items = [
        ("mask", str(meta.get("mask", ""))),
        ("sites", page.number(meta.get("sites"))),
        ("gateways", page.number(meta.get("gateways"))),
        ("hours", page.number(meta.get("hours"))),
        ("baseline (before)", view.baseline),
        ("chosen objective", view.chosen),
    ]
    if "cost_change_pct" in summary.columns:
        change = float(summary["cost_change_pct"].to_dict()[view.chosen])
        items.append((f"cost change of {view.chosen}", f"{change:+.1f} %"))
    described = meta.get("objectives") or {}
    blocks: list[Chart | str] = [page.headline(items)]
    if described:
        blocks.append(page.bullet_list([f"{k}: {v}" for k, v in described.items()]))
    blocks.append(page.table_html(r.summary))
    return Section("headline", "Summary", blocks)


def before_after_section(view: RebalanceView) -> Section | None:
    from fairwatt.reporting.htmlreport.figures import grouped_bars

    sites = view.result.sites
    charts: list[Chart | str] = []
    for f in footprints(view):
        col, unit = site_column(view, f) or ("", "")
        wide = sites.pivot_table(index="site", columns="objective", values=col, aggfunc="sum")
        order = [view.baseline, *(o for o in view.objectives if o != view.baseline)]
        wide = wide[[o for o in order if o in wide.columns]]
        wide = wide.sort_values(view.baseline, ascending=False, kind="stable")
        fig = grouped_bars(wide, xlabel=f"{f} [{unit}]", ylabel="site")
        caption = (
            f"{f.capitalize()} footprint of each site [{unit}] under the baseline "
            f"{view.baseline} (before) and each objective (after); sites sorted by their "
            f"burden before. Max/mean: {_ratio_text(view, f, 'max_to_mean')}. "
            f"Gini: {_ratio_text(view, f, 'gini')}."
        )
        table = wide.rename_axis(columns=None).reset_index()
        charts.append(
            Chart(
                f"{f}_by_site", f"{f.capitalize()} by site, before and after", caption, fig, table
            )
        )
    if not charts:
        return None
    return Section("before-after", "Before and after, by site", charts)


def indices_section(view: RebalanceView) -> Section | None:
    from fairwatt.reporting.htmlreport.figures import index_bars

    ineq = view.result.inequity
    if not len(ineq):
        return None
    order = [o for o in view.objectives if o in set(ineq["objective"])]
    mm = ineq.pivot_table(index="objective", columns="footprint", values="max_to_mean").loc[order]
    gini = ineq.pivot_table(index="objective", columns="footprint", values="gini").loc[order]
    fig = index_bars(mm, gini)
    parts = [f"{f}: max/mean {_ratio_text(view, f, 'max_to_mean')}" for f in mm.columns]
    caption = (
        "How unequally each footprint falls on the sites under each objective: max/mean "
        "(1 is even; dotted line), left, and Gini (0 is even), right. " + "; ".join(parts) + "."
    )
    table = ineq[["objective", "footprint", "max_to_mean", "gini", "worst_site", "worst", "unit"]]
    chart = Chart("inequity_indices", "Max/mean and Gini per objective", caption, fig, table)
    return Section("indices", "Inequity per objective", [chart])


def frontier_section(view: RebalanceView) -> Section | None:
    from fairwatt.reporting.htmlreport.figures import frontier

    points = view.result.frontier
    sweep = view.result.metadata.get("sweep") or {}
    if points is None or not len(points):
        return None
    fp = str(sweep.get("footprint") or "water")
    found = footprint_unit(view, fp)
    if found is None or f"{fp}_worst_{found[0]}" not in points or "cost_usd" not in points:
        return None
    worst, unit = f"{fp}_worst_{found[0]}", found[1]
    ok = points[points["status"] == "optimal"] if "status" in points else points
    marked: dict[str, tuple[float, float]] = {}
    summary = view.result.summary.set_index("objective")
    ineq = view.result.inequity
    for name in (view.chosen, view.baseline):
        row = ineq[(ineq["objective"] == name) & (ineq["footprint"] == fp)]
        if len(row) and name in summary.index:
            marked[f"{name} (chosen)" if name == view.chosen else name] = (
                float(summary["cost_usd"].to_dict()[name]),
                float(row["worst"].iloc[0]),
            )
    fig = frontier(
        ok,
        x="cost_usd",
        y=worst,
        xlabel="cost [US$]",
        ylabel=f"worst-site {fp} [{unit}]",
        marked=marked,
    )
    kind = sweep.get("kind", "weight")
    caption = (
        f"Cost–equity frontier: total cost [US$] against the {fp} footprint of the worst "
        f"site [{unit}], one point per value of the {kind} sweep on {fp} "
        f"({len(ok)} of {len(points)} points solved); the chosen objective {view.chosen} "
        f"is the star"
        + (f" and the baseline {view.baseline} the square." if len(marked) > 1 else ".")
    )
    return Section(
        "frontier",
        "Cost–equity frontier",
        [Chart("frontier", "Cost against the worst site", caption, fig, points)],
    )


def allocation_section(view: RebalanceView) -> Section | None:
    from fairwatt.reporting.htmlreport.figures import stacked_area

    alloc = view.allocation
    if alloc is None or not len(alloc):
        return Section(
            "allocation",
            "Hourly allocation",
            [
                page.paragraph(
                    "The hourly allocation is not part of this result. Write it with "
                    "fairwatt rebalance ... --allocation alloc.csv and pass it to "
                    "fairwatt report with --allocation alloc.csv."
                )
            ],
        )
    mine = alloc[alloc["objective"] == view.chosen]
    col, unit = energy_column(alloc) or ("energy_mwh", "MWh")
    wide = mine.pivot_table(index="hour", columns="site", values=col, aggfunc="sum")
    wide = wide.fillna(0.0)
    wide = wide[wide.sum().sort_values(ascending=False, kind="stable").index]
    fig = stacked_area(wide, ylabel=f"energy [{unit} per hour]")
    caption = (
        f"Hourly energy served by each site under {view.chosen} [{unit} per hour], stacked; "
        f"{len(wide)} hours, {wide.shape[1]} sites (largest total at the bottom)."
    )
    table = wide.rename_axis(columns=None).reset_index()
    chart = Chart(
        f"allocation_{view.chosen}", f"Hourly allocation of {view.chosen}", caption, fig, table
    )
    return Section("allocation", "Hourly allocation", [chart])


def notes_section(view: RebalanceView) -> Section:
    items = list(view.result.notes)
    prov = view.result.metadata.get("provenance")
    blocks: list[Chart | str] = [page.bullet_list(items) if items else page.paragraph("None.")]
    if isinstance(prov, dict) and prov:
        import pandas as pd

        blocks.append(page.paragraph("Scenario data:"))
        blocks.append(
            page.table_html(
                pd.DataFrame({"field": list(prov), "value": [str(v) for v in prov.values()]})
            )
        )
    return Section("notes", "Notes and provenance", blocks)


def command(view: RebalanceView) -> str:
    """The ``fairwatt rebalance`` command line that solves this result again."""
    recorded = (view.extra or {}).get("command")
    if isinstance(recorded, str) and recorded:
        return recorded
    if isinstance(recorded, list) and recorded:
        return shlex.join(str(a) for a in recorded)
    meta = view.result.metadata
    args = ["fairwatt", "rebalance", str(meta.get("scenario", "SCENARIO"))]
    if meta.get("mask"):
        args += ["--mask", str(meta["mask"])]
    for name in view.objectives:
        if name != view.baseline:
            args += ["-O", name]
    args += ["--before", view.baseline]
    if energy_column(view.result.sites) == ("energy_mwh", "MWh"):
        args += ["--units", "paper"]
    weights = meta.get("weights") or {}
    if weights:
        args += ["--weights", ",".join(f"{k}={v:g}" for k, v in weights.items())]
    sweep = meta.get("sweep")
    if sweep:
        values = ",".join(f"{float(v):g}" for v in sweep.get("values", []))
        kind = sweep.get("kind", "weight")
        spec = f"{sweep.get('footprint')}={values}"
        args += ["--sweep", spec if kind == "weight" else f"{kind}:{spec}"]
    return shlex.join(args)


def reproduce_section(view: RebalanceView) -> Section:
    r = view.result
    blocks: list[Chart | str] = [
        page.paragraph(
            f"Solved by fairwatt {r.fairwatt_version or '(unknown version)'}"
            + (f" at {r.generated_at}" if r.generated_at else "")
            + ". To solve it again:"
        ),
        page.code_block(command(view)),
    ]
    return Section("reproduce", "How to reproduce", blocks)


#: the report's sections, in order; each returns None when it has nothing to show
SECTIONS: tuple[Callable[[RebalanceView], Section | None], ...] = (
    headline_section,
    before_after_section,
    indices_section,
    frontier_section,
    allocation_section,
    time_shift_section,
    notes_section,
    reproduce_section,
)


def rebalance_sections(view: RebalanceView) -> list[Section]:
    """Every section of a rebalancing report, in order (charts drawn here)."""
    from fairwatt.reporting.htmlreport.charts import style

    with style():
        made = [fn(view) for fn in SECTIONS]
    return [s for s in made if s is not None]
