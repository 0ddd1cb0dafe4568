"""Public-health damage of the air pollution from the facility's electricity."""

from __future__ import annotations

from fairwatt.footprint_models._typing import Numeric
from fairwatt.units import KWH_PER_MWH


def health_cost(facility_energy: Numeric, health_damage: Numeric | float) -> Numeric:
    """Health cost of the criteria air pollutants (PM2.5, SO2, NOx) emitted to supply the
    facility's electricity.

    .. math:: H = E_{fac} \\cdot h / 1000

    Parameters
    ----------
    facility_energy : float or array-like
        Facility (grid) energy. [kWh]
    health_damage : float or array-like
        Health damage per unit of electricity, average attribution. [$/MWh]

    Returns
    -------
    float or array-like
        Health cost. [$]

    References
    ----------
    .. [1] Y. Han, Z. Wu, P. Li, A. Wierman, S. Ren, "The Unpaid Toll: Quantifying the
       Public Health Impact of AI", 2024. arXiv:2412.06288.
    """
    return facility_energy * health_damage / KWH_PER_MWH
