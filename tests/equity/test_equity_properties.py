"""Hypothesis properties of the inequity indices."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairwatt.footprint_models import equity as eq

SETTINGS = settings(max_examples=60, deadline=None)

positive = st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False)
value = st.one_of(st.just(0.0), st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False))


def _insert(p: float, rest: list[float], at: int) -> list[float]:
    k = at % (len(rest) + 1)
    return [*rest[:k], p, *rest[k:]]


# at least one positive value anywhere in the vector (built, not filtered)
vectors = st.builds(_insert, positive, st.lists(value, max_size=24), st.integers(0, 100))
positive_vectors = st.lists(positive, min_size=1, max_size=25)
scales = st.floats(1e-3, 1e3, allow_nan=False)

# every relative (scale-free) index, as a function of (x, weights)
RELATIVE: dict[str, Callable[..., float]] = {
    "gini": lambda x, w=None: eq.gini(x, w),
    "max_to_mean": lambda x, w=None: eq.max_to_mean(x, w),
    "max_to_min": lambda x, w=None: eq.max_to_min(x),
    "theil_t": lambda x, w=None: eq.theil_t(x, w),
    "theil_l": lambda x, w=None: eq.theil_l(x, w),
    "atkinson(0.5)": lambda x, w=None: eq.atkinson(x, 0.5, w),
    "atkinson(1)": lambda x, w=None: eq.atkinson(x, 1.0, w),
    "atkinson(2)": lambda x, w=None: eq.atkinson(x, 2.0, w),
    "cv": lambda x, w=None: eq.coefficient_of_variation(x, w),
    "jain": lambda x, w=None: eq.jain_index(x, w),
    "hoover": lambda x, w=None: eq.hoover_index(x, w),
    "top_2_share": lambda x, w=None: eq.top_k_share(x, 2, w),
}


def _same(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@SETTINGS
@given(vectors)
def test_gini_range_population_form(x: list[float]) -> None:
    n = len(x)
    g = eq.gini(x)
    assert -1e-12 <= g <= 1 - 1 / n + 1e-12
    gs = eq.gini(x, form="sample")
    if n > 1:
        assert -1e-12 <= gs <= 1 + 1e-12
        assert gs == pytest.approx(g * n / (n - 1), rel=1e-12, abs=1e-15)


@SETTINGS
@given(vectors)
def test_other_ranges(x: list[float]) -> None:
    n = len(x)
    assert 1 - 1e-12 <= eq.max_to_mean(x) <= n + 1e-9
    assert -1e-12 <= eq.theil_t(x) <= math.log(n) + 1e-9
    assert 1 / n - 1e-12 <= eq.jain_index(x) <= 1
    assert -1e-12 <= eq.hoover_index(x) <= 1 - 1 / n + 1e-12
    assert -1e-12 <= eq.coefficient_of_variation(x) <= math.sqrt(n - 1) + 1e-9
    for eps in (0.5, 1.0, 2.0):
        assert 0 <= eq.atkinson(x, eps) <= 1
    assert eq.max_to_min(x) >= 1
    # Jain = 1 / (1 + CV^2)
    cv = eq.coefficient_of_variation(x)
    assert eq.jain_index(x) == pytest.approx(1 / (1 + cv * cv), rel=1e-9)


@SETTINGS
@given(vectors, scales)
def test_scale_invariance(x: list[float], c: float) -> None:
    y = [c * v for v in x]
    for name, fn in RELATIVE.items():
        assert _same(fn(x), fn(y)), name
    # the L_q norm is homogeneous of degree 1 instead
    assert eq.lq_norm(y, 2) == pytest.approx(c * eq.lq_norm(x, 2), rel=1e-9)


@SETTINGS
@given(vectors, st.randoms(use_true_random=False))
def test_permutation_invariance(x: list[float], rnd) -> None:  # type: ignore[no-untyped-def]
    w = [1.0 + (i % 3) for i in range(len(x))]
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    xp = [x[i] for i in perm]
    wp = [w[i] for i in perm]
    for name, fn in RELATIVE.items():
        assert _same(fn(x), fn(xp)), name
        assert _same(fn(x, w), fn(xp, wp)), name
    assert _same(eq.lq_norm(x, 3), eq.lq_norm(xp, 3))


@SETTINGS
@given(positive, st.integers(1, 30))
def test_all_equal(v: float, n: int) -> None:
    x = [v] * n
    for fn in (eq.gini, eq.theil_t, eq.theil_l, eq.coefficient_of_variation, eq.hoover_index):
        assert fn(x) == pytest.approx(0.0, abs=1e-9)
    for eps in (0.5, 1.0, 2.0):
        assert eq.atkinson(x, eps) == pytest.approx(0.0, abs=1e-9)
    for fn in (eq.jain_index, eq.max_to_mean, eq.max_to_min):
        assert fn(x) == pytest.approx(1.0, rel=1e-9)


@SETTINGS
@given(
    st.lists(value, min_size=2, max_size=25),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.floats(1e-3, 1.0),
)
def test_pigou_dalton_transfer(x: list[float], a: int, b: int, frac: float) -> None:
    """Moving burden from a more burdened to a less burdened region, without reversing
    their order, never raises Gini or Theil."""
    i, j = a % len(x), b % len(x)
    if x[i] < x[j]:
        i, j = j, i
    if x[i] == x[j]:  # nothing to transfer (avoids assume(): zeros make ties common)
        return
    d = frac * (x[i] - x[j]) / 2
    y = list(x)
    y[i] -= d
    y[j] += d
    assert eq.gini(y) <= eq.gini(x) + 1e-12
    assert eq.theil_t(y) <= eq.theil_t(x) + 1e-12
    tl_x, tl_y = eq.theil_l(x), eq.theil_l(y)
    assert tl_y <= tl_x or math.isclose(tl_y, tl_x, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(positive_vectors, st.lists(st.integers(1, 5), min_size=25, max_size=25))
def test_integer_weights_equal_replication(x: list[float], w: list[int]) -> None:
    w = w[: len(x)]
    rep = np.repeat(x, w)
    for name in (
        "gini",
        "max_to_mean",
        "theil_t",
        "theil_l",
        "atkinson(2)",
        "cv",
        "jain",
        "hoover",
    ):
        fn = RELATIVE[name]
        assert fn(x, w) == pytest.approx(fn(rep), rel=1e-9, abs=1e-12), name


@SETTINGS
@given(vectors)
def test_lorenz_curve_shape_and_gini(x: list[float]) -> None:
    p, lv = eq.lorenz_curve(x)
    assert p[0] == 0 and lv[0] == 0 and p[-1] == 1 and lv[-1] == 1
    assert np.all(np.diff(lv) >= -1e-12)  # non-decreasing
    assert np.all(lv <= p + 1e-12)  # below the diagonal
    slopes = np.diff(lv) / np.diff(p)
    assert np.all(np.diff(slopes) >= -1e-9 * max(1.0, slopes.max()))  # convex
    area = float(np.sum(np.diff(p) * (lv[1:] + lv[:-1]) / 2))
    assert 1 - 2 * area == pytest.approx(eq.gini(x), abs=1e-9)
