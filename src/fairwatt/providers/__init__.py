"""Live factor providers: thin HTTP clients for Electricity Maps, WattTime, the GB Carbon
Intensity API, EIA-930 and ENTSO-E, one cached session for all of them, and
:func:`fetch_factors`, which turns any of them into fairwatt's canonical hourly table.

Each client module has ``get_*`` functions (HTTP) that hand the body to ``read_*``
functions (parse a file, buffer or bytes); both return ``(DataFrame, metadata)``.
"""

from fairwatt.providers._common import FACTOR_COLUMNS, FLAG_COLUMNS, HOURLY_RULE
from fairwatt.providers._fetch import NoDataError
from fairwatt.providers.registry import PROVIDERS, ProviderSpec, fetch_factors

__all__ = [
    "FACTOR_COLUMNS",
    "FLAG_COLUMNS",
    "HOURLY_RULE",
    "PROVIDERS",
    "NoDataError",
    "ProviderSpec",
    "fetch_factors",
]
