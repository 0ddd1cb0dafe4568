"""Facility energy from IT energy and power usage effectiveness (PUE)."""

from __future__ import annotations

from fairwatt.footprint_models._typing import Numeric


def facility_energy(it_energy: Numeric, pue: Numeric | float) -> Numeric:
    """Energy drawn from the grid by the facility.

    .. math:: E_{fac} = PUE \\cdot E_{IT}

    Parameters
    ----------
    it_energy : float or array-like
        Energy consumed by the IT equipment (servers, storage, network). [kWh]
    pue : float or array-like
        Power usage effectiveness, facility energy over IT energy, >= 1. [-]

    Returns
    -------
    float or array-like
        Facility energy. [kWh]

    References
    ----------
    .. [1] The Green Grid, "PUE: A comprehensive examination of the metric", White Paper 49,
       2012. ISO/IEC 30134-2:2016.
    """
    return it_energy * pue
