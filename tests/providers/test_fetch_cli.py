"""``fairwatt factors fetch`` and ``fairwatt cache info|clear`` end to end, against the
local server."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
from provider_bodies import em_past_range, recorded, uk_intensity
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.reporting.document import output_schema

UK_PATH = "/intensity/2024-01-01T00:00Z/2024-01-01T02:00Z"
UK_BODY = uk_intensity("2024-01-01T00:00Z", [200, 210, 220, None], [201, 211, 221, 250])
ARGS = [
    "factors",
    "fetch",
    "ukcarbon",
    "--zone",
    "GB",
    "--start",
    "2024-01-01T00:00Z",
    "--end",
    "2024-01-01T02:00Z",
]
EM_KEY = "em-cli-secret-7788"

runner = CliRunner()


def _serve_uk(httpserver: HTTPServer) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")


def test_fetch_to_csv_on_stdout(httpserver: HTTPServer) -> None:
    _serve_uk(httpserver)
    result = runner.invoke(app, [*ARGS, "-q"])
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(io.StringIO(result.stdout))
    assert df.columns.tolist() == [
        "timestamp",
        "zone",
        "carbon_g_per_kwh",
        "is_estimated",
        "is_forecast",
        "is_partial",
        "is_missing",
    ]
    # hour 0: actuals 200, 210 -> 205; hour 1: actual 220 and forecast 250 -> 235 (forecast)
    assert df["carbon_g_per_kwh"].tolist() == [205.0, 235.0]
    assert df["is_forecast"].tolist() == [False, True]
    assert df["timestamp"].tolist() == ["2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+00:00"]
    assert result.stderr == ""


def test_fetch_to_parquet_keeps_provenance(httpserver: HTTPServer, tmp_path: Path) -> None:
    _serve_uk(httpserver)
    out = tmp_path / "gb.parquet"
    result = runner.invoke(app, [*ARGS, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(out)
    df = table.to_pandas()
    assert str(df["timestamp"].dtype) == "datetime64[us, UTC]"
    meta = json.loads(table.schema.metadata[b"fairwatt"])
    [prov] = meta["provenance"]
    assert prov["provider"] == "ukcarbon"
    assert prov["signal_kind"] == "average"
    assert prov["emission_factor_type"] == "operational"
    assert prov["forecast_hours"] == 1
    assert prov["endpoint"].endswith("/intensity")
    assert "retrieved_at" in prov
    assert "GB: 1 forecast hour(s)" in result.stderr  # a note, since data went to a file


def test_offline_cli(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    connects: list[Any] = []

    def no_connect(self: socket.socket, address: Any) -> None:
        connects.append(address)
        raise OSError("no sockets in offline mode")

    # a cold cache: exit 3, one line, no socket
    with monkeypatch.context() as m:
        m.setattr(socket.socket, "connect", no_connect)
        cold = runner.invoke(app, [*ARGS, "--offline"])
    assert cold.exit_code == 3
    assert cold.stderr.count("\n") == 1 and "Traceback" not in cold.stderr
    assert "offline and not in the cache" in cold.stderr
    assert connects == []
    # fill the cache online, then offline works without a socket
    _serve_uk(httpserver)
    online = runner.invoke(app, [*ARGS, "-q"])
    with monkeypatch.context() as m:
        m.setattr(socket.socket, "connect", no_connect)
        warm = runner.invoke(app, [*ARGS, "-q", "--offline"])
    assert warm.exit_code == 0, warm.stderr
    assert warm.stdout == online.stdout
    assert connects == []
    assert len(httpserver.log) == 1


def test_auth_error_is_one_line_without_the_key(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", EM_KEY)
    httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_data(
        recorded("electricitymaps", "error_401_unauthorized.json"),
        status=401,
        content_type="application/json",
    )
    result = runner.invoke(
        app,
        [
            "-vv",
            "factors",
            "fetch",
            "electricitymaps",
            "-z",
            "DE",
            "--start",
            "2024-01-01",
            "--end",
            "2024-01-02",
        ],
    )
    assert result.exit_code == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("fairwatt: error: electricitymaps: access denied")
    assert "ELECTRICITYMAPS_API_KEY" in last
    assert EM_KEY not in result.stderr and EM_KEY not in result.stdout


def test_fetch_several_zones_with_cache(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", EM_KEY)
    for zone, base in (("DE", 300.0), ("FR", 50.0)):
        httpserver.expect_request(
            "/v3/carbon-intensity/past-range",
            query_string={
                "zone": zone,
                "start": "2024-01-01T00:00:00Z",
                "end": "2024-01-01T03:00:00Z",
                "temporalGranularity": "hourly",
                "emissionFactorType": "lifecycle",
            },
        ).respond_with_data(
            em_past_range(zone, "2024-01-01", [base, base + 1, base + 2]),
            content_type="application/json",
        )
    cache = tmp_path / "mycache"
    args = [
        "factors",
        "fetch",
        "electricitymaps",
        "-z",
        "DE",
        "-z",
        "FR",
        "--start",
        "2024-01-01T00:00Z",
        "--end",
        "2024-01-01T03:00Z",
        "--cache-dir",
        str(cache),
        "-f",
        "json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    doc = json.loads(first.stdout)
    jsonschema.validate(doc, output_schema(), cls=jsonschema.Draft202012Validator)
    assert doc["command"] == "factors fetch"
    assert [r["zone"] for r in doc["tables"]["factors"]] == ["DE"] * 3 + ["FR"] * 3
    assert [r["carbon_g_per_kwh"] for r in doc["tables"]["factors"]][2:4] == [302.0, 50.0]
    assert [p["zone"] for p in doc["provenance"]] == ["DE", "FR"]
    assert (cache / "http_cache.sqlite").exists()
    second = runner.invoke(app, args)
    assert json.loads(second.stdout)["tables"]["factors"] == doc["tables"]["factors"]
    assert len(httpserver.log) == 2  # the second run came from --cache-dir
    assert EM_KEY.encode() not in (cache / "http_cache.sqlite").read_bytes()


def test_progress_bar_on_a_terminal(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rich.progress

    monkeypatch.setattr("fairwatt.cli.fetch.stderr_is_terminal", lambda: True)
    advances: list[int] = []
    real = rich.progress.Progress.advance

    def advance(self: rich.progress.Progress, task_id: Any, advance: float = 1) -> None:
        advances.append(int(advance))
        real(self, task_id, advance)

    monkeypatch.setattr(rich.progress.Progress, "advance", advance)
    # 20 days of GB data = two 14-day chunks
    for a, b in (
        ("2024-01-01T00:00Z", "2024-01-15T00:00Z"),
        ("2024-01-15T00:00Z", "2024-01-21T00:00Z"),
    ):
        httpserver.expect_request(f"/intensity/{a}/{b}").respond_with_data(
            uk_intensity(a, [100], [100]), content_type="application/json"
        )
    args = [
        "factors",
        "fetch",
        "ukcarbon",
        "-z",
        "GB",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-21",
        "-f",
        "csv",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert advances == [1, 1]
    advances.clear()
    quiet = runner.invoke(app, [*args, "-q"])
    assert quiet.exit_code == 0
    assert advances == []  # no bar with -q


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "factors",
                "fetch",
                "nowhere",
                "-z",
                "X",
                "--start",
                "2024-01-01",
                "--end",
                "2024-01-02",
            ],
            "unknown provider 'nowhere'",
        ),
        (["factors", "fetch", "ukcarbon", "-z", "GB"], "--start and --end are required"),
        (
            [
                "factors",
                "fetch",
                "ukcarbon",
                "-z",
                "GB",
                "--start",
                "2024-01-02",
                "--end",
                "2024-01-01",
            ],
            "is not after start",
        ),
        (
            [
                "factors",
                "fetch",
                "watttime",
                "-z",
                "CAISO_NORTH",
                "--signal",
                "co2",
                "--start",
                "2024-01-01",
                "--end",
                "2024-01-02",
            ],
            "watttime has no signal 'co2'",
        ),
        (
            [
                "factors",
                "fetch",
                "eia",
                "-z",
                "ERCO",
                "--start",
                "2024-01-01",
                "--end",
                "2024-01-02",
                "--fuel-factors",
                "oops",
            ],
            "COLUMN=DATASET",
        ),
    ],
)
def test_usage_errors_exit_2(httpserver: HTTPServer, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert httpserver.log == []


def test_cache_commands(httpserver: HTTPServer, cache_dir: Path) -> None:
    empty = runner.invoke(app, ["cache", "info", "-f", "csv"])
    assert empty.exit_code == 0
    assert "exists,no" in empty.stdout
    _serve_uk(httpserver)
    assert runner.invoke(app, [*ARGS, "-q"]).exit_code == 0
    info = runner.invoke(app, ["cache", "info", "-f", "json"])
    doc = json.loads(info.stdout)
    (cache,) = doc["tables"]["cache"]
    assert cache["responses"] == 1
    assert cache["path"] == str(cache_dir / "http_cache.sqlite")
    assert [h["responses"] for h in doc["tables"]["hosts"]] == [1]
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0
    assert "removed 1 cached answer(s)" in cleared.stderr
    assert (
        json.loads(runner.invoke(app, ["cache", "info", "-f", "json"]).stdout)["tables"]["cache"][
            0
        ]["responses"]
        == 0
    )


def test_forecast_cli(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTTIME_USER", "alice")
    monkeypatch.setenv("WATTTIME_PASSWORD", "pw-cli-4455")
    httpserver.expect_request("/login").respond_with_json({"token": "tok-cli-9988"})
    httpserver.expect_request("/v3/forecast").respond_with_data(
        recorded("watttime", "forecast.json"), content_type="application/json"
    )
    result = runner.invoke(
        app, ["factors", "fetch", "watttime", "-z", "CAISO_NORTH", "--forecast", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [r["is_forecast"] for r in doc["tables"]["factors"]] == [True]
    assert doc["provenance"][0]["signal_kind"] == "marginal"
    ukf = runner.invoke(app, ["factors", "fetch", "ukcarbon", "-z", "GB", "--forecast"])
    assert ukf.exit_code == 2
    assert "ukcarbon has no forecast" in ukf.stderr


def test_excluded_fuels_are_noted(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from provider_bodies import entsoe_a75

    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-cli-token-3344")
    # B01 biomass has no factor in the Thirsty-code set (no documented assumption covers it)
    body = entsoe_a75("10YFR-RTE------C", "2023-01-01", {"B14": [900], "B01": [100]})
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    args = [
        "factors",
        "fetch",
        "entsoe",
        "-z",
        "FR",
        "--start",
        "2023-01-01T00:00Z",
        "--end",
        "2023-01-01T01:00Z",
        "--fuel-factors",
        "ewif_l_per_kwh=fuel-factors-thirsty-code",
        "-o",
        str(tmp_path / "fr.csv"),
    ]
    strict = runner.invoke(app, args)
    assert strict.exit_code == 3
    assert "no ewif_l_per_kwh factor for fuel(s) biomass (up to 10 % of an hour)" in strict.stderr
    assert "--unmatched-fuels exclude" in strict.stderr
    loose = runner.invoke(app, [*args, "--unmatched-fuels", "exclude"])
    assert loose.exit_code == 0, loose.stderr
    assert "FR: left out of ewif_l_per_kwh: biomass (up to 10 %)" in loose.stderr
    df = pd.read_csv(tmp_path / "fr.csv")
    # nuclear 600 gal/MWh (Thirsty code) is all that is left of the mix
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([600 * 0.003785412], rel=1e-6)


FR_HOUR = ["factors", "fetch", "entsoe", "-z", "FR", "--start", "2023-01-01T00:00Z"]
FR_HOUR += ["--end", "2023-01-01T01:00Z"]


def test_unknown_fuel_takes_the_known_fuel_mean_by_default(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """B20 ("Other" -> unknown) exits 0 by default and the assumption is noted.

    Nuclear 900, unknown 100 MWh. Macknick has no 'unknown' EWIF: unknown takes the
    known-fuel mean, nuclear 672 gal/MWh = 672 x 0.003785412 = 2.54380 L/kWh.
    """
    from provider_bodies import entsoe_a75

    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-cli-token-3344")
    body = entsoe_a75("10YFR-RTE------C", "2023-01-01", {"B14": [900], "B20": [100]})
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    out = tmp_path / "fr.json"
    res = runner.invoke(
        app,
        [*FR_HOUR, "-f", "json", "-o", str(out)],
    )
    assert res.exit_code == 0, res.stderr
    assert "FR: 1 averaged_fuel hour(s)" in res.stderr
    doc = json.loads(out.read_text())
    [prov] = doc["provenance"]
    assert prov["averaged_fuels"]["ewif_l_per_kwh"]["fuels"] == ["unknown"]
    assert prov["averaged_fuel_hours"] == 1
    assert doc["tables"]["factors"][0]["ewif_l_per_kwh"] == pytest.approx(
        672 * 0.003785412, rel=1e-6
    )
