"""The HTML report in a real browser: headless Chromium renders the acceptance report
(``fairwatt audit ... --by zone,hour -o a.json``, ``fairwatt report a.json -o a.html``)
and we check what it drew; and the time-shift chart of a rebalancing report with
deferrable load (``fairwatt rebalance ... --deferrable 0.3 --max-delay 4``).

CI installs Debian's ``chromium`` (``.ci/run``); without it these tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "sample_inputs" / "fleet" / "energy.csv"
EGLB = ROOT / "sample_inputs" / "eglb" / "scenario.toml"
CHROMIUM = (
    os.environ.get("FAIRWATT_CHROMIUM")
    or shutil.which("chromium")
    or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (CI installs it: apt-get install chromium)",
    ),
]
#: the charts the acceptance report must show
CHARTS = ("carbon_by_zone", "water_by_zone", "lorenz", "carbon_heatmap", "water_heatmap")
#: Okabe–Ito colours of the carbon and water bars
ORANGE, BLUE = (0xE6, 0x9F, 0x00), (0x00, 0x72, 0xB2)


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def console_messages(stderr: str) -> list[str]:
    """The page's console messages Chromium logged (``INFO:CONSOLE`` lines)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    runner = CliRunner()
    audit = tmp / "a.json"
    res = runner.invoke(
        app,
        [
            "audit",
            str(FLEET),
            "--footprints",
            "carbon,water",
            "--by",
            "zone,hour",
            "-o",
            str(audit),
        ],
    )
    assert res.exit_code == 0, res.output
    page = tmp / "a.html"
    res = runner.invoke(app, ["report", str(audit), "-o", str(page)])
    assert res.exit_code == 0, res.output
    return page


def test_console_messages_are_caught(tmp_path: Path) -> None:
    """The console check below can fail: a page that logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("boom")</script>')
    run = chromium(tmp_path, "--dump-dom", bad.as_uri())
    assert any('"boom"' in m for m in console_messages(run.stderr))


def test_charts_are_rendered_without_console_messages(report: Path, tmp_path: Path) -> None:
    run = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert console_messages(run.stderr) == []
    dom = run.stdout
    for name in CHARTS:
        figure = re.search(rf'<figure class="chart" id="chart-{name}">(.*?)</figure>', dom, re.S)
        assert figure, name
        assert "<svg " in figure[1] and "</svg>" in figure[1]


def test_charts_have_a_size_on_the_page(report: Path, tmp_path: Path) -> None:
    """Laid out by the browser: each chart's SVG is wide and tall, the heatmap's image
    too (measured by a probe script added to a copy of the page)."""
    probe = (
        "<script>const out = [...document.querySelectorAll('figure.chart')].map(f => {"
        "const s = f.querySelector('svg').getBoundingClientRect();"
        "const i = f.querySelector('svg image');"
        "const r = i ? i.getBoundingClientRect() : {width: -1, height: -1};"
        "return [f.id, Math.round(s.width), Math.round(s.height),"
        " Math.round(r.width), Math.round(r.height)].join(' ');});"
        "const p = document.createElement('pre'); p.id = 'probe';"
        "p.textContent = out.join('\\n'); document.body.appendChild(p);</script>"
    )
    copy = tmp_path / "probed.html"
    copy.write_text(report.read_text(encoding="utf-8").replace("</body>", probe + "</body>"))
    run = chromium(tmp_path, "--window-size=1200,900", "--dump-dom", copy.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stdout[-2000:]
    sizes = {
        line.split()[0].removeprefix("chart-"): [int(v) for v in line.split()[1:]]
        for line in found[1].strip().splitlines()
    }
    for name in CHARTS:
        width, height, _, _ = sizes[name]
        assert width >= 300 and height >= 200, (name, sizes[name])
    for name in ("carbon_heatmap", "water_heatmap"):
        assert sizes[name][2] > 200 and sizes[name][3] > 100, (name, sizes[name])


def _near(pixels: np.ndarray, colour: tuple[int, int, int]) -> int:
    """How many pixels are within 12 levels of ``colour`` in each channel."""
    return int((np.abs(pixels - np.array(colour)) <= 12).all(axis=-1).sum())


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshot_shows_the_bars(report: Path, tmp_path: Path, dark: bool) -> None:
    from PIL import Image, ImageStat

    shot = tmp_path / "shot.png"
    args = ["--window-size=1200,2600", f"--screenshot={shot}"]
    chromium(tmp_path, *args, *(["--force-dark-mode"] if dark else []), report.as_uri())
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
    assert rgb.size == (1200, 2600)
    # not blank: the pixel values vary
    assert max(ImageStat.Stat(rgb).stddev) > 20
    # the page background follows the colour scheme
    background = rgb.getpixel((3, 3))
    assert isinstance(background, tuple)
    assert (sum(background) < 150) if dark else (sum(background) > 700)
    # the carbon (orange) and water (blue) bars are drawn: thousands of their pixels
    pixels = np.asarray(rgb, dtype=int)
    assert _near(pixels, ORANGE) > 5000
    assert _near(pixels, BLUE) > 5000


@pytest.fixture(scope="module")
def deferral_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rebalancing report of the eGLB benchmark with deferrable load."""
    tmp = tmp_path_factory.mktemp("deferral")
    runner = CliRunner()
    result = tmp / "r.json"
    args = ["--mask", "partial", "--deferrable", "0.3", "--max-delay", "4", "-o", str(result)]
    res = runner.invoke(app, ["rebalance", str(EGLB), *args])
    assert res.exit_code == 0, res.output
    page = tmp / "r.html"
    res = runner.invoke(app, ["report", str(result), "-o", str(page)])
    assert res.exit_code == 0, res.output
    return page


def test_time_shift_chart_is_rendered(deferral_report: Path, tmp_path: Path) -> None:
    """The time-shift chart is in the rendered DOM with its three series and laid out
    with a size; the page logs nothing."""
    probe = (
        "<script>const f = document.getElementById('chart-time_shift_eglb');"
        "const r = f ? f.querySelector('svg').getBoundingClientRect() : {width: -1, height: -1};"
        "const p = document.createElement('pre'); p.id = 'probe';"
        "p.textContent = Math.round(r.width) + ' ' + Math.round(r.height);"
        "document.body.appendChild(p);</script>"
    )
    copy = tmp_path / "probed.html"
    copy.write_text(
        deferral_report.read_text(encoding="utf-8").replace("</body>", probe + "</body>")
    )
    run = chromium(tmp_path, "--window-size=1200,900", "--dump-dom", copy.as_uri())
    assert console_messages(run.stderr) == []
    dom = run.stdout
    section = re.search(r'<section id="time-shift">(.*?)</section>', dom, re.S)
    assert section, "no time-shift section in the DOM"
    figure = re.search(
        r'<figure class="chart" id="chart-time_shift_eglb">(.*?)</figure>', dom, re.S
    )
    assert figure and "<svg " in figure[1]
    for label in ("arriving", "served", "waiting"):
        assert f">{label}<" in figure[1] or f"{label}</" in figure[1], label
    found = re.search(r'<pre id="probe">(\d+) (\d+)</pre>', dom)
    assert found, dom[-2000:]
    assert int(found[1]) >= 300 and int(found[2]) >= 150
