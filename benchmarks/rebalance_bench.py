"""Build + solve time and peak memory of ``fairwatt rebalance``'s optimiser.

    python benchmarks/rebalance_bench.py                 # default set (about 1-2 minutes)
    python benchmarks/rebalance_bench.py --cvxpy-loop    # + the LP built constraint by
                                                         #   constraint in cvxpy (~2 min)
    python benchmarks/rebalance_bench.py --monolithic-200  # + the 200-site LP in one piece
    python benchmarks/rebalance_bench.py --cases r6-lp,scale-50-decomposition

Every case runs in its own child process, so the peak resident memory printed (the
child's ``ru_maxrss``) is that case's alone; it includes the Python interpreter and the
imported libraries (the ``idle`` case shows that floor).

Cases
-----
* ``r6-*``: the R6 benchmark of the eGLB paper (``sample_inputs/eglb``), full mask,
  eGLB-Off with weights 1 / 60 / 1500 (objective 623,661.3525):
  ``r6-lp`` fairwatt's LP (gateways reaching the same sites merged: 457 × 10 flows),
  ``r6-lp-routes`` the same without merging (457 hours × 100 routes),
  ``r6-cvxpy`` the same LP written with vectorised cvxpy expressions and solved by HiGHS
  through cvxpy, ``r6-cvxpy-loop`` written constraint by constraint in Python loops, as
  research code often does (optional, slow).
* ``scale-N-*``: synthetic full-mask scenarios of N = 10, 50, 200 sites × 8760 hours
  (one gateway per site, demand split equally; hourly price, carbon and water with a
  daily cycle and noise around per-site levels; capacity 1 MWh per site and hour; total
  demand half the capacity on average; seed 0), eGLB-Off 1 / 60 / 1500:
  ``decomposition`` (Lagrangian dual with a certified gap, tolerance 1e-4),
  ``lp`` (one monolithic LP with HiGHS), ``cvxpy`` (the monolithic LP built with cvxpy).

* ``deferral-*``: deferrable load (``docs/rebalance.md``), share 0.3 with a maximum
  delay of 4 h, eGLB-Off 1 / 60 / 1500, exact LP with HiGHS (the value is optimal, so
  the certified gap is HiGHS's own optimality tolerance):
  ``deferral-r6-partial`` the R6 benchmark on its partial mask, ``deferral-r6-phi0`` the
  same with share 0 (must give 629,943.21), ``deferral-scale-50`` the 50-site ×
  8760-hour synthetic scenario (one gateway group) as one LP, ``deferral-scale-50-d24``
  the same with a 24-hour delay, ``deferral-ring-20`` 20 sites × 730 hours (a month)
  where each gateway reaches its own site and the next four (20 gateway groups, 100
  routes), and ``ring-20-lp`` the same without deferral: many gateway groups make the
  monolithic LP slow (a year of this ring did not finish in 9 minutes with deferral).

cvxpy is in the ``bench`` extra (``pip install -e '.[bench]'``); without it the cvxpy
cases print a message and are skipped.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "sample_inputs" / "eglb" / "scenario.toml"
WEIGHTS = {"water": 60.0, "carbon": 1500.0}
R6_OPTIMUM = 623_661.3525

DEFAULT_CASES = [
    "idle",
    "r6-lp",
    "r6-lp-routes",
    "r6-cvxpy",
    "scale-10-decomposition",
    "scale-10-lp",
    "scale-50-decomposition",
    "scale-50-lp",
    "scale-50-cvxpy",
    "scale-200-decomposition",
    "deferral-r6-phi0",
    "deferral-r6-partial",
    "deferral-scale-50",
]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --------------------------------------------------------------------------- data


def synthetic(n_sites: int, n_hours: int = 8760, seed: int = 0, load: float = 0.5) -> Any:
    """A full-mask scenario with realistic-looking hourly series (see module docstring)."""
    import numpy as np

    from fairwatt.balancing.scenario import Scenario

    rng = np.random.default_rng(seed)
    t = np.arange(n_hours)
    phase = rng.uniform(0, 24, n_sites)[:, None]
    day = np.sin(2 * np.pi * (t[None, :] + phase) / 24)
    price = rng.uniform(30, 200, (n_sites, 1)) * (1 + 0.25 * day)
    price = np.maximum(price + rng.normal(0, 5, (n_sites, n_hours)), 1.0)
    noise = rng.normal(0, 0.05, (2, n_sites, n_hours))
    carbon = rng.uniform(0.05, 0.8, (n_sites, 1)) * (1 + 0.2 * day) * np.exp(noise[0])
    water = rng.uniform(0.5, 9.0, (n_sites, 1)) * (1 + 0.3 * day) * np.exp(noise[1])
    total = load * n_sites * (1 + 0.3 * np.sin(2 * np.pi * t / 24)) * rng.uniform(0.9, 1.1, n_hours)
    return Scenario(
        sites=[f"s{i:03d}" for i in range(n_sites)],
        gateways=[f"g{i:03d}" for i in range(n_sites)],
        capacity=1.0,
        demand=np.tile(total / n_sites, (n_sites, 1)),
        price=price,
        intensity={"carbon": carbon, "water": water},
    )


def _ring(scenario: Any, width: int) -> Any:
    """``scenario`` with a mask ``ring``: gateway g reaches sites g, g+1, ..., g+width-1
    (mod S)."""
    import dataclasses

    import numpy as np

    n = scenario.n_sites
    mask = np.zeros((n, n), dtype=bool)
    for g in range(n):
        mask[(g + np.arange(width)) % n, g] = True
    return dataclasses.replace(scenario, masks={"ring": mask})


def _r6() -> Any:
    from fairwatt.services.rebalance import load_scenario

    return load_scenario(SCENARIO).scenario


# --------------------------------------------------------------------------- cases


def _fairwatt_lp(scenario: Any, merge: bool) -> dict[str, Any]:
    from fairwatt.balancing.lp import build_lp, run_highs
    from fairwatt.balancing.objectives import eglb
    from fairwatt.balancing.scenario import compile_network

    t0 = time.perf_counter()
    network = compile_network(scenario, "full", merge=merge)
    lp = build_lp(network, eglb(WEIGHTS))
    t1 = time.perf_counter()
    res = run_highs(lp)
    t2 = time.perf_counter()
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "value": res.value,
        "detail": f"{lp.n_vars:,} variables, {lp.nnz:,} nonzeros",
    }


def _decomposition(scenario: Any) -> dict[str, Any]:
    from fairwatt.balancing.objectives import eglb
    from fairwatt.balancing.solve import solve

    t0 = time.perf_counter()
    alloc = solve(scenario, eglb(WEIGHTS), "full", method="decomposition", tolerance=1e-4)
    total = time.perf_counter() - t0
    info = alloc.info
    return {
        "build_s": 0.0,
        "solve_s": total,
        "value": alloc.value,
        "lower_bound": alloc.lower_bound,
        "gap": alloc.gap,
        "detail": (
            f"{info['iterations']} iterations, {info['columns']} columns, "
            f"{info['blocks']} blocks; oracle {info['oracle_seconds']:.1f} s, "
            f"master {info['master_seconds']:.1f} s"
        ),
    }


def _cvxpy_vectorised(scenario: Any, merge: bool) -> dict[str, Any]:
    """The eGLB-Off LP through cvxpy, vectorised: x[route, hour]."""
    import cvxpy as cp
    import numpy as np
    import scipy.sparse as sp

    sc = scenario
    n_s, n_t = sc.n_sites, sc.n_hours
    t0 = time.perf_counter()
    if merge:  # full mask: one gateway group, one route per site
        n_g = 1
        demand = sc.demand.sum(axis=0, keepdims=True)
    else:
        n_g = sc.n_gateways
        demand = sc.demand
    n_r = n_s * n_g  # route index = site * n_g + gateway
    site_of = np.repeat(np.arange(n_s), n_g)
    gw_of = np.tile(np.arange(n_g), n_s)
    to_site = sp.csr_array((np.ones(n_r), (site_of, np.arange(n_r))), shape=(n_s, n_r))
    to_gw = sp.csr_array((np.ones(n_r), (gw_of, np.arange(n_r))), shape=(n_g, n_r))
    x = cp.Variable((n_r, n_t), nonneg=True)
    price = sc.price[site_of]
    water = sc.intensity["water"][site_of]
    carbon = sc.intensity["carbon"][site_of]
    site_water = to_site @ cp.sum(cp.multiply(water, x), axis=1)
    site_carbon = to_site @ cp.sum(cp.multiply(carbon, x), axis=1)
    objective = (
        cp.sum(cp.multiply(price, x))
        + WEIGHTS["water"] * cp.max(site_water)
        + WEIGHTS["carbon"] * cp.max(site_carbon)
    )
    problem = cp.Problem(cp.Minimize(objective), [to_site @ x <= sc.capacity, to_gw @ x == demand])
    problem.get_problem_data(cp.HIGHS)
    t1 = time.perf_counter()
    problem.solve(solver=cp.HIGHS)
    t2 = time.perf_counter()
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "value": float(problem.value),
        "detail": f"cvxpy {cp.__version__}, {x.size:,} flow variables",
    }


def _cvxpy_loop(scenario: Any) -> dict[str, Any]:
    """The eGLB-Off LP through cvxpy with one Python-level constraint per hour and
    site, per hour and gateway, and per variable (route x hour)."""
    import cvxpy as cp
    import numpy as np

    sc = scenario
    n_s, n_g, n_t = sc.n_sites, sc.n_gateways, sc.n_hours
    t0 = time.perf_counter()
    x = cp.Variable((n_s * n_g, n_t))  # row = site * n_g + gateway
    rep = np.repeat(np.arange(n_s), n_g)
    price = sc.price[rep]
    water = sc.intensity["water"][rep]
    carbon = sc.intensity["carbon"][rep]
    energy_cost = cp.sum(cp.multiply(x, price))
    w_site = cp.sum(
        cp.reshape(cp.sum(cp.multiply(x, water), axis=1), (n_s, n_g), order="C"), axis=1
    )
    c_site = cp.sum(
        cp.reshape(cp.sum(cp.multiply(x, carbon), axis=1), (n_s, n_g), order="C"), axis=1
    )
    constraints = []
    for t in range(n_t):
        for j in range(n_s):
            constraints.append(cp.sum(x[j * n_g : (j + 1) * n_g, t]) <= sc.capacity[j, t])
        for g in range(n_g):
            constraints.append(cp.sum(x[g::n_g, t]) == sc.demand[g, t])
    for t in range(n_t):
        for r in range(n_s * n_g):
            constraints.append(x[r, t] >= 0)
    objective = (
        energy_cost
        + WEIGHTS["water"] * cp.norm(w_site, "inf")
        + WEIGHTS["carbon"] * cp.norm(c_site, "inf")
    )
    problem = cp.Problem(cp.Minimize(objective), constraints)
    problem.get_problem_data(cp.HIGHS)
    t1 = time.perf_counter()
    problem.solve(solver=cp.HIGHS)
    t2 = time.perf_counter()
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "value": float(problem.value),
        "detail": f"{len(constraints):,} constraints built one by one",
    }


def _deferral(scenario: Any, mask: str, share: float, delay: int) -> dict[str, Any]:
    from fairwatt.balancing.deferral import time_shift
    from fairwatt.balancing.objectives import eglb
    from fairwatt.balancing.scenario import Flexibility
    from fairwatt.balancing.solve import solve

    t0 = time.perf_counter()
    flex = scenario.with_flexibility(Flexibility.uniform(share, delay, scenario.n_gateways))
    alloc = solve(flex, eglb(WEIGHTS), mask)
    total = time.perf_counter() - t0
    shift = time_shift(alloc.network, alloc.flow)
    info = alloc.info
    return {
        "build_s": info.get("build_seconds", 0.0),
        "solve_s": total - info.get("build_seconds", 0.0),
        "value": alloc.value,
        "lower_bound": alloc.lower_bound,
        "gap": alloc.gap,
        "detail": (
            f"{alloc.method}, {info.get('variables', 0):,} variables, "
            f"{info.get('nonzeros', 0):,} nonzeros; deferred {shift.deferred:,.1f} MWh, "
            f"max violation {alloc.max_violation():.1e} MWh"
        ),
    }


def run_case(name: str) -> dict[str, Any]:
    if name == "idle":
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import scipy.optimize  # noqa: F401

        import fairwatt.balancing.solve  # noqa: F401

        return {"build_s": 0.0, "solve_s": 0.0, "value": None, "detail": "imports only"}
    if name.startswith("r6-"):
        scenario = _r6()
        if name == "r6-lp":
            return _fairwatt_lp(scenario, merge=True)
        if name == "r6-lp-routes":
            return _fairwatt_lp(scenario, merge=False)
        if name == "r6-decomposition":
            return _decomposition(scenario)
        if name == "r6-cvxpy":
            return _cvxpy_vectorised(scenario, merge=False)
        if name == "r6-cvxpy-loop":
            return _cvxpy_loop(scenario)
    if name == "deferral-r6-phi0":
        return _deferral(_r6(), "partial", 0.0, 4)
    if name == "deferral-r6-partial":
        return _deferral(_r6(), "partial", 0.3, 4)
    if name == "deferral-scale-50":
        return _deferral(synthetic(50), "full", 0.3, 4)
    if name == "deferral-scale-50-d24":
        return _deferral(synthetic(50), "full", 0.3, 24)
    if name == "deferral-ring-20":
        return _deferral(_ring(synthetic(20, n_hours=730), 5), "ring", 0.3, 4)
    if name == "ring-20-lp":
        return _deferral(_ring(synthetic(20, n_hours=730), 5), "ring", 0.0, 0)
    if name.startswith("scale-"):
        _, n, kind = name.split("-", 2)
        scenario = synthetic(int(n))
        if kind == "decomposition":
            return _decomposition(scenario)
        if kind == "lp":
            return _fairwatt_lp(scenario, merge=True)
        if kind == "cvxpy":
            return _cvxpy_vectorised(scenario, merge=True)
    raise SystemExit(f"unknown case {name!r}")


def _child(name: str) -> None:
    import scipy.optimize  # noqa: F401  (import time is not solve time)

    try:
        out = run_case(name)
    except ModuleNotFoundError as exc:
        out = {"skipped": f"{exc.name} is not installed (pip install -e '.[bench]')"}
    out["peak_mib"] = _peak_mib()
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", help="comma-separated case names (default: the standard set)")
    parser.add_argument("--cvxpy-loop", action="store_true", help="add r6-cvxpy-loop (slow)")
    parser.add_argument(
        "--monolithic-200", action="store_true", help="add scale-200-lp (about 2.3 GiB)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    cases = args.cases.split(",") if args.cases else list(DEFAULT_CASES)
    if args.cvxpy_loop:
        cases.append("r6-cvxpy-loop")
    if args.monolithic_200:
        cases.append("scale-200-lp")
    print(f"{'case':<26}{'build s':>9}{'solve s':>9}{'total s':>9}{'peak MiB':>10}  value / notes")
    for name in cases:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(f"{name:<26} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if "skipped" in r:
            print(f"{name:<26} skipped: {r['skipped']}")
            continue
        total = r["build_s"] + r["solve_s"]
        value = r.get("value")
        text = "" if value is None else f"{value:,.4f}"
        if name.startswith("r6-") and value is not None:
            text += f" (R6 {R6_OPTIMUM:,.4f}, rel. diff {value / R6_OPTIMUM - 1:+.1e})"
        if "gap" in r:
            text += f"; lower bound {r['lower_bound']:,.4f}, certified gap {100 * r['gap']:.4f} %"
        print(
            f"{name:<26}{r['build_s']:>9.3f}{r['solve_s']:>9.3f}{total:>9.3f}"
            f"{r['peak_mib']:>10.0f}  {text}"
        )
        print(f"{'':<26}{'':>37}  {r['detail']}")


if __name__ == "__main__":
    main()
