"""Helpers shared by the balancing tests: small random scenarios and an independent
dense LP formulation used as a reference."""

from __future__ import annotations

import numpy as np

from fairwatt.balancing.scenario import Scenario


def random_scenario(
    rng: np.random.Generator,
    n_sites: int,
    n_gateways: int,
    n_hours: int,
    *,
    load: float = 0.6,
    mask_density: float = 1.0,
    footprints: tuple[str, ...] = ("carbon", "water"),
) -> Scenario:
    """A feasible random scenario: every gateway reaches its own site (index g mod S),
    demand is at most ``load`` of the capacity its sites offer."""
    cap = rng.uniform(0.5, 2.0, size=(n_sites, n_hours))
    mask = rng.random((n_sites, n_gateways)) < mask_density
    nearest = np.arange(n_gateways) % n_sites
    mask[nearest, np.arange(n_gateways)] = True
    # demand of each gateway bounded by a share of its nearest site's capacity, so every
    # hour is feasible whatever the mask
    share = np.bincount(nearest, minlength=n_sites)[nearest]
    demand = rng.uniform(0.0, load, size=(n_gateways, n_hours)) * cap[nearest] / share[:, None]
    intensity = {
        "carbon": rng.uniform(0.05, 0.9, size=(n_sites, n_hours)),
        "water": rng.uniform(0.5, 8.0, size=(n_sites, n_hours)),
        "health": rng.uniform(5.0, 90.0, size=(n_sites, n_hours)),
    }
    return Scenario(
        sites=[f"s{i}" for i in range(n_sites)],
        gateways=[f"g{j}" for j in range(n_gateways)],
        capacity=cap,
        demand=demand,
        price=rng.uniform(20.0, 200.0, size=(n_sites, n_hours)),
        intensity={f: intensity[f] for f in footprints},
        masks={"random": mask},
        nearest=nearest,
    )


def reference_value(scenario: Scenario, objective, mask: np.ndarray) -> float | None:
    """Optimal value by an independent dense LP with one variable per (hour, site,
    gateway); None when infeasible. Written separately from fairwatt's formulation (no
    gateway merging, no footprint variables, ratio limits written out pairwise)."""
    from scipy.optimize import linprog

    n_s, n_g, n_t = scenario.n_sites, scenario.n_gateways, scenario.n_hours
    n_x = n_t * n_s * n_g

    def xi(t: int, s: int, g: int) -> int:
        return (t * n_s + s) * n_g + g

    worst = list(objective.worst)
    gini_limits = [lim for lim in objective.limits if lim.kind == "gini"]
    n_pairs = n_s * (n_s - 1) // 2
    n = n_x + len(worst) + n_pairs * len(gini_limits)
    c = np.zeros(n)
    bounds = [(0.0, None)] * n
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []

    def footprint_row(f: str, s: int) -> np.ndarray:
        row = np.zeros(n)
        w = scenario.weight(f)[s]
        for t in range(n_t):
            for g in range(n_g):
                row[xi(t, s, g)] = w * scenario.intensity[f][s, t]
        return row

    for t in range(n_t):
        for s in range(n_s):
            for g in range(n_g):
                i = xi(t, s, g)
                c[i] = objective.cost * scenario.price[s, t]
                for f, mu in objective.mean.items():
                    c[i] += mu / n_s * scenario.weight(f)[s] * scenario.intensity[f][s, t]
                if not mask[s, g]:
                    bounds[i] = (0.0, 0.0)
        for g in range(n_g):
            row = np.zeros(n)
            for s in range(n_s):
                row[xi(t, s, g)] = 1.0
            a_eq.append(row)
            b_eq.append(scenario.demand[g, t])
        for s in range(n_s):
            row = np.zeros(n)
            for g in range(n_g):
                row[xi(t, s, g)] = 1.0
            a_ub.append(row)
            b_ub.append(scenario.capacity[s, t])
    for j, f in enumerate(worst):
        c[n_x + j] = objective.worst[f]
        for s in range(n_s):
            row = footprint_row(f, s)
            row[n_x + j] = -1.0
            a_ub.append(row)
            b_ub.append(0.0)
    d0 = n_x + len(worst)
    for lim in objective.limits:
        rows = [footprint_row(lim.footprint, s) for s in range(n_s)]
        if lim.kind == "worst":
            for r in rows:
                a_ub.append(r)
                b_ub.append(lim.bound)
        elif lim.kind == "ratio":
            total = np.sum(rows, axis=0)
            for r in rows:
                a_ub.append(r - lim.bound / n_s * total)
                b_ub.append(0.0)
        else:
            k = 0
            sum_row = np.zeros(n)
            for i in range(n_s):
                for j in range(i + 1, n_s):
                    for sign in (1.0, -1.0):
                        r = sign * (rows[i] - rows[j])
                        r[d0 + k] = -1.0
                        a_ub.append(r)
                        b_ub.append(0.0)
                    sum_row[d0 + k] = 1.0
                    k += 1
            a_ub.append(sum_row - lim.bound * n_s * np.sum(rows, axis=0))
            b_ub.append(0.0)
            d0 += n_pairs
    res = linprog(
        c,
        A_ub=np.array(a_ub),
        b_ub=np.array(b_ub),
        A_eq=np.array(a_eq),
        b_eq=np.array(b_eq),
        bounds=bounds,
        method="highs",
    )
    if res.status == 2:
        return None
    assert res.status == 0, res.message
    return float(res.fun)
