"""Charts of a report, drawn with matplotlib (Agg backend, no display needed).

Every chart is a :class:`Chart`: a matplotlib figure, its caption, and the table of the
numbers it shows. :func:`svg_text` renders a figure as deterministic SVG (fixed hash
salt, no creation date, text kept as text so that it stays selectable and searchable);
:func:`png_bytes` as PNG. matplotlib is imported by the functions, never at module
import, so that the command line starts fast.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, *Color Universal Design*), told
apart by people with any common colour-vision deficiency; the heatmap uses *cividis*
(Nuñez, Anderton & Renslow 2018, PLOS ONE 13(7): e0199239), a colour map designed to be
read the same with and without deuteranomaly.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: Okabe–Ito colours, black left out (it is the text colour)
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
)
#: the colour of each footprint wherever it is drawn
FOOTPRINT_COLOURS = {
    "carbon": "#E69F00",
    "water": "#0072B2",
    "health": "#CC79A7",
    "energy": "#009E73",
    "cost": "#D55E00",
}
#: text, axes and ticks; the page's dark style swaps it for a light grey (see page.py)
FOREGROUND = "#222222"
#: hatches that tell series apart where colours repeat (more series than colours)
HATCHES = ("", "//", "..", "xx", "\\\\", "oo")
_SALT = "fairwatt"
_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": _SALT,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.color": FOREGROUND,
    "axes.labelcolor": FOREGROUND,
    "axes.edgecolor": FOREGROUND,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "xtick.color": FOREGROUND,
    "ytick.color": FOREGROUND,
    "grid.color": "#999999",
    "grid.alpha": 0.4,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": None,  # set in _rc() from OKABE_ITO
    "legend.frameon": False,
    "hatch.color": FOREGROUND,
    "errorbar.capsize": 3,
}


@dataclass
class Chart:
    """One chart of a report.

    Attributes
    ----------
    name
        File name stem for the figure export (``carbon_by_zone``), unique in a report.
    title
        The chart's heading.
    caption
        What the chart shows, its units and what to read from it (plain text).
    figure
        The matplotlib figure.
    table
        The numbers the chart draws, shown under it (a text alternative).
    """

    name: str
    title: str
    caption: str
    figure: Figure
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@contextmanager
def style() -> Iterator[None]:
    """matplotlib settings of every chart (the palette, text as text), for the duration
    of the block only.

    Figures are :class:`matplotlib.figure.Figure` objects never registered with pyplot,
    rendered by the Agg (PNG) and SVG canvases: no display is needed and the caller's
    backend (e.g. a notebook's) is left alone.
    """
    from cycler import cycler
    from matplotlib import rc_context

    rc: Any = {**_RC, "axes.prop_cycle": cycler(color=OKABE_ITO)}
    with rc_context(rc):
        yield


def new_figure(width: float, height: float, ncols: int = 1, **kw: Any) -> tuple[Figure, Any]:
    """A figure of ``width`` x ``height`` inches with ``ncols`` axes (not registered with
    pyplot, so nothing needs closing)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, **kw)
    return fig, axes


_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_SIZE = re.compile(r'<svg ([^>]*?)width="([0-9.]+)pt" height="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def svg_text(fig: Figure, *, prefix: str = "") -> str:
    """The figure as an SVG document (text as ``<text>``, no date, fixed hash salt).

    With ``prefix`` the result is for inlining in HTML: no XML prolog or metadata, no
    fixed size (it scales with the page), and every ``id`` (and reference to it)
    prefixed so that several charts in one page do not share ids.
    """
    buf = io.StringIO()
    with style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    if not prefix:
        return text
    text = _METADATA.sub("", _XML_HEAD.sub("", text, count=1), count=1)
    # scale with the page, up to the drawn size (1 pt = 4/3 CSS px)
    text = _SIZE.sub(r'<svg \1style="max-width: \2pt"', text, count=1)
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)


def png_bytes(fig: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG, on a white background (for papers and slides)."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def colour_of(name: str, i: int) -> str:
    """The colour of series ``name`` (a footprint's own colour) or of the ``i``-th one."""
    return FOOTPRINT_COLOURS.get(name, OKABE_ITO[i % len(OKABE_ITO)])


def series_style(i: int) -> dict[str, str]:
    """Face colour and hatch of the ``i``-th of many series (hatches once colours repeat)."""
    n = len(OKABE_ITO)
    return {"color": OKABE_ITO[i % n], "hatch": HATCHES[(i // n) % len(HATCHES)]}
