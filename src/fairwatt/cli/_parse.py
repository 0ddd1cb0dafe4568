"""Command-line text of ``fairwatt rebalance`` as typed values for the library.

Only the text forms that belong to the command line live here (``--weights``,
``--target-cap``, ``--sweep``); objective specs are part of the library's vocabulary
(:func:`fairwatt.balancing.objectives.parse_objective`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from fairwatt.errors import InputError

if TYPE_CHECKING:
    from fairwatt.services.rebalance_types import Sweep, SweepKind


def parse_weights(text: str, option: str = "--weights") -> dict[str, float]:
    """``"cost=1,water=60,carbon=1500"`` as a dict (keys: cost or a footprint)."""
    from fairwatt.balancing.objectives import parse_terms

    return parse_terms(text, option)


def parse_target_cap(text: str | None) -> dict[str, float] | None:
    """``"water=8,carbon=0.6"``: the online target cap per footprint."""
    if not text:
        return None
    caps = parse_weights(text, "--target-cap")
    if "cost" in caps:
        raise InputError("--target-cap takes footprint=VALUE items (per site and hour)")
    return caps


def parse_sweep(text: str) -> Sweep:
    """``water=0:200:11`` (eglb weight), ``ratio:water=1.1:1.7:7``, ``worst:water=...``,
    ``gini:water=...``; values as ``a:b:n`` (n points) or ``v1,v2,...``."""
    import numpy as np

    from fairwatt.services.rebalance import FOOTPRINTS, Sweep

    limit_kinds = ("worst", "ratio", "gini")
    head, sep, tail = text.partition(":")
    kind, rest = (head.strip(), tail) if sep and head.strip() in limit_kinds else ("weight", text)
    footprint, sep, values = rest.partition("=")
    footprint = footprint.strip()
    hint = "write e.g. --sweep water=0:200:11 or --sweep ratio:water=1.1:1.7:7"
    if not sep or footprint not in FOOTPRINTS:
        raise InputError(f"cannot read --sweep {text!r}", hint=hint)
    try:
        if values.count(":") == 2:
            a, b, n = values.split(":")
            if int(n) < 1:
                raise ValueError
            points = np.linspace(float(a), float(b), int(n)).tolist()
        else:
            points = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"cannot read the values of --sweep {text!r}", hint=hint) from None
    if not points or not all(math.isfinite(v) and v >= 0 for v in points):
        raise InputError(f"--sweep {text!r} needs finite values >= 0", hint=hint)
    return Sweep(footprint, tuple(points), cast("SweepKind", kind))  # kind checked above
