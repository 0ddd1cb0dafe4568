"""Which footprints an audit computes when none are named (``footprints=None``, auto).

Every footprint whose required factor has a source for every zone of the log; the
others are left out with one note naming them, the zones and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fairwatt.errors import FactorMissingError
from fairwatt.factors.resolve import uncovered
from fairwatt.schema import FOOTPRINTS

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.factors.resolve import SiteGroups
    from fairwatt.factors.table import FactorLayer
    from fairwatt.services.audit import AuditOptions

__all__ = ["choose_footprints"]

#: why a bundled footprint's factors may not cover a zone, for the auto note
_COVERAGE = {"health": "bundled health data cover US zones only"}


def choose_footprints(
    rows: pd.DataFrame,
    options: AuditOptions,
    layers: Sequence[FactorLayer],
    groups: SiteGroups | None = None,
) -> tuple[list[str], list[str]]:
    """The footprints to compute and a note on those left out.

    Footprints named in ``options`` are all kept (a missing factor stays an error);
    with ``footprints=None`` (auto) a footprint whose required factor has no source for
    some zone of ``rows`` is left out, and the one note names it, the zones and why. If
    none is left, :class:`~fairwatt.errors.FactorMissingError`. ``groups``:
    :func:`~fairwatt.factors.resolve.site_groups` of ``rows``, if known.
    """
    if options.footprints is not None:
        return list(options.footprints), []
    kept, left_out, missing = [], [], set()
    for fp in FOOTPRINTS:
        factor = options.required_factor(fp)
        zones = uncovered(rows, factor, layers, groups)
        if not zones:
            kept.append(fp)
            continue
        missing.add(factor)
        shown = ", ".join(zones[:6]) + (f" and {len(zones) - 6} more" if len(zones) > 6 else "")
        why = f" ({_COVERAGE[fp]})" if fp in _COVERAGE else ""
        left_out.append(f"{fp} left out: no {fp} factors ({factor}) for {shown}{why}")
    if not kept:
        raise FactorMissingError(
            "no footprint can be computed: " + "; ".join(left_out),
            factors=frozenset(missing),
            hint="pass --factors FILE with the missing values or pin another dataset with "
            "--dataset (`fairwatt factors list` shows the bundled data)",
        )
    return kept, ["; ".join(left_out)] if left_out else []
