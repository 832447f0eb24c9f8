"""The caps that keep memory bounded whatever the input: the longest line of text, the
widest table, what standard input may hold when its format must be read whole, and the
smallest chunk the readers cut.  (What compressed data may expand to is
:func:`losscli.io.compressed.max_decompressed`.)

Every cap is an input error naming the limit and how to get past it, never a run that
grows until the machine kills it.
"""

from __future__ import annotations

import os
from typing import IO

from losscli.errors import InputError, UsageError

MAX_LINE_BYTES = 64 << 20  # a line of CSV/TSV/JSON Lines longer than this is refused
MAX_COLUMNS_ENV = "LOSSCLI_MAX_COLUMNS"
DEFAULT_MAX_COLUMNS = 8192
MIN_CHUNK_ENV = "LOSSCLI_MIN_CHUNK_ROWS"
DEFAULT_MIN_CHUNK_ROWS = 4096


def _positive(env: str, default: int) -> int:
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{env}={raw!r} is not a positive whole number")
    return value


def max_columns() -> int:
    """The widest table read: ``$LOSSCLI_MAX_COLUMNS`` or 8192 columns.  Each column
    costs the parsers a few kilobytes whatever its length, and a k-class task a k x k
    confusion matrix: 100,000 columns of 3 rows took over a gigabyte."""
    return _positive(MAX_COLUMNS_ENV, DEFAULT_MAX_COLUMNS)


def check_columns(n: int, path: str) -> None:
    limit = max_columns()
    if n > limit:
        raise InputError(
            f"has {n} columns, more than the limit of {limit}",
            file=path,
            hint="keep only the columns needed in the file, or raise the limit with "
            f"{MAX_COLUMNS_ENV}=N",
        )


def min_chunk_rows() -> int:
    """The smallest chunk the readers cut (``--chunk-size`` below it is raised to it):
    a chunk has a fixed cost, and a million chunks of one row took over a minute.  The
    figures never depend on the chunking, so this changes only the time taken.
    ``$LOSSCLI_MIN_CHUNK_ROWS`` lowers it (the test suite sets 1 to exercise chunk
    boundaries)."""
    return _positive(MIN_CHUNK_ENV, DEFAULT_MIN_CHUNK_ROWS)


def line_too_long(path: str, row: int | None = None) -> InputError:
    return InputError(
        f"a line longer than {MAX_LINE_BYTES >> 20} MiB (no line end found)",
        file=path,
        row=row,
        hint="is it a text file with one row a line?",
    )


def read_capped(fh: IO[bytes], path: str, limit: int, env: str, first: bytes = b"") -> bytes:
    """All of ``fh`` (after ``first``, already read) in memory, at most ``limit`` bytes;
    more is an input error naming the limit (standard input of a format that cannot be
    streamed: save it to a file instead)."""
    parts = [first]
    total = len(first)
    while True:
        block = fh.read(1 << 20)
        if not block:
            return b"".join(parts)
        total += len(block)
        if total > limit:
            raise InputError(
                f"holds more than {limit} bytes, the limit for this format on standard input",
                file=path,
                hint=f"save it to a file and pass its path, or raise the limit with {env}=BYTES",
            )
        parts.append(block)
