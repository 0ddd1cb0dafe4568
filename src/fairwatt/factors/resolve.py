"""Factor resolution: which value applies to a site in a given hour, and where it came from.

For each factor and site the candidate sources are ordered by

1. origin: the user's factor files, then fetched provider data, then bundled datasets
   pinned by name, then the bundled defaults;
2. time resolution: hourly before monthly before annual before static;
3. key: the site id, then its zone, then each coarser zone (``US-VA`` -> ``US``);
4. the order given (files as passed; the manifest's order of defaults).

The first candidate that has the key is used for every hour it covers. Annual and
monthly values use the data year equal to the hour's year, else the latest earlier
year, else the earliest later one (the year used is recorded). Hours the chosen
source does not cover are a :class:`~fairwatt.errors.FactorMissingError` unless
``fallback="annual"``, which fills them from the next annual, monthly or static
candidate and marks those rows. Nothing falls back silently: every row records the
source, key and year of each factor.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fairwatt.errors import FactorMissingError
from fairwatt.factors.table import RESOLUTION_RANK, FactorLayer

if TYPE_CHECKING:
    import pandas as pd

#: ``{(site, zone): row positions}`` (see :func:`site_groups`)
SiteGroups = dict[tuple[Any, Any], np.ndarray]

ORIGIN_RANK = {"user": 0, "provider": 1, "pinned": 2, "bundled": 3}


def zone_chain(site: str, zone: str) -> list[str]:
    """Lookup keys from finest to coarsest: the site id, its zone, then parent zones."""
    keys = [site]
    z = zone
    while z:
        if z not in keys:
            keys.append(z)
        if "-" not in z:
            break
        z = z.rsplit("-", 1)[0]
    return keys


@dataclass
class Source:
    factor: str
    layer: str
    key: str
    resolution: str
    year: int | None
    fallback: bool
    provenance: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        year = f" {self.year}" if self.year is not None else ""
        fb = " (fallback)" if self.fallback else ""
        return f"{self.factor}={self.layer}[{self.key}{year}]{fb}"


@dataclass
class Resolved:
    """Factor values aligned with the input rows, and the sources used.

    ``values`` has one float column per factor; ``source_ids`` one int column per factor
    indexing ``sources``; ``fallback`` is True where any factor used a fallback."""

    values: pd.DataFrame
    source_ids: pd.DataFrame
    sources: list[Source]
    fallback: np.ndarray


class _TableData:
    """What lookups need from one layer's table, computed once per table: the key of
    each row as an integer code, and each factor's rows as :class:`_FactorRows`."""

    def __init__(self, table: pd.DataFrame) -> None:
        import pandas as pd

        self.table = table
        codes, uniques = pd.factorize(table["key"])
        if (codes < 0).any():  # a missing key reads as text, as ``astype(str)`` has it
            codes, uniques = pd.factorize(table["key"].astype(str))
        self.codes = codes
        self.names = [str(k) for k in uniques]
        self._stamps: np.ndarray | None = None
        self.aware = False
        self._factors: dict[tuple[str, str], _FactorRows] = {}

    def stamps(self) -> np.ndarray:
        """The ``timestamp`` column as nanoseconds (UTC when tz-aware)."""
        import pandas as pd

        if self._stamps is None:
            index = pd.DatetimeIndex(self.table["timestamp"])
            self.aware = index.tz is not None
            self._stamps = index.as_unit("ns").asi8
        return self._stamps

    def factor(self, factor: str, resolution: str) -> _FactorRows:
        if (factor, resolution) not in self._factors:
            self._factors[factor, resolution] = _FactorRows(self, factor, resolution)
        return self._factors[factor, resolution]


#: :class:`_TableData` of the tables seen in this process, by ``id`` (dropped with the
#: table); the table's length and columns are checked on every hit
_TABLES: dict[int, tuple[weakref.ref[pd.DataFrame], tuple[Any, ...], _TableData]] = {}


def _table_data(table: pd.DataFrame) -> _TableData:
    shape = (len(table), tuple(table.columns))
    hit = _TABLES.get(id(table))
    if hit is not None and hit[0]() is table and hit[1] == shape:
        return hit[2]
    data = _TableData(table)
    _TABLES[id(table)] = (weakref.ref(table), shape, data)
    weakref.finalize(table, _TABLES.pop, id(table), None)
    return data


class _FactorRows:
    """One factor of one layer as NumPy arrays: the rows with a value, grouped by key
    (in the table's order within a key), with the ``[start, end)`` slice of each key."""

    def __init__(self, data: _TableData, factor: str, resolution: str) -> None:
        table = data.table
        values = table[factor].to_numpy(dtype="float64", na_value=np.nan)
        rows: np.ndarray | slice
        if not np.isnan(values).any() and (np.diff(data.codes) >= 0).all():
            rows, ordered = slice(None), data.codes  # in order already: views, no copies
        else:
            keep = np.flatnonzero(~np.isnan(values))
            order = np.argsort(data.codes[keep], kind="stable")
            rows, ordered = keep[order], data.codes[keep][order]
        edges = np.searchsorted(ordered, np.arange(len(data.names) + 1))
        self.bounds = {
            k: (int(edges[c]), int(edges[c + 1]))
            for c, k in enumerate(data.names)
            if edges[c + 1] > edges[c]
        }
        self.values = values[rows]
        none = np.empty(0, dtype="int64")
        self.time = data.stamps()[rows] if resolution == "hourly" else none
        self.aware = data.aware
        by_year = resolution in ("annual", "monthly")
        self.year = table["year"].to_numpy(dtype="int64")[rows] if by_year else none
        monthly = resolution == "monthly"
        self.month = table["month"].to_numpy(dtype="int64")[rows] if monthly else none
        self._hourly: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def hourly(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The key's distinct timestamps, sorted, and the value of the first row of each."""
        if key not in self._hourly:
            start, end = self.bounds.get(key, (0, 0))
            stamps, values = self.time[start:end], self.values[start:end]
            if len(stamps) > 1 and not (np.diff(stamps) > 0).all():
                stamps, first = np.unique(stamps, return_index=True)
                values = values[first]
            self._hourly[key] = (stamps, values)
        return self._hourly[key]


class _LayerIndex:
    """Per-key lookups into one layer (the arrays are shared by every index of the same
    table)."""

    def __init__(self, layer: FactorLayer, utc: bool = True) -> None:
        self.layer = layer
        self.data = _table_data(layer.table)
        self.keys = set(self.data.names)
        self.utc = utc

    def rows(self, factor: str) -> _FactorRows:
        return self.data.factor(factor, self.layer.resolution)

    def has(self, key: str, factor: str) -> bool:
        if key not in self.keys:
            return False
        if self.layer.origin == "provider":
            # fetched for this key: its gaps are reported (or filled with --fallback
            # annual and flagged), never silently replaced by a coarser layer
            return True
        return key in self.rows(factor).bounds

    def lookup(
        self, key: str, factor: str, hours: np.ndarray, want_year: np.ndarray, months: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values for ``hours`` (UTC nanoseconds; their years ``want_year`` and months
        ``months``; NaN where not covered) and the data year used (-1: none)."""
        data = self.rows(factor)
        res = self.layer.resolution
        if res == "hourly":
            stamps, values = data.hourly(key)
            vals = np.full(len(hours), np.nan)
            # aware hours never match naive timestamps (nor the reverse)
            if len(stamps) and data.aware == self.utc:
                pos = np.minimum(np.searchsorted(stamps, hours), len(stamps) - 1)
                hit = stamps[pos] == hours
                vals[hit] = values[pos[hit]]
            return vals, np.where(np.isnan(vals), -1, want_year)
        start, end = data.bounds[key]
        if res == "static":
            return np.full(len(hours), data.values[start]), np.full(len(hours), -1)
        if res == "annual":
            return _by_year(data.year[start:end], data.values[start:end], want_year)
        # monthly: same month of the best year by the annual rule
        vals = np.full(len(hours), np.nan)
        used = np.full(len(hours), -1)
        key_months = data.month[start:end]
        for m in np.unique(months):
            of_month = key_months == m
            if not of_month.any():
                continue
            sel = months == m
            vals[sel], used[sel] = _by_year(
                data.year[start:end][of_month], data.values[start:end][of_month], want_year[sel]
            )
        return vals, used


def _by_year(
    years: np.ndarray, values: np.ndarray, want_year: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The value of the year equal to each wanted year, else the latest earlier year,
    else the earliest later one; and the year used."""
    order = np.argsort(years, kind="stable")
    years, values = years[order], values[order]
    pos = np.searchsorted(years, want_year, side="right") - 1
    pos = np.where(pos < 0, 0, pos)
    return values[pos], years[pos]


def _candidates(
    indexes: Sequence[_LayerIndex], factor: str, chain: list[str]
) -> list[tuple[int, int, int, int]]:
    """``(origin rank, resolution rank, key level, layer position)``, best first."""
    return sorted(
        (
            ORIGIN_RANK[ix.layer.origin],
            RESOLUTION_RANK[ix.layer.resolution],
            level,
            i,
        )
        for i, ix in enumerate(indexes)
        for level, key in enumerate(chain)
        if factor in ix.layer.table.columns and ix.has(key, factor)
    )


def _format_hours(hours: pd.DatetimeIndex, limit: int = 3) -> str:
    """Compress sorted hours into ranges: '2024-06-03T00 .. 2024-06-03T05 (6 h)'."""
    if len(hours) == 0:
        return ""
    h = hours.sort_values()
    breaks = np.flatnonzero(np.diff(h.as_unit("s").asi8) != 3_600)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, len(h) - 1]
    parts = []
    for s, e in list(zip(starts, ends, strict=True))[:limit]:
        a, b = h[s].strftime("%Y-%m-%dT%H:00Z"), h[e].strftime("%Y-%m-%dT%H:00Z")
        parts.append(a if s == e else f"{a} .. {b} ({e - s + 1} h)")
    more = f" and {len(starts) - limit} more ranges" if len(starts) > limit else ""
    return ", ".join(parts) + more


def resolve(
    rows: pd.DataFrame,
    factors: Sequence[str],
    layers: Sequence[FactorLayer],
    *,
    fallback: str | None = None,
    optional: Sequence[str] = (),
    groups: SiteGroups | None = None,
) -> Resolved:
    """Resolve ``factors`` for ``rows`` (columns ``site``, ``zone``, ``hour``).

    ``optional`` factors are resolved where some source has them and left NaN
    elsewhere (used for ranges and withdrawal factors that only some data carries).
    ``groups``: :func:`site_groups` of ``rows``, when the caller has it already.
    """
    import pandas as pd

    resolver = _Resolver(rows, layers, fallback, groups)
    values = pd.DataFrame(index=rows.index)
    source_ids = pd.DataFrame(index=rows.index)
    for factor in [*factors, *optional]:
        values[factor], source_ids[factor] = resolver.column(factor, factor not in optional)
    resolver.raise_if_missing()
    return Resolved(
        values=values, source_ids=source_ids, sources=resolver.sources, fallback=resolver.fell_back
    )


class _Resolver:
    """The state of one :func:`resolve` call: sources used, fallbacks, what is missing."""

    def __init__(
        self,
        rows: pd.DataFrame,
        layers: Sequence[FactorLayer],
        fallback: str | None,
        groups: SiteGroups | None = None,
    ) -> None:
        import pandas as pd

        self.all_hours = pd.DatetimeIndex(rows["hour"])
        utc = self.all_hours.tz is not None
        self.indexes = [_LayerIndex(layer, utc) for layer in layers]
        self.fallback = fallback
        self.n = len(rows)
        # {(site, zone): row positions}
        self.site_groups = site_groups(rows) if groups is None else groups
        self.hour_ns = self.all_hours.as_unit("ns").asi8
        self.years, self.months = _years_months(self.all_hours)
        self.sources: list[Source] = []
        self._source_pos: dict[tuple[Any, ...], int] = {}
        self.fell_back = np.zeros(self.n, dtype=bool)
        self.missing: list[str] = []  # hour gaps, one entry per site
        self.no_data: dict[str, list[str]] = {}  # factor -> "ZONE (site)" without any source

    def column(self, factor: str, required: bool) -> tuple[np.ndarray, np.ndarray]:
        """One factor's value and source id for every row (NaN and -1 where none)."""
        col = np.full(self.n, np.nan)
        sid = np.full(self.n, -1, dtype="int64")
        for (site, zone), positions in self.site_groups.items():
            chain = zone_chain(str(site), str(zone))
            candidates = self._candidates(factor, chain)
            if not candidates:
                if required:
                    self.no_data.setdefault(factor, []).append(
                        str(zone) if zone == site else f"{zone} ({site})"
                    )
                continue
            todo = self._fill(factor, chain, candidates, positions, col, sid)
            if todo.any() and required:
                gap = _format_hours(self.all_hours[positions[todo]])
                self.missing.append(
                    f"zone {zone} (site {site}): no {factor} for {int(todo.sum())} hour(s): {gap}"
                )
                self.no_data.setdefault(factor, [])
        return col, sid

    def _candidates(self, factor: str, chain: list[str]) -> list[tuple[int, int, int, int]]:
        return _candidates(self.indexes, factor, chain)

    def _fill(
        self,
        factor: str,
        chain: list[str],
        candidates: list[tuple[int, int, int, int]],
        positions: np.ndarray,
        col: np.ndarray,
        sid: np.ndarray,
    ) -> np.ndarray:
        """Fill one site's rows from the first candidate, then (with ``fallback="annual"``)
        from coarser ones; return the mask of hours still without a value."""
        todo = np.ones(len(positions), dtype=bool)
        first = True
        for _, _, level, i in candidates:
            ix = self.indexes[i]
            if not first and (self.fallback != "annual" or ix.layer.resolution == "hourly"):
                continue
            key = chain[level]
            rows = positions[todo]
            vals, years = ix.lookup(
                key, factor, self.hour_ns[rows], self.years[rows], self.months[rows]
            )
            got = ~np.isnan(vals)
            idx = rows[got]
            col[idx] = vals[got]
            used = years[got]
            one_year = used.size > 0 and used.min() == used.max()
            for y in used[:1] if one_year else np.unique(used):
                source_id = self._source_id(factor, ix, key, int(y), fallback=not first)
                sid[idx if one_year else idx[used == y]] = source_id
            if not first:
                self.fell_back[idx] = True
            todo[np.flatnonzero(todo)[got]] = False
            first = False
            if not todo.any():
                break
        return todo

    def _source_id(self, factor: str, ix: _LayerIndex, key: str, y: int, fallback: bool) -> int:
        """Position of a source in :attr:`sources`, added on first use."""
        ident = (factor, ix.layer.name, key, y, fallback)
        if ident not in self._source_pos:
            self._source_pos[ident] = len(self.sources)
            self.sources.append(
                Source(
                    factor=factor,
                    layer=ix.layer.name,
                    key=key,
                    resolution=ix.layer.resolution,
                    year=None if y < 0 else y,
                    fallback=fallback,
                    provenance=ix.layer.provenance,
                )
            )
        return self._source_pos[ident]

    def raise_if_missing(self) -> None:
        """Raise :class:`~fairwatt.errors.FactorMissingError` naming every gap, if any."""
        missing, no_data = self.missing, self.no_data
        if not missing and not any(no_data.values()):
            return
        parts = [
            f"no {factor} factor for zone{'s' if len(where) > 1 else ''} "
            + ", ".join(where[:6])
            + (f" and {len(where) - 6} more" if len(where) > 6 else "")
            for factor, where in no_data.items()
            if where
        ]
        parts += missing[:5] + ([f"and {len(missing) - 5} more sites"] if len(missing) > 5 else [])
        raise FactorMissingError(
            "; ".join(parts),
            factors=frozenset(no_data),
            hint="pass --factors FILE with the missing values or pin another dataset with "
            "--dataset (`fairwatt factors list` shows the bundled data)"
            + (
                "; --fallback annual fills gaps in hourly data from annual values"
                if missing
                else ""
            ),
        )


def uncovered(
    rows: pd.DataFrame,
    factor: str,
    layers: Sequence[FactorLayer],
    groups: SiteGroups | None = None,
) -> list[str]:
    """The zones of ``rows`` (columns ``site``, ``zone``, ``hour``) for which no layer has
    ``factor`` at all, sorted.

    Hour gaps in a source that does cover a zone are not counted: :func:`resolve`
    reports those. ``groups``: :func:`site_groups` of ``rows``, if known."""
    pairs = site_groups(rows, positions=False) if groups is None else groups
    indexes = [_LayerIndex(layer) for layer in layers]
    return sorted(
        {
            str(zone)
            for site, zone in pairs
            if not _candidates(indexes, factor, zone_chain(str(site), str(zone)))
        }
    )


def site_groups(rows: pd.DataFrame, positions: bool = True) -> SiteGroups:
    """``{(site, zone): row positions}`` in the order of ``rows.groupby(["site", "zone"],
    sort=True).indices`` (rows with a missing site or zone left out); with
    ``positions=False`` the values are empty (only the pairs are wanted)."""
    import pandas as pd

    site_codes, sites = pd.factorize(rows["site"], sort=True)
    zone_codes, zones = pd.factorize(rows["zone"], sort=True)
    width = max(len(zones), 1)
    pair = site_codes.astype("int64") * width + zone_codes
    pair[(site_codes < 0) | (zone_codes < 0)] = -1
    if not positions:
        none = np.empty(0, dtype="int64")
        return {(sites[p // width], zones[p % width]): none for p in np.unique(pair) if p >= 0}
    order = np.argsort(pair, kind="stable")
    ordered = pair[order]
    skip = int(np.searchsorted(ordered, 0))
    uniq, starts = np.unique(ordered[skip:], return_index=True)
    ends = np.r_[starts[1:], len(ordered) - skip] + skip
    return {
        (sites[p // width], zones[p % width]): order[a:b]
        for p, a, b in zip(uniq, starts + skip, ends, strict=True)
    }


def _years_months(hours: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Year and month of each hour (as ``hours.year`` and ``hours.month``)."""
    if hours.tz is not None and str(hours.tz) != "UTC":
        return hours.year.to_numpy(), hours.month.to_numpy()
    months = hours.as_unit("ns").asi8.view("datetime64[ns]").astype("datetime64[M]")
    since_1970 = months.astype("int64")
    return since_1970 // 12 + 1970, since_1970 % 12 + 1
