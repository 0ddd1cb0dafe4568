"""Typed exceptions. The CLI maps each to a one-line message and an exit code.

Exit codes (documented in the README and in ``fairwatt --help``):

* 0 — success
* 1 — a check's threshold was breached
* 2 — usage error or invalid input
* 3 — a data source is unavailable or a factor is missing
* 4 — a rebalancing scenario is infeasible

Anything else is a bug.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_DATA_UNAVAILABLE = 3
EXIT_INFEASIBLE = 4


class FairwattError(Exception):
    """Base class of every error fairwatt reports to users (never a bug)."""

    exit_code: int = EXIT_INVALID_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}; {self.hint}"


class InputError(FairwattError):
    """Invalid input: a file, a column, a value or an option (exit 2)."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)
        self.file = file
        self.row = row
        self.column = column


class FactorMissingError(FairwattError):
    """No factor for a zone/hour and no fallback was asked for (exit 3).

    ``factors`` names the factor columns that are missing."""

    exit_code = EXIT_DATA_UNAVAILABLE

    def __init__(
        self, message: str, *, factors: frozenset[str] = frozenset(), hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.factors = factors


class DataUnavailableError(FairwattError):
    """A data source (provider API, cache, dataset) cannot deliver (exit 3)."""

    exit_code = EXIT_DATA_UNAVAILABLE


class InfeasibleError(FairwattError):
    """A rebalancing scenario has no feasible allocation (exit 4)."""

    exit_code = EXIT_INFEASIBLE


class CheckFailedError(FairwattError):
    """A policy rule of severity error failed (exit 1)."""

    exit_code = EXIT_CHECK_FAILED
