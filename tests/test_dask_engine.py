"""The Dask engine of the log reduction, on a real local cluster of two worker processes:
the same footprints and the same errors as the embedded engine."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairwatt
from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.io.logs import LogOptions, reduce_log

distributed = pytest.importorskip("distributed")

SRC = str(Path(__file__).resolve().parents[1] / "src")
SITES = "site,zone,pue,wue_l_per_kwh\nalpha,XA,1.2,0.5\nbeta,XB,1.5,1.8\ngamma,XA,1.1,0.2\n"
ZONE = {"alpha": "XA", "beta": "XB", "gamma": "XA"}
PUE = {"alpha": 1.2, "beta": 1.5, "gamma": 1.1}
START = pd.Timestamp("2024-03-01T00:00Z")
DAYS = 2
FOOTPRINT_COLUMNS = [
    "energy_kwh",
    "facility_energy_kwh",
    "requests",
    "carbon_kg",
    "water_onsite_l",
    "water_offsite_l",
    "water_l",
    "health_usd",
]


def fleet(minutes_offset: int = 0) -> pd.DataFrame:
    """Three sites of four servers, one record per server every 15 minutes for two
    days; each server's series runs through both days (so through both day files)."""
    rng = np.random.default_rng(15)
    times = START + pd.to_timedelta(np.arange(DAYS * 96) * 15 + minutes_offset, unit="min")
    frames = [
        pd.DataFrame(
            {
                "timestamp": times,
                "site": site,
                "server": f"s{k}",
                "energy_kwh": rng.gamma(2.0, 0.7, len(times)),
                "requests": rng.integers(0, 1000, len(times)).astype(float),
            }
        )
        for site in ZONE
        for k in range(4)
    ]
    return pd.concat(frames, ignore_index=True).sort_values("timestamp", ignore_index=True)


def factors() -> pd.DataFrame:
    """Hourly factors that change every hour, so that a record in the wrong hour shows."""
    hours = pd.date_range(START, periods=DAYS * 24 + 1, freq="h")
    rows = []
    for zone, base in (("XA", 400.0), ("XB", 150.0)):
        for i, h in enumerate(hours):
            rows.append((zone, h, base + 7.0 * i, 2.0 + 0.01 * i, 30.0 + 0.5 * i))
    return pd.DataFrame(
        rows,
        columns=["zone", "timestamp", "carbon_g_per_kwh", "ewif_l_per_kwh", "health_usd_per_mwh"],
    )


def write_layouts(root: Path, log: pd.DataFrame) -> dict[str, list[str]]:
    """The log as CSV files, Parquet files and a hive-partitioned folder, one per day."""
    day = log["timestamp"].dt.strftime("%Y-%m-%d")
    out: dict[str, list[str]] = {"csv": [], "parquet": [], "hive": [str(root / "hive")]}
    for d, part in log.groupby(day):
        csv = root / "csv" / f"{d}.csv"
        csv.parent.mkdir(parents=True, exist_ok=True)
        part.assign(timestamp=part["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")).to_csv(
            csv, index=False
        )
        out["csv"].append(str(csv))
        pq = root / "parquet" / f"{d}.parquet"
        pq.parent.mkdir(parents=True, exist_ok=True)
        part.to_parquet(pq, index=False)
        out["parquet"].append(str(pq))
        hive = root / "hive" / f"day={d}" / "part-0.parquet"
        hive.parent.mkdir(parents=True, exist_ok=True)
        part.to_parquet(hive, index=False)
    return out


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("dask-fleet")
    (root / "sites.csv").write_text(SITES)
    factors().to_csv(root / "factors.csv", index=False)
    log = fleet()
    return {
        "root": root,
        "log": log,
        "layouts": write_layouts(root, log),
        "sites": str(root / "sites.csv"),
        "factors": str(root / "factors.csv"),
    }


def _audit(logs: list[str], inputs: dict[str, object], **kw: object) -> pd.DataFrame:
    result = fairwatt.audit(
        logs,
        sites=inputs["sites"],
        factors=inputs["factors"],
        by="zone,hour",
        footprints="carbon,water,health",
        **kw,
    )
    return result.table


@pytest.mark.parametrize("layout", ["csv", "parquet", "hive"])
def test_every_footprint_column_equals_the_embedded_engine(layout, inputs, client) -> None:
    logs = inputs["layouts"][layout]
    embedded = _audit(logs, inputs)
    dask = _audit(logs, inputs, engine="dask", scheduler=client)
    assert list(dask.columns) == list(embedded.columns)
    assert set(FOOTPRINT_COLUMNS) <= set(dask.columns)
    for key in ("zone", "hour"):
        assert dask[key].tolist() == embedded[key].tolist()
    for col in FOOTPRINT_COLUMNS:
        np.testing.assert_allclose(dask[col], embedded[col], rtol=1e-12, atol=0, err_msg=col)


def test_energy_and_carbon_match_a_hand_computation(inputs, client) -> None:
    """Independent of either engine: pandas sums per zone and hour, times PUE and CI."""
    log = inputs["log"].copy()
    log["zone"] = log["site"].map(ZONE)
    log["hour"] = log["timestamp"].dt.floor("h")
    log["fac"] = log["energy_kwh"] * log["site"].map(PUE)
    f = factors().rename(columns={"timestamp": "hour"})
    log = log.merge(f, on=["zone", "hour"])
    log["carbon_kg"] = log["fac"] * log["carbon_g_per_kwh"] / 1000.0
    want = log.groupby(["zone", "hour"], as_index=False)[["energy_kwh", "carbon_kg"]].sum()
    got = _audit(inputs["layouts"]["hive"], inputs, engine="dask", scheduler=client)
    assert len(got) == len(want) == 2 * DAYS * 24
    merged = got.merge(want, on=["zone", "hour"], suffixes=("", "_want"))
    np.testing.assert_allclose(merged["energy_kwh"], merged["energy_kwh_want"], rtol=1e-12)
    np.testing.assert_allclose(merged["carbon_kg"], merged["carbon_kg_want"], rtol=1e-12)


def test_records_split_across_hours_by_interval(tmp_path, inputs, client) -> None:
    """Records 7 minutes past the quarter, 15 minutes long, straddle hours."""
    layouts = write_layouts(tmp_path, fleet(minutes_offset=7))
    options = {"interval": "15min"}
    embedded = _audit(layouts["parquet"], inputs, **options)
    dask = _audit(layouts["parquet"], inputs, engine="dask", scheduler=client, **options)
    for col in FOOTPRINT_COLUMNS:
        np.testing.assert_allclose(dask[col], embedded[col], rtol=1e-12, err_msg=col)


def _error(logs: list[str], options: LogOptions) -> str:
    with pytest.raises(InputError) as err:
        reduce_log(logs, options)
    return str(err.value)


@pytest.mark.parametrize("layout", ["csv", "hive"])
def test_duplicate_in_another_file_gives_the_embedded_message(layout, tmp_path, client) -> None:
    log = fleet()
    layouts = write_layouts(tmp_path, log)
    # a record of day 1 copied into the file of day 2 (and a second one, twice)
    extra = pd.concat([log.iloc[[10]], log.iloc[[20]], log.iloc[[20]]], ignore_index=True)
    if layout == "csv":
        extra.assign(timestamp=extra["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")).to_csv(
            layouts["csv"][1], mode="a", header=False, index=False
        )
    else:
        extra.to_parquet(Path(layouts["hive"][0]) / "day=2024-03-02" / "part-1.parquet")
    logs = layouts[layout]
    embedded = _error(logs, LogOptions())
    dask = _error(logs, LogOptions(engine="dask", scheduler=client))
    assert dask == embedded
    top = log.iloc[20]
    assert "2 duplicate record keys, e.g. 3 records at" in dask
    assert (
        f"{top['timestamp'].isoformat()} for site {top['site']!r}, server {top['server']!r}" in dask
    )


def test_bad_value_on_a_worker_names_file_and_row(tmp_path, client) -> None:
    log = fleet()
    layouts = write_layouts(tmp_path, log)
    second = Path(layouts["csv"][1])
    lines = second.read_text().splitlines()
    fields = lines[41].split(",")  # line 42 of the file: header + 40 records before it
    fields[3] = "-2.5"
    lines[41] = ",".join(fields)
    second.write_text("\n".join(lines) + "\n")
    embedded = _error(layouts["csv"], LogOptions())
    dask = _error(layouts["csv"], LogOptions(engine="dask", scheduler=client))
    assert dask == embedded
    assert dask.startswith(f"{second}, row 42, column 'energy_kwh': negative energy -2.5")


def test_progress_counts_files(inputs, client) -> None:
    seen: list[float] = []
    reduce_log(inputs["layouts"]["csv"], LogOptions(engine="dask", scheduler=client), seen.append)
    assert seen == [0.5, 1.0]


def test_a_table_in_memory_is_refused() -> None:
    with pytest.raises(InputError, match="reads files, not a table in memory"):
        reduce_log(fleet(), LogOptions(engine="dask"))


def test_engine_parameters_are_checked(inputs) -> None:
    with pytest.raises(InputError, match="engine: 'spark' is not an engine"):
        _audit(inputs["layouts"]["csv"], inputs, engine="spark")
    with pytest.raises(InputError, match="scheduler: needs engine='dask'"):
        _audit(inputs["layouts"]["csv"], inputs, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(InputError, match="retries: expected a whole number"):
        _audit(inputs["layouts"]["csv"], inputs, engine="dask", retries=-1)


# ------------------------------------------------------- scheduler and workers as processes


def _cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**__import__("os").environ, "PYTHONPATH": SRC, "COLUMNS": "80", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "fairwatt", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    import os

    root = tmp_path_factory.mktemp("dask-processes")
    scheduler_file = root / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": SRC}
    dask = [sys.executable, "-m", "dask"]
    started = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [*dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                     "--no-dashboard", "--host", "127.0.0.1", "--no-nanny"],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        with distributed.Client(
            scheduler_file=str(scheduler_file), set_as_default=False, timeout="60s"
        ) as c:
            c.wait_for_workers(2, timeout=90)
            yield c
    finally:
        for p in started:  # nothing to save: no need for a graceful stop
            p.kill()
        for p in started:
            p.wait(timeout=30)


def test_cli_on_a_separate_scheduler_and_workers(inputs, processes, tmp_path) -> None:
    address = processes.scheduler.address
    hive = inputs["layouts"]["hive"][0]
    common = ["--sites", inputs["sites"], "--factors", inputs["factors"], "--by", "zone,hour"]
    common += ["--footprints", "carbon,water,health"]
    embedded = _cli("audit", hive, *common, "-o", str(tmp_path / "embedded.parquet"))
    assert embedded.returncode == 0, embedded.stderr
    run = _cli("audit", hive, *common, "--engine", "dask", "--scheduler", address,
               "-o", str(tmp_path / "dask.parquet"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    a = pd.read_parquet(tmp_path / "embedded.parquet")
    b = pd.read_parquet(tmp_path / "dask.parquet")
    pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-12, atol=0)
    ran = processes.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "reduce_partition" in ran
    assert "series_blocks" in ran

    # a duplicate injected into another file: the same message (exit 2) from both engines
    shutil.copytree(hive, tmp_path / "hive")
    pd.read_parquet(Path(hive) / "day=2024-03-01" / "part-0.parquet").iloc[[5]].to_parquet(
        tmp_path / "hive" / "day=2024-03-02" / "extra.parquet"
    )
    bad_embedded = _cli("audit", str(tmp_path / "hive"), *common)
    # the scheduler named by the environment this time: it runs the tasks
    before = processes.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    bad_dask = _cli("audit", str(tmp_path / "hive"), *common, "--engine", "dask",
                    DASK_SCHEDULER_ADDRESS=address)  # fmt: skip
    after = processes.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    assert after > before
    assert bad_embedded.returncode == bad_dask.returncode == 2
    assert "duplicate record keys" in bad_dask.stderr
    assert bad_dask.stderr == bad_embedded.stderr


def test_cli_unreachable_scheduler_exit_3_quickly(inputs) -> None:
    log = inputs["layouts"]["csv"][0]
    start = time.monotonic()
    run = _cli("audit", log, "--sites", inputs["sites"], "--footprints", "carbon",
               "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert run.returncode == 3
    assert time.monotonic() - start < 30  # a 5 s connect timeout and the start-up
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 5s" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_file_gone_before_its_task_runs_is_exit_3_after_retries(tmp_path, client) -> None:
    """Planned from the headers, then deleted: the task fails on its worker, is run
    again ``retries`` times, and the audit stops with exit 3 (data unavailable)."""
    layouts = write_layouts(tmp_path, fleet())
    gone = layouts["parquet"][1]
    import fairwatt.io.engines.dask_engine as engine

    real = engine._plan

    def plan_then_delete(src, options):
        plan = real(src, options)
        Path(gone).unlink()
        return plan

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "_plan", plan_then_delete)
        with pytest.raises(DataUnavailableError, match="a task of the log reduction failed") as err:
            reduce_log(layouts["parquet"], LogOptions(engine="dask", scheduler=client, retries=1))
    assert err.value.exit_code == 3
    assert "--retries" in str(err.value)


def _crash_worker_on_reduce() -> None:
    """Run on a worker: its next partition task ends the worker process."""
    import os

    import fairwatt.io.engines.partition as partition

    partition.reduce_partition = lambda task: os._exit(1)  # type: ignore[assignment]


def test_a_worker_that_dies_is_exit_3(tmp_path) -> None:
    import dask

    layouts = write_layouts(tmp_path, fleet())
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        c.run(_crash_worker_on_reduce)
        with pytest.raises(DataUnavailableError, match="a Dask worker died") as err:
            reduce_log(layouts["parquet"], LogOptions(engine="dask", scheduler=c))
    assert err.value.exit_code == 3


def test_cli_scheduler_needs_the_dask_engine(inputs) -> None:
    run = _cli("audit", inputs["layouts"]["csv"][0], "--scheduler", "tcp://127.0.0.1:9")
    assert run.returncode == 2
    assert "--scheduler needs --engine dask" in run.stderr


def test_files_without_some_columns_read_as_the_union(tmp_path, inputs, client) -> None:
    """A log whose later files gained a requests column: the earlier files' requests are
    missing, as in the embedded engine's union by name."""
    layouts = write_layouts(tmp_path, fleet())
    first = Path(layouts["hive"][0]) / "day=2024-03-01" / "part-0.parquet"
    pd.read_parquet(first).drop(columns="requests").to_parquet(first, index=False)
    embedded = _audit(layouts["hive"], inputs)
    dask = _audit(layouts["hive"], inputs, engine="dask", scheduler=client)
    assert dask["requests"].isna().sum() == embedded["requests"].isna().sum() == 2 * 24
    for col in FOOTPRINT_COLUMNS:
        np.testing.assert_allclose(dask[col], embedded[col], rtol=1e-12, err_msg=col)


def test_cli_stdin_is_refused_with_the_dask_engine(inputs) -> None:
    env = {**__import__("os").environ, "PYTHONPATH": SRC, "COLUMNS": "80"}
    run = subprocess.run(
        [sys.executable, "-m", "fairwatt", "audit", "-", "--engine", "dask"],
        input=Path(inputs["layouts"]["csv"][0]).read_text(),
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "engine 'dask' cannot read the log from stdin ('-')" in run.stderr


def test_irregular_times_across_files_check_duplicates_exactly(tmp_path, client) -> None:
    """Records at random seconds (no grid but 1 s) in one file, on the quarter hour in
    the other: no false duplicate; one record repeated across the files is found."""
    rng = np.random.default_rng(3)
    n = 500
    irregular = pd.DataFrame(
        {
            "timestamp": START + pd.to_timedelta(np.sort(rng.choice(86_400, n, False)), "s"),
            "site": "alpha",
            "server": "s0",
            "energy_kwh": rng.random(n),
        }
    )
    regular = fleet().query("site == 'beta'")[irregular.columns]
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    irregular.to_parquet(a, index=False)
    regular.to_parquet(b, index=False)
    embedded = reduce_log([str(a), str(b)]).data
    dask = reduce_log([str(a), str(b)], LogOptions(engine="dask", scheduler=client)).data
    pd.testing.assert_frame_equal(dask, embedded, check_exact=False, rtol=1e-12, atol=0)
    pd.concat([regular, irregular.iloc[[123]]]).to_parquet(b, index=False)
    message = _error([str(a), str(b)], LogOptions(engine="dask", scheduler=client))
    assert message == _error([str(a), str(b)], LogOptions())
    assert "1 duplicate record keys, e.g. 2 records at" in message


def test_naive_local_times_through_a_daylight_saving_change(tmp_path, client) -> None:
    """Naive Berlin times over the night the clocks go back, one file per local day:
    the repeated hour resolves in its file as in the embedded engine."""
    utc = pd.date_range("2024-10-26T00:00Z", "2024-10-28T00:00Z", freq="15min", inclusive="left")
    local = utc.tz_convert("Europe/Berlin")
    log = pd.DataFrame(
        {
            "timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
            "site": "alpha",
            "energy_kwh": np.arange(len(utc), dtype=float) + 0.5,
        }
    )
    files = []
    for day, part in log.groupby(local.strftime("%Y-%m-%d")):
        path = tmp_path / f"{day}.csv"
        part.to_csv(path, index=False)
        files.append(str(path))
    embedded = reduce_log(files, LogOptions(tz="Europe/Berlin")).data
    dask = reduce_log(files, LogOptions(tz="Europe/Berlin", engine="dask", scheduler=client)).data
    pd.testing.assert_frame_equal(dask, embedded, check_exact=False, rtol=1e-12, atol=0)
    assert len(dask) == 48  # 48 UTC hours, the repeated local hour twice
    assert (dask["records"] == 4).all()
