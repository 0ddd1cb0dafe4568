"""The rebalancing scenario: sites, gateways, hourly capacity and demand, masks, factors.

A scenario holds plain NumPy arrays in the balancing units:

* energy in MWh per hour (capacity, demand, allocations);
* energy price in US$/MWh;
* intensities per MWh: carbon in t/MWh (= kg/kWh), water in m³/MWh (= L/kWh),
  health damage in US$/MWh.

Footprints are therefore carbon in t, water in m³ and health in US$, and the objective
weights are US$ per t, per m³ and per US$ of health damage, as in the eGLB paper [1]_.

References
----------
.. [1] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally equitable
   AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairwatt.errors import InputError
from fairwatt.schema import FOOTPRINTS

#: Footprints a scenario may carry, in report order.
#: Masks every scenario knows without a matrix.
BUILTIN_MASKS: tuple[str, ...] = ("full", "nearest")


def _as_2d(name: str, value: Any, shape: tuple[int, int], *, nonneg: bool) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(shape, float(arr))
    elif arr.ndim == 1 and arr.shape[0] == shape[0]:
        arr = np.repeat(arr[:, None], shape[1], axis=1)
    if arr.shape != shape:
        raise InputError(f"{name} has shape {arr.shape}, expected {shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, t = np.argwhere(bad)[0]
        raise InputError(f"{name} is missing or not finite at index ({i}, hour {t})")
    if nonneg and (arr < 0).any():
        i, t = np.argwhere(arr < 0)[0]
        raise InputError(f"{name} is negative ({arr[i, t]:g}) at index ({i}, hour {t})")
    return np.ascontiguousarray(arr)


@dataclass(frozen=True, eq=False)
class Flexibility:
    """Temporally deferrable load: per gateway, a share of each hour's demand that may be
    served up to a number of hours later.

    A share ``share[g]`` of the demand of gateway ``g`` arriving in hour ``t`` may be
    served in any hour ``tau`` with ``t <= tau <= min(t + max_delay[g], T - 1)`` (at any
    site the mask allows); the rest, ``1 - share[g]``, is served in hour ``t``.

    Parameters
    ----------
    share : array-like, shape (G,) or scalar
        Deferrable share of each gateway's demand. [dimensionless, 0..1]
    max_delay : array-like of int, shape (G,) or scalar
        Maximum delay of each gateway's deferrable load. [h, integer >= 0]

    Raises
    ------
    InputError
        On a share outside [0, 1] (naming ``deferrable``) or a negative or non-integer
        delay (naming ``max_delay``).
    """

    share: np.ndarray
    max_delay: np.ndarray

    def __post_init__(self) -> None:
        share = np.atleast_1d(np.asarray(self.share, dtype=np.float64))
        bad = ~(np.isfinite(share) & (share >= 0.0) & (share <= 1.0))
        if bad.any():
            raise InputError(
                f"deferrable {share[bad][0]:g}: the deferrable share must be between 0 and 1",
                hint="give deferrable as a share such as 0.3",
            )
        raw = np.atleast_1d(np.asarray(self.max_delay, dtype=np.float64))
        ok = np.isfinite(raw) & (raw >= 0) & (raw == np.round(raw))
        if not ok.all():
            raise InputError(
                f"max_delay {raw[~ok][0]:g}: the maximum delay must be a whole number of "
                "hours >= 0",
                hint="give max_delay in whole hours, e.g. 4",
            )
        share, delay = np.broadcast_arrays(share, raw.astype(np.int64))
        object.__setattr__(self, "share", np.ascontiguousarray(share))
        object.__setattr__(self, "max_delay", np.ascontiguousarray(delay))

    @classmethod
    def uniform(cls, share: float, max_delay: int, n_gateways: int) -> Flexibility:
        """The same share and delay for every one of ``n_gateways`` gateways."""
        return cls(np.full(n_gateways, share, dtype=np.float64), np.full(n_gateways, max_delay))

    @property
    def active(self) -> bool:
        """True when some load may actually wait (a share > 0 with a delay > 0)."""
        return bool(((self.share > 0) & (self.max_delay > 0)).any())

    def check(self, n_gateways: int, n_hours: int) -> None:
        """Sizes against a scenario; a delay must be shorter than the horizon."""
        if self.share.shape != (n_gateways,):
            raise InputError(
                f"flexibility gives {self.share.size} shares for {n_gateways} gateways"
            )
        if (self.max_delay >= n_hours).any():
            raise InputError(
                f"max_delay {int(self.max_delay.max())} h is not shorter than the horizon "
                f"({n_hours} hours)",
                hint=f"give max_delay below {n_hours}",
            )


def _checked_flexibility(flex: Any, n_gateways: int, n_hours: int) -> Flexibility | None:
    """``flex`` checked against the scenario (one value stands for every gateway)."""
    if flex is None:
        return None
    if not isinstance(flex, Flexibility):
        raise InputError("flexibility must be a Flexibility value")
    checked: Flexibility = flex
    if checked.share.shape == (1,) and n_gateways != 1:
        checked = Flexibility.uniform(float(flex.share[0]), int(flex.max_delay[0]), n_gateways)
    checked.check(n_gateways, n_hours)
    return checked


def _checked_masks(
    values: Mapping[str, Any], n_sites: int, n_gateways: int
) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    for name, value in values.items():
        if name in BUILTIN_MASKS:
            raise InputError(f"mask name {name!r} is reserved", hint="choose another name")
        m = np.asarray(value)
        if m.shape != (n_sites, n_gateways):
            raise InputError(
                f"mask {name!r} has shape {m.shape}, expected "
                f"({n_sites} sites, {n_gateways} gateways)"
            )
        if not np.isin(m, (0, 1)).all():
            raise InputError(f"mask {name!r} must hold only 0/1 (or true/false) values")
        masks[name] = m.astype(bool)
    return masks


@dataclass(frozen=True, eq=False)
class Scenario:
    """Sites, gateways (user regions), hourly capacity, demand and factors.

    Parameters
    ----------
    sites : sequence of str
        Site (data-center region) names, ``S`` of them.
    gateways : sequence of str
        Gateway (user region) names, ``G`` of them.
    capacity : array-like, shape (S, T), (S,) or scalar
        Energy each site can take in each hour. [MWh]
    demand : array-like, shape (G, T)
        Energy each gateway must have served in each hour. [MWh]
    price : array-like, shape (S, T), (S,) or scalar
        Energy price at each site and hour. [US$/MWh]
    intensity : mapping of footprint name to array-like (S, T)
        Hourly intensity at each site, for any of ``carbon`` [t/MWh], ``water``
        [m³/MWh] and ``health`` [US$/MWh].
    site_weights : mapping of footprint name to array-like (S,), optional
        Per-site multiplier of a footprint in the equity terms (e.g. water stress).
        [dimensionless] Missing footprints weigh 1 everywhere.
    masks : mapping of name to bool array (S, G), optional
        Named connectivity masks: ``mask[s, g]`` is True when site ``s`` may serve
        gateway ``g`` (the latency constraint). ``full`` and ``nearest`` are built in.
    nearest : sequence of int, optional
        Index of each gateway's nearest site; defaults to the site of the same name.
    hours : array-like of datetime64, optional
        Start of each hour (UTC), used in messages and outputs.
    flexibility : Flexibility, optional
        Temporally deferrable share of each gateway's demand and its maximum delay;
        none by default (all demand is served in the hour it arrives).
    """

    sites: tuple[str, ...]
    gateways: tuple[str, ...]
    capacity: np.ndarray
    demand: np.ndarray
    price: np.ndarray
    intensity: Mapping[str, np.ndarray] = field(default_factory=dict)
    site_weights: Mapping[str, np.ndarray] = field(default_factory=dict)
    masks: Mapping[str, np.ndarray] = field(default_factory=dict)
    nearest: np.ndarray | None = None
    hours: np.ndarray | None = None
    flexibility: Flexibility | None = None

    def __post_init__(self) -> None:
        sites = tuple(str(s) for s in self.sites)
        gateways = tuple(str(g) for g in self.gateways)
        if not sites:
            raise InputError("a scenario needs at least one site")
        if not gateways:
            raise InputError("a scenario needs at least one gateway")
        for kind, names in (("site", sites), ("gateway", gateways)):
            if len(set(names)) != len(names):
                dup = sorted({n for n in names if names.count(n) > 1})
                raise InputError(f"duplicate {kind} name(s): {', '.join(dup)}")
        demand = np.asarray(self.demand, dtype=np.float64)
        if demand.ndim == 1 and len(gateways) == 1:
            demand = demand[None, :]
        if demand.ndim != 2 or demand.shape[0] != len(gateways):
            raise InputError(f"demand has shape {demand.shape}, expected ({len(gateways)}, hours)")
        n_hours = demand.shape[1]
        if n_hours == 0:
            raise InputError("the scenario has no hours")
        shape = (len(sites), n_hours)
        demand = _as_2d("demand", demand, (len(gateways), n_hours), nonneg=True)
        capacity = _as_2d("capacity", self.capacity, shape, nonneg=True)
        price = _as_2d("price", self.price, shape, nonneg=False)
        intensity: dict[str, np.ndarray] = {}
        for name, value in self.intensity.items():
            if name not in FOOTPRINTS:
                raise InputError(
                    f"unknown footprint {name!r}", hint=f"use one of: {', '.join(FOOTPRINTS)}"
                )
            intensity[name] = _as_2d(f"{name} intensity", value, shape, nonneg=True)
        weights: dict[str, np.ndarray] = {}
        for name, value in self.site_weights.items():
            if name not in intensity:
                raise InputError(f"site weights given for {name!r}, which has no intensity")
            w = np.asarray(value, dtype=np.float64)
            if w.ndim == 0:
                w = np.full(len(sites), float(w))
            if w.shape != (len(sites),) or not np.isfinite(w).all() or (w < 0).any():
                raise InputError(
                    f"site weights of {name!r} must be {len(sites)} finite values >= 0"
                )
            weights[name] = w
        masks = _checked_masks(self.masks, len(sites), len(gateways))
        nearest = self.nearest
        if nearest is not None:
            nearest = np.asarray(nearest, dtype=np.int64)
            if (
                nearest.shape != (len(gateways),)
                or (nearest < 0).any()
                or (nearest >= len(sites)).any()
            ):
                raise InputError("nearest must give one site index per gateway")
        hours = self.hours
        if hours is not None:
            hours = np.asarray(hours)
            if hours.shape != (n_hours,):
                raise InputError(f"hours has {hours.shape[0]} labels for {n_hours} hours")
        flex = _checked_flexibility(self.flexibility, len(gateways), n_hours)
        object.__setattr__(self, "flexibility", flex)
        object.__setattr__(self, "sites", sites)
        object.__setattr__(self, "gateways", gateways)
        object.__setattr__(self, "demand", demand)
        object.__setattr__(self, "capacity", capacity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "intensity", intensity)
        object.__setattr__(self, "site_weights", weights)
        object.__setattr__(self, "masks", masks)
        object.__setattr__(self, "nearest", nearest)
        object.__setattr__(self, "hours", hours)

    # ------------------------------------------------------------------ sizes
    @property
    def n_sites(self) -> int:
        return len(self.sites)

    @property
    def n_gateways(self) -> int:
        return len(self.gateways)

    @property
    def n_hours(self) -> int:
        return int(self.demand.shape[1])

    @property
    def footprints(self) -> tuple[str, ...]:
        """Footprints with an intensity, in :data:`FOOTPRINTS` order."""
        return tuple(f for f in FOOTPRINTS if f in self.intensity)

    @property
    def mask_names(self) -> tuple[str, ...]:
        return (*BUILTIN_MASKS, *self.masks)

    def weight(self, footprint: str) -> np.ndarray:
        """Per-site weight of ``footprint`` in the equity terms. [dimensionless]"""
        self.require(footprint)
        w = self.site_weights.get(footprint)
        return np.ones(self.n_sites) if w is None else w

    def weighted_intensity(self, footprint: str) -> np.ndarray:
        """``weight[s] × intensity[s, t]``, shape (S, T). [unit/MWh]"""
        weighted: np.ndarray = self.intensity[footprint] * self.weight(footprint)[:, None]
        return weighted

    def require(self, footprint: str) -> None:
        if footprint not in FOOTPRINTS:
            raise InputError(
                f"unknown footprint {footprint!r}", hint=f"use one of: {', '.join(FOOTPRINTS)}"
            )
        if footprint not in self.intensity:
            have = ", ".join(self.footprints) or "none"
            raise InputError(
                f"the scenario has no {footprint} intensity (it has: {have})",
                hint=f"add a [factors.{footprint}] table to the scenario file",
            )

    def nearest_sites(self) -> np.ndarray:
        """Index of each gateway's nearest site."""
        if self.nearest is not None:
            return self.nearest
        index = {s: i for i, s in enumerate(self.sites)}
        missing = [g for g in self.gateways if g not in index]
        if missing:
            raise InputError(
                f"no nearest site known for gateway(s) {', '.join(missing[:5])}",
                hint="give each gateway a nearest site in the scenario file ([nearest])",
            )
        return np.array([index[g] for g in self.gateways], dtype=np.int64)

    def mask(self, name: str) -> np.ndarray:
        """Connectivity mask ``name`` as a bool array (S, G)."""
        if name == "full":
            return np.ones((self.n_sites, self.n_gateways), dtype=bool)
        if name == "nearest":
            m = np.zeros((self.n_sites, self.n_gateways), dtype=bool)
            m[self.nearest_sites(), np.arange(self.n_gateways)] = True
            return m
        if name in self.masks:
            return self.masks[name]
        raise InputError(f"unknown mask {name!r}", hint=f"use one of: {', '.join(self.mask_names)}")

    def hour_label(self, t: int) -> str:
        """Human-readable label of hour ``t`` (its UTC start when known)."""
        if self.hours is None:
            return f"hour {t}"
        value = self.hours[t]
        if isinstance(value, np.datetime64):
            text = np.datetime_as_string(value, unit="m")
            return f"hour {text}Z"
        return f"hour {value}"

    def select_hours(self, index: Sequence[int] | slice | np.ndarray) -> Scenario:
        """A scenario restricted to some hours (same sites, gateways and masks)."""
        return Scenario(
            sites=self.sites,
            gateways=self.gateways,
            capacity=self.capacity[:, index],
            demand=self.demand[:, index],
            price=self.price[:, index],
            intensity={k: v[:, index] for k, v in self.intensity.items()},
            site_weights=self.site_weights,
            masks=self.masks,
            nearest=self.nearest,
            hours=None if self.hours is None else self.hours[index],
        )

    def with_flexibility(self, flexibility: Flexibility | None) -> Scenario:
        """This scenario with another (or no) deferrable-load setting."""
        from dataclasses import replace

        return replace(self, flexibility=flexibility)


@dataclass(frozen=True, eq=False)
class Network:
    """A scenario compiled for one mask: gateway groups and routes.

    Gateways that reach exactly the same sites are merged into one group (their demand
    adds up); this is exact because nothing in the model depends on which gateway
    within a group is served, and it shrinks a full-mask problem from ``S × G`` routes
    per hour to ``S``. Allocations are split back to gateways in proportion to their
    demand in that hour.

    Attributes
    ----------
    mask : ndarray of bool, shape (S, G)
    groups : tuple of int arrays
        Gateway indices of each group, ``K`` groups.
    group_demand : ndarray, shape (K, T)
        Demand of each group. [MWh]
    route_site, route_group : ndarray of int, shape (R,)
        Site and group of each route (a site allowed to serve a group), sorted by group
        then site.
    group_share, group_delay : ndarray, shape (K,), or None
        Deferrable share [dimensionless] and maximum delay [h] of each group when the
        scenario has a :class:`Flexibility` (gateways are then merged only when these
        are equal too).
    """

    scenario: Scenario
    mask_name: str
    mask: np.ndarray
    groups: tuple[np.ndarray, ...]
    group_demand: np.ndarray
    route_site: np.ndarray
    route_group: np.ndarray
    group_share: np.ndarray | None = None
    group_delay: np.ndarray | None = None

    @property
    def n_routes(self) -> int:
        return int(self.route_site.shape[0])

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def group_label(self, k: int) -> str:
        names = [self.scenario.gateways[g] for g in self.groups[k]]
        if len(names) <= 3:
            return "+".join(names)
        return f"{names[0]}+{len(names) - 1} more"

    def site_energy(self, flow: np.ndarray) -> np.ndarray:
        """Energy per site and hour, shape (S, T), from route flows (T, R). [MWh]"""
        from scipy import sparse

        sc = self.scenario
        agg = sparse.csr_array(
            (np.ones(self.n_routes), (self.route_site, np.arange(self.n_routes))),
            shape=(sc.n_sites, self.n_routes),
        )
        return np.asarray(agg @ flow.T)

    def gateway_flows(self, flow: np.ndarray) -> np.ndarray:
        """Flows per hour, site and gateway, shape (T, S, G). [MWh]

        Each group's flow to a site is split over its gateways in proportion to their
        demand in that hour.
        """
        sc = self.scenario
        out = np.zeros((flow.shape[0], sc.n_sites, sc.n_gateways))
        for k, members in enumerate(self.groups):
            routes = np.flatnonzero(self.route_group == k)
            total = self.group_demand[k]
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total > 0, sc.demand[members] / total, 0.0)  # (m, T)
            for r in routes:
                out[:, self.route_site[r], members] = flow[:, r, None] * share.T
        return out


def compile_network(
    scenario: Scenario, mask: str | np.ndarray = "full", *, merge: bool = True
) -> Network:
    """Group the gateways of ``scenario`` by reachable sites and list the routes.

    Parameters
    ----------
    scenario : Scenario
    mask : str or bool array (S, G)
        A mask name known to the scenario, or a matrix.
    merge : bool, default True
        Merge gateways that reach the same sites into one group (exact); False keeps
        one group per gateway (``S × G`` routes on a full mask).

    Raises
    ------
    InputError
        When a gateway with demand can reach no site.
    """
    if isinstance(mask, str):
        name, m = mask, scenario.mask(mask)
    else:
        name, m = "custom", np.asarray(mask, dtype=bool)
        if m.shape != (scenario.n_sites, scenario.n_gateways):
            raise InputError(f"mask has shape {m.shape}, expected (sites, gateways)")
    unreachable = np.flatnonzero(~m.any(axis=0) & (scenario.demand.sum(axis=1) > 0))
    if unreachable.size:
        g = unreachable[0]
        raise InputError(
            f"gateway {scenario.gateways[g]!r} has demand but mask {name!r} lets no site serve it",
            hint="allow at least one site for every gateway",
        )
    columns = np.ascontiguousarray(m.T).astype(np.float64)  # (G, S)
    flex = scenario.flexibility
    if flex is not None:  # merge only gateways with the same share and delay
        columns = np.hstack([columns, flex.share[:, None], flex.max_delay[:, None]])
    if not merge:
        columns = np.hstack([columns, np.eye(scenario.n_gateways)])
    _, first, inverse = np.unique(columns, axis=0, return_index=True, return_inverse=True)
    # keep groups in order of their first gateway
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    group_of = rank[np.asarray(inverse).reshape(-1)]
    groups = tuple(np.flatnonzero(group_of == k) for k in range(order.size))
    group_demand = np.stack([scenario.demand[g].sum(axis=0) for g in groups])
    route_site_l: list[np.ndarray] = []
    route_group_l: list[np.ndarray] = []
    for k, members in enumerate(groups):
        sites = np.flatnonzero(m[:, members[0]])
        route_site_l.append(sites)
        route_group_l.append(np.full(sites.size, k))
    return Network(
        scenario=scenario,
        mask_name=name,
        mask=m,
        groups=groups,
        group_demand=group_demand,
        route_site=np.concatenate(route_site_l).astype(np.int64),
        route_group=np.concatenate(route_group_l).astype(np.int64),
        group_share=None if flex is None else flex.share[[g[0] for g in groups]],
        group_delay=None if flex is None else flex.max_delay[[g[0] for g in groups]],
    )
