"""Command-line text of ``fairwatt rebalance`` (``fairwatt.cli._parse``)."""

from __future__ import annotations

import pytest

from fairwatt.cli._parse import parse_sweep, parse_target_cap, parse_weights
from fairwatt.errors import InputError
from fairwatt.services.rebalance import Sweep


def test_weights() -> None:
    assert parse_weights("cost=1, water=60,carbon=1500,") == {
        "cost": 1.0,
        "water": 60.0,
        "carbon": 1500.0,
    }
    assert parse_weights("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("water", "cannot read --weights item 'water'"),
        ("noise=1", "cannot read --weights item 'noise=1'"),
        ("water=x", "--weights: water='x' is not a number"),
        ("water=-1", "--weights: water must be a finite number >= 0"),
        ("water=inf", "--weights: water must be a finite number >= 0"),
    ],
)
def test_weights_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_weights(text)


def test_target_cap() -> None:
    assert parse_target_cap(None) is None
    assert parse_target_cap("water=8,carbon=0.6") == {"water": 8.0, "carbon": 0.6}
    with pytest.raises(InputError, match="--target-cap takes footprint=VALUE"):
        parse_target_cap("cost=1")
    with pytest.raises(InputError, match="cannot read --target-cap item"):
        parse_target_cap("water")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("water=0:200:3", Sweep("water", (0.0, 100.0, 200.0))),
        ("water=0,30,60", Sweep("water", (0.0, 30.0, 60.0))),
        ("ratio:water=1.1:1.7:2", Sweep("water", (1.1, 1.7), "ratio")),
        ("worst:carbon=5", Sweep("carbon", (5.0,), "worst")),
        ("gini:health=0.1,0.2", Sweep("health", (0.1, 0.2), "gini")),
    ],
)
def test_sweep(text: str, expected: Sweep) -> None:
    assert parse_sweep(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("water", "cannot read --sweep 'water'"),
        ("median:water=1", "cannot read --sweep"),
        ("noise=1,2", "cannot read --sweep"),
        ("water=a:b:c", "cannot read the values of --sweep"),
        ("water=0:1:0", "cannot read the values of --sweep"),
        ("water=1,-2", "needs finite values >= 0"),
    ],
)
def test_sweep_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_sweep(text)
