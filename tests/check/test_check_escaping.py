"""GitHub workflow-command escaping of annotations, and odd rule names everywhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from check_helpers import parse_annotations, run, summary_rows


def test_annotations_escape_rule_names_and_point_at_the_policy(
    tmp_path: Path, tiny_audit: Path
) -> None:
    name = "Carbon: 100%, weekly\nbudget"
    toml_name = name.replace("\n", "\\n")  # a TOML basic string with an escaped newline
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n'  # lines 1-2
        "\n"
        "[tool.fairwatt.check]\n"  # line 4
        "max_water_l = 2000\n"  # line 5, passes (1,010 L)
        f'max_carbon_kg = {{ limit = 50, name = "{toml_name}" }}\n'  # line 6
    )
    summary = tmp_path / "summary.md"
    junit = tmp_path / "junit.xml"
    proc = run(
        "check", "--report", tiny_audit, "--junit", junit,
        "--rule", 'max_gini_carbon_kg={limit = 0.1, severity = "warning", name = "a::b, c%"}',
        cwd=tmp_path,
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(tmp_path),
        },
    )  # fmt: skip
    assert proc.returncode == 1
    raw = [line for line in proc.stderr.splitlines() if line.startswith("::")]
    assert raw == [
        "::error file=pyproject.toml,line=6,title=Carbon%3A 100%25%2C weekly%0Abudget"
        "::max_carbon_kg: carbon_kg = 96 kg CO2e > limit 50 kg CO2e",
        "::warning title=a%3A%3Ab%2C c%25::max_gini_carbon_kg: gini_carbon_kg = 0.125 > limit "
        "0.1 (across 2 zones)",
    ]
    parsed = parse_annotations(proc.stderr)
    assert [p["title"] for _, p, _ in parsed] == [name, "a::b, c%"]

    rows = summary_rows(summary.read_text())
    assert rows["max_carbon_kg"][2] == "Carbon: 100%, weekly budget"  # one table row
    names = {c.get("name") for c in ET.parse(junit).getroot().iter("testcase")}
    assert name in names and "a::b, c%" in names


def test_no_annotations_or_summary_outside_github_actions(tmp_path: Path, tiny_audit: Path) -> None:
    proc = run("check", "--report", tiny_audit, "--rule", "max_carbon_kg=1", cwd=tmp_path)
    assert proc.returncode == 1
    assert not [line for line in proc.stderr.splitlines() if line.startswith("::")]
    assert not list(tmp_path.iterdir())
