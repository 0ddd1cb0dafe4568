"""Validation of the inputs of the inequity indices, written once for all of them.

Footprints must be a non-empty 1-D sequence of finite, non-negative numbers; weights,
when given, the same with one entry per region and at least one positive. The public
names are re-exported by :mod:`fairwatt.footprint_models.equity`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Regions", "check_values", "check_weights", "prepare"]

ArrayLike = npt.ArrayLike


def check_values(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Validate footprints and return them as a 1-D float array.

    Parameters
    ----------
    x : array-like
        Footprint borne by each region. [any non-negative unit]
    name : str, default "x"
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        1-D ``float64`` copy of ``x``.

    Raises
    ------
    ValueError
        If ``x`` is empty or not 1-D, or an entry is NaN, infinite or negative; the
        message names the first offending position.
    """
    try:
        arr = np.array(x, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; at least one region is needed")
    nan = np.flatnonzero(np.isnan(arr))
    if nan.size:
        raise ValueError(f"{name}[{nan[0]}] is NaN; every region needs a value")
    inf = np.flatnonzero(np.isinf(arr))
    if inf.size:
        raise ValueError(f"{name}[{inf[0]}] is infinite ({arr[inf[0]]})")
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise ValueError(
            f"{name}[{neg[0]}] is negative ({arr[neg[0]]}); footprints are non-negative"
        )
    return arr


def check_weights(weights: ArrayLike | None, n: int) -> np.ndarray | None:
    """Validate population weights for ``n`` regions.

    Parameters
    ----------
    weights : array-like or None
        Non-negative weight of each region (e.g. population). [any unit]
    n : int
        Number of regions.

    Returns
    -------
    numpy.ndarray or None
        1-D ``float64`` weights, or None when ``weights`` is None.

    Raises
    ------
    ValueError
        If the length differs from ``n``, an entry is NaN, infinite or negative, or all
        weights are zero.
    """
    if weights is None:
        return None
    w = check_values(weights, name="weights")
    if w.size != n:
        raise ValueError(f"weights has {w.size} entries but there are {n} values")
    if not np.any(w > 0):
        raise ValueError("weights are all zero; at least one region needs a positive weight")
    return w


class Regions(NamedTuple):
    """Validated footprints of the regions with their weights and weighted totals."""

    x: np.ndarray
    """Footprint of each region, 1-D ``float64``. [unit of the input]"""
    w: np.ndarray
    """Weight of each region; all 1 when the input has no weights. [any unit]"""
    total: float
    """Weighted total ``sum_i w_i x_i``. [unit of the input x unit of weight]"""
    mean: float
    """Weighted mean ``sum_i w_i x_i / sum_i w_i``. [unit of the input]"""


def prepare(x: ArrayLike, weights: ArrayLike | None) -> Regions:
    """Validate footprints and optional weights; see :func:`check_values`,
    :func:`check_weights`. Raises :class:`ValueError` on invalid input."""
    arr = check_values(x)
    w = check_weights(weights, arr.size)
    if w is None:
        w = np.ones_like(arr)
    return Regions(arr, w, float(np.dot(w, arr)), float(np.dot(w, arr) / w.sum()))
