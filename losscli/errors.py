"""Typed errors raised by the library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class LossCliError(Exception):
    """Base class of every error losscli raises on purpose."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!s}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(LossCliError):
    """Unknown loss, metric, parameter or incompatible choices (exit code 2)."""

    exit_code = 2


class InputError(LossCliError):
    """The data cannot be read or is invalid for the computation (exit code 3)."""

    exit_code = 3


class DataWarning(UserWarning):
    """A data problem that is computed through (an error under --strict)."""
