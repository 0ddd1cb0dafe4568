"""Outputs of ``fairwatt check`` for CI systems, from its results report.

* GitHub Actions workflow commands (``::error`` / ``::warning`` annotations), with the
  escaping GitHub applies to their messages and properties;
* the Markdown step summary (for ``GITHUB_STEP_SUMMARY``);
* JUnit XML, one test case per rule;
* :func:`compact`, the results table for a terminal.

The results report is the one :func:`fairwatt.services.check.evaluate` returns: a
``results`` table with the columns ``rule, name, severity, metric, value, limit, unit,
status, detail`` and the metadata ``passed, rules, failed, warnings, warn_only, policy,
audit[, baseline]``.
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


def annotation_commands(results: Report, *, workspace: str | None = None) -> list[str]:
    """One ``::error`` / ``::warning`` workflow command per failed rule.

    Rules from a policy file inside ``workspace`` (default: ``GITHUB_WORKSPACE``, else
    the working directory) point at the file and line that set them.
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
            try:
                rel = Path(file).resolve().relative_to(root)
            except ValueError:
                rel = None
            if rel is not None:
                props.append(f"file={escape_property(rel.as_posix())}")
                if line:
                    props.append(f"line={int(line)}")
        props.append(f"title={escape_property(str(row['name']))}")
        message = f"{row['rule']}: {_failure_message(row)}"
        out.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return out


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


def junit_xml(results: Report) -> bytes:
    """JUnit XML: one ``testcase`` per rule.

    A failed error rule has a ``failure`` element; a failed warning rule (or any failed
    rule under ``--warn-only``) passes, with ``system-out`` saying ``warning: ...`` and
    the property ``status = warn``, so that CI systems show it without failing the run.
    """
    import xml.etree.ElementTree as ET

    rows = _rows(results)
    meta = results.metadata
    n, failures = str(len(rows)), str(meta["failed"])
    suites = ET.Element(
        "testsuites", name="fairwatt check", tests=n, failures=failures, errors="0", time="0"
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="fairwatt check",
        tests=n,
        failures=failures,
        errors="0",
        skipped="0",
        time="0",
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
            time="0",
        )
        cprops = ET.SubElement(case, "properties")
        for key in ("rule", "severity", "metric", "status", "unit"):
            ET.SubElement(cprops, "property", name=key, value=str(row[key]))
        for key in ("value", "limit"):
            ET.SubElement(cprops, "property", name=key, value=_plain(row[key]))
        message = _failure_message(row)
        if row["status"] == "fail":
            failure = ET.SubElement(case, "failure", message=message, type=str(row["rule"]))
            failure.text = f"{row['rule']} ({row['severity']}): {message}"
        elif row["status"] == "warn":
            ET.SubElement(case, "system-out").text = f"warning: {row['rule']}: {message}"
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
