"""The tables of a rebalancing result: summary, inequity, sites, and a sweep's frontier.

Indices over sites (Gini and max/mean from :mod:`fairwatt.footprint_models.equity`) of
every footprint's horizon total, weighted by the site weights where given. Values are
in the balancing model's units (MWh, t, m³, US$); :mod:`fairwatt.services.rebalance_units`
converts them to those asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InfeasibleError
from fairwatt.services.rebalance_objectives import sweep_objective

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.allocation import Allocation
    from fairwatt.balancing.scenario import Scenario
    from fairwatt.services.rebalance_types import Outcome, RebalanceOptions, Sweep

#: Output column of each per-site total.
TOTAL_COLUMNS: dict[str, str] = {
    "energy": "energy_mwh",
    "cost": "cost_usd",
    "carbon": "carbon_t",
    "water": "water_m3",
    "health": "health_usd",
}
FOOTPRINT_UNIT_LABEL = {"carbon": "t", "water": "m3", "health": "USD"}
#: ``progress(message, fraction_done_or_None)``, as the audit's.
Progress = Callable[[str, float | None], None]


def _indices(values: np.ndarray) -> tuple[float, float]:
    import numpy as np

    from fairwatt.footprint_models.equity import gini, max_to_mean

    v = np.clip(values, 0.0, None)
    if not np.any(v > 0):
        return math.nan, math.nan
    return max_to_mean(v), gini(v)


def _summary_numbers(alloc: Allocation) -> dict[str, Any]:
    totals = alloc.site_totals()
    out: dict[str, Any] = {"cost_usd": float(totals["cost"].sum())}
    for f in alloc.scenario.footprints:
        fw = totals[f] * alloc.scenario.weight(f)
        par, g = _indices(fw)
        out[f"{f}_worst_{FOOTPRINT_UNIT_LABEL[f].lower()}"] = float(fw.max())
        out[f"{f}_max_to_mean"] = par
        out[f"{f}_gini"] = g
    return out


def frontier_table(
    scenario: Scenario,
    mask: str,
    sweep: Sweep,
    weights: Mapping[str, float],
    options: RebalanceOptions,
    progress: Callable[[int, str], None] | None = None,
) -> pd.DataFrame:
    """One row per point of ``sweep``: status, cost, worst site and indices;
    ``progress(done, label)`` is called before each point is solved."""
    import pandas as pd

    from fairwatt.balancing.solve import solve

    rows = []
    for i, v in enumerate(sweep.values):
        obj = sweep_objective(sweep, v, weights)
        if progress is not None:
            progress(i, obj.name)
        row: dict[str, Any] = {"parameter": f"{sweep.kind}:{sweep.footprint}", "value": v}
        try:
            alloc = solve(scenario, obj, mask, method=options.method, tolerance=options.tolerance)
        except InfeasibleError:
            row["status"] = "infeasible"
            rows.append(row)
            continue
        row["status"] = "optimal"
        row.update(_summary_numbers(alloc))
        rows.append(row)
    return pd.DataFrame(rows)


def _inequity_rows(o: Outcome, base_totals: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    import numpy as np

    sc = o.allocation.scenario
    totals = o.allocation.site_totals()
    rows = []
    for f in sc.footprints:
        fw = totals[f] * sc.weight(f)
        par, g = _indices(fw)
        par0, g0 = _indices(base_totals[f] * sc.weight(f))
        rows.append(
            {
                "objective": o.name,
                "footprint": f,
                "unit": FOOTPRINT_UNIT_LABEL[f],
                "total": float(totals[f].sum()),
                "mean_site": float(fw.mean()),
                "worst_site": sc.sites[int(np.argmax(fw))],
                "worst": float(fw.max()),
                "max_to_mean": par,
                "gini": g,
                "max_to_mean_before": par0,
                "gini_before": g0,
            }
        )
    return rows


def result_tables(outcomes: list[Outcome], baseline: Outcome) -> dict[str, pd.DataFrame]:
    import pandas as pd

    sc = baseline.allocation.scenario
    base_totals = baseline.allocation.site_totals()
    base_cost = float(base_totals["cost"].sum())
    summary, inequity, sites = [], [], []
    for o in outcomes:
        a = o.allocation
        totals = a.site_totals()
        cost = float(totals["cost"].sum())
        row: dict[str, Any] = {
            "objective": o.name,
            "mask": a.network.mask_name,
            "method": a.method,
            "objective_value": a.value,
            "gap_to_optimum_pct": 100.0 * o.gap,
            "cost_usd": cost,
            "cost_change_pct": 100.0 * (cost - base_cost) / base_cost if base_cost else math.nan,
        }
        for f in sc.footprints:
            row[f"{f}_max_to_mean"] = _indices(totals[f] * sc.weight(f))[0]
        summary.append(row)
        inequity += _inequity_rows(o, base_totals)
        for i, s in enumerate(sc.sites):
            rec: dict[str, Any] = {"objective": o.name, "site": s}
            for key, col in TOTAL_COLUMNS.items():
                if key in totals:
                    rec[col] = float(totals[key][i])
            rec["energy_change_mwh"] = float(totals["energy"][i] - base_totals["energy"][i])
            sites.append(rec)
    return {
        "summary": pd.DataFrame(summary),
        "inequity": pd.DataFrame(inequity),
        "sites": pd.DataFrame(sites),
    }
