"""``fairwatt --help`` answers from the rendered help without loading the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fairwatt.cli.app import HELP_CACHE, cached_help


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from fairwatt.cli.app import main; sys.argv = ['fairwatt', *sys.argv[1:]]; "
        "main(); print('typer' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_help_is_printed_from_the_cache_without_typer() -> None:
    texts = json.loads(HELP_CACHE.read_text(encoding="utf-8"))
    for args, key in (
        (["--help"], ""),
        (["audit", "-h"], "audit"),
        (["factors", "fetch", "--help"], "factors fetch"),
    ):
        done = _run(*args)
        assert done.returncode == 0, done.stderr
        assert done.stdout == texts[key]
        assert done.stderr.split() == ["False", "False"]
    assert texts["audit"].startswith("Usage: fairwatt audit [OPTIONS]")


def test_other_arguments_go_to_the_full_command_line() -> None:
    assert cached_help([]) is None
    assert cached_help(["audit"]) is None
    assert cached_help(["-v", "--help"]) is None
    assert cached_help(["audit", "--by", "zone", "--help"]) is None
    assert cached_help(["no-such-command", "--help"]) is None
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.startswith("fairwatt ")
