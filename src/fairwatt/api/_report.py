"""fairwatt.report: one self-contained HTML page, and figures, of an audit or a
rebalancing result; and reading such a result back from its JSON or Parquet file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.results import AuditResult
    from fairwatt.services.rebalance_types import RebalanceResult

    Result = AuditResult | RebalanceResult

PathLike = str | os.PathLike[str]
_HINT = "give the JSON written by fairwatt audit/rebalance -o result.json"


def report(
    result: AuditResult | RebalanceResult | PathLike,
    path: PathLike | None = None,
    *,
    figures: PathLike | None = None,
    figure_formats: Sequence[str] = ("png", "svg"),
    objective: str | None = None,
    allocation: pd.DataFrame | PathLike | None = None,
    title: str | None = None,
) -> str:
    """A report people look at: one self-contained HTML page with charts.

    The page needs nothing else: the style and every chart (SVG) are inline, with no
    script and no network access, so it opens from a file or an e-mail attachment and
    prints well. Each chart has a caption and the table of its numbers; colours are
    the colour-blind-safe Okabe–Ito palette and follow the reader's light or dark
    setting.

    * An audit gets its headline totals and period, per-region bars of each footprint
      (total and per kWh, the health range as error bars), Lorenz curves with Gini and
      max/mean, a region x time heatmap when grouped by hour, day or month (summed to
      days or weeks beyond 800 columns, as the caption says), the provenance of every
      factor, notes and caveats, and the command that reproduces it.
    * A rebalancing result gets its summary, per-site bars of each footprint before
      (the baseline) and after each objective, max/mean and Gini per objective, the
      cost–equity frontier of a sweep with the chosen objective marked, the hourly
      allocation of the chosen objective as a stacked area and, with deferrable load,
      its time shift: energy arriving against energy served per hour [MWh] and the
      backlog, with the deferred energy and the mean and maximum delay used.

    Parameters
    ----------
    result : AuditResult, RebalanceResult or path
        The result, or the JSON file ``fairwatt audit/rebalance -o x.json`` wrote (or
        the Parquet file of an audit, whose metadata holds the rest of the document).
    path : path, optional
        Where to write the HTML page (atomically). Not written when omitted.
    figures : path, optional
        A folder to write every chart to as ``<name>.png`` and ``<name>.svg`` (created
        if missing), for papers and slides.
    figure_formats : sequence of {"png", "svg"}, default ("png", "svg")
        The formats written to ``figures``.
    objective : str, optional
        The objective of a rebalancing result the report focuses on (its hourly
        allocation, its point on the frontier). Default: ``eglb`` when solved, else the
        last objective.
    allocation : DataFrame or path, optional
        Hourly allocation (columns objective, hour, site, energy_kwh [kWh] or
        energy_mwh [MWh]) of a
        rebalancing result read from a file, e.g. what ``fairwatt rebalance
        --allocation alloc.csv`` wrote. A result solved in this session has its own.
    title : str, optional
        The page's title. Default: from the result.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    InputError
        The file is not a fairwatt audit or rebalancing result, the objective is not in
        it, a figure format is unknown or an output cannot be written.

    Examples
    --------
    >>> import fairwatt
    >>> result = fairwatt.audit("energy.csv", by="zone,hour")  # doctest: +SKIP
    >>> html = fairwatt.report(result, "report.html", figures="figures")  # doctest: +SKIP
    """
    from fairwatt import __version__
    from fairwatt.reporting.htmlreport import audit_page, html_document, write_figures
    from fairwatt.reporting.results import AuditResult

    bad = [f for f in figure_formats if f not in ("png", "svg")]
    if bad:
        raise InputError(f"figure format {bad[0]!r} is not known", hint="use png or svg")
    extra: dict[str, Any] = {}
    if isinstance(result, str | os.PathLike):
        result, extra = load_result(result)
    if path is not None:
        from fairwatt.io.writers import check_output_path

        check_output_path(str(path))
    if isinstance(result, AuditResult):
        subtitle, sections = audit_page(result, extra)
        default_title = "fairwatt audit report"
    else:
        subtitle, sections = _rebalance_page(result, objective, allocation, extra)
        default_title = f"fairwatt rebalancing report — {result.title}"
    text = html_document(title or default_title, subtitle, sections, __version__)
    if path is not None:
        from fairwatt.io.writers import atomic_path

        with atomic_path(str(path)) as tmp:
            tmp.write_text(text, encoding="utf-8")
    if figures is not None:
        write_figures(sections, figures, figure_formats)
    return text


def _rebalance_page(
    result: RebalanceResult,
    objective: str | None,
    allocation: pd.DataFrame | PathLike | None,
    extra: dict[str, Any],
) -> tuple[str, list[Any]]:
    from fairwatt.reporting.htmlreport.rebalance import (
        RebalanceView,
        choose_objective,
        rebalance_sections,
    )

    alloc = _allocation(result, allocation)
    view = RebalanceView(result, choose_objective(result, objective), alloc, extra)
    mask = result.metadata.get("mask")
    subtitle = f"Equity-aware load balancing of {result.title}" + (f", mask {mask}" if mask else "")
    return subtitle, rebalance_sections(view)


def _allocation(
    result: RebalanceResult, allocation: pd.DataFrame | PathLike | None
) -> pd.DataFrame | None:
    import pandas as pd

    if isinstance(allocation, pd.DataFrame):
        df = allocation
    elif allocation is not None:
        df = read_allocation(allocation)
    else:
        try:
            return result.allocation
        except InputError:
            return None
    missing = {"objective", "hour", "site"} - set(df.columns)
    if not {"energy_kwh", "energy_mwh"} & set(df.columns):
        missing.add("energy_kwh")
    if missing:
        raise InputError(
            f"the hourly allocation has no column(s) {', '.join(sorted(missing))}",
            hint="give what fairwatt rebalance --allocation FILE wrote",
        )
    hour = df["hour"]
    if not pd.api.types.is_datetime64_any_dtype(hour) and not pd.api.types.is_numeric_dtype(hour):
        try:
            df = df.assign(hour=pd.to_datetime(hour, format="ISO8601", utc=True))
        except (ValueError, TypeError):
            raise InputError(
                "the hourly allocation's hour column holds non-ISO-8601 times", column="hour"
            ) from None
    return df


def read_allocation(path: PathLike) -> pd.DataFrame:
    """The hourly allocation ``fairwatt rebalance --allocation FILE`` wrote (CSV,
    Parquet or JSON)."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise InputError("allocation file not found", file=str(p), hint="check the path")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if suffix == ".json":
            return _tables(json.loads(p.read_text(encoding="utf-8")))["allocation"]
        return pd.read_csv(p)
    except (ValueError, KeyError, OSError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(f"cannot read the hourly allocation: {first}", file=str(p)) from None


# --------------------------------------------------------------------------- reading


def load_result(source: PathLike) -> tuple[Result, dict[str, Any]]:
    """An audit or rebalancing result read back from its JSON or Parquet file.

    Reads the documents ``fairwatt audit -o x.json``, ``fairwatt rebalance -o x.json``
    and :meth:`RebalanceResult.to_json` write, and an audit's Parquet file (its schema
    metadata holds the rest of the document; totals are then the sums of its columns).
    Tables may sit at the top level of the document or under ``tables``, as lists of
    rows or as ``{"columns", "dtypes", "data"}``.

    Returns
    -------
    (result, extra)
        The typed result, and top-level fields of the document beyond it (such as
        ``command``).
    """
    from fairwatt.reporting.results import AUDIT_TITLE, AuditResult

    p = Path(source)
    if not p.is_file():
        raise InputError("result file not found", file=str(p), hint="check the path")
    doc = _read_document(p)
    extra = {k: v for k, v in doc.items() if k in ("command", "options", "generated_at")}
    if isinstance(extra.get("command"), str) and not extra["command"].startswith("fairwatt "):
        del extra["command"]  # the command's name only (``audit``), not its command line
    title = str(doc.get("title", ""))
    if doc.get("schema") == "fairwatt.rebalance":
        from fairwatt.services.rebalance_types import RebalanceResult

        return RebalanceResult.from_json(p), extra
    if p.suffix.lower() == ".json":
        try:
            return AuditResult.from_dict(doc, file=str(p)), extra
        except InputError:
            pass  # not an audit in the layout the reader knows: read it tolerantly below
    tables = _tables(doc)
    if title == AUDIT_TITLE or "footprint" in tables:
        return _audit(doc, tables, file=str(p)), extra
    if {"summary", "sites", "inequity"} <= set(tables):
        _require_columns(tables, file=str(p))
        return _rebalance(doc, tables), extra
    if title.startswith("Rebalancing"):
        raise InputError(
            "this rebalancing file holds only its main table",
            file=str(p),
            hint="write the result as JSON: fairwatt rebalance ... -o result.json",
        )
    raise InputError("not a fairwatt audit or rebalancing result", file=str(p), hint=_HINT)


def _read_document(p: Path) -> dict[str, Any]:
    """The JSON document, or a Parquet file's ``fairwatt`` metadata plus its table
    (under ``"_main"``)."""
    if p.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise InputError(f"not a readable Parquet file: {exc}", file=str(p)) from None
        raw = (table.schema.metadata or {}).get(b"fairwatt")
        if raw is None:
            raise InputError("Parquet file without fairwatt metadata", file=str(p), hint=_HINT)
        doc = dict(json.loads(raw))
        main = table.to_pandas()
        if doc.get("main_table"):  # the file holds that table only; the others are empty
            doc["tables"] = {str(doc["main_table"]): main}
        else:
            doc["_main"] = main
        return doc
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document: {exc}", file=str(p), hint=_HINT) from None
    if not isinstance(doc, dict):
        raise InputError("not a fairwatt result document", file=str(p), hint=_HINT)
    return doc


def _frame(value: Any) -> pd.DataFrame | None:
    import pandas as pd

    from fairwatt.reporting.frames import frame_from_doc

    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict) and {"columns", "data"} <= set(value):
        if "dtypes" in value:
            return frame_from_doc(value)
        return pd.DataFrame(value["data"], columns=value["columns"])
    if isinstance(value, list) and all(isinstance(r, dict) for r in value):
        return pd.DataFrame(value)
    return None


def _tables(doc: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Every table of a document: under ``tables`` or at the top level."""
    out: dict[str, pd.DataFrame] = {}
    skip = {"metadata", "details", "notes", "options", "provenance", "units", "command", "tables"}
    for name, value in doc.items():
        df = None if name in skip else _frame(value)
        if df is not None:
            out[name] = df
    for name, value in (doc.get("tables") or {}).items():
        df = _frame(value)
        if df is not None:
            out[str(name)] = df
    if "_main" in out:
        title = str(doc.get("title", ""))
        out["footprint" if title == "fairwatt audit" else "main"] = out.pop("_main")
    return out


#: the columns a rebalancing report reads, per table
_REBALANCE_COLUMNS = {
    "summary": ("objective", "cost_usd"),
    "inequity": ("objective", "footprint", "unit", "worst_site", "worst", "max_to_mean", "gini"),
    "sites": ("objective", "site"),
}


def _require_columns(tables: dict[str, pd.DataFrame], *, file: str) -> None:
    for name, columns in _REBALANCE_COLUMNS.items():
        missing = [c for c in columns if c not in tables[name].columns]
        if missing:
            raise InputError(
                f"the rebalancing result's {name} table has no column {missing[0]!r}",
                file=file,
                hint="write it again with fairwatt rebalance ... -o result.json",
            )


def _audit(doc: dict[str, Any], tables: dict[str, pd.DataFrame], *, file: str) -> AuditResult:
    """An audit from a document in a layout :meth:`AuditResult.from_json` does not read
    (a Parquet file, or fields moved to the top level)."""
    try:
        return _audit_fields(doc, tables)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(f"malformed audit document: {first}", file=file, hint=_HINT) from None


def _audit_fields(doc: dict[str, Any], tables: dict[str, pd.DataFrame]) -> AuditResult:
    import pandas as pd

    from fairwatt.reporting.results import AuditResult

    meta = dict(doc.get("details") or doc.get("metadata") or {})
    for key in ("fairwatt_version", "generated_at", "units", "provenance", "options"):
        if key in doc and key not in meta:
            meta[key] = doc[key]
    table = tables["footprint"]
    for key in ("hour", "day", "month"):
        if key in table and not pd.api.types.is_datetime64_any_dtype(table[key]):
            table[key] = pd.to_datetime(table[key], format="ISO8601", utc=True)
    units = dict(meta.get("units") or {})
    if "totals" in tables and len(tables["totals"]) == 1:
        totals = tables["totals"].iloc[0].astype("float64")
    else:
        cols = [c for c in units if c in table.columns] or list(table.select_dtypes("number"))
        totals = table[cols].sum().astype("float64")
    equity = None
    if "equity" in tables and "index" in tables["equity"]:
        equity = tables["equity"].set_index("index").astype("float64")
    period = meta.get("period") or {}
    return AuditResult(
        table=table,
        totals=totals,
        equity=equity,
        provenance=list(meta.get("provenance") or []),
        notes=[str(n) for n in doc.get("notes") or []],
        by=[str(b) for b in _listed(meta, "by") or _keys_of(table)],
        footprints=[str(f) for f in _listed(meta, "footprints") or _footprints_of(table)],
        options=dict(meta.get("options") or {}),
        inputs=[str(i) for i in meta.get("inputs") or []],
        records=int(meta.get("records") or 0),
        period_start=None if not period.get("start") else pd.Timestamp(period["start"]),
        period_end=None if not period.get("end") else pd.Timestamp(period["end"]),
        units=units,
        equity_info=dict(meta.get("equity") or {}),
        fairwatt_version=str(meta.get("fairwatt_version") or ""),
        generated_at=str(meta.get("generated_at") or ""),
    )


def _listed(meta: dict[str, Any], key: str) -> list[Any]:
    """``meta[key]`` or ``meta["options"][key]`` as a list (a comma string split)."""
    value = meta.get(key) or (meta.get("options") or {}).get(key) or []
    return value.split(",") if isinstance(value, str) else list(value)


def _keys_of(table: pd.DataFrame) -> list[str]:
    """The grouping keys a footprint table has, in fairwatt's order."""
    return [k for k in ("site", "zone", "hour", "day", "month") if k in table.columns]


def _footprints_of(table: pd.DataFrame) -> list[str]:
    from fairwatt.reporting.htmlreport.audit import COLUMNS

    return [f for f, (col, _, _) in COLUMNS.items() if col in table.columns]


def _rebalance(doc: dict[str, Any], tables: dict[str, pd.DataFrame]) -> RebalanceResult:
    """A rebalancing result from the report document ``fairwatt rebalance -o x.json``
    writes (tables summary, inequity, sites[, frontier, deferral, time_shift])."""
    from fairwatt.services.rebalance_types import RebalanceResult, units_of

    meta = dict(doc.get("details") or doc.get("metadata") or {})
    families = meta.get("units") or meta.get("unit_families") or {}
    if "units" not in meta and isinstance(doc.get("units"), dict):  # keyed by column
        meta["units"] = {**(meta.get("unit_families") or {}), **doc["units"]}
    title = str(meta.get("title") or str(doc.get("title", "")).removeprefix("Rebalancing — "))
    result = RebalanceResult(
        title=title,
        summary=tables["summary"],
        inequity=tables["inequity"],
        sites=tables["sites"],
        frontier=tables.get("frontier"),
        notes=[str(n) for n in doc.get("notes") or []],
        metadata=meta,
        options=dict(doc.get("options") or {}),
        fairwatt_version=str(doc.get("fairwatt_version") or meta.get("fairwatt_version") or ""),
        generated_at=str(doc.get("generated_at") or meta.get("generated_at") or ""),
        deferral=tables.get("deferral"),
        time_shift=tables.get("time_shift"),
        units=units_of({"units": families}),
    )
    if "allocation" in tables:
        result._allocation = tables["allocation"]
    return result
