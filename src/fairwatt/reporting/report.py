"""A report: named tables plus JSON-serialisable metadata (provenance, options, notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Report:
    """What a command produces.

    ``tables`` keeps its insertion order; the first table is the main one (the only one
    written to CSV and Parquet). ``metadata`` goes into the JSON document (its
    ``fairwatt_version``, ``generated_at``, ``options``, ``units`` and ``provenance`` at
    the top, the rest under ``details``; see :mod:`fairwatt.reporting.document`), into
    the Parquet schema metadata (key ``fairwatt``) and, as notes, into Markdown output.
    """

    title: str
    tables: dict[str, pd.DataFrame]
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: version of the document's layout, written first in JSON when set
    schema_version: int | None = None
    #: the command that produced the report (``"audit"``, ``"sites list"``, ...)
    command: str = ""
    #: the options used, when ``metadata`` has no ``options`` of its own
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def main(self) -> pd.DataFrame:
        return next(iter(self.tables.values()))
