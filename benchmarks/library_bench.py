"""Time ``fairwatt.audit`` on a small in-memory log, as tests and notebooks call it.

Prints the first call (imports and the bundled data read included), the median of the
following calls, and whether the command-line stack (Typer, rich) was imported::

    python benchmarks/library_bench.py            # 3 sites x 24 hours, 50 calls
    python benchmarks/library_bench.py --sites 2 --hours 8 --calls 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

SITES = ["aws:us-east-1", "aws:eu-west-1", "gcp:asia-northeast1", "aws:us-west-2"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sites", type=int, default=3, help="sites in the log (1-4)")
    p.add_argument("--hours", type=int, default=24, help="hours in the log")
    p.add_argument("--calls", type=int, default=50, help="timed calls after the first")
    p.add_argument("--footprints", default="carbon,water", help="'' for auto")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    import pandas as pd

    import fairwatt

    hours = pd.date_range("2024-06-03T00:00Z", periods=args.hours, freq="h")
    sites = SITES[: args.sites]
    log = pd.DataFrame(
        {
            "timestamp": list(hours) * len(sites),
            "site": [s for s in sites for _ in hours],
            "energy_kwh": [10.0 + 0.5 * i for i in range(len(hours) * len(sites))],
        }
    )
    kwargs = {"footprints": args.footprints} if args.footprints else {}
    fairwatt.audit(log, **kwargs)
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.calls):
        t = time.perf_counter()
        fairwatt.audit(log, **kwargs)
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    cli = sorted(m for m in ("typer", "rich", "click") if m in sys.modules)
    print(
        f"fairwatt.audit, {len(log)} records ({args.sites} sites x {args.hours} h), "
        f"footprints {args.footprints or 'auto'}: first call (imports included) "
        f"{first * 1e3:.0f} ms; next {args.calls} calls: median {median * 1e3:.1f} ms, "
        f"min {min(times) * 1e3:.1f} ms; command-line modules imported: {', '.join(cli) or 'none'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
