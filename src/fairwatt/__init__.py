"""fairwatt: region-by-region footprint audits, inequity indices and equity-aware load balancing.

The Python API (the command line is a thin layer over it)::

    import fairwatt

    result = fairwatt.audit("energy.csv", by="zone")  # or a DataFrame / pyarrow Table
    result.table, result.totals, result.equity, result.provenance
    fairwatt.equity(result.table.set_index("zone")["water_l"])  # gini, max_to_mean, ...
    fairwatt.sites()  # the bundled cloud-region catalog
    fairwatt.datasets()  # the bundled datasets and their metadata
    fairwatt.dataset("country-carbon-owid")  # one dataset; metadata in .attrs
    scenario = fairwatt.load_scenario("sample_inputs/eglb/scenario.toml")
    fairwatt.rebalance(scenario, mask="partial").summary  # eGLB and the baselines
    fairwatt.report(result, "report.html")  # one self-contained HTML page with charts

``fairwatt.datasets`` is also the subpackage of bundled data
(:mod:`fairwatt.datasets`); calling it returns the table of datasets.

Importing :mod:`fairwatt` is cheap: pandas and DuckDB are imported when a function
runs; the bundled-data catalog, :class:`AuditResult` and the rebalancing functions
when first used.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from fairwatt import api as _api
from fairwatt._version import __version__
from fairwatt.api import audit, dataset, equity, report, sites

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt import datasets as datasets
    from fairwatt.reporting.results import AuditResult as AuditResult
    from fairwatt.services.rebalance import RebalanceResult as RebalanceResult
    from fairwatt.services.rebalance import load_scenario as load_scenario
    from fairwatt.services.rebalance import rebalance as rebalance

__all__ = [
    "AuditResult",
    "RebalanceResult",
    "__version__",
    "audit",
    "dataset",
    "datasets",
    "equity",
    "load_scenario",
    "rebalance",
    "report",
    "sites",
]
#: names imported from the rebalancing service on first use
_REBALANCE = ("RebalanceResult", "load_scenario", "rebalance")


class _CallableDatasetsModule(types.ModuleType):
    """The :mod:`fairwatt.datasets` subpackage, callable as :func:`fairwatt.datasets`."""

    def __call__(self) -> pd.DataFrame:
        return _api.datasets()

    __call__.__doc__ = _api.datasets.__doc__


class _FairwattModule(types.ModuleType):
    # ``fairwatt.datasets`` names both the subpackage and the function that lists the
    # bundled datasets. Whenever the subpackage is bound to this name (by any import of
    # it), it is made callable, so that neither can hide the other.
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "datasets" and type(value) is types.ModuleType:
            value.__class__ = _CallableDatasetsModule
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    # imported on first use, to keep ``import fairwatt`` (and the CLI's start) cheap
    if name == "datasets":
        import importlib

        return importlib.import_module("fairwatt.datasets")
    if name == "AuditResult":
        from fairwatt.reporting.results import AuditResult

        return AuditResult
    if name in _REBALANCE:
        from fairwatt.services import rebalance

        return getattr(rebalance, name)
    raise AttributeError(f"module 'fairwatt' has no attribute {name!r}")


sys.modules[__name__].__class__ = _FairwattModule
