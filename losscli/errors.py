"""Typed errors raised by the library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


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
            where.append(show_name(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!s}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        # one error, one line: a newline or a terminal escape in a file name or a cell
        # quoted in the message is shown escaped, never written as is
        return text if text.isprintable() else show_name(text)


class UsageError(LossCliError):
    """Unknown loss, metric, parameter or incompatible choices (exit code 2)."""

    exit_code = 2


class InputError(LossCliError):
    """The data cannot be read or is invalid for the computation (exit code 3)."""

    exit_code = 3


def show_name(name: object) -> str:
    """A file name (or any text) for a message: as it is when every character prints,
    else with the characters that do not (newline, tab, escape, ...) written the way
    ``repr`` writes them (``\\n``, ``\\x1b``), so one message stays one line."""
    text = str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class Contradiction(InputError):
    """A later chunk contradicts a reading taken on the first chunk (predictions taken as
    hard labels, then a chunk holds 0.3; a class not among those of the first chunk).
    The message names the row and the flag that settles the reading; a caller may
    instead read the input again with the wider reading."""


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


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """``did you mean X?`` for the candidate closest to ``word`` (difflib, ignoring case
    and ``-`` / ``_``), or None when none is close."""
    from difflib import get_close_matches

    def norm(s: str) -> str:
        return s.strip().lower().replace("-", "_")

    pool = {norm(c): c for c in candidates}
    found = get_close_matches(norm(word), list(pool), n=1, cutoff=0.6)
    return f"did you mean {pool[found[0]]}?" if found else None


def unknown_choice(what: str, value: object, choices: Sequence[str]) -> UsageError:
    """``unknown WHAT 'x' (did you mean y?)``, or the list of choices when none is close."""
    hint = did_you_mean(str(value), choices) or f"one of {', '.join(choices)}"
    return UsageError(f"unknown {what} {value!r}", hint=hint)
