"""Operational water footprint: on-site cooling water and off-site water of electricity.

PUE multiplies only the off-site term: on-site WUE is defined per kWh of IT energy,
the electricity water intensity factor (EWIF) per kWh drawn from the grid.
"""

from __future__ import annotations

from fairwatt.footprint_models._typing import Numeric


def onsite_water(it_energy: Numeric, wue: Numeric | float) -> Numeric:
    """On-site (scope-1) water for cooling.

    .. math:: W_{on} = E_{IT} \\cdot WUE

    Parameters
    ----------
    it_energy : float or array-like
        IT energy. [kWh]
    wue : float or array-like
        On-site water usage effectiveness per IT energy; consumption or withdrawal, as
        the factor is. [L/kWh]

    Returns
    -------
    float or array-like
        On-site water, per IT energy and so never scaled by PUE. [L]

    References
    ----------
    .. [1] P. Li, J. Yang, M. A. Islam, S. Ren, "Making AI Less 'Thirsty': Uncovering and
       Addressing the Secret Water Footprint of AI Models", Commun. ACM, 2025.
       arXiv:2304.03271.
    """
    return it_energy * wue


def offsite_water(it_energy: Numeric, pue: Numeric | float, ewif: Numeric | float) -> Numeric:
    """Off-site (scope-2) water used to generate the facility's electricity.

    .. math:: W_{off} = E_{IT} \\cdot PUE \\cdot EWIF

    Parameters
    ----------
    it_energy : float or array-like
        IT energy. [kWh]
    pue : float or array-like
        Power usage effectiveness. [-]
    ewif : float or array-like
        Electricity water intensity factor of the grid; consumption or withdrawal. [L/kWh]

    Returns
    -------
    float or array-like
        Off-site water, at the power plants that supply the facility. [L]

    References
    ----------
    .. [1] P. Li, J. Yang, M. A. Islam, S. Ren, arXiv:2304.03271 (see :func:`onsite_water`).
    .. [2] J. Macknick, R. Newmark, G. Heath, K. C. Hallett, "Operational water consumption
       and withdrawal factors for electricity generating technologies: a review of existing
       literature", Environ. Res. Lett. 7 045802, 2012. doi:10.1088/1748-9326/7/4/045802
    """
    return it_energy * pue * ewif


def operational_water(
    it_energy: Numeric, pue: Numeric | float, wue: Numeric | float, ewif: Numeric | float
) -> Numeric:
    """Total operational water, on-site plus off-site.

    .. math:: W = E_{IT} \\cdot WUE + E_{IT} \\cdot PUE \\cdot EWIF

    Parameters
    ----------
    it_energy : float or array-like
        IT energy. [kWh]
    pue : float or array-like
        Power usage effectiveness; it scales the off-site term only. [-]
    wue : float or array-like
        On-site water usage effectiveness. [L/kWh]
    ewif : float or array-like
        Off-site electricity water intensity factor. [L/kWh]

    Returns
    -------
    float or array-like
        Operational water, :func:`onsite_water` plus :func:`offsite_water`. [L]

    References
    ----------
    .. [1] P. Li, J. Yang, M. A. Islam, S. Ren, arXiv:2304.03271, Table 1 and Eq. (1).
    """
    return onsite_water(it_energy, wue) + offsite_water(it_energy, pue, ewif)


def water_from_total_intensity(it_energy: Numeric, water_intensity: Numeric | float) -> Numeric:
    """Operational water from a combined (on-site plus off-site) intensity per IT energy.

    .. math:: W = E_{IT} \\cdot w

    Parameters
    ----------
    it_energy : float or array-like
        IT energy. [kWh]
    water_intensity : float or array-like
        Water per kWh of IT energy, on-site and off-site combined (PUE already applied to
        the off-site part), as in the eGLB benchmark data. [L/kWh]

    Returns
    -------
    float or array-like
        Operational water. [L]

    References
    ----------
    .. [1] P. Li, J. Yang, A. Wierman, S. Ren, "Towards Environmentally Equitable AI via
       Geographical Load Balancing", e-Energy 2024. arXiv:2307.05494.
    """
    return it_energy * water_intensity
