"""Properties of the audit pipeline (library level)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairwatt
from fairwatt.io.logs import LogOptions
from fairwatt.services.audit import AuditOptions, run_audit

SITES = "site,zone,pue,wue_l_per_kwh\nalpha,XA,1.2,0.5\nbeta,XB,1.5,1.8\n"
HOURS = pd.date_range("2024-03-01T00:00Z", periods=6, freq="h")


def write_inputs(root: Path) -> dict[str, str]:
    """Sites, annual factors and hourly factors (constant: the annual carbon values)."""
    (root / "sites.csv").write_text(SITES)
    annual = (
        "zone,year,carbon_g_per_kwh,ewif_l_per_kwh,health_usd_per_mwh\n"
        "XA,2024,400,2.0,30\nXB,2024,150,4.0,10\n"
    )
    (root / "annual.csv").write_text(annual)
    hourly = {"XA": ("400", "2.0,30"), "XB": ("150", "4.0,10")}
    rows = [
        f"{zone},{h.isoformat()},{carbon},{other}"
        for zone, (carbon, other) in hourly.items()
        for h in HOURS
    ]
    (root / "hourly.csv").write_text(
        "zone,timestamp,carbon_g_per_kwh,ewif_l_per_kwh,health_usd_per_mwh\n"
        + "\n".join(rows)
        + "\n"
    )
    return {name: str(root / f"{name}.csv") for name in ("sites", "annual", "hourly")}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The sites and factor tables, in memory."""
    files = write_inputs(tmp_path_factory.mktemp("audit-inputs"))
    return {name: pd.read_csv(path) for name, path in files.items()}


def log_frame(energies: list[float], sites: list[str], hours: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": [HOURS[h] + pd.Timedelta(minutes=7 * i % 60) for i, h in enumerate(hours)],
            "site": sites,
            "server": [f"s{i}" for i in range(len(energies))],
            "energy_kwh": energies,
        }
    )


def run(
    inputs: dict[str, pd.DataFrame], df: pd.DataFrame, factors: str, by: str = "site"
) -> pd.DataFrame:
    """The audit's table of the log ``df``, audited in memory."""
    return fairwatt.audit(
        df, sites=inputs["sites"], factors=inputs[factors], by=by, equity=False
    ).table


records = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
        st.sampled_from(["alpha", "beta"]),
        st.integers(min_value=0, max_value=5),
    ),
    min_size=2,
    max_size=30,
)
COLS = ["energy_kwh", "carbon_kg", "water_l", "health_usd"]


@settings(max_examples=25, deadline=None)
@given(
    recs=records,
    cut=st.integers(min_value=1, max_value=29),
    k=st.floats(min_value=0.0, max_value=50.0),
)
def test_parts_sum_to_the_whole_and_linearity(
    inputs: dict[str, pd.DataFrame], recs: list, cut: int, k: float
) -> None:
    e, s, h = (list(x) for x in zip(*recs, strict=True))
    df = log_frame(e, s, h)
    whole = run(inputs, df, "annual").set_index("site")
    cut = min(cut, len(e) - 1)
    parts = [
        run(inputs, df.iloc[:cut], "annual").set_index("site"),
        run(inputs, df.iloc[cut:], "annual").set_index("site"),
    ]
    summed = parts[0][COLS].add(parts[1][COLS], fill_value=0.0)
    pd.testing.assert_frame_equal(
        summed.sort_index(), whole[COLS].sort_index(), rtol=1e-9, atol=1e-9
    )
    scaled = run(inputs, log_frame([k * x for x in e], s, h), "annual").set_index("site")
    np.testing.assert_allclose(
        scaled[COLS].to_numpy(), k * whole[COLS].to_numpy(), rtol=1e-9, atol=1e-9
    )


def test_zero_energy_gives_zero_footprint(inputs: dict[str, pd.DataFrame]) -> None:
    out = run(inputs, log_frame([0.0, 0.0], ["alpha", "beta"], [0, 1]), "annual")
    assert (out[COLS].to_numpy() == 0.0).all()


@settings(max_examples=10, deadline=None)
@given(recs=records)
def test_constant_hourly_factors_equal_the_annual_factor(
    inputs: dict[str, pd.DataFrame], recs: list
) -> None:
    e, s, h = (list(x) for x in zip(*recs, strict=True))
    annual = run(inputs, log_frame(e, s, h), "annual", by="site,hour")
    hourly = run(inputs, log_frame(e, s, h), "hourly", by="site,hour")
    pd.testing.assert_frame_equal(
        annual[["site", "hour", *COLS]], hourly[["site", "hour", *COLS]], rtol=1e-12
    )


def test_hand_computed_site(tmp_path: Path) -> None:
    # through the service on a CSV file, as the command line runs it
    inputs = write_inputs(tmp_path)
    log = tmp_path / "hand.csv"
    log_frame([10.0, 5.0], ["beta", "beta"], [0, 3]).to_csv(log, index=False)
    opts = AuditOptions(sites=[inputs["sites"]], factors=[inputs["annual"]], log=LogOptions())
    out = run_audit([str(log)], opts).table
    beta = out.set_index("site").loc["beta"]
    # 15 kWh IT, PUE 1.5 -> 22.5 kWh; carbon 22.5 x 150 g = 3.375 kg; water 15 x 1.8 + 22.5 x 4.0
    # = 27 + 90 = 117 L; health 22.5 kWh x 10 $/MWh = $0.225
    assert beta["facility_energy_kwh"] == pytest.approx(22.5)
    assert beta["carbon_kg"] == pytest.approx(3.375)
    assert beta["water_onsite_l"] == pytest.approx(27.0)
    assert beta["water_offsite_l"] == pytest.approx(90.0)
    assert beta["water_l"] == pytest.approx(117.0)
    assert beta["health_usd"] == pytest.approx(0.225)


def test_footprints_leave_their_input_as_it_was() -> None:
    from fairwatt.services.audit import footprints

    rows = pd.DataFrame(
        {
            "site": ["a", "b"],
            "energy_kwh": [2.0, 4.0],
            "pue": [1.5, 1.25],
            "wue_l_per_kwh": [0.5, 1.0],
            "carbon_g_per_kwh": [100.0, 200.0],
            "ewif_l_per_kwh": [2.0, 3.0],
            "health_usd_per_mwh": [10.0, 20.0],
            "carbon_kg": [-1.0, -1.0],  # a stale column of the same name is replaced
        }
    )
    before = rows.copy()
    out = footprints(rows, ["carbon", "water", "health"])
    pd.testing.assert_frame_equal(rows, before)
    # by hand: facility energy 3 and 5 kWh; carbon 3 x 100 g and 5 x 200 g
    assert out["carbon_kg"].tolist() == [0.3, 1.0]
    assert out["water_l"].tolist() == [2.0 * 0.5 + 3.0 * 2.0, 4.0 * 1.0 + 5.0 * 3.0]
    assert out["health_usd"].tolist() == [3.0 * 10.0 / 1000, 5.0 * 20.0 / 1000]
