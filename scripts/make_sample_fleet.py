#!/usr/bin/env python
"""Generate the sample fleet energy logs in ``sample_inputs/fleet/``.

The fleet is twelve sites in real public-cloud regions on five continents, each with three
to six servers (GPU servers of 3-6 kW peak power, CPU servers of 0.3-0.8 kW). Every server
has one energy record per 15 minutes for the week 2024-06-03T00:00Z .. 2024-06-10T00:00Z.

Power follows a linear utilisation model, ``P = P_idle + (P_peak - P_idle) * u``, with the
utilisation ``u`` made of a daily cycle in the *local* time of the region (trough around
04:00, peak around 16:00), a lower and flatter weekend, batch jobs on GPU servers and
autocorrelated noise. The values are synthetic; only their shape follows load patterns
reported for real fleets.

Run from the repository root (same seed, same files)::

    python scripts/make_sample_fleet.py

References
----------
L. A. Barroso and U. Hölzle, "The case for energy-proportional computing",
IEEE Computer 40(12), 2007. doi:10.1109/MC.2007.443
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

START = pd.Timestamp("2024-06-03T00:00:00+00:00")
END = pd.Timestamp("2024-06-10T00:00:00+00:00")
STEP = pd.Timedelta(minutes=15)
HOURS_PER_STEP = STEP / pd.Timedelta(hours=1)
SEED = 20240603

#: site id -> IANA time zone of the region's location (continent in the comment)
SITES: dict[str, str] = {
    "aws:us-east-1": "America/New_York",  # North America (N. Virginia)
    "aws:us-west-2": "America/Los_Angeles",  # North America (Oregon)
    "aws:eu-west-1": "Europe/Dublin",  # Europe (Ireland)
    "aws:eu-central-1": "Europe/Berlin",  # Europe (Frankfurt)
    "aws:ap-northeast-1": "Asia/Tokyo",  # Asia (Tokyo)
    "aws:ap-southeast-1": "Asia/Singapore",  # Asia (Singapore)
    "aws:sa-east-1": "America/Sao_Paulo",  # South America (São Paulo)
    "gcp:us-central1": "America/Chicago",  # North America (Iowa)
    "gcp:europe-west1": "Europe/Brussels",  # Europe (Belgium)
    "gcp:asia-east1": "Asia/Taipei",  # Asia (Taiwan)
    "azure:westeurope": "Europe/Amsterdam",  # Europe (Netherlands)
    "azure:australiaeast": "Australia/Sydney",  # Oceania (New South Wales)
}


@dataclass(frozen=True)
class Server:
    """One server of the fleet."""

    name: str
    kind: str  # "gpu" or "cpu"
    peak_kw: float  # power at full utilisation [kW]
    idle_fraction: float  # idle power as a fraction of peak [-]


def _servers_for_site(rng: np.random.Generator) -> list[Server]:
    n_servers = int(rng.integers(3, 7))  # 3..6
    n_gpu = int(rng.integers(0, min(3, n_servers - 1) + 1))  # 0..2, at least one CPU server
    servers = [
        Server(
            name=f"gpu-{i + 1:02d}",
            kind="gpu",
            peak_kw=round(float(rng.uniform(3.0, 6.0)), 2),
            idle_fraction=float(rng.uniform(0.15, 0.30)),
        )
        for i in range(n_gpu)
    ]
    servers += [
        Server(
            name=f"cpu-{i + 1:02d}",
            kind="cpu",
            peak_kw=round(float(rng.uniform(0.3, 0.8)), 3),
            idle_fraction=float(rng.uniform(0.40, 0.60)),
        )
        for i in range(n_servers - n_gpu)
    ]
    return servers


def _daily_shape(local_hour: np.ndarray) -> np.ndarray:
    """Daily cycle in [0, 1]: 0 at 04:00 local time, 1 at 16:00, with a flat night."""
    cosine = 0.5 * (1.0 - np.cos(2.0 * np.pi * (local_hour - 4.0) / 24.0))
    return cosine**1.5


def _ar1(rng: np.random.Generator, n: int, sigma: float, phi: float = 0.8) -> np.ndarray:
    """Zero-mean AR(1) noise with stationary standard deviation ``sigma``."""
    shocks = rng.normal(0.0, sigma * np.sqrt(1.0 - phi**2), n)
    out = np.empty(n)
    acc = rng.normal(0.0, sigma)
    for i in range(n):
        acc = phi * acc + shocks[i]
        out[i] = acc
    return out


def _batch_jobs(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 mask of GPU batch jobs: runs of 2-12 h separated by 1-8 h gaps."""
    steps_per_hour = round(1.0 / HOURS_PER_STEP)
    mask = np.zeros(n)
    i = int(rng.integers(0, 8 * steps_per_hour))
    while i < n:
        length = int(rng.integers(2 * steps_per_hour, 12 * steps_per_hour + 1))
        mask[i : i + length] = 1.0
        i += length + int(rng.integers(1 * steps_per_hour, 8 * steps_per_hour + 1))
    return mask


def _utilisation(
    rng: np.random.Generator, server: Server, local_hour: np.ndarray, weekend: np.ndarray
) -> np.ndarray:
    shape = _daily_shape(local_hour)
    n = local_hour.size
    if server.kind == "gpu":
        # inference traffic following users' day, plus long training / batch jobs
        inference = 0.10 + 0.45 * shape * np.where(weekend, 0.55, 1.0)
        jobs = 0.35 * _batch_jobs(rng, n)
        u = inference + jobs + _ar1(rng, n, 0.05)
    else:
        # interactive services: strong business-day cycle, quieter weekend
        u = 0.08 + 0.62 * shape * np.where(weekend, 0.5, 1.0) + _ar1(rng, n, 0.04)
    return np.clip(u, 0.0, 1.0)


def make_fleet(seed: int = SEED) -> pd.DataFrame:
    """Build the fleet's energy log (columns timestamp, site, server, energy_kwh)."""
    rng = np.random.default_rng(seed)
    timestamps = pd.date_range(START, END, freq=STEP, inclusive="left")
    frames = []
    for site, tz in SITES.items():
        local = timestamps.tz_convert(tz)
        local_hour = np.asarray(local.hour + local.minute / 60.0, dtype=float)
        weekend = np.asarray(local.day_of_week >= 5)
        for server in _servers_for_site(rng):
            u = _utilisation(rng, server, local_hour, weekend)
            power_kw = server.peak_kw * (server.idle_fraction + (1.0 - server.idle_fraction) * u)
            energy_kwh = power_kw * HOURS_PER_STEP
            frames.append(
                pd.DataFrame(
                    {
                        "timestamp": timestamps,
                        "site": site,
                        "server": server.name,
                        # whole micro-kWh (mWh): the nearest double of a 6-decimal number,
                        # so CSV and Parquet hold exactly the same value
                        "energy_kwh": np.rint(energy_kwh * 1e6) / 1e6,
                    }
                )
            )
    fleet = pd.concat(frames, ignore_index=True)
    return fleet.sort_values(["timestamp", "site", "server"], ignore_index=True)


def write_fleet(fleet: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    """Write ``energy.csv`` and ``energy.parquet`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "energy.csv"
    parquet_path = out_dir / "energy.parquet"
    as_text = fleet.assign(timestamp=fleet["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    as_text.to_csv(csv_path, index=False, lineterminator="\n")
    table = pa.table(
        {
            "timestamp": pa.array(fleet["timestamp"], type=pa.timestamp("us", tz="UTC")),
            "site": pa.array(fleet["site"], type=pa.string()),
            "server": pa.array(fleet["server"], type=pa.string()),
            "energy_kwh": pa.array(fleet["energy_kwh"], type=pa.float64()),
        }
    )
    pq.write_table(table, parquet_path, compression="zstd", row_group_size=8_192)
    return csv_path, parquet_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "sample_inputs" / "fleet",
        help="output folder (default: sample_inputs/fleet of this repository)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"RNG seed (default {SEED})")
    args = parser.parse_args(argv)
    fleet = make_fleet(args.seed)
    csv_path, parquet_path = write_fleet(fleet, args.out)
    n_servers = fleet.groupby(["site", "server"]).ngroups
    print(
        f"{len(fleet)} records, {fleet['site'].nunique()} sites, {n_servers} servers, "
        f"{fleet['energy_kwh'].sum():.1f} kWh -> {csv_path} "
        f"({csv_path.stat().st_size / 2**20:.2f} MiB), {parquet_path} "
        f"({parquet_path.stat().st_size / 2**20:.2f} MiB)"
    )


if __name__ == "__main__":
    main()
