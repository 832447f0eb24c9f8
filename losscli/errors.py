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


def show(value: object, limit: int = 60) -> str:
    """An offending value for a message: its ``repr`` (NumPy scalars as plain Python
    values), cut short -- one bad cell may hold a whole file behind an unclosed quote."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        value = item()
    text = repr(value)
    if len(text) <= limit:
        return text
    quote = text[0] if text[0] in "'\"" else ""
    return text[: limit - 3 - len(quote)] + "..." + quote


class DataWarning(UserWarning):
    """A data problem that is computed through (an error under --strict)."""
