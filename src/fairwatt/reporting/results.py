"""Typed results: what an audit returns, with a versioned JSON and Parquet form.

:class:`AuditResult` is what :func:`fairwatt.audit` returns and what ``fairwatt audit
-o audit.json`` writes; ``fairwatt check --report/--baseline`` reads it back through
:meth:`AuditResult.from_json`, so the document's layout is defined once, here.

The JSON document is the common layout of every command's JSON output
(:mod:`fairwatt.reporting.document`, ``schema_version`` 2): tables ``footprint``,
``totals`` (one row) and, when computed, ``equity`` (one row per index); ``details``
holds ``inputs``, ``records``, ``period``, ``by``, ``footprints`` and ``equity`` (how
the indices were computed).

Documents of version 1 (``{"title", "metadata": {...}, "notes", "footprint",
"totals", "equity"}``, written by earlier versions, or without a version field) are
read as well.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.report import Report

#: Version of the audit's JSON layout (the common layout's version); bump on any change
#: a reader must know about.
AUDIT_SCHEMA_VERSION = 2
AUDIT_TITLE = "fairwatt audit"
#: grouping keys whose values are times (ISO-8601 in JSON)
_TIME_KEYS = ("hour", "day", "month")
_HINT = "write one with: fairwatt audit LOGS -o audit.json"


@dataclass
class AuditResult:
    """The footprint audit of a set of energy logs.

    Attributes
    ----------
    table
        The footprint per group of ``by`` (one row per site, zone, hour, ...):
        ``energy_kwh`` [kWh, IT], ``facility_energy_kwh`` [kWh], ``carbon_kg`` [kgCO2e],
        ``water_onsite_l``, ``water_offsite_l``, ``water_l`` [L], ``health_usd`` [US$], ...
    totals
        Sum of every footprint column over the whole audit, keyed by column name
        (e.g. ``totals["carbon_kg"]``).
    equity
        Inequity indices across regions (the ``zone`` or ``site`` grouping): one row per
        index (``gini``, ``max_to_mean``, ...), one column per footprint column; ``None``
        when the grouping has no region key or fewer than two regions.
    provenance
        Where every factor came from: one dict per (factor, dataset, key), plus one entry
        for the sites' PUE and WUE.
    notes
        Caveats and findings in plain sentences.
    by, footprints
        The grouping keys and footprints audited.
    options
        The options used (energy unit, time zone, datasets, factor files, ...).
    inputs, records
        The log files read and the number of records.
    period_start, period_end
        The UTC hours covered, ``[start, end)``.
    units
        Unit of each output column (family).
    equity_info
        How the indices were computed (``across``, ``regions``, ``gini_form``).
    fairwatt_version, generated_at
        The version that computed the result and when (ISO-8601, UTC).
    """

    table: pd.DataFrame
    totals: pd.Series
    equity: pd.DataFrame | None
    provenance: list[dict[str, Any]]
    notes: list[str]
    by: list[str]
    footprints: list[str]
    options: dict[str, Any]
    inputs: list[str]
    records: int
    period_start: pd.Timestamp | None
    period_end: pd.Timestamp | None
    units: dict[str, str]
    equity_info: dict[str, Any] = field(default_factory=dict)
    fairwatt_version: str = ""
    generated_at: str = ""
    schema_version: int = AUDIT_SCHEMA_VERSION

    # ------------------------------------------------------------------ rendering

    @property
    def metadata(self) -> dict[str, Any]:
        """The document's ``metadata`` block (JSON-serialisable)."""
        meta: dict[str, Any] = {
            "fairwatt_version": self.fairwatt_version,
            "generated_at": self.generated_at,
            "inputs": list(self.inputs),
            "records": self.records,
            "period": {
                "start": None if self.period_start is None else self.period_start.isoformat(),
                "end": None if self.period_end is None else self.period_end.isoformat(),
            },
            "by": list(self.by),
            "footprints": list(self.footprints),
            "units": dict(self.units),
            "options": dict(self.options),
            "provenance": list(self.provenance),
        }
        if self.equity_info:
            meta["equity"] = dict(self.equity_info)
        return meta

    def to_report(self) -> Report:
        """The result as a :class:`~fairwatt.reporting.report.Report` for the writers:
        tables ``footprint``, ``totals`` and (when computed) ``equity``."""
        import pandas as pd

        from fairwatt.reporting.report import Report

        tables: dict[str, pd.DataFrame] = {
            "footprint": self.table,
            "totals": pd.DataFrame([self.totals.to_dict()]),
        }
        if self.equity is not None:
            eq = self.equity.rename_axis("index").reset_index()
            eq.columns.name = None
            tables["equity"] = eq
        return Report(
            title=AUDIT_TITLE,
            tables=tables,
            metadata=self.metadata,
            notes=list(self.notes),
            schema_version=AUDIT_SCHEMA_VERSION,
            command="audit",
        )

    def to_json(self, path: str | Path | None = None) -> str:
        """The versioned JSON document; also written to ``path`` (atomically) if given."""
        from fairwatt.io.writers import report_to_json, write_report

        report = self.to_report()
        if path is not None:
            write_report(report, str(path), "json")
        return report_to_json(report)

    def to_parquet(self, path: str | Path) -> None:
        """Write :attr:`table` to Parquet; the rest of the document goes into the file's
        schema metadata (key ``fairwatt``)."""
        from fairwatt.io.writers import write_report

        write_report(self.to_report(), str(path), "parquet")

    # ------------------------------------------------------------------ reading

    @classmethod
    def from_json(cls, source: str | Path, *, what: str = "audit") -> AuditResult:
        """Read a document written by :meth:`to_json` (or ``fairwatt audit -o x.json``).

        Parameters
        ----------
        source
            A path, or the JSON text itself (a string starting with ``{``).
        what
            How to name the document in error messages.

        Raises
        ------
        InputError
            The file is missing, not JSON, not a fairwatt audit document, or written by
            a newer schema version.
        """
        text, file = _read_source(source, what)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{what}: not valid JSON: {exc}", file=file, hint=_HINT) from None
        return cls.from_dict(doc, file=file, what=what)

    @classmethod
    def from_dict(cls, doc: Any, *, file: str | None = None, what: str = "audit") -> AuditResult:
        """Build the result from a parsed JSON document (see :meth:`from_json`)."""
        import pandas as pd

        _check_document(doc, file=file, what=what)
        section = "details" if isinstance(doc.get("tables"), dict) else "metadata"
        doc = _version_1(doc)
        meta = doc["metadata"]
        totals = pd.Series(
            {
                str(k): _number(v, file=file, where=f"totals {k}")
                for k, v in doc["totals"][0].items()
            },
            dtype="float64",
        )
        try:
            period = meta.get("period") or {}
            return cls(
                table=_table(doc["footprint"]),
                totals=totals,
                equity=_equity(doc.get("equity"), file=file, what=what),
                provenance=list(meta.get("provenance") or []),
                notes=[str(n) for n in doc.get("notes") or []],
                by=_names(meta, "by", file=file, what=what, section=section),
                footprints=_names(meta, "footprints", file=file, what=what, section=section),
                options=dict(meta.get("options") or {}),
                inputs=[str(i) for i in meta.get("inputs") or []],
                records=int(meta.get("records") or 0),
                period_start=_timestamp(period.get("start")),
                period_end=_timestamp(period.get("end")),
                units=dict(meta.get("units") or {}),
                equity_info=dict(meta.get("equity") or {}),
                fairwatt_version=str(meta.get("fairwatt_version", "")),
                generated_at=str(meta.get("generated_at", "")),
                schema_version=int(doc.get("schema_version", 1)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            # a field of the wrong shape (a period that is not a table, a bad time, ...)
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise InputError(
                f"{what}: malformed audit document: {first}", file=file, hint=_HINT
            ) from None


def _read_source(source: str | Path, what: str) -> tuple[str, str | None]:
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source, None
    p = Path(source)
    if not p.is_file():
        raise InputError(f"{what}: file not found", file=str(p), hint="check the path")
    if p.suffix.lower() in (".parquet", ".pq", ".csv"):
        raise InputError(
            f"{what} needs the audit's JSON document (it holds the totals and the equity table)",
            file=str(p),
            hint=_HINT,
        )
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: not valid JSON: {exc}", file=str(p), hint=_HINT) from None


def _check_document(doc: Any, *, file: str | None, what: str) -> None:
    if isinstance(doc, dict) and isinstance(doc.get("tables"), dict):
        tables = doc["tables"]
        ok = (
            doc.get("command") == "audit"
            and isinstance(doc.get("details"), dict)
            and isinstance(tables.get("footprint"), list)
            and isinstance(tables.get("totals"), list)
            and len(tables["totals"]) == 1
            and isinstance(tables["totals"][0], dict)
        )
    else:
        ok = (
            isinstance(doc, dict)
            and doc.get("title") == AUDIT_TITLE
            and isinstance(doc.get("metadata"), dict)
            and isinstance(doc.get("footprint"), list)
            and isinstance(doc.get("totals"), list)
            and len(doc["totals"]) == 1
            and isinstance(doc["totals"][0], dict)
        )
    if not ok:
        raise InputError(f"{what}: not a fairwatt audit JSON document", file=file, hint=_HINT)
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise InputError(f"{what}: schema_version {version!r} is not valid", file=file)
    if version > AUDIT_SCHEMA_VERSION:
        raise InputError(
            f"{what}: written with audit schema version {version}; this fairwatt reads "
            f"up to {AUDIT_SCHEMA_VERSION}",
            file=file,
            hint="upgrade fairwatt to the version that wrote it",
        )


def _version_1(doc: dict[str, Any]) -> dict[str, Any]:
    """A document of the common layout in the version-1 form the reader works on (a
    version-1 document as it is), infinities listed in ``nonfinite`` put back."""
    if not isinstance(doc.get("tables"), dict):
        return doc
    from fairwatt.reporting.document import is_nonfinite_note, restore_nonfinite

    tables = doc["tables"]
    meta = dict(doc["details"])
    for key in ("fairwatt_version", "generated_at", "options", "units", "provenance"):
        meta[key] = doc.get(key)
    out = {
        "schema_version": doc.get("schema_version"),
        "title": doc.get("title", AUDIT_TITLE),
        "metadata": meta,
        "notes": [n for n in doc.get("notes") or [] if not is_nonfinite_note(n)],
        "footprint": restore_nonfinite(doc, "footprint", tables["footprint"]),
        "totals": restore_nonfinite(doc, "totals", tables["totals"]),
    }
    if tables.get("equity"):
        out["equity"] = restore_nonfinite(doc, "equity", tables["equity"])
    return out


def _names(
    meta: dict[str, Any], key: str, *, file: str | None, what: str, section: str = "details"
) -> list[str]:
    """``details[key]`` (``metadata[key]`` in version 1), a list of names (the grouping
    keys, the footprints)."""
    value = meta.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problem = "has no" if value is None else "has an invalid"
        raise InputError(
            f"{what}: the audit's {section} {problem} {key!r} (a list of names)",
            file=file,
            hint=_HINT,
        )
    return list(value)


def _number(value: Any, *, file: str | None, where: str) -> float:
    """A JSON number as float: ``null`` is NaN and ``"inf"``/``"-inf"`` are infinite."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise InputError(f"{where}: not a number: {value!r}", file=file)
    if isinstance(value, int | float):
        return float(value)
    if value in ("inf", "-inf"):
        return float(value)
    raise InputError(f"{where}: not a number: {value!r}", file=file)


def _timestamp(value: Any) -> pd.Timestamp | None:
    import pandas as pd

    return None if value is None else pd.Timestamp(value).tz_convert("UTC")


def _table(records: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(records)
    for key in _TIME_KEYS:
        if key in df.columns:
            try:
                df[key] = pd.to_datetime(df[key], format="ISO8601", utc=True)
            except ValueError:
                raise ValueError(
                    f"the footprint's {key!r} column holds non-ISO-8601 times"
                ) from None
    return df


def _equity(records: Any, *, file: str | None, what: str) -> pd.DataFrame | None:
    import pandas as pd

    if not records:
        return None
    rows: dict[str, dict[str, float]] = {}
    for rec in records:
        if not isinstance(rec, dict) or "index" not in rec:
            raise InputError(f"{what}: equity rows need an 'index' field", file=file)
        rows[str(rec["index"])] = {
            str(k): _number(v, file=file, where=f"equity {rec['index']} {k}")
            for k, v in rec.items()
            if k != "index"
        }
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "index"
    return df
