"""Hour labels of the bundled hourly health series (``us-ba-health-hourly-2023``).

The upstream files (Ren-Research/Health-Impact-Predictor ``data/*_dataset.csv``, MIT,
data of Liu, Wu, Li, Ren, "Predicting Public Health Impacts of Electricity Usage",
arXiv:2511.22031) label each hour with an EIA-930 ``period`` (``2023-01-01T00``), which
names the UTC **end** of the hour; the bundled series is keyed by the hour's start, so
the row labelled ``P`` is stored at ``P - 1 h`` (the evidence is in docs/data.md). The
expected values below are upstream rows, copied by hand (internal, external US$/MWh):

* CISO ``2023-01-01T00``: 14.12, 16.38; ``2023-01-01T01``: 14.28, 16.52
* CISO ``2023-06-01T19``: 5.49, 6.33; ``2023-06-01T20``: 5.71, 6.56
* PJM ``2023-07-15T13``: 24.91, 15.74
* TVA ``2023-12-31T23`` (the last row): 7.79, 26.14
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairwatt.datasets import catalog
from fairwatt.factors.resolve import resolve
from fairwatt.factors.table import bundled_layer
from fairwatt.providers import eia

NAME = "us-ba-health-hourly-2023"

#: (zone, upstream period label, internal, external)
UPSTREAM = [
    ("US-BA-CISO", "2023-01-01T00", 14.12, 16.38),
    ("US-BA-CISO", "2023-01-01T01", 14.28, 16.52),
    ("US-BA-CISO", "2023-06-01T19", 5.49, 6.33),
    ("US-BA-CISO", "2023-06-01T20", 5.71, 6.56),
    ("US-BA-PJM", "2023-07-15T13", 24.91, 15.74),
    ("US-BA-TVA", "2023-12-31T23", 7.79, 26.14),
]


def _start(label: str) -> pd.Timestamp:
    """The interval start of an EIA-930 hour label (hour ending)."""
    return pd.Timestamp(label + ":00", tz="UTC") - pd.Timedelta(hours=1)


@pytest.mark.parametrize(("zone", "label", "internal", "external"), UPSTREAM)
def test_upstream_label_is_stored_one_hour_earlier(
    zone: str, label: str, internal: float, external: float
) -> None:
    df = catalog.load(NAME)
    row = df[(df["zone"] == zone) & (df["timestamp"] == _start(label))]
    assert len(row) == 1
    assert row["health_internal_usd_per_mwh"].iloc[0] == pytest.approx(internal, abs=1e-9)
    assert row["health_external_usd_per_mwh"].iloc[0] == pytest.approx(external, abs=1e-9)
    assert row["health_usd_per_mwh"].iloc[0] == pytest.approx(internal + external, abs=1e-9)
    # the hour-start reading of the label would give the next upstream row instead
    same_label = df[(df["zone"] == zone) & (df["timestamp"] == _start(label) + pd.Timedelta("1h"))]
    if len(same_label):
        assert same_label["health_internal_usd_per_mwh"].iloc[0] != pytest.approx(internal)


def test_series_spans_the_hours_ending_in_2023() -> None:
    df = catalog.load(NAME)
    for zone, g in df.groupby("zone"):
        assert len(g) == 8760, zone
        assert g["timestamp"].min() == pd.Timestamp("2022-12-31T23:00", tz="UTC")
        assert g["timestamp"].max() == pd.Timestamp("2023-12-31T22:00", tz="UTC")
    assert "end of the hour" in catalog.info(NAME).caveats


def test_resolution_of_an_hour_uses_the_row_labelled_by_its_end() -> None:
    """An hour starting 2023-06-01T19:00Z is labelled ``2023-06-01T20`` upstream."""
    rows = pd.DataFrame(
        {
            "site": ["dc"],
            "zone": ["US-BA-CISO"],
            "hour": [pd.Timestamp("2023-06-01T19:00", tz="UTC")],
        }
    )
    res = resolve(rows, ["health_usd_per_mwh"], [bundled_layer(NAME)])
    assert res.values["health_usd_per_mwh"].iloc[0] == pytest.approx(5.71 + 6.56, abs=1e-9)


def test_same_convention_as_the_eia_reader() -> None:
    """fairwatt's EIA-930 reader keys the recorded hour ``2022-01-01T00`` by its start,
    2021-12-31T23:00Z: the health series follows the same rule."""
    body = Path(__file__).parent / "data" / "eia" / "rto_fuel-type-data_hourly.json"
    table, meta = eia.read_fuel_mix(body)
    assert table["timestamp"].min() == _start("2022-01-01T00")
    assert "interval end" in meta["period_label"]
