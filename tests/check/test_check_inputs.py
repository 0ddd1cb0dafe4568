"""Saved audits as `fairwatt check` reads them: the zone NA (Namibia), renamed keys,
and messages that name the command's flags."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from check_helpers import ROOT, invoke, one_line_error, run

# Namibia's zone code is NA, which careless CSV and JSON readers take for a missing value.
#   site a (zone NA): 100 kWh IT x PUE 1.5 = 150 kWh x 400 g = 60 kg CO2e
#   site b (zone XB): 300 kWh IT x PUE 1.2 = 360 kWh x 100 g = 36 kg CO2e
NA_LOG = (
    "timestamp,site,energy_kwh\n2024-01-01T00:00:00+00:00,a,100\n2024-01-01T00:00:00+00:00,b,300\n"
)
NA_SITES = "site,zone,pue,wue_l_per_kwh\na,NA,1.5,0.5\nb,XB,1.2,1.0\n"
NA_FACTORS = (
    "zone,year,carbon_g_per_kwh,ewif_l_per_kwh,health_usd_per_mwh\n"
    "NA,2024,400,2.0,50\n"
    "XB,2024,100,1.0,20\n"
)
NA_RULES = ("--rule", "max_region_carbon_kg=59", "--rule", "max_carbon_kg=100")


def write_namibia(folder: Path) -> list[str]:
    for name, text in (("log.csv", NA_LOG), ("sites.csv", NA_SITES), ("factors.csv", NA_FACTORS)):
        (folder / name).write_text(text)
    return [
        str(folder / "log.csv"),
        "--sites",
        str(folder / "sites.csv"),
        "--factors",
        str(folder / "factors.csv"),
    ]


def check_namibia_results(stdout: str) -> None:
    rows = {r["rule"]: r for r in json.loads(stdout)["tables"]["results"]}
    assert rows["max_carbon_kg"]["value"] == pytest.approx(96.0)
    assert rows["max_carbon_kg"]["status"] == "pass"
    assert rows["max_region_carbon_kg"]["value"] == pytest.approx(60.0)
    assert rows["max_region_carbon_kg"]["detail"] == "worst zone: NA of 2"
    assert rows["max_region_carbon_kg"]["status"] == "fail"


def test_report_of_an_audit_with_the_zone_na(tmp_path: Path) -> None:
    args = write_namibia(tmp_path)
    saved = tmp_path / "audit.json"
    proc = run("audit", *args, "--by", "zone", "-q", "-o", saved, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {r["zone"] for r in json.loads(saved.read_text())["tables"]["footprint"]} == {"NA", "XB"}
    proc = run("check", "--report", saved, *NA_RULES, "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    check_namibia_results(proc.stdout)
    # the verdict goes to stderr when stdout carries data (-f json), then the error
    verdict, error = proc.stderr.strip().splitlines()
    assert verdict == "2 rules: 1 passed, 1 failed, 0 warnings"
    assert error == "fairwatt: error: 1 error rule(s) failed: max_region_carbon_kg"


def test_logs_with_the_zone_na(tmp_path: Path) -> None:
    proc = run(
        "check", *write_namibia(tmp_path), "--by", "zone", *NA_RULES, "-f", "json", cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    check_namibia_results(proc.stdout)


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ("totals", None, "--report: not a fairwatt audit JSON document"),
        ("details", "by", "--report: the audit's details has no 'by'"),
        ("totals", "carbon_kg", "rule max_carbon_kg cannot be evaluated: the audit has no "
         "carbon_kg"),
        ("equity", "index", "--report: equity rows need an 'index' field"),
    ],
)  # fmt: skip
def test_a_renamed_key_in_the_saved_audit_is_exit_2(
    tmp_path: Path, tiny_doc: dict, table: str, key: str | None, message: str
) -> None:
    holder = tiny_doc if table == "details" else tiny_doc["tables"]
    if key is None:
        holder["renamed"] = holder.pop(table)
    else:
        rows = [holder[table]] if isinstance(holder[table], dict) else holder[table]
        for row in rows:
            row["renamed"] = row.pop(key)
    saved = tmp_path / "audit.json"
    saved.write_text(json.dumps(tiny_doc))
    proc = run("check", "--report", saved, "--rule", "max_gini_carbon_kg=1", "--rule",
               "max_carbon_kg=1000", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert message in one_line_error(proc)


def test_every_option_the_services_name_has_a_flag() -> None:
    from fairwatt.cli.check import _FLAGS

    sources = (ROOT / "src" / "fairwatt" / "services").glob("check*.py")
    names = {
        name
        for path in sources
        for name in re.findall(r"""spell\(\s*["']([a-z_]+)["']""", path.read_text())
    }
    names |= {"report_file", "baseline_file"}  # spelled through _read_audit
    assert names, "no spelled option found"
    assert names <= set(_FLAGS), names - set(_FLAGS)


FLAG_MESSAGES = {
    "unknown key": (["--rule", "max_co2_kg=1"], "fairwatt: error: --rule max_co2_kg: unknown"),
    "no policy": ([], "or pass --policy FILE or --rule KEY=VALUE"),
    "missing policy file": (["--policy", "nope.toml"], "policy file not found; check --policy"),
    "report and logs": (["log.csv", "--rule", "max_carbon_kg=1"], "give LOGS or --report, not"),
    "baseline": (
        ["--baseline", "gone.json", "--rule", "max_carbon_kg=1"],
        "gone.json: --baseline: file not found",
    ),
    "footprint": (
        ["--rule", "max_gini_health_usd=1"],
        "audit again with --footprints carbon,water,health",
    ),
}


@pytest.mark.parametrize("case", list(FLAG_MESSAGES))
def test_messages_name_the_flags(
    tmp_path: Path, tiny_doc: dict, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, wanted = FLAG_MESSAGES[case]
    saved = tmp_path / "audit.json"
    if case == "footprint":
        tiny_doc["details"]["footprints"] = ["carbon", "water"]
    saved.write_text(json.dumps(tiny_doc))
    proc = invoke("check", "--report", saved, *args, cwd=tmp_path, monkeypatch=monkeypatch)
    assert proc.exit_code == 2, proc.stderr
    assert wanted in one_line_error(proc)
