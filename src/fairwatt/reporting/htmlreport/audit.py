"""The sections of an audit's report, from an :class:`~fairwatt.reporting.results.AuditResult`.

Headline totals and period; per-region bars of each footprint (total and per kWh, the
health range as error bars); Lorenz curves with Gini and max/mean; a region x time
heatmap when the audit is grouped by hour, day or month; the provenance of every
factor; notes and caveats; how to reproduce it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from fairwatt.reporting.htmlreport import page
from fairwatt.reporting.htmlreport.charts import Chart
from fairwatt.reporting.htmlreport.page import Section

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.results import AuditResult

#: footprint -> (column, low column, high column)
COLUMNS = {
    "carbon": ("carbon_kg", None, None),
    "water": ("water_l", None, None),
    "health": ("health_usd", "health_low_usd", "health_high_usd"),
}
_TIME_KEYS = ("hour", "day", "month")
#: most time columns a heatmap shows; longer series are summed to days, then weeks
MAX_HEATMAP_COLUMNS = 800


def region_key(result: AuditResult) -> str | None:
    """The grouping key that names regions: ``zone``, else ``site``, else ``None``."""
    return next((k for k in ("zone", "site") if k in result.by), None)


def footprint_columns(result: AuditResult) -> dict[str, str]:
    """footprint -> its column in the audit table, for the footprints it has."""
    return {
        f: COLUMNS[f][0]
        for f in result.footprints
        if f in COLUMNS and COLUMNS[f][0] in result.table.columns
    }


def _unit(result: AuditResult, column: str) -> str:
    return str(result.units.get(column, ""))


def region_totals(result: AuditResult) -> pd.DataFrame:
    """The audit table summed per region (numeric columns only)."""
    key = region_key(result)
    if key is None:
        raise ValueError("the audit has no region grouping")
    numeric = result.table.select_dtypes("number")
    return numeric.groupby(result.table[key], sort=True).sum()


# --------------------------------------------------------------------------- sections


def headline_section(result: AuditResult) -> Section:
    items = []
    if result.period_start is not None and result.period_end is not None:
        items.append(("period (UTC)", _period(result)))
    items.append(("log records", page.number(result.records)))
    for col in ("energy_kwh", "facility_energy_kwh"):
        if col in result.totals:
            label = "IT energy" if col == "energy_kwh" else "facility energy"
            items.append((label, f"{page.number(result.totals[col])} {_unit(result, col)}"))
    for f, col in footprint_columns(result).items():
        items.append((f, f"{page.number(result.totals[col])} {_unit(result, col)}"))
    key = region_key(result)
    if key is not None:
        items.append((f"{key}s", page.number(result.table[key].nunique())))
    totals = result.totals.rename("total").rename_axis("column").reset_index()
    totals["unit"] = [_unit(result, c) for c in totals["column"]]
    blocks: list[Chart | str] = [
        page.headline(items),
        page.paragraph(
            f"Audit of {', '.join(result.inputs) or 'a table'} grouped by "
            f"{', '.join(result.by)}; footprints: {', '.join(result.footprints)}."
        ),
        page.table_html(totals),
    ]
    return Section("headline", "Headline totals", blocks)


def _period(result: AuditResult) -> str:
    start, end = result.period_start, result.period_end
    assert start is not None and end is not None
    hours = int((end - start).total_seconds() // 3600)
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({hours:,} h)"


def region_charts(result: AuditResult) -> list[Chart]:
    """One chart per footprint: per-region total and per-kWh bars, largest on top."""
    import numpy as np
    import pandas as pd

    key = region_key(result)
    if key is None:
        return []
    sums = region_totals(result)
    energy = sums.get("energy_kwh")
    charts = []
    for f, col in footprint_columns(result).items():
        _, lo, hi = COLUMNS[f]
        frame = pd.DataFrame({"value": sums[col]})
        if energy is not None:
            frame["per_kwh"] = sums[col] / energy.replace(0, np.nan)
        else:
            frame["per_kwh"] = np.nan
        if lo in sums and hi in sums:
            frame["low"], frame["high"] = sums[lo], sums[hi]
            frame["low_per_kwh"] = frame["low"] / energy if energy is not None else np.nan
            frame["high_per_kwh"] = frame["high"] / energy if energy is not None else np.nan
        frame = frame.sort_values("value", ascending=False, kind="stable")
        unit = _unit(result, col)
        from fairwatt.reporting.htmlreport.figures import region_bars

        fig = region_bars(frame, footprint=f, region=key, unit=unit, per_kwh_unit=f"{unit}/kWh")
        worst = frame.index[0]
        share = frame["value"].iloc[0] / frame["value"].sum() if frame["value"].sum() else np.nan
        caption = (
            f"{f.capitalize()} footprint by {key} [{unit}], left, and per kWh of IT energy "
            f"[{unit}/kWh], right; sorted by total burden. {worst} bears the most: "
            f"{page.number(frame['value'].iloc[0])} {unit}, {share:.0%} of the total."
        )
        if "low" in frame:
            caption += " Error bars span the low to high health damage estimates."
        table = frame.rename_axis(key).reset_index()
        table.columns = [key, *(_table_name(c, col, unit) for c in frame.columns)]
        charts.append(Chart(f"{f}_by_{key}", f"{f.capitalize()} by {key}", caption, fig, table))
    return charts


def _table_name(name: str, col: str, unit: str) -> str:
    base = col.removesuffix("_usd").removesuffix("_kg").removesuffix("_l")
    return {
        "value": f"{col} [{unit}]",
        "per_kwh": f"{base}_per_kwh [{unit}/kWh]",
        "low": f"{base}_low [{unit}]",
        "high": f"{base}_high [{unit}]",
        "low_per_kwh": f"{base}_low_per_kwh [{unit}/kWh]",
        "high_per_kwh": f"{base}_high_per_kwh [{unit}/kWh]",
    }[name]


def indices(result: AuditResult, values: pd.DataFrame) -> pd.DataFrame:
    """Gini and max/mean of each column of ``values`` (one row per region): the audit's
    own equity table where it has them, else computed here (population Gini)."""
    import pandas as pd

    from fairwatt.footprint_models.equity import gini, max_to_mean

    rows = {}
    for col in values.columns:
        eq = result.equity
        if eq is not None and col in eq.columns and {"gini", "max_to_mean"} <= set(eq.index):
            rows[col] = {"gini": eq.at["gini", col], "max_to_mean": eq.at["max_to_mean", col]}
        else:
            x = values[col].to_numpy(float)
            rows[col] = {"gini": gini(x), "max_to_mean": max_to_mean(x)}
    return pd.DataFrame.from_dict(rows, orient="index")


def lorenz_chart(result: AuditResult) -> Chart | None:
    """Lorenz curves of every footprint across regions, with Gini and max/mean."""
    import numpy as np
    import pandas as pd

    from fairwatt.reporting.htmlreport.figures import lorenz

    key = region_key(result)
    cols = footprint_columns(result)
    if key is None or not cols:
        return None
    sums = region_totals(result)[list(cols.values())]
    if len(sums) < 2:
        return None
    idx = indices(result, sums)
    gini_of = {str(k): float(v) for k, v in idx["gini"].to_dict().items()}
    mm_of = {str(k): float(v) for k, v in idx["max_to_mean"].to_dict().items()}
    fig = lorenz({f: sums[c] for f, c in cols.items()}, region=key)
    parts = [f"{f}: Gini {gini_of[c]:.3f}, max/mean {mm_of[c]:.2f}" for f, c in cols.items()]
    caption = (
        f"Lorenz curves across {len(sums)} {key}s: the {key}s ordered from least to most "
        f"burdened; the further below the dotted line of equality, the more unequal. "
        + "; ".join(parts)
        + "."
    )
    rows = []
    for f, c in cols.items():
        x = np.sort(sums[c].to_numpy(float))
        total = x.sum()
        cum = np.cumsum(x) / total if total > 0 else np.full(len(x), np.nan)
        for i, share in enumerate(cum, start=1):
            rows.append(
                {"footprint": f, f"share of {key}s": i / len(x), "share of footprint": share}
            )
    table = pd.DataFrame(rows)
    return Chart("lorenz", "Lorenz curves", caption, fig, table)


def heatmap_charts(result: AuditResult) -> list[Chart]:
    """A region x time heatmap per footprint, when the audit is grouped by time."""
    key = region_key(result)
    time = next((k for k in _TIME_KEYS if k in result.by), None)
    if key is None or time is None:
        return []
    charts = []
    for f, col in footprint_columns(result).items():
        charts.append(_heatmap(result, f, col, key, time))
    return charts


def _heatmap(result: AuditResult, f: str, col: str, key: str, time: str) -> Chart:
    import pandas as pd

    from fairwatt.reporting.htmlreport.figures import heatmap

    table = result.table
    matrix = table.pivot_table(index=key, columns=time, values=col, aggfunc="sum")
    step = time
    for coarser, rule in (("day", "D"), ("week", "W-MON")):
        if matrix.shape[1] <= MAX_HEATMAP_COLUMNS or time == "month":
            break
        matrix = matrix.T.resample(rule, label="left", closed="left").sum(min_count=1).T
        step = coarser
    order = matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index
    matrix = matrix.loc[order]
    unit = _unit(result, col)
    fig = heatmap(matrix, label=f"{f} [{unit} per {step}]", time_label=f"{step} (UTC)")
    caption = (
        f"{f.capitalize()} footprint [{unit}] of each {key} (rows, most burdened on top) "
        f"per {step} (columns, UTC); darker is less, yellow is more (cividis colour map)."
    )
    if step != time:
        caption += (
            f" The audit is per {time}; to keep the report small, its "
            f"{table[time].nunique():,} {time}s are summed per {step} here."
        )
    peak_at = matrix.idxmax(axis=1)
    numbers = pd.DataFrame(
        {
            key: matrix.index,
            f"total [{unit}]": matrix.sum(axis=1).to_numpy(),
            f"mean per {step} [{unit}]": matrix.mean(axis=1).to_numpy(),
            f"peak {step} [{unit}]": matrix.max(axis=1).to_numpy(),
            f"peak {step} (UTC)": [
                t.isoformat() if isinstance(t, pd.Timestamp) else str(t) for t in peak_at
            ],
        }
    )
    caption += f" The table gives each {key}'s total, mean and peak; every value is in the audit."
    return Chart(f"{f}_heatmap", f"{f.capitalize()} by {key} and {step}", caption, fig, numbers)


def timeline_charts(result: AuditResult) -> list[Chart]:
    """Each footprint over time, when the audit is grouped by time but not by region."""
    import pandas as pd

    from fairwatt.reporting.htmlreport.figures import time_series

    time = next((k for k in _TIME_KEYS if k in result.by), None)
    if region_key(result) is not None or time is None:
        return []
    charts = []
    for f, col in footprint_columns(result).items():
        series = result.table.groupby(time, sort=True)[col].sum()
        unit = _unit(result, col)
        fig = time_series(
            series, footprint=f, label=f"{f} [{unit} per {time}]", time_label=f"{time} (UTC)"
        )
        peak = series.idxmax()
        when = peak.isoformat() if isinstance(peak, pd.Timestamp) else str(peak)
        caption = (
            f"{f.capitalize()} footprint of the whole fleet per {time} [{unit}], UTC; the "
            f"peak, {page.number(series.max())} {unit}, is at {when}. Group the audit by zone "
            "as well (--by zone,hour) for the regional charts."
        )
        table = series.rename(f"{col} [{unit}]").reset_index()
        charts.append(Chart(f"{f}_over_time", f"{f.capitalize()} per {time}", caption, fig, table))
    return charts


def provenance_table(result: AuditResult) -> pd.DataFrame:
    """One row per (factor, dataset, version, year, kind, licence) with its keys."""
    import pandas as pd

    rows: dict[tuple[str, ...], list[str]] = {}
    for p in result.provenance:
        if "sites" in p:
            continue
        fields = ("factor", "dataset", "version", "year", "resolution", "kind", "licence")
        ident = (
            *("" if p.get(k) is None else str(p.get(k)) for k in fields),
            "yes" if p.get("fallback") else "no",
        )
        rows.setdefault(ident, []).append(str(p.get("key", "")))
    cols = ["factor", "dataset", "version", "year", "resolution", "kind", "licence", "fallback"]
    df = pd.DataFrame([list(k) for k in rows], columns=cols)
    df["keys"] = [", ".join(sorted(set(v))) for v in rows.values()]
    return df


def site_table(result: AuditResult) -> pd.DataFrame | None:
    import pandas as pd

    for p in result.provenance:
        if "sites" in p:
            return pd.DataFrame(p["sites"])
    return None


def caveats(result: AuditResult) -> list[str]:
    """Caveats a reader must know: mixed carbon bases, fallbacks, placeholder values."""
    out: list[str] = []
    kinds = {
        str(p.get("kind"))
        for p in result.provenance
        if p.get("factor") == "carbon_g_per_kwh" and p.get("kind")
    }
    if len(kinds) > 1:
        out.append(
            "Carbon factors of different bases are mixed in this audit: "
            + "; ".join(sorted(kinds))
            + ". Regions are not strictly comparable."
        )
    fallbacks = [p for p in result.provenance if p.get("fallback")]
    if fallbacks:
        keys = sorted({f"{p.get('factor')} {p.get('key')}" for p in fallbacks})
        out.append("Fallback factors were used for: " + ", ".join(keys) + ".")
    sites = site_table(result)
    if sites is not None:
        for what in ("wue", "pue"):
            col = f"{what}_source"
            if col in sites:
                hit = sites[sites[col].astype(str).str.contains("placeholder", case=False)]
                if len(hit):
                    out.append(
                        f"{len(hit)} site(s) use a placeholder {what.upper()} "
                        f"({', '.join(map(str, hit['site']))}): {hit[col].iloc[0]}."
                    )
    return out


def provenance_section(result: AuditResult) -> Section:
    blocks: list[Chart | str] = [
        page.paragraph("Where every factor came from (one row per dataset and version)."),
        page.table_html(provenance_table(result)),
    ]
    sites = site_table(result)
    if sites is not None:
        blocks.append(page.paragraph("Sites: PUE and on-site WUE, and their sources."))
        blocks.append(page.table_html(sites))
    return Section("provenance", "Provenance", blocks)


def notes_section(result: AuditResult) -> Section:
    items = caveats(result) + list(result.notes)
    blocks: list[Chart | str] = [page.bullet_list(items) if items else page.paragraph("None.")]
    return Section("notes", "Notes and caveats", blocks)


def command(result: AuditResult, extra: dict[str, Any] | None = None) -> str:
    """The ``fairwatt audit`` command line that computes this result again."""
    recorded = (extra or {}).get("command")
    if isinstance(recorded, str) and recorded:
        return recorded
    if isinstance(recorded, list) and recorded:
        return shlex.join(str(a) for a in recorded)
    o = result.options
    args = ["fairwatt", "audit", *result.inputs, "--by", ",".join(result.by)]
    args += ["--footprints", ",".join(result.footprints)]
    if o.get("interval_s"):
        args += ["--interval", f"{o['interval_s']:g}s"]
    # the options that change the result, where they differ from their default
    for opt, key, default in (
        ("--energy-unit", "energy_unit", "kWh"),
        ("--tz", "tz", None),
        ("--fallback", "fallback", None),
        ("--factors-from", "factors_from", None),
        ("--water-model", "water_model", "split"),
        ("--duplicates", "duplicates", "error"),
        ("--carbon-basis", "carbon_basis", "lifecycle"),
    ):
        if o.get(key) not in (None, "", default):
            args += [opt, str(o[key])]
    for opt, key in (
        ("--dataset", "datasets"),
        ("--factors", "factor_files"),
        ("--sites", "site_files"),
    ):
        for v in o.get(key) or []:
            args += [opt, str(v)]
    return shlex.join(args)


def reproduce_section(result: AuditResult, extra: dict[str, Any] | None = None) -> Section:
    blocks: list[Chart | str] = [
        page.paragraph(
            f"Computed by fairwatt {result.fairwatt_version or '(unknown version)'}"
            + (f" at {result.generated_at}" if result.generated_at else "")
            + ". To compute it again:"
        ),
        page.code_block(command(result, extra)),
    ]
    return Section("reproduce", "How to reproduce", blocks)


def audit_sections(result: AuditResult, extra: dict[str, Any] | None = None) -> list[Section]:
    """Every section of an audit's report, in order (charts drawn here)."""
    from fairwatt.reporting.htmlreport.charts import style

    with style():
        bars = region_charts(result)
        lorenz = lorenz_chart(result)
        heat = heatmap_charts(result) or timeline_charts(result)
    sections = [headline_section(result)]
    if bars:
        sections.append(Section("regions", "Footprint by region", list(bars)))
    if lorenz is not None:
        sections.append(Section("inequity", "How unequal: Lorenz curves", [lorenz]))
    if heat:
        sections.append(Section("over-time", "Over time: heatmaps", list(heat)))
    sections += [provenance_section(result), notes_section(result)]
    sections.append(reproduce_section(result, extra))
    return sections
