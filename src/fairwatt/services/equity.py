"""Inequity indices over a table: aggregate per region, normalise, compute every index.

The table-level counterpart of :mod:`fairwatt.footprint_models.equity`. Input is any
table with a group column (``zone``, ``site``, ...) and footprint columns
(``carbon_kg``, ``water_l``, ``health_usd``, ...): an audit output or a user file.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from fairwatt.errors import InputError
from fairwatt.footprint_models import equity as eq
from fairwatt.io.tables import first_row_number, read_table

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


Normalization = Literal["raw", "per_kwh", "per_request", "per_weight"]
NORMALIZATIONS: tuple[str, ...] = ("raw", "per_kwh", "per_request", "per_weight")
GINI_FORMS: tuple[str, ...] = ("population", "sample")

#: Column that ``per_kwh`` divides by. [kWh]
ENERGY_COLUMN = "energy_kwh"
#: Column that ``per_request`` divides by. [requests]
REQUESTS_COLUMN = "requests"
#: Suffixes of footprint columns picked when no value column is named.
FOOTPRINT_SUFFIXES: tuple[str, ...] = ("_kg", "_l", "_usd")

_BOUND_TOKENS = ("low", "high")


# --------------------------------------------------------------------------- value columns


@dataclass(frozen=True)
class ValueColumn:
    """A value column, and which footprint and uncertainty bound it stands for."""

    column: str
    footprint: str
    bound: str  # "central", "low" or "high"


def split_bound(column: str) -> tuple[str, str]:
    """``("health_usd", "low")`` for ``health_low_usd`` or ``health_usd_low``;
    ``(column, "central")`` when the name carries no ``low``/``high`` token."""
    tokens = column.split("_")
    for bound in _BOUND_TOKENS:
        if bound in tokens[1:]:
            i = tokens.index(bound, 1)
            return "_".join(tokens[:i] + tokens[i + 1 :]), bound
    return column, "central"


def classify_columns(columns: Sequence[str]) -> list[ValueColumn]:
    """Pair ``low``/``high`` columns with their central column.

    A column is a bound only when its central column is also in ``columns``;
    otherwise it is a footprint of its own. The result is ordered footprint by
    footprint (in first-seen order), central then low then high.
    """
    present = set(columns)
    items: list[ValueColumn] = []
    for col in columns:
        central, bound = split_bound(col)
        if bound != "central" and central in present:
            items.append(ValueColumn(col, central, bound))
        else:
            items.append(ValueColumn(col, col, "central"))
    order = {"central": 0, "low": 1, "high": 2}
    first_seen: dict[str, int] = {}
    for it in items:
        first_seen.setdefault(it.footprint, len(first_seen))
    return sorted(items, key=lambda it: (first_seen[it.footprint], order[it.bound]))


def with_bounds(selected: Sequence[str], available: Sequence[str]) -> list[str]:
    """``selected`` plus, for each, its ``low``/``high`` columns found in ``available``."""
    out = list(dict.fromkeys(selected))
    for col in list(out):
        for other in available:
            if other in out:
                continue
            central, bound = split_bound(other)
            if bound != "central" and central == col:
                out.append(other)
    return out


# --------------------------------------------------------------------------- reading


def read_weights(path: str | Path, *, key: str = "zone") -> pd.Series:
    """Read a ``zone,weight`` file into a Series (index: region name as text).

    The region column is ``key`` when present, else ``zone``; the value column is
    ``weight``. Weights must be finite and non-negative, regions unique.
    """
    import pandas as pd

    p = str(path)
    df = read_table(path, what="weights file")
    first = first_row_number(path)
    key_col = key if key in df.columns else "zone" if "zone" in df.columns else None
    if key_col is None or "weight" not in df.columns:
        raise InputError(
            f"a weights file needs columns {key!r} (or 'zone') and 'weight'; "
            f"found: {', '.join(map(str, df.columns))}",
            file=p,
        )
    names = df[key_col]
    weight = pd.to_numeric(df["weight"], errors="coerce")
    for i in range(len(df)):
        if pd.isna(names.iloc[i]):
            raise InputError("region name is empty", file=p, row=i + first, column=key_col)
        w = weight.iloc[i]
        if pd.isna(w) or not math.isfinite(float(w)):
            raise InputError(
                f"weight of {names.iloc[i]!s} is missing or not a finite number",
                file=p,
                row=i + first,
                column="weight",
            )
        if w < 0:
            raise InputError(
                f"weight of {names.iloc[i]!s} is negative ({w})",
                file=p,
                row=i + first,
                column="weight",
                hint="weights are populations or scores >= 0",
            )
    keys = names.astype(str)
    dup = keys[keys.duplicated()]
    if len(dup):
        raise InputError(f"region {dup.iloc[0]!r} appears more than once", file=p, column=key_col)
    return pd.Series(weight.to_numpy(dtype=float), index=pd.Index(keys, name=key), name="weight")


# --------------------------------------------------------------------------- per group


def check_columns(df: pd.DataFrame, wanted: Sequence[str], what: str, file: str | None) -> None:
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise InputError(
            f"no {what} column {', '.join(repr(m) for m in missing)}; "
            f"available: {', '.join(map(str, df.columns))}",
            file=file,
        )


def default_value_columns(df: pd.DataFrame, by: str) -> list[str]:
    """Numeric columns named like footprints (``*_kg``, ``*_l``, ``*_usd``)."""
    import pandas as pd

    return [
        str(c)
        for c in df.columns
        if c != by and str(c).endswith(FOOTPRINT_SUFFIXES) and pd.api.types.is_numeric_dtype(df[c])
    ]


def aggregate(
    df: pd.DataFrame,
    by: str,
    columns: Sequence[str],
    *,
    file: str | None = None,
    first_row: int = 1,
) -> pd.DataFrame:
    """Sum ``columns`` per value of ``by`` after validating every cell.

    Returns one row per region (index: region name as text, sorted), float columns.

    Raises
    ------
    InputError
        Unknown columns (listing the available ones), an empty table, a missing region
        name, or a value that is non-numeric, NaN, infinite or negative (naming the
        row, region and column). The first data row is numbered ``first_row`` (2 for
        CSV, where rows are line numbers and the header is line 1).
    """
    import numpy as np
    import pandas as pd

    check_columns(df, [by], "group", file)
    check_columns(df, columns, "value", file)
    if len(df) == 0:
        raise InputError("the table has no rows", file=file)
    groups = df[by]
    bad_group = np.flatnonzero(groups.isna().to_numpy())
    if bad_group.size:
        raise InputError(
            "region name is empty", file=file, row=int(bad_group[0]) + first_row, column=by
        )
    keys = groups.astype(str)
    data = {}
    for col in columns:
        raw = df[col]
        num = pd.to_numeric(raw, errors="coerce").astype(float)
        vals = num.to_numpy()
        problem = _first_bad_value(raw, vals, keys)
        if problem is not None:
            i, message, hint = problem
            raise InputError(message, file=file, row=i + first_row, column=col, hint=hint)
        data[col] = vals
    frame = pd.DataFrame(data, index=pd.Index(keys.to_numpy(dtype=object), name=by))
    return frame.groupby(level=0, sort=True).sum()


def _first_bad_value(
    raw: pd.Series, vals: np.ndarray, keys: pd.Series
) -> tuple[int, str, str | None] | None:
    """The first cell of a column that is not a finite non-negative number, as
    (position, message, hint); ``None`` when every cell is valid. ``vals`` is ``raw``
    as floats (NaN where not numeric), ``keys`` the region of each row."""
    import numpy as np

    bad = np.flatnonzero(np.isnan(vals) & raw.notna().to_numpy())
    if bad.size:
        i = int(bad[0])
        return i, f"value {raw.iloc[i]!r} for region {keys.iloc[i]} is not a number", None
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        i = int(bad[0])
        what = "missing (NaN)" if np.isnan(vals[i]) else "infinite"
        hint = "every region needs a finite value; fill or drop the row"
        return i, f"value for region {keys.iloc[i]} is {what}", hint
    bad = np.flatnonzero(vals < 0)
    if bad.size:
        i = int(bad[0])
        message = f"value for region {keys.iloc[i]} is negative ({vals[i]:g})"
        return i, message, "footprints are non-negative"
    return None


def check_per_group(per_group: pd.DataFrame, columns: Sequence[str]) -> None:
    """NaN / infinite / negative values in a per-region table -> InputError."""
    import numpy as np

    check_columns(per_group, columns, "value", None)
    if len(per_group) == 0:
        raise InputError("no regions to compare")
    for col in columns:
        try:
            vals = per_group[col].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise InputError(
                f"values are not numeric (dtype {per_group[col].dtype})", column=col
            ) from None
        bad = np.flatnonzero(~np.isfinite(vals) | (vals < 0))
        if bad.size:
            i = int(bad[0])
            v = vals[i]
            what = (
                "missing (NaN)"
                if np.isnan(v)
                else "infinite"
                if np.isinf(v)
                else f"negative ({v:g})"
            )
            raise InputError(
                f"value for region {per_group.index[i]!s} is {what}",
                column=col,
                hint="footprints are finite and non-negative",
            )


def align_weights(regions: pd.Index, weights: pd.Series, *, file: str | None = None) -> pd.Series:
    """Weights in the order of ``regions``.

    Raises
    ------
    InputError
        Naming every region that the weights do not cover.
    """
    keys = regions.astype(str)
    w = weights.copy()
    w.index = w.index.astype(str)
    missing = [k for k in keys if k not in w.index]
    if missing:
        shown = ", ".join(missing[:20]) + (
            f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        )
        raise InputError(
            f"weights miss {len(missing)} region(s): {shown}",
            file=file,
            hint="add a weight for every region of the table",
        )
    return w.reindex(keys)


def check_normalization(how: str) -> None:
    """An unknown normalisation -> InputError."""
    if how not in NORMALIZATIONS:
        raise InputError(
            f"unknown normalisation {how!r}", hint=f"use one of: {', '.join(NORMALIZATIONS)}"
        )


def normalize(
    per_group: pd.DataFrame,
    columns: Sequence[str],
    how: str,
    *,
    weights: pd.Series | None = None,
    weights_file: str | None = None,
) -> pd.DataFrame:
    """Divide each region's values by its energy, requests or weight.

    ``raw`` returns the totals unchanged. A region whose divisor is zero raises,
    since its footprint per unit is undefined.
    """
    check_normalization(how)
    out = per_group[list(columns)].copy()
    if how == "raw":
        return out
    if how == "per_weight":
        if weights is None:
            raise InputError(
                "--normalize per_weight needs a weights file", hint="pass --weights-file FILE"
            )
        divisor = align_weights(per_group.index, weights, file=weights_file)
        label, file = "weight", weights_file
    else:
        col = ENERGY_COLUMN if how == "per_kwh" else REQUESTS_COLUMN
        if col not in per_group.columns:
            raise InputError(
                f"--normalize {how} needs a column {col!r}; "
                f"available: {', '.join(map(str, per_group.columns))}"
            )
        divisor = per_group[col]
        label, file = col, None
    zero = [str(r) for r, d in zip(per_group.index, divisor.to_numpy(), strict=True) if d == 0]
    if zero:
        raise InputError(
            f"{label} is zero for region(s) {', '.join(zero)}: footprint {how} is undefined",
            file=file,
            hint="drop those regions or choose another --normalize",
        )
    for col in columns:
        out[col] = per_group[col].to_numpy() / divisor.to_numpy()
    return out


# --------------------------------------------------------------------------- indices


def indices_for_groups(
    per_group: pd.DataFrame,
    value_columns: list[str],
    *,
    gini_form: str = "population",
    weights: pd.Series | None = None,
    epsilons: Sequence[float] = (0.5, 1.0, 2.0),
    q: float = 2.0,
    k: int = 1,
) -> pd.DataFrame:
    """Every inequity index for every value column of a per-region table.

    Parameters
    ----------
    per_group : pandas.DataFrame
        One row per region (index: region), one column per footprint.
        [unit of each column]
    value_columns : list of str
        Columns to compare across regions. Columns named ``<x>_low_<unit>`` /
        ``<x>_high_<unit>`` next to ``<x>_<unit>`` are reported as the low and high
        bounds of that footprint.
    gini_form : {"population", "sample"}, default "population"
        Gini form; the weighted Gini is always the population form.
    weights : pandas.Series, optional
        Population weight per region (index: region); every region must be covered.
    epsilons : sequence of float, default (0.5, 1, 2)
        Atkinson inequality aversions, as in
        :func:`fairwatt.footprint_models.equity.equity_indices`. [dimensionless]
    q : float, default 2
        Order of the L_q norm, as there. [dimensionless]
    k : int, default 1
        Number of most-burdened regions for the top-k share, as there.

    Returns
    -------
    pandas.DataFrame
        Columns ``footprint``, ``bound`` (central/low/high), ``value`` (the column),
        ``index``, ``result`` (float; NaN when undefined, inf when infinite) and
        ``note`` (Gini form, or why a value is undefined or infinite). All-zero
        footprints give NaN with an ``undefined`` note.

    Raises
    ------
    InputError
        A missing column, no regions, a NaN / infinite / negative value (naming the
        region and column), weights that miss regions, or the sample-form Gini with
        weights.
    """
    import pandas as pd

    check_gini_form(gini_form)
    check_unweighted_sample(
        gini_form, weights is not None, hint="use --gini-form population with weights"
    )
    check_per_group(per_group, value_columns)
    w = None
    if weights is not None:
        w = align_weights(per_group.index, weights).to_numpy(dtype=float)
        if not (w > 0).any():
            raise InputError("every region has weight zero", hint="give positive weights")
    _check_index_parameters(epsilons, q, k)
    rows = []
    for vc in classify_columns(value_columns):
        values = per_group[vc.column].to_numpy(dtype=float)
        try:
            results = eq.equity_indices(
                values, w, gini_form=cast("eq.GiniForm", gini_form), epsilons=epsilons, q=q, k=k
            )
        except ValueError as exc:  # invalid weights: checked per value column by the model
            raise InputError(str(exc), column=vc.column) from None
        for r in results:
            rows.append((vc.footprint, vc.bound, vc.column, r.index, r.result, r.note))
    return pd.DataFrame(
        rows, columns=["footprint", "bound", "value", "index", "result", "note"]
    ).astype({"result": float})


def check_gini_form(gini_form: str, *, prefix: str = "") -> None:
    """An unknown Gini form -> InputError (the message starts with ``prefix``)."""
    if gini_form not in GINI_FORMS:
        raise InputError(
            f"{prefix}unknown Gini form {gini_form!r}",
            hint=f"use one of: {', '.join(GINI_FORMS)}",
        )


def check_unweighted_sample(gini_form: str, weighted: bool, *, hint: str, prefix: str = "") -> None:
    """The sample-form Gini with weights -> InputError (the message starts with ``prefix``)."""
    if gini_form == "sample" and weighted:
        raise InputError(
            f"{prefix}the sample-form Gini is defined for unweighted values only", hint=hint
        )


def _check_index_parameters(epsilons: Sequence[float], q: float, k: int) -> None:
    """Atkinson aversions >= 0, ``q >= 1`` and an integer ``k >= 1``, else InputError."""
    try:
        for eps in epsilons:
            if not math.isfinite(float(eps)) or float(eps) < 0:
                raise ValueError(f"Atkinson epsilon must be >= 0, got {eps}")
        if not float(q) >= 1:
            raise ValueError(f"q must be >= 1, got {q}")
        if int(k) != k or k < 1:
            raise ValueError(f"k must be an integer >= 1, got {k}")
    except ValueError as exc:
        raise InputError(str(exc)) from None


def wide_indices(long: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The long table of :func:`indices_for_groups` as one row per index (index named
    ``index``, in the order computed) and one column per value column (``columns``)."""
    table = long.pivot(index="index", columns="value", values="result")
    table = table.reindex(index=long["index"].unique(), columns=list(columns))
    table.columns.name = None
    table.index.name = "index"
    return table


@dataclass(frozen=True)
class IndexOptions:
    """The weights and index parameters of :func:`equity_of`: the keyword arguments of
    :func:`fairwatt.equity`, with the same defaults and meaning (documented there)."""

    weights: pd.Series | Sequence[float] | None = None
    gini_form: str = "population"
    epsilons: Sequence[float] = (0.5, 1.0, 2.0)
    q: float = 2.0
    k: int = 1


def equity_of(
    values: pd.Series | pd.DataFrame, options: IndexOptions | None = None
) -> pd.Series | pd.DataFrame:
    """The inequity indices of per-region values, keyed by index name (``options``:
    default :class:`IndexOptions`).

    A Series (one value per region) gives a Series indexed by index name (``gini``,
    ``max_to_mean``, ...; the names of the audit's equity table); a DataFrame (one row
    per region, one column per footprint) gives a DataFrame with one row per index and
    one column per input column. Errors name the parameter (``values``, ``weights``,
    ``gini_form``, ``epsilons``, ``q``, ``k``). See :func:`indices_for_groups`.
    """
    o = options or IndexOptions()
    weights, gini_form, epsilons, q, k = o.weights, o.gini_form, o.epsilons, o.q, o.k
    frame, single, series_name = _values_frame(values)
    check_gini_form(gini_form, prefix="gini_form: ")
    check_unweighted_sample(
        gini_form,
        weights is not None,
        hint="use gini_form='population' with weights",
        prefix="gini_form: ",
    )
    original = list(frame.columns)
    names = [str(c) for c in original]
    if len(set(names)) != len(names):
        raise InputError("values: column names must be unique")
    frame = frame.set_axis(names, axis=1)
    w = None if weights is None else _weights_series(weights, frame.index)
    if not frame.index.is_unique:
        raise InputError("values: each region must appear once", hint="aggregate per region first")
    try:
        long = indices_for_groups(
            frame, names, gini_form=gini_form, weights=w, epsilons=epsilons, q=q, k=k
        )
    except InputError as exc:
        raise _parameter_error(exc) from None
    table = wide_indices(long, names).set_axis(original, axis=1)
    if single:
        out = table.iloc[:, 0].copy()
        out.name = series_name
        return out
    return table


def _values_frame(values: object) -> tuple[pd.DataFrame, bool, Hashable]:
    """``values`` as a DataFrame, whether it was a Series, and the Series' name."""
    import pandas as pd

    if isinstance(values, pd.DataFrame):
        frame, single, name = values, False, None
    elif isinstance(values, pd.Series):
        name = values.name
        frame, single = values.to_frame("value" if name is None else name), True
    else:
        raise InputError(
            f"values: expected a pandas Series or DataFrame, got {type(values).__name__}",
            hint="one value per region, indexed by region (e.g. pd.Series({'A': 3, 'B': 7}))",
        )
    if frame.shape[1] == 0:
        raise InputError("values: the DataFrame has no columns")
    return frame, single, name


def _weights_series(weights: pd.Series | Sequence[float], regions: pd.Index) -> pd.Series:
    """``weights`` as a Series indexed by region (a sequence is in the order of ``regions``)."""
    import numpy as np
    import pandas as pd

    if isinstance(weights, pd.Series):
        w = weights
    else:
        arr = np.asarray(weights, dtype=float).ravel()
        if arr.size != len(regions):
            raise InputError(
                f"weights: {arr.size} weight(s) for {len(regions)} region(s)",
                hint="give one weight per region, or a Series indexed by region",
            )
        w = pd.Series(arr, index=regions)
    if not w.index.is_unique:
        raise InputError("weights: regions must be unique")
    return w


def _parameter_error(exc: InputError) -> InputError:
    """``exc`` with its message prefixed by the parameter of :func:`equity_of` it is about."""
    text = str(exc)
    if text.startswith(("weights", "every region")) or "weight" in exc.message:
        return InputError(f"weights: {text}")
    if "epsilon" in text:
        return InputError(f"epsilons: {text}")
    if text.startswith(("q must", "k must")):
        return InputError(f"{text[0]}: {text}")
    return InputError(f"values: {text}")
