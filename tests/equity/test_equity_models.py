"""Inequity indices: published values, an independent implementation, hand arithmetic,
and every edge case with defined behaviour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairwatt.footprint_models import equity as eq

# ----------------------------------------------------------------------------- R5

# REFERENCE.md R5: 3 sites A, B, C, 2 hours, capacity 1 MWh per site per hour, so the
# allocations in the table are site totals over the horizon (at most 2 MWh per site).
# Water intensity w = (5, 2, 1) m3/MWh; site water total = allocation x w.
R5_WATER = 5.0, 2.0, 1.0


def _water(alloc: tuple[float, float, float]) -> np.ndarray:
    return np.array([a * w for a, w in zip(alloc, R5_WATER, strict=True)])


@pytest.mark.parametrize(
    ("alloc", "par", "gini"),
    [
        # min cost (2, 2, 0): water (10, 4, 0) m3, mean 14/3, PAR = 10 / (14/3) = 2.142857;
        # sum_i sum_j |Fi - Fj| = 2 (6 + 10 + 4) = 40, Gini = 40 / (2 * 9 * 14/3) = 0.476190
        ((2.0, 2.0, 0.0), 2.1429, 0.4762),
        # min mean water (0, 2, 2): water (0, 4, 2), mean 2, PAR = 4/2 = 2;
        # 2 (4 + 2 + 2) = 16, Gini = 16 / (2 * 9 * 2) = 0.444444
        ((0.0, 2.0, 2.0), 2.0, 0.4444),
        # eGLB, 60 x max water (4/7, 10/7, 2): water (20/7, 20/7, 2), mean 18/7,
        # PAR = (20/7) / (18/7) = 1.111111; 2 (0 + 6/7 + 6/7) = 24/7,
        # Gini = (24/7) / (2 * 9 * 18/7) = 24/324 = 0.074074
        ((4 / 7, 10 / 7, 2.0), 1.1111, 0.0741),
    ],
)
def test_r5_gini_and_par(alloc: tuple[float, float, float], par: float, gini: float) -> None:
    water = _water(alloc)
    assert eq.max_to_mean(water) == pytest.approx(par, abs=1e-4)
    assert eq.gini(water) == pytest.approx(gini, abs=1e-4)


@pytest.mark.parametrize(
    ("alloc", "par"),
    [
        # eGLB, 6 x max water (0.8, 2, 1.2): water (4, 4, 1.2), PAR = 4 / (9.2/3) = 1.304348
        ((0.8, 2.0, 1.2), 1.3043),
        # eGLB with carbon term (24/41, 60/41, 80/41) = (0.5854, 1.4634, 1.9512):
        # water (120/41, 120/41, 80/41), mean 320/123, PAR = 120*123 / (41*320) = 1.125
        ((24 / 41, 60 / 41, 80 / 41), 1.1250),
    ],
)
def test_r5_par_only_rows(alloc: tuple[float, float, float], par: float) -> None:
    assert eq.max_to_mean(_water(alloc)) == pytest.approx(par, abs=1e-4)


def test_call_form_used_by_other_modules() -> None:
    # gini(values) and max_to_mean(values) with a plain 1-D array-like
    assert isinstance(eq.gini([10, 4, 0]), float)
    assert isinstance(eq.max_to_mean(pd.Series([10.0, 4.0, 0.0])), float)
    assert eq.gini((10, 4, 0)) == pytest.approx(40 / 84, rel=1e-12)


# ----------------------------------------------------------------------------- PySAL


@pytest.fixture(scope="module")
def pysal() -> tuple[object, object, object]:
    from inequality.atkinson import atkinson
    from inequality.gini import Gini
    from inequality.theil import Theil

    return Gini, Theil, atkinson


@pytest.mark.parametrize("seed", range(8))
def test_against_pysal_inequality(seed: int, pysal: tuple) -> None:
    gini_cls, theil_cls, atkinson_fn = pysal
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    # strictly positive: PySAL's Theil replaces zeros by a tiny constant
    y = rng.lognormal(mean=3.0, sigma=1.2, size=n)
    assert eq.gini(y) == pytest.approx(gini_cls(y).g, rel=1e-10, abs=1e-12)
    assert eq.theil_t(y) == pytest.approx(theil_cls(y).T, rel=1e-9, abs=1e-12)
    for eps in (0.5, 1.0, 2.0):
        assert eq.atkinson(y, eps) == pytest.approx(atkinson_fn(y, eps), rel=1e-9, abs=1e-12)


def test_gini_with_zeros_against_pysal(pysal: tuple) -> None:
    gini_cls = pysal[0]
    y = np.array([0.0, 0.0, 3.0, 7.0, 0.5, 12.0])
    assert eq.gini(y) == pytest.approx(gini_cls(y).g, rel=1e-12)


# ----------------------------------------------------------------------------- by hand

# x = (1, 2, 3, 6): n = 4, total 12, mean 3; x / mean = (1/3, 2/3, 1, 2)
X = [1.0, 2.0, 3.0, 6.0]


def test_gini_by_hand() -> None:
    # |diffs| over pairs i<j: 1, 2, 5, 1, 4, 3 -> 16; double sum 32
    # population: 32 / (2 * 16 * 3) = 1/3; sample: 1/3 * 4/3 = 4/9
    assert eq.gini(X) == pytest.approx(1 / 3, rel=1e-12)
    assert eq.gini(X, form="sample") == pytest.approx(4 / 9, rel=1e-12)


def test_ratios_by_hand() -> None:
    assert eq.max_to_mean(X) == pytest.approx(6 / 3)  # 6 / 3
    assert eq.max_to_min(X) == pytest.approx(6.0)  # 6 / 1


def test_theil_by_hand() -> None:
    # T = 1/4 [1/3 ln 1/3 + 2/3 ln 2/3 + 1 ln 1 + 2 ln 2]
    t = (1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3) + 0.0 + 2 * math.log(2)) / 4
    assert eq.theil_t(X) == pytest.approx(t, rel=1e-12)
    # L = 1/4 [ln 3 + ln 3/2 + ln 1 + ln 1/2] = 1/4 ln(3 * 1.5 * 0.5) = 1/4 ln 2.25
    assert eq.theil_l(X) == pytest.approx(math.log(2.25) / 4, rel=1e-12)


def test_atkinson_by_hand() -> None:
    # eps = 1: geometric mean (1*2*3*6)^(1/4) = 36^(1/4) = sqrt(6); A = 1 - sqrt(6)/3
    assert eq.atkinson(X, 1.0) == pytest.approx(1 - math.sqrt(6) / 3, rel=1e-12)
    # eps = 2: harmonic mean 4 / (1 + 1/2 + 1/3 + 1/6) = 4/2 = 2; A = 1 - 2/3
    assert eq.atkinson(X, 2.0) == pytest.approx(1 / 3, rel=1e-12)
    # eps = 0.5: EDE = ((1 + sqrt2 + sqrt3 + sqrt6) / 4)^2; A = 1 - EDE / 3
    ede = ((1 + math.sqrt(2) + math.sqrt(3) + math.sqrt(6)) / 4) ** 2
    assert eq.atkinson(X, 0.5) == pytest.approx(1 - ede / 3, rel=1e-12)
    # eps = 0: no aversion, EDE = mean
    assert eq.atkinson(X, 0.0) == pytest.approx(0.0, abs=1e-15)


def test_cv_jain_hoover_by_hand() -> None:
    # deviations (-2, -1, 0, 3), squares 4 + 1 + 0 + 9 = 14, var = 14/4 = 3.5
    assert eq.coefficient_of_variation(X) == pytest.approx(math.sqrt(3.5) / 3, rel=1e-12)
    # Jain: 12^2 / (4 * (1 + 4 + 9 + 36)) = 144 / 200 = 0.72 (= 1 / (1 + 3.5/9))
    assert eq.jain_index(X) == pytest.approx(0.72, rel=1e-12)
    # Hoover: sum |x - mean| = 2 + 1 + 0 + 3 = 6; 6 / (2 * 12) = 0.25
    assert eq.hoover_index(X) == pytest.approx(0.25, rel=1e-12)


def test_lq_norm_by_hand() -> None:
    assert eq.lq_norm(X, 1) == pytest.approx(12.0)  # the total
    assert eq.lq_norm(X, 2) == pytest.approx(math.sqrt(50.0))  # 1 + 4 + 9 + 36 = 50
    assert eq.lq_norm(X, 3) == pytest.approx(252.0 ** (1 / 3))  # 1 + 8 + 27 + 216 = 252
    assert eq.lq_norm(X, math.inf) == 6.0  # the worst region


def test_top_k_share_by_hand() -> None:
    assert eq.top_k_share(X, 1) == pytest.approx(6 / 12)
    assert eq.top_k_share(X, 2) == pytest.approx((6 + 3) / 12)
    assert eq.top_k_share(X, 4) == 1.0
    assert eq.top_k_share(X, 10) == 1.0  # k >= n: everything


def test_lorenz_by_hand() -> None:
    curve = eq.lorenz_curve([6.0, 1.0, 3.0, 2.0])  # order does not matter
    np.testing.assert_allclose(curve.population_share, [0, 0.25, 0.5, 0.75, 1.0])
    # cumulative sorted (1, 2, 3, 6) / 12 -> 1/12, 3/12, 6/12, 12/12
    np.testing.assert_allclose(curve.value_share, [0, 1 / 12, 3 / 12, 6 / 12, 1.0])
    # trapezoids 0.25/2 * (1/12 + 4/12 + 9/12 + 18/12) = 1/3, Gini = 1 - 2/3 = 1/3
    area = float(
        np.sum(
            np.diff(curve.population_share) * (curve.value_share[1:] + curve.value_share[:-1]) / 2
        )
    )
    assert 1 - 2 * area == pytest.approx(eq.gini(X), rel=1e-12)


# ----------------------------------------------------------------------------- weighted

# x = (3, 0, 1) with weights (1, 2, 3): W = 6, weighted total 3 + 0 + 3 = 6, mean 1
XW, W = [3.0, 0.0, 1.0], [1.0, 2.0, 3.0]


def test_weighted_by_hand() -> None:
    # pairs i<j: (3,0) 1*2*3 = 6; (3,1) 1*3*2 = 6; (0,1) 2*3*1 = 6 -> 18, double 36
    # Gini = 36 / (2 * 36 * 1) = 0.5
    assert eq.gini(XW, W) == pytest.approx(0.5, rel=1e-12)
    assert eq.max_to_mean(XW, W) == pytest.approx(3.0)  # 3 / 1
    # Hoover: w x / 6 = (1/2, 0, 1/2), w / W = (1/6, 2/6, 3/6) -> |.| 2/6 + 2/6 + 0, / 2
    assert eq.hoover_index(XW, W) == pytest.approx(1 / 3, rel=1e-12)
    # CV: w (x - 1)^2 = 4 + 2 + 0 = 6, var 6/6 = 1, CV = 1; Jain = 1 / (1 + 1) = 0.5
    assert eq.coefficient_of_variation(XW, W) == pytest.approx(1.0)
    assert eq.jain_index(XW, W) == pytest.approx(0.5)
    # Theil T: 1/6 [1 * 3 ln 3 + 0 + 3 * 1 ln 1] = ln(3) / 2
    assert eq.theil_t(XW, W) == pytest.approx(math.log(3) / 2, rel=1e-12)
    # top-1 share: region 0 carries w x = 3 of 6
    assert eq.top_k_share(XW, 1, W) == pytest.approx(0.5)


def test_weighted_equals_replicated() -> None:
    # integer weights = regions repeated that many times
    x = np.array([5.0, 1.0, 2.5, 0.0, 7.0])
    w = np.array([3, 1, 2, 4, 1])
    rep = np.repeat(x, w)
    for fn in (
        eq.gini,
        eq.max_to_mean,
        eq.theil_t,
        eq.coefficient_of_variation,
        eq.jain_index,
        eq.hoover_index,
    ):
        assert fn(x, w) == pytest.approx(fn(rep), rel=1e-12), fn.__name__
    assert eq.atkinson(x, 0.5, w) == pytest.approx(eq.atkinson(rep, 0.5), rel=1e-12)
    wl = eq.lorenz_curve(x, w)
    rl = eq.lorenz_curve(rep)
    # the weighted curve's points lie on the replicated curve
    np.testing.assert_allclose(wl.value_share, np.interp(wl.population_share, *rl), atol=1e-12)


def test_zero_weight_region_is_ignored() -> None:
    assert eq.max_to_mean([100.0, 2.0, 4.0], [0.0, 1.0, 1.0]) == pytest.approx(4 / 3)
    assert eq.theil_l([0.0, 2.0, 4.0], [0.0, 1.0, 1.0]) < math.inf
    assert eq.gini([100.0, 2.0, 4.0], [0.0, 1.0, 1.0]) == pytest.approx(eq.gini([2.0, 4.0]))


# ----------------------------------------------------------------------------- edges


def test_one_region() -> None:
    x = [42.0]
    assert eq.gini(x) == 0.0
    assert math.isnan(eq.gini(x, form="sample"))  # n/(n-1) undefined
    assert eq.max_to_mean(x) == 1.0
    assert eq.max_to_min(x) == 1.0
    assert eq.theil_t(x) == 0.0
    assert eq.theil_l(x) == 0.0
    assert eq.atkinson(x, 2.0) == pytest.approx(0.0, abs=1e-15)
    assert eq.coefficient_of_variation(x) == 0.0
    assert eq.jain_index(x) == 1.0
    assert eq.hoover_index(x) == 0.0
    assert eq.top_k_share(x, 1) == 1.0
    assert eq.lq_norm(x, 2) == 42.0
    notes = {r.index: r.note for r in eq.equity_indices(x, gini_form="sample")}
    assert notes["gini"].startswith("undefined: sample form needs at least 2 regions")


def test_all_equal() -> None:
    x = [7.5] * 6
    for fn in (eq.gini, eq.theil_t, eq.theil_l, eq.coefficient_of_variation, eq.hoover_index):
        assert fn(x) == pytest.approx(0.0, abs=1e-12), fn.__name__
    for eps in (0.5, 1.0, 3.0):
        assert eq.atkinson(x, eps) == pytest.approx(0.0, abs=1e-12)
    for fn in (eq.jain_index, eq.max_to_mean, eq.max_to_min):
        assert fn(x) == pytest.approx(1.0, abs=1e-12), fn.__name__
    assert eq.gini(x, form="sample") == pytest.approx(0.0, abs=1e-12)


def test_all_zero_is_undefined_not_zero() -> None:
    x = np.zeros(4)
    for fn in (
        eq.gini,
        eq.max_to_mean,
        eq.max_to_min,
        eq.theil_t,
        eq.theil_l,
        eq.coefficient_of_variation,
        eq.jain_index,
        eq.hoover_index,
    ):
        assert math.isnan(fn(x)), fn.__name__
    assert math.isnan(eq.atkinson(x, 1.0))
    assert math.isnan(eq.top_k_share(x, 1))
    assert eq.lq_norm(x, 2) == 0.0  # an absolute quantity: the zero vector has norm 0
    curve = eq.lorenz_curve(x)
    assert curve.value_share[0] == 0.0 and np.isnan(curve.value_share[1:]).all()
    results = eq.equity_indices(x)
    for r in results:
        if r.index.startswith("lq_norm"):
            assert r.result == 0.0
        else:
            assert math.isnan(r.result), r.index
            assert r.note.startswith(eq.UNDEFINED_ALL_ZERO), r.index


def test_zero_among_positives() -> None:
    x = [0.0, 2.0, 4.0]
    assert eq.max_to_min(x) == math.inf
    assert eq.theil_l(x) == math.inf  # ln(mean / 0)
    assert eq.atkinson(x, 1.0) == 1.0  # geometric mean 0
    assert eq.atkinson(x, 2.0) == 1.0  # harmonic mean 0
    # eps = 0.5: EDE = ((0 + sqrt2 + 2) / 3)^2, mean 2
    assert eq.atkinson(x, 0.5) == pytest.approx(1 - ((math.sqrt(2) + 2) / 3) ** 2 / 2)
    # Gini: pairs 2 + 4 + 2 = 8, double 16, / (2 * 9 * 2) = 4/9
    assert eq.gini(x) == pytest.approx(4 / 9)
    notes = {r.index: r.note for r in eq.equity_indices(x)}
    assert notes["max_to_min"].startswith("infinite")
    assert notes["theil_l"].startswith("infinite")


@pytest.mark.parametrize(
    "fn",
    [
        eq.gini,
        eq.max_to_mean,
        eq.max_to_min,
        eq.theil_t,
        eq.theil_l,
        eq.coefficient_of_variation,
        eq.jain_index,
        eq.hoover_index,
        eq.lorenz_curve,
        lambda x: eq.atkinson(x, 0.5),
        lambda x: eq.lq_norm(x, 2),
        lambda x: eq.top_k_share(x, 1),
        eq.equity_indices,
    ],
)
def test_negative_and_nan_are_refused(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"x\[2\] is negative"):
        fn([1.0, 2.0, -0.5, 3.0])
    with pytest.raises(ValueError, match=r"x\[1\] is NaN"):
        fn([1.0, math.nan, 2.0])
    with pytest.raises(ValueError, match=r"x\[0\] is infinite"):
        fn([math.inf, 1.0])
    with pytest.raises(ValueError, match="empty"):
        fn([])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="1-D"):
        eq.gini([[1.0, 2.0]])
    with pytest.raises(ValueError, match="numeric"):
        eq.gini(["a", "b"])
    with pytest.raises(ValueError, match="form"):
        eq.gini([1.0, 2.0], form="unbiased")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unweighted"):
        eq.gini([1.0, 2.0], [1.0, 1.0], form="sample")
    with pytest.raises(ValueError, match="weights has 1 entries"):
        eq.gini([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"weights\[1\] is negative"):
        eq.theil_t([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="weights are all zero"):
        eq.hoover_index([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="epsilon"):
        eq.atkinson([1.0, 2.0], -1.0)
    with pytest.raises(ValueError, match="q must be"):
        eq.lq_norm([1.0, 2.0], 0.5)
    for k in (0, 1.5, True):
        with pytest.raises(ValueError, match="k must be"):
            eq.top_k_share([1.0, 2.0], k)  # type: ignore[arg-type]


def test_no_overflow_on_huge_values() -> None:
    x = [1e300, 2e300, 4e300]
    # Jain: (7)^2 / (3 * 21) = 49/63 after scaling out 1e300
    assert eq.jain_index(x) == pytest.approx(49 / 63, rel=1e-12)
    # L2: 1e300 * sqrt(1 + 4 + 16) = sqrt(21) e300
    assert eq.lq_norm(x, 2) == pytest.approx(math.sqrt(21) * 1e300, rel=1e-12)


def test_equity_indices_order_and_notes() -> None:
    res = eq.equity_indices(X, epsilons=(0.5, 2.0), q=3.0, k=2)
    assert [r.index for r in res] == [
        "gini",
        "max_to_mean",
        "max_to_min",
        "theil_t",
        "theil_l",
        "atkinson(0.5)",
        "atkinson(2)",
        "coefficient_of_variation",
        "jain_index",
        "hoover_index",
        "lq_norm(3)",
        "top_2_share",
    ]
    by = {r.index: r for r in res}
    assert by["gini"].note.startswith("population form")
    assert by["top_2_share"].result == pytest.approx(0.75)
    weighted = {r.index: r for r in eq.equity_indices(XW, W)}
    assert weighted["gini"].note.startswith("population-weighted form")
    assert weighted["gini"].result == pytest.approx(0.5)
