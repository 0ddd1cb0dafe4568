r"""The Lorenz curve of regional footprints and the concentration measures read off it.

:func:`lorenz_curve` gives the points; :func:`hoover_index` is the largest vertical
gap between the curve and the diagonal, :func:`top_k_share` one minus the curve at
``1 - k/n`` (unweighted). The inputs and the edge cases follow
:mod:`fairwatt.footprint_models.equity`, which re-exports every name here.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from fairwatt.footprint_models._equity_inputs import prepare

__all__ = ["LorenzCurve", "hoover_index", "lorenz_curve", "top_k_share"]

ArrayLike = npt.ArrayLike


def hoover_index(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Hoover index (Robin Hood index, Pietra ratio).

    .. math:: H = \frac12 \sum_i \left| \frac{w_i x_i}{\sum_j w_j x_j}
              - \frac{w_i}{W} \right|

    the share of the total that would have to move between regions to make the
    burden equal per unit of weight; range ``[0, 1 - 1/n]`` unweighted.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Weight of each region, e.g. its population; the even burden that the
        footprint is compared with is proportional to it. [any unit]

    Returns
    -------
    float
        Hoover index, the largest gap between the Lorenz curve and the diagonal.
        [dimensionless] NaN when every value is zero.

    References
    ----------
    .. [1] Hoover, E. M. (1936). The measurement of industrial localization. *Review of
       Economics and Statistics* 18(4), 162-171. :doi:`10.2307/1927875`
    """
    r = prepare(x, weights)
    if r.total == 0.0:
        return math.nan
    return float(0.5 * np.abs(r.w * r.x / r.total - r.w / r.w.sum()).sum())


def top_k_share(x: ArrayLike, k: int, weights: ArrayLike | None = None) -> float:
    r"""Share of the total borne by the ``k`` most burdened regions.

    .. math:: S_k = \frac{\sum_{i \in \mathrm{top}_k} w_i x_i}{\sum_i w_i x_i}

    where the top ``k`` are the regions with the largest ``x_i`` (per unit of weight
    when weighted, so with per-capita values and population weights this is the
    share of the absolute total); among equal values the larger weight counts first,
    so the result does not depend on the order of the regions. ``k >= n`` gives 1.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    k : int
        Number of regions, ``>= 1``.
    weights : array-like, optional
        Weight of each region. [any unit]

    Returns
    -------
    float
        Share in ``[k/n, 1]`` unweighted. [dimensionless] NaN when every value is zero.

    References
    ----------
    .. [1] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed., ch. 2 (shares).
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    arr, w, _, _ = prepare(x, weights)
    mass = w * arr
    total = float(mass.sum())
    if total == 0.0:
        return math.nan
    order = np.lexsort((-w, -arr))  # by value, ties towards the larger weight
    return min(float(mass[order[: int(k)]].sum() / total), 1.0)


class LorenzCurve(NamedTuple):
    """Points of a Lorenz curve, from (0, 0) to (1, 1)."""

    population_share: np.ndarray
    """Cumulative share of regions (or of weight), ascending. [dimensionless]"""
    value_share: np.ndarray
    """Cumulative share of the total footprint. [dimensionless]"""


def lorenz_curve(x: ArrayLike, weights: ArrayLike | None = None) -> LorenzCurve:
    r"""Lorenz curve points of regional footprints.

    Regions are sorted from least to most burdened; point ``i`` is
    ``(sum_{j<=i} w_j / W, sum_{j<=i} w_j x_j / sum_j w_j x_j)``, preceded by (0, 0).
    The Gini coefficient is twice the area between the curve and the diagonal.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region, the step of its point along the population
        axis; equal steps of ``1/n`` without weights. [any unit]

    Returns
    -------
    LorenzCurve
        ``n + 1`` points. When every value is zero the curve is undefined: the value
        shares after the origin are NaN.

    References
    ----------
    .. [1] Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
       *Publications of the American Statistical Association* 9(70), 209-219.
       :doi:`10.2307/2276207`
    """
    arr, w, _, _ = prepare(x, weights)
    order = np.argsort(arr, kind="stable")
    xs, ws = arr[order], w[order]
    pop = np.concatenate(([0.0], np.cumsum(ws) / ws.sum()))
    mass = np.cumsum(ws * xs)
    total = mass[-1]
    if total == 0.0:
        val = np.concatenate(([0.0], np.full(arr.size, np.nan)))
    else:
        val = np.concatenate(([0.0], mass / total))
    pop[-1] = 1.0
    if total != 0.0:
        val[-1] = 1.0
    return LorenzCurve(pop, val)
