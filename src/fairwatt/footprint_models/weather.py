"""On-site water use of evaporative cooling from the weather.

Two steps:

1. wet-bulb temperature from dry-bulb temperature and relative humidity, by the
   empirical formula of Stull (2011), :func:`wet_bulb_stull`;
2. on-site water usage effectiveness (WUE, litres per kWh of IT energy) of a cooling
   tower from the wet-bulb temperature, by the curve used in the official code of
   "Making AI Less Thirsty" (Li et al. 2023), :func:`cooling_tower_wue`.

:func:`wue_from_weather` chains the two. On-site WUE is per IT kWh: it is never
multiplied by PUE.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairwatt import units

#: Validity range of :func:`wet_bulb_stull` (Stull 2011, Fig. 1 and section 3).
STULL_VALID_TEMP_C = (-20.0, 50.0)
STULL_VALID_RH_PERCENT = (5.0, 99.0)


def celsius_to_fahrenheit(temp_c: Any) -> Any:
    """Temperature in degrees Fahrenheit.

    Parameters
    ----------
    temp_c : numeric or array-like
        Temperature. [°C]

    Returns
    -------
    numeric or array-like
        Temperature. [°F]
    """
    return np.asarray(temp_c, dtype=float) * units.FAHRENHEIT_PER_CELSIUS + (
        units.FAHRENHEIT_AT_ZERO_CELSIUS
    )


def wet_bulb_stull(temp_air: Any, relative_humidity: Any) -> Any:
    """Wet-bulb temperature from dry-bulb temperature and relative humidity.

    Stull's (2011) closed-form fit, at standard sea-level pressure (101.325 kPa)::

        Tw = T·atan(0.151977·(RH + 8.313659)^½) + atan(T + RH) − atan(RH − 1.676331)
             + 0.00391838·RH^(3/2)·atan(0.023101·RH) − 4.686035

    with angles in radians.

    Valid for relative humidity 5–99 % and air temperature −20 to 50 °C, where the error
    is between −1 and +0.65 °C (mean absolute error below 0.3 °C). It is inaccurate
    where cold and very dry conditions meet (the lower-left corner of that domain) and
    it is not meant for pressures far from sea level. Outside the range the formula is
    still evaluated; no warning is given.

    Parameters
    ----------
    temp_air : numeric or array-like
        Dry-bulb air temperature. [°C]
    relative_humidity : numeric or array-like
        Relative humidity. [%]  (0–100, not a fraction)

    Returns
    -------
    numeric or array-like
        Wet-bulb temperature. [°C]

    References
    ----------
    .. [1] Stull, R. Wet-Bulb Temperature from Relative Humidity and Air Temperature.
       Journal of Applied Meteorology and Climatology 50(11), 2267–2269 (2011).
       doi:10.1175/JAMC-D-11-0143.1
    """
    t = np.asarray(temp_air, dtype=float)
    rh = np.asarray(relative_humidity, dtype=float)
    tw = (
        t * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035
    )
    return tw if tw.ndim else float(tw)


def cooling_tower_wue(
    wet_bulb_f: Any,
    cycles_of_concentration: float = 6.0,
    *,
    min_wue: float = 0.05,
) -> Any:
    """On-site water usage effectiveness of a cooling tower from wet-bulb temperature.

    ``WUE = N/(N−1) · (6e−5·T³ − 0.01·T² + 0.61·T − 10.4)``, clipped below at
    ``min_wue``, where ``T`` is the wet-bulb temperature in °F and ``N`` the cycles of
    concentration: the evaporation curve (the cubic) plus the blow-down water,
    ``1/(N−1)`` of the evaporation.

    Parameters
    ----------
    wet_bulb_f : numeric or array-like
        Wet-bulb temperature. [°F]
    cycles_of_concentration : float, default 6
        Cooling-tower cycles of concentration ``N`` (> 1). [-]
    min_wue : float, default 0.05
        Floor of the result, for cold weather when evaporation is minimal. [L/kWh]

    Returns
    -------
    numeric or array-like
        On-site water consumption per IT energy. [L/kWh]

    References
    ----------
    .. [1] Li, P., Yang, J., Islam, M. A. and Ren, S. Making AI Less "Thirsty":
       Uncovering and Addressing the Secret Water Footprint of AI Models.
       arXiv:2304.03271 (2023); official code Ren-Research/Making-AI-Less-Thirsty.
    """
    n = float(cycles_of_concentration)
    if not n > 1.0:
        raise ValueError(f"cycles_of_concentration must be > 1, not {n}")
    t = np.asarray(wet_bulb_f, dtype=float)
    evaporation = 6e-5 * t**3 - 0.01 * t**2 + 0.61 * t - 10.4
    wue = np.maximum(n / (n - 1.0) * evaporation, min_wue)
    return wue if wue.ndim else float(wue)


def wue_from_weather(
    temp_air: Any,
    relative_humidity: Any,
    cycles_of_concentration: float = 6.0,
    *,
    min_wue: float = 0.05,
) -> Any:
    """Cooling-tower on-site WUE from dry-bulb temperature and relative humidity.

    :func:`wet_bulb_stull` followed by :func:`cooling_tower_wue`; see both for the
    validity range and the model.

    Parameters
    ----------
    temp_air : numeric or array-like
        Dry-bulb air temperature. [°C]
    relative_humidity : numeric or array-like
        Relative humidity. [%]
    cycles_of_concentration : float, default 6
        Cooling-tower cycles of concentration. [-]
    min_wue : float, default 0.05
        Floor of the result. [L/kWh]

    Returns
    -------
    numeric or array-like
        On-site water consumption per IT energy at the wet-bulb temperature of the
        given air. [L/kWh]

    References
    ----------
    .. [1] Stull, R. (2011). doi:10.1175/JAMC-D-11-0143.1
    .. [2] Li, P. et al. Making AI Less "Thirsty". arXiv:2304.03271 (2023).
    """
    tw_f = celsius_to_fahrenheit(wet_bulb_stull(temp_air, relative_humidity))
    return cooling_tower_wue(tw_f, cycles_of_concentration, min_wue=min_wue)
