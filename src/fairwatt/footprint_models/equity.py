r"""Inequity indices over regional footprints.

Every function takes the footprint borne by each region as a 1-D array-like
(list, tuple, NumPy array or pandas Series) of non-negative, finite numbers and
returns a plain ``float``. Functions that accept ``weights`` treat them as
population weights: region ``i`` stands for ``w_i`` people (or any other
non-negative mass), each bearing ``x_i``. Without weights every region counts once.

Defined behaviour at the edges (the same in every function):

* an empty input, a NaN, an infinite value or a negative value raises
  :class:`ValueError` naming the position (``x[3]``); footprints are non-negative;
* one region: every relative index takes its equality value (Gini 0, max/mean 1, ...),
  except the sample-form Gini, whose ``n / (n - 1)`` correction is undefined (NaN);
* all values equal and positive: equality values (0 for Gini, Theil, Atkinson, CV,
  Hoover; 1 for max/mean, max/min and Jain's index);
* all values zero: relative indices are undefined and return NaN (never a silent 0);
  :func:`equity_indices` reports the reason in its ``note``. Absolute quantities
  (:func:`lq_norm`) stay defined (0);
* a zero among positive values: ``max_to_min`` and ``theil_l`` are ``inf``;
  ``atkinson`` with ``epsilon >= 1`` is 1.

The input checks (:func:`check_values`, :func:`check_weights`) are written once in
``fairwatt.footprint_models._equity_inputs``; the Lorenz curve and the measures read
off it (:func:`hoover_index`, :func:`top_k_share`) live in
:mod:`fairwatt.footprint_models.lorenz`. Every name is importable from here.

References
----------
.. [1] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed. Oxford University Press.
   :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
.. [2] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally equitable
   AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
.. [3] Hajiesmaili, M., Ren, S., Sitaraman, R. K., Wierman, A. (2025). Towards
   environmentally equitable AI. Communications of the ACM. arXiv:2412.16539
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fairwatt.footprint_models._equity_inputs import check_values, check_weights, prepare
from fairwatt.footprint_models.lorenz import LorenzCurve, hoover_index, lorenz_curve, top_k_share

__all__ = [
    "GiniForm",
    "IndexResult",
    "LorenzCurve",
    "atkinson",
    "check_values",
    "check_weights",
    "coefficient_of_variation",
    "equity_indices",
    "gini",
    "hoover_index",
    "jain_index",
    "lorenz_curve",
    "lq_norm",
    "max_to_mean",
    "max_to_min",
    "theil_l",
    "theil_t",
    "top_k_share",
]

GiniForm = Literal["population", "sample"]
ArrayLike = npt.ArrayLike

#: Note attached to relative indices of an all-zero input.
UNDEFINED_ALL_ZERO = "undefined: all values are zero"
#: Why max/min and Theil L are infinite, and Atkinson (epsilon >= 1) is 1.
ZERO_REGION = "a region is at zero"

#: Short note naming the Gini form, attached to every Gini result.
GINI_FORM_NOTES: dict[str, str] = {
    "population": "population form",
    "sample": "sample form",
    "weighted": "population-weighted form",
}
#: The formula of each Gini form, for report notes.
GINI_FORM_FORMULAS: dict[str, str] = {
    "population": "population form, sum_i sum_j |x_i - x_j| / (2 n^2 mean)",
    "sample": "sample form, population form x n/(n-1)",
    "weighted": "population-weighted form, sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mean_w)",
}


# --------------------------------------------------------------------------- indices


def gini(
    x: ArrayLike,
    weights: ArrayLike | None = None,
    form: GiniForm = "population",
) -> float:
    r"""Gini coefficient of regional footprints.

    Population form (the default, as in [2]_ and [3]_):

    .. math:: G = \frac{\sum_i \sum_j w_i w_j |x_i - x_j|}{2 W^2 \mu_w},
              \quad W = \sum_i w_i, \quad \mu_w = \frac{1}{W}\sum_i w_i x_i

    with all ``w_i = 1`` when unweighted; its range is ``[0, 1 - 1/n]`` unweighted.
    The sample form multiplies the unweighted value by ``n / (n - 1)`` (range
    ``[0, 1]``) [4]_; it is not defined together with weights. Computed in
    ``O(n log n)`` from the sorted values.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region: the weighted Gini compares every pair of
        people (units of weight) rather than every pair of regions. [any unit]
    form : {"population", "sample"}, default "population"
        Which Gini to return.

    Returns
    -------
    float
        Gini coefficient. [dimensionless] NaN when every value is zero, and for the
        sample form with a single region.

    Raises
    ------
    ValueError
        On invalid values or weights, an unknown ``form``, or ``form="sample"`` with
        weights.

    References
    ----------
    .. [1] Gini, C. (1912). *Variabilità e mutabilità*. Tipografia di Paolo Cuppini,
       Bologna.
    .. [2] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally
       equitable AI via geographical load balancing. arXiv:2307.05494
    .. [3] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed.
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    .. [4] Deltas, G. (2003). The small-sample bias of the Gini coefficient. *Review of
       Economics and Statistics* 85(1), 226-234. :doi:`10.1162/rest.2003.85.1.226`
    """
    if form not in ("population", "sample"):
        raise ValueError(f"form must be 'population' or 'sample', got {form!r}")
    if form == "sample" and weights is not None:
        raise ValueError("the sample-form Gini is defined for unweighted values only")
    arr, w, total, _ = prepare(x, weights)
    if total == 0.0:
        return math.nan
    order = np.argsort(arr, kind="stable")
    xs, ws = arr[order], w[order]
    cum = np.cumsum(ws)
    big_w = cum[-1]
    # sum_i sum_j w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (W_below_i - W_above_i)
    # with W_below_i = cum_i - w_i and W_above_i = W - cum_i (ties cancel).
    g = float(np.dot(ws * xs, 2.0 * cum - ws - big_w) / (big_w * total))
    g = max(g, 0.0)  # guard -0.0 / rounding below zero for equal values
    if form == "sample":
        n = arr.size
        if n < 2:
            return math.nan
        g *= n / (n - 1)
    return g


def max_to_mean(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Max-to-mean ratio (peak-to-average ratio, PAR) of regional footprints.

    .. math:: \mathrm{PAR} = \frac{\max_i x_i}{\mu_w}

    the worst region relative to the (population-weighted) mean; range ``[1, n]``
    unweighted. This is the inequity measure of the eGLB papers [1]_, [2]_.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region (the mean becomes the weighted mean;
        regions of zero weight do not enter the max). [any unit]

    Returns
    -------
    float
        Max-to-mean ratio. [dimensionless] NaN when every value is zero.

    References
    ----------
    .. [1] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally
       equitable AI via geographical load balancing. arXiv:2307.05494
    .. [2] Hajiesmaili, M., Ren, S., Sitaraman, R. K., Wierman, A. (2025). Towards
       environmentally equitable AI. arXiv:2412.16539
    """
    r = prepare(x, weights)
    if r.mean == 0.0:
        return math.nan
    return float(r.x[r.w > 0].max() / r.mean)


def max_to_min(x: ArrayLike) -> float:
    r"""Max-to-min ratio of regional footprints.

    .. math:: R = \frac{\max_i x_i}{\min_i x_i}

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]

    Returns
    -------
    float
        Ratio in ``[1, inf]``. [dimensionless] ``inf`` when some but not all values are
        zero; NaN when every value is zero.

    References
    ----------
    .. [1] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed., ch. 2.
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    """
    arr = check_values(x)
    hi, lo = float(arr.max()), float(arr.min())
    if hi == 0.0:
        return math.nan
    if lo == 0.0:
        return math.inf
    return hi / lo


def theil_t(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Theil T index (generalised entropy GE(1)).

    .. math:: T = \frac{1}{W}\sum_i w_i \frac{x_i}{\mu_w} \ln\frac{x_i}{\mu_w}

    with ``0 ln 0 = 0``; range ``[0, ln n]`` unweighted. Sensitive to the top of the
    distribution.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region; it weights both the mean ``mu_w`` and the
        average of the terms. [any unit]

    Returns
    -------
    float
        Theil T, 0 when every region bears the same. [dimensionless] NaN when every
        value is zero.

    References
    ----------
    .. [1] Theil, H. (1967). *Economics and Information Theory*. North-Holland,
       Amsterdam.
    .. [2] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed.
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    """
    r = prepare(x, weights)
    if r.mean == 0.0:
        return math.nan
    s = r.x / r.mean
    pos = s > 0
    terms = np.zeros_like(s)
    terms[pos] = s[pos] * np.log(s[pos])
    return max(float(np.dot(r.w, terms) / r.w.sum()), 0.0)


def theil_l(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Theil L index (mean log deviation, generalised entropy GE(0)).

    .. math:: L = \frac{1}{W}\sum_i w_i \ln\frac{\mu_w}{x_i}

    range ``[0, inf]``. Sensitive to the bottom of the distribution.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region; regions of zero weight are left out of the
        sum, so a zero footprint there does not make the index infinite. [any unit]

    Returns
    -------
    float
        Theil L. [dimensionless] ``inf`` when a region of positive weight has zero
        footprint while others do not; NaN when every value is zero.

    References
    ----------
    .. [1] Theil, H. (1967). *Economics and Information Theory*. North-Holland.
    .. [2] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed.
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    """
    arr, w, _, mean = prepare(x, weights)
    if mean == 0.0:
        return math.nan
    live = w > 0
    if np.any(arr[live] == 0.0):
        return math.inf
    # log(mean) - log(x) rather than log(mean / x): no overflow for subnormal shares
    return max(float(np.dot(w[live], math.log(mean) - np.log(arr[live])) / w.sum()), 0.0)


def atkinson(x: ArrayLike, epsilon: float, weights: ArrayLike | None = None) -> float:
    r"""Atkinson index with inequality aversion ``epsilon``.

    .. math::
        A_\varepsilon = 1 - \frac{1}{\mu_w}
            \Big(\frac{1}{W}\sum_i w_i x_i^{1-\varepsilon}\Big)^{1/(1-\varepsilon)},
        \quad
        A_1 = 1 - \frac{1}{\mu_w}\exp\Big(\frac{1}{W}\sum_i w_i \ln x_i\Big)

    range ``[0, 1]``. The equally distributed equivalent ``(1 - A) mu`` is the
    footprint that, borne equally everywhere, would be judged as bad as the actual
    distribution.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    epsilon : float
        Inequality aversion, ``>= 0``; 0 gives 0, larger values weigh the
        least-burdened regions more. [dimensionless]
    weights : array-like, optional
        Population weight of each region; regions of zero weight do not count, even
        at zero footprint. [any unit]

    Returns
    -------
    float
        Atkinson index. [dimensionless] 1 when a region has zero footprint and
        ``epsilon >= 1``; NaN when every value is zero.

    References
    ----------
    .. [1] Atkinson, A. B. (1970). On the measurement of inequality. *Journal of
       Economic Theory* 2(3), 244-263. :doi:`10.1016/0022-0531(70)90039-6`
    """
    eps = float(epsilon)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
    r = prepare(x, weights)
    if r.mean == 0.0:
        return math.nan
    live = r.w > 0
    s, wl = r.x[live] / r.mean, r.w[live]
    if eps >= 1.0 and np.any(s == 0.0):
        return 1.0
    if eps == 1.0:
        ede = math.exp(float(np.dot(wl, np.log(s)) / wl.sum()))
    else:
        with np.errstate(over="ignore"):  # tiny shares with eps > 1: the sum is inf, ede 0
            power = float(np.dot(wl, s ** (1.0 - eps)) / wl.sum())
        ede = float(power ** (1.0 / (1.0 - eps)))
    return min(max(1.0 - ede, 0.0), 1.0)


def coefficient_of_variation(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Coefficient of variation (population standard deviation over mean).

    .. math:: \mathrm{CV} = \frac{1}{\mu_w}
              \sqrt{\frac{1}{W}\sum_i w_i (x_i - \mu_w)^2}

    range ``[0, sqrt(n - 1)]`` unweighted. ``CV^2 / 2`` is the generalised entropy
    GE(2).

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region, for the weighted mean and variance. [any unit]

    Returns
    -------
    float
        Coefficient of variation; 0 when every region bears the same.
        [dimensionless] NaN when every value is zero.

    References
    ----------
    .. [1] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed.
       :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    """
    arr, w, _, mean = prepare(x, weights)
    if mean == 0.0:
        return math.nan
    return math.sqrt(float(np.dot(w, (arr - mean) ** 2) / w.sum())) / mean


def jain_index(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Jain's fairness index.

    .. math:: J = \frac{(\sum_i w_i x_i)^2}{W \sum_i w_i x_i^2} = \frac{1}{1 + \mathrm{CV}^2}

    range ``[1/n, 1]`` unweighted; 1 is perfectly even.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region; ``J = 1 / (1 + CV^2)`` holds with the
        weighted CV too. [any unit]

    Returns
    -------
    float
        Jain's index; ``k / n`` when ``k`` of the ``n`` regions bear equal
        footprints and the others none. [dimensionless] NaN when every value is zero.

    References
    ----------
    .. [1] Jain, R., Chiu, D.-M., Hawe, W. (1984). A quantitative measure of fairness
       and discrimination for resource allocation in shared computer systems. DEC
       Research Report TR-301. arXiv:cs/9809099
    """
    r = prepare(x, weights)
    if r.total == 0.0:
        return math.nan
    arr, w = r.x, r.w
    # scale first so that squaring cannot overflow
    s = arr / arr.max()
    return min(float(np.dot(w, s) ** 2 / (w.sum() * np.dot(w, s * s))), 1.0)


def lq_norm(x: ArrayLike, q: float) -> float:
    r"""The L_q norm of regional footprints.

    .. math:: \|x\|_q = \Big(\sum_i x_i^q\Big)^{1/q}, \quad \|x\|_\infty = \max_i x_i

    ``q = 1`` is the total, ``q = inf`` the worst region; values in between trade
    total against worst-region burden. Unlike the other indices it carries the unit
    of ``x`` and is not scale invariant.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    q : float
        Order, ``q >= 1`` or ``inf``. [dimensionless]

    Returns
    -------
    float
        The norm. [unit of x] 0 when every value is zero.

    References
    ----------
    .. [1] Lan, T., Kao, D., Chiang, M., Sabharwal, A. (2010). An axiomatic theory of
       fairness in network resource allocation. IEEE INFOCOM 2010. arXiv:0906.0557
    """
    qf = float(q)
    if math.isnan(qf) or qf < 1.0:
        raise ValueError(f"q must be >= 1 (or inf), got {q!r}")
    arr = check_values(x)
    hi = float(arr.max())
    if math.isinf(qf) or hi == 0.0:
        return hi
    # factor out the max so that x**q cannot overflow
    return float(hi * float(np.sum((arr / hi) ** qf)) ** (1.0 / qf))


# --------------------------------------------------------------------------- all at once


@dataclass(frozen=True)
class IndexResult:
    """One index value with the choices and caveats that go with it."""

    index: str
    """Index name, e.g. ``"gini"``, ``"atkinson(0.5)"``, ``"top_1_share"``."""
    result: float
    """Value; NaN when undefined, ``inf`` when infinite."""
    note: str = ""
    """Form used, or why the value is undefined or infinite."""


def equity_indices(
    x: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    gini_form: GiniForm = "population",
    epsilons: Sequence[float] = (0.5, 1.0, 2.0),
    q: float = 2.0,
    k: int = 1,
) -> list[IndexResult]:
    """Every index for one footprint vector, each with a note.

    Parameters
    ----------
    x : array-like
        Footprint of each region. [any non-negative unit]
    weights : array-like, optional
        Population weight of each region; used by every index that has a weighted
        form (not by max/min or the L_q norm). [any unit]
    gini_form : {"population", "sample"}, default "population"
        Gini form; with weights only "population" (the weighted form) is allowed.
    epsilons : sequence of float, default (0.5, 1, 2)
        Inequality aversion of each Atkinson index computed, one ``atkinson(eps)``
        result per value. [dimensionless]
    q : float, default 2
        Order of the norm in the ``lq_norm(q)`` result. [dimensionless]
    k : int, default 1
        Number of most-burdened regions for the top-k share.

    Returns
    -------
    list of IndexResult
        In the order: gini, max_to_mean, max_to_min, theil_t, theil_l,
        atkinson(eps) for each eps, coefficient_of_variation, jain_index,
        hoover_index, lq_norm(q), top_k_share. Undefined values are NaN with the note
        ``"undefined: all values are zero"``; infinite ones have a note saying why.
    """
    arr = check_values(x)
    w = check_weights(weights, arr.size)
    all_zero = not np.any(arr[w > 0] if w is not None else arr)
    has_zero = bool(np.any(arr[w > 0] == 0.0)) if w is not None else bool(np.any(arr == 0.0))
    out: list[IndexResult] = []

    def add(name: str, value: float, note: str = "") -> None:
        if all_zero and math.isnan(value):
            note = f"{UNDEFINED_ALL_ZERO}; {note}" if note else UNDEFINED_ALL_ZERO
        out.append(IndexResult(name, value, note))

    g = gini(arr, w, form=gini_form)
    gnote = GINI_FORM_NOTES["weighted" if w is not None else gini_form]
    if gini_form == "sample" and arr.size < 2 and not all_zero:
        gnote = f"undefined: sample form needs at least 2 regions; {gnote}"
    add("gini", g, gnote)
    add("max_to_mean", max_to_mean(arr, w), "weighted mean" if w is not None else "")
    mm = max_to_min(arr)
    add("max_to_min", mm, f"infinite: {ZERO_REGION}" if math.isinf(mm) else "")
    add("theil_t", theil_t(arr, w))
    tl = theil_l(arr, w)
    add("theil_l", tl, f"infinite: {ZERO_REGION}" if math.isinf(tl) else "")
    for eps in epsilons:
        a = atkinson(arr, eps, w)
        zero_note = has_zero and not all_zero and float(eps) >= 1.0
        add(f"atkinson({eps:g})", a, ZERO_REGION if zero_note else "")
    add("coefficient_of_variation", coefficient_of_variation(arr, w), "population std")
    add("jain_index", jain_index(arr, w))
    add("hoover_index", hoover_index(arr, w))
    add(f"lq_norm({q:g})", lq_norm(arr, q), "unit of the value")
    add(f"top_{int(k)}_share", top_k_share(arr, k, w))
    return out
