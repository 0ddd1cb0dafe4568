"""The time-shift section of a rebalancing report (deferrable load).

A toy checked by hand: sites A and B, one gateway, three hours with 10 MWh arriving in
each. Half of each hour's demand may wait up to 2 hours; A costs 10 US$/MWh in hour 2
and 100 otherwise, B 100 throughout, capacity 30 MWh per hour. Minimum cost serves the
firm 5 MWh of hours 0 and 1 in their hour and everything else at A in hour 2:

* served 5, 5, 20 MWh; backlog at the end of each hour 5, 10, 0 MWh;
* deferred 10 MWh (5 from hour 0, 5 from hour 1) = 10 / 30 = 33.33 % of demand;
* mean delay (5 x 2 h + 5 x 1 h) / 10 MWh = 1.5 h, maximum 2 h; deferrable 15 MWh;
* cost 5 x 100 + 5 x 100 + 20 x 10 = 1,200 US$.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import fairwatt
from fairwatt.balancing.scenario import Scenario
from fairwatt.io.writers import write_report

CAPTION_NUMBERS = (
    "Under min-cost: deferred 10 MWh (33.33 % of demand), mean delay used 1.5 h, "
    "maximum delay used 2 h."
)


def toy(deferrable: float | None = 0.5) -> fairwatt.RebalanceResult:
    scenario = Scenario(
        sites=("A", "B"),
        gateways=("g",),
        capacity=30.0,
        demand=[[10.0, 10.0, 10.0]],
        price=[[100.0, 100.0, 10.0], [100.0, 100.0, 100.0]],
        intensity={"carbon": [[0.5] * 3, [0.4] * 3]},
        nearest=[0],
    )
    delay = None if deferrable is None else 2
    # in MWh, as the hand calculation above
    return fairwatt.rebalance(
        scenario, objectives=["min-cost"], deferrable=deferrable, max_delay=delay, units="paper"
    )


@pytest.fixture(scope="module")
def result() -> fairwatt.RebalanceResult:
    return toy()


def section(text: str) -> str:
    found = re.search(r'<section id="time-shift">.*?</section>', text, re.S)
    assert found, "no time-shift section"
    return found[0]


def tables(fragment: str) -> list[list[list[str]]]:
    """Every table of an HTML fragment: rows of cell texts, the header first."""
    out = []
    for table in re.findall(r"<table>(.*?)</table>", fragment, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        out.append(
            [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]
        )
    return out


def check_section(text: str) -> None:
    part = section(text)
    chart = re.search(
        r'<figure class="chart" id="chart-time_shift_min-cost">.*?</figure>', part, re.S
    )
    assert chart, "no time-shift chart"
    assert "<svg " in chart[0]
    caption = re.search(r"<figcaption>(.*?)</figcaption>", chart[0], re.S)
    assert caption
    assert CAPTION_NUMBERS in html.unescape(caption[1])
    assert "per hour" in caption[1] and "summed per day" not in caption[1]
    numbers, deferral = tables(part)
    assert numbers == [
        ["hour", "arriving [MWh]", "served [MWh]", "backlog [MWh]"],
        ["0", "10", "5", "5"],
        ["1", "10", "5", "10"],
        ["2", "10", "20", "0"],
    ]
    assert deferral == [
        [
            "objective",
            "deferrable [MWh]",
            "deferred [MWh]",
            "deferred [% of demand]",
            "mean delay [h]",
            "max delay [h]",
        ],
        ["min-cost", "15", "10", "33.3333", "1.5", "2"],
    ]


def test_toy_is_what_the_hand_calculation_says(result: fairwatt.RebalanceResult) -> None:
    assert result.summary["cost_usd"].iloc[0] == pytest.approx(1200.0, rel=1e-9)


def test_in_memory_result_has_the_time_shift_section(result: fairwatt.RebalanceResult) -> None:
    text = fairwatt.report(result)
    ids = re.findall(r'<section id="([^"]+)"', text)
    assert ids.index("time-shift") == ids.index("allocation") + 1
    check_section(text)


def test_no_section_without_deferral() -> None:
    plain = toy(None)
    assert plain.deferral is None
    text = fairwatt.report(plain)
    assert 'id="time-shift"' not in text
    assert "time_shift" not in text


def test_from_the_json_of_to_json(result: fairwatt.RebalanceResult, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    result.to_json(path)
    check_section(fairwatt.report(path))


def test_from_the_json_rebalance_writes(result: fairwatt.RebalanceResult, tmp_path: Path) -> None:
    """``fairwatt rebalance -o r.json`` writes the common layout: the deferral and
    time-shift tables under ``tables``."""
    path = tmp_path / "r.json"
    write_report(result.to_report(), str(path), "json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert {"deferral", "time_shift"} <= set(doc["tables"])
    assert doc["units"]["served_mwh"] == "MWh"
    check_section(fairwatt.report(path))


def test_figures_include_the_time_shift(result: fairwatt.RebalanceResult, tmp_path: Path) -> None:
    fairwatt.report(result, figures=tmp_path)
    for ext in ("png", "svg"):
        assert (tmp_path / f"time_shift_min-cost.{ext}").stat().st_size > 1000


def test_units_are_read_from_the_result(result: fairwatt.RebalanceResult) -> None:
    """The same toy in kWh: headers and caption follow the columns' units."""
    assert result.deferral is not None and result.time_shift is not None
    shift = result.time_shift.rename(columns=lambda c: c.replace("_mwh", "_kwh"))
    for col in ("arriving_kwh", "served_kwh", "backlog_kwh"):
        shift[col] = shift[col] * 1000
    deferral = result.deferral.rename(columns=lambda c: c.replace("_mwh", "_kwh"))
    deferral[["deferrable_kwh", "deferred_kwh"]] *= 1000
    kwh = dataclasses.replace(result, deferral=deferral, time_shift=shift)
    part = section(fairwatt.report(kwh))
    assert "deferred 10,000 kWh (33.33 % of demand)" in part
    numbers, table = tables(part)
    assert numbers[0][1:] == ["arriving [kWh]", "served [kWh]", "backlog [kWh]"]
    assert numbers[3] == ["2", "10,000", "20,000", "0"]
    assert table[0][1:3] == ["deferrable [kWh]", "deferred [kWh]"]


@pytest.mark.parametrize("timed", [True, False], ids=["utc-hours", "hour-numbers"])
def test_a_year_of_hours_is_summed_per_day(result: fairwatt.RebalanceResult, timed: bool) -> None:
    """40 days of hours: 1 MWh arrives each hour, none is served in the first 12 hours
    of a day and 2 MWh per hour in the last 12, so each day 24 MWh arrive and are
    served, the backlog is 0 at the end of each day (12 MWh at its noon)."""
    hours = pd.date_range("2024-01-01", periods=24 * 40, freq="h", tz="UTC")
    served = [0.0 if h.hour < 12 else 2.0 for h in hours]
    backlog = [h.hour + 1.0 if h.hour < 12 else 23.0 - h.hour for h in hours]
    shift = pd.DataFrame(
        {
            "objective": "min-cost",
            "hour": hours if timed else range(len(hours)),
            "arriving_mwh": 1.0,
            "served_mwh": served,
            "backlog_mwh": backlog,
        }
    )
    assert shift["backlog_mwh"].iloc[11] == 12.0 and shift["backlog_mwh"].iloc[23] == 0.0
    long = dataclasses.replace(result, time_shift=shift)
    part = section(fairwatt.report(long))
    assert "its 960 hours are summed per day here" in part
    numbers = tables(part)[0]
    assert numbers[0] == ["day", "arriving [MWh]", "served [MWh]", "backlog [MWh]"]
    assert len(numbers) == 1 + 40
    first = "2024-01-01T00:00:00+00:00" if timed else "0"
    assert numbers[1] == [first, "24", "24", "0"]
    assert numbers[40][1:] == ["24", "24", "0"]


def test_deferral_without_the_hourly_profile_says_so(result: fairwatt.RebalanceResult) -> None:
    part = section(fairwatt.report(dataclasses.replace(result, time_shift=None)))
    assert "is not part of this result" in part
    assert CAPTION_NUMBERS in html.unescape(part)
    assert "<figure" not in part
    assert len(tables(part)) == 1
