"""Policies as the library takes them: rules from a file, typed overrides, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.errors import InputError
from fairwatt.services.check_rules import RuleOverride, load_policy, parse_rule


def test_false_switches_a_rule_off_and_the_key_is_still_checked() -> None:
    assert parse_rule("max_carbon_kg", False, where="") is None
    with pytest.raises(InputError, match="unknown rule key"):
        parse_rule("max_carbon", False, where="")


def test_no_rule_enabled_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "fairwatt.toml").write_text("[check]\nmax_carbon_kg = false\n")
    with pytest.raises(InputError, match="no rules"):
        load_policy(start=tmp_path)


def test_a_rule_gets_a_default_name_severity_and_its_unit() -> None:
    rule = parse_rule("max_carbon_g_per_kwh", 300, where="")
    assert rule is not None
    assert (rule.limit, rule.severity, rule.unit) == (300.0, "error", "gCO2e/kWh")
    assert rule.name == "Carbon emissions per kWh of IT energy"
    change = parse_rule("max_decrease_pct_jain_index_water_l", 5, where="")
    assert change is not None and change.unit == "%" and change.measure.startswith("decrease")


def test_overrides_as_a_mapping_merge_into_the_file(tmp_path: Path) -> None:
    policy = tmp_path / "budget.toml"
    policy.write_text(
        'max_carbon_kg = { limit = 50, severity = "warning", name = "CO2" }\nmax_water_l = 5\n'
    )
    got = load_policy(
        policy,
        {"max_carbon_kg": 100, "max_water_l": False, "max_gini_carbon_kg": {"limit": 0.2}},
    )
    rules = {r.key: r for r in got.rules}
    assert list(rules) == ["max_carbon_kg", "max_gini_carbon_kg"]
    assert (rules["max_carbon_kg"].limit, rules["max_carbon_kg"].name) == (100.0, "CO2")
    assert rules["max_carbon_kg"].severity == "warning"
    assert rules["max_carbon_kg"].file is None  # set by an override, not by the file
    assert got.source == str(policy) and got.section == "(top level)"
    assert got.overrides == [
        "max_carbon_kg=100",
        "max_water_l=False",
        "max_gini_carbon_kg={'limit': 0.2}",
    ]


def test_overrides_keep_the_text_they_were_given_as() -> None:
    got = load_policy(overrides=[RuleOverride("max_carbon_kg", 5, text="max_carbon_kg = 5")])
    assert got.overrides == ["max_carbon_kg = 5"]
    assert got.source is None and got.rules[0].limit == 5.0


def test_rules_from_the_file_know_their_line(tmp_path: Path) -> None:
    (tmp_path / "fairwatt.toml").write_text("[check]\n\nmax_water_l = 5\n")
    rule = load_policy(start=tmp_path).rules[0]
    assert (rule.file, rule.line) == (str(tmp_path / "fairwatt.toml"), 3)


def test_messages_name_parameters_unless_told_otherwise(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="check policy_file"):
        load_policy(tmp_path / "nope.toml")
    with pytest.raises(InputError, match=r"^overrides max_co2_kg: unknown rule key"):
        load_policy(overrides={"max_co2_kg": 1})
    flags = {"overrides": "--rule"}
    with pytest.raises(InputError, match=r"^--rule max_co2_kg: unknown rule key"):
        load_policy(
            overrides={"max_co2_kg": 1},
            spell=lambda name, value: flags.get(name, name),
        )
