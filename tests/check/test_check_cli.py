"""`fairwatt check` end to end, run as a subprocess of the installed command."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from check_helpers import (
    FLEET,
    junit_details,
    one_line_error,
    parse_annotations,
    run,
    summary_rows,
    write_tiny,
)

# Footprints of the two-zone fleet of check_helpers, by hand:
#   facility energy: a 100 x 1.5 = 150 kWh, b 300 x 1.2 = 360 kWh
#   carbon:  a 150 x 0.400 = 60 kg,  b 360 x 0.100 = 36 kg            -> 96 kg
#   water:   on-site a 100 x 0.5 = 50 L, b 300 x 1.0 = 300 L          -> 350 L
#            off-site a 150 x 2.0 = 300 L, b 360 x 1.0 = 360 L        -> 660 L
#            per zone: XA 350 L, XB 660 L                             -> 1,010 L
#   health:  a 0.150 MWh x 50 = 7.5 US$, b 0.360 MWh x 20 = 7.2 US$    -> 14.7 US$
#   requests 1,000 + 2,000 = 3,000; IT energy 400 kWh
# Population Gini of two values: |x1 - x2| x 2 / (2 x 2^2 x mean).
HAND: dict[str, float] = {
    "max_energy_kwh": 400.0,
    "max_facility_energy_kwh": 510.0,
    "max_carbon_kg": 96.0,
    "max_water_onsite_l": 350.0,
    "max_water_offsite_l": 660.0,
    "max_water_l": 1010.0,
    "max_health_usd": 14.7,
    "max_carbon_g_per_kwh": 96_000 / 400,  # 240 g/kWh
    "max_water_l_per_kwh": 1010 / 400,
    "max_water_onsite_l_per_kwh": 350 / 400,
    "max_health_usd_per_mwh": 14.7 / 0.4,  # 36.75 US$/MWh
    "max_energy_wh_per_request": 400_000 / 3000,
    "max_carbon_g_per_request": 96_000 / 3000,  # 32 g
    "max_water_ml_per_request": 1_010_000 / 3000,
    "max_health_usd_per_request": 14.7 / 3000,
    "max_region_carbon_kg": 60.0,  # XA
    "max_region_water_l": 660.0,  # XB
    "max_region_energy_kwh": 300.0,  # XB
    "max_gini_carbon_kg": abs(60 - 36) * 2 / (2 * 4 * 48),  # 0.125
    "max_gini_water_l": abs(350 - 660) * 2 / (2 * 4 * 505),
    "max_max_to_mean_carbon_kg": 60 / 48,
    "max_max_to_mean_water_l": 660 / 505,
    "min_jain_index_carbon_kg": 96**2 / (2 * (60**2 + 36**2)),
    "max_top_1_share_water_l": 660 / 1010,
}


def policy(folder: Path, rules: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "demo"\n\n[tool.fairwatt.check]\n' + rules)
    return path


def results(stdout: str) -> dict[str, dict[str, object]]:
    doc = json.loads(stdout)
    assert doc["title"] == "fairwatt check"
    return {r["rule"]: r for r in doc["tables"]["results"]}


@pytest.mark.parametrize("passing", [True, False], ids=["limits-above", "limits-below"])
def test_every_kind_of_rule_against_hand_values(tmp_path: Path, passing: bool) -> None:
    args = write_tiny(tmp_path)
    # 0.1 % on the right side of the hand value passes, on the wrong side fails
    factor = {True: 1.001, False: 0.999}
    lines = []
    for key, value in HAND.items():
        up = passing if key.startswith("max_") else not passing
        lines.append(f"{key} = {value * factor[up]!r}")
    policy(tmp_path, "\n".join(lines) + "\n")
    # the hand values are across the two zones
    proc = run("check", *args, "--by", "zone", "--format", "json", "-q", cwd=tmp_path)
    assert proc.returncode == (0 if passing else 1), proc.stderr
    got = results(proc.stdout)
    assert set(got) == set(HAND)
    for key, value in HAND.items():
        assert got[key]["value"] == pytest.approx(value, rel=1e-9), key
        assert got[key]["status"] == ("pass" if passing else "fail"), key
        assert got[key]["severity"] == "error"
    assert got["max_region_carbon_kg"]["detail"].startswith("worst zone: XA")
    assert got["max_region_water_l"]["detail"].startswith("worst zone: XB")
    assert got["max_carbon_g_per_kwh"]["unit"] == "gCO2e/kWh"
    assert got["max_water_ml_per_request"]["unit"] == "mL/request"
    if not passing:
        assert one_line_error(proc).endswith(
            f"{len(HAND)} error rule(s) failed: " + ", ".join(HAND)
        )


def test_a_limit_equal_to_the_value_passes(tmp_path: Path) -> None:
    args = write_tiny(tmp_path)
    # 60 + 40 + 300 kWh is exact in binary floating point
    proc = run("check", *args, "--rule", "max_energy_kwh=400", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert results(proc.stdout)["max_energy_kwh"]["status"] == "pass"
    proc = run("check", *args, "--rule", "max_energy_kwh=399.999", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1


def fleet_energy() -> float:
    """The sample fleet's IT energy, summed straight from the log. [kWh]"""
    return float(pd.read_csv(FLEET)["energy_kwh"].sum())


def ci_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    return {**env, "GITHUB_STEP_SUMMARY": str(summary)}, summary


def test_passing_policy_on_the_sample_fleet(tmp_path: Path) -> None:
    energy = fleet_energy()
    policy(
        tmp_path,
        f"max_energy_kwh = {energy * 1.0001!r}\n"
        "max_gini_water_l = 0.99\n"  # a population Gini of 12 regions is at most 11/12
        'max_carbon_kg = { limit = 1e9, severity = "warning", name = "Carbon budget" }\n',
    )
    env, summary = ci_env(tmp_path)
    junit = tmp_path / "reports" / "check.xml"
    junit.parent.mkdir()
    proc = run("check", FLEET, "--junit", junit, "-o", tmp_path / "r.json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert parse_annotations(proc.stderr) == []

    text = summary.read_text()
    assert text.startswith("# earlier step\n\n## fairwatt check: passed\n")
    rows = summary_rows(text)
    assert set(rows) == {"max_energy_kwh", "max_gini_water_l", "max_carbon_kg"}
    assert all(r[0].endswith("pass") for r in rows.values())
    assert rows["max_carbon_kg"][2] == "Carbon budget"

    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == [
        "fairwatt.check.max_energy_kwh",
        "fairwatt.check.max_gini_water_l",
        "fairwatt.check.max_carbon_kg",
    ]
    assert root.get("tests") == "3" and root.get("failures") == "0"
    assert not suite.findall(".//failure")
    assert not suite.findall("testcase/properties")  # not allowed by the JUnit schemas
    details = junit_details(cases[0])
    assert float(details["value"]) == pytest.approx(energy, rel=1e-9)
    assert details["unit"] == "kWh" and details["status"] == "pass"
    assert proc.stderr.strip().splitlines()[-1] == "3 rules: 3 passed, 0 failed, 0 warnings"
    assert not list(tmp_path.glob("reports/*.part"))
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["details"]["passed"] is True
    assert doc["details"]["audit"]["by"] == ["site"]  # the default of fairwatt audit too


def test_failing_policy_on_the_sample_fleet(tmp_path: Path) -> None:
    energy = fleet_energy()
    rules = (
        f"max_energy_kwh = {energy * 0.9999!r}\n"  # line 5 of the file
        "max_gini_water_l = 0.99\n"
        "\n"
        "[tool.fairwatt.check.max_carbon_kg]\n"  # line 8
        "limit = 1\n"
        'severity = "warning"\n'
        'name = "Carbon budget"\n'
    )
    policy(tmp_path, rules)
    env, summary = ci_env(tmp_path)
    junit = tmp_path / "check.xml"
    proc = run("check", FLEET, "--junit", junit, "-f", "csv", cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    assert dict(zip(table["rule"], table["status"], strict=True)) == {
        "max_energy_kwh": "fail",
        "max_gini_water_l": "pass",
        "max_carbon_kg": "warn",
    }

    notes = parse_annotations(proc.stderr)
    assert [(level, props.get("file"), props.get("line")) for level, props, _ in notes] == [
        ("error", "pyproject.toml", "5"),
        ("warning", "pyproject.toml", "8"),
    ]
    assert notes[0][1]["title"] == "IT energy, total"
    assert notes[0][2].startswith("max_energy_kwh: energy_kwh = ")
    assert "> limit" in notes[0][2]
    assert notes[1][1]["title"] == "Carbon budget"
    assert proc.stderr.strip().splitlines()[-1] == (
        "fairwatt: error: 1 error rule(s) failed: max_energy_kwh"
    )

    text = summary.read_text()
    assert "## fairwatt check: failed" in text
    assert "3 rule(s): 1 passed, 1 failed, 1 warning(s)." in text
    rows = summary_rows(text)
    assert rows["max_energy_kwh"][0].endswith("fail")
    assert rows["max_carbon_kg"][0].endswith("warn")
    assert rows["max_gini_water_l"][0].endswith("pass")
    assert rows["max_energy_kwh"][5] == "kWh"

    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    by_rule = {c.get("classname", "").rsplit(".", 1)[-1]: c for c in suite.findall("testcase")}
    failure = by_rule["max_energy_kwh"].find("failure")
    assert failure is not None and failure.get("type") == "max_energy_kwh"
    assert "> limit" in (failure.get("message") or "")
    warned = by_rule["max_carbon_kg"]
    assert warned.find("failure") is None
    assert warned.get("name") == "Carbon budget"
    out = warned.find("system-out")
    assert out is not None and (out.text or "").startswith("warning: max_carbon_kg")
    assert by_rule["max_gini_water_l"].find("failure") is None


def test_warn_only_reports_without_failing(tiny_audit: Path, tmp_path: Path) -> None:
    env, summary = ci_env(tmp_path)
    junit = tmp_path / "j.xml"
    proc = run(
        "check", "--report", tiny_audit, "--rule", "max_carbon_kg=90", "--rule",
        "max_water_l=2000", "--warn-only", "--junit", junit, "-f", "json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = results(proc.stdout)
    assert got["max_carbon_kg"]["status"] == "warn"  # 96 kg > 90 kg
    assert got["max_carbon_kg"]["severity"] == "error"
    assert got["max_water_l"]["status"] == "pass"  # 1,010 L <= 2,000 L
    assert [level for level, _, _ in parse_annotations(proc.stderr)] == ["warning"]
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0" and not root.findall(".//failure")
    assert "--warn-only" in summary.read_text()


def test_report_is_checked_without_the_logs(tmp_path: Path) -> None:
    args = write_tiny(tmp_path)
    saved = tmp_path / "audit.json"
    assert run("audit", *args, "--by", "zone", "-q", "-o", saved, cwd=tmp_path).returncode == 0
    Path(args[0]).unlink()  # the log is gone: --report must not recompute
    proc = run("check", "--report", saved, "--rule", "max_carbon_kg=96", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = results(proc.stdout)["max_carbon_kg"]
    assert got["value"] == pytest.approx(96.0)
    assert json.loads(proc.stdout)["details"]["audit"]["source"] == str(saved)


def test_health_without_health_factors_is_exit_2(tmp_path: Path) -> None:
    """The issue's example: a policy on health for zones that have no health factors."""
    proc = run("check", FLEET, "--rule", "max_health_usd=100", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "health footprint (rule max_health_usd)" in line
    assert "cannot compute" in line and "health_usd_per_mwh" in line


def test_policy_is_found_upwards_and_fairwatt_toml_comes_first(
    tiny_audit: Path, tmp_path: Path
) -> None:
    policy(tmp_path, "max_carbon_kg = 1\n")
    work = tmp_path / "services" / "api"
    work.mkdir(parents=True)
    (work / "pyproject.toml").write_text('[project]\nname = "api"\n')  # no check table: skipped
    proc = run("check", "--report", tiny_audit, "-f", "json", cwd=work)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["details"]["policy"]["file"] == str(tmp_path / "pyproject.toml")

    (tmp_path / "fairwatt.toml").write_text("[check]\nmax_carbon_kg = 100\n")
    proc = run("check", "--report", tiny_audit, "-f", "json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["details"]["policy"]["file"] == str(tmp_path / "fairwatt.toml")


def test_policy_file_and_rule_flags(tiny_audit: Path, tmp_path: Path) -> None:
    budget = tmp_path / "budget.toml"
    budget.write_text(
        'max_carbon_kg = { limit = 50, severity = "warning", name = "CO2 budget" }\n'
        "max_water_l = 500\n"
    )
    proc = run(
        "check", "--report", tiny_audit, "--policy", budget, "-f", "json",
        "--rule", "max_carbon_kg=100",  # a new limit keeps the file's name and severity
        "--rule", "max_water_l=false",  # switched off
        "--rule", 'max_gini_carbon_kg={limit = 0.1, name = "Fair: carbon"}',
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    got = results(proc.stdout)
    assert list(got) == ["max_carbon_kg", "max_gini_carbon_kg"]
    assert got["max_carbon_kg"]["limit"] == 100.0
    assert got["max_carbon_kg"]["name"] == "CO2 budget"
    assert got["max_carbon_kg"]["severity"] == "warning"
    assert got["max_carbon_kg"]["status"] == "pass"
    assert got["max_gini_carbon_kg"]["status"] == "fail"  # 0.125 > 0.1
    assert got["max_gini_carbon_kg"]["name"] == "Fair: carbon"


def test_list_rules_names_every_key_with_a_unit(tmp_path: Path) -> None:
    proc = run("check", "--list-rules", "-f", "csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    keys = dict(zip(table["rule"], table["unit"], strict=True))
    assert keys["max_carbon_kg"] == "kg CO2e"
    assert keys["max_carbon_g_per_kwh"] == "gCO2e/kWh"
    assert keys["max_health_usd_per_mwh"] == "US$/MWh"
    assert keys["min_jain_index_water_l"] == "1"
    assert keys["max_increase_pct_water_l"] == "%"
    assert keys["max_decrease_pct_jain_index_carbon_kg"] == "%"
    assert table["unit"].notna().all()


def test_an_undefined_value_fails_the_rule(tmp_path: Path, tiny_doc: dict) -> None:
    """An index that is undefined (NaN, saved as null) is not a pass."""
    row = next(r for r in tiny_doc["tables"]["equity"] if r["index"] == "gini")
    row["carbon_kg"] = None
    saved = tmp_path / "audit.json"
    saved.write_text(json.dumps(tiny_doc))
    proc = run(
        "check", "--report", saved, "--rule", "max_gini_carbon_kg=1", "--rule",
        'max_gini_water_l={limit = 1, severity = "warning"}', "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    got = results(proc.stdout)
    assert got["max_gini_carbon_kg"]["value"] is None
    assert got["max_gini_carbon_kg"]["status"] == "fail"
    assert got["max_gini_carbon_kg"]["detail"].startswith("undefined value")
    assert got["max_gini_water_l"]["status"] == "pass"  # 0.153 <= 1


def test_audit_options_with_report_are_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fairwatt.cli.app import app

    saved = tmp_path / "audit.json"
    saved.write_text("{}")
    res = CliRunner().invoke(
        app, ["check", "--report", str(saved), "--tz", "UTC", "--rule", "max_carbon_kg=1"]
    )
    assert res.exit_code == 2
    assert "--tz would have no effect with --report" in res.stderr
