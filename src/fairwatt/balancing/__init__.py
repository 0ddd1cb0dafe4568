"""Equity-aware geographical load balancing: formulation and solvers (no I/O).

* :mod:`~fairwatt.balancing.scenario` — :class:`Scenario` (sites, gateways, hourly
  capacity, demand, price and footprint intensities, masks) and :class:`Network`
  (gateways grouped by reachable sites, routes);
* :mod:`~fairwatt.balancing.objectives` — :class:`Objective` and :class:`Limit`:
  baselines, eGLB-Off and constraint forms, and their text form (``eglb``,
  ``ratio:water=1.3``, ...);
* :mod:`~fairwatt.balancing.capacity` — can demand be served: the exact hourly
  max-flow shortfall and its bottleneck (infeasibility messages);
* :mod:`~fairwatt.balancing.deferral` — temporally deferrable load: the backlog rows
  of the LP and how an allocation shifted load in time;
* :mod:`~fairwatt.balancing.lp` — the sparse LP and its HiGHS run;
* :mod:`~fairwatt.balancing.allocation` — :class:`Allocation`, the result every solver
  returns;
* :mod:`~fairwatt.balancing.solve` — :func:`solve` (sparse LP with HiGHS, per-hour
  routing, or the decomposition);
* :mod:`~fairwatt.balancing.decompose` — Lagrangian decomposition with a certified gap;
* :mod:`~fairwatt.balancing.online` — online eGLB by dual mirror descent.

Import from the submodules; heavy dependencies (SciPy, HiGHS) load with them, not with
this package.
"""
