"""Operational (scope 2, location-based) carbon emissions of electricity use."""

from __future__ import annotations

from fairwatt.footprint_models._typing import Numeric
from fairwatt.units import G_PER_KG


def carbon_mass(facility_energy: Numeric, carbon_intensity: Numeric | float) -> Numeric:
    """Carbon emitted to supply the facility's electricity.

    .. math:: C = E_{fac} \\cdot CI / 1000

    Parameters
    ----------
    facility_energy : float or array-like
        Facility (grid) energy, i.e. PUE times IT energy. [kWh]
    carbon_intensity : float or array-like
        Grid carbon intensity, location-based; average or marginal as the factor says.
        [gCO2e/kWh]

    Returns
    -------
    float or array-like
        Emissions. [kgCO2e]

    References
    ----------
    .. [1] Greenhouse Gas Protocol, "Scope 2 Guidance", World Resources Institute, 2015.
    .. [2] P. Li, J. Yang, A. Wierman, S. Ren, "Towards Environmentally Equitable AI via
       Geographical Load Balancing", e-Energy 2024. arXiv:2307.05494.
    """
    return facility_energy * carbon_intensity / G_PER_KG
