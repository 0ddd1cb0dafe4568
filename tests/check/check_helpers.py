"""Helpers for the `fairwatt check` tests: run the installed command, build small inputs
whose footprints are easy to compute by hand, and read CI outputs back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"

#: Environment variables of CI systems that would change what the command does.
_CI_VARS = ("GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "GITHUB_ACTIONS")


def fairwatt_exe() -> str:
    exe = shutil.which("fairwatt", path=str(Path(sys.executable).parent)) or shutil.which(
        "fairwatt"
    )
    assert exe, "the fairwatt command is not installed next to the test interpreter"
    return exe


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``fairwatt ARGS`` in ``cwd`` with a CI-free environment plus ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in _CI_VARS}
    base.update({"COLUMNS": "200", "NO_COLOR": "1"})
    base.update(env or {})
    return subprocess.run(
        [fairwatt_exe(), *map(str, args)],
        cwd=cwd,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line_error(proc: subprocess.CompletedProcess[str] | Any) -> str:
    """The single error line on stderr (and nothing else there)."""
    stderr = proc.stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fairwatt: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def invoke(*args: str | Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ``fairwatt ARGS`` in-process in ``cwd`` (for the many fast error cases);
    the result has ``exit_code``, ``stdout`` and ``stderr``."""
    from typer.testing import CliRunner

    from fairwatt.cli.app import app

    monkeypatch.chdir(cwd)
    for var in _CI_VARS:
        monkeypatch.delenv(var, raising=False)
    return CliRunner().invoke(app, [str(a) for a in args])


# A two-zone fleet whose footprints are computed by hand in the tests:
#   site a: zone XA, PUE 1.5, WUE 0.5 L/kWh; 100 kWh IT; 1,000 requests
#   site b: zone XB, PUE 1.2, WUE 1.0 L/kWh; 300 kWh IT; 2,000 requests
#   XA: 400 gCO2e/kWh, EWIF 2.0 L/kWh, 50 US$/MWh; XB: 100 gCO2e/kWh, 1.0 L/kWh, 20 US$/MWh
TINY_LOG = (
    "timestamp,site,energy_kwh,requests\n"
    "2024-01-01T00:00:00+00:00,a,60,600\n"
    "2024-01-01T01:00:00+00:00,a,40,400\n"
    "2024-01-01T00:00:00+00:00,b,300,2000\n"
)
TINY_SITES = "site,zone,pue,wue_l_per_kwh\na,XA,1.5,0.5\nb,XB,1.2,1.0\n"
TINY_FACTORS = (
    "zone,year,carbon_g_per_kwh,ewif_l_per_kwh,health_usd_per_mwh\n"
    "XA,2024,400,2.0,50\n"
    "XB,2024,100,1.0,20\n"
)


def write_tiny(folder: Path, *, health: bool = True) -> list[str]:
    """Write the two-zone fleet into ``folder``; return the audit arguments."""
    (folder / "log.csv").write_text(TINY_LOG)
    (folder / "sites.csv").write_text(TINY_SITES)
    factors = TINY_FACTORS
    if not health:
        factors = "\n".join(line.rsplit(",", 1)[0] for line in factors.splitlines()) + "\n"
    (folder / "factors.csv").write_text(factors)
    return [
        str(folder / "log.csv"),
        "--sites",
        str(folder / "sites.csv"),
        "--factors",
        str(folder / "factors.csv"),
    ]


def parse_annotations(stderr: str) -> list[tuple[str, dict[str, str], str]]:
    """``::level k=v,k=v::message`` lines of stderr, with GitHub's escapes undone."""

    def unescape(text: str) -> str:
        for code, char in (("%0A", "\n"), ("%0D", "\r"), ("%3A", ":"), ("%2C", ",")):
            text = text.replace(code, char)
        return text.replace("%25", "%")

    out = []
    for line in stderr.splitlines():
        m = re.fullmatch(r"::(error|warning|notice)(?: ([^:]*))?::(.*)", line)
        if not m:
            continue
        props = {}
        for item in (m.group(2) or "").split(","):
            if item:
                key, _, value = item.partition("=")
                props[key] = unescape(value)
        out.append((m.group(1), props, unescape(m.group(3))))
    return out


def summary_rows(markdown: str) -> dict[str, list[str]]:
    """Rows of the summary's results table, by rule key (cells without the backticks)."""
    rows = {}
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith("| status"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[1].strip("`")] = cells
    return rows


#: The subset of the Jenkins / GitLab JUnit schema that fairwatt's JUnit XML relies on.
JUNIT_XSD = ROOT / "tests" / "data" / "junit" / "junit.xsd"


def junit_details(case: Any) -> dict[str, str]:
    """The ``key: value`` details of a JUnit test case's ``system-out``."""
    out = case.find("system-out")
    assert out is not None
    pairs = (line.partition(": ") for line in (out.text or "").splitlines())
    return {key: value for key, sep, value in pairs if sep and key != "warning"}


def assert_valid_junit(path: Path) -> Any:
    """Validate ``path`` against :data:`JUNIT_XSD` and read it with junitparser;
    return junitparser's ``JUnitXml``."""
    junitparser = pytest.importorskip("junitparser")
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(path))
    return junitparser.JUnitXml.fromfile(str(path))
