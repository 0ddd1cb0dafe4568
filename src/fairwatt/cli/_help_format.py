"""How parameters read in ``--help``: plain metavars (``LOGS...``, ``NAME=VALUE``,
``FLOAT``), never a Python type (``<list[str]>``, ``<float>``) or braces
(``{LOGS...}...``).

:func:`plain_metavars` retypes the parameters of every command of a group in place to
the classes below, which only change how they are displayed.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

#: a metavar for options declared without one, by the type they take
_BY_TYPE = {"float": "FLOAT", "int": "INTEGER", "str": "TEXT", "bool": "BOOLEAN"}


def _name(param: Any) -> str:
    return str(param.metavar or str(param.name).upper())


def _more(param: Any) -> str:
    """``...`` after an argument that takes several values (unless its metavar says so)."""
    return "..." if param.nargs != 1 and not _name(param).endswith("...") else ""


class PlainArgument(TyperArgument):
    """An argument shown as ``LOGS...`` (required) or ``[LOGS]...`` (optional)."""

    def _rich_display_name(self) -> str:
        return _name(self) + _more(self)

    def _usage_display_name(self) -> str:
        name = _name(self)
        return (name if self.required else f"[{name}]") + _more(self)

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class PlainOption(TyperOption):
    """An option shown with its metavar, else the classic ``FLOAT``/``INTEGER``/``TEXT``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.metavar is not None:
            return str(self.metavar)
        label = str(self.display_type(ctx)).strip("<>")
        label = label.removesuffix(" range")
        if label.startswith("list[") and label.endswith("]"):
            label = label[5:-1]
        return _BY_TYPE.get(label, label.upper())


#: the longest line of an example command in help (help is indented by 2, the command
#: by 4 more; 80 columns)
_EXAMPLE_WIDTH = 72


def _example(command: str) -> str:
    """An example command as lines of at most :data:`_EXAMPLE_WIDTH` characters, split
    before an option (never between an option and its value) with shell line
    continuations, so that it can still be pasted."""
    groups: list[str] = []
    for word in command.split():
        if groups and not word.startswith("-"):
            groups[-1] += " " + word
        else:
            groups.append(word)
    lines: list[str] = []
    for group in groups:
        if lines and len(lines[-1]) + 1 + len(group) <= _EXAMPLE_WIDTH - 2:
            lines[-1] += " " + group
        else:
            lines.append(group)
    return " \\\n      ".join(lines)


def _keep_examples(text: str) -> str:
    """``text`` with each ``Example: COMMAND`` on lines of its own that help does not
    rewrap (a command line cut anywhere cannot be copied)."""
    out = []
    for paragraph in text.split("\n\n"):
        head, sep, command = paragraph.partition("Example:")
        if not sep or not command.strip() or paragraph.startswith("\b"):
            out.append(paragraph)
            continue
        if head.strip():
            out.append(head.rstrip())
        out.append("\b\nExample:\n    " + _example(command))
    return "\n\n".join(out)


def plain_metavars(command: Any) -> None:
    """Give every parameter of ``command`` and its subcommands plain metavars, and keep
    the lines of their examples whole."""
    if isinstance(getattr(command, "help", None), str):
        command.help = _keep_examples(command.help)
    for param in getattr(command, "params", []):
        if type(param) is TyperArgument:
            param.__class__ = PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = PlainOption
    for sub in getattr(command, "commands", {}).values():
        plain_metavars(sub)
