"""The values the equity service takes and returns.

:class:`EquityOptions` (what to compute) and :class:`EquityResult` (the indices, the
per-region values, the Lorenz points, notes; a JSON round trip with a schema version).
:func:`fairwatt.services.equity_report.equity_report` builds them; ``fairwatt equity``
renders :meth:`EquityResult.to_report`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt._version import __version__
from fairwatt.errors import InputError
from fairwatt.reporting.frames import frame_from_doc, frame_to_doc, plain
from fairwatt.services.equity import wide_indices

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.report import Report

#: Version of the JSON document of :meth:`EquityResult.to_json`.
EQUITY_SCHEMA_VERSION = 1
_SCHEMA = "fairwatt.equity"
_TITLE = "Inequity indices"
_WHAT = "equity result"

#: How the values compared are described in the notes, per normalisation.
NORMALIZATION_LABEL = {
    "raw": "total per region",
    "per_kwh": "per kWh of IT energy (energy_kwh)",
    "per_request": "per request (requests)",
    "per_weight": "per unit of weight (weights file)",
}
#: Suffix of the per-region value columns in the report, per normalisation.
_SUFFIX = {"raw": "", "per_kwh": "_per_kwh", "per_request": "_per_request"}


@dataclass
class EquityOptions:
    """What ``fairwatt equity`` was asked for."""

    by: str = "zone"
    values: list[str] | None = None
    normalize: str = "raw"
    weights_file: str | None = None
    weighted: bool = False
    gini_form: str = "population"
    epsilons: list[float] = field(default_factory=lambda: [0.5, 1.0, 2.0])
    q: float = 2.0
    k: int = 1
    lorenz: bool = False

    def record(self) -> dict[str, Any]:
        """The options as JSON-ready values (an infinite ``q`` as ``"inf"``)."""
        out: dict[str, Any] = plain(dataclasses.asdict(self))
        return out

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> EquityOptions:
        """The options from :meth:`record`'s form; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(record) - known)
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)}")
        values = dict(record)
        if "q" in values:
            values["q"] = float(values["q"])
        if "epsilons" in values:
            values["epsilons"] = [float(e) for e in values["epsilons"]]
        return cls(**values)


@dataclass(repr=False)
class EquityResult:
    """Inequity indices across the regions of a table, as computed by ``fairwatt equity``.

    Attributes
    ----------
    indices : DataFrame
        One row per index (``gini``, ``max_to_mean``, ...; index named ``index``), one
        column per value column (low/high bound columns included) — the orientation of
        :attr:`fairwatt.AuditResult.equity`. NaN where undefined, inf where infinite.
    details : DataFrame
        The same indices, one row per (value column, index): ``footprint``, ``bound``
        (central/low/high), ``value``, ``normalization``, ``index``, ``result`` and
        ``note`` (Gini form, or why a value is undefined or infinite).
    per_region : DataFrame
        The values compared: one row per region (index: region name, named by
        ``options.by``), one column per value column, after normalisation.
        [unit of the column, per kWh, request or unit of weight]
    lorenz : DataFrame or None
        Lorenz points per value column (``value``, ``region``, ``population_share``,
        ``value_share``) when ``options.lorenz``.
    weights : Series or None
        The weight of each region (in the order of :attr:`per_region`) when a weights
        file was given.
    notes : list of str
        What the numbers mean (regions, normalisation, Gini form, weighting).
    options : EquityOptions
        The options used.
    source : str
        The table read (``<stdin>`` for standard input).
    provenance : list of dict
        Where the values' factors came from, when the table read carries it (a Parquet
        file written by ``fairwatt audit``: the ``fairwatt`` key of its metadata).
    fairwatt_version, generated_at, schema_version
        Who computed the result, when (ISO 8601, UTC), and the version of its JSON form.
    """

    indices: pd.DataFrame
    details: pd.DataFrame
    per_region: pd.DataFrame
    lorenz: pd.DataFrame | None = None
    weights: pd.Series | None = None
    notes: list[str] = field(default_factory=list)
    options: EquityOptions = field(default_factory=EquityOptions)
    source: str = ""
    provenance: list[dict[str, Any]] = field(default_factory=list)
    fairwatt_version: str = __version__
    generated_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    schema_version: int = EQUITY_SCHEMA_VERSION

    def __repr__(self) -> str:
        columns = ", ".join(map(str, self.indices.columns))
        return (
            f"EquityResult({self.source!r}, regions={len(self.per_region)}, "
            f"by={self.options.by!r}, values=[{columns}])"
        )

    @property
    def value_columns(self) -> list[str]:
        """The value columns compared, bounds included."""
        return [str(c) for c in self.per_region.columns]

    @property
    def metadata(self) -> dict[str, Any]:
        """What the report's JSON, Parquet and Markdown forms carry about the run."""
        o = self.options
        return {
            "fairwatt_version": self.fairwatt_version,
            "generated_at": self.generated_at,
            "options": o.record(),
            "provenance": list(self.provenance),
            "source": self.source,
            "group_by": o.by,
            "regions": len(self.per_region),
            "value_columns": self.value_columns,
            "normalization": o.normalize,
            "weights_file": o.weights_file,
            "weighted": bool(o.weighted),
            "gini_form": "weighted population" if o.weighted else o.gini_form,
            "atkinson_epsilons": list(o.epsilons),
            "lq_order": o.q if math.isfinite(o.q) else "inf",
            "top_k": o.k,
        }

    def to_report(self) -> Report:
        """The report the command-line writers render: tables ``indices`` (``lorenz``
        first when computed, the one CSV and Parquet carry) and ``per_region``."""
        from fairwatt.reporting.report import Report

        suffix = _SUFFIX.get(self.options.normalize, "_per_weight")
        shown = self.per_region.rename(
            columns={c: f"{c}{suffix}" for c in self.per_region.columns}
        ).reset_index()
        if self.weights is not None:
            shown["weight"] = self.weights.to_numpy()
        tables: dict[str, pd.DataFrame] = {}
        if self.lorenz is not None:
            tables["lorenz"] = self.lorenz
        tables["indices"] = self.details
        tables["per_region"] = shown
        return Report(
            title=_TITLE,
            tables=tables,
            metadata=self.metadata,
            notes=list(self.notes),
            command="equity",
        )

    # ------------------------------------------------------------------ JSON

    def to_json(self, path: str | Path | None = None) -> str:
        """The result as a JSON document (schema :data:`EQUITY_SCHEMA_VERSION`), also
        written to ``path`` (atomically) when given."""
        text = json.dumps(self._document(), indent=1, allow_nan=False) + "\n"
        if path is not None:
            _write_text(path, text)
        return text

    def _document(self) -> dict[str, Any]:
        tables = {"details": self.details, "per_region": self.per_region.reset_index()}
        if self.lorenz is not None:
            tables["lorenz"] = self.lorenz
        weights = None if self.weights is None else plain(self.weights.tolist())
        return {
            "schema": _SCHEMA,
            "schema_version": self.schema_version,
            "title": _TITLE,
            "fairwatt_version": self.fairwatt_version,
            "generated_at": self.generated_at,
            "source": self.source,
            "provenance": plain(self.provenance),
            "options": self.options.record(),
            "notes": list(self.notes),
            "weights": weights,
            "tables": {name: frame_to_doc(df) for name, df in tables.items()},
        }

    @classmethod
    def from_json(cls, source: str | Path) -> EquityResult:
        """Read a result written by :meth:`to_json` (a JSON text or a file path).

        Raises
        ------
        InputError
            The file cannot be read, is not JSON, is not a fairwatt equity result, or
            was written with an invalid or newer schema version.
        """
        doc, where = _read_document(source)
        _check_version(doc, where)
        try:
            return cls._from_document(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise InputError(
                f"{_WHAT}: malformed document: {first}",
                file=where,
                hint="write it again with EquityResult.to_json",
            ) from None

    @classmethod
    def _from_document(cls, doc: Mapping[str, Any]) -> EquityResult:
        import pandas as pd

        options = EquityOptions.from_record(doc["options"])
        tables = {name: frame_from_doc(t) for name, t in doc["tables"].items()}
        per_region = tables["per_region"]
        per_region = per_region.set_index(per_region.columns[0])
        details = tables["details"]
        weights = None
        if doc.get("weights") is not None:
            weights = pd.Series(
                [float(w) for w in doc["weights"]], index=per_region.index, name="weight"
            )
        return cls(
            indices=wide_indices(details, [str(c) for c in per_region.columns]),
            details=details,
            per_region=per_region,
            lorenz=tables.get("lorenz"),
            weights=weights,
            notes=[str(n) for n in doc["notes"]],
            options=options,
            source=str(doc["source"]),
            provenance=list(doc.get("provenance") or []),
            fairwatt_version=str(doc["fairwatt_version"]),
            generated_at=str(doc["generated_at"]),
            schema_version=int(doc["schema_version"]),
        )


def _write_text(path: str | Path, text: str) -> None:
    from fairwatt.io.writers import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _text_and_file(source: str | Path) -> tuple[str, str | None]:
    """The JSON text of ``source`` (a JSON text or a path) and its file, if any."""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source, None
    try:
        return Path(source).read_text(encoding="utf-8"), str(source)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {_WHAT}: {exc}", file=str(source)) from None


def _read_document(source: str | Path) -> tuple[dict[str, Any], str | None]:
    """The parsed document and the file it came from (``None`` for a JSON text)."""
    text, where = _text_and_file(source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{_WHAT}: not a JSON document: {exc}", file=where) from None
    if not isinstance(doc, dict) or doc.get("schema") != _SCHEMA:
        raise InputError(
            f"not a fairwatt {_WHAT}", file=where, hint="write one with EquityResult.to_json"
        )
    return doc, where


def _check_version(doc: Mapping[str, Any], where: str | None) -> None:
    """A schema version that is not a positive integer, or newer than this fairwatt
    reads -> InputError."""
    version = doc.get("schema_version")
    hint = None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problem = f"schema_version {version!r} is not valid"
    elif version > EQUITY_SCHEMA_VERSION:
        problem = (
            f"written with equity schema version {version}; fairwatt {__version__} "
            f"reads up to {EQUITY_SCHEMA_VERSION}"
        )
        hint = "upgrade fairwatt to the version that wrote it"
    else:
        return
    raise InputError(f"{_WHAT}: {problem}", file=where, hint=hint)


__all__ = ["EQUITY_SCHEMA_VERSION", "NORMALIZATION_LABEL", "EquityOptions", "EquityResult"]
