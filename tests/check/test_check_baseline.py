"""`--baseline`: growth against a previous audit, and baselines that cannot be compared."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from check_helpers import one_line_error, run, write_tiny

from fairwatt import __version__

#: Columns of the footprint and totals tables that grow with the load.
EXTENSIVE = (
    "energy_kwh",
    "facility_energy_kwh",
    "requests",
    "carbon_kg",
    "water_onsite_l",
    "water_offsite_l",
    "water_l",
    "health_usd",
)


def scaled(doc: dict[str, Any], factor: float) -> dict[str, Any]:
    """The same audit with every extensive quantity multiplied by ``factor``."""
    out = copy.deepcopy(doc)
    for table in ("footprint", "totals"):
        for row in out["tables"][table]:
            for col in EXTENSIVE:
                if col in row:
                    row[col] *= factor
    return out


def save(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def check(folder: Path, report: Path, baseline: Path, *rules: str) -> Any:
    args = [a for r in rules for a in ("--rule", r)]
    return run("check", "--report", report, "--baseline", baseline, *args, "-f", "json", cwd=folder)


def values(stdout: str) -> dict[str, float]:
    return {r["rule"]: r["value"] for r in json.loads(stdout)["tables"]["results"]}


def test_a_report_compared_with_itself_passes(tmp_path: Path, tiny_audit: Path) -> None:
    rules = [
        "max_increase_pct_carbon_kg=0",
        "max_increase_pct_water_l=0",
        "max_increase_pct_carbon_g_per_kwh=0",
        "max_increase_pct_region_water_l=0",
        "max_increase_pct_gini_water_l=0",
        "max_decrease_pct_jain_index_carbon_kg=0",
    ]
    proc = check(tmp_path, tiny_audit, tiny_audit, *rules)
    assert proc.returncode == 0, proc.stderr
    assert set(values(proc.stdout).values()) == {0.0}


def test_a_scaled_copy_fails_at_the_right_threshold(tmp_path: Path, tiny_doc: dict) -> None:
    base = save(tmp_path, "base.json", tiny_doc)
    now = save(tmp_path, "now.json", scaled(tiny_doc, 1.25))
    # by hand: (1.25 x 96 kg - 96 kg) / 96 kg = 25 %; the same for water and the worst region
    for limit, code in ((24.99, 1), (25.01, 0)):
        proc = check(
            tmp_path, now, base, f"max_increase_pct_carbon_kg={limit}",
            f"max_increase_pct_region_water_l={limit}",
        )  # fmt: skip
        assert proc.returncode == code, proc.stderr
        for value in values(proc.stdout).values():
            assert value == pytest.approx(25.0, rel=1e-12)
    # intensities do not change when load and footprint scale together (up to rounding)
    proc = check(tmp_path, now, base, "max_increase_pct_carbon_g_per_kwh=1e-9")
    assert proc.returncode == 0, proc.stderr
    # the other way round is a decrease: (96 - 120) / 120 = -20 %, within a 0 % budget
    proc = check(tmp_path, base, now, "max_increase_pct_carbon_kg=0")
    assert proc.returncode == 0, proc.stderr
    assert values(proc.stdout)["max_increase_pct_carbon_kg"] == pytest.approx(-20.0)


def test_jain_index_fails_on_a_decrease(tmp_path: Path, tiny_doc: dict) -> None:
    base = save(tmp_path, "base.json", tiny_doc)
    worse = copy.deepcopy(tiny_doc)
    row = next(r for r in worse["tables"]["equity"] if r["index"] == "jain_index")
    before = row["carbon_kg"]  # 96^2 / (2 x (60^2 + 36^2)) = 0.941...
    assert before == pytest.approx(96**2 / (2 * (60**2 + 36**2)))
    row["carbon_kg"] = 0.8
    now = save(tmp_path, "now.json", worse)
    threshold = (before - 0.8) / before * 100  # 15.0 %
    assert threshold == pytest.approx(15.0)
    failing = check(
        tmp_path, now, base, f"max_decrease_pct_jain_index_carbon_kg={threshold - 0.01}"
    )
    assert failing.returncode == 1
    assert values(failing.stdout)["max_decrease_pct_jain_index_carbon_kg"] == pytest.approx(15.0)
    passing = check(
        tmp_path, now, base, f"max_decrease_pct_jain_index_carbon_kg={threshold + 0.01}"
    )
    assert passing.returncode == 0, passing.stderr


def test_growth_from_zero_is_infinite(tmp_path: Path, tiny_doc: dict) -> None:
    zero = scaled(tiny_doc, 0.0)
    base = save(tmp_path, "zero.json", zero)
    now = save(tmp_path, "now.json", tiny_doc)
    proc = check(tmp_path, now, base, "max_increase_pct_carbon_kg=1000000")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    # infinite: null in the numeric column, listed in "nonfinite" and named in a note
    assert doc["tables"]["results"][0]["value"] is None
    assert doc["nonfinite"] == [{"table": "results", "row": 0, "column": "value", "value": "inf"}]


def series(version: str, *, same: bool) -> str:
    """A version of the same release series as ``version``, or of the next one."""
    major, minor = (int(x) for x in version.split(".")[:2])
    if same:
        return f"{major}.{minor}.999"
    return f"{major}.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"


def test_baseline_of_the_same_release_series_is_accepted(tmp_path: Path, tiny_doc: dict) -> None:
    now = save(tmp_path, "now.json", tiny_doc)
    tiny_doc["fairwatt_version"] = series(__version__, same=True)
    base = save(tmp_path, "base.json", tiny_doc)
    proc = check(tmp_path, now, base, "max_increase_pct_carbon_kg=0")
    assert proc.returncode == 0, proc.stderr


def test_baseline_of_an_incompatible_version(tmp_path: Path, tiny_doc: dict) -> None:
    now = save(tmp_path, "now.json", tiny_doc)
    other = series(__version__, same=False)
    tiny_doc["fairwatt_version"] = other
    base = save(tmp_path, "base.json", tiny_doc)
    proc = check(tmp_path, now, base, "max_increase_pct_carbon_kg=0")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert f"written by fairwatt {other}, incompatible with this audit's {__version__}" in line
    assert str(base) in line


def test_baseline_with_another_grouping(tmp_path: Path, tiny_audit: Path) -> None:
    args = write_tiny(tmp_path)
    by_site = tmp_path / "by_site.json"
    assert run("audit", *args, "--by", "site", "-q", "-o", by_site, cwd=tmp_path).returncode == 0
    proc = check(tmp_path, tiny_audit, by_site, "max_increase_pct_carbon_kg=0")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "--baseline is grouped by site, this audit by zone" in line
    # a fresh audit is compared the same way
    proc = run(
        "check", *args, "--by", "zone", "--baseline", by_site, "--rule",
        "max_increase_pct_carbon_kg=0", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "grouped by site, this audit by zone" in one_line_error(proc)


def test_baseline_with_another_water_model(tmp_path: Path, tiny_doc: dict) -> None:
    now = save(tmp_path, "now.json", tiny_doc)
    tiny_doc["options"]["water_model"] = "total"
    base = save(tmp_path, "base.json", tiny_doc)
    proc = check(tmp_path, now, base, "max_increase_pct_water_l=0")
    assert proc.returncode == 2
    assert "water model 'total'" in one_line_error(proc)


def test_baseline_without_the_metric(tmp_path: Path, tiny_doc: dict) -> None:
    now = save(tmp_path, "now.json", tiny_doc)
    for table in ("footprint", "totals"):
        for row in tiny_doc["tables"][table]:
            row.pop("health_usd")
    base = save(tmp_path, "base.json", tiny_doc)
    proc = check(tmp_path, now, base, "max_increase_pct_health_usd=0")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "rule max_increase_pct_health_usd cannot be evaluated on the baseline" in line


def test_baseline_that_is_not_an_audit(tmp_path: Path, tiny_audit: Path) -> None:
    results = tmp_path / "results.json"
    proc = run("check", "--report", tiny_audit, "--rule", "max_carbon_kg=100", "-o", results,
               cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = check(tmp_path, tiny_audit, results, "max_increase_pct_carbon_kg=0")
    assert proc.returncode == 2
    assert "--baseline: not a fairwatt audit JSON document" in one_line_error(proc)


def test_a_baseline_saved_by_a_plain_audit_is_accepted(tmp_path: Path) -> None:
    """`fairwatt audit LOGS -o baseline.json` and `fairwatt check LOGS --baseline ...`
    group the same way by default (by site), so the comparison needs no flag."""
    args = write_tiny(tmp_path)
    base = tmp_path / "baseline.json"
    assert run("audit", *args, "-q", "-o", base, cwd=tmp_path).returncode == 0
    proc = run(
        "check", *args, "--baseline", base, "--rule", "max_increase_pct_carbon_kg=0",
        "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["details"]["audit"]["by"] == ["site"]
    assert doc["tables"]["results"][0]["value"] == 0.0  # the same logs: no change
