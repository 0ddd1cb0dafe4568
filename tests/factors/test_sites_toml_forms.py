"""Both TOML forms of a user sites file: [sites."id"] tables and a [[sites]] array."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.errors import InputError
from fairwatt.factors.sites import load_sites

TABLES = """
[sites."my-dc"]
zone = "US-VA"
pue = 1.2
wue_l_per_kwh = 0.3

[sites."aws:us-east-1"]
pue = 1.4
"""

ARRAY = """
[[sites]]
site = "my-dc"
zone = "US-VA"
pue = 1.2
wue_l_per_kwh = 0.3

[[sites]]
site = "aws:us-east-1"
pue = 1.4
"""


@pytest.mark.parametrize("text", [TABLES, ARRAY], ids=["tables", "array"])
def test_both_forms_give_the_same_sites(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    sites = load_sites([str(path)])
    mine = sites.loc["my-dc"]
    assert (mine["zone"], mine["pue"], mine["wue_l_per_kwh"]) == ("US-VA", 1.2, 0.3)
    # an override keeps the catalog's other values (WUE 0.12 L/kWh for us-east-1)
    assert sites.loc["aws:us-east-1", "pue"] == 1.4
    assert sites.loc["aws:us-east-1", "wue_l_per_kwh"] == 0.12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[sites]]\nzone = "US-VA"\npue = 1.2\n', "[[sites]] number 1: has no site id"),
        ('[[sites]]\nsite = "x"\npuee = 1.2\n', "[[sites]] number 1: unknown column 'puee'"),
        ("title = 'no sites'\n", 'no [sites."<id>"] tables and no [[sites]] array'),
    ],
)
def test_bad_arrays_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_sites([str(path)])
    assert message in str(info.value)
    assert str(path) in str(info.value)
