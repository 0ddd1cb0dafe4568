"""``fairwatt.report`` of a rebalancing result, in memory and read back from files.

The eGLB benchmark scenario with the partial mask: water max/avg 1.72 under minimum
cost -> 1.30 under eGLB (Li, Yang, Wierman & Ren, "Towards Environmentally Equitable
AI", CACM 2024 / arXiv:2307.05494).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import fairwatt
from fairwatt.errors import InputError
from fairwatt.io.writers import write_report
from fairwatt.services.rebalance import Sweep

ROOT = Path(__file__).resolve().parents[2]
EGLB = ROOT / "sample_inputs" / "eglb" / "scenario.toml"


@pytest.fixture(scope="module")
def solved() -> fairwatt.RebalanceResult:
    scenario = fairwatt.load_scenario(EGLB)
    return fairwatt.rebalance(scenario, mask="partial", sweep=Sweep("water", [0, 60, 200]))


def figure(text: str, name: str) -> str:
    match = re.search(rf'<figure class="chart" id="chart-{name}">.*?</figure>', text, re.S)
    assert match, f"no chart {name}"
    return match.group(0)


def caption(text: str, name: str) -> str:
    found = re.search(r"<figcaption>(.*?)</figcaption>", figure(text, name), re.S)
    assert found
    return found[1]


def test_in_memory_result_has_every_section(solved: fairwatt.RebalanceResult) -> None:
    text = fairwatt.report(solved)
    ids = re.findall(r'<section id="([^"]+)"', text)
    assert ids == [
        "headline",
        "before-after",
        "indices",
        "frontier",
        "allocation",
        "notes",
        "reproduce",
    ]
    water = caption(text, "water_by_site")
    assert "min-cost (before) 1.72 → nearest 1.45, eglb 1.30" in water
    assert "carbon_by_site" in text
    # the hourly allocation of eglb, stacked: one band per site, 10 sites in the legend
    alloc = figure(text, "allocation_eglb")
    assert "457 hours, 10 sites" in alloc
    assert len(re.findall(r'<g id="c\d+-FillBetweenPolyCollection_\d+"', alloc)) == 10


def test_frontier_marks_the_chosen_objective(solved: fairwatt.RebalanceResult) -> None:
    text = fairwatt.report(solved)
    html = figure(text, "frontier")
    assert "eglb (chosen)" in html  # the label drawn on the chart
    assert "3 of 3 points solved" in html
    # its table holds the sweep: weights 0, 60, 200
    assert re.findall(r"<tr><td>weight:water</td><td[^>]*>([^<]*)</td>", html) == [
        "0",
        "60",
        "200",
    ]


def test_another_objective_can_be_chosen(solved: fairwatt.RebalanceResult) -> None:
    text = fairwatt.report(solved, objective="nearest")
    assert 'id="chart-allocation_nearest"' in text
    with pytest.raises(InputError, match="objective 'x' is not in the result"):
        fairwatt.report(solved, objective="x")


def test_read_back_from_the_command_line_json(
    solved: fairwatt.RebalanceResult, tmp_path: Path
) -> None:
    path = tmp_path / "r.json"
    write_report(solved.to_report(), str(path), "json")  # what rebalance -o r.json writes
    text = fairwatt.report(path)
    assert "min-cost (before) 1.72 → nearest 1.45, eglb 1.30" in caption(text, "water_by_site")
    assert 'id="chart-frontier"' in text
    # no allocation in that file: the page says how to add it
    assert "--allocation alloc.csv" in text
    assert "fairwatt rebalance " in text and "--mask partial" in text
    # ... and with the allocation file written beside it
    alloc = tmp_path / "alloc.csv"
    write_report(solved.allocation_report(), str(alloc), "csv")
    text = fairwatt.report(path, allocation=alloc)
    assert "457 hours, 10 sites" in figure(text, "allocation_eglb")


def test_read_back_from_the_library_json(solved: fairwatt.RebalanceResult, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    solved.to_json(path, allocation=True)
    text = fairwatt.report(path)
    assert 'id="chart-allocation_eglb"' in text
    assert f"Solved by fairwatt {fairwatt.__version__}" in text


def test_tables_under_a_tables_key_and_a_recorded_command(
    solved: fairwatt.RebalanceResult, tmp_path: Path
) -> None:
    """A document with its tables under ``tables`` and the command that made it."""
    written = tmp_path / "r.json"
    write_report(solved.to_report(), str(written), "json")
    doc = json.loads(written.read_text())
    moved = {
        "title": doc["title"],
        "fairwatt_version": "9.9.9",
        "command": "fairwatt rebalance scenario.toml --mask partial -o r.json",
        "metadata": doc["details"],
        "notes": doc["notes"],
        "tables": doc["tables"],
    }
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(moved))
    text = fairwatt.report(path)
    assert "fairwatt rebalance scenario.toml --mask partial -o r.json" in text
    assert "Solved by fairwatt 9.9.9" in text
    assert "1.72 → nearest 1.45, eglb 1.30" in text


def test_rebalance_parquet_is_refused_with_a_hint(
    solved: fairwatt.RebalanceResult, tmp_path: Path
) -> None:
    path = tmp_path / "r.parquet"
    write_report(solved.to_report(), str(path), "parquet")
    with pytest.raises(InputError, match=r"holds only its main table.*-o result\.json"):
        fairwatt.report(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not a JSON document"), ('{"title": "x"}', "not a fairwatt audit or rebal")],
)
def test_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        fairwatt.report(path)
    with pytest.raises(InputError, match="result file not found"):
        fairwatt.report(tmp_path / "missing.json")
