"""The bundled data as DataFrames: the sites catalog and the factor datasets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


def sites() -> pd.DataFrame:
    """The bundled catalog of cloud regions (sites).

    Returns
    -------
    pandas.DataFrame
        Indexed by site id (e.g. ``aws:us-east-1``): ``zone`` (the grid zone whose
        factors apply), ``pue`` [-], ``wue_l_per_kwh`` [L/kWh of IT energy],
        ``capacity_kw`` [kW] (NaN when unknown), text columns (``label``, ``provider``,
        ``region``, ``location``, ``pue_source``, ``wue_source``) and ``origin`` (the
        bundled dataset each row comes from).

    Examples
    --------
    >>> import fairwatt
    >>> fairwatt.sites().loc["aws:us-east-1", "zone"]
    'US-VA'
    """
    from fairwatt.factors.sites import load_sites

    return load_sites()


#: columns of :func:`datasets`, in order
DATASET_COLUMNS = (
    "name",
    "version",
    "title",
    "role",
    "factors",
    "kind",
    "resolution",
    "year",
    "coverage",
    "licence",
    "source",
    "url",
    "file",
)


def datasets() -> pd.DataFrame:
    """The bundled datasets and their metadata.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, in manifest order, with columns ``name``, ``version``
        (pin it with ``audit(..., datasets=["NAME@VERSION"])``), ``title``, ``role``
        (``zone_factors``, ``sites``, ...), ``factors`` (the canonical factor columns
        it holds, comma-separated), ``kind`` (average, marginal, consumption, ...),
        ``resolution`` (annual, monthly, hourly, static), ``year`` (data year or
        ``first-last``), ``coverage``, ``licence``, ``source`` (title(s)), ``url`` and
        ``file``.

    Examples
    --------
    >>> import fairwatt
    >>> "country-carbon-owid" in set(fairwatt.datasets()["name"])
    True
    """
    import pandas as pd

    from fairwatt.datasets.catalog import manifest

    rows = []
    for d in manifest():
        sources = d.source if isinstance(d.source, list) else [d.source]
        titles = [s.get("title", "") if isinstance(s, dict) else str(s) for s in sources]
        urls = [s.get("url", "") for s in sources if isinstance(s, dict)]
        year = d.year
        if isinstance(year, list | tuple):
            year = "-".join(str(y) for y in year)
        rows.append(
            {
                "name": d.name,
                "version": d.version,
                "title": d.title,
                "role": d.role,
                "factors": ", ".join(c for c in d.columns if _is_factor_column(c)),
                "kind": d.kind,
                "resolution": d.resolution,
                "year": "" if year is None else str(year),
                "coverage": d.coverage,
                "licence": d.licence,
                "source": "; ".join(t for t in titles if t),
                "url": " ".join(u for u in urls if u),
                "file": d.file,
            }
        )
    return pd.DataFrame(rows, columns=list(DATASET_COLUMNS))


def _is_factor_column(column: str) -> bool:
    return column.endswith(("_per_kwh", "_per_mwh"))


def dataset(name: str) -> pd.DataFrame:
    """The data of one bundled dataset, with its metadata in ``df.attrs``.

    Parameters
    ----------
    name : str
        Dataset name, as listed by :func:`datasets` (e.g. ``"country-carbon-owid"``).

    Returns
    -------
    pandas.DataFrame
        The table (a fresh copy; ``timestamp`` parsed as UTC). Its ``attrs`` hold the
        manifest entry: ``name``, ``version``, ``title``, ``source``, ``year``,
        ``licence``, ``attribution``, ``kind``, ``role``, ``resolution``, ``columns``
        (column -> unit or description), ``coverage``, ``caveats``, ``citation``,
        ``sha256``, ...

    Raises
    ------
    InputError
        An unknown name (near matches are suggested).

    Examples
    --------
    >>> import fairwatt
    >>> df = fairwatt.dataset("country-carbon-owid")
    >>> df.attrs["licence"]
    'CC-BY-4.0'
    """
    import dataclasses

    from fairwatt.datasets.catalog import info, load

    if not isinstance(name, str):
        raise InputError(f"name: expected a dataset name, got {name!r}")
    meta = info(name)
    df = load(name)
    attrs = dataclasses.asdict(meta)
    attrs.update(attrs.pop("extra"))
    df.attrs.update(attrs)
    return df
