"""Tables and values in JSON documents: the typed results' shared (de)serialisation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def plain(value: Any) -> Any:
    """``value`` with only JSON types: NaN -> None, ±inf -> "inf"/"-inf"."""
    import numpy as np
    import pandas as pd

    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def frame_to_doc(df: pd.DataFrame) -> dict[str, Any]:
    """A table as JSON: column names, dtypes and rows of plain values."""
    return {
        "columns": [str(c) for c in df.columns],
        "dtypes": [str(t) for t in df.dtypes],
        "data": [plain(list(row)) for row in df.itertuples(index=False)],
    }


def frame_from_doc(doc: Mapping[str, Any]) -> pd.DataFrame:
    """The table :func:`frame_to_doc` wrote, with its dtypes."""
    import pandas as pd

    df = pd.DataFrame(doc["data"], columns=doc["columns"], dtype=object)
    for col, dtype in zip(doc["columns"], doc["dtypes"], strict=True):
        if dtype.startswith("datetime64"):
            df[col] = pd.to_datetime(df[col], utc="UTC" in dtype, format="ISO8601").astype(dtype)
        else:
            df[col] = df[col].astype(dtype)
    return df
