"""Bad policies and rules the audit cannot evaluate: exit 2 with a one-line reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from check_helpers import invoke, one_line_error, run, write_tiny


def pyproject(folder: Path, rules: str) -> None:
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.fairwatt.check]\n' + rules
    )


BAD_POLICIES = {
    "unknown key": (
        "max_carbon_kgs = 10\n",
        ["unknown rule key", "did you mean 'max_carbon_kg'?", "max_increase_pct_<metric>", "gini"],
    ),
    "string limit": ('max_carbon_kg = "5000"\n', ["expected a number", "got str '5000'"]),
    "boolean limit": ("max_carbon_kg = true\n", ["expected a number", "got bool True"]),
    "string limit in a table": (
        'max_water_l = { limit = "5" }\n',
        ["limit must be a number in L"],
    ),
    "negative budget": ("max_water_l = -1\n", ["limit must be >= 0, got -1"]),
    "negative change": ("max_increase_pct_carbon_kg = -5\n", ["limit must be >= 0"]),
    "infinite limit": ("max_carbon_kg = inf\n", ["limit must be finite"]),
    "unknown severity": (
        'max_carbon_kg = { limit = 5, severity = "fatal" }\n',
        ["severity must be 'error' or 'warning'"],
    ),
    "unknown field": (
        "max_carbon_kg = { limt = 5 }\n",
        ["unknown field 'limt'", "did you mean 'limit'?"],
    ),
    "table without limit": ('max_carbon_kg = { name = "x" }\n', ["the table has no 'limit'"]),
    "empty name": ('max_carbon_kg = { limit = 5, name = "" }\n', ["name must be a non-empty"]),
    "jain has no max": (
        "max_jain_index_water_l = 0.9\n",
        ["did you mean 'min_jain_index_water_l'?"],
    ),
    "no rules": ("", ["the policy has no rules"]),
    "not TOML": ("max_carbon_kg = = 5\n", ["not valid TOML"]),
}


@pytest.mark.parametrize("case", list(BAD_POLICIES))
def test_bad_policy_is_exit_2_with_one_line(
    tmp_path: Path, tiny_audit: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, wanted = BAD_POLICIES[case]
    pyproject(tmp_path, rules)
    proc = invoke("check", "--report", tiny_audit, cwd=tmp_path, monkeypatch=monkeypatch)
    assert proc.exit_code == 2, proc.stderr
    line = one_line_error(proc)
    assert str(tmp_path / "pyproject.toml") in line
    for text in wanted:
        assert text in line, line
    assert proc.stdout == ""


def test_bad_policy_through_the_installed_command(tmp_path: Path, tiny_audit: Path) -> None:
    pyproject(tmp_path, "max_water_l = -1\n")
    proc = run("check", "--report", tiny_audit, cwd=tmp_path)
    assert proc.returncode == 2
    assert "max_water_l: limit must be >= 0, got -1" in one_line_error(proc)


BAD_FLAGS = {
    "no value": (["--rule", "max_carbon_kg"], "expected KEY=VALUE"),
    "not TOML": (["--rule", "max_carbon_kg=abc"], "is not a number, an inline table or false"),
    "unknown key": (["--rule", "max_co2_kg=1"], "unknown rule key"),
    "no policy": ([], "no policy found"),
    "missing policy file": (["--policy", "nope.toml"], "policy file not found"),
    "logs and report": (["log.csv", "--rule", "max_carbon_kg=1"], "give LOGS or --report"),
}


@pytest.mark.parametrize("case", list(BAD_FLAGS))
def test_bad_flags_are_exit_2(
    tmp_path: Path, tiny_audit: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, wanted = BAD_FLAGS[case]
    proc = invoke("check", "--report", tiny_audit, *args, cwd=tmp_path, monkeypatch=monkeypatch)
    assert proc.exit_code == 2, proc.stderr
    assert wanted in one_line_error(proc)


def strip_health(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved audit as if it had been run with --footprints carbon,water."""
    doc["details"]["footprints"] = ["carbon", "water"]
    for table in ("footprint", "totals", "equity"):
        for row in doc["tables"][table]:
            row.pop("health_usd", None)
    return doc


def test_footprint_the_saved_audit_did_not_compute(tmp_path: Path, tiny_doc: dict) -> None:
    saved = tmp_path / "audit.json"
    saved.write_text(json.dumps(strip_health(tiny_doc)))
    proc = run("check", "--report", saved, "--rule", "max_gini_health_usd=0.5", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "rule max_gini_health_usd needs the health footprint" in line
    assert "audit again with --footprints carbon,water,health" in line


def test_health_factor_missing_for_a_policy_rule(tmp_path: Path) -> None:
    args = write_tiny(tmp_path, health=False)
    proc = run("check", *args, "--rule", "max_health_usd=20", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "the policy refers to the health footprint (rule max_health_usd)" in line
    assert "no health_usd_per_mwh" in line


def test_missing_factor_the_policy_does_not_need_stays_exit_3(tmp_path: Path) -> None:
    args = write_tiny(tmp_path, health=False)
    proc = run(
        "check", *args, "--rule", "max_carbon_kg=200", "--footprints", "carbon,health",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 3
    assert "no health_usd_per_mwh" in one_line_error(proc)


UNCOMPUTABLE = {
    "footprint not asked for": (
        ["--footprints", "carbon", "--rule", "max_water_l=5"],
        "needs the water footprint, which this audit does not compute",
    ),
    "inequity without regions": (
        ["--by", "hour", "--rule", "max_gini_carbon_kg=0.5"],
        "compares regions, but this audit is grouped by hour",
    ),
    "worst region without regions": (
        ["--by", "day", "--rule", "max_region_water_l=5"],
        "compares regions",
    ),
    "split water with the total model": (
        ["--water-model", "total", "--rule", "max_water_onsite_l=5"],
        "does not split",
    ),
    "change without a baseline": (
        ["--rule", "max_increase_pct_carbon_kg=5"],
        "compares against a baseline, but none was given",
    ),
}


@pytest.mark.parametrize("case", list(UNCOMPUTABLE))
def test_rules_this_audit_cannot_evaluate(tmp_path: Path, case: str) -> None:
    args, wanted = UNCOMPUTABLE[case]
    proc = run("check", *write_tiny(tmp_path), *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert wanted in one_line_error(proc)


def test_per_request_rule_without_requests(tmp_path: Path) -> None:
    args = write_tiny(tmp_path)
    log = Path(args[0])
    log.write_text("\n".join(line.rsplit(",", 1)[0] for line in log.read_text().splitlines()))
    proc = run("check", *args, "--rule", "max_carbon_g_per_request=1", cwd=tmp_path)
    assert proc.returncode == 2
    assert "the logs have no requests column" in one_line_error(proc)


def test_inequity_of_a_single_region(tmp_path: Path) -> None:
    args = write_tiny(tmp_path)
    log = Path(args[0])
    log.write_text("\n".join(x for x in log.read_text().splitlines() if ",b," not in x) + "\n")
    proc = run(
        "check", *args, "--by", "zone", "--rule", "max_max_to_mean_carbon_kg=2", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "no inequity indices (they need at least two zones)" in one_line_error(proc)
