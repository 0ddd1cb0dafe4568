"""The kinds of figure a report draws, each from a small table.

Each function takes the numbers to draw (a Series or DataFrame, already in the units to
show) and returns a matplotlib figure; they are called inside
:func:`fairwatt.reporting.htmlreport.charts.style`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairwatt.reporting.htmlreport.charts import (
    FOREGROUND,
    OKABE_ITO,
    colour_of,
    new_figure,
    series_style,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

_WIDTH = 7.5


def _thousands(x: float, _pos: int | None = None) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}"


def _separate_thousands(*axes: Any) -> None:
    """Tick labels such as 12,500 instead of 12500."""
    from matplotlib.ticker import FuncFormatter

    for axis in axes:
        axis.set_major_formatter(FuncFormatter(_thousands))


def _bar_height(n: float) -> float:
    return min(1.6 + 0.26 * n, 14.0)


def region_bars(
    totals: pd.DataFrame,
    *,
    footprint: str,
    region: str,
    unit: str,
    per_kwh_unit: str,
) -> Figure:
    """Horizontal bars per region, the largest burden on top: the footprint (left) and
    the footprint per kWh of IT energy (right), with low/high as error bars when
    ``totals`` has ``low``/``high`` (and ``low_per_kwh``/``high_per_kwh``) columns.

    ``totals``: one row per region, sorted by burden (largest first), columns
    ``value``, ``per_kwh`` [, ``low``, ``high``, ``low_per_kwh``, ``high_per_kwh``].
    """
    import numpy as np

    fig, (left, right) = new_figure(_WIDTH, _bar_height(len(totals)), ncols=2, sharey=True)
    y = np.arange(len(totals))
    labels = [str(r) for r in totals.index]
    colour = colour_of(footprint, 0)
    for ax, col, u in ((left, "value", unit), (right, "per_kwh", per_kwh_unit)):
        err = None
        suffix = "" if col == "value" else "_per_kwh"
        if f"low{suffix}" in totals and f"high{suffix}" in totals:
            v = totals[col].to_numpy(float)
            lo = totals[f"low{suffix}"].to_numpy(float)
            hi = totals[f"high{suffix}"].to_numpy(float)
            err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
        ax.barh(y, totals[col].to_numpy(float), color=colour, xerr=err, ecolor=FOREGROUND)
        ax.set_xlabel(f"{footprint} [{u}]")
        _separate_thousands(ax.xaxis)
        ax.grid(axis="x")
        ax.set_axisbelow(True)
    left.set_yticks(y, labels)
    left.invert_yaxis()
    left.set_ylabel(region)
    left.set_title("total", loc="left", fontsize=10)
    right.set_title("per kWh of IT energy", loc="left", fontsize=10)
    return fig


def lorenz(shares: dict[str, pd.Series], *, region: str) -> Figure:
    """Lorenz curves: cumulative share of regions (poorest first) against cumulative
    share of each footprint, with the line of equality."""
    import numpy as np

    fig, ax = new_figure(5.2, 4.6)
    ax.plot([0, 1], [0, 1], color=FOREGROUND, linestyle=":", linewidth=1, label="equality")
    markers = "osD^v<>"
    for i, (name, values) in enumerate(shares.items()):
        x = np.sort(values.to_numpy(float))
        total = x.sum()
        cum = np.concatenate([[0.0], np.cumsum(x) / total]) if total > 0 else None
        if cum is None:
            continue
        p = np.linspace(0, 1, len(cum))
        ax.plot(p, cum, color=colour_of(name, i), marker=markers[i % 7], markersize=4, label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(f"cumulative share of {region}s (least burdened first)")
    ax.set_ylabel("cumulative share of the footprint")
    ax.grid(True)
    ax.legend(loc="upper left")
    return fig


def heatmap(matrix: pd.DataFrame, *, label: str, time_label: str) -> Figure:
    """Regions (rows) by time (columns): colour is the footprint; cividis colour map."""
    import numpy as np

    n = len(matrix)
    fig, ax = new_figure(_WIDTH, min(1.8 + 0.22 * n, 12.0))
    data = matrix.to_numpy(float)
    image = ax.imshow(
        np.ma.masked_invalid(data), aspect="auto", interpolation="nearest", cmap="cividis"
    )
    ax.set_yticks(np.arange(n), [str(r) for r in matrix.index])
    ticks, labels = _time_ticks(matrix.columns)
    ax.set_xticks(ticks, labels, rotation=30, ha="right")
    ax.set_xlabel(time_label)
    ax.spines[["left", "bottom"]].set_visible(False)
    fig.colorbar(image, ax=ax, label=label, shrink=0.9)
    return fig


def _time_ticks(times: pd.Index) -> tuple[list[int], list[str]]:
    """At most 8 tick positions over ``times`` and their labels: midnights (dates)
    when the columns are times that have them, else evenly spaced columns."""
    import math

    import numpy as np
    import pandas as pd

    if isinstance(times, pd.DatetimeIndex):
        midnights = np.flatnonzero((times.hour == 0) & (times.minute == 0))
        if len(midnights) >= 2:
            chosen = midnights[:: max(1, math.ceil(len(midnights) / 8))]
            return [int(i) for i in chosen], [f"{times[i]:%Y-%m-%d}" for i in chosen]
    spread = np.linspace(0, len(times) - 1, min(len(times), 8)).round().astype(int)
    chosen = np.unique(spread)
    return [int(i) for i in chosen], [_time_label(times[i]) for i in chosen]


def _time_label(t: object) -> str:
    import pandas as pd

    if isinstance(t, pd.Timestamp):
        return t.strftime("%Y-%m-%d %H:%M") if (t.hour or t.minute) else t.strftime("%Y-%m-%d")
    return str(t)


def grouped_bars(values: pd.DataFrame, *, xlabel: str, ylabel: str) -> Figure:
    """Horizontal bars of each row (a site) for each column (an objective), side by side;
    the first column (the baseline) first."""
    import numpy as np

    n, k = values.shape
    fig, ax = new_figure(_WIDTH, _bar_height(n * max(k, 1) * 0.55 + 1))
    y = np.arange(n)
    height = 0.8 / max(k, 1)
    for j, col in enumerate(values.columns):
        st = series_style(j)
        ax.barh(
            y - 0.4 + height * (j + 0.5),
            values[col].to_numpy(float),
            height=height,
            color=st["color"],
            hatch=st["hatch"] or ("//" if j else ""),
            edgecolor=FOREGROUND,
            linewidth=0.4,
            label=str(col),
        )
    ax.set_yticks(y, [str(i) for i in values.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _separate_thousands(ax.xaxis)
    ax.grid(axis="x")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right")
    return fig


def index_bars(max_to_mean: pd.DataFrame, gini: pd.DataFrame) -> Figure:
    """Max/mean (left) and Gini (right) of each footprint (bars) for each objective."""
    import numpy as np

    fig, axes = new_figure(_WIDTH, 3.4, ncols=2)
    for ax, table, title in ((axes[0], max_to_mean, "max/mean"), (axes[1], gini, "Gini")):
        x = np.arange(len(table))
        k = len(table.columns)
        width = 0.8 / max(k, 1)
        for j, name in enumerate(table.columns):
            ax.bar(
                x - 0.4 + width * (j + 0.5),
                table[name].to_numpy(float),
                width=width,
                color=colour_of(str(name), j),
                hatch=("", "//", "..")[j % 3],
                edgecolor=FOREGROUND,
                linewidth=0.4,
                label=str(name),
            )
        ax.set_xticks(x, [str(i) for i in table.index], rotation=20, ha="right")
        ax.set_title(title, loc="left", fontsize=10)
        ax.grid(axis="y")
        ax.set_axisbelow(True)
    axes[0].axhline(1.0, color=FOREGROUND, linewidth=0.8, linestyle=":")
    axes[1].legend(loc="upper right")
    return fig


def frontier(
    points: pd.DataFrame,
    *,
    x: str,
    y: str,
    xlabel: str,
    ylabel: str,
    marked: dict[str, tuple[float, float]],
) -> Figure:
    """The cost–equity frontier: worst-region footprint against cost, one marker per
    point of the sweep, joined in sweep order; ``marked`` points labelled."""
    fig, ax = new_figure(6.5, 4.4)
    ax.plot(
        points[x].to_numpy(float),
        points[y].to_numpy(float),
        color=colour_of("water", 0),
        marker="o",
        markersize=5,
        label="sweep",
    )
    markers = ("*", "s", "D", "^")
    for i, (name, (px, py)) in enumerate(marked.items()):
        ax.plot(
            [px],
            [py],
            linestyle="none",
            marker=markers[i % 4],
            markersize=13 if i == 0 else 8,
            color=colour_of("cost", 0) if i == 0 else colour_of("", 0),
            markeredgecolor=FOREGROUND,
            label=name,
        )
        ax.annotate(name, (px, py), xytext=(6, 6), textcoords="offset points")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _separate_thousands(ax.xaxis, ax.yaxis)
    ax.grid(True)
    ax.legend(loc="upper right")
    return fig


def stacked_area(series: pd.DataFrame, *, ylabel: str) -> Figure:
    """Hourly energy per site, stacked (one band per column, in column order)."""

    import pandas as pd
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    fig, ax = new_figure(_WIDTH, 3.8)
    index = series.index
    timed = isinstance(index, pd.DatetimeIndex)
    x = index.tz_localize(None) if isinstance(index, pd.DatetimeIndex) and index.tz else index
    styles = [series_style(i) for i in range(len(series.columns))]
    bands = ax.stackplot(
        x,
        series.to_numpy(float).T,
        labels=[str(c) for c in series.columns],
        colors=[s["color"] for s in styles],
        linewidth=0,
    )
    for band, st in zip(bands, styles, strict=True):
        band.set_hatch(st["hatch"])
    ax.set_ylabel(ylabel)
    ax.set_xlabel("hour (UTC)")
    ax.margins(x=0)
    ax.grid(axis="y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if timed:
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    else:
        ax.set_xlabel("hour")
    return fig


def time_series(values: pd.Series, *, footprint: str, label: str, time_label: str) -> Figure:
    """A footprint over time, as a line (one point per time step)."""
    import pandas as pd
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    fig, ax = new_figure(_WIDTH, 3.2)
    index = values.index
    x = index.tz_localize(None) if isinstance(index, pd.DatetimeIndex) and index.tz else index
    ax.plot(x, values.to_numpy(float), color=colour_of(footprint, 0), linewidth=1.2)
    ax.set_ylabel(label)
    ax.set_xlabel(time_label)
    ax.set_ylim(bottom=0)
    ax.margins(x=0)
    ax.grid(True)
    _separate_thousands(ax.yaxis)
    if isinstance(index, pd.DatetimeIndex):
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return fig


def time_shift(
    arriving: pd.Series,
    served: pd.Series,
    backlog: pd.Series,
    *,
    ylabel: str,
    backlog_label: str,
    xlabel: str,
) -> Figure:
    """Energy arriving against energy served per time step (top, as steps) and the
    backlog still waiting at the end of each step (bottom, shaded)."""
    import pandas as pd
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_WIDTH, 4.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
    index = arriving.index
    x = index.tz_localize(None) if isinstance(index, pd.DatetimeIndex) and index.tz else index
    for values, colour, label in (
        (arriving, FOREGROUND, "arriving"),
        (served, OKABE_ITO[4], "served"),
    ):
        top.step(x, values.to_numpy(float), where="post", color=colour, linewidth=1.0, label=label)
    bottom.fill_between(
        x, backlog.to_numpy(float), step="post", color=OKABE_ITO[1], linewidth=0, label="waiting"
    )
    top.set_ylabel(ylabel)
    bottom.set_ylabel(backlog_label)
    bottom.set_xlabel(xlabel)
    for ax in (top, bottom):
        ax.set_ylim(bottom=0)
        ax.margins(x=0)
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        _separate_thousands(ax.yaxis)
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if isinstance(index, pd.DatetimeIndex):
        locator = AutoDateLocator()
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return fig
