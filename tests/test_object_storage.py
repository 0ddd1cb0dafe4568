"""Energy logs in object storage (``s3://``), read through fsspec by both engines, from a
real S3-compatible server on loopback (moto's server mode), not a mock of the client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairwatt
from fairwatt.errors import InputError
from fairwatt.io.remote import scrub

moto_server = pytest.importorskip("moto.server")
s3fs = pytest.importorskip("s3fs")
distributed = pytest.importorskip("distributed")

SRC = str(Path(__file__).resolve().parents[1] / "src")
BUCKET = "fleet-logs"
#: a recognisable secret: it must never appear in anything fairwatt prints
SECRET = "Sup3rSecretKeyThatMustNeverBePrinted0000"
SITES = "site,zone,pue,wue_l_per_kwh\nalpha,XA,1.2,0.5\nbeta,XB,1.5,1.8\n"
FACTORS = "zone,carbon_g_per_kwh,ewif_l_per_kwh\nXA,400,2.0\nXB,150,4.0\n"


def log() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    times = pd.date_range("2024-05-01T00:00Z", periods=3 * 96, freq="15min")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "timestamp": times,
                    "site": site,
                    "server": srv,
                    "energy_kwh": rng.random(len(times)),
                }
            )
            for site in ("alpha", "beta")
            for srv in ("s0", "s1")
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 holding the log as CSV files and as a hive folder,
    with the environment (dummy credentials, endpoint) that s3fs reads."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "fairwatt-test-key-id",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        fs = s3fs.S3FileSystem(endpoint_url=env["AWS_ENDPOINT_URL"])
        fs.mkdir(BUCKET)
        data = log()
        local = tmp_path_factory.mktemp("s3-fleet")
        day = data["timestamp"].dt.strftime("%Y-%m-%d")
        for d, part in data.groupby(day):
            with fs.open(f"{BUCKET}/hive/day={d}/part-0.parquet", "wb") as fh:
                part.to_parquet(fh, index=False)
            with fs.open(f"{BUCKET}/csv/{d}.csv", "wb") as fh:
                fh.write(part.to_csv(index=False).encode())
            (local / "hive" / f"day={d}").mkdir(parents=True)
            part.to_parquet(local / "hive" / f"day={d}" / "part-0.parquet", index=False)
        (local / "sites.csv").write_text(SITES)
        (local / "factors.csv").write_text(FACTORS)
        yield {
            "local": str(local / "hive"),
            "sites": str(local / "sites.csv"),
            "factors": str(local / "factors.csv"),
            **env,
        }
    server.stop()


def _audit(logs: object, store: dict[str, str], **kw: object) -> pd.DataFrame:
    result = fairwatt.audit(
        logs,
        sites=store["sites"],
        factors=store["factors"],
        by="site,day",
        footprints="carbon,water",
        **kw,
    )
    return result.table


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)


def test_hive_folder_in_s3_equals_the_local_copy(store) -> None:
    _same(_audit(f"s3://{BUCKET}/hive", store), _audit(store["local"], store))


def test_csv_glob_in_s3(store) -> None:
    _same(_audit(f"s3://{BUCKET}/csv/*.csv", store), _audit(store["local"], store))


def test_dask_engine_reads_s3_on_its_workers(store) -> None:
    # the workers are started after the store's environment is set: they inherit it
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        got = _audit(f"s3://{BUCKET}/hive/", store, engine="dask", scheduler=client)
    _same(got, _audit(store["local"], store))


def test_missing_objects_are_input_errors(store) -> None:
    with pytest.raises(InputError, match=f"s3://{BUCKET}/nothing.csv: file not found"):
        _audit(f"s3://{BUCKET}/nothing.csv", store)
    with pytest.raises(InputError, match="no file matches this pattern"):
        _audit(f"s3://{BUCKET}/csv/*.parquet", store)


def test_cli_never_prints_credentials(store, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "80"}
    env.update({k: v for k, v in store.items() if k.startswith("AWS_")})
    ok = subprocess.run(
        [sys.executable, "-m", "fairwatt", "audit", f"s3://{BUCKET}/hive", "--sites",
         store["sites"], "--factors", store["factors"], "--footprints", "carbon", "-o",
         str(tmp_path / "out.parquet")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert pd.read_parquet(tmp_path / "out.parquet")["energy_kwh"].sum() == pytest.approx(
        log()["energy_kwh"].sum(), rel=1e-12
    )
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there
    down = subprocess.run(
        [sys.executable, "-m", "fairwatt", "-vv", "audit", f"s3://{BUCKET}/hive", "--sites",
         store["sites"], "--footprints", "carbon"],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )  # fmt: skip
    assert down.returncode == 3, down.stderr
    assert "cannot list the object store" in down.stderr
    for text in (ok.stdout, ok.stderr, down.stdout, down.stderr):
        assert SECRET not in text


def test_scrub_removes_secrets_and_signed_queries(monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    text = f"denied for {SECRET} at https://acct.blob.core.windows.net/c/f.csv?sig=abc&se=1 now"
    out = scrub(text)
    assert SECRET not in out
    assert "sig=abc" not in out
    assert "https://acct.blob.core.windows.net/c/f.csv?***" in out


def test_a_store_without_its_reader_names_the_package_to_install() -> None:
    import importlib.util

    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed: gs:// URLs would be read")
    with pytest.raises(InputError, match=r"cannot read gs:// URLs.*pip install gcsfs") as err:
        fairwatt.audit("gs://fleet-logs/energy.parquet")
    assert err.value.exit_code == 2
