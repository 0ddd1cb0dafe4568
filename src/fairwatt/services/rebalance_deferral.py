"""Deferrable load in the rebalancing service: options, tables and the allocation split.

:func:`apply_flexibility` puts the deferrable share and maximum delay of the call (or the
scenario file's ``[flexibility]``) on the scenario; :func:`deferral_tables` reports, per
objective, how much energy waited and how long, and the hourly arriving and served
energy; :func:`arrival_allocation` splits an allocation by arrival and serving hour. The
model is in :mod:`fairwatt.balancing.deferral`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError
from fairwatt.services.rebalance_units import UnitSystem, energy_unit

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.balancing.scenario import Scenario
    from fairwatt.services.rebalance_types import LoadedScenario, Outcome, RebalanceOptions


def apply_flexibility(
    loaded: LoadedScenario, options: RebalanceOptions, notes: list[str]
) -> LoadedScenario:
    """``loaded`` with the deferral of ``options`` (``deferrable``, ``max_delay``).

    A value given in the options applies to every gateway except the scenario's
    ``rigid_gateways`` (the fixed load of a what-if), replacing the file's default and
    per-gateway values; an omitted one keeps the file's (0 without ``[flexibility]``).
    """
    import numpy as np

    from fairwatt.balancing.scenario import Flexibility

    sc = loaded.scenario
    if options.deferrable is None and options.max_delay is None:
        return loaded
    base = sc.flexibility or Flexibility.uniform(0.0, 0, sc.n_gateways)
    given = Flexibility(
        np.array([0.0 if options.deferrable is None else options.deferrable]),
        np.array([0 if options.max_delay is None else options.max_delay]),
    )  # checks the values, naming the option
    movable = np.array([g not in loaded.rigid_gateways for g in sc.gateways])
    share = base.share.copy()
    delay = base.max_delay.copy()
    if options.deferrable is not None:
        share[movable] = given.share[0]
    if options.max_delay is not None:
        delay[movable] = given.max_delay[0]
    share[~movable] = 0.0
    delay[~movable] = 0
    flex = Flexibility(share, delay)
    if (share > 0).any() and not (delay[share > 0] > 0).any():
        notes.append("a deferrable share is given but the maximum delay is 0: nothing may wait")
    elif (delay > 0).any() and not (share[delay > 0] > 0).any():
        notes.append("a maximum delay is given but the deferrable share is 0: nothing may wait")
    return dataclasses.replace(loaded, scenario=sc.with_flexibility(flex))


def scenario_for(loaded: LoadedScenario, objective: str) -> Scenario:
    """The scenario an objective is solved on: the observed status quo of a what-if is
    served as observed (no load waits); every other objective may defer."""
    if loaded.status_quo and objective == "status-quo":
        return loaded.scenario.with_flexibility(None)
    return loaded.scenario


def refuse_online(loaded: LoadedScenario) -> None:
    """Online eGLB routes hour by hour and cannot hold load back: refuse deferral."""
    flex = loaded.scenario.flexibility
    if flex is not None and flex.active:
        raise InputError(
            f"online eGLB routes hour by hour and cannot defer load (deferrable share up "
            f"to {flex.share.max():g}, maximum delay {int(flex.max_delay.max())} h)",
            hint="give deferrable 0, or run without online",
        )


def _hours(outcome: Outcome) -> Any:
    import numpy as np
    import pandas as pd

    sc = outcome.allocation.scenario
    if sc.hours is not None and np.issubdtype(np.asarray(sc.hours).dtype, np.datetime64):
        return pd.DatetimeIndex(sc.hours).tz_localize("UTC")
    return pd.RangeIndex(sc.n_hours)


def deferral_tables(outcomes: Sequence[Outcome]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per objective, the deferred energy and delays; per objective and hour, the energy
    arriving and served.

    Returns
    -------
    deferral : DataFrame
        ``objective``, ``deferrable_mwh`` (the share of demand that may wait),
        ``deferred_mwh`` (served after the hour it arrived), ``deferred_pct`` (of all
        demand), ``mean_delay_h`` (over the deferred energy; NaN when none waited),
        ``max_delay_h`` (longest delay used) [MWh, %, h].
    hourly : DataFrame
        ``objective``, ``hour`` (UTC start), ``arriving_mwh`` (demand arriving),
        ``served_mwh`` (energy served), ``backlog_mwh`` (deferrable energy waiting at
        the end of the hour) [MWh].
    """
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.deferral import group_flex, time_shift

    rows, parts = [], []
    for o in outcomes:
        a = o.allocation
        net = a.network
        shift = time_shift(net, a.flow)
        share, _ = group_flex(net)
        total = float(net.group_demand.sum())
        deferred = shift.deferred
        rows.append(
            {
                "objective": o.name,
                "deferrable_mwh": float((share[:, None] * net.group_demand).sum()),
                "deferred_mwh": deferred,
                "deferred_pct": 100.0 * deferred / total if total > 0 else math.nan,
                "mean_delay_h": shift.delay_hours / deferred if deferred > 1e-9 else math.nan,
                "max_delay_h": shift.max_delay(),
            }
        )
        arriving, served = shift.hourly()
        parts.append(
            pd.DataFrame(
                {
                    "objective": o.name,
                    "hour": _hours(o),
                    "arriving_mwh": arriving,
                    "served_mwh": served,
                    "backlog_mwh": np.clip(np.cumsum(arriving - served), 0.0, None),
                }
            )
        )
    hourly = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return pd.DataFrame(rows), hourly


def arrival_allocation(outcome: Outcome, max_rows: int) -> pd.DataFrame:
    """Allocation rows of one outcome by serving ``hour`` and ``arrival_hour``: site,
    gateway, energy_mwh [MWh]. The energy of arrival hour ``t`` served in hour ``tau``
    (first in, first out) is spread over the group's sites in proportion to what each
    serves in ``tau``, and over the group's gateways by their demand in ``t``."""
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.deferral import served_by_group, time_shift

    a = outcome.allocation
    net, sc = a.network, a.scenario
    hours = _hours(outcome)
    served = time_shift(net, a.flow).served  # (K, T, J)
    by_group = served_by_group(net, a.flow)  # (K, T)
    n_t, n_j = sc.n_hours, served.shape[2]
    split = n_t * n_j * net.n_routes * max(len(g) for g in net.groups) <= max_rows
    parts = []
    for k, members in enumerate(net.groups):
        routes = np.flatnonzero(net.route_group == k)
        t_a, j = np.nonzero(served[k] > 1e-12)
        tau = t_a + j
        frac = np.divide(
            a.flow[tau][:, routes],
            by_group[k, tau][:, None],
            out=np.zeros((tau.size, routes.size)),
            where=by_group[k, tau][:, None] > 0,
        )
        energy = served[k, t_a, j][:, None] * frac  # (P, Rk)
        p_i, r_i = np.nonzero(energy > 1e-12)
        e = energy[p_i, r_i]
        t_arr, t_srv = t_a[p_i], tau[p_i]
        if split:
            total = net.group_demand[k, t_arr]
            share = np.divide(
                sc.demand[members][:, t_arr], total, out=np.zeros((len(members), t_arr.size)),
                where=total > 0,
            )  # fmt: skip
            m_i, q_i = np.nonzero(share.T > 0)
            gw = np.array(sc.gateways, dtype=object)[members[q_i]]
            e, t_arr, t_srv, r_i = e[m_i] * share.T[m_i, q_i], t_arr[m_i], t_srv[m_i], r_i[m_i]
        else:
            gw = np.full(e.size, net.group_label(k), dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "objective": outcome.name,
                    "hour": hours[t_srv],
                    "arrival_hour": hours[t_arr],
                    "site": np.array(sc.sites, dtype=object)[net.route_site[routes][r_i]],
                    "gateway": gw,
                    "energy_mwh": e,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def delay_summary(table: pd.DataFrame, units: UnitSystem = "paper") -> list[str]:
    """One note per objective: deferred energy (in the energy unit of ``units``; the
    table in MWh), its share and the delays used."""
    unit, factor = energy_unit(units)
    notes = []
    for _, r in table.iterrows():
        if r["deferred_mwh"] > 1e-9:
            notes.append(
                f"{r['objective']}: {factor * r['deferred_mwh']:.3f} {unit} "
                f"({r['deferred_pct']:.2f} % "
                f"of demand) served later, {r['mean_delay_h']:.2f} h on average, at most "
                f"{int(r['max_delay_h'])} h"
            )
    return notes
