"""What --help shows: plain metavars, lines that fit 80 columns, whole example lines,
shell completion."""

from __future__ import annotations

import io
import json
import re

import pytest

from fairwatt.cli import app as app_module
from fairwatt.cli._help_format import _example, _keep_examples
from fairwatt.cli.app import HELP_CACHE, HELP_WIDTH, cached_help

TEXTS: dict[str, str] = json.loads(HELP_CACHE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", list(TEXTS))
def test_metavars_are_plain_and_lines_fit(command: str) -> None:
    text = TEXTS[command]
    assert not re.findall(r"<[a-z][a-z \[\]]*>", text), "a Python type shown as metavar"
    assert not re.findall(r"\{[A-Za-z]+(?:\.\.\.)?\}", text), "braces around an argument"
    assert "......" not in text
    assert all(len(line) <= HELP_WIDTH for line in text.splitlines())


def test_arguments_read_as_users_type_them() -> None:
    assert TEXTS["audit"].startswith("Usage: fairwatt audit [OPTIONS] LOGS...\n")
    assert TEXTS["check"].startswith("Usage: fairwatt check [OPTIONS] [LOGS]...\n")
    assert TEXTS["factors show"].startswith("Usage: fairwatt factors show [OPTIONS] NAME\n")
    assert "--column FIELD=NAME" in TEXTS["audit"]
    assert "-n, --limit N" in TEXTS["factors show"]
    assert "--q Q" in TEXTS["equity"] and "--top-k K" in TEXTS["equity"]


def test_shell_completion_is_offered() -> None:
    assert "--install-completion" in TEXTS[""] and "--show-completion" in TEXTS[""]


def test_examples_stay_whole_and_can_be_pasted() -> None:
    lines = _example(
        "fairwatt factors fetch ukcarbon -z GB --start 2024-01-01 --end 2024-01-08 -o gb.parquet"
    ).split("\n")
    assert lines[0] == "fairwatt factors fetch ukcarbon -z GB --start 2024-01-01 \\"
    assert lines[1].strip() == "--end 2024-01-08 -o gb.parquet"  # an option keeps its value
    text = _keep_examples("List them. Example: fairwatt sites list --provider gcp")
    assert text == "List them.\n\n\b\nExample:\n    fairwatt sites list --provider gcp"
    # every example of the help is on lines of its own, not rewrapped into prose
    for body in TEXTS.values():
        for match in re.finditer(r"Example:(.*)", body):
            assert match.group(1).strip() == ""


def test_a_narrow_terminal_gets_the_help_rendered_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(app_module.sys, "stdout", Tty())
    monkeypatch.setenv("COLUMNS", str(HELP_WIDTH - 20))
    assert cached_help(["audit", "--help"]) is None
    monkeypatch.setenv("COLUMNS", str(HELP_WIDTH))
    assert cached_help(["audit", "--help"]) == TEXTS["audit"]
