"""The Python API: ``import fairwatt`` and its documented functions."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import fairwatt
from fairwatt.cli.app import app
from fairwatt.errors import InputError
from fairwatt.reporting.results import AuditResult

SITES = ["aws:us-east-1", "aws:eu-west-1", "gcp:asia-northeast1"]
#: health damage factors exist for US zones only
FOOTPRINTS = ["carbon", "water"]


@pytest.fixture
def log() -> pd.DataFrame:
    hours = pd.date_range("2024-06-03T00:00Z", periods=8, freq="h")
    return pd.DataFrame(
        {
            "timestamp": [h + pd.Timedelta(minutes=5 * i) for i, h in enumerate(hours)] * 3,
            "site": [s for s in SITES for _ in hours],
            "energy_kwh": [10.0 + 3.5 * i for i in range(24)],
        }
    )


def cli_totals(tmp_path: Path, log: pd.DataFrame, *args: str) -> pd.Series:
    csv = tmp_path / "energy.csv"
    log.assign(timestamp=log["timestamp"].map(lambda t: t.isoformat())).to_csv(csv, index=False)
    out = tmp_path / "x.json"
    res = CliRunner().invoke(app, ["audit", str(csv), *args, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    return AuditResult.from_json(out).totals


def test_public_names() -> None:
    assert sorted(fairwatt.__all__) == sorted(
        [
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
    )
    for name in fairwatt.__all__:
        assert getattr(fairwatt, name) is not None
    assert fairwatt.AuditResult is AuditResult


def test_import_is_cheap() -> None:
    code = (
        "import sys, fairwatt\n"
        "heavy = [m for m in ('pandas', 'duckdb', 'numpy', 'pyarrow', 'fairwatt.services.audit',"
        " 'fairwatt.datasets.catalog') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_datasets_is_callable_however_the_subpackage_was_imported() -> None:
    code = (
        "import fairwatt.datasets.catalog\n"
        "from fairwatt import datasets\n"
        "import fairwatt\n"
        "assert datasets.info('country-carbon-owid').version\n"
        "assert fairwatt.datasets is datasets\n"
        "print(len(fairwatt.datasets()), len(datasets()))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n = len(fairwatt.datasets())
    assert proc.stdout.split() == [str(n), str(n)]


@pytest.mark.parametrize("by", ["site", "zone"])
def test_dataframe_log_gives_the_totals_of_the_cli(
    tmp_path: Path, log: pd.DataFrame, by: str
) -> None:
    result = fairwatt.audit(log, footprints=FOOTPRINTS, by=by)
    assert isinstance(result, AuditResult)
    expected = cli_totals(tmp_path, log, "--footprints", "carbon,water", "--by", by)
    pd.testing.assert_series_equal(result.totals, expected, rtol=1e-12)
    assert result.totals["energy_kwh"] == pytest.approx(log["energy_kwh"].sum())
    assert sorted(result.table[by]) == sorted(SITES if by == "site" else ["US-VA", "IE", "JP"])
    assert result.inputs == ["<DataFrame>"]


def test_arrow_table_and_paths_give_the_same_totals(tmp_path: Path, log: pd.DataFrame) -> None:
    frame = fairwatt.audit(log, footprints=FOOTPRINTS)
    table = fairwatt.audit(pa.Table.from_pandas(log), footprints=FOOTPRINTS)
    pd.testing.assert_series_equal(table.totals, frame.totals, rtol=1e-12)
    assert table.inputs == ["<Table>"]
    csv = tmp_path / "energy.csv"
    log.to_csv(csv, index=False)
    for logs in (csv, str(csv), [csv], [str(tmp_path / "*.csv")]):
        pd.testing.assert_series_equal(
            fairwatt.audit(logs, footprints="carbon,water").totals, frame.totals, rtol=1e-12
        )


def test_options_reach_the_audit(log: pd.DataFrame) -> None:
    base = fairwatt.audit(log, footprints=FOOTPRINTS, by="zone,hour")
    assert list(base.table.columns[:2]) == ["zone", "hour"]
    wh = log.assign(energy_kwh=log["energy_kwh"] * 1000).rename(columns={"energy_kwh": "e"})
    same = fairwatt.audit(
        wh, footprints=FOOTPRINTS, by=["zone", "hour"], energy_unit="Wh", columns={"energy": "e"}
    )
    pd.testing.assert_series_equal(same.totals, base.totals, rtol=1e-12)
    carbon = fairwatt.audit(log, footprints=["carbon"], equity=False, provenance_column=True)
    assert "water_l" not in carbon.table.columns
    assert carbon.equity is None
    assert "factor_sources" in carbon.table.columns


def test_interval_as_string_timedelta_or_seconds(log: pd.DataFrame) -> None:
    results = [
        fairwatt.audit(log, footprints=FOOTPRINTS, by="site,hour", interval=interval).table
        for interval in ("90min", timedelta(minutes=90), 5400, 5400.0)
    ]
    for other in results[1:]:
        pd.testing.assert_frame_equal(other, results[0])
    # records of 90 minutes straddle hours: more site-hours than without an interval
    assert len(results[0]) > len(fairwatt.audit(log, footprints=FOOTPRINTS, by="site,hour").table)


def test_equity_table_of_the_audit_has_the_names_of_fairwatt_equity(log: pd.DataFrame) -> None:
    result = fairwatt.audit(log, footprints=FOOTPRINTS, by="zone")
    per_zone = result.table.set_index("zone")[["carbon_kg", "water_l"]]
    indices = fairwatt.equity(per_zone)
    pd.testing.assert_frame_equal(indices, result.equity, check_names=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "x"}, "by: unknown grouping 'x'"),
        ({"by": ["site", "planet"]}, "by: unknown grouping 'site,planet'"),
        ({"by": "hour,day"}, "by: use only one of hour, day and month"),
        ({"footprints": ["noise"]}, "footprints: unknown footprint(s) noise"),
        ({"footprints": "carbon,noise"}, "footprints: unknown footprint(s) noise"),
        ({"energy_unit": "kwh"}, "energy_unit: unknown unit 'kwh'"),
        ({"interval": "soon"}, "interval: 'soon' is not a duration"),
        ({"interval": -5}, "interval: -5 must be a positive duration"),
        ({"columns": {"planet": "x"}}, "columns: unknown field(s) planet"),
        ({"duplicates": "keep"}, "duplicates: 'keep' is not one of"),
        ({"fallback": "weekly"}, "fallback: 'weekly' is not one of"),
        ({"water_model": "rain"}, "water_model: 'rain' is not one of"),
        ({"tz": "Mars/Olympus"}, "tz: unknown time zone 'Mars/Olympus'"),
        ({"sites": 42}, "sites: expected a path, a DataFrame or a list of them"),
        ({"factors": [None]}, "factors: expected a path, a DataFrame or a list of them"),
        ({"provider_zones": ["US-TX"]}, "provider_zones: expected a mapping"),
    ],
)
def test_invalid_parameters_are_named(log: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        fairwatt.audit(log, **kwargs)
    assert str(info.value).startswith(message), str(info.value)
    assert "--" not in str(info.value).split(";")[0]


def test_invalid_logs_are_named(log: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"^logs: expected a pandas DataFrame"):
        fairwatt.audit(42)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^logs: no energy log given"):
        fairwatt.audit([])
    bad = log.assign(energy_kwh=[*log["energy_kwh"][:4], -1.0, *log["energy_kwh"][5:]])
    with pytest.raises(InputError, match=r"^<DataFrame>, row 5, column 'energy_kwh': negative"):
        fairwatt.audit(bad, footprints=FOOTPRINTS)
    with pytest.raises(InputError, match=r"^<Table>, row 5, column 'energy_kwh': negative"):
        fairwatt.audit(pa.Table.from_pandas(bad), footprints=FOOTPRINTS)
    naive = log.assign(timestamp=log["timestamp"].dt.tz_localize(None))
    with pytest.raises(InputError, match="timestamps have no time zone"):
        fairwatt.audit(naive, footprints=FOOTPRINTS)
    in_utc = fairwatt.audit(naive, footprints=FOOTPRINTS, tz="UTC")
    pd.testing.assert_series_equal(in_utc.totals, fairwatt.audit(log, footprints=FOOTPRINTS).totals)


def test_equity_of_a_series_is_the_documented_gini() -> None:
    values = pd.Series({"A": 3.0, "B": 7.0, "C": 10.0})
    out = fairwatt.equity(values)
    assert isinstance(out, pd.Series)
    # population form: sum_i sum_j |x_i - x_j| / (2 n^2 mean); ordered pairs: 2 x (4 + 7 + 3)
    mean = 20 / 3
    assert out["gini"] == pytest.approx((28 / 9) / (2 * mean))
    assert out["gini"] == pytest.approx(0.23333333333333334)
    assert out["max_to_mean"] == pytest.approx(10 / mean) == 1.5
    assert out["max_to_min"] == pytest.approx(10 / 3)
    assert list(out.index[:5]) == ["gini", "max_to_mean", "max_to_min", "theil_t", "theil_l"]


def test_equity_of_a_dataframe_has_one_column_per_input_column() -> None:
    values = pd.DataFrame(
        {"carbon_kg": [3.0, 7.0, 10.0], "water_l": [5.0, 5.0, 5.0], "x": [0.0, 0.0, 1.0]},
        index=["A", "B", "C"],
    )
    out = fairwatt.equity(values)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["carbon_kg", "water_l", "x"]
    pd.testing.assert_series_equal(
        out["carbon_kg"], fairwatt.equity(values["carbon_kg"]), check_names=False
    )
    assert out.loc["gini", "water_l"] == 0.0
    assert out.loc["max_to_mean", "water_l"] == 1.0
    assert out.loc["max_to_min", "x"] == float("inf")


def test_equity_weights() -> None:
    values = pd.Series({"A": 1.0, "B": 3.0})
    # weights by region or by position: the same result
    by_region = fairwatt.equity(values, weights=pd.Series({"B": 1.0, "A": 3.0}))
    by_position = fairwatt.equity(values, weights=[3.0, 1.0])
    pd.testing.assert_series_equal(by_region, by_position)
    # A stands for three people at 1, B for one at 3: like the unweighted [1, 1, 1, 3]
    expanded = fairwatt.equity(pd.Series([1.0, 1.0, 1.0, 3.0]))
    assert by_region["gini"] == pytest.approx(expanded["gini"])
    assert by_region["max_to_mean"] == pytest.approx(expanded["max_to_mean"])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.0, 2.0],), {}, "values: expected a pandas Series or DataFrame"),
        ((pd.Series({"A": 1.0, "B": -2.0}),), {}, "values: "),
        ((pd.Series([1.0, 2.0], index=["A", "A"]),), {}, "values: each region must appear once"),
        ((pd.Series({"A": 1.0, "B": 2.0}),), {"weights": [1.0]}, "weights: 1 weight(s)"),
        ((pd.Series({"A": 1.0, "B": 2.0}),), {"weights": pd.Series({"A": 1.0})}, "weights: "),
        ((pd.Series({"A": 1.0, "B": 2.0}),), {"gini_form": "x"}, "gini_form: unknown"),
        ((pd.Series({"A": 1.0, "B": 2.0}),), {"epsilons": [-1.0]}, "epsilons: "),
        ((pd.Series({"A": 1.0, "B": 2.0}),), {"k": 0}, "k: "),
    ],
)
def test_equity_invalid_parameters_are_named(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        fairwatt.equity(*args, **kwargs)
    assert str(info.value).startswith(message), str(info.value)


def test_sites() -> None:
    sites = fairwatt.sites()
    assert isinstance(sites, pd.DataFrame)
    assert set(SITES) <= set(sites.index)
    assert sites.loc["aws:us-east-1", "zone"] == "US-VA"
    assert {"zone", "pue", "wue_l_per_kwh"} <= set(sites.columns)


def test_datasets_and_dataset() -> None:
    table = fairwatt.datasets()
    assert isinstance(table, pd.DataFrame)
    for col in ("name", "version", "factors", "year", "kind", "licence", "source"):
        assert col in table.columns
    assert table["name"].is_unique
    owid = table.set_index("name").loc["country-carbon-owid"]
    assert owid["factors"] == "carbon_g_per_kwh"
    assert owid["licence"] == "CC-BY-4.0"
    data = fairwatt.dataset("country-carbon-owid")
    assert isinstance(data, pd.DataFrame)
    assert {"zone", "carbon_g_per_kwh"} <= set(data.columns)
    assert data.attrs["name"] == "country-carbon-owid"
    assert data.attrs["version"] == owid["version"]
    assert data.attrs["licence"] == "CC-BY-4.0"
    with pytest.raises(InputError, match=r"unknown dataset 'country-carbon-owd'.*did you mean"):
        fairwatt.dataset("country-carbon-owd")


def test_pinned_dataset_version_is_checked(log: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"^dataset country-carbon-owid@0: bundled version"):
        fairwatt.audit(log, footprints=["carbon"], datasets="country-carbon-owid@0")
    version = fairwatt.datasets().set_index("name").loc["country-carbon-owid", "version"]
    pinned = fairwatt.audit(log, footprints=["carbon"], datasets=[f"country-carbon-owid@{version}"])
    assert pinned.totals["carbon_kg"] > 0


def test_docstring_examples_run() -> None:
    import doctest

    from fairwatt.api import _audit, _data

    for module in (_audit, _data):
        failures, tried = doctest.testmod(module)
        assert tried > 0, module.__name__
        assert failures == 0, module.__name__


SITES_TABLE = pd.DataFrame(
    {
        "site": ["alpha", "beta"],
        "zone": ["XA", "XB"],
        "pue": [1.2, 1.5],
        "wue_l_per_kwh": [0.5, 1.8],
    }
)
ANNUAL = pd.DataFrame(
    {"zone": ["XA", "XB"], "year": [2024, 2024], "carbon_g_per_kwh": [400.0, 150.0]}
)


def own_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-03-01T00:00Z", periods=4, freq="h"),
            "site": ["alpha", "beta", "alpha", "beta"],
            "energy_kwh": [10.0, 5.0, 2.0, 1.0],
        }
    )


def test_sites_and_factors_as_dataframes_equal_files(tmp_path: Path) -> None:
    SITES_TABLE.to_csv(tmp_path / "sites.csv", index=False)
    ANNUAL.to_csv(tmp_path / "annual.csv", index=False)
    files = fairwatt.audit(
        own_log(),
        sites=tmp_path / "sites.csv",
        factors=str(tmp_path / "annual.csv"),
        footprints=["carbon"],
    )
    frames = fairwatt.audit(own_log(), sites=SITES_TABLE, factors=ANNUAL, footprints="carbon")
    pd.testing.assert_frame_equal(frames.table, files.table)
    # beta: 6 kWh x PUE 1.5 x 150 g/kWh = 1.35 kg; alpha: 12 x 1.2 x 400 g = 5.76 kg
    carbon = frames.table.set_index("site")["carbon_kg"]
    assert carbon["beta"] == pytest.approx(1.35)
    assert carbon["alpha"] == pytest.approx(5.76)
    assert frames.options["site_files"] == ["<DataFrame>"]
    assert frames.options["factor_files"] == ["<DataFrame>"]
    assert AuditResult.from_json(frames.to_json()).totals.equals(frames.totals)
    # site as the index (as fairwatt.sites() gives it), a pyarrow Table of factors
    other = fairwatt.audit(
        own_log(),
        sites=SITES_TABLE.set_index("site"),
        factors=[pa.Table.from_pandas(ANNUAL)],
        footprints=["carbon"],
    )
    pd.testing.assert_series_equal(other.totals, frames.totals)


def test_dataframe_sites_override_the_catalog() -> None:
    catalog = fairwatt.sites().loc[["aws:us-east-1"]]
    greener = catalog.assign(pue=1.0)
    log = own_log().assign(site="aws:us-east-1")
    base = fairwatt.audit(log, footprints=["carbon"])
    same = fairwatt.audit(log, footprints=["carbon"], sites=catalog)
    pd.testing.assert_series_equal(same.totals, base.totals)
    less = fairwatt.audit(log, footprints=["carbon"], sites=greener)
    ratio = less.totals["carbon_kg"] / base.totals["carbon_kg"]
    assert ratio == pytest.approx(1.0 / catalog["pue"].iloc[0])


def test_invalid_dataframe_sites_and_factors_name_the_row() -> None:
    with pytest.raises(InputError, match=r"^<DataFrame>, row 2, column 'pue': pue = 9 is outside"):
        fairwatt.audit(own_log(), sites=SITES_TABLE.assign(pue=[1.2, 9.0]), factors=ANNUAL)
    bad = ANNUAL.astype({"carbon_g_per_kwh": object})
    bad.loc[0, "carbon_g_per_kwh"] = "x"
    with pytest.raises(
        InputError, match=r"^<DataFrame>, row 1, column 'carbon_g_per_kwh': cannot read 'x'"
    ):
        fairwatt.audit(own_log(), sites=SITES_TABLE, factors=bad, footprints=["carbon"])


def test_dataframe_log_follows_the_daylight_saving_rule_of_files(tmp_path: Path) -> None:
    from fairwatt.io.logs import LogOptions, reduce_log

    fall_back = ["2024-10-27 01:30", "2024-10-27 02:30", "2024-10-27 02:30", "2024-10-27 03:30"]
    df = pd.DataFrame({"timestamp": fall_back, "site": ["a"] * 4, "energy_kwh": [1.0, 2, 3, 4]})
    df.to_csv(tmp_path / "log.csv", index=False)
    options = LogOptions(tz="Europe/Berlin")
    from_file = reduce_log([str(tmp_path / "log.csv")], options).data
    pd.testing.assert_frame_equal(reduce_log(df, options).data, from_file)
    skipped = df.assign(timestamp=["2024-03-31 01:00", "2024-03-31 02:30", "2024-03-31 03:00", ""])
    with pytest.raises(InputError, match=r"^<DataFrame>, row 2, column 'timestamp': .* not exist"):
        reduce_log(skipped.iloc[:3], options)


def test_progress_is_reported(log: pd.DataFrame) -> None:
    seen: list[tuple[str, float | None]] = []
    fairwatt.audit(log, footprints=FOOTPRINTS, progress=lambda m, f: seen.append((m, f)))
    assert any(message == "joining factors" for message, _ in seen)
