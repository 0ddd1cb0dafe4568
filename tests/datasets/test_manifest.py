"""Every bundled dataset loads, matches its checksum, is documented and is plausible."""

from __future__ import annotations

import pandas as pd
import pytest

from fairwatt.datasets import catalog
from fairwatt.schema import FACTORS, PLAUSIBLE_RANGES

DATASETS = [d.name for d in catalog.manifest()]

# Plausibility ranges of canonical columns (the ranges user factor files are held to).
RANGES = PLAUSIBLE_RANGES
FACTOR_COLUMNS = set(FACTORS)
TIME_COLUMNS = {"annual": ["year"], "monthly": ["year", "month"], "hourly": ["timestamp"]}


def test_manifest_is_not_empty_and_names_are_unique() -> None:
    assert len(DATASETS) >= 20
    assert len(set(DATASETS)) == len(DATASETS)


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_loads_and_matches_checksum(name: str) -> None:
    d = catalog.info(name)
    df = catalog.load(name)
    assert len(df) > 0
    assert catalog.verify(name), f"{name}: sha256 differs from the manifest"
    assert len(d.sha256) == 64


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_has_provenance(name: str) -> None:
    d = catalog.info(name)
    assert d.licence.strip()
    assert d.attribution.strip()
    sources = d.source if isinstance(d.source, list) else [d.source]
    for s in sources:
        assert s["title"].strip()
        assert s["url"].startswith("https://")
    assert d.citation.strip()
    assert d.bibtex.lstrip().startswith("@")
    assert d.version.strip()
    assert d.kind.strip()
    assert d.coverage.strip()
    years = d.year if isinstance(d.year, list) else [d.year]
    assert all(1990 <= y <= 2030 for y in years)
    prov = d.provenance()
    assert prov["dataset"] == name and prov["version"] == d.version


@pytest.mark.parametrize("name", DATASETS)
def test_every_column_has_a_unit(name: str) -> None:
    d = catalog.info(name)
    df = catalog.load(name)
    assert set(df.columns) == set(d.columns), f"{name}: manifest columns differ from the file"
    for col, unit in d.columns.items():
        assert unit.strip(), f"{name}.{col} has no unit/description"


@pytest.mark.parametrize("name", DATASETS)
def test_values_are_in_plausible_ranges(name: str) -> None:
    df = catalog.load(name)
    for col, (lo, hi) in RANGES.items():
        if col in df.columns:
            s = df[col].dropna()
            assert pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s)
            assert s.between(lo, hi).all(), f"{name}.{col} outside [{lo}, {hi}]"


ZONE_DATASETS = [d.name for d in catalog.manifest() if d.role == "zone_factors"]


@pytest.mark.parametrize("name", ZONE_DATASETS)
def test_zone_factor_tables_follow_the_schema(name: str) -> None:
    d = catalog.info(name)
    df = catalog.load(name)
    keys = ["zone", *TIME_COLUMNS[d.resolution]]
    for k in keys:
        assert k in df.columns, f"{name}: missing {k}"
    assert FACTOR_COLUMNS & set(df.columns), f"{name}: no canonical factor column"
    assert not df.duplicated(keys).any(), f"{name}: duplicate zone/time rows"
    assert df["zone"].map(lambda z: isinstance(z, str) and z == z.strip() and z != "").all()
    if d.resolution == "hourly":
        ts = df["timestamp"]
        assert isinstance(ts.dtype, pd.DatetimeTZDtype) and str(ts.dt.tz) == "UTC"
        for _zone, group in df.groupby("zone"):
            assert group["timestamp"].is_monotonic_increasing
    # zone ids: country alpha-2, or a finer key made of a coarser key plus '-SUFFIX',
    # or a provider site id
    for z in df["zone"].unique():
        if ":" in z:
            assert z.split(":")[0] in {"aws", "gcp", "azure"}
        else:
            head = z.split("-")[0]
            assert len(head) == 2 and head.isupper(), z


def test_defaults_point_to_bundled_zone_tables_with_that_column() -> None:
    defaults = catalog.defaults()
    assert defaults["carbon_g_per_kwh"] and defaults["ewif_l_per_kwh"]
    assert defaults["health_usd_per_mwh"]
    for factor, names in defaults.items():
        assert names == catalog.default_datasets(factor)
        for name in names:
            d = catalog.info(name)
            assert d.role == "zone_factors"
            assert factor in catalog.load(name).columns


def test_eglb_series_are_never_defaults() -> None:
    for names in catalog.defaults().values():
        assert "eglb-hourly-2022" not in names


def test_one_methodology_per_zone_key_in_the_defaults() -> None:
    """Where two default datasets share a zone key, the first one wins; the country
    dataset is listed first so that national keys (US, FI) use the same method."""
    carbon = catalog.default_datasets("carbon_g_per_kwh")
    assert carbon[0] == "country-carbon-owid"
    water = catalog.default_datasets("ewif_l_per_kwh")
    assert all("incl-hydro" in n for n in water)


def test_unknown_dataset_lists_near_matches() -> None:
    from fairwatt.errors import InputError

    with pytest.raises(InputError, match=r"did you mean.*country-carbon-owid"):
        catalog.info("country-carbon-owd")


def test_docs_and_notice_name_every_dataset() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    docs = (root / "docs" / "data.md").read_text(encoding="utf-8")
    notice = (root / "NOTICE").read_text(encoding="utf-8")
    for name in DATASETS:
        assert f"`{name}`" in docs, f"docs/data.md does not describe {name}"
    for licence in ("CC BY 4.0", "Apache License", "MIT License"):
        assert licence in notice
