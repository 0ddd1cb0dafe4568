"""The sites and factor readers take a DataFrame as well as a path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.factors.sites import load_sites
from fairwatt.factors.table import read_factor_file


def test_sites_from_a_dataframe_equal_sites_from_its_csv(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"site": ["my-dc"], "zone": ["NA"], "pue": [1.3], "wue_l_per_kwh": [0.4], "label": [""]}
    )
    df.to_csv(tmp_path / "sites.csv", index=False)
    from_file = load_sites([tmp_path / "sites.csv"], bundled=False)
    from_frame = load_sites([df], bundled=False)
    cols = ["zone", "pue", "wue_l_per_kwh", "label"]
    pd.testing.assert_frame_equal(from_frame[cols], from_file[cols])
    row = from_frame.loc["my-dc"]
    assert row["zone"] == "NA"  # Namibia, not a missing value
    assert row["origin"] == "<DataFrame>"
    assert row["pue_source"] == "user table <DataFrame>"


def test_a_catalog_extract_overrides_the_catalog() -> None:
    catalog = load_sites()
    extract = catalog.loc[["aws:us-east-1"]].assign(pue=1.05)  # site index, origin column
    merged = load_sites([extract])
    assert merged.loc["aws:us-east-1", "pue"] == 1.05
    assert merged.loc["aws:us-east-1", "zone"] == catalog.loc["aws:us-east-1", "zone"]
    assert len(merged) == len(catalog)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"site": ["x"], "zone": ["DE"], "pue": [1.2]}),
            "row 1, column 'wue_l_per_kwh'",
        ),
        (pd.DataFrame({"zone": ["DE"]}), "no 'site' column"),
        (pd.DataFrame({"site": ["x"], "pew": [1.2]}), "unknown column 'pew'"),
        (
            pd.DataFrame(
                {"site": ["x", "x"], "zone": ["DE"] * 2, "pue": [1.2] * 2, "wue": [0.1] * 2}
            ),
            "row 2, column 'site': site 'x' appears twice",
        ),
    ],
)
def test_invalid_site_frames(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_sites([frame], bundled=False)
    assert str(info.value).startswith("<DataFrame>")


def test_factor_frames_wide_long_and_hourly() -> None:
    wide = pd.DataFrame(
        {"zone": ["DE", "NA"], "year": [2024, 2024], "carbon_g_per_kwh": [380.0, 90.0]}
    )
    layer = read_factor_file(wide)
    assert layer.resolution == "annual"
    assert layer.name == "<DataFrame>"
    assert layer.table["key"].tolist() == ["DE", "NA"]
    long = pd.DataFrame(
        {"zone": ["DE"], "year": [2024], "factor": ["carbon_g_per_kwh"], "value": [380.0]}
    )
    assert read_factor_file(long, name="<mine>").table["carbon_g_per_kwh"].tolist() == [380.0]
    hourly = pd.DataFrame(
        {
            "zone": ["DE", "DE"],
            "timestamp": pd.date_range("2024-03-31T00:00Z", periods=2, freq="h"),
            "carbon_g_per_kwh": [300.0, 310.0],
        }
    )
    layer = read_factor_file(hourly)
    assert layer.resolution == "hourly"
    assert str(layer.table["timestamp"].dt.tz) == "UTC"
    assert "timestamp" in hourly.columns and hourly["zone"].tolist() == ["DE", "DE"]  # untouched


def test_invalid_factor_frame_names_the_row() -> None:
    bad = pd.DataFrame(
        {"zone": ["DE", "FR"], "year": [2024, 2024], "carbon_g_per_kwh": [1.0, -5.0]}
    )
    with pytest.raises(InputError, match=r"^<DataFrame>, column 'carbon_g_per_kwh'.*\(rows 2;"):
        read_factor_file(bad)
    duplicated = pd.DataFrame(
        {"zone": ["DE", "DE"], "year": [2024] * 2, "carbon_g_per_kwh": [300.0] * 2}
    )
    with pytest.raises(InputError, match=r"^<DataFrame>, row 2: duplicate factor row"):
        read_factor_file(duplicated)
