"""Write docs/cli.md, the command-line reference, from the commands' own --help.

    python scripts/gen_cli_docs.py          # rewrite docs/cli.md
    python scripts/gen_cli_docs.py --check  # exit 1 if docs/cli.md is out of date

Help is rendered as plain text (``TYPER_USE_RICH=0``, 80 columns: it fits any terminal
that wide without a sentence cut by the terminal) so the file does not depend on the
terminal or on the version of rich. The same texts are written to
``src/fairwatt/cli/_help.json``, which ``fairwatt --help`` prints without loading the
command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ["TYPER_USE_RICH"] = "0"
#: the width the help is rendered at (``fairwatt --help`` renders it afresh when the
#: terminal is narrower)
WIDTH = 80
os.environ["COLUMNS"] = str(WIDTH)
os.environ["TERMINAL_WIDTH"] = str(WIDTH)

ROOT = Path(__file__).resolve().parents[1]
# document the commands of this source tree, not those of an installed fairwatt
sys.path.insert(0, str(ROOT / "src"))

import typer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from fairwatt.cli.app import app  # noqa: E402

TARGET = ROOT / "docs" / "cli.md"
HELP_CACHE = ROOT / "src" / "fairwatt" / "cli" / "_help.json"


def command_paths(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [(*prefix, c.name or c.callback.__name__) for c in group.registered_commands]
    for sub in group.registered_groups:
        paths.append((*prefix, sub.name or ""))
        paths += command_paths(sub.typer_instance, (*prefix, sub.name or ""))
    return paths


def render() -> tuple[str, str]:
    """docs/cli.md and the help cache (JSON: command path -> help text)."""
    runner = CliRunner()
    texts: dict[str, str] = {}
    parts = [
        "# Command-line reference",
        "",
        "Generated from each command's `--help` by `python scripts/gen_cli_docs.py`; a test",
        "checks that it is up to date. The text is what `fairwatt COMMAND --help` prints on",
        "a terminal 80 columns wide or wider.",
        "",
        "Conventions shared by the commands:",
        "",
        "- `-v`/`-vv` (more detail, tracebacks) and `-q` (no progress, no notes) go before",
        "  or after the command.",
        "- Data on stdout or `-o FILE` (`.csv`, `.tsv`, `.csv.gz`, `.tsv.gz`, `.parquet`,",
        "  `.json`, `.md`); notes and errors on stderr. Every JSON output has one layout,",
        "  described in [JSON output](output.md).",
        "- `--sort COLUMN` (`-COLUMN`: descending) and `--limit N` order and cut the main",
        "  table of `audit`, `equity`, `check`, `factors list` and `sites list`.",
        "- Audit defaults (`audit` and `check`): options on the command line, else",
        "  `FAIRWATT_<OPTION>` environment variables (`FAIRWATT_SITES`, `FAIRWATT_BY`,",
        "  `FAIRWATT_FOOTPRINTS`, ...; several values separated by spaces), else the",
        "  `[audit]` table of the nearest `fairwatt.toml` or the `[tool.fairwatt.audit]`",
        "  table of the nearest `pyproject.toml` (searched from the working folder up;",
        "  keys are the long option names, paths relative to the file).",
        "- Shell completion: `fairwatt --install-completion`.",
        "",
    ]
    for path in [(), *command_paths(app)]:
        res = runner.invoke(app, [*path, "--help"], prog_name="fairwatt", terminal_width=WIDTH)
        if res.exit_code != 0:
            raise SystemExit(f"fairwatt {' '.join(path)} --help failed:\n{res.output}")
        title = " ".join(("fairwatt", *path))
        text = "\n".join(line.rstrip() for line in res.output.strip().splitlines())
        parts += [f"## `{title}`", "", "```text", text, "```", ""]
        texts[" ".join(path)] = text + "\n"
    return "\n".join(parts), json.dumps(texts, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, do not write")
    args = parser.parse_args()
    outputs = dict(zip((TARGET, HELP_CACHE), render(), strict=True))
    if args.check:
        stale = [
            p
            for p, text in outputs.items()
            if not p.exists() or p.read_text(encoding="utf-8") != text
        ]
        for p in stale:
            print(f"{p} is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for p, text in outputs.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
