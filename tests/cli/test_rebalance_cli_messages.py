"""``fairwatt rebalance`` messages: infeasible hours (exit 4), online with zero footprint
weights, and the library's parameter names shown as the flags a user typed."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app
from fairwatt.cli.rebalance import flag_names

ROOT = Path(__file__).resolve().parents[2]
EGLB_DIR = ROOT / "sample_inputs" / "eglb"
EGLB = str(EGLB_DIR / "scenario.toml")
AUDIT = EGLB_DIR / "audit"

runner = CliRunner()


@pytest.fixture(scope="module")
def eglb_09(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The benchmark with its [capacity] scaled by 0.9 (1 -> 0.9 MWh per site)."""
    folder = tmp_path_factory.mktemp("eglb09") / "eglb"
    shutil.copytree(EGLB_DIR, folder, ignore=shutil.ignore_patterns("audit"))
    path = folder / "scenario.toml"
    text = path.read_text()
    assert 'value = 1.0\nunit = "MWh"' in text
    path.write_text(text.replace('value = 1.0\nunit = "MWh"', 'value = 0.9\nunit = "MWh"'))
    return str(path)


@pytest.mark.parametrize("mask", ["full", "partial"])
def test_capacity_09_exits_4_naming_19_hours(eglb_09: str, mask: str) -> None:
    # 19 hours of the trace are above 9.0 MWh in all (tests/balancing/test_balancing_capacity)
    result = runner.invoke(app, ["rebalance", eglb_09, "--mask", mask])
    assert result.exit_code == 4, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"fairwatt: error: demand cannot be served in 19 of 457 hours under mask {mask!r} (short "
    )
    assert (
        "MWh in all): hour 2022-09-22T00:00Z: all gateways together need 9.970 MWh against "
        "9.000 MWh reachable; hour 2022-09-22T02:00Z: "
    ) in lines[0]
    assert "and 16 more hours" in lines[0]


def test_online_with_zero_footprint_weights_runs() -> None:
    objective = "eglb:cost=1,water=0,carbon=0"
    result = runner.invoke(app, ["rebalance", EGLB, "-O", objective, "--online", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout)).set_index("objective")
    online = summary.loc[f"{objective} (online)"]
    assert online["objective_value"] == pytest.approx(291_698.6063, rel=1e-6)
    assert online["gap_to_optimum_pct"] == pytest.approx(0.0, abs=1e-7)
    assert "per-hour cost-minimising routing" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--online", "-O", "min-water"],
            "--online runs an eglb objective (cost + weighted worst-site footprints) and none "
            "is among the objectives (min-cost, min-water); add the objective eglb (with "
            "--weights, or [weights] in the scenario)",
        ),
        (["--online", "--step", "-1"], "--step -1: give a finite number >= 0"),
        (
            ["--method", "decomposition", "--mask", "partial"],
            "the decomposition needs every gateway to reach the same sites (e.g. the full "
            "mask); use --method lp",
        ),
    ],
)
def test_messages_name_flags(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["rebalance", EGLB, *args])
    assert result.exit_code == 2, result.stdout
    assert result.stderr == f"fairwatt: error: {message}\n"


def test_whatif_message_names_flexible() -> None:
    args = ["rebalance", "--logs", str(AUDIT / "energy.csv"), "--sites", str(AUDIT / "sites.csv")]
    args += ["--dataset", "eglb-hourly-2022", "--flexible", "1.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "fairwatt: error: --flexible 1.5: give a share between 0 and 1" in result.stderr


@pytest.mark.parametrize(
    ("text", "parameters", "expected"),
    [
        ("step -1: give a finite number >= 0", {"step"}, "--step -1: give a finite number >= 0"),
        ("weight water: must be >= 0", {"weight"}, "--weights water: must be >= 0"),
        ("unknown method 'x'", {"method"}, "unknown --method 'x'"),
        ("sweep values must be finite", {"sweep"}, "--sweep values must be finite"),
        # only where the name stands for the option, and only for the given parameters
        ("the online algorithm handles cost", {"online"}, "the online algorithm handles cost"),
        ("step -1: give a number", {"online"}, "step -1: give a number"),
        ("use an eglb objective online", {"online"}, "use an eglb objective online"),
        ("stepping", {"step"}, "stepping"),
    ],
)
def test_flag_names(text: str, parameters: set[str], expected: str) -> None:
    assert flag_names(text, parameters) == expected
