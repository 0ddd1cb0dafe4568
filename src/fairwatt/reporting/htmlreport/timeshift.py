"""The time-shift section of a rebalancing report: deferrable load moved in time.

Shown only when the result has deferrable load (its ``deferral`` table): a chart of
the energy arriving against the energy served per hour under the chosen objective,
with the backlog still waiting, its numbers, and the deferred energy and delays of
every objective. Units are read from the result (its ``units`` map, else the column
names), not assumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairwatt.reporting.htmlreport import page
from fairwatt.reporting.htmlreport.charts import Chart
from fairwatt.reporting.htmlreport.page import Section

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.htmlreport.rebalance import RebalanceView

#: most time steps the chart and its table show; longer profiles are summed per day
MAX_STEPS = 800

#: the quantities of the two tables, by the start of their column names
_SHIFT = ("arriving", "served", "backlog")
_DEFERRAL = ("deferrable", "deferred", "mean_delay", "max_delay")


def _column(df: pd.DataFrame, stem: str) -> str | None:
    """The column ``<stem>_<unit>`` of ``df`` (``deferred_mwh``, not ``deferred_pct``)."""
    return next(
        (c for c in df.columns if str(c).startswith(f"{stem}_") and not str(c).endswith("_pct")),
        None,
    )


def column_unit(view: RebalanceView, column: str) -> str:
    """The unit of ``column``: the result's units map, else what the name implies
    (``served_mwh`` -> MWh, ``mean_delay_h`` -> h), else the energy family's unit."""
    from fairwatt.reporting.document import unit_of_column

    units: dict[str, Any] = dict(view.result.metadata.get("units") or {})
    if column in units:
        return str(units[column])
    implied = unit_of_column(column)
    if implied is not None:
        return implied
    if column.endswith("_h"):
        return "h"
    return str(units.get("energy", column.rsplit("_", 1)[-1]))


def _hours(values: pd.Series) -> pd.Series:
    """Hours as UTC times when they are times (ISO 8601 text in a JSON file)."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    try:
        return pd.to_datetime(values, format="ISO8601", utc=True)
    except (ValueError, TypeError):
        return values


def _profile(view: RebalanceView, shift: pd.DataFrame) -> tuple[pd.DataFrame, str] | None:
    """The chosen objective's arriving/served/backlog per hour (or per day beyond
    :data:`MAX_STEPS` hours), indexed by time, and the time step's name."""
    import pandas as pd

    cols = {q: _column(shift, q) for q in _SHIFT}
    if "objective" not in shift or "hour" not in shift or None in cols.values():
        return None
    mine = shift[shift["objective"] == view.chosen]
    if not len(mine):
        return None
    wide = mine.assign(hour=_hours(mine["hour"])).set_index("hour")[list(cols.values())]
    wide = wide.sort_index(kind="stable").astype("float64")
    wide.columns = list(_SHIFT)
    scale = float(wide.abs().to_numpy().max(initial=0.0))
    wide = wide.mask(wide.abs() <= 1e-9 * max(scale, 1.0), 0.0)  # solver noise such as 4e-13
    if len(wide) <= MAX_STEPS:
        return wide, "hour"
    how = {"arriving": "sum", "served": "sum", "backlog": "last"}
    if isinstance(wide.index, pd.DatetimeIndex):
        daily = wide.resample("D", label="left", closed="left").agg(how)
    else:
        daily = wide.groupby(wide.index.to_numpy() // 24).agg(how).rename_axis("day")
    return daily, "day"


def _deferral_row(view: RebalanceView, deferral: pd.DataFrame) -> dict[str, Any] | None:
    rows = deferral[deferral["objective"] == view.chosen] if "objective" in deferral else None
    if rows is None or not len(rows):
        return None
    return {str(k): v for k, v in rows.iloc[0].items()}


def _delays_text(view: RebalanceView, deferral: pd.DataFrame) -> str:
    """``deferred 10 MWh (33.3 % of demand), mean delay 1.5 h, max delay 2 h``."""
    row = _deferral_row(view, deferral)
    if row is None:
        return f"{view.chosen} is not in the deferral table."
    parts = []
    moved = _column(deferral, "deferred")
    if moved is not None:
        pct = row.get("deferred_pct")
        share = "" if pct is None else f" ({page.number(round(float(pct), 2))} % of demand)"
        unit = column_unit(view, moved)
        parts.append(f"deferred {page.number(row[moved])} {unit}{share}")
    for stem, label in (("mean_delay", "mean delay"), ("max_delay", "maximum delay")):
        col = _column(deferral, stem)
        if col is not None:
            value = row[col]
            shown = "none" if value != value else f"{page.number(round(float(value), 2))}"
            unit = "" if value != value else f" {column_unit(view, col)}"
            parts.append(f"{label} used {shown}{unit}")
    return f"Under {view.chosen}: " + ", ".join(parts) + "."


def _shift_chart(view: RebalanceView, shift: pd.DataFrame, deferral: pd.DataFrame) -> Chart | None:
    import pandas as pd

    from fairwatt.reporting.htmlreport.figures import time_shift

    made = _profile(view, shift)
    if made is None:
        return None
    wide, step = made
    unit = column_unit(view, str(_column(shift, "served")))
    per = f"{unit} per {step}"
    fig = time_shift(
        wide["arriving"],
        wide["served"],
        wide["backlog"],
        ylabel=f"energy [{per}]",
        backlog_label=f"backlog [{unit}]",
        xlabel=f"{step} (UTC)" if isinstance(wide.index, pd.DatetimeIndex) else step,
    )
    caption = (
        f"Energy arriving (demand) and served at all sites (the vermilion line) "
        f"per {step} under {view.chosen} [{per}], top; below, the deferrable energy "
        f"still waiting at the end of each {step} [{unit}]. Served above arriving is load "
        f"caught up from earlier {step}s. {_delays_text(view, deferral)}"
    )
    if step != "hour":
        caption += (
            f" The result is per hour; to keep the report small, its "
            f"{int((shift['objective'] == view.chosen).sum()):,} hours are summed per day "
            "here (the backlog: at the end of each day)."
        )
    table = pd.DataFrame(
        {
            step: [t.isoformat() if isinstance(t, pd.Timestamp) else t for t in wide.index],
            f"arriving [{unit}]": wide["arriving"].to_numpy(),
            f"served [{unit}]": wide["served"].to_numpy(),
            f"backlog [{unit}]": wide["backlog"].to_numpy(),
        }
    )
    title = f"Arriving and served load of {view.chosen}"
    return Chart(f"time_shift_{view.chosen}", title, caption, fig, table)


def deferral_table(view: RebalanceView, deferral: pd.DataFrame) -> pd.DataFrame:
    """The per-objective deferral table with units in its headers."""
    names: dict[str, str] = {}
    for col in deferral.columns:
        c = str(col)
        if c == "objective":
            continue
        if c == "deferred_pct":
            names[c] = "deferred [% of demand]"
            continue
        stem = next((s for s in _DEFERRAL if c.startswith(f"{s}_")), None)
        label = c if stem is None else stem.replace("_", " ")
        names[c] = f"{label} [{column_unit(view, c)}]"
    return deferral.rename(columns=names)


def time_shift_section(view: RebalanceView) -> Section | None:
    """Arriving against served load of the chosen objective, and the deferred energy
    and delays of every objective; None without deferrable load."""
    deferral = getattr(view.result, "deferral", None)
    if deferral is None or not len(deferral):
        return None
    shift = getattr(view.result, "time_shift", None)
    chart = None if shift is None or not len(shift) else _shift_chart(view, shift, deferral)
    blocks: list[Chart | str] = []
    if chart is not None:
        blocks.append(chart)
    else:
        blocks.append(
            page.paragraph(
                f"The hourly arriving and served load of {view.chosen} is not part of this "
                f"result. {_delays_text(view, deferral)}"
            )
        )
    blocks.append(
        page.paragraph(
            "Deferred energy (served after the hour it arrived) and the delays used, per "
            "objective; deferrable is the share of demand allowed to wait."
        )
    )
    blocks.append(page.table_html(deferral_table(view, deferral)))
    return Section("time-shift", "Time shift of deferrable load", blocks)
