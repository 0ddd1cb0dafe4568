r"""Objectives of the rebalancing problem: baselines, eGLB-Off and constraint forms.

Every objective is a linear combination, minimised over feasible allocations, of

* the energy cost :math:`C = \sum_{t,s} p_{s,t} x_{s,t}` [US$],
* the mean over sites of a weighted footprint, :math:`\frac{1}{S}\sum_s F_{f,s}`,
* the worst site's weighted footprint, :math:`\max_s F_{f,s}` (eGLB-Off [1]_),

with :math:`F_{f,s} = w_{f,s} \sum_t k_{f,s,t} x_{s,t}` the total footprint ``f`` of site
``s`` over the horizon, weighted by the per-site weight :math:`w_{f,s}`; optionally
subject to limits on a footprint: the worst site (:math:`\max_s F_{f,s} \le c`), the
max-to-mean ratio (:math:`\max_s F_{f,s} \le r \cdot \mathrm{mean}_s F_{f,s}`) or the
population Gini (linearised with pairwise absolute differences).

The objective ``"AVG"`` of [1]_ is the mean form; ``"MAX"`` is the worst-site form.

References
----------
.. [1] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally equitable
   AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
.. [2] Hajiesmaili, M., Ren, S., Sitaraman, R. K., Wierman, A. (2025). Towards
   environmentally equitable AI. Communications of the ACM. arXiv:2412.16539
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np

from fairwatt.balancing.scenario import Scenario
from fairwatt.errors import InputError
from fairwatt.schema import FOOTPRINTS

LimitKind = Literal["worst", "ratio", "gini"]
LIMIT_KINDS: tuple[str, ...] = ("worst", "ratio", "gini")


@dataclass(frozen=True)
class Limit:
    """A constraint on one footprint's distribution over sites.

    Parameters
    ----------
    footprint : str
        ``carbon``, ``water`` or ``health``.
    kind : {"worst", "ratio", "gini"}
        ``worst``: the worst site's weighted footprint is at most ``bound`` [t, m³ or
        US$]; ``ratio``: max-to-mean at most ``bound`` [dimensionless, >= 1];
        ``gini``: population Gini at most ``bound`` [dimensionless, in [0, 1)].
    bound : float
    """

    footprint: str
    kind: LimitKind
    bound: float

    def __post_init__(self) -> None:
        if self.footprint not in FOOTPRINTS:
            raise InputError(
                f"unknown footprint {self.footprint!r} in a limit",
                hint=f"use one of: {', '.join(FOOTPRINTS)}",
            )
        if self.kind not in LIMIT_KINDS:
            raise InputError(f"unknown limit kind {self.kind!r}")
        b = float(self.bound)
        if not math.isfinite(b) or b < 0:
            raise InputError(f"{self.kind} limit on {self.footprint} must be finite and >= 0")
        if self.kind == "ratio" and b < 1:
            raise InputError(
                f"max-to-mean limit {b:g} on {self.footprint} is below 1, which no "
                "allocation can meet",
                hint="give a ratio >= 1",
            )
        if self.kind == "gini" and b >= 1:
            raise InputError(f"Gini limit {b:g} on {self.footprint} must be below 1")

    def describe(self) -> str:
        sym = {"worst": "worst site", "ratio": "max/mean", "gini": "Gini"}[self.kind]
        return f"{self.footprint} {sym} <= {self.bound:g}"


@dataclass(frozen=True)
class Objective:
    """What to minimise, and under which limits.

    Parameters
    ----------
    name : str
        Label in reports.
    cost : float, default 1
        Weight of the energy cost. [dimensionless]
    mean : mapping of footprint to float
        Weight of the mean over sites of each weighted footprint. [US$ per t, m³ or US$]
    worst : mapping of footprint to float
        Weight of the worst site's weighted footprint. [US$ per t, m³ or US$]
    limits : tuple of Limit
        Constraints every solution must meet.
    mask : str, optional
        Mask this objective always uses (``nearest`` for the nearest-site baseline);
        otherwise the mask of the run.
    """

    name: str
    cost: float = 1.0
    mean: Mapping[str, float] = field(default_factory=dict)
    worst: Mapping[str, float] = field(default_factory=dict)
    limits: tuple[Limit, ...] = ()
    mask: str | None = None

    def __post_init__(self) -> None:
        for label, terms in (("mean", self.mean), ("worst", self.worst)):
            for f, mu in terms.items():
                if f not in FOOTPRINTS:
                    raise InputError(
                        f"unknown footprint {f!r} in objective {self.name!r}",
                        hint=f"use one of: {', '.join(FOOTPRINTS)}",
                    )
                if not math.isfinite(mu) or mu < 0:
                    raise InputError(
                        f"weight of {label} {f} in objective {self.name!r} must be >= 0"
                    )
        if not math.isfinite(self.cost) or self.cost < 0:
            raise InputError(f"cost weight of objective {self.name!r} must be >= 0")
        object.__setattr__(self, "mean", {f: float(v) for f, v in self.mean.items() if v})
        object.__setattr__(self, "worst", {f: float(v) for f, v in self.worst.items() if v})

    @property
    def footprints(self) -> tuple[str, ...]:
        """Footprints this objective uses (terms and limits)."""
        used = set(self.mean) | set(self.worst) | {lim.footprint for lim in self.limits}
        return tuple(f for f in FOOTPRINTS if f in used)

    @property
    def coupled(self) -> bool:
        """True when hours interact (worst-site terms or limits); else it separates
        into one small problem per hour."""
        return bool(self.worst) or bool(self.limits)

    def check(self, scenario: Scenario) -> None:
        for f in self.footprints:
            scenario.require(f)

    def with_weights(
        self, *, cost: float | None = None, worst: Mapping[str, float] | None = None
    ) -> Objective:
        return Objective(
            name=self.name,
            cost=self.cost if cost is None else cost,
            mean=self.mean,
            worst=self.worst if worst is None else worst,
            limits=self.limits,
            mask=self.mask,
        )

    def describe(self) -> str:
        parts = []
        if self.cost:
            parts.append("cost" if self.cost == 1 else f"{self.cost:g}·cost")
        parts += [f"{mu:g}·mean {f}" for f, mu in self.mean.items()]
        parts += [f"{mu:g}·max {f}" for f, mu in self.worst.items()]
        text = "minimise " + (" + ".join(parts) or "0")
        if self.limits:
            text += " subject to " + ", ".join(lim.describe() for lim in self.limits)
        if self.mask:
            text += f" (mask {self.mask})"
        return text


# --------------------------------------------------------------------------- evaluation


def site_footprints(scenario: Scenario, site_energy: np.ndarray) -> dict[str, np.ndarray]:
    """Total footprint of each site over the horizon (unweighted), shape (S,) each.

    Parameters
    ----------
    scenario : Scenario
    site_energy : ndarray, shape (S, T)
        Energy served at each site and hour. [MWh]

    Returns
    -------
    dict
        ``{"carbon": [t], "water": [m³], "health": [US$]}`` for the footprints present.
    """
    return {
        f: np.einsum("st,st->s", scenario.intensity[f], site_energy) for f in scenario.footprints
    }


def site_costs(scenario: Scenario, site_energy: np.ndarray) -> np.ndarray:
    """Energy cost of each site over the horizon, shape (S,). [US$]"""
    cost: np.ndarray = np.einsum("st,st->s", scenario.price, site_energy)
    return cost


def evaluate(objective: Objective, scenario: Scenario, site_energy: np.ndarray) -> float:
    """Value of ``objective`` for an allocation given as site energy (S, T).

    Limits are not checked here; see :func:`limit_violation`.
    """
    value = objective.cost * float(site_costs(scenario, site_energy).sum())
    for f in set(objective.mean) | set(objective.worst):
        fw = scenario.weight(f) * np.einsum("st,st->s", scenario.intensity[f], site_energy)
        value += objective.mean.get(f, 0.0) * float(fw.mean())
        value += objective.worst.get(f, 0.0) * float(fw.max())
    return value


def limit_violation(limit: Limit, scenario: Scenario, site_energy: np.ndarray) -> float:
    """How far an allocation is above ``limit`` (0 when it meets it), in the limit's
    own terms scaled to footprint units (e.g. ``max − r·mean`` for a ratio)."""
    fw: np.ndarray = scenario.weight(limit.footprint) * np.einsum(
        "st,st->s", scenario.intensity[limit.footprint], site_energy
    )
    if limit.kind == "worst":
        return max(0.0, float(fw.max()) - limit.bound)
    if limit.kind == "ratio":
        return max(0.0, float(fw.max()) - limit.bound * float(fw.mean()))
    n = fw.size
    pair_sum = float(np.abs(fw[:, None] - fw[None, :]).sum()) / 2.0
    return max(0.0, pair_sum - limit.bound * n * float(fw.sum()))


# --------------------------------------------------------------------------- specs


def min_cost(name: str = "min-cost") -> Objective:
    """Baseline: minimise the energy cost."""
    return Objective(name=name, cost=1.0)


def min_footprint(footprint: str, name: str | None = None) -> Objective:
    """Baseline: minimise a footprint's total (equivalently its mean) over sites.

    The objective value is the mean over sites of the weighted footprint.
    """
    return Objective(name=name or f"min-{footprint}", cost=0.0, mean={footprint: 1.0})


def nearest_site(name: str = "nearest") -> Objective:
    """Baseline: serve every gateway at its nearest site (minimum cost if ties)."""
    return Objective(name=name, cost=1.0, mask="nearest")


def weighted_mean(weights: Mapping[str, float], cost: float = 1.0, name: str = "avg") -> Objective:
    """Baseline "AVG": cost + Σ_f μ_f · mean over sites of footprint f."""
    return Objective(name=name, cost=cost, mean=dict(weights))


def eglb(weights: Mapping[str, float], cost: float = 1.0, name: str = "eglb") -> Objective:
    """eGLB-Off ("MAX"): cost + Σ_f μ_f · worst site's footprint f."""
    return Objective(name=name, cost=cost, worst=dict(weights))


def min_worst(footprint: str, name: str | None = None) -> Objective:
    """Minimise the worst site's weighted footprint alone (cost weight 0)."""
    return Objective(name=name or f"min-worst:{footprint}", cost=0.0, worst={footprint: 1.0})


def best_window(criterion: str = "carbon", name: str | None = None) -> Objective:
    """Time-only baseline: every gateway at its nearest site, its deferrable share moved
    to the hours of its window lowest in ``criterion`` (a footprint's intensity, or
    ``cost``), within capacity — what a carbon-aware scheduler at one location does.

    With deferrable load it minimises the total ``criterion`` on the nearest-site mask;
    without, it is the nearest-site allocation.
    """
    if criterion == "cost":
        return Objective(name=name or "best-window:cost", cost=1.0, mask="nearest")
    if criterion not in FOOTPRINTS:
        raise InputError(
            f"unknown best-window criterion {criterion!r}",
            hint=f"use one of: cost, {', '.join(FOOTPRINTS)}",
        )
    return Objective(
        name=name or f"best-window:{criterion}", cost=0.0, mean={criterion: 1.0}, mask="nearest"
    )


def cost_subject_to(limits: tuple[Limit, ...], name: str) -> Objective:
    """Minimise cost subject to limits on footprints."""
    return Objective(name=name, cost=1.0, limits=limits)


OBJECTIVE_HELP = (
    "min-cost | min-carbon | min-water | min-health | nearest | best-window[:water|cost] | "
    "avg[:cost=1,water=60,...] | eglb[:cost=1,water=60,carbon=1500] | min-worst:FOOTPRINT | "
    "worst:FOOTPRINT=CAP | ratio:FOOTPRINT=R | gini:FOOTPRINT=G"
)


def parse_terms(text: str, where: str) -> dict[str, float]:
    """``"cost=1,water=60,carbon=1500"`` as a dict (names: cost or a footprint; values
    finite and >= 0); ``where`` names the text in messages (an objective spec, an
    option)."""
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in ("cost", *FOOTPRINTS):
            raise InputError(
                f"cannot read {where} item {item!r}",
                hint=f"write NAME=NUMBER with NAME in: cost, {', '.join(FOOTPRINTS)}",
            )
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"{where}: {key}={value!r} is not a number") from None
        if not math.isfinite(number) or number < 0:
            raise InputError(f"{where}: {key} must be a finite number >= 0")
        out[key] = number
    return out


def parse_objective(spec: str, default_weights: Mapping[str, float] | None = None) -> Objective:
    """Build an :class:`Objective` from its text form (also the command line's).

    Parameters
    ----------
    spec : str
        One of ``min-cost``, ``min-carbon``, ``min-water``, ``min-health``, ``nearest``,
        ``best-window`` (``best-window:water``, ``best-window:cost``; see
        :func:`best_window`),
        ``avg``, ``eglb`` (optionally ``avg:cost=1,water=60`` / ``eglb:...`` with their
        own weights), ``min-worst:FOOTPRINT``, and the constraint forms
        ``worst:FOOTPRINT=CAP`` [t, m³ or US$], ``ratio:FOOTPRINT=R`` and
        ``gini:FOOTPRINT=G`` (several limits of one kind separated by commas).
    default_weights : mapping, optional
        Weights (``cost`` and footprints) used by ``avg`` and ``eglb`` when the spec
        gives none.
    """
    spec = spec.strip()
    head, _, rest = spec.partition(":")
    head = head.strip().lower()
    if head == "min-cost" and not rest:
        return min_cost()
    if head == "nearest" and not rest:
        return nearest_site()
    if head == "best-window":
        return best_window(rest.strip() or "carbon", name=spec)
    if head.startswith("min-") and head[4:] in FOOTPRINTS and not rest:
        return min_footprint(head[4:])
    if head in ("avg", "eglb"):
        weights = parse_terms(rest, f"objective {spec!r}") if rest else None
        if weights is None:
            weights = dict(default_weights or {})
        cost = weights.pop("cost", 1.0)
        if not weights and head == "eglb":
            raise InputError(
                "objective eglb needs footprint weights",
                hint="give weights (e.g. water=60, carbon=1500) or set [weights] in the scenario",
            )
        make = weighted_mean if head == "avg" else eglb
        return make(weights, cost=cost, name=spec)
    if head == "min-worst" and rest.strip() in FOOTPRINTS:
        return min_worst(rest.strip(), name=spec)
    if head in LIMIT_KINDS and rest:
        items = parse_terms(rest, f"objective {spec!r}")
        if not items or "cost" in items:
            raise InputError(f"objective {spec!r} needs FOOTPRINT=BOUND items")
        kind = cast("LimitKind", head)  # one of LIMIT_KINDS, checked above
        limits = tuple(Limit(f, kind, b) for f, b in items.items())
        return cost_subject_to(limits, name=spec)
    raise InputError(f"unknown objective {spec!r}", hint=f"use one of: {OBJECTIVE_HELP}")
