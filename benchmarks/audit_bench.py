#!/usr/bin/env python
"""Speed and memory of ``fairwatt audit --by zone,hour`` against a hand-written DuckDB query.

The script

1. generates synthetic inputs into a work folder (default ``benchmarks/_data/``): a sites
   table (one site per zone, with PUE and on-site WUE), an hourly factor file for one year
   and energy logs of hourly per-server records as Parquet (many row groups) and CSV;
   files already there are reused;
2. runs ``fairwatt audit LOG --sites S --factors F --by zone,hour -q -o OUT.parquet``
   (defaults: exact duplicate check), the same with ``--duplicates sum``, and the
   baseline, the strongest hand-written DuckDB query we know for the same table, each as a
   child process;
3. measures each child's wall time and peak resident memory (``os.wait4``), prints a table
   and the largest relative difference from the baseline's result per column, and times
   ``python -c pass``, ``fairwatt --help`` and ``fairwatt audit --help``.

Run from the repository root::

    python benchmarks/audit_bench.py            # 10 M and 100 M Parquet, 10 M CSV
    python benchmarks/audit_bench.py --quick    # 1 M Parquet and 1 M CSV

Exit status: 0 when every run succeeded and every result matches the baseline within
``--tolerance``; 1 otherwise.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "_data"
HOURS_PER_YEAR = 8_760  # the benchmark year is not a leap year
US_PER_HOUR = 3_600 * 1_000_000
RESULT_COLUMNS = [
    "energy_kwh",
    "facility_energy_kwh",
    "carbon_kg",
    "water_onsite_l",
    "water_offsite_l",
    "water_l",
    "health_usd",
]

# The baseline, run as ``python -c BASELINE_CODE LOG KIND SITES FACTORS OUT``: the strongest
# hand-written DuckDB query we know for this table. It reduces the log to energy per
# (site, integer UTC hour) first (``epoch_us // 3.6e9``: no time-zone-aware truncation),
# then joins sites and factors (at most sites x hours rows), computes the footprints and
# sums them per (zone, hour), turning the integer hour back into a timestamp at the end.
# Exact, because every footprint is linear in energy and the factors are constant within
# a zone-hour. The log's timestamps are after 1970, so ``//`` (which truncates) is a floor.
BASELINE_CODE = r'''
import sys
import duckdb

log, kind, sites, factors, out = sys.argv[1:6]
q = lambda p: "'" + p.replace("'", "''") + "'"
if kind == "csv":
    source = (
        f"read_csv({q(log)}, header = true, columns = {{'timestamp': 'TIMESTAMPTZ', "
        "'site': 'VARCHAR', 'server': 'VARCHAR', 'energy_kwh': 'DOUBLE'})"
    )
else:
    source = f"read_parquet({q(log)})"
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET preserve_insertion_order = false")
con.execute(f"""
COPY (
    WITH energy AS (
        SELECT site, epoch_us("timestamp") // 3600000000 AS h, sum(energy_kwh) AS energy_kwh
        FROM {source}
        GROUP BY site, h
    ),
    sites AS (
        SELECT * FROM read_csv({q(sites)}, header = true, columns = {{'site': 'VARCHAR',
            'zone': 'VARCHAR', 'pue': 'DOUBLE', 'wue_l_per_kwh': 'DOUBLE', 'label': 'VARCHAR'}})
    ),
    factors AS (
        SELECT *, epoch_us("timestamp") // 3600000000 AS h FROM read_parquet({q(factors)})
    ),
    joined AS (
        SELECT s.zone, e.h, e.energy_kwh,
               e.energy_kwh * s.pue AS facility_energy_kwh,
               s.wue_l_per_kwh, f.carbon_g_per_kwh, f.ewif_l_per_kwh, f.health_usd_per_mwh
        FROM energy e
        JOIN sites s ON s.site = e.site
        JOIN factors f ON f.zone = s.zone AND f.h = e.h
    )
    SELECT zone, make_timestamp(h * 3600000000)::TIMESTAMPTZ AS hour,
           sum(energy_kwh) AS energy_kwh,
           sum(facility_energy_kwh) AS facility_energy_kwh,
           sum(facility_energy_kwh * carbon_g_per_kwh) / 1000.0 AS carbon_kg,  -- g -> kg
           sum(energy_kwh * wue_l_per_kwh) AS water_onsite_l,
           sum(facility_energy_kwh * ewif_l_per_kwh) AS water_offsite_l,
           sum(energy_kwh * wue_l_per_kwh + facility_energy_kwh * ewif_l_per_kwh) AS water_l,
           sum(facility_energy_kwh * health_usd_per_mwh) / 1000.0 AS health_usd  -- /MWh -> /kWh
    FROM joined
    GROUP BY zone, h
    ORDER BY zone, hour
) TO {q(out)} (FORMAT parquet)
""")
'''


# --------------------------------------------------------------------------------------
# synthetic inputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Shape of a synthetic log: sites x servers per site x hours, hour-major order."""

    sites: int
    servers: int
    hours: int

    @property
    def records(self) -> int:
        return self.sites * self.servers * self.hours

    @classmethod
    def for_records(cls, records: int, sites: int) -> Layout:
        """Whole year of hourly records with as many servers per site as ``records`` asks
        (228 per site for 100 M with 50 sites); below one server per site, fewer hours."""
        per_site = records / sites
        if per_site >= HOURS_PER_YEAR:
            return cls(sites, max(1, round(per_site / HOURS_PER_YEAR)), HOURS_PER_YEAR)
        return cls(sites, 1, max(1, int(per_site)))


def _zone_ids(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"Z{i + 1:0{width}d}" for i in range(n)]


def _site_ids(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"site-{i + 1:0{width}d}" for i in range(n)]


def _year_start_us(year: int) -> int:
    from datetime import UTC, datetime

    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".part")


def make_sites(path: Path, zones: int, seed: int) -> Path:
    """Sites table: one site per zone with a PUE and an on-site WUE."""
    if path.exists():
        return path
    import numpy as np

    rng = np.random.default_rng([seed, 1])
    pue = np.round(rng.uniform(1.08, 1.60, zones), 3)
    wue = np.round(rng.uniform(0.0, 2.5, zones), 3)
    lines = ["site,zone,pue,wue_l_per_kwh,label"]
    for i, (site, zone) in enumerate(zip(_site_ids(zones), _zone_ids(zones), strict=True)):
        lines.append(f"{site},{zone},{float(pue[i])!r},{float(wue[i])!r},benchmark site {i + 1}")
    part = _atomic_target(path)
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    part.replace(path)
    return path


def make_factors(path: Path, zones: int, year: int, seed: int) -> Path:
    """Hourly factors for one year (zones x 8760 rows), timestamps at UTC hour start."""
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, 2])
    hours = np.arange(HOURS_PER_YEAR)
    daily = np.sin(2.0 * np.pi * (hours % 24) / 24.0)
    zone_col, carbon, ewif, health = [], [], [], []
    for zone in _zone_ids(zones):
        c0, w0, h0 = rng.uniform(30.0, 700.0), rng.uniform(0.5, 4.5), rng.uniform(2.0, 80.0)
        noise = rng.normal(0.0, 0.05, (3, HOURS_PER_YEAR))
        zone_col.append(np.full(HOURS_PER_YEAR, zone))
        carbon.append(c0 * (1.0 + 0.2 * daily + noise[0]))
        ewif.append(w0 * (1.0 + 0.1 * daily + noise[1]))
        health.append(h0 * (1.0 + 0.2 * daily + noise[2]))
    start = _year_start_us(year)
    table = pa.table(
        {
            "zone": pa.array(np.concatenate(zone_col), type=pa.string()),
            "timestamp": pa.array(
                np.tile(start + hours * US_PER_HOUR, zones), type=pa.timestamp("us", tz="UTC")
            ),
            "carbon_g_per_kwh": np.concatenate(carbon),
            "ewif_l_per_kwh": np.concatenate(ewif),
            "health_usd_per_mwh": np.concatenate(health),
        }
    )
    part = _atomic_target(path)
    pq.write_table(table, part)
    part.replace(path)
    return path


def _log_chunks(layout: Layout, year: int, seed: int, csv: bool) -> Any:
    """Yield pyarrow tables of at most ~1 M rows, hour-major, no duplicate keys.

    Each chunk's values come from its own seeded generator, so the CSV and the Parquet
    log of the same size hold the same rows."""
    import numpy as np
    import pyarrow as pa

    n_series = layout.sites * layout.servers
    target_rows = min(1 << 20, max(1 << 16, layout.records // 16))
    hours_per_chunk = max(1, target_rows // n_series)
    start = _year_start_us(year)
    sites = pa.array(_site_ids(layout.sites), type=pa.string())
    width = max(4, len(str(layout.servers)))
    servers = pa.array([f"srv-{i + 1:0{width}d}" for i in range(layout.servers)], pa.string())
    hour_text = None
    if csv:
        from datetime import UTC, datetime

        hour_text = pa.array(
            [
                datetime.fromtimestamp((start + h * US_PER_HOUR) / 1e6, tz=UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S+00:00"
                )
                for h in range(layout.hours)
            ],
            type=pa.string(),
        )
    series = np.arange(n_series, dtype=np.int32)
    for chunk, h0 in enumerate(range(0, layout.hours, hours_per_chunk)):
        h1 = min(layout.hours, h0 + hours_per_chunk)
        hour_idx = np.repeat(np.arange(h0, h1, dtype=np.int32), n_series)
        s_idx = np.tile(series, h1 - h0)
        rng = np.random.default_rng([seed, 3, chunk])
        # whole micro-kWh between 0.05 and 0.8 kWh per server-hour: the nearest double of
        # a 6-decimal number, so the CSV text parses back to the same value
        energy = rng.integers(50_000, 800_001, hour_idx.size) / 1e6
        if hour_text is not None:
            timestamp = pa.DictionaryArray.from_arrays(pa.array(hour_idx), hour_text)
            timestamp = timestamp.cast(pa.string())
        else:
            timestamp = pa.array(
                start + hour_idx.astype(np.int64) * US_PER_HOUR, type=pa.timestamp("us", tz="UTC")
            )
        site = pa.DictionaryArray.from_arrays(pa.array(s_idx // layout.servers), sites)
        server = pa.DictionaryArray.from_arrays(pa.array(s_idx % layout.servers), servers)
        yield pa.table(
            {
                "timestamp": timestamp,
                "site": site.cast(pa.string()),
                "server": server.cast(pa.string()),
                "energy_kwh": energy,
            }
        )


def make_log(path: Path, layout: Layout, year: int, seed: int, kind: str) -> Path:
    """Write a synthetic log chunk by chunk (memory stays flat) as Parquet or CSV."""
    if path.exists():
        return path
    import pyarrow as pa

    part = _atomic_target(path)
    t0 = time.perf_counter()
    schema_ts = pa.string() if kind == "csv" else pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("timestamp", schema_ts),
            ("site", pa.string()),
            ("server", pa.string()),
            ("energy_kwh", pa.float64()),
        ]
    )
    writer: Any
    if kind == "csv":
        import pyarrow.csv as pacsv

        options = pacsv.WriteOptions(
            batch_size=1 << 16, quoting_style="none", quoting_header="none"
        )
        writer = pacsv.CSVWriter(str(part), schema, write_options=options)
    else:
        import pyarrow.parquet as pq

        writer = pq.ParquetWriter(str(part), schema)
    try:
        for table in _log_chunks(layout, year, seed, csv=kind == "csv"):
            if kind == "csv":
                writer.write_table(table)
            else:
                writer.write_table(table, row_group_size=table.num_rows)
    finally:
        writer.close()
    part.replace(path)
    size = path.stat().st_size / 2**20
    print(
        f"  wrote {path.name}: {layout.records:,} records ({layout.sites} sites x "
        f"{layout.servers} servers x {layout.hours} h), {size:,.0f} MiB "
        f"in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return path


# --------------------------------------------------------------------------------------
# measuring child processes
# --------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured child process."""

    seconds: float
    peak_mib: float
    returncode: int
    stderr: str = ""


def measure(cmd: list[str]) -> Run:
    """Run ``cmd``; wall time from start to reaping, peak RSS from the child's rusage."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # e.g. Ctrl-C: do not leave the child running
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    peak = usage.ru_maxrss / 2**20 if sys.platform == "darwin" else usage.ru_maxrss / 2**10
    return Run(seconds, peak, proc.returncode, text)


def fairwatt_command(explicit: str | None) -> list[str]:
    if explicit:
        return explicit.split()
    script = Path(sys.executable).parent / "fairwatt"
    if script.exists():
        return [str(script)]
    found = shutil.which("fairwatt")
    return [found] if found else [sys.executable, "-m", "fairwatt"]


@dataclass
class CaseResult:
    case: str
    kind: str
    records: int
    engine: str
    runs: list[Run] = field(default_factory=list)
    #: 1-minute load average of the machine before and after the case's runs
    load: tuple[float, float] = (float("nan"), float("nan"))

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 for r in self.runs)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.peak_mib for r in self.runs)

    def paired_ratio(self, base: CaseResult) -> float:
        """Median over the repeats of this engine's time over the baseline's time in the
        same repeat (the two runs were adjacent: the pair saw about the same load)."""
        return statistics.median(
            a.seconds / b.seconds for a, b in zip(self.runs, base.runs, strict=True)
        )


def load_average() -> float:
    """The machine's 1-minute load average (NaN where the OS does not report it)."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on Linux or macOS
        return float("nan")


def compare(result: Path, baseline: Path) -> dict[str, Any]:
    """Largest relative difference per column between two ``--by zone,hour`` tables."""
    import numpy as np
    import pandas as pd

    def load(path: Path) -> pd.DataFrame:
        frame = pd.read_parquet(path)
        missing = {"zone", "hour"} - set(frame.columns)
        if missing:
            raise SystemExit(f"{path}: no column(s) {', '.join(sorted(missing))}")
        frame = frame.dropna(subset=["zone", "hour"])  # drop a totals row, if any
        frame["zone"] = frame["zone"].astype(str)
        frame["hour"] = pd.to_datetime(frame["hour"], utc=True).astype("datetime64[us, UTC]")
        return frame

    ours, base = load(result), load(baseline)
    merged = base.merge(
        ours, on=["zone", "hour"], how="outer", suffixes=("_b", "_f"), indicator=True
    )
    out: dict[str, Any] = {
        "rows_fairwatt": len(ours),
        "rows_baseline": len(base),
        "rows_matched": int((merged["_merge"] == "both").sum()),
        "max_rel_diff": {},
    }
    for col in RESULT_COLUMNS:
        if col not in ours.columns:
            out["max_rel_diff"][col] = None
            continue
        b = merged[f"{col}_b"].to_numpy(dtype=float, na_value=np.nan)
        f = merged[f"{col}_f"].to_numpy(dtype=float, na_value=np.nan)
        scale = np.maximum(np.abs(b), np.abs(f))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(scale > 0, np.abs(f - b) / scale, 0.0)
        # a row present on one side only counts as a total mismatch
        rel = np.where(np.isnan(b) | np.isnan(f), np.inf, rel)
        out["max_rel_diff"][col] = float(rel.max()) if rel.size else 0.0
    return out


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def parse_count(text: str) -> int:
    """``1e6``, ``10M``, ``100m``, ``250k``, ``1_000_000`` -> int."""
    t = text.strip().replace("_", "")
    scale = {"k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9}.get(t[-1:].lower())
    value = float(t[:-1]) * scale if scale else float(t)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive record count: {text!r}")
    return int(value)


def parse_counts(text: str) -> list[int]:
    return [parse_count(p) for p in text.split(",") if p.strip()] if text.strip() else []


def label(n: int) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:g}{suffix}"
    return str(n)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="work folder for inputs")
    p.add_argument(
        "--sizes",
        type=parse_counts,
        default="1e7,1e8",
        help="Parquet log sizes in records, comma separated (1e6, 10M, ...)",
    )
    p.add_argument(
        "--csv-sizes",
        type=parse_counts,
        default=None,
        help="CSV log sizes; default: the --sizes up to 10 M; '' for none",
    )
    p.add_argument("--quick", action="store_true", help="1 M records as Parquet and as CSV")
    p.add_argument("--zones", type=int, default=50, help="zones (one site per zone)")
    p.add_argument("--year", type=int, default=2023, help="year of logs and factors (not leap)")
    p.add_argument("--seed", type=int, default=2024, help="seed of all synthetic data")
    p.add_argument("--repeat", type=int, default=3, help="runs per engine and case (median)")
    p.add_argument(
        "--engines",
        default="duckdb,fairwatt,fairwatt-sum",
        help="engines to run: duckdb (the baseline), fairwatt (default options: duplicate "
        "records are checked for), fairwatt-sum (--duplicates sum: no duplicate check)",
    )
    p.add_argument("--fairwatt", default=None, help="command that runs fairwatt")
    p.add_argument("--help-runs", type=int, default=10, help="runs of `fairwatt --help`")
    p.add_argument("--tolerance", type=float, default=1e-12, help="max relative difference")
    p.add_argument("--results", type=Path, default=None, help="also write results as JSON")
    p.add_argument("--generate-only", action="store_true", help="write the inputs and stop")
    return p


def byte_compile_fairwatt() -> None:
    """Compile fairwatt's modules to bytecode, as installing a wheel does: from an editable
    install under ``PYTHONDONTWRITEBYTECODE`` every run would compile them again (about
    0.1 s), which no installed fairwatt pays."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("fairwatt")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.sizes, args.csv_sizes = [1_000_000], [1_000_000]
    if args.csv_sizes is None:
        args.csv_sizes = [n for n in args.sizes if n <= 10_000_000]
    if calendar.isleap(args.year):
        raise SystemExit(f"--year {args.year} is a leap year; pick one with 8760 hours")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"duckdb", "fairwatt", "fairwatt-sum"}
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(sorted(unknown))}")
    fairwatt = fairwatt_command(args.fairwatt)
    data: Path = args.data
    out_dir = data / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    print("generating inputs (existing files are reused) ...", file=sys.stderr)
    tag = f"{args.zones}z_{args.year}_s{args.seed}"
    sites = make_sites(data / f"sites_{tag}.csv", args.zones, args.seed)
    factors = make_factors(data / f"factors_{tag}.parquet", args.zones, args.year, args.seed)
    cases: list[tuple[str, str, Path, Layout]] = []
    for kind, sizes in (("parquet", args.sizes), ("csv", args.csv_sizes)):
        for n in sizes:
            layout = Layout.for_records(n, args.zones)
            path = data / f"log_{label(n)}_{tag}.{kind}"
            make_log(path, layout, args.year, args.seed, kind)
            cases.append((f"{kind} {label(n)}", kind, path, layout))
    if args.generate_only:
        return 0
    byte_compile_fairwatt()

    results: list[CaseResult] = []
    comparisons: dict[str, dict[str, Any]] = {}
    failed = False
    for case, kind, path, layout in cases:
        print(f"running {case} ...", file=sys.stderr)
        outs = {e: out_dir / f"{e}_{path.stem}_{kind}.parquet" for e in engines}
        commands = {
            "duckdb": [
                sys.executable,
                "-c",
                BASELINE_CODE,
                str(path),
                kind,
                str(sites),
                str(factors),
                str(outs.get("duckdb", "")),
            ],
            "fairwatt": [
                *fairwatt,
                "audit",
                str(path),
                "--sites",
                str(sites),
                "--factors",
                str(factors),
                "--by",
                "zone,hour",
                "-q",
                "-o",
                str(outs.get("fairwatt", "")),
            ],
        }
        commands["fairwatt-sum"] = [
            *commands["fairwatt"][:-2],
            "--duplicates",
            "sum",
            "-o",
            str(outs.get("fairwatt-sum", "")),
        ]
        per_engine = {e: CaseResult(case, kind, layout.records, e) for e in engines}
        load_before = load_average()
        for r in range(args.repeat):
            order = engines if r % 2 == 0 else engines[::-1]  # alternate who goes first
            for engine in order:
                outs[engine].unlink(missing_ok=True)
                run = measure(commands[engine])
                per_engine[engine].runs.append(run)
                if run.returncode != 0:
                    tail = run.stderr.strip().splitlines()[-5:]
                    print(f"  {engine} failed (exit {run.returncode}):", file=sys.stderr)
                    for line in tail:
                        print(f"    {line}", file=sys.stderr)
        for res in per_engine.values():
            res.load = (load_before, load_average())
        results.extend(per_engine.values())
        failed |= not all(res.ok for res in per_engine.values())
        for e in ("fairwatt", "fairwatt-sum"):
            if all(x in per_engine and per_engine[x].ok for x in ("duckdb", e)):
                name = case if e == "fairwatt" else f"{case} ({e})"
                comparisons[name] = compare(outs[e], outs["duckdb"])

    print_report(results, comparisons, args.tolerance)
    failed |= not all(matches(cmp, args.tolerance) for cmp in comparisons.values())

    help_times: dict[str, float] = {}
    if "fairwatt" in engines and args.help_runs > 0:
        # interpreter start-up alone, then the help of the program and of its main command
        help_times["python -c pass"] = time_help([sys.executable, "-c", "pass"], args.help_runs)
        help_times["fairwatt --help"] = time_help([*fairwatt, "--help"], args.help_runs)
        help_times["fairwatt audit --help"] = time_help(
            [*fairwatt, "audit", "--help"], args.help_runs
        )
        codecarbon = shutil.which("codecarbon") or str(Path(sys.executable).parent / "codecarbon")
        if Path(codecarbon).exists():
            help_times["codecarbon --help"] = time_help([codecarbon, "--help"], args.help_runs)
        for what, sec in help_times.items():
            shown = "failed" if sec != sec else f"{sec:.3f} s"
            print(f"{what}: median of {args.help_runs} runs {shown}")

    if args.results:
        args.results.write_text(
            json.dumps(
                {
                    "machine": machine_info(),
                    "runs": [
                        {
                            **{k: v for k, v in asdict(r).items() if k != "runs"},
                            "seconds": r.seconds if r.ok else None,
                            "peak_mib": r.peak_mib if r.ok else None,
                            "all_seconds": [x.seconds for x in r.runs],
                            "all_peak_mib": [x.peak_mib for x in r.runs],
                        }
                        for r in results
                    ],
                    "comparisons": comparisons,
                    "help_seconds": help_times,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if failed else 0


def matches(cmp: dict[str, Any], tolerance: float) -> bool:
    """Same rows and every column within ``tolerance`` (relative)."""
    return cmp["rows_fairwatt"] == cmp["rows_baseline"] == cmp["rows_matched"] and all(
        v is not None and v <= tolerance for v in cmp["max_rel_diff"].values()
    )


def time_help(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        run = measure(cmd)
        if run.returncode != 0:
            return float("nan")
        times.append(run.seconds)
    return statistics.median(times)


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        import duckdb

        info["duckdb"] = duckdb.__version__
    except ImportError:  # pragma: no cover - duckdb is a fairwatt dependency
        info["duckdb"] = None
    return info


def print_report(
    results: list[CaseResult], comparisons: dict[str, dict[str, Any]], tolerance: float
) -> None:
    info = machine_info()
    print(
        f"\nfairwatt audit --by zone,hour vs DuckDB SQL baseline  (Python {info['python']}, "
        f"DuckDB {info['duckdb']}, {info['cpus']} CPUs)"
    )
    header = (
        "case",
        "records",
        "engine",
        "seconds",
        "peak MiB",
        "records/s",
        "x baseline",
        "x paired",
        "load",
    )
    rows = []
    base = {r.case: r for r in results if r.engine == "duckdb" and r.ok}
    for r in results:
        if not r.ok:
            rows.append((r.case, f"{r.records:,}", r.engine, "failed", "-", "-", "-", "-", "-"))
            continue
        ratio = f"{r.seconds / base[r.case].seconds:.2f}" if r.case in base else "-"
        paired = f"{r.paired_ratio(base[r.case]):.2f}" if r.case in base else "-"
        rows.append(
            (
                r.case,
                f"{r.records:,}",
                r.engine,
                f"{r.seconds:.2f}",
                f"{r.peak_mib:,.0f}",
                f"{r.records / r.seconds:,.0f}",
                ratio,
                paired,
                f"{r.load[0]:.1f}-{r.load[1]:.1f}",
            )
        )
    widths = [max(len(str(x[i])) for x in (header, *rows)) for i in range(len(header))]
    print(
        "  ".join(
            h.ljust(w) if i < 3 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i < 3 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(
        "(seconds: median wall time of the runs; peak MiB: largest peak RSS of the runs; "
        "x baseline: ratio of the medians; x paired: median of the ratios of adjacent runs; "
        "load: 1-minute load average before and after the case)"
    )
    for case, cmp in comparisons.items():
        worst = cmp["max_rel_diff"]
        verdict = "OK" if matches(cmp, tolerance) else "MISMATCH"
        print(
            f"\n{case}: fairwatt vs baseline, max relative difference per column "
            f"(tolerance {tolerance:g}): {verdict}; rows {cmp['rows_fairwatt']:,} vs "
            f"{cmp['rows_baseline']:,}, matched {cmp['rows_matched']:,}"
        )
        for col, v in worst.items():
            print(f"  {col:<20} {'missing' if v is None else f'{v:.3e}'}")


if __name__ == "__main__":
    sys.exit(main())
