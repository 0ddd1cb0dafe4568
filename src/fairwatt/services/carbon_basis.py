"""One carbon basis across zones: the check, the run-time notes and the provenance field.

Inequity indices compare regions, so every region's carbon intensity must be computed
the same way. Carbon data come in two bases: **lifecycle** (CO2e including fuel supply,
construction and other upstream emissions; OWID/Ember, IPCC AR5 lifecycle medians) and
**direct** (combustion at the plant only; eGRID output rates, the Chinese official
provincial factors). An audit's ``carbon_basis`` option picks the bundled defaults of one
basis (:func:`fairwatt.datasets.catalog.carbon_defaults`):

* ``lifecycle`` (default) or ``direct``: a zone that the defaults of that basis do not
  cover, but those of the other basis would, is a
  :class:`~fairwatt.errors.FactorMissingError` (exit 3) naming it — never a silent mix;
* ``any``: the defaults of both bases (as before the basis could be chosen).

Whatever the option, when the carbon sources an audit used differ in basis (a pinned
dataset, a user file or provider data next to the defaults, or ``any``), the audit notes
``carbon basis mixed: lifecycle for N zones, direct for M (...)``; and a zone that took a
coarser zone's value because it has no data of the chosen basis itself (Chinese
provinces under ``lifecycle``) is noted too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fairwatt.errors import FactorMissingError

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.factors.resolve import Resolved, SiteGroups
    from fairwatt.factors.table import FactorLayer
    from fairwatt.services.audit import AuditOptions

__all__ = [
    "CARBON",
    "UNSPECIFIED",
    "carbon_basis_notes",
    "check_carbon_basis",
    "source_basis",
    "with_carbon_basis",
]

#: the carbon factor column
CARBON = "carbon_g_per_kwh"

#: the basis recorded for carbon whose basis fairwatt cannot know (a user's file)
UNSPECIFIED = "unspecified"

_SCOPE_KEYS = ("carbon_basis", "carbon_scope")


def source_basis(provenance: Mapping[str, Any]) -> str:
    """The carbon basis of a factor source from its provenance.

    Bundled datasets carry ``carbon_basis`` (``lifecycle``, ``direct`` or ``mixed``);
    provider data derived from a fuel mix carry the basis of the per-fuel set used, and
    other provider data their ``emission_factor_type`` (``operational`` counts as
    ``direct``); anything else (a user's file) is :data:`UNSPECIFIED`."""
    basis = provenance.get("carbon_basis")
    if isinstance(basis, str) and basis:
        return basis
    sets = provenance.get("fuel_factor_sets")
    if isinstance(sets, Mapping):
        carbon_set = sets.get(CARBON)
        if isinstance(carbon_set, Mapping) and carbon_set.get("carbon_basis"):
            return str(carbon_set["carbon_basis"])
    ef = provenance.get("emission_factor_type")
    if ef in ("lifecycle", "direct"):
        return str(ef)
    if ef == "operational":  # combustion at the plant (the UK Carbon Intensity API)
        return "direct"
    return UNSPECIFIED


def with_carbon_basis(entry: dict[str, Any], provenance: Mapping[str, Any]) -> dict[str, Any]:
    """A provenance entry with ``carbon_basis`` (and the dataset's ``carbon_scope``) on
    carbon entries, and without them on entries of other factors."""
    if entry.get("factor") != CARBON:
        return {k: v for k, v in entry.items() if k not in _SCOPE_KEYS}
    out = dict(entry)
    out["carbon_basis"] = source_basis(provenance)
    if provenance.get("carbon_scope"):
        out["carbon_scope"] = provenance["carbon_scope"]
    return out


def _zone_keys(names: Sequence[str]) -> set[str]:
    from fairwatt.factors.table import bundled_layer

    keys: set[str] = set()
    for name in names:
        table = bundled_layer(name).table
        keys |= set(table.loc[table[CARBON].notna(), "key"].astype(str))
    return keys


def check_carbon_basis(
    rows: pd.DataFrame,
    options: AuditOptions,
    layers: Sequence[FactorLayer],
    groups: SiteGroups | None = None,
) -> None:
    """Raise :class:`~fairwatt.errors.FactorMissingError` when carbon is wanted, the basis
    is ``lifecycle`` or ``direct``, and some zone of ``rows`` has carbon data only in the
    bundled defaults of another basis (``layers``: the audit's factor layers)."""
    from fairwatt import datasets
    from fairwatt.factors.resolve import uncovered, zone_chain

    basis = options.carbon_basis
    datasets.carbon_defaults(basis)  # an unknown basis is an input error
    if basis == "any" or "carbon" not in options.candidate_footprints():
        return
    zones = uncovered(rows, CARBON, layers, groups)
    if not zones:
        return
    other = [n for n in datasets.carbon_defaults("any") if n not in {x.name for x in layers}]
    elsewhere = _zone_keys(other)
    lacking = [z for z in zones if any(k in elsewhere for k in zone_chain(z, z))]
    if not lacking:
        return  # no basis has them: the usual missing-factor handling applies
    shown = ", ".join(lacking[:8]) + (f" and {len(lacking) - 8} more" if len(lacking) > 8 else "")
    others = "direct" if basis == "lifecycle" else "lifecycle"
    raise FactorMissingError(
        f"no {basis} carbon data for zone{'s' if len(lacking) > 1 else ''} {shown} "
        f"(--carbon-basis {basis}); only {others} data are bundled there",
        factors=frozenset({CARBON}),
        hint=f"pass --carbon-basis {others} or --carbon-basis any (mixed bases, noted), or "
        "--factors FILE with carbon values of that basis for those zones",
    )


def carbon_basis_notes(resolved: Resolved, groups: SiteGroups, basis: str) -> list[str]:
    """Run-time notes on the carbon basis of a resolved audit (empty when carbon was not
    resolved, or one basis covered every zone at the zone's own key).

    ``groups``: :func:`~fairwatt.factors.resolve.site_groups` of the resolved rows;
    ``basis``: the audit's ``carbon_basis`` option."""
    if CARBON not in resolved.source_ids.columns:
        return []
    ids = resolved.source_ids[CARBON].to_numpy()
    by_basis: dict[str, set[str]] = {}
    coarser: dict[str, set[str]] = {}
    for (site, zone), positions in groups.items():
        for sid in np.unique(ids[positions]):
            if sid < 0:
                continue
            source = resolved.sources[int(sid)]
            by_basis.setdefault(source_basis(source.provenance), set()).add(str(zone))
            if source.key not in (str(site), str(zone)):
                coarser.setdefault(source.key, set()).add(str(zone))
    notes = []
    if len(by_basis) > 1 or "mixed" in by_basis:
        notes.append(_mixed_note(by_basis))
    if basis != "any" and coarser:
        from fairwatt import datasets

        finer = _zone_keys(datasets.carbon_defaults("any"))
        for key, zones in sorted(coarser.items()):
            own = sorted(z for z in zones if z in finer)
            if own:
                notes.append(
                    f"carbon for {', '.join(own)}: no {basis} data for "
                    f"{'these zones' if len(own) > 1 else 'this zone'} itself, so the "
                    f"{basis} value of {key} is used (--carbon-basis any uses the zone's "
                    "own data of another basis)"
                )
    return notes


def _mixed_note(by_basis: dict[str, set[str]]) -> str:
    order = ["lifecycle", "direct", "mixed", UNSPECIFIED]
    bases = sorted(by_basis, key=lambda b: (order.index(b) if b in order else len(order), b))
    parts = []
    for i, b in enumerate(bases):
        n = len(by_basis[b])
        unit = (" zone" if n == 1 else " zones") if i == 0 else ""
        zones = sorted(by_basis[b])
        listed = ", ".join(zones[:6]) + (f" and {len(zones) - 6} more" if len(zones) > 6 else "")
        parts.append(f"{b} for {n}{unit} ({listed})")
    return (
        "carbon basis mixed: "
        + ", ".join(parts)
        + "; indices across these zones partly measure the difference in method"
    )
