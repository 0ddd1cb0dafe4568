"""Checks on the bundled sample fleet in ``sample_inputs/fleet/``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
FLEET = ROOT / "sample_inputs" / "fleet"
CSV = FLEET / "energy.csv"
PARQUET = FLEET / "energy.parquet"
COLUMNS = ["timestamp", "site", "server", "energy_kwh"]
START = pd.Timestamp("2024-06-03T00:00:00Z")
END = pd.Timestamp("2024-06-10T00:00:00Z")

# Location of each cloud region, from the providers' public region lists
# (continent, IANA time zone of the region's location).
REGIONS: dict[str, tuple[str, str]] = {
    "aws:us-east-1": ("North America", "America/New_York"),
    "aws:us-west-2": ("North America", "America/Los_Angeles"),
    "aws:eu-west-1": ("Europe", "Europe/Dublin"),
    "aws:eu-central-1": ("Europe", "Europe/Berlin"),
    "aws:ap-northeast-1": ("Asia", "Asia/Tokyo"),
    "aws:ap-southeast-1": ("Asia", "Asia/Singapore"),
    "aws:sa-east-1": ("South America", "America/Sao_Paulo"),
    "gcp:us-central1": ("North America", "America/Chicago"),
    "gcp:europe-west1": ("Europe", "Europe/Brussels"),
    "gcp:asia-east1": ("Asia", "Asia/Taipei"),
    "azure:westeurope": ("Europe", "Europe/Amsterdam"),
    "azure:australiaeast": ("Oceania", "Australia/Sydney"),
}


def _read_csv() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"site": str, "server": str, "timestamp": str})


@pytest.fixture(scope="module")
def fleet() -> pd.DataFrame:
    return pd.read_parquet(PARQUET)


def test_columns_and_types(fleet: pd.DataFrame) -> None:
    assert list(fleet.columns) == COLUMNS
    assert str(fleet["timestamp"].dt.tz) == "UTC"
    assert fleet["energy_kwh"].dtype == np.float64
    assert list(_read_csv().columns) == COLUMNS


def test_csv_timestamps_are_iso_utc_with_offset() -> None:
    stamps = _read_csv()["timestamp"]
    assert stamps.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()


def test_csv_and_parquet_hold_the_same_rows(fleet: pd.DataFrame) -> None:
    csv = _read_csv()
    csv["timestamp"] = pd.to_datetime(csv["timestamp"], format="ISO8601", utc=True)
    assert len(csv) == len(fleet)
    keys = ["timestamp", "site", "server"]
    a = csv.sort_values(keys, ignore_index=True)
    b = fleet.sort_values(keys, ignore_index=True)
    assert (a["timestamp"].astype("int64") == b["timestamp"].astype("int64")).all()
    assert (a["site"].to_numpy() == b["site"].to_numpy()).all()
    assert (a["server"].to_numpy() == b["server"].to_numpy()).all()
    # values have 6 decimals, so the CSV text parses back to the very same double
    np.testing.assert_array_equal(a["energy_kwh"].to_numpy(), b["energy_kwh"].to_numpy())


def test_csv_is_small() -> None:
    assert CSV.stat().st_size < 3 * 2**20


def test_sites_regions_and_continents(fleet: pd.DataFrame) -> None:
    sites = set(fleet["site"].unique())
    assert len(sites) >= 10
    assert sites <= set(REGIONS), f"unexpected site ids: {sites - set(REGIONS)}"
    continents = {REGIONS[s][0] for s in sites}
    assert len(continents) >= 3
    servers_per_site = fleet.groupby("site")["server"].nunique()
    assert servers_per_site.between(3, 6).all()


def test_one_full_week_every_15_minutes(fleet: pd.DataFrame) -> None:
    assert fleet["timestamp"].min() == START
    assert fleet["timestamp"].max() == END - pd.Timedelta(minutes=15)
    expected = 7 * 24 * 4  # 672 quarter hours in a week
    for (site, server), ts in fleet.groupby(["site", "server"])["timestamp"]:
        stamps = ts.sort_values()
        assert len(stamps) == expected, (site, server)
        assert (stamps.diff().dropna() == pd.Timedelta(minutes=15)).all(), (site, server)


def test_no_duplicates_and_valid_energy(fleet: pd.DataFrame) -> None:
    assert not fleet.duplicated(["timestamp", "site", "server"]).any()
    energy = fleet["energy_kwh"]
    assert energy.notna().all()
    assert (energy >= 0).all()
    # a 15-minute record of a server of at most 6 kW peak holds at most 1.5 kWh
    assert energy.max() <= 6.0 * 0.25


def _local_hour_means(fleet: pd.DataFrame, site: str) -> pd.Series:
    one = fleet[fleet["site"] == site]
    per_step = one.groupby("timestamp")["energy_kwh"].sum()
    local_hour = per_step.index.tz_convert(REGIONS[site][1]).hour
    return per_step.groupby(local_hour).mean()


def test_daily_cycle_in_local_time(fleet: pd.DataFrame) -> None:
    sites = sorted(fleet["site"].unique())
    swing = {}
    afternoon_peak = 0
    for site in sites:
        means = _local_hour_means(fleet, site)
        assert len(means) == 24
        swing[site] = (means.max() - means.min()) / means.mean()
        if 12 <= int(means.idxmax()) <= 20:
            afternoon_peak += 1
    assert sum(v > 0.20 for v in swing.values()) >= 3, swing
    # the peak follows each region's local afternoon, not one UTC hour
    assert afternoon_peak >= len(sites) - 2


def test_weekend_is_quieter(fleet: pd.DataFrame) -> None:
    lower = 0
    sites = sorted(fleet["site"].unique())
    for site in sites:
        one = fleet[fleet["site"] == site]
        local_day = one["timestamp"].dt.tz_convert(REGIONS[site][1]).dt.day_of_week
        weekend = one["energy_kwh"][local_day >= 5].mean()
        weekday = one["energy_kwh"][local_day < 5].mean()
        lower += bool(weekend < weekday)
    assert lower >= len(sites) - 2


def test_generator_reproduces_the_files(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_sample_fleet.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / "energy.csv").read_bytes() == CSV.read_bytes()
    regenerated = pd.read_parquet(tmp_path / "energy.parquet")
    pd.testing.assert_frame_equal(regenerated, pd.read_parquet(PARQUET))
