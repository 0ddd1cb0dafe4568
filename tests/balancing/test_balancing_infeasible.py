"""Infeasible scenarios: typed error naming the hours and the bottleneck (exit code 4)."""

from __future__ import annotations

import numpy as np
import pytest

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.scenario import Scenario
from fairwatt.balancing.solve import solve
from fairwatt.errors import EXIT_INFEASIBLE, InfeasibleError

HOURS = np.array(["2024-01-01T00", "2024-01-01T01", "2024-01-01T02"], dtype="datetime64[ns]")


def _scenario(demand: list[list[float]], mask: list[list[int]] | None = None) -> Scenario:
    return Scenario(
        sites=["a", "b", "c"],
        gateways=["north", "south"],
        capacity=1.0,
        demand=demand,
        price=[10.0, 20.0, 30.0],
        intensity={"water": [1.0, 2.0, 3.0]},
        masks={} if mask is None else {"m": mask},
        nearest=[0, 1],
        hours=HOURS,
    )


def test_single_gateway_above_reachable_capacity() -> None:
    # south may use b only (capacity 1); it needs 1.5 MWh at 01:00
    sc = _scenario([[0.5, 0.5, 0.5], [0.5, 1.5, 0.5]], mask=[[1, 0], [1, 1], [1, 0]])
    with pytest.raises(InfeasibleError) as err:
        solve(sc, ob.min_cost(), "m")
    text = str(err.value)
    assert text.startswith("demand cannot be served in 1 of 3 hours under mask 'm'")
    assert (
        "hour 2024-01-01T01:00Z: gateway 'south' needs 1.500 MWh against 1.000 MWh "
        "at the sites it may use (b)"
    ) in text
    assert err.value.exit_code == EXIT_INFEASIBLE == 4


def test_total_demand_above_total_capacity() -> None:
    sc = _scenario([[1.0, 2.0, 1.0], [1.0, 1.5, 1.0]])
    with pytest.raises(
        InfeasibleError,
        match=r"1 of 3 hours under mask 'full' \(short 0\.500 MWh in all\): hour "
        r"2024-01-01T01:00Z: all gateways together need 3\.500 MWh against 3\.000 MWh "
        r"reachable; raise capacity",
    ):
        solve(sc, ob.eglb({"water": 1.0}))


def test_joint_shortage() -> None:
    """Each gateway alone fits, together they do not (a Hall violation across groups):
    north may use a, b; south may use b only; at 02:00 north needs 1.5 and south 0.8,
    total 2.3 > capacity of a and b (2)."""
    sc = _scenario([[0.2, 0.2, 1.5], [0.2, 0.2, 0.8]], mask=[[1, 0], [1, 1], [0, 0]])
    with pytest.raises(InfeasibleError) as err:
        solve(sc, ob.min_cost(), "m")
    text = str(err.value)
    assert "cannot be served in 1 of 3 hours" in text
    assert "short 0.300 MWh in all" in text
    assert "hour 2024-01-01T02:00Z: all gateways together need 2.300 MWh against 2.000" in text


def test_bottleneck_is_a_subset_of_the_gateways() -> None:
    """Three sites, three gateways: north and south may use a only, east may use b and c.
    At 00:00 north and south need 0.6 each (1.2 > 1 at a) while east fits: the message
    names north and south and site a, not all gateways."""
    sc = Scenario(
        sites=["a", "b", "c"],
        gateways=["north", "south", "east"],
        capacity=1.0,
        demand=[[0.6, 0.1], [0.6, 0.1], [0.5, 0.5]],
        price=1.0,
        masks={"m": [[1, 1, 0], [0, 0, 1], [0, 0, 1]]},
        hours=HOURS[:2],
    )
    with pytest.raises(InfeasibleError) as err:
        solve(sc, ob.min_cost(), "m")
    assert (
        "1 of 2 hours under mask 'm' (short 0.200 MWh in all): hour 2024-01-01T00:00Z: "
        "gateways north, south together need 1.200 MWh against 1.000 MWh at the sites they "
        "may use (a)"
    ) in str(err.value)


def test_unmeetable_limit() -> None:
    """Water intensities (1, 2, 3) m3/MWh, 3 MWh in all over the horizon.

    Gini = 0 needs equal water at a, b, c: energy in proportion (6, 3, 2), i.e.
    (18/11, 9/11, 6/11) MWh, which fits the capacity; the smallest worst-site water is
    that same equal level, 18/11 = 1.636 m3, so a cap of 1.5 m3 cannot be met.
    """
    sc = _scenario([[0.5] * 3, [0.5] * 3])
    alloc = solve(sc, ob.cost_subject_to((ob.Limit("water", "gini", 0.0),), "g0"))
    np.testing.assert_allclose(
        alloc.site_totals()["energy"], np.array([6, 3, 2]) * 3 / 11, atol=1e-7
    )
    # min worst water: all of the 3 MWh at equal water: 6/11 * 3 MWh * 1 m3/MWh = 18/11
    with pytest.raises(InfeasibleError, match=r"no allocation meets water worst site <= 1\.5"):
        solve(sc, ob.cost_subject_to((ob.Limit("water", "worst", 1.5),), "cap"))
