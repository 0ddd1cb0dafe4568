"""The Python API: audit energy logs, measure inequity, browse the bundled data.

(Rebalancing, :func:`fairwatt.load_scenario` and :func:`fairwatt.rebalance`, lives in
:mod:`fairwatt.services.rebalance` and is re-exported by :mod:`fairwatt` too.)

Everything here is re-exported by :mod:`fairwatt`::

    import fairwatt

    result = fairwatt.audit("energy.csv", by="zone")
    result.totals["carbon_kg"]
    fairwatt.equity(result.table.set_index("zone")["water_l"])["gini"]

The functions take Python values (DataFrames, lists, durations) and raise
:class:`~fairwatt.errors.InputError` naming the offending *parameter* (``by: unknown
grouping 'x'``). Heavy libraries (pandas, DuckDB) are imported when a function runs,
so ``import fairwatt`` stays cheap.
"""

from fairwatt.api._audit import audit, equity
from fairwatt.api._data import dataset, datasets, sites
from fairwatt.api._report import report

__all__ = ["audit", "dataset", "datasets", "equity", "report", "sites"]
