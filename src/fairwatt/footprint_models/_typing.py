"""Type aliases shared by the models: scalars, NumPy arrays and pandas Series."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # names only: importing the models must not import pandas
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

Numeric = TypeVar("Numeric", float, "npt.NDArray[np.float64]", "pd.Series")
