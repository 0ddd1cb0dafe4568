"""Equity-aware geographical load balancing: formulation and solvers (no I/O).

* :mod:`~fairwatt.balancing.scenario` — :class:`Scenario` (sites, gateways, hourly
  capacity, demand, price and footprint intensities, masks) and :class:`Network`
  (gateways grouped by reachable sites, routes);
* :mod:`~fairwatt.balancing.objectives` — :class:`Objective` and :class:`Limit`:
  baselines, eGLB-Off and constraint forms, and their command-line spelling;
* :mod:`~fairwatt.balancing.solve` — :func:`solve` (sparse LP with HiGHS, per-hour
  routing, or the decomposition) and :class:`Allocation`;
* :mod:`~fairwatt.balancing.decompose` — Lagrangian decomposition with a certified gap;
* :mod:`~fairwatt.balancing.online` — online eGLB by dual mirror descent.

Import from the submodules; heavy dependencies (SciPy, HiGHS) load with them, not with
this package.
"""
