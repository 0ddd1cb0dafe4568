"""The distributed engine: the log reduction as tasks on a Dask cluster.

Every footprint is linear in energy and factors are constant within a zone-hour, so the
reduction to energy per (site, UTC hour) is a map over the log's files followed by a
small combine. With ``LogOptions(engine="dask")`` (``--engine dask``):

1. the client reads the header of every file (as the embedded engine does) and makes
   one :class:`~fairwatt.io.logs.LogPlan`;
2. each file becomes a task (:func:`~fairwatt.io.engines.partition.reduce_partition`)
   that runs the embedded engine's SQL on it with DuckDB on its worker: energy per
   (site, hour) and the validity checks; the client shows tasks done / total and
   reports the input error of the first file (in the embedded engine's file order)
   with the embedded engine's message, naming file and row;
3. the partial tables are added up on the cluster in a tree of fan-in :data:`FAN_IN`;
4. the exact duplicate check: per series, bitmaps over blocks of 64 slots of the log's
   common time grid (the greatest common divisor of the files' grids), split into one
   bucket per worker (at most :data:`MAX_BUCKETS`) by series, combined by OR and sum on
   the cluster; only when a block holds more records than distinct slots are that
   block's records counted per key, for the embedded engine's message. No task holds
   every record.

The scheduler is ``LogOptions.scheduler``, else ``DASK_SCHEDULER_ADDRESS``, else a
local cluster of worker processes. A scheduler that cannot be reached within
:data:`CONNECT_TIMEOUT`, a worker that dies and a task that still fails after
``retries`` are :class:`~fairwatt.errors.DataUnavailableError` (exit 3).
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from fairwatt.errors import DataUnavailableError, FairwattError, InputError
from fairwatt.io.engines.partition import (
    PartitionTask,
    bucket,
    combine_blocks,
    combine_tables,
    duplicate_records,
    partial_status,
    partial_table,
    reduce_partition,
    series_blocks,
)
from fairwatt.io.log_duplicates import duplicate_error
from fairwatt.io.log_sources import Source, register_filesystems, resolve_sources
from fairwatt.io.logs import LogOptions, LogPlan, ReducedLog, connect, finish, plan_log
from fairwatt.io.remote import scrub

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.io.log_sources import LogSource

#: how long the client tries to reach the scheduler before giving up
CONNECT_TIMEOUT = "5s"
#: partial tables combined per task
FAN_IN = 8
#: the most buckets of the duplicate check (each file's blocks are split into one bucket
#: per worker, at most this many: files x buckets small tasks pick them out)
MAX_BUCKETS = 32
#: the most worker processes of the local cluster started when no scheduler is given
LOCAL_WORKERS = 4
INSTALL_HINT = "install it with: pip install 'fairwatt[dask]'"


def reduce_log_dask(
    paths: LogSource,
    options: LogOptions,
    progress: Callable[[float], None] | None = None,
) -> ReducedLog:
    """:func:`fairwatt.io.logs.reduce_log` on a Dask cluster: the same table, the same
    errors (see the module's description). ``progress`` gets the fraction of the
    files reduced."""
    src = resolve_sources(paths)
    if src.kind == "frame":
        raise InputError(
            f"engine 'dask' reads files, not a table in memory ({src.display})",
            hint="write the table to Parquet files the workers can read, or use engine 'duckdb'",
        )
    if src.tmpdir:
        shutil.rmtree(src.tmpdir, ignore_errors=True)
        raise InputError(
            "engine 'dask' cannot read the log from stdin ('-')",
            hint="save it to files (or object storage) the workers can read",
        )
    plan = _plan(src, options)
    with cluster_client(options) as client:
        try:
            return _run(client, src, plan, options, progress)
        except FairwattError:
            raise
        except Exception as exc:
            raise _cluster_error(exc) from exc


def _plan(src: Source, options: LogOptions) -> LogPlan:
    """The plan from the header of every file; a CSV's timestamp type is pinned to the
    one read over all files, so that every task parses it the same way."""
    con = connect(options)
    try:
        register_filesystems(con, src)
        plan = plan_log(con, src, options)
    finally:
        con.close()
    if src.kind == "csv" and plan.types is not None:
        ts_col = plan.cols["timestamp"]
        plan = replace(plan, types={**plan.types, ts_col: plan.available[ts_col]})
    return plan


@contextmanager
def cluster_client(options: LogOptions) -> Iterator[Any]:
    """A ``distributed.Client`` of ``options.scheduler`` (a client, an address), else of
    ``DASK_SCHEDULER_ADDRESS``, else of a local cluster of worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise InputError("engine 'dask' needs dask.distributed", hint=INSTALL_HINT) from exc
    scheduler = options.scheduler
    if isinstance(scheduler, Client):
        yield scheduler
        return
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        workers = max(1, min(LOCAL_WORKERS, os.cpu_count() or 1))
        with (
            _quiet(),
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                scheduler_kwargs={"dashboard": False},
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    with _quiet():
        client = _connect(Client, str(address))
        try:
            yield client
        finally:
            client.close()


@contextmanager
def _quiet() -> Iterator[None]:
    """Dask's own log lines (cluster start and stop) stay out of the user's stderr."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _connect(client_class: Any, address: str) -> Any:
    if "://" not in address and ":" not in address:
        raise InputError(
            f"--scheduler {address!r}: not a scheduler address", hint="use tcp://HOST:PORT"
        )
    try:
        return client_class(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise DataUnavailableError(
            f"cannot reach the Dask scheduler at {address} within {CONNECT_TIMEOUT}",
            hint="check that the scheduler runs and the address (--scheduler or "
            "DASK_SCHEDULER_ADDRESS); or leave both out to run a local cluster",
        ) from exc
    except ValueError as exc:
        raise InputError(f"--scheduler {address!r}: {exc}", hint="use tcp://HOST:PORT") from exc


def _cluster_error(exc: Exception) -> DataUnavailableError:
    """The exit-3 error of a cluster that failed (a worker died, a task kept failing, the
    connection was lost)."""
    from distributed import KilledWorker

    first = (scrub(str(exc)).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, KilledWorker):
        return DataUnavailableError(
            f"a Dask worker died while reducing the log ({first})",
            hint="see the workers' logs (memory?); pass --retries N to run failed tasks again",
        )
    if isinstance(exc, (OSError, TimeoutError)) or "CommClosed" in type(exc).__name__:
        return DataUnavailableError(
            f"lost the connection to the Dask cluster: {first}",
            hint="check the scheduler and the network, then run again",
        )
    return DataUnavailableError(
        f"a task of the log reduction failed: {type(exc).__name__}: {first}",
        hint="check that the workers can read the log (paths, object-store credentials); "
        "pass --retries N to run failed tasks again",
    )


def _run(
    client: Any,
    src: Source,
    plan: LogPlan,
    options: LogOptions,
    progress: Callable[[float], None] | None,
) -> ReducedLog:
    from distributed import as_completed

    worker_options = replace(options, scheduler=None, engine="duckdb", threads=1)
    kind: Literal["csv", "parquet"] = "csv" if src.kind == "csv" else "parquet"
    tasks = [PartitionTask(f, kind, src.hive, plan, worker_options) for f in src.files]
    retries = max(0, int(options.retries))
    parts = client.map(reduce_partition, tasks, retries=retries, pure=False)
    statuses = client.map(partial_status, parts, pure=False)
    for done, _ in enumerate(as_completed(statuses, loop=client.loop), start=1):
        if progress is not None:
            progress(done / len(statuses))
    status = client.gather(statuses)
    failed = [s for s in status if s[3] is not None]
    if failed:
        raise min(failed, key=lambda s: s[0])[3].error()
    records = sum(s[1] for s in status)
    if records == 0:
        raise InputError(f"{src.display}: the log holds no records", hint="check the file")
    table = client.gather(_tree(client, client.map(partial_table, parts, pure=False)))
    if options.duplicates == "error":
        step = math.gcd(*(s[2] for s in status if s[2] > 0))  # the grid common to all files
        _check_duplicates(client, tasks, step, src, "server" in plan.cols, retries)
    return ReducedLog(
        data=finish(table, "requests" in plan.cols),
        sources=list(src.files),
        records=records,
        columns=plan.cols,
    )


def _tree(client: Any, tables: list[Any]) -> Any:
    """The partial tables added up on the cluster, :data:`FAN_IN` at a time."""
    while len(tables) > 1:
        tables = [
            client.submit(combine_tables, tables[i : i + FAN_IN], pure=False)
            for i in range(0, len(tables), FAN_IN)
        ]
    return client.submit(combine_tables, tables, pure=False)


def _check_duplicates(
    client: Any,
    tasks: list[PartitionTask],
    step: int,
    src: Source,
    has_server: bool,
    retries: int,
) -> None:
    """The exact duplicate check across files (see the module's description)."""
    import pandas as pd

    workers = len(client.scheduler_info().get("workers", {}))
    buckets = max(1, min(workers, len(tasks), MAX_BUCKETS))
    blocks = client.map(
        series_blocks, tasks, step_us=step, buckets=buckets, retries=retries, pure=False
    )
    combined = [
        client.submit(
            combine_blocks, *[client.submit(bucket, b, k, pure=False) for b in blocks], pure=False
        )
        for k in range(buckets)
    ]
    flagged = pd.concat(client.gather(combined), ignore_index=True)
    if flagged.empty:
        return
    [shared] = client.scatter([flagged], broadcast=True)
    counted = client.gather(
        client.map(
            duplicate_records, tasks, step_us=step, flagged=shared, retries=retries, pure=False
        )
    )
    _report(pd.concat(counted, ignore_index=True), src, has_server)


def _report(records: pd.DataFrame, src: Source, has_server: bool) -> None:
    """Raise the embedded engine's duplicate error from the counted records."""
    con = connect(LogOptions())
    try:
        con.register("fairwatt_counted", records)
        dups = (
            "SELECT ts, site, server, sum(n) AS n FROM fairwatt_counted GROUP BY ALL "
            "HAVING sum(n) > 1"
        )
        dup = con.execute(f"SELECT * FROM ({dups}) ORDER BY n DESC, ts, site, server LIMIT 1")
        top = dup.fetchone()
        n_groups = con.execute(f"SELECT count(*) FROM ({dups})").fetchone()
    finally:
        con.close()
    if top is None:  # pragma: no cover - a flagged block always holds a repeated key
        return
    count = int(n_groups[0]) if n_groups else None
    raise duplicate_error(
        top[0], top[1], top[2], int(top[3]), count, src.display, has_server=has_server
    )
