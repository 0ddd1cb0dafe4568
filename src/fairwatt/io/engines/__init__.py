"""Engines of the energy-log reduction (energy per site and UTC hour, with the validity
and duplicate checks).

* ``duckdb`` (default): the embedded engine of :mod:`fairwatt.io.logs`, one query over
  the whole log on this machine.
* ``dask``: :mod:`fairwatt.io.engines.dask_engine` hands each file of the log to a task
  on a Dask cluster; the task runs the same SQL on its file
  (:mod:`fairwatt.io.engines.partition`) and the small partial tables are combined on
  the cluster. Dask is imported only when this engine is asked for.
"""

#: the engines a log can be reduced with
ENGINES = ("duckdb", "dask")
