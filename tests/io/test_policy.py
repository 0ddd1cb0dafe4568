"""Reading check policies: discovery, the rules table, the line of each rule, TOML values."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.errors import InputError
from fairwatt.io.policy import find_policy, key_line, parse_value, policy_table, read_policy


def test_fairwatt_toml_comes_before_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fairwatt.check]\nmax_carbon_kg = 1\n")
    assert find_policy(tmp_path) == (tmp_path / "pyproject.toml").resolve()
    (tmp_path / "fairwatt.toml").write_text("[check]\nmax_carbon_kg = 2\n")
    assert find_policy(tmp_path) == (tmp_path / "fairwatt.toml").resolve()


def test_files_without_a_check_table_are_skipped_upwards(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fairwatt.check]\nmax_carbon_kg = 1\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (inner / "fairwatt.toml").write_text("[audit]\nby = 'zone'\n")
    assert find_policy(inner) == (tmp_path / "pyproject.toml").resolve()


def test_no_policy_anywhere(tmp_path: Path) -> None:
    if find_policy(tmp_path.parent) is not None:
        pytest.skip("an ancestor of the temporary folder holds a policy")
    assert find_policy(tmp_path) is None


def test_read_policy_gives_values_section_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "demo"\n'  # lines 1-2
        "\n"
        "[tool.fairwatt.check]\n"  # line 4
        "max_water_l = 2000\n"  # line 5
        "'max_energy_kwh' = false\n"  # line 6, a quoted key
        "\n"
        "[tool.fairwatt.check.max_carbon_kg]\n"  # line 8
        'limit = 50\nseverity = "warning"\n'
    )
    doc = read_policy(path)
    assert doc.section == "[tool.fairwatt.check]"
    assert doc.entries == {
        "max_water_l": 2000,
        "max_energy_kwh": False,
        "max_carbon_kg": {"limit": 50, "severity": "warning"},
    }
    assert doc.lines == {"max_water_l": 5, "max_energy_kwh": 6, "max_carbon_kg": 8}


def test_a_key_before_the_table_header_is_not_taken_for_a_rule(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.other]\nmax_water_l = 1\n\n[tool.fairwatt.check]\nmax_water_l = 2\n")
    assert key_line(path, "max_water_l") == 5


def test_any_toml_file_holds_rules_at_the_top_level(tmp_path: Path) -> None:
    path = tmp_path / "budget.toml"
    path.write_text("max_carbon_kg = 10\n")
    table, section = policy_table(path)
    assert (table, section) == ({"max_carbon_kg": 10}, "(top level)")
    # ... or in a [check] table
    path.write_text("[check]\nmax_carbon_kg = 11\n")
    assert policy_table(path) == ({"max_carbon_kg": 11}, "[check]")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", '[project]\nname = "x"\n', "no [tool.fairwatt.check] table"),
        ("fairwatt.toml", "[audit]\n", "no [check] table"),
        ("budget.toml", "check = 5\n", "[check] must be a table of rules"),
        ("budget.toml", "max_carbon_kg = = 5\n", "not valid TOML"),
    ],
)
def test_bad_policy_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        read_policy(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5000", 5000),
        ("2.5e3", 2500.0),
        ("false", False),
        ('{limit = 5, severity = "warning"}', {"limit": 5, "severity": "warning"}),
    ],
)
def test_parse_value_reads_toml_values(text: str, value: object) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["abc", "{limit = }", "= 5"])
def test_parse_value_refuses_what_is_not_toml(text: str) -> None:
    with pytest.raises(ValueError, match="is not a TOML value"):
        parse_value(text)
