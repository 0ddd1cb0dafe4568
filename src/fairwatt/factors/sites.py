"""The sites catalog: site id -> grid zone, PUE, on-site WUE and where each came from.

The bundled catalog (datasets with role ``sites``) covers the public AWS, GCP and Azure
regions (``aws:us-east-1``, ``gcp:europe-west1``, ``azure:westeurope``). User files extend
it or override it by site id, later files winning:

* CSV with a header row: ``site`` plus any of the columns below;
* TOML with one table per site::

      [sites."my-dc"]
      zone = "US-VA"
      pue = 1.2
      wue_l_per_kwh = 0.3

  or an array of tables, each naming its site::

      [[sites]]
      site = "my-dc"
      zone = "US-VA"
      pue = 1.2
      wue_l_per_kwh = 0.3

A new site needs ``zone``, ``pue`` and ``wue_l_per_kwh``; a row that overrides a catalog
site may leave any of them out (or empty) and inherits the catalog value. Checks: PUE in
[1, 3], WUE in [0, 20] L/kWh, capacity >= 0 kW, zone non-empty. Errors name the file,
the row (the line of a CSV file, header = line 1) and the column.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: Columns of :func:`load_sites` (besides the ``site`` index), in order.
SITE_COLUMNS: tuple[str, ...] = (
    "zone",
    "pue",
    "wue_l_per_kwh",
    "label",
    "provider",
    "region",
    "location",
    "pue_source",
    "wue_source",
    "capacity_kw",
    "origin",
)
_NUMERIC = ("pue", "wue_l_per_kwh", "capacity_kw")
_TEXT = ("zone", "label", "provider", "region", "location", "pue_source", "wue_source")
_USER_COLUMNS = ("site", *_TEXT, *_NUMERIC)
_ALIASES = {"wue": "wue_l_per_kwh", "capacity": "capacity_kw"}
_RANGES = {"pue": (1.0, 3.0), "wue_l_per_kwh": (0.0, 20.0), "capacity_kw": (0.0, math.inf)}
_HINTS = {
    "pue": "PUE is facility energy / IT energy, between 1 and 3",
    "wue_l_per_kwh": "on-site WUE is litres of water per kWh of IT energy, between 0 and 20",
    "capacity_kw": "capacity is a power in kW, 0 or more",
}
SITES_HINT = "pass --sites FILE (CSV or TOML) giving the site's zone, pue and wue_l_per_kwh"


def _bundled() -> dict[str, dict[str, Any]]:
    """The bundled sites as ``{site: record}`` (a fresh copy: callers extend it)."""
    return {site: dict(rec) for site, rec in _bundled_records().items()}


@functools.cache
def _bundled_records() -> dict[str, dict[str, Any]]:
    from fairwatt.datasets import catalog

    records: dict[str, dict[str, Any]] = {}
    for d in catalog.manifest():
        if d.role != "sites":
            continue
        df = catalog.load(d.name)
        for row in df.to_dict("records"):
            rec = {c: row.get(c) for c in SITE_COLUMNS if c != "origin"}
            rec["origin"] = d.name
            records[str(row["site"])] = rec
    return records


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _number(value: Any, *, file: str, row: int | None, column: str, where: str) -> float:
    def bad(what: str) -> InputError:
        return InputError(
            f"{where}{column} {what}", file=file, row=row, column=column, hint=_HINTS[column]
        )

    try:
        if isinstance(value, bool):
            raise TypeError
        x = float(value)
    except (TypeError, ValueError):
        raise bad(f"must be a number, got {value!r}") from None
    lo, hi = _RANGES[column]
    if not (lo <= x <= hi) or math.isnan(x):
        bounds = f"[{lo:g}, {hi:g}]" if math.isfinite(hi) else f">= {lo:g}"
        raise bad(f"= {x:g} is outside {bounds}")
    return x


def _check_columns(columns: Iterable[str], *, file: str, row: int | None, where: str) -> None:
    for col in columns:
        if col not in _USER_COLUMNS:
            close = difflib.get_close_matches(col, _USER_COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise InputError(
                f"{where}unknown column {col!r}; known: {', '.join(_USER_COLUMNS)}",
                file=file,
                row=row,
                column=col,
                hint=hint,
            )


def _canonical(key: str) -> str:
    k = str(key).strip()
    return _ALIASES.get(k, k)


def _read_csv(path: Path) -> Iterator[tuple[int | None, str, dict[str, Any]]]:
    """Rows of a sites CSV as text, read by :func:`fairwatt.io.tables.read_table` (only
    empty cells are missing: zone ``NA`` is Namibia)."""
    from fairwatt.io.tables import read_table

    name = str(path)
    df = read_table(path, what="sites file", text=True)
    fields = [_canonical(f) for f in df.columns]
    if len(set(fields)) != len(fields):
        raise InputError("duplicate column names", file=name, row=1)
    _check_columns(fields, file=name, row=1, where="")
    if "site" not in fields:
        raise InputError(
            "no 'site' column",
            file=name,
            row=1,
            column="site",
            hint="the first row must name the columns: site,zone,pue,...",
        )
    df.columns = fields
    for i, rec in enumerate(df.to_dict("records")):
        site = rec.get("site")
        yield i + 2, "" if _blank(site) else str(site).strip(), {str(k): v for k, v in rec.items()}


def _read_toml(path: Path) -> Iterator[tuple[int | None, str, dict[str, Any]]]:
    name = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=name) from None
    sites = doc.get("sites")
    if isinstance(sites, list) and sites:
        yield from _toml_array(sites, name)
        return
    if not isinstance(sites, dict) or not sites:
        raise InputError(
            'no [sites."<id>"] tables and no [[sites]] array',
            file=name,
            hint='write e.g. [sites."my-dc"] with zone = "US-VA", pue = 1.2, wue_l_per_kwh = 0.3',
        )
    for site, table in sites.items():
        if not isinstance(table, dict):
            raise InputError(
                f"sites.{site} must be a table",
                file=name,
                hint=f'write [sites."{site}"] followed by key = value lines',
            )
        rec = {_canonical(k): v for k, v in table.items()}
        _check_columns(rec, file=name, row=None, where=f'[sites."{site}"] ')
        yield None, str(site).strip(), rec


def _toml_array(sites: list[Any], name: str) -> Iterator[tuple[int | None, str, dict[str, Any]]]:
    """The ``[[sites]]`` form: each table names its site with ``site = "..."``."""
    for i, table in enumerate(sites, start=1):
        where = f"[[sites]] number {i}: "
        if not isinstance(table, dict):
            raise InputError(
                f"{where}not a table", file=name, hint='write [[sites]] then site = "..."'
            )
        site = table.get("site")
        if not isinstance(site, str) or not site.strip():
            raise InputError(
                f"{where}has no site id",
                file=name,
                hint='give each [[sites]] table a site = "my-dc" line',
            )
        rec = {_canonical(k): v for k, v in table.items() if k != "site"}
        _check_columns(rec, file=name, row=None, where=where)
        yield None, site.strip(), rec


def _read_user(path: Path) -> Iterator[tuple[int | None, str, dict[str, Any]]]:
    if not path.is_file():
        raise InputError(f"sites file not found: {path}", hint="check the path")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".toml":
        return _read_toml(path)
    raise InputError(
        f"cannot read sites from {path.name}", file=str(path), hint="use a .csv or .toml file"
    )


def _read_frame(df: pd.DataFrame, name: str) -> Iterator[tuple[int | None, str, dict[str, Any]]]:
    """Rows of a sites DataFrame (``site`` a column or the index; rows numbered from 1).
    An ``origin`` column, as in :func:`load_sites` output, is ignored."""
    if "site" not in df.columns and df.index.name == "site":
        df = df.reset_index()
    df = df.drop(columns=[c for c in df.columns if c == "origin"])
    fields = [_canonical(f) for f in df.columns]
    if len(set(fields)) != len(fields):
        raise InputError("duplicate column names", file=name)
    _check_columns(fields, file=name, row=None, where="")
    if "site" not in fields:
        raise InputError(
            "no 'site' column", file=name, column="site", hint="give a site column or index"
        )
    df = df.set_axis(fields, axis=1).astype(object)
    df = df.where(df.notna(), None)
    for i, rec in enumerate(df.to_dict("records")):
        site = rec.get("site")
        yield i + 1, "" if _blank(site) else str(site).strip(), {str(k): v for k, v in rec.items()}


def _merge_user(
    records: dict[str, dict[str, Any]], path: Path | pd.DataFrame, name: str = "<DataFrame>"
) -> None:
    if isinstance(path, Path):
        name, short, rows = str(path), f"user file {path.name}", _read_user(path)
    else:
        short, rows = f"user table {name}", _read_frame(path, name)
    seen: set[str] = set()
    for row, site, rec in rows:
        where = f'[sites."{site}"] ' if row is None else ""
        if not site:
            raise InputError("empty site id", file=name, row=row, column="site")
        if site in seen:
            raise InputError(f"site {site!r} appears twice", file=name, row=row, column="site")
        seen.add(site)
        base = records.get(site)
        out: dict[str, Any] = dict(base) if base else dict.fromkeys(SITE_COLUMNS)
        for col in _TEXT:
            value = rec.get(col)
            if not _blank(value):
                if not isinstance(value, str):
                    raise InputError(f"{where}{col} must be text", file=name, row=row, column=col)
                out[col] = value.strip()
        for col in _NUMERIC:
            value = rec.get(col)
            if not _blank(value):
                out[col] = _number(value, file=name, row=row, column=col, where=where)
                if col == "pue" and _blank(rec.get("pue_source")):
                    out["pue_source"] = short
                if col == "wue_l_per_kwh" and _blank(rec.get("wue_source")):
                    out["wue_source"] = short
        if base is None:
            for col in ("zone", "pue", "wue_l_per_kwh"):
                if _blank(out.get(col)):
                    raise InputError(
                        f"{where}new site {site!r} needs a {col}",
                        file=name,
                        row=row,
                        column=col,
                        hint="only a row overriding a catalog site may leave zone, pue or "
                        "wue_l_per_kwh out; `fairwatt sites list` shows the catalog",
                    )
            if _blank(out.get("label")):
                out["label"] = site
        out["origin"] = name
        records[site] = out


def load_sites(
    paths: Iterable[str | Path | pd.DataFrame] = (), *, bundled: bool = True
) -> pd.DataFrame:
    """The sites catalog, extended or overridden by user files.

    Parameters
    ----------
    paths : iterable of str, Path or DataFrame
        User sites files (CSV or TOML) or DataFrames of the same columns (``site`` a
        column or the index; rows numbered from 1 in messages, the table named
        ``<DataFrame>``), applied in order; a later one overrides an earlier one and
        the bundled catalog, site by site.
    bundled : bool, default True
        Start from the bundled catalog (datasets with role ``sites``).

    Returns
    -------
    DataFrame
        Indexed by site id (``site``), columns :data:`SITE_COLUMNS`: ``pue`` [-],
        ``wue_l_per_kwh`` [L/kWh of IT energy], ``capacity_kw`` [kW] (NaN when unknown),
        text columns, and ``origin`` (the bundled dataset name or the user file).

    Raises
    ------
    InputError
        A file is missing or unreadable, a column is unknown, a value is out of range,
        or a new site lacks zone, pue or wue_l_per_kwh.
    """
    import pandas as pd

    paths = list(paths)
    if not paths and bundled:
        return _bundled_frame().copy()
    records = _bundled() if bundled else {}
    for p in paths:
        _merge_user(records, p if isinstance(p, pd.DataFrame) else Path(p))
    return _frame(records)


@functools.cache
def _bundled_frame() -> pd.DataFrame:
    """The bundled catalog alone, built once per process (callers get copies)."""
    return _frame(_bundled())


def _frame(records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame.from_dict(records, orient="index", columns=list(SITE_COLUMNS))
    df.index.name = "site"
    for col in _NUMERIC:
        df[col] = pd.to_numeric(df[col], errors="raise").astype(float)
    for col in (*_TEXT, "origin"):
        df[col] = df[col].where(df[col].notna(), "").astype(str)
    return df


def resolve_sites(names: Iterable[str], sites: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``sites`` for ``names`` (unique, in first-seen order).

    Parameters
    ----------
    names : iterable of str
        Site ids as used in an energy log.
    sites : DataFrame
        A catalog from :func:`load_sites`.

    Returns
    -------
    DataFrame
        The matching rows, indexed by site id.

    Raises
    ------
    InputError
        A site id is not in the catalog; the message lists near matches and the hint
        says how to add the site.
    """
    wanted = list(dict.fromkeys(str(n) for n in names))
    known = set(map(str, sites.index))
    unknown = [n for n in wanted if n not in known]
    if unknown:
        first = unknown[0]
        close = difflib.get_close_matches(first, sorted(known), n=3, cutoff=0.5)
        listed = ", ".join(repr(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        noun = "site" if len(unknown) == 1 else f"{len(unknown)} sites"
        hint = (f"did you mean {', '.join(close)}? " if close else "") + SITES_HINT
        raise InputError(f"unknown {noun}: {listed}", hint=hint)
    return sites.loc[wanted]
