"""What eGLB and the baselines would have done with the load of energy logs.

The observed hourly energy of each site is the status quo; a share of it may move to
other sites within capacity. The logs are read and joined with factors by the audit
(:func:`fairwatt.services.audit.site_hour_table`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fairwatt import units
from fairwatt.errors import InputError
from fairwatt.services.rebalance import (
    LoadedScenario,
    RebalanceOptions,
    RebalanceResult,
    solve_scenario,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.scenario import Scenario
    from fairwatt.services.audit import AuditOptions
    from fairwatt.services.rebalance_tables import Progress


def _check(flexible: float, headroom: float, capacity_kw: float | None) -> None:
    if not (math.isfinite(flexible) and 0.0 <= flexible <= 1.0):
        raise InputError(f"flexible {flexible:g}: give a share between 0 and 1 (e.g. 0.3)")
    if not (math.isfinite(headroom) and headroom >= 1.0):
        raise InputError(f"headroom {headroom:g}: give a factor of at least 1 (e.g. 1.2)")
    if capacity_kw is not None and not (math.isfinite(capacity_kw) and capacity_kw > 0):
        raise InputError("capacity_kw must be a positive number of kW")


def _capacity(
    sites: list[str],
    site_info: pd.DataFrame,
    energy: np.ndarray,
    headroom: float,
    capacity_kw: float | None,
) -> tuple[np.ndarray, dict[str, int]]:
    """Capacity per site [MWh per hour], and how many sites got it from each source."""
    import numpy as np
    import pandas as pd

    peak = energy.max(axis=1)
    info = site_info.set_index("site") if "site" in site_info.columns else site_info
    cap_site = np.empty(len(sites))
    sources = {"given": 0, "sites table": 0, "peak x headroom": 0}
    for i, s in enumerate(sites):
        known = info["capacity_kw"].get(s) if "capacity_kw" in info.columns else None
        if capacity_kw is not None:
            cap_site[i], src = capacity_kw / units.KWH_PER_MWH, "given"
        elif known is not None and not pd.isna(known):
            cap_site[i], src = float(known) / units.KWH_PER_MWH, "sites table"
        else:
            cap_site[i], src = peak[i] * headroom, "peak x headroom"
        sources[src] += 1
    return cap_site, sources


@dataclass
class _Grids:
    """The audit's site-hour rows as (site, hour) arrays."""

    sites: list[str]
    hours: pd.DatetimeIndex
    energy: np.ndarray  # IT energy [MWh]
    present: np.ndarray  # bool: the site-hour has records
    price: np.ndarray  # [US$/MWh of IT energy]
    intensity: dict[str, np.ndarray]  # per MWh of IT energy
    notes: list[str]
    priced: bool  # prices are known for every site-hour


def _grids(rows: pd.DataFrame, per_kwh: pd.DataFrame, which: list[str]) -> _Grids:
    import numpy as np
    import pandas as pd

    sites = sorted(rows["site"].unique())
    hours = pd.DatetimeIndex(sorted(rows["hour"].unique()))
    r_i = rows["site"].map({s: i for i, s in enumerate(sites)}).to_numpy()
    t_i = pd.Series(np.arange(len(hours)), index=hours).loc[rows["hour"]].to_numpy()
    shape = (len(sites), len(hours))

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape)
        np.add.at(out, (r_i, t_i), values)
        return out

    def per_kwh_grid(column: str, scale: float = 1.0) -> np.ndarray:
        values = per_kwh.get(column, pd.Series(0.0, index=rows.index)).to_numpy()
        return grid(values * scale)

    present = np.zeros(shape, dtype=bool)
    present[r_i, t_i] = True
    notes: list[str] = []
    priced = "price_usd_per_mwh" in rows and bool(rows["price_usd_per_mwh"].notna().all())
    if priced:
        price = grid(rows["pue"].to_numpy() * rows["price_usd_per_mwh"].to_numpy())
    else:
        price = np.zeros(shape)
        notes.append(
            "no energy price factor (price_usd_per_mwh) for every site-hour: costs are "
            "unknown (0 in the tables): the default objectives leave out min-cost and eglb "
            "weighs the worst sites' footprints only (no cost weight)"
        )
    intensity = {
        "carbon": per_kwh_grid("carbon_kg"),
        "water": per_kwh_grid("water_l"),
        "health": per_kwh_grid("health_usd", units.KWH_PER_MWH),
    }
    return _Grids(
        sites=sites,
        hours=hours,
        energy=grid(rows["energy_kwh"].to_numpy()) / units.KWH_PER_MWH,
        present=present,
        price=price,
        intensity={f: v for f, v in intensity.items() if f in which},
        notes=notes,
        priced=priced,
    )


def _capacity_grid(
    cap_site: np.ndarray, energy: np.ndarray, present: np.ndarray, notes: list[str]
) -> np.ndarray:
    """Capacity per site and hour [MWh]: raised to the observed energy where that is
    higher, zero where a site-hour has no records (no factors were joined for it)."""
    import numpy as np

    capacity = np.repeat(cap_site[:, None], energy.shape[1], axis=1)
    raised = capacity < energy
    if raised.any():
        notes.append(
            f"{int(raised.any(axis=1).sum())} site(s) ran above the capacity used in some "
            "hours; their capacity is raised to the observed energy there"
        )
        capacity = np.maximum(capacity, energy)
    if (~present).any():
        capacity[~present] = 0.0
        notes.append(
            f"{int((~present).sum())} site-hours without records cannot receive load "
            "(no factors were joined for them)"
        )
    return capacity


def _scenario(g: _Grids, capacity: np.ndarray, flexible: float) -> Scenario:
    """Every site is a gateway for its flexible share; ``"<site> (fixed)"`` gateways,
    served only by their own site, carry the rest."""
    import numpy as np

    from fairwatt.balancing.scenario import Scenario

    n = len(g.sites)
    return Scenario(
        sites=tuple(g.sites),
        gateways=(*g.sites, *(f"{s} (fixed)" for s in g.sites)),
        capacity=capacity,
        demand=np.vstack([flexible * g.energy, (1.0 - flexible) * g.energy]),
        price=g.price,
        intensity=g.intensity,
        masks={"flexible": np.hstack([np.ones((n, n), dtype=bool), np.eye(n, dtype=bool)])},
        nearest=np.concatenate([np.arange(n), np.arange(n)]),
        hours=g.hours.tz_convert("UTC").tz_localize(None).to_numpy(),
    )


def scenario_from_logs(
    logs: Sequence[str],
    audit_options: AuditOptions,
    *,
    flexible: float = 0.3,
    headroom: float = 1.0,
    capacity_kw: float | None = None,
    progress: Progress | None = None,
) -> LoadedScenario:
    """A scenario whose status quo is the observed hourly energy of each site.

    The log is reduced and joined with factors by the audit
    (:func:`fairwatt.services.audit.site_hour_table`); every site is also a gateway.
    In each hour a share ``flexible`` of each site's load may move to any site the mask
    allows; the rest stays (a gateway ``"<site> (fixed)"`` that only its own site
    serves). The nearest-site allocation is therefore the status quo.

    Intensities are per kWh of IT energy, as the audit computes footprints: carbon
    ``PUE × CI``, water ``WUE + PUE × EWIF`` (or the combined total intensity),
    health ``PUE × damage``, price ``PUE × price`` (the factor ``price_usd_per_mwh``;
    without it for every site-hour the cost is zero and the scenario is not ``priced``:
    the default objectives leave out ``min-cost`` and eglb has no cost weight, with a
    note).

    Parameters
    ----------
    logs : sequence of str
        Energy logs, as for the audit.
    audit_options : AuditOptions
        Reader, sites, factors and footprints (``by`` is ignored).
    flexible : float, default 0.3
        Share of each hour's load that may move. [dimensionless, 0..1]
    headroom : float, default 1.0
        Capacity of a site without a known capacity: its observed peak hourly energy
        times this. [dimensionless, >= 1]
    capacity_kw : float, optional
        IT capacity of every site, overriding the sites table. [kW]
    progress : callable, optional
        ``progress(message, fraction_done_or_None)`` while the log is read and joined.

    Raises
    ------
    InputError
        On invalid parameters; the audit's errors (missing factors: exit 3) pass through.
    """
    from fairwatt.schema import FOOTPRINTS
    from fairwatt.services.audit import footprints, site_hour_table

    _check(flexible, headroom, capacity_kw)
    opts = dataclasses.replace(
        audit_options, extra_factors=(*audit_options.extra_factors, "price_usd_per_mwh")
    )
    rows, _resolved, reduced, site_info, chosen, chosen_notes = site_hour_table(
        list(logs), opts, progress
    )
    which = [f for f in chosen if f in FOOTPRINTS]
    per_kwh = footprints(rows.assign(energy_kwh=1.0), which, opts.water_model)
    g = _grids(rows, per_kwh, which)
    notes = [*chosen_notes, *g.notes]
    cap_site, sources = _capacity(g.sites, site_info, g.energy, headroom, capacity_kw)
    capacity = _capacity_grid(cap_site, g.energy, g.present, notes)
    notes.append(
        f"what-if: {100 * flexible:g} % of each site's hourly load may move; capacity: "
        + ", ".join(f"{n} {k}" for k, n in sources.items() if n)
        + f" (headroom {headroom:g})"
    )
    return LoadedScenario(
        scenario=_scenario(g, capacity, flexible),
        title=f"what-if on {', '.join(Path(p).name for p in logs)}",
        path=", ".join(logs),
        mask="flexible",
        objectives=["status-quo", "min-cost", "eglb"] if g.priced else ["status-quo", "eglb"],
        notes=notes,
        source={"logs": list(logs), "records": reduced.records},
        baseline="status-quo",
        status_quo=True,
        rigid_gateways=tuple(f"{s} (fixed)" for s in g.sites),
        priced=g.priced,
    )


def run_whatif(
    logs: Sequence[str],
    audit_options: AuditOptions,
    options: RebalanceOptions | None = None,
    *,
    flexible: float = 0.3,
    headroom: float = 1.0,
    capacity_kw: float | None = None,
    progress: Progress | None = None,
) -> RebalanceResult:
    """Rebalance the load of energy logs (see :func:`scenario_from_logs`).

    ``options.mask`` ``full`` (default) lets the flexible share go to any site;
    ``nearest`` keeps everything in place (the status quo). The other options are those
    of :func:`fairwatt.services.rebalance.rebalance`; ``options.deferrable`` and
    ``options.max_delay`` apply to the flexible share of each site's load (the fixed
    rest is served where and when it was observed). ``progress``: as for
    :func:`~fairwatt.services.rebalance.solve_scenario`.
    """
    loaded = scenario_from_logs(
        logs,
        audit_options,
        flexible=flexible,
        headroom=headroom,
        capacity_kw=capacity_kw,
        progress=progress,
    )
    options = options or RebalanceOptions()
    if options.mask in (None, "full"):
        options = dataclasses.replace(options, mask="flexible")
    return solve_scenario(loaded, options, progress=progress)


__all__ = ["run_whatif", "scenario_from_logs"]
