"""``fairwatt.report`` of an audit: the page's sections, charts, numbers and that it
needs nothing from outside the file.

The audit here is made by hand, so that every number in the page is known: carbon per
zone A=3, B=2, C=1 kg (Gini = Σ|xi−xj|/(2n²μ) = 8/36 = 0.222, max/mean 3/2 = 1.50),
water A=0, B=0, C=6 L (Gini 24/36 = 0.667, max/mean 6/2 = 3.00).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import fairwatt
from fairwatt.errors import InputError
from fairwatt.reporting.results import AuditResult

HOURS = pd.to_datetime(["2024-06-03T00:00Z", "2024-06-03T01:00Z"], utc=True)
UNITS = {
    "energy_kwh": "kWh",
    "carbon_kg": "kgCO2e",
    "water_l": "L",
    "health_usd": "US$",
    "health_low_usd": "US$",
    "health_high_usd": "US$",
}


def hand_audit(**changes: object) -> AuditResult:
    # per zone and hour; zone totals: energy A 10, B 20, C 30 kWh
    rows = [
        ("A", 0, 4.0, 1.0, 0.0, 5.0, 2.0, 10.0),
        ("A", 1, 6.0, 2.0, 0.0, 5.0, 3.0, 10.0),
        ("B", 0, 10.0, 1.0, 0.0, 5.0, 2.5, 10.0),
        ("B", 1, 10.0, 1.0, 0.0, 5.0, 2.5, 10.0),
        ("C", 0, 15.0, 0.5, 2.0, 5.0, 2.5, 10.0),
        ("C", 1, 15.0, 0.5, 4.0, 5.0, 2.5, 10.0),
    ]
    table = pd.DataFrame(
        [(z, HOURS[h], *v) for z, h, *v in rows],
        columns=["zone", "hour", *UNITS],
    )
    provenance = [
        {
            "factor": "carbon_g_per_kwh",
            "dataset": "d1",
            "key": "A",
            "version": "1",
            "year": 2023,
            "kind": "average, lifecycle",
            "licence": "CC-BY-4.0",
            "fallback": False,
        },
        {
            "factor": "carbon_g_per_kwh",
            "dataset": "d2",
            "key": "B",
            "version": "2",
            "year": 2022,
            "kind": "average, direct",
            "licence": "CC0-1.0",
            "fallback": True,
        },
        {
            "factor": "pue, wue_l_per_kwh",
            "sites": [
                {
                    "site": "s1",
                    "zone": "A",
                    "pue": 1.1,
                    "wue_l_per_kwh": 0.55,
                    "wue_source": "industry placeholder (no published value)",
                }
            ],
        },
    ]
    fields: dict[str, object] = {
        "table": table,
        "totals": table[list(UNITS)].sum(),
        "equity": None,
        "provenance": provenance,
        "notes": ["a note from the audit"],
        "by": ["zone", "hour"],
        "footprints": ["carbon", "water", "health"],
        "options": {"energy_unit": "kWh", "water_model": "split"},
        "inputs": ["energy.csv"],
        "records": 6,
        "period_start": HOURS[0],
        "period_end": HOURS[1] + pd.Timedelta(hours=1),
        "units": UNITS,
        "fairwatt_version": "9.9.9",
    }
    fields.update(changes)
    return AuditResult(**fields)  # type: ignore[arg-type]


class _Page(HTMLParser):
    """Elements of a page: tags with attributes, and the text inside each figure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def figure(text: str, name: str) -> str:
    """The HTML of the chart ``name`` (its ``<figure>``)."""
    match = re.search(rf'<figure class="chart" id="chart-{name}">.*?</figure>', text, re.S)
    assert match, f"no chart {name}"
    return match.group(0)


def table_rows(fragment: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, re.S)
    assert body
    return [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", body[0])]


@pytest.fixture(scope="module")
def page_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    text = fairwatt.report(hand_audit(), path)
    assert path.read_text(encoding="utf-8") == text
    return text


def test_sections_in_order(page_text: str) -> None:
    ids = [a.get("id") for t, a in parse(page_text).tags if t == "section"]
    assert ids == [
        "headline",
        "regions",
        "inequity",
        "over-time",
        "provenance",
        "notes",
        "reproduce",
    ]


def test_one_bar_chart_per_footprint_and_a_heatmap_each(page_text: str) -> None:
    charts = [a["id"] for t, a in parse(page_text).tags if t == "figure" and a.get("id")]
    for f in ("carbon", "water", "health"):
        assert f"chart-{f}_by_zone" in charts
        assert f"chart-{f}_heatmap" in charts
    assert "chart-lorenz" in charts
    # every chart: an inline SVG, a caption and the table of its numbers
    for name in charts:
        html = figure(page_text, name.removeprefix("chart-"))
        assert html.count("<svg ") == 1
        assert "<figcaption>" in html
        assert "<table>" in html


def test_nothing_is_fetched_from_outside(page_text: str) -> None:
    for tag, attrs in parse(page_text).tags:
        assert tag not in ("script", "iframe", "link", "img", "object", "embed")
        for key in ("src", "href", "xlink:href"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, key, value)
    for url in re.findall(r"url\(([^)]*)\)", page_text):
        assert url.startswith("#"), url
    assert "@import" not in page_text


def test_bars_sorted_by_burden_with_per_kwh(page_text: str) -> None:
    carbon = table_rows(figure(page_text, "carbon_by_zone"))
    assert [r[0] for r in carbon] == ["A", "B", "C"]
    # per kWh: 3/10, 2/20, 1/30
    assert [r[2] for r in carbon] == ["0.3", "0.1", "0.0333333"]
    water = table_rows(figure(page_text, "water_by_zone"))
    assert [r[0] for r in water] == ["C", "A", "B"]  # ties keep the zones' order
    assert "C bears the most: 6 L, 100% of the total" in figure(page_text, "water_by_zone")


def test_health_range_as_error_bars(page_text: str) -> None:
    html = figure(page_text, "health_by_zone")
    assert "Error bars span the low to high" in html
    rows = {r[0]: r for r in table_rows(html)}
    # value, per kWh, low, high: A 10 US$ (5 to 20) over 10 kWh
    assert rows["A"][1:5] == ["10", "1", "5", "20"]
    # three error bars (one per zone) drawn in each panel of the SVG
    assert len(re.findall(r'<g id="c\d+-LineCollection_\d+"', html)) == 2


def test_lorenz_caption_has_hand_computed_indices(page_text: str) -> None:
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure(page_text, "lorenz"))
    assert caption
    assert "carbon: Gini 0.222, max/mean 1.50" in caption[1]
    assert "water: Gini 0.667, max/mean 3.00" in caption[1]
    assert "health: Gini 0.000, max/mean 1.00" in caption[1]


def test_headline_provenance_caveats_and_command(page_text: str) -> None:
    assert "2024-06-03 00:00 to 2024-06-03 02:00 (2 h)" in page_text
    assert "6 kgCO2e" in page_text  # carbon total
    assert "mixed in this audit: average, direct; average, lifecycle" in page_text
    assert "Fallback factors were used for: carbon_g_per_kwh B" in page_text
    assert "1 site(s) use a placeholder WUE (s1)" in page_text
    assert "a note from the audit" in page_text
    assert "fairwatt 9.9.9" in page_text
    assert "fairwatt audit energy.csv --by zone,hour --footprints carbon,water,health" in page_text


def test_command_repeats_the_options_that_change_the_result() -> None:
    from fairwatt.reporting.htmlreport.audit import command

    options = {
        "energy_unit": "Wh",
        "water_model": "split",
        "duplicates": "error",
        "carbon_basis": "direct",
        "interval_s": 900.0,
    }
    assert command(hand_audit(options=options)) == (
        "fairwatt audit energy.csv --by zone,hour --footprints carbon,water,health "
        "--interval 900s --energy-unit Wh --carbon-basis direct"
    )
    defaults = {"energy_unit": "kWh", "carbon_basis": "lifecycle", "duplicates": "error"}
    assert command(hand_audit(options=defaults)) == (
        "fairwatt audit energy.csv --by zone,hour --footprints carbon,water,health"
    )


def test_light_dark_and_print_styles(page_text: str) -> None:
    assert "@media (prefers-color-scheme: dark)" in page_text
    assert "@media print" in page_text
    # the charts' text colour is swapped in the dark style
    assert 'svg [style*="fill: #222222"]' in page_text
    assert "fill: #222222" in figure(page_text, "carbon_by_zone")


def test_chart_ids_are_unique_in_the_page(page_text: str) -> None:
    ids = [a["id"] for _, a in parse(page_text).tags if a.get("id")]
    assert len(ids) == len(set(ids))


def test_same_result_same_page() -> None:
    assert fairwatt.report(hand_audit()) == fairwatt.report(hand_audit())


def test_without_time_grouping_no_heatmap_and_zone_only() -> None:
    result = hand_audit()
    zone = result.table.drop(columns="hour").groupby("zone", as_index=False).sum()
    text = fairwatt.report(hand_audit(table=zone, by=["zone"]))
    assert 'id="over-time"' not in text
    assert 'id="chart-carbon_by_zone"' in text


def test_long_hourly_series_summed_per_day() -> None:
    hours = pd.date_range("2024-01-01", periods=900, freq="h", tz="UTC")
    table = pd.DataFrame(
        {
            "zone": ["A"] * 900 + ["B"] * 900,
            "hour": list(hours) * 2,
            "energy_kwh": 1.0,
            "carbon_kg": [1.0] * 900 + [2.0] * 900,
        }
    )
    result = hand_audit(
        table=table, footprints=["carbon"], totals=table[["energy_kwh", "carbon_kg"]].sum()
    )
    html = figure(fairwatt.report(result), "carbon_heatmap")
    assert "its 900 hours are summed per day here" in html
    rows = {r[0]: r for r in table_rows(html)}
    # B: 2 kg an hour -> 1,800 kg in all, 48 kg per full day (37.5 days: mean 1800/38)
    assert rows["B"][1] == "1,800"
    assert rows["B"][3] == "48"
    assert rows["B"][2] == "47.3684"
    assert rows["B"][4].startswith("2024-01-01")


def test_figures_as_png_and_svg(tmp_path: Path) -> None:
    from PIL import Image

    fairwatt.report(hand_audit(), figures=tmp_path / "figs")
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert "carbon_by_zone.png" in names
    assert "carbon_by_zone.svg" in names
    assert len(names) == 2 * 7  # 3 bar charts, Lorenz, 3 heatmaps
    with Image.open(tmp_path / "figs" / "lorenz.png") as img:
        assert img.format == "PNG"
        assert img.width > 500
    svg = (tmp_path / "figs" / "lorenz.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert "<dc:date>" not in svg  # no date: the same figure, the same file


def test_unknown_figure_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="figure format 'pdf'"):
        fairwatt.report(hand_audit(), figures=tmp_path, figure_formats=["pdf"])


def test_time_only_grouping_draws_each_footprint_over_time() -> None:
    result = hand_audit()
    hourly = result.table.drop(columns="zone").groupby("hour", as_index=False).sum()
    text = fairwatt.report(hand_audit(table=hourly, by=["hour"]))
    assert 'id="regions"' not in text
    html = figure(text, "water_over_time")
    # water per hour: 0 + 0 + 2 at 00:00, 0 + 0 + 4 at 01:00
    assert [r[1] for r in table_rows(html)] == ["2", "4"]
    assert "the peak, 4 L, is at 2024-06-03T01:00:00+00:00" in html


def test_names_from_the_data_are_escaped() -> None:
    result = hand_audit()
    table = result.table.assign(zone=result.table["zone"].replace("A", "<script>x</script>&"))
    text = fairwatt.report(hand_audit(table=table))
    assert "<script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;&amp;" in text


@pytest.mark.slow
def test_a_year_of_hourly_data_for_50_zones_stays_small() -> None:
    """The issue's size budget: a few MB at most for 50 zones x 8,760 hours (the heatmap
    is summed per day; the page measured 0.7 MB with three footprints)."""
    import numpy as np

    hours = pd.date_range("2024-01-01", periods=8760, freq="h", tz="UTC")
    zones = [f"Z{i:02d}" for i in range(50)]
    n = len(hours) * len(zones)
    energy = np.random.default_rng(1).uniform(1, 10, n)
    table = pd.DataFrame(
        {
            "zone": np.repeat(zones, len(hours)),
            "hour": np.tile(hours, len(zones)),
            "energy_kwh": energy,
            "carbon_kg": energy * 0.4,
            "water_l": energy * 2.0,
        }
    )
    result = hand_audit(
        table=table,
        footprints=["carbon", "water"],
        totals=table[["energy_kwh", "carbon_kg", "water_l"]].sum(),
    )
    text = fairwatt.report(result)
    assert len(text.encode()) < 2_000_000
    html = figure(text, "water_heatmap")
    assert "its 8,760 hours are summed per day here" in html
    assert len(table_rows(html)) == 50


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2060490.4, "2,060,490"),  # never exponent notation in a table
        (123456.7, "123,457"),
        (1158.4712, "1,158.47"),
        (0.1217654, "0.121765"),
        (12.0, "12"),
        (float("nan"), "–"),
    ],
)
def test_numbers_in_tables(value: float, text: str) -> None:
    from fairwatt.reporting.htmlreport.page import number

    assert number(value) == text
