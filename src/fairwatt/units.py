"""Every unit conversion constant used by fairwatt, in one place.

Canonical units: energy kWh, power W, carbon intensity gCO2e/kWh, carbon mass kg,
water L (intensities L/kWh), health damage US$ (factors US$/MWh), price US$/MWh.
"""

from __future__ import annotations

# energy
WH_PER_KWH = 1_000.0
KWH_PER_MWH = 1_000.0
J_PER_KWH = 3.6e6
ENERGY_TO_KWH: dict[str, float] = {
    "Wh": 1.0 / WH_PER_KWH,
    "kWh": 1.0,
    "MWh": KWH_PER_MWH,
    "GWh": KWH_PER_MWH * 1_000.0,
    "J": 1.0 / J_PER_KWH,
    "kJ": 1_000.0 / J_PER_KWH,
    "MJ": 1.0e6 / J_PER_KWH,
}
W_PER_KW = 1_000.0
SECONDS_PER_HOUR = 3_600.0

# mass
G_PER_KG = 1_000.0
KG_PER_TONNE = 1_000.0
KG_PER_LB = 0.45359237  # exact, international avoirdupois pound
LB_PER_MWH_TO_G_PER_KWH = KG_PER_LB  # lb/MWh -> kg/MWh == g/kWh

# volume
L_PER_US_GAL = 3.785411784  # exact
GAL_PER_MWH_TO_L_PER_KWH = L_PER_US_GAL / KWH_PER_MWH
L_PER_M3 = 1_000.0
ML_PER_L = 1_000.0

# money / health damage
USD_PER_MWH_TO_USD_PER_KWH = 1.0 / KWH_PER_MWH

# temperature
FAHRENHEIT_PER_CELSIUS = 1.8  # size of one kelvin / degree Celsius in degrees Fahrenheit
FAHRENHEIT_AT_ZERO_CELSIUS = 32.0
