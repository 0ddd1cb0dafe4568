"""Manifest and loader of the bundled datasets (package data via importlib.resources).

Manifest schema (``manifest.json``)::

    {"datasets": [ {
        "name":        unique id, e.g. "owid-country-carbon"
        "file":        path relative to this package's data/ folder (CSV or Parquet)
        "version":     dataset version string (pin it for reproducible audits)
        "title":       one-line description
        "source":      {"title": ..., "url": ...}  (or a list of such)
        "year":        data year (int) or [first, last]
        "licence":     SPDX id or text; "attribution": text to cite
        "kind":        "average" | "marginal" | "consumption" | "withdrawal" | ... (free text)
        "role":        "zone_factors" | "sites" | "fuel_factors" | "pue_wue" | "reference" | ...
        "resolution":  "annual" | "monthly" | "hourly" | "static"  (zone_factors only)
        "columns":     {column name: unit or description}
        "sha256":      hex digest of the file
        "coverage":    what the table covers, e.g. "213 zones" (text)
        "caveats":     known gaps and caveats (text)
        "citation":    how to cite the source(s) (text); "bibtex": BibTeX entries
        "carbon_basis": "lifecycle" | "direct" | "mixed" (datasets with carbon only)
        "carbon_scope": what else the carbon values count or leave out (text)
    } ],
     "defaults": {factor column: [dataset names, most preferred first]},
     "carbon_defaults": {carbon basis: [dataset names, most preferred first]} }

Carbon bases: ``lifecycle`` counts upstream and construction emissions (IPCC AR5
lifecycle medians, OWID/Ember); ``direct`` counts combustion at the plant only (eGRID
output rates, the Chinese official factors); ``mixed`` datasets combine bases and are
never defaults. ``defaults["carbon_g_per_kwh"]`` is ``carbon_defaults["lifecycle"]``.

A ``zone_factors`` table has a ``zone`` column, a time column by resolution
(annual: ``year``; monthly: ``year`` and ``month``; hourly: ``timestamp``, ISO-8601
UTC interval start) and one or more canonical factor columns (``carbon_g_per_kwh``,
``ewif_l_per_kwh``, ``ewif_withdrawal_l_per_kwh``, ``health_usd_per_mwh``,
``health_low_usd_per_mwh``, ``health_high_usd_per_mwh``, ``water_total_l_per_kwh``,
``price_usd_per_mwh``). Zone ids: ISO 3166-1 alpha-2 countries (``DE``), subdivisions
``US-VA`` / ``CA-QC`` / ``CN-GD``, bidding zones ``SE-SE3``; a key may also be a site id
(``gcp:europe-west1``) for site-specific values.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

_PACKAGE = "fairwatt.datasets"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    file: str
    version: str
    title: str
    source: Any
    year: Any
    licence: str
    attribution: str
    kind: str
    role: str
    sha256: str
    resolution: str = "static"
    columns: dict[str, str] = field(default_factory=dict)
    coverage: str = ""
    caveats: str = ""
    citation: str = ""
    bibtex: str = ""
    carbon_basis: str = ""
    carbon_scope: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def provenance(self) -> dict[str, Any]:
        """What an audit records about this dataset (with its carbon basis and scope when
        it has carbon values)."""
        out = {
            "dataset": self.name,
            "version": self.version,
            "year": self.year,
            "kind": self.kind,
            "source": self.source,
            "licence": self.licence,
        }
        if self.carbon_basis:
            out["carbon_basis"] = self.carbon_basis
            out["carbon_scope"] = self.carbon_scope
        return out


_KNOWN = {f for f in DatasetInfo.__dataclass_fields__ if f != "extra"}


@cache
def _raw_manifest() -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath("manifest.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def manifest() -> tuple[DatasetInfo, ...]:
    """Every bundled dataset, in manifest order."""
    out = []
    for entry in _raw_manifest()["datasets"]:
        known = {k: v for k, v in entry.items() if k in _KNOWN}
        extra = {k: v for k, v in entry.items() if k not in _KNOWN}
        out.append(DatasetInfo(**known, extra=extra))
    return tuple(out)


def info(name: str) -> DatasetInfo:
    """Metadata of one dataset; an unknown name is an error listing near matches."""
    by_name = {d.name: d for d in manifest()}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}?" if close else "run `fairwatt factors list`"
    raise InputError(f"unknown dataset {name!r}", hint=hint)


def defaults() -> dict[str, list[str]]:
    """The manifest's defaults: factor column -> dataset names, most preferred first."""
    return {k: list(v) for k, v in _raw_manifest().get("defaults", {}).items()}


def default_datasets(factor: str) -> list[str]:
    """Bundled datasets used for ``factor`` (a canonical column), most preferred first."""
    return list(_raw_manifest().get("defaults", {}).get(factor, []))


#: ``--carbon-basis`` choices: one basis for every zone, or ``any`` (mixing allowed)
CARBON_BASES = ("lifecycle", "direct", "any")


def carbon_defaults(basis: str = "lifecycle") -> list[str]:
    """Bundled carbon datasets used when none is pinned, for ``basis`` (one of
    :data:`CARBON_BASES`), most preferred first.

    ``lifecycle`` (the default) and ``direct`` list datasets of that basis only; ``any``
    lists the datasets of both, as chosen before the basis could be chosen."""
    if basis not in CARBON_BASES:
        raise InputError(
            f"unknown carbon basis {basis!r}", hint=f"use one of: {', '.join(CARBON_BASES)}"
        )
    return list(_raw_manifest().get("carbon_defaults", {}).get(basis, []))


def _path(d: DatasetInfo) -> Any:
    return resources.files(_PACKAGE).joinpath("data", d.file)


def verify(name: str) -> bool:
    """True when the file's sha256 matches its manifest entry."""
    d = info(name)
    digest = hashlib.sha256(_path(d).read_bytes()).hexdigest()
    return digest == d.sha256


@cache
def _load_cached(name: str) -> pd.DataFrame:
    import pandas as pd

    d = info(name)
    with resources.as_file(_path(d)) as p:
        if d.file.endswith(".parquet"):
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, keep_default_na=False, na_values=[""])
    if "timestamp" in df.columns:
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df


def load(name: str) -> pd.DataFrame:
    """The dataset as a DataFrame (a fresh copy; ``timestamp`` parsed as UTC)."""
    return _load_cached(name).copy()
