"""CI outputs of a check's results: workflow commands, step summary, JUnit XML."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.reporting.ci import (
    annotation_commands,
    append_step_summary,
    compact,
    escape_data,
    escape_property,
    fmt_number,
    junit_xml,
    step_summary,
    verdict_line,
    write_junit,
)
from fairwatt.reporting.report import Report

COLUMNS = ["rule", "name", "severity", "metric", "value", "limit", "unit", "status", "detail"]


def results(tmp_path: Path, *, warn_only: bool = False) -> Report:
    """Three rules: one passes, one fails (set on line 7 of a policy), one warns."""
    rows = [
        ("max_water_l", "Water", "error", "water_l", 1010.0, 2000.0, "L", "pass", ""),
        ("max_carbon_kg", "Carbon: 100%", "error", "carbon_kg", 96.0, 50.0, "kg CO2e", "fail", ""),
        (
            "min_jain_index_carbon_kg",
            "Fairness",
            "warning",
            "jain_index_carbon_kg",
            0.5,
            0.9,
            "1",
            "warn",
            "across 2 zones",
        ),
    ]
    policy = tmp_path / "pyproject.toml"
    return Report(
        title="fairwatt check",
        tables={"results": pd.DataFrame(rows, columns=COLUMNS)},
        metadata={
            "fairwatt_version": "0.1.0",
            "passed": False,
            "rules": 3,
            "failed": 1,
            "warnings": 1,
            "warn_only": warn_only,
            "timing": {
                "started": "2024-01-02T03:04:05.678+00:00",
                "seconds": 1.5,
                "rules": {"max_water_l": 0.25, "max_carbon_kg": 0.5},
            },
            "policy": {"file": str(policy), "locations": {"max_carbon_kg": [str(policy), 7]}},
            "audit": {
                "source": "audit.json",
                "period": {
                    "start": "2024-01-01T00:00:00+00:00",
                    "end": "2024-01-02T00:00:00+00:00",
                },
                "by": ["zone"],
            },
        },
    )


def test_escape_data_and_property() -> None:
    # GitHub's rules: data escapes %, CR, LF; properties also ':' and ','
    assert escape_data("50% of\r\nbudget: a, b") == "50%25 of%0D%0Abudget: a, b"
    assert escape_property("50% of\r\nbudget: a, b") == "50%25 of%0D%0Abudget%3A a%2C b"
    assert escape_property("%3A") == "%253A"  # an escape sequence in the input stays literal


@pytest.mark.parametrize(
    ("x", "text"),
    [(96.0, "96"), (1234567.0, "1,234,567"), (0.125, "0.125"), (math.nan, "undefined"),
     (math.inf, "inf"), (-math.inf, "-inf"), (2 / 3, "0.666667"), (2060490.4, "2,060,490")],
)  # fmt: skip
def test_fmt_number(x: float, text: str) -> None:
    assert fmt_number(x) == text


def test_annotations_point_at_the_policy_inside_the_workspace(tmp_path: Path) -> None:
    lines = annotation_commands(results(tmp_path), workspace=str(tmp_path))
    assert lines == [
        "::error file=pyproject.toml,line=7,title=Carbon%3A 100%25"
        "::max_carbon_kg: carbon_kg = 96 kg CO2e > limit 50 kg CO2e",
        "::warning title=Fairness::min_jain_index_carbon_kg: jain_index_carbon_kg = 0.5 < "
        "minimum 0.9 (across 2 zones)",
    ]


def test_annotations_outside_the_workspace_have_the_absolute_file(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    lines = annotation_commands(results(tmp_path), workspace=str(other))
    policy = escape_property((tmp_path / "pyproject.toml").resolve().as_posix())
    assert lines[0].startswith(f"::error file={policy},line=7,title=")
    assert lines[1].startswith("::warning title=")  # an override: no file


def test_annotations_of_a_file_rule_always_have_a_line(tmp_path: Path) -> None:
    res = results(tmp_path)
    res.metadata["policy"]["locations"]["max_carbon_kg"][1] = None  # line not found
    lines = annotation_commands(res, workspace=str(tmp_path))
    assert lines[0].startswith("::error file=pyproject.toml,line=1,title=")


def test_verdict_line(tmp_path: Path) -> None:
    assert verdict_line(results(tmp_path)) == "3 rules: 1 passed, 1 failed, 1 warning"
    assert verdict_line(results(tmp_path, warn_only=True)).endswith(" (--warn-only)")
    res = results(tmp_path)
    res.metadata.update(rules=1, failed=0, warnings=0)
    assert verdict_line(res) == "1 rule: 1 passed, 0 failed, 0 warnings"


def test_junit_is_valid_with_times_and_a_timestamp(tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xsd = Path(__file__).resolve().parents[1] / "data" / "junit" / "junit.xsd"
    data = junit_xml(results(tmp_path))
    xmlschema.XMLSchema(str(xsd)).validate(data.decode("utf-8"))
    suite = ET.fromstring(data).find("testsuite")
    assert suite is not None
    assert suite.get("timestamp") == "2024-01-02T03:04:05" and suite.get("time") == "1.500000"
    times = {c.get("classname"): c.get("time") for c in suite.iter("testcase")}
    assert times == {
        "fairwatt.check.max_water_l": "0.250000",
        "fairwatt.check.max_carbon_kg": "0.500000",
        "fairwatt.check.min_jain_index_carbon_kg": "0.000000",
    }
    located = {c.get("classname"): (c.get("file"), c.get("line")) for c in suite.iter("testcase")}
    assert located["fairwatt.check.max_carbon_kg"] == (str(tmp_path / "pyproject.toml"), "7")
    assert located["fairwatt.check.max_water_l"] == (None, None)


def test_step_summary(tmp_path: Path) -> None:
    text = step_summary(results(tmp_path, warn_only=True))
    assert text.startswith("## fairwatt check: failed\n\n")
    assert "3 rule(s): 1 passed, 1 failed, 1 warning(s) (--warn-only)." in text
    assert "Audit of audit.json, 2024-01-01T00:00:00+00:00 to 2024-01-02" in text
    assert "| ❌ fail | `max_carbon_kg` | Carbon: 100% | 96 | 50 | kg CO2e |  |" in text
    summary = tmp_path / "summary.md"
    summary.write_text("# before\n")
    append_step_summary(results(tmp_path), str(summary))
    assert summary.read_text().startswith("# before\n## fairwatt check: failed")


def test_step_summary_that_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot append to GITHUB_STEP_SUMMARY"):
        append_step_summary(results(tmp_path), str(tmp_path / "missing" / "summary.md"))


def test_junit_fails_error_rules_and_passes_warnings(tmp_path: Path) -> None:
    root = ET.fromstring(junit_xml(results(tmp_path)))
    assert root.get("tests") == "3" and root.get("failures") == "1"
    cases = {c.get("classname"): c for c in root.iter("testcase")}
    failure = cases["fairwatt.check.max_carbon_kg"].find("failure")
    assert failure is not None and failure.get("type") == "max_carbon_kg"
    warned = cases["fairwatt.check.min_jain_index_carbon_kg"]
    assert warned.find("failure") is None
    out = warned.find("system-out")
    assert out is not None and (out.text or "").startswith("warning: min_jain_index_carbon_kg")
    out = cases["fairwatt.check.max_water_l"].find("system-out")
    assert out is not None and "value: 1010.0\n" in (out.text or "")
    assert "status: pass\n" in (out.text or "")
    assert not root.findall(".//testcase/properties")
    path = tmp_path / "junit.xml"
    write_junit(results(tmp_path), str(path))
    assert path.read_bytes() == junit_xml(results(tmp_path))


def test_compact_keeps_what_a_terminal_needs(tmp_path: Path) -> None:
    full = results(tmp_path)
    short = compact(full)
    assert list(short.tables["results"].columns) == ["status", "rule", "value", "limit", "unit"]
    assert short.metadata == full.metadata


def test_step_summary_escapes_pipes_and_line_breaks(tmp_path: Path) -> None:
    res = results(tmp_path)
    table = res.tables["results"].copy()
    table.loc[1, "detail"] = "worst site a|b\nthen c"
    table.loc[1, "name"] = "Carbon | sites"
    res.tables["results"] = table
    res.metadata["audit"]["source"] = "runs|2024.json"
    text = step_summary(res)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3  # header, rule, one row per rule: no row split or added
    borders = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert borders == {8}
    assert "| Carbon \\| sites |" in text and "worst site a\\|b then c |" in text
    assert "Audit of runs\\|2024.json," in text


def test_junit_into_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "junit-real.xml"
    real.write_text("old")
    link = tmp_path / "junit.xml"
    link.symlink_to(real)
    write_junit(results(tmp_path), str(link))
    assert link.is_symlink() and ET.parse(real).getroot().tag == "testsuites"
