"""The one JSON layout every command writes, and the JSON Schema that describes it.

Every ``-f json`` output (and the ``fairwatt`` key of a Parquet file's schema metadata)
is one object::

    {"schema_version": 2, "fairwatt_version": "0.1.0",
     "generated_at": "2026-01-01T12:00:00+00:00", "command": "audit",
     "title": "fairwatt audit", "options": {...},
     "tables": {"footprint": [{"site": "aws:us-east-1", "carbon_kg": 12.5}, ...], ...},
     "units": {"carbon_kg": "kgCO2e", ...},
     "provenance": [{"factor": "carbon_g_per_kwh", "dataset": "...", "source": [...]}],
     "notes": ["..."], "details": {...}, "nonfinite": [...]}

* ``tables``: name -> list of records; numbers are JSON numbers, times ISO 8601 strings,
  missing values ``null``. An infinite number is written as ``null`` too, listed in
  ``nonfinite`` (``{"table", "row", "column", "value": "inf" | "-inf"}``) and named in
  a note, so a numeric column never holds a string.
* ``units``: the unit of each column that has one, keyed by the exact column name;
  only columns present in ``tables``.
* ``provenance``: one entry per factor and data source, all of one shape (see
  :func:`normalize_provenance`).
* ``details``: what else the command knows about the run (inputs read, period, equity
  method, check counts, ...); its keys depend on the command.

The schema is ``fairwatt/schemas/output.schema.json`` (JSON Schema draft 2020-12),
returned by :func:`output_schema`; ``docs/output.md`` describes the layout.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fairwatt._version import __version__
from fairwatt.reporting.frames import plain

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.report import Report

#: Version of the common JSON layout; bump on any change a reader must know about.
OUTPUT_SCHEMA_VERSION = 2
#: The shipped JSON Schema of the layout.
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "output.schema.json"

#: keys of a report's metadata that become top-level members of the document
_TOP = ("fairwatt_version", "generated_at", "options", "units", "provenance")
#: the fields every provenance entry has (``None`` where unknown), in this order
PROVENANCE_FIELDS = ("factor", "dataset", "version", "year", "kind", "licence", "source")

#: units of columns by the end of their name, for columns without an explicit unit
_SUFFIX_UNITS = (
    ("_kwh", "kWh"),
    ("_mwh", "MWh"),
    ("_kw", "kW"),
    ("carbon_kg", "kgCO2e"),
    ("carbon_t", "tCO2e"),
    ("_kg", "kg"),
    ("_g", "g"),
    ("_m3", "m³"),
    ("_l", "L"),
    ("_usd", "US$"),
    ("_pct", "%"),
    ("_bytes", "bytes"),
    ("_hours", "h"),
    ("_seconds", "s"),
)
#: what the part after ``_per_`` of a column name divides by
_PER = {"kwh": "kWh", "mwh": "MWh", "request": "request", "weight": "unit of weight"}


def output_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every command's JSON output."""
    doc: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return doc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def unit_of_column(column: str) -> str | None:
    """The unit a column's name implies (``carbon_kg`` -> ``kgCO2e``,
    ``wue_l_per_kwh`` -> ``L/kWh``), else ``None``."""
    head, sep, per = column.rpartition("_per_")
    if sep:
        top = unit_of_column(head)
        return None if top is None or per not in _PER else f"{top}/{_PER[per]}"
    for suffix, unit in _SUFFIX_UNITS:
        if column.endswith(suffix):
            return unit
    return None


def column_units(
    given: Mapping[str, Any] | None, columns: list[str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Units keyed by exact column name, for ``columns`` only.

    ``given`` may key units by column, by a pattern (``water_*_l``) or by family
    (``carbon``); a column without a unit there gets the one its name implies. Returns
    the units and what of ``given`` names no column (kept in the document's details).
    """
    given = dict(given or {})
    units: dict[str, str] = {}
    for col in columns:
        if col in given:
            units[col] = str(given[col])
            continue
        pattern = next((k for k in given if "*" in k and fnmatch.fnmatchcase(col, k)), None)
        unit = str(given[pattern]) if pattern is not None else unit_of_column(col)
        if unit is not None:
            units[col] = unit
    used = set(columns) | {k for k in given if "*" in k}
    rest = {k: v for k, v in given.items() if k not in used}
    return units, rest


def _source_text(source: Any) -> str:
    """One source as a line of text: ``title <url>`` or whatever text it is."""
    if isinstance(source, Mapping):
        title = source.get("title") or source.get("name") or ""
        extra = [str(source[k]) for k in ("authors", "reference", "citation") if source.get(k)]
        text = ", ".join([str(title), *extra]) if title else ", ".join(extra)
        url = source.get("url")
        if url:
            text = f"{text} <{url}>" if text else str(url)
        return text or json.dumps(plain(dict(source)), sort_keys=True)
    return str(source)


def _sources(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [_source_text(v) for v in value if v not in (None, "")]
    return [_source_text(value)]


def _one_entry(entry: Mapping[str, Any], factor: Any) -> dict[str, Any]:
    out: dict[str, Any] = {k: entry.get(k) for k in PROVENANCE_FIELDS}
    out["factor"] = None if factor is None else str(factor)
    out["source"] = _sources(entry.get("source"))
    if isinstance(out["year"], list | tuple):  # a range of years: kept as "years"
        out["years"] = plain(list(out["year"]))
        out["year"] = None
    for key, value in entry.items():
        if key not in out:
            out[key] = plain(value)
    return out


def normalize_provenance(entries: Any) -> list[dict[str, Any]]:
    """Provenance entries of one shape: one factor each, with ``factor``, ``dataset``,
    ``version``, ``year``, ``kind``, ``licence`` (``None`` where unknown) and
    ``source`` (a list of strings, ``title <url>``), then any further fields.

    An entry naming several factors (``"pue, wue_l_per_kwh"`` with a ``sites`` list)
    becomes one entry per factor, each site with its ``value`` and ``source``; a lone
    mapping (a scenario's ``[source]`` table) becomes one entry with ``factor``
    ``"scenario"``.
    """
    if entries is None:
        return []
    if isinstance(entries, Mapping):
        if "factor" not in entries and "dataset" not in entries:
            lone = {
                "factor": "scenario",
                "dataset": entries.get("title"),
                "licence": entries.get("licence"),
                "source": [dict(entries)],
            }
            return [_one_entry(lone, "scenario")]
        entries = [entries]
    out: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            out.append(_one_entry({"source": entry}, None))
            continue
        factors = [f.strip() for f in str(entry.get("factor") or "").split(",") if f.strip()]
        if len(factors) > 1 and isinstance(entry.get("sites"), list):
            out += [_site_entry(entry["sites"], f) for f in factors]
        elif len(factors) > 1:
            out += [_one_entry(entry, f) for f in factors]
        else:
            out.append(_one_entry(entry, factors[0] if factors else None))
    return out


def _site_entry(sites: list[Any], factor: str) -> dict[str, Any]:
    """One site factor (``pue`` or ``wue_l_per_kwh``) of the sites' provenance."""
    source_key = f"{factor.split('_')[0]}_source"
    rows = []
    for site in sites:
        if not isinstance(site, Mapping):
            continue
        row = {k: site.get(k) for k in ("site", "zone")}
        row["value"] = site.get(factor)
        row["source"] = site.get(source_key)
        row.update({k: v for k, v in site.items() if k in ("origin",)})
        rows.append(plain(row))
    origins = sorted({str(r["origin"]) for r in rows if r.get("origin")})
    texts = sorted({str(r["source"]) for r in rows if r.get("source")})
    entry = {
        "dataset": ", ".join(origins) or None,
        "kind": "site factor",
        "source": texts,
        "sites": rows,
    }
    return _one_entry(entry, factor)


def _is_time(series: pd.Series) -> bool:
    import pandas as pd

    return isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series
    )


def table_records(
    name: str, df: pd.DataFrame, nonfinite: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``df`` as JSON records; infinite numbers become ``None`` and are listed in
    ``nonfinite``."""
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        if _is_time(out[col]):
            out[col] = out[col].map(lambda t: None if t is None or t != t else t.isoformat())
    records = cast("list[dict[str, Any]]", out.to_dict(orient="records"))
    for i, rec in enumerate(records):
        for key, val in rec.items():
            val = plain(val)
            if isinstance(val, str) and val in ("inf", "-inf") and _numeric(df, key):
                nonfinite.append({"table": name, "row": i, "column": key, "value": val})
                val = None
            rec[key] = val
    return records


def _numeric(df: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` holds numbers (an infinity in a text column stays text)."""
    import pandas as pd

    series = df[column] if column in df.columns else None
    if series is None:
        return True
    if pd.api.types.is_numeric_dtype(series):
        return True
    return any(isinstance(v, float) and math.isinf(v) for v in series)


_NONFINITE_NOTE = "written as null (listed in 'nonfinite')"


def is_nonfinite_note(note: Any) -> bool:
    """Whether ``note`` is one the writer added for infinities written as null."""
    return isinstance(note, str) and note.endswith(_NONFINITE_NOTE)


def _nonfinite_notes(nonfinite: list[dict[str, Any]]) -> list[str]:
    by_column: dict[tuple[str, str], int] = {}
    for item in nonfinite:
        key = (item["table"], item["column"])
        by_column[key] = by_column.get(key, 0) + 1
    return [
        f"{n} infinite value(s) in column {col} of table {table} {_NONFINITE_NOTE}"
        for (table, col), n in by_column.items()
    ]


def _command(report: Report) -> str:
    if report.command:
        return report.command
    title = re.sub(r"^fairwatt\s+", "", report.title.strip().lower())
    return title.split(" — ")[0].split()[0] if title else "fairwatt"


def build_document(report: Report, *, tables: bool = True) -> dict[str, Any]:
    """The JSON document of ``report`` in the common layout (see the module docstring).

    ``tables=False`` leaves the table records out (the Parquet metadata form, whose
    main table is the file itself); ``nonfinite`` then lists nothing."""
    meta = dict(report.metadata)
    nonfinite: list[dict[str, Any]] = []
    records = (
        {str(n): table_records(str(n), df, nonfinite) for n, df in report.tables.items()}
        if tables
        else {}
    )
    columns = list(dict.fromkeys(str(c) for df in report.tables.values() for c in df.columns))
    units, rest_units = column_units(meta.get("units"), columns)
    details = {k: v for k, v in meta.items() if k not in _TOP}
    if rest_units:
        details["unit_families"] = rest_units
    options = meta.get("options")
    if options is None:
        options = report.options
    doc: dict[str, Any] = {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "fairwatt_version": str(meta.get("fairwatt_version") or __version__),
        "generated_at": str(meta.get("generated_at") or _now()),
        "command": _command(report),
        "title": report.title,
        "options": plain(dict(options or {})),
        "tables": records,
        "units": units,
        "provenance": normalize_provenance(meta.get("provenance")),
        "notes": [str(n) for n in report.notes] + _nonfinite_notes(nonfinite),
        "details": plain(details),
    }
    if not tables:
        doc["tables"] = {str(n): [] for n in report.tables}
        doc["main_table"] = str(next(iter(report.tables), ""))
    if nonfinite:
        doc["nonfinite"] = nonfinite
    return doc


def restore_nonfinite(doc: Mapping[str, Any], table: str, records: list[Any]) -> list[Any]:
    """``records`` of ``table`` with the infinities ``nonfinite`` lists put back."""
    items = [i for i in doc.get("nonfinite") or [] if isinstance(i, Mapping)]
    if not items:
        return records
    out = [dict(r) if isinstance(r, Mapping) else r for r in records]
    for item in items:
        row = item.get("row")
        if (
            item.get("table") == table
            and isinstance(row, int)
            and 0 <= row < len(out)
            and isinstance(out[row], dict)
        ):
            out[row][str(item.get("column"))] = float(str(item.get("value")))
    return out


__all__ = [
    "OUTPUT_SCHEMA_VERSION",
    "PROVENANCE_FIELDS",
    "SCHEMA_FILE",
    "build_document",
    "column_units",
    "is_nonfinite_note",
    "normalize_provenance",
    "output_schema",
    "restore_nonfinite",
    "table_records",
    "unit_of_column",
]
