"""Bundled datasets: data files plus a manifest (source, licence, year, units, sha256).

Read with :func:`load`; look up metadata with :func:`info` and :func:`manifest`.
The files are built by ``scripts/build_datasets.py`` (kept outside the package) from
the raw public sources named in each manifest entry.
"""

from fairwatt.datasets.catalog import (
    CARBON_BASES,
    DatasetInfo,
    carbon_defaults,
    default_datasets,
    info,
    load,
    manifest,
    verify,
)

__all__ = [
    "CARBON_BASES",
    "DatasetInfo",
    "carbon_defaults",
    "default_datasets",
    "info",
    "load",
    "manifest",
    "verify",
]
