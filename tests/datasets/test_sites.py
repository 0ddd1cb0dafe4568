"""The sites catalog and user site files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.errors import InputError
from fairwatt.factors.sites import SITE_COLUMNS, load_sites, resolve_sites


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_catalog_covers_the_three_providers() -> None:
    df = load_sites()
    assert df.index.name == "site"
    assert list(df.columns) == list(SITE_COLUMNS)
    assert df.index.is_unique
    for site in ("aws:us-east-1", "gcp:europe-west1", "azure:westeurope"):
        assert site in df.index
    counts = df["provider"].value_counts()
    assert counts["aws"] >= 30 and counts["gcp"] >= 40 and counts["azure"] >= 40
    assert df["pue"].between(1, 3).all() and df["wue_l_per_kwh"].between(0, 20).all()
    assert (df["zone"] != "").all()
    assert set(df["origin"]) == {"cloud-sites"}
    assert df.loc["gcp:europe-west1", "zone"] == "BE"
    assert df.loc["azure:westeurope", "zone"] == "NL"


def test_user_csv_overrides_and_inherits(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "sites.csv",
        "site,zone,pue,wue_l_per_kwh,label,capacity_kw\n"
        "my-dc,US-VA,1.2,0.3,My DC,500\n"
        "aws:us-east-1,,1.3,,,\n",
    )
    df = load_sites([p])
    assert df.loc["my-dc", "zone"] == "US-VA"
    assert df.loc["my-dc", "capacity_kw"] == 500.0
    assert df.loc["my-dc", "origin"] == str(p)
    # the override changes PUE only; zone and WUE come from the catalog
    assert df.loc["aws:us-east-1", "pue"] == 1.3
    assert df.loc["aws:us-east-1", "zone"] == "US-VA"
    assert df.loc["aws:us-east-1", "wue_l_per_kwh"] == 0.12
    assert df.loc["aws:us-east-1", "pue_source"] == "user file sites.csv"
    assert "AWS" in df.loc["aws:us-east-1", "wue_source"]


def test_user_toml_and_later_files_win(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", '[sites."edge-1"]\nzone = "DE"\npue = 1.4\nwue = 0.1\n')
    b = write(tmp_path, "b.csv", "site,pue\nedge-1,1.25\n")
    df = load_sites([a, b])
    assert df.loc["edge-1", "pue"] == 1.25
    assert df.loc["edge-1", "wue_l_per_kwh"] == 0.1
    assert df.loc["edge-1", "origin"] == str(b)
    only = load_sites([a], bundled=False)
    assert list(only.index) == ["edge-1"]


@pytest.mark.parametrize(
    ("text", "row", "column", "what"),
    [
        ("site,zone,pue,wue_l_per_kwh\nx,US,4,0.1\n", 2, "pue", "outside"),
        ("site,zone,pue,wue_l_per_kwh\nx,US,1.2,0.1\ny,US,1.2,25\n", 3, "wue_l_per_kwh", "outside"),
        ("site,zone,pue,wue_l_per_kwh\nx,US,high,0.1\n", 2, "pue", "number"),
        ("site,zone,pue\nx,US,1.2\n", 2, "wue_l_per_kwh", "needs"),
        ("site,zone,pue,wue_l_per_kwh\nx,,1.2,0.1\n", 2, "zone", "needs"),
        ("site,zone,pue,wue_l_per_kwh\nx,US,1.2,0.1\nx,US,1.3,0.1\n", 3, "site", "twice"),
        ("site,zone,pue,wue_l_per_kwh,capacity_kw\nx,US,1.2,0.1,-5\n", 2, "capacity_kw", ">="),
        ("site,zone,pue,wue_l_per_kwh,pue_typo\nx,US,1.2,0.1,1\n", 1, "pue_typo", "unknown"),
    ],
)
def test_bad_rows_name_file_row_and_column(
    tmp_path: Path, text: str, row: int, column: str, what: str
) -> None:
    p = write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as err:
        load_sites([p])
    e = err.value
    assert e.file == str(p) and e.row == row and e.column == column
    assert what in str(e)
    assert f"row {row}" in str(e) and str(p) in str(e)


def test_bad_toml_site(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", '[sites."dc"]\nzone = "US"\npue = 0.9\nwue_l_per_kwh = 1\n')
    with pytest.raises(InputError, match=r'\[sites\."dc"\] pue = 0.9 is outside \[1, 3\]'):
        load_sites([p])
    p2 = write(tmp_path, "empty.toml", 'title = "x"\n')
    with pytest.raises(InputError, match="no \\[sites"):
        load_sites([p2])


def test_missing_or_unsupported_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_sites([tmp_path / "nope.csv"])
    p = write(tmp_path, "s.yaml", "x: 1\n")
    with pytest.raises(InputError, match=r"\.csv or \.toml"):
        load_sites([p])


def test_resolve_sites_keeps_order_and_suggests_near_matches() -> None:
    df = load_sites()
    got = resolve_sites(["gcp:europe-west1", "aws:us-east-1", "gcp:europe-west1"], df)
    assert list(got.index) == ["gcp:europe-west1", "aws:us-east-1"]
    with pytest.raises(InputError) as err:
        resolve_sites(["aws:us-east1"], df)
    msg = str(err.value)
    assert "unknown site: 'aws:us-east1'" in msg
    assert "did you mean aws:us-east-1" in msg
    assert "--sites" in msg
