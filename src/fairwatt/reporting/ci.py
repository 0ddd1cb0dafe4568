"""Outputs of ``fairwatt check`` for CI systems, from its results report.

* GitHub Actions workflow commands (``::error`` / ``::warning`` annotations), with the
  escaping GitHub applies to their messages and properties;
* the Markdown step summary (for ``GITHUB_STEP_SUMMARY``);
* JUnit XML, one test case per rule;
* :func:`compact`, the results table for people, and :func:`verdict_line`.

The results report is the one :func:`fairwatt.services.check.evaluate` returns: a
``results`` table with the columns ``rule, name, severity, metric, value, limit, unit,
status, detail`` and the metadata ``passed, rules, failed, warnings, warn_only, policy,
audit[, baseline][, timing]``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fairwatt.errors import InputError
from fairwatt.io.escaping import markdown_cell

if TYPE_CHECKING:
    from fairwatt.reporting.report import Report


def fmt_number(x: float) -> str:
    """A number for people: thousands separators, 6 significant digits, ``undefined``
    for NaN."""
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e5:  # 6 significant digits would switch to exponent notation
        return f"{x:,.0f}"
    return f"{x:,.6g}"


def escape_data(text: str) -> str:
    """Escape the message of a GitHub Actions workflow command (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain(x: float) -> str:
    """A number for machines: full precision, no thousands separator."""
    return (
        "nan"
        if math.isnan(x)
        else "inf"
        if x == math.inf
        else "-inf"
        if x < 0 and math.isinf(x)
        else repr(float(x))
    )


def _failure_message(row: Mapping[str, Any]) -> str:
    unit = f" {row['unit']}" if row["unit"] != "1" else ""
    if math.isnan(row["value"]):
        return f"{row['metric']}: {row['detail']}"
    at_least = str(row["rule"]).startswith("min_")
    rel = "<" if at_least else ">"
    bound = "minimum" if at_least else "limit"
    value, limit = fmt_number(row["value"]), fmt_number(row["limit"])
    text = f"{row['metric']} = {value}{unit} {rel} {bound} {limit}{unit}"
    return f"{text} ({row['detail']})" if row["detail"] else text


def compact(results: Report) -> Report:
    """The results for a terminal: status, rule, value, limit and unit."""
    from fairwatt.reporting.report import Report

    table = results.tables["results"][["status", "rule", "value", "limit", "unit"]]
    return Report(results.title, {"results": table}, results.metadata, results.notes)


def _rows(results: Report) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", results.tables["results"].to_dict(orient="records"))


def _annotation_file(file: str, root: Path) -> str:
    """A policy file as an annotation names it: relative to ``root`` when inside it,
    else its absolute path (GitHub then shows the annotation without a link)."""
    path = Path(file).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def annotation_commands(results: Report, *, workspace: str | None = None) -> list[str]:
    """One ``::error`` / ``::warning`` workflow command per failed rule.

    Every rule set in a policy file points at the file and line that set it (line 1
    when the line is unknown): relative to ``workspace`` (default:
    ``GITHUB_WORKSPACE``, else the working directory) when the file is inside it, else
    its absolute path. Rules set only by an override (``--rule``) have no file.
    """
    root = Path(workspace or os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    locations = results.metadata.get("policy", {}).get("locations", {})
    out = []
    for row in _rows(results):
        if row["status"] == "pass":
            continue
        level = "error" if row["status"] == "fail" else "warning"
        props = []
        file, line = locations.get(row["rule"], [None, None])
        if file:
            props.append(f"file={escape_property(_annotation_file(file, root))}")
            props.append(f"line={int(line or 1)}")
        props.append(f"title={escape_property(str(row['name']))}")
        message = f"{row['rule']}: {_failure_message(row)}"
        out.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def verdict_line(results: Report) -> str:
    """The one-line verdict: ``3 rules: 1 passed, 1 failed, 1 warning`` (with
    `` (--warn-only)`` when failed rules were reported as warnings)."""
    meta = results.metadata
    n, failed, warnings = int(meta["rules"]), int(meta["failed"]), int(meta["warnings"])
    text = (
        f"{_plural(n, 'rule')}: {n - failed - warnings} passed, {failed} failed, "
        f"{_plural(warnings, 'warning')}"
    )
    return text + (" (--warn-only)" if meta.get("warn_only") else "")


def _md_cell(value: Any) -> str:
    """Text from the data in the summary, ``|`` escaped (``\\|``) and line breaks as
    spaces, so that a site id or a file name cannot break the table."""
    return markdown_cell(str(value))


def step_summary(results: Report) -> str:
    """The Markdown summary for ``GITHUB_STEP_SUMMARY``."""
    meta = results.metadata
    mark = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn"}
    verdict = "passed" if meta["passed"] else "failed"
    lines = [
        f"## fairwatt check: {verdict}",
        "",
        f"{meta['rules']} rule(s): {meta['rules'] - meta['failed'] - meta['warnings']} passed, "
        f"{meta['failed']} failed, {meta['warnings']} warning(s)"
        + (" (--warn-only)" if meta.get("warn_only") else "")
        + ".",
    ]
    audit = meta.get("audit", {})
    period = audit.get("period") or {}
    if period:
        lines.append(
            f"Audit of {_md_cell(audit.get('source'))}, {_md_cell(period.get('start'))} to "
            f"{_md_cell(period.get('end'))}, by {_md_cell(','.join(audit.get('by', [])))}."
        )
    if "baseline" in meta:
        lines.append(f"Baseline: {_md_cell(meta['baseline']['source'])}.")
    lines += [
        "",
        "| status | rule | name | value | limit | unit | detail |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for row in _rows(results):
        cells = [
            mark.get(row["status"], row["status"]),
            f"`{_md_cell(row['rule'])}`",
            _md_cell(row["name"]),
            fmt_number(row["value"]),
            fmt_number(row["limit"]),
            _md_cell(row["unit"]),
            _md_cell(row["detail"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def _timing(meta: Mapping[str, Any]) -> tuple[str, float, dict[str, float]]:
    """When the check started (``YYYY-MM-DDTHH:MM:SS``, UTC), its seconds, and each
    rule's seconds: from the results' ``timing``, else now and zeros."""
    from datetime import UTC, datetime

    timing = meta.get("timing") or {}
    started = timing.get("started") or datetime.now(UTC).isoformat()
    # the JUnit schemas want a local date-time without an offset: UTC, to the second
    stamp = datetime.fromisoformat(started).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    rules = {str(k): float(v) for k, v in (timing.get("rules") or {}).items()}
    return stamp, float(timing.get("seconds") or 0.0), rules


def _seconds(x: float) -> str:
    return f"{max(x, 0.0):.6f}"


def _case_text(row: Mapping[str, Any], message: str) -> str:
    """A test case's ``system-out``: ``warning: ...`` first for a warned rule, then the
    rule's details, one ``key: value`` a line."""
    lines = [f"warning: {row['rule']}: {message}"] if row["status"] == "warn" else []
    for key in ("rule", "severity", "metric", "status", "value", "limit", "unit", "detail"):
        value = _plain(row[key]) if key in ("value", "limit") else str(row[key])
        if value:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def junit_xml(results: Report) -> bytes:
    """JUnit XML: one ``testcase`` per rule, valid against the common Jenkins / GitLab
    JUnit schema (``tests/data/junit/junit.xsd`` holds the subset it relies on).

    A failed error rule has a ``failure`` element; a failed warning rule (or any failed
    rule under ``--warn-only``) passes, its ``system-out`` starting ``warning: ...``, so
    that CI systems show it without failing the run. Every test case's ``system-out``
    lists the rule's details (``rule: ...``, ``value: ...``); a rule set in a policy
    file has its ``file`` and ``line`` attributes. ``time``: a test case's is the
    seconds spent evaluating its rule, the suite's the whole check's (auditing the logs
    or reading the saved audit included); ``timestamp``: when the check started (UTC).
    """
    import xml.etree.ElementTree as ET

    rows = _rows(results)
    meta = results.metadata
    stamp, seconds, rule_seconds = _timing(meta)
    locations = (meta.get("policy") or {}).get("locations", {})
    counts = {
        "name": "fairwatt check",
        "tests": str(len(rows)),
        "failures": str(meta["failed"]),
        "errors": "0",
    }
    suites = ET.Element("testsuites", {**counts, "time": _seconds(seconds)})
    suite = ET.SubElement(
        suites,
        "testsuite",
        {**counts, "skipped": "0", "time": _seconds(seconds), "timestamp": stamp},
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("fairwatt_version", meta.get("fairwatt_version")),
        ("policy", (meta.get("policy") or {}).get("file")),
        ("audit", (meta.get("audit") or {}).get("source")),
        ("baseline", (meta.get("baseline") or {}).get("source")),
    ):
        if value:
            ET.SubElement(props, "property", name=name, value=str(value))
    for row in rows:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"fairwatt.check.{row['rule']}",
            name=str(row["name"]),
            time=_seconds(rule_seconds.get(str(row["rule"]), 0.0)),
        )
        file, line = locations.get(row["rule"], [None, None])
        if file:
            case.set("file", str(file))
            case.set("line", str(int(line or 1)))
        message = _failure_message(row)
        if row["status"] == "fail":
            failure = ET.SubElement(case, "failure", message=message, type=str(row["rule"]))
            failure.text = f"{row['rule']} ({row['severity']}): {message}"
        ET.SubElement(case, "system-out").text = _case_text(row, message)
    if not len(props):
        suite.remove(props)
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(results: Report, path: str) -> None:
    """Write :func:`junit_xml` to ``path`` atomically."""
    from fairwatt.io.writers import atomic_path, check_output_path

    check_output_path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(junit_xml(results))


def append_step_summary(results: Report, path: str) -> None:
    """Append :func:`step_summary` to the file named by ``GITHUB_STEP_SUMMARY``."""
    try:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(step_summary(results))
    except OSError as exc:
        raise InputError(f"cannot append to GITHUB_STEP_SUMMARY: {exc}", file=path) from None
