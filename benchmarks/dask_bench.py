#!/usr/bin/env python
"""The log reduction on a Dask cluster: 1 against 2 local workers, with the embedded
engine as the baseline, and the per-partition throughput behind docs/scale.md's model.

The script

1. generates a hive-partitioned Parquet log into a work folder (default
   ``benchmarks/_data/dask/``): hourly records of ``servers`` servers at each of
   ``sites`` sites for one (non-leap) year, one folder per month (``month=01`` ...),
   ``files`` files per month (servers split between them), so that every series runs
   through twelve folders; a log already there is reused;
2. starts local clusters of 1 and 2 worker processes (one thread each; start-up not
   timed) and reduces the log (:func:`fairwatt.io.logs.reduce_log`, exact duplicate
   check on) with the embedded engine, the Dask engine on 1 worker and on 2 workers,
   ``--repeats`` times in alternation; it checks that every result equals the embedded
   engine's to 1e-12 relative;
3. prints wall times (median), the ratio 2 workers / 1 worker, and from the scheduler's
   task stream the time of each kind of task: ``reduce_partition`` (read a file, energy
   per site and hour, validity checks), ``series_blocks`` (read it again, duplicate
   bitmaps) and the combine tasks, with records per second per task.

Run from the repository root::

    python benchmarks/dask_bench.py                       # 100 M records
    python benchmarks/dask_bench.py --servers 12 --repeats 1   # about 10 M records

The machine this runs on may be shared: the ratios of runs taken in alternation are
more telling than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

HOURS = 8_760
START_US = 1_704_067_200 * 1_000_000 + 366 * 86_400 * 1_000_000  # 2025-01-01T00:00Z
US_PER_HOUR = 3_600 * 1_000_000
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def generate(root: Path, sites: int, servers: int, files: int) -> int:
    """Write the log (see the module's description); return its record count."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    marker = root / "_complete.json"
    shape = {"sites": sites, "servers": servers, "files": files}
    if marker.exists() and json.loads(marker.read_text()).get("shape") == shape:
        return int(json.loads(marker.read_text())["records"])
    rng = np.random.default_rng(2024)
    site_names = np.array([f"site-{i:03d}" for i in range(sites)])
    groups = np.array_split(np.arange(servers), files)
    records = 0
    first = 0
    for m, days in enumerate(MONTH_DAYS, start=1):
        hours = np.arange(first, first + days * 24)
        first += days * 24
        for f, group in enumerate(groups):
            n_series = sites * len(group)
            ts = np.repeat(START_US + hours * US_PER_HOUR, n_series)
            site_idx = np.tile(np.repeat(np.arange(sites), len(group)), len(hours))
            server_idx = np.tile(np.tile(group, sites), len(hours))
            table = pa.table(
                {
                    "timestamp": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
                    "site": pa.DictionaryArray.from_arrays(
                        pa.array(site_idx, type=pa.int32()), pa.array(site_names)
                    ),
                    "server": pa.array(np.char.add("srv-", server_idx.astype(str))),
                    "energy_kwh": rng.gamma(2.0, 0.25, len(ts)),
                }
            )
            folder = root / f"month={m:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, folder / f"part-{f}.parquet", row_group_size=1_000_000)
            records += len(ts)
    marker.write_text(json.dumps({"shape": shape, "records": records}))
    return records


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=HERE / "_data" / "dask")
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--servers", type=int, default=114, help="servers per site")
    p.add_argument("--files", type=int, default=4, help="files per month")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)

    import numpy as np
    from distributed import Client, LocalCluster

    from fairwatt.io.logs import LogOptions, reduce_log

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # start and stop chatter
    root = args.data / f"{args.sites}x{args.servers}x{args.files}"
    t_gen, records = _timed(lambda: generate(root, args.sites, args.servers, args.files))
    partitions = 12 * args.files
    print(f"log: {records:,} records in {partitions} files under {root} ({t_gen:.1f} s)")
    clusters = {
        n: LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        for n in (1, 2)
    }
    clients = {n: Client(c, set_as_default=False) for n, c in clusters.items()}
    times: dict[str, list[float]] = {"duckdb": [], "dask-1": [], "dask-2": []}
    tasks: dict[str, Any] = {}
    reference = None
    try:
        for _ in range(args.repeats):
            secs, ref = _timed(lambda: reduce_log([str(root)], LogOptions()))
            times["duckdb"].append(secs)
            reference = ref.data
            for n, client in clients.items():
                client.get_task_stream(start=time.time())  # task stream of this run only
                t0 = time.time()
                opts = LogOptions(engine="dask", scheduler=client)
                secs, got = _timed(lambda opts=opts: reduce_log([str(root)], opts))
                times[f"dask-{n}"].append(secs)
                tasks[f"dask-{n}"] = _task_times_since(client, t0, records, partitions)
                np.testing.assert_allclose(got.data["energy_kwh"], reference["energy_kwh"], 1e-12)
                assert got.data["site"].tolist() == reference["site"].tolist()
    finally:
        for c in clients.values():
            c.close()
        for c in clusters.values():
            c.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{'engine':<10}{'median s':>10}{'runs':>30}{'M records/s':>14}")
    for k, v in times.items():
        runs = ", ".join(f"{s:.1f}" for s in v)
        print(f"{k:<10}{med[k]:>10.1f}{runs:>30}{records / med[k] / 1e6:>14.2f}")
    print(f"\n2 workers / 1 worker: {med['dask-2'] / med['dask-1']:.2f} x the time")
    for k, per in tasks.items():
        print(f"\ntasks of the last {k} run:")
        for name, e in per.items():
            rate = e.get("records_per_s_per_task")
            extra = f", {rate / 1e6:.2f} M records/s per task" if rate else ""
            print(f"  {name:<20}{e['tasks']:>5} tasks, {e['seconds']:8.2f} s in all{extra}")
    if args.json:
        args.json.write_text(json.dumps({"records": records, "times": times, "tasks": tasks}))
    return 0


def _task_times_since(
    client: Any, t0: float, records: int, partitions: int
) -> dict[str, dict[str, float]]:
    from dask.utils import key_split

    by: dict[str, list[float]] = {}
    for t in client.get_task_stream(start=t0):
        name = key_split(t["key"])
        by.setdefault(name, []).extend(
            s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "compute"
        )
    out: dict[str, dict[str, float]] = {}
    for name, secs in sorted(by.items()):
        entry = {"tasks": len(secs), "seconds": sum(secs)}
        if name in ("reduce_partition", "series_blocks"):  # one task per file
            entry["records_per_s_per_task"] = records / sum(secs)
        out[name] = entry
    return out


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
