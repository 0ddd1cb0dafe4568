"""The service of ``fairwatt equity``: read a table, aggregate per region, normalise and
compute every inequity index, as an :class:`~fairwatt.services.equity_result.EquityResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError
from fairwatt.footprint_models import equity as eq
from fairwatt.io.tables import first_row_number, read_table
from fairwatt.services.equity import (
    ENERGY_COLUMN,
    REQUESTS_COLUMN,
    aggregate,
    align_weights,
    check_columns,
    check_gini_form,
    check_normalization,
    check_per_group,
    check_unweighted_sample,
    default_value_columns,
    indices_for_groups,
    normalize,
    read_weights,
    wide_indices,
    with_bounds,
)
from fairwatt.services.equity_result import NORMALIZATION_LABEL, EquityOptions, EquityResult

if TYPE_CHECKING:
    import pandas as pd

#: The column each normalisation divides by, when it is a column of the table.
_DIVISOR_COLUMN = {"per_kwh": ENERGY_COLUMN, "per_request": REQUESTS_COLUMN}


def equity_report(source: str | Path, options: EquityOptions) -> EquityResult:
    """Read ``source``, aggregate per region, normalise, and compute every index.

    Returns an :class:`~fairwatt.services.equity_result.EquityResult`; its
    :meth:`~fairwatt.services.equity_result.EquityResult.to_report` has the tables
    ``indices`` (or ``lorenz`` first when ``options.lorenz``) and ``per_region``.

    Raises
    ------
    InputError
        Contradictory options, an unreadable table or weights file, missing columns,
        or values that are not finite non-negative numbers.
    """
    file = str(source) if str(source) != "-" else "<stdin>"
    _check_options(options)
    df = read_table(source)
    df.columns = [str(c) for c in df.columns]
    weights = None
    if options.weights_file is not None:
        weights = read_weights(options.weights_file, key=options.by)
    values = _value_columns(df, options, file)
    divisor = _DIVISOR_COLUMN.get(options.normalize)
    if divisor is not None and divisor not in df.columns:
        raise InputError(
            f"--normalize {options.normalize} needs a column {divisor!r}; "
            f"available: {', '.join(map(str, df.columns))}",
            file=file,
        )
    to_sum = list(dict.fromkeys([*values, *([divisor] if divisor else [])]))
    per_group = aggregate(df, options.by, to_sum, file=file, first_row=first_row_number(source))
    if weights is not None:
        weights = align_weights(per_group.index, weights, file=options.weights_file)
    normalised = normalize(
        per_group, values, options.normalize, weights=weights, weights_file=options.weights_file
    )
    result = _result(normalised, values, options, weights=weights, source=file)
    result.provenance = upstream_provenance(source)
    return result


def upstream_provenance(source: str | Path) -> list[dict[str, Any]]:
    """The provenance a Parquet file written by fairwatt carries (the ``fairwatt`` key
    of its schema metadata, in the layout of any version), in the one shape of
    :func:`~fairwatt.reporting.document.normalize_provenance`; ``[]`` for other
    tables."""
    import json

    from fairwatt.reporting.document import normalize_provenance

    if str(source) == "-" or Path(source).suffix.lower() not in (".parquet", ".pq"):
        return []
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(source).metadata or {}).get(b"fairwatt")
        doc = json.loads(raw) if raw else {}
    except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
        return []
    if not isinstance(doc, dict):
        return []
    meta = doc.get("metadata") if "provenance" not in doc else doc
    provenance = meta.get("provenance") if isinstance(meta, dict) else None
    return normalize_provenance(provenance) if isinstance(provenance, list) else []


def _check_options(options: EquityOptions) -> None:
    """Options that contradict each other (or unknown choices) -> InputError."""
    check_normalization(options.normalize)
    check_gini_form(options.gini_form)
    uses_weights = options.weighted or options.normalize == "per_weight"
    if options.weights_file is None and uses_weights:
        raise InputError(
            "population weighting and --normalize per_weight need a weights file",
            hint="pass --weights-file FILE (columns zone,weight)",
        )
    if options.weights_file is not None and not uses_weights:
        raise InputError(
            "a weights file was given but not used",
            hint="add --normalize per_weight (per capita) and/or --weighted "
            "(population-weighted indices)",
        )
    check_unweighted_sample(
        options.gini_form, options.weighted, hint="drop --gini-form sample or --weighted"
    )


def _parse_values(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    out = [v.strip() for item in values for v in item.split(",") if v.strip()]
    return out or None


def _value_columns(df: pd.DataFrame, options: EquityOptions, file: str) -> list[str]:
    """The value columns asked for (or every footprint column), with their bounds."""
    values = _parse_values(options.values)
    if values is None:
        values = default_value_columns(df, options.by)
        if not values:
            raise InputError(
                "no footprint columns (*_kg, *_l, *_usd) found; "
                f"available: {', '.join(map(str, df.columns))}",
                file=file,
                hint="name them with --value",
            )
    check_columns(df, values, "value", file)
    return with_bounds(values, list(df.columns))


def _result(
    normalised: pd.DataFrame,
    values: list[str],
    options: EquityOptions,
    *,
    weights: pd.Series | None,
    source: str,
) -> EquityResult:
    """The indices (and Lorenz points) of the per-region values ``normalised``."""
    pop = weights if options.weighted else None
    details = indices_for_groups(
        normalised,
        values,
        gini_form=options.gini_form,
        weights=pop,
        epsilons=options.epsilons,
        q=options.q,
        k=options.k,
    )
    details.insert(3, "normalization", options.normalize)
    lorenz = lorenz_table(normalised, values, weights=pop) if options.lorenz else None
    return EquityResult(
        indices=wide_indices(details, values),
        details=details,
        per_region=normalised,
        lorenz=lorenz,
        weights=weights,
        notes=_notes(len(normalised), options),
        options=options,
        source=source,
    )


def _notes(regions: int, options: EquityOptions) -> list[str]:
    """What the numbers mean: regions and normalisation, Gini form, weighting."""
    gini_note = eq.GINI_FORM_FORMULAS["weighted" if options.weighted else options.gini_form]
    notes = [
        f"{regions} region(s) by {options.by!r}; values {NORMALIZATION_LABEL[options.normalize]}",
        f"Gini: {gini_note}",
    ]
    if options.weighted:
        notes.append("indices weighted by the weights file (max/min and L_q norm unweighted)")
    if regions == 1:
        notes.append("one region only: every relative index is at its equality value")
    return notes


def lorenz_table(
    per_group: pd.DataFrame,
    value_columns: Sequence[str],
    *,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Lorenz points per value column: ``value``, ``region`` (the region added at that
    point, empty at the origin), ``population_share``, ``value_share``."""
    import numpy as np
    import pandas as pd

    check_per_group(per_group, value_columns)
    w = None if weights is None else align_weights(per_group.index, weights).to_numpy(float)
    regions = np.asarray(per_group.index.astype(str), dtype=object)
    frames = []
    for col in value_columns:
        x = per_group[col].to_numpy(dtype=float)
        try:
            curve = eq.lorenz_curve(x, w)
        except ValueError as exc:
            raise InputError(str(exc), column=col) from None
        order = np.argsort(x, kind="stable")
        frames.append(
            pd.DataFrame(
                {
                    "value": col,
                    "region": np.concatenate(([""], regions[order])),
                    "population_share": curve.population_share,
                    "value_share": curve.value_share,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "EquityOptions",
    "EquityResult",
    "equity_report",
    "lorenz_table",
    "upstream_provenance",
]
