"""Deferrable load through ``fairwatt rebalance``, the scenario file's ``[flexibility]``
table, the Python API's result and the what-if on logs."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.errors import InputError
from fairwatt.services.rebalance import load_scenario, rebalance
from fairwatt.services.rebalance_types import RebalanceResult

ROOT = Path(__file__).resolve().parents[1]
EGLB_DIR = ROOT / "sample_inputs" / "eglb"
EGLB = str(EGLB_DIR / "scenario.toml")
AUDIT = EGLB_DIR / "audit"

runner = CliRunner()


def _scenario_with(tmp_path: Path, extra: str) -> Path:
    """A copy of the benchmark scenario with ``extra`` TOML appended."""
    folder = tmp_path / "eglb"
    shutil.copytree(EGLB_DIR, folder, ignore=shutil.ignore_patterns("audit"))
    path = folder / "scenario.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--deferrable", "1.5", "--max-delay", "4"], "--deferrable 1.5"),
        (["--deferrable", "-0.2", "--max-delay", "4"], "--deferrable -0.2"),
        (["--deferrable", "0.3", "--max-delay", "-1"], "--max-delay -1"),
        (["--deferrable", "0.3", "--max-delay", "457"], "--max-delay 457 h"),
        (["--deferrable", "0.3", "--max-delay", "4", "--online"], "--online"),
    ],
)
def test_bad_options_exit_2_naming_the_option(args: list[str], flag: str) -> None:
    result = runner.invoke(app, ["rebalance", EGLB, "--mask", "partial", *args])
    assert result.exit_code == 2
    assert flag in result.stderr
    assert "Traceback" not in result.stderr


def test_non_integer_delay_is_refused() -> None:
    result = runner.invoke(app, ["rebalance", EGLB, "--deferrable", "0.3", "--max-delay", "2.5"])
    assert result.exit_code == 2
    assert "--max-delay" in result.stderr


def test_cli_deferral_report_and_allocation(tmp_path: Path) -> None:
    alloc = tmp_path / "alloc.parquet"
    result = runner.invoke(
        app,
        [
            "rebalance", EGLB, "--mask", "partial", "--deferrable", "0.3", "--max-delay", "4",
            "-O", "min-cost", "-O", "best-window", "-O", "eglb", "-f", "csv", "-a", str(alloc),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout)).set_index("objective")
    # deferral can only lower the optimum: below the published 629,943.21
    assert summary.loc["eglb", "objective_value"] < 629_943.21
    assert summary.loc["best-window", "mask"] == "nearest"
    assert "served later" in result.stderr
    df = pd.read_parquet(alloc)
    assert list(df.columns) == [
        "objective", "hour", "arrival_hour", "site", "gateway", "energy_kwh",
    ]  # fmt: skip
    delay = (df["hour"] - df["arrival_hour"]) / pd.Timedelta(hours=1)
    assert delay.min() >= 0 and delay.max() <= 4
    # every gateway's demand of every hour is served exactly once, within its window
    sc = load_scenario(EGLB).scenario
    served = df[df["objective"] == "eglb"].groupby(["gateway", "arrival_hour"])["energy_kwh"].sum()
    demand = pd.DataFrame(sc.demand.T, columns=sc.gateways, index=pd.DatetimeIndex(sc.hours))
    expected = demand.stack()
    got = served.unstack("gateway").reindex(columns=sc.gateways).to_numpy()
    np.testing.assert_allclose(got, 1000.0 * demand.to_numpy(), atol=1e-4)  # kWh, MWh
    assert len(expected) == sc.n_gateways * sc.n_hours


def test_toml_flexibility_with_gateway_override(tmp_path: Path) -> None:
    path = _scenario_with(
        tmp_path,
        "[flexibility]\ndeferrable_share = 0.3\nmax_delay_hours = 4\n\n"
        "[flexibility.gateways.Japan]\ndeferrable_share = 0.0\n",
    )
    loaded = load_scenario(path)
    flex = loaded.scenario.flexibility
    assert flex is not None
    japan = loaded.scenario.gateways.index("Japan")
    assert flex.share[japan] == 0.0
    assert np.delete(flex.share, japan).tolist() == [0.3] * 9
    assert flex.max_delay.tolist() == [4] * 10
    result = rebalance(loaded, mask="partial", objectives=["eglb"])
    assert result.deferral is not None
    share = 0.3 * np.delete(loaded.scenario.demand, japan, axis=0).sum()
    np.testing.assert_allclose(result.deferral["deferrable_kwh"], 1000.0 * share, rtol=1e-12)
    # the command line's value replaces the file's for every gateway
    zero = rebalance(loaded, mask="partial", objectives=["eglb"], deferrable=0.0)
    value = zero.summary.set_index("objective").loc["eglb", "objective_value"]
    assert value == pytest.approx(629_943.21, rel=1e-8)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ("[flexibility]\ndeferrable_share = 1.2\n", r"\[flexibility\] deferrable_share 1.2"),
        ("[flexibility]\nmax_delay_hours = 2.5\n", r"\[flexibility\] max_delay_hours 2.5"),
        ("[flexibility]\nmax_delay_hours = -3\n", "max_delay_hours -3"),
        ("[flexibility]\ndelay = 3\n", "unknown key"),
        ("[flexibility.gateways.Mars]\ndeferrable_share = 0.1\n", "names no gateway"),
        ("[flexibility]\nmax_delay_hours = 999\n", "not shorter than the horizon"),
    ],
)
def test_toml_flexibility_errors(tmp_path: Path, extra: str, match: str) -> None:
    path = _scenario_with(tmp_path, extra)
    with pytest.raises(InputError, match=match) as err:
        load_scenario(path)
    assert "scenario.toml" in str(err.value)
    result = runner.invoke(app, ["rebalance", str(path)])
    assert result.exit_code == 2


def test_result_fields_and_json_round_trip(tmp_path: Path) -> None:
    result = rebalance(EGLB, mask="partial", objectives=["eglb"], deferrable=0.3, max_delay=4)
    assert result.deferral is not None and result.time_shift is not None
    row = result.deferral.set_index("objective").loc["eglb"]
    assert 0 < row["deferred_kwh"] <= row["deferrable_kwh"]
    assert 0 < row["mean_delay_h"] <= row["max_delay_h"] <= 4
    hourly = result.time_shift[result.time_shift["objective"] == "eglb"]
    assert len(hourly) == 457
    assert len(result.time_shift) == 2 * 457  # the baseline min-cost and eglb
    assert hourly["arriving_kwh"].sum() == pytest.approx(hourly["served_kwh"].sum(), rel=1e-9)
    assert (hourly["backlog_kwh"] >= 0).all()
    assert hourly["backlog_kwh"].iloc[-1] == pytest.approx(0.0, abs=1e-4)
    back = RebalanceResult.from_json(result.to_json())
    assert back.deferral is not None and back.time_shift is not None
    pd.testing.assert_frame_equal(back.deferral, result.deferral, check_dtype=False)
    # without deferral the new fields are absent and the allocation is unchanged
    plain = rebalance(EGLB, mask="partial", objectives=["eglb"])
    assert plain.deferral is None and plain.time_shift is None
    assert "arrival_hour" not in plain.allocation.columns


def test_whatif_defers_only_the_flexible_share() -> None:
    result = runner.invoke(
        app,
        [
            "rebalance", "--logs", str(AUDIT / "energy.csv"), "--sites", str(AUDIT / "sites.csv"),
            "--dataset", "eglb-hourly-2022", "--water-model", "total",
            "--footprints", "carbon,water", "--flexible", "0.3", "--headroom", "1.2",
            "--deferrable", "0.5", "--max-delay", "3", "-f", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    d = pd.DataFrame(doc["tables"]["deferral"]).set_index("objective")
    sites = pd.DataFrame(doc["tables"]["sites"])
    total = sites[sites["objective"] == "status-quo"]["energy_kwh"].sum()
    # the status quo is served as observed; the others may defer half of the 30 %
    assert d.loc["status-quo", "deferred_kwh"] == 0
    assert d.loc["eglb", "deferrable_kwh"] == pytest.approx(0.5 * 0.3 * total, rel=1e-9)
    assert d.loc["eglb", "max_delay_h"] <= 3
