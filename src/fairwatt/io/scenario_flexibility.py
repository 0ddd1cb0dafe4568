"""The ``[flexibility]`` table of a scenario file: temporally deferrable load.

.. code-block:: toml

   [flexibility]
   deferrable_share = 0.3    # share of each hour's demand that may wait (0..1)
   max_delay_hours = 4       # how long it may wait [h, whole number]

   [flexibility.gateways.europe]   # per-gateway overrides (either key)
   deferrable_share = 0.5
   max_delay_hours = 8

:func:`read_flexibility` checks the values (naming the file, table and key) and returns
one share and one delay per gateway; the horizon check is the balancing scenario's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fairwatt.errors import InputError

_KEYS = ("deferrable_share", "max_delay_hours")


def _share(value: Any, section: str, file: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"[{section}] deferrable_share must be a number", file=file)
    v = float(value)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise InputError(
            f"[{section}] deferrable_share {v:g} must be between 0 and 1",
            file=file,
            hint="give a share such as 0.3",
        )
    return v


def _delay(value: Any, section: str, file: str) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if isinstance(value, float) and value.is_integer() and value >= 0:
        ok, value = True, int(value)
    if not ok:
        raise InputError(
            f"[{section}] max_delay_hours {value!r} must be a whole number of hours >= 0",
            file=file,
            hint="give the maximum delay in whole hours, e.g. 4",
        )
    return int(value)


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], section: str, file: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise InputError(
            f"[{section}] unknown key(s): {', '.join(unknown)}",
            file=file,
            hint=f"known keys: {', '.join(allowed)}",
        )


def read_flexibility(
    table: Any, gateways: Sequence[str], file: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """Deferrable share [dimensionless] and maximum delay [h] of every gateway.

    Parameters
    ----------
    table : mapping or None
        The file's ``[flexibility]`` table (None when absent).
    gateways : sequence of str
        The scenario's gateways, in order.
    file : str
        The scenario file, for messages.

    Returns
    -------
    tuple of ndarray (G,) or None
        Shares and delays (defaults 0 for both), or None without the table.

    Raises
    ------
    InputError
        On an unknown key or gateway, a share outside [0, 1] or a delay that is not a
        whole number of hours >= 0.
    """
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise InputError("[flexibility] must be a table", file=file)
    _check_keys(table, (*_KEYS, "gateways"), "flexibility", file)
    share = _share(table.get("deferrable_share", 0.0), "flexibility", file)
    delay = _delay(table.get("max_delay_hours", 0), "flexibility", file)
    shares = np.full(len(gateways), share)
    delays = np.full(len(gateways), delay, dtype=np.int64)
    overrides = table.get("gateways", {})
    if not isinstance(overrides, Mapping):
        raise InputError("[flexibility.gateways] must be a table of gateway tables", file=file)
    index = {g: i for i, g in enumerate(gateways)}
    for name, spec in overrides.items():
        section = f"flexibility.gateways.{name}"
        if name not in index:
            raise InputError(
                f"[{section}] names no gateway of the scenario",
                file=file,
                hint=f"gateways: {', '.join(list(gateways)[:8])}",
            )
        if not isinstance(spec, Mapping):
            raise InputError(f"[{section}] must be a table", file=file)
        _check_keys(spec, _KEYS, section, file)
        if "deferrable_share" in spec:
            shares[index[name]] = _share(spec["deferrable_share"], section, file)
        if "max_delay_hours" in spec:
            delays[index[name]] = _delay(spec["max_delay_hours"], section, file)
    return shares, delays


__all__ = ["read_flexibility"]
