"""What `fairwatt check` shows in CI: the table and verdict line when piped, GitHub
annotations (GITHUB_ACTIONS or --output-format), and JUnit XML valid against the
Jenkins / GitLab schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from check_helpers import (
    assert_valid_junit,
    invoke,
    junit_details,
    parse_annotations,
    run,
    write_tiny,
)

# The two-zone fleet of check_helpers: 96 kg CO2e, 1,010 L, Gini of carbon 0.125.
POLICY = (
    '[project]\nname = "demo"\n'  # lines 1-2
    "\n"
    "[tool.fairwatt.check]\n"  # line 4
    "max_water_l = 2000\n"  # line 5: passes
    "max_carbon_kg = 50\n"  # line 6: fails
    "max_gini_carbon_kg.limit = 0.1\n"  # line 7: a dotted key; warns
    'max_gini_carbon_kg.severity = "warning"\n'
)
VERDICT = "3 rules: 1 passed, 1 failed, 1 warning"
FAILED = "fairwatt: error: 1 error rule(s) failed: max_carbon_kg"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the policy in its pyproject.toml."""
    (tmp_path / "pyproject.toml").write_text(POLICY)
    return tmp_path


def annotation_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("::")]


def test_breached_policy_piped_ends_with_the_verdict(repo: Path) -> None:
    """The issue's acceptance: `fairwatt check LOGS` with a breached policy, stdout a
    pipe, prints the table, ends with the verdict line and exits 1."""
    proc = run("check", *write_tiny(repo), "-q", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.rstrip("\n").splitlines()
    assert lines[-1] == VERDICT
    assert "rule,name" not in proc.stdout  # a table, not CSV
    assert any(line.split()[:2] == ["fail", "max_carbon_kg"] for line in lines)
    assert any(line.split()[:2] == ["warn", "max_gini_carbon_kg"] for line in lines)
    assert proc.stderr.strip().splitlines() == [FAILED]  # no annotations outside CI


def test_verdict_line_without_a_terminal(
    repo: Path, tiny_audit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = invoke("check", "--report", tiny_audit, cwd=repo, monkeypatch=monkeypatch)
    assert proc.exit_code == 1
    assert proc.stdout.rstrip("\n").splitlines()[-1] == VERDICT
    assert proc.stderr.strip().splitlines()[-1] == FAILED

    (repo / "fairwatt.toml").write_text("[check]\nmax_carbon_kg = 100\n")
    passing = invoke(
        "check", "--report", tiny_audit, "--policy", repo / "fairwatt.toml", cwd=repo,
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert passing.exit_code == 0, passing.stderr
    assert passing.stdout.rstrip("\n").splitlines()[-1] == "1 rule: 1 passed, 0 failed, 0 warnings"
    assert passing.stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_data_on_stdout_stays_clean(repo: Path, tiny_audit: Path, fmt: str) -> None:
    proc = run("check", "--report", tiny_audit, "-f", fmt, cwd=repo)
    assert proc.returncode == 1
    if fmt == "csv":
        table = pd.read_csv(io.StringIO(proc.stdout))
        assert list(table["rule"]) == ["max_water_l", "max_carbon_kg", "max_gini_carbon_kg"]
    else:
        assert len(json.loads(proc.stdout)["tables"]["results"]) == 3
    assert VERDICT not in proc.stdout
    assert proc.stderr.strip().splitlines()[-2:] == [VERDICT, FAILED]


def test_results_in_a_file_leave_stdout_empty(repo: Path, tiny_audit: Path) -> None:
    proc = run("check", "--report", tiny_audit, "-o", repo / "r.json", cwd=repo)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-2:] == [VERDICT, FAILED]
    assert json.loads((repo / "r.json").read_text())["details"]["failed"] == 1


ANNOTATIONS = [
    "::error file=pyproject.toml,line=6,title=Carbon emissions%2C total"
    "::max_carbon_kg: carbon_kg = 96 kg CO2e > limit 50 kg CO2e",
    "::warning file=pyproject.toml,line=7,title=",
]


def assert_annotations(stderr: str) -> None:
    lines = annotation_lines(stderr)
    assert len(lines) == 2, stderr
    assert lines[0] == ANNOTATIONS[0]
    assert lines[1].startswith(ANNOTATIONS[1])


def test_github_actions_turns_annotations_on(repo: Path, tiny_audit: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(repo)}
    proc = run("check", "--report", tiny_audit, cwd=repo, env=env)
    assert proc.returncode == 1
    assert_annotations(proc.stderr)
    assert proc.stdout.rstrip("\n").splitlines()[-1] == VERDICT
    assert sorted(p.name for p in repo.iterdir()) == ["pyproject.toml"]  # no summary


def test_output_format_github_forces_annotations(repo: Path, tiny_audit: Path) -> None:
    proc = run("check", "--report", tiny_audit, "--output-format", "github", cwd=repo)
    assert proc.returncode == 1
    assert_annotations(proc.stderr)


def test_output_format_none_keeps_the_step_summary(repo: Path, tiny_audit: Path) -> None:
    summary = repo / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    proc = run("check", "--report", tiny_audit, "--output-format", "none", cwd=repo, env=env)
    assert proc.returncode == 1
    assert annotation_lines(proc.stderr) == []
    assert "## fairwatt check: failed" in summary.read_text()


def test_policy_outside_the_workspace_still_points_at_it(repo: Path, tiny_audit: Path) -> None:
    workspace = repo / "workspace"
    workspace.mkdir()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace)}
    proc = run("check", "--report", tiny_audit, cwd=repo, env=env)
    notes = parse_annotations(proc.stderr)
    policy = (repo / "pyproject.toml").resolve().as_posix()
    assert [(p["file"], p["line"]) for _, p, _ in notes] == [(policy, "6"), (policy, "7")]


def test_an_override_has_no_file(repo: Path, tiny_audit: Path) -> None:
    proc = run(
        "check", "--report", tiny_audit, "--rule", "max_water_l=1", "--output-format", "github",
        cwd=repo,
    )  # fmt: skip
    notes = {m.split(":", 1)[0]: p for _, p, m in parse_annotations(proc.stderr)}
    assert "file" not in notes["max_water_l"] and "line" not in notes["max_water_l"]
    assert notes["max_carbon_kg"]["line"] == "6"


def test_unknown_output_format_is_exit_2(
    repo: Path, tiny_audit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = invoke(
        "check", "--report", tiny_audit, "--output-format", "gitlab", cwd=repo,
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert proc.exit_code == 2
    assert "unknown --output-format 'gitlab'" in proc.stderr


def test_junit_is_valid_with_times(repo: Path) -> None:
    junit = repo / "junit.xml"
    proc = run("check", *write_tiny(repo), "-q", "--junit", junit, cwd=repo)
    assert proc.returncode == 1
    xml = assert_valid_junit(junit)
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors) == (3, 1, 0)
    assert suite.timestamp is not None and len(suite.timestamp) == len("2024-01-01T00:00:00")
    assert suite.time > 0  # the audit of the logs included
    cases = {case.classname.rsplit(".", 1)[-1]: case for case in suite}
    assert sum(case.time for case in cases.values()) <= suite.time
    assert [type(r).__name__ for r in cases["max_carbon_kg"].result] == ["Failure"]
    assert cases["max_gini_carbon_kg"].result == []  # a warning passes
    assert cases["max_carbon_kg"]._elem.get("line") == "6"
    details = junit_details(cases["max_water_l"]._elem)
    assert details["status"] == "pass" and float(details["value"]) == pytest.approx(1010.0)


def test_quiet_keeps_the_verdict_after_a_table_only(repo: Path, tiny_audit: Path) -> None:
    table = run("check", "--report", tiny_audit, "-q", cwd=repo)
    assert table.stdout.rstrip("\n").splitlines()[-1] == VERDICT
    data = run("check", "--report", tiny_audit, "-q", "-f", "csv", cwd=repo)
    assert data.stderr.strip().splitlines() == [FAILED]
