"""docs/check.md documents every metric with its unit, and the CI examples use real flags."""

from __future__ import annotations

import re

from check_helpers import ROOT, run

from fairwatt.services.check_metrics import metrics

DOC = (ROOT / "docs" / "check.md").read_text()


def test_every_metric_is_documented_with_its_unit() -> None:
    rows = {}
    for line in DOC.splitlines():
        m = re.match(r"\| `([a-z0-9_]+)` \| ([^|]+) \|", line)
        if m:
            rows[m.group(1)] = m.group(2).strip()
    for name, metric in metrics().items():
        if metric.kind == "inequity":
            index = str(metric.index)
            assert f"`{index}`" in DOC, index
            continue
        assert name in rows, name
        assert rows[name] == metric.unit, (name, rows[name], metric.unit)


def test_ci_examples_use_options_that_exist(tmp_path) -> None:
    help_text = run("check", "--help", cwd=tmp_path).stdout
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.S)
    assert len(blocks) == 2
    used = {
        flag for b in blocks for flag in re.findall(r"fairwatt check[^\n]*(?:\n\s+--[^\n]*)*", b)
    }
    flags = {f for text in used for f in re.findall(r"(--[a-z-]+)", text)}
    assert {"--report", "--baseline", "--junit"} <= flags
    for flag in flags:
        assert flag in help_text, flag
