"""A progress line on stderr for long runs: shown only when stderr is a terminal, the
run has lasted a moment, and ``--quiet`` was not given.  Short runs and pipes see
nothing.

It names the phase (``reading``, ``scoring``, ``sorting for roc_auc``, ``bootstrap``: the
library's :mod:`losscli.phases` hook) and, when the size of the input is known, gives a
bar, a percentage and an ETA: rows read of the rows of the input, known exactly for NPY
and Parquet (their headers) and estimated for an uncompressed CSV/TSV file (its size over
the length of its first lines: an estimate, so the percentage stops at 99% until the end).
Nothing is measured before the line first appears."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

DELAY = 0.5  # seconds before a bar appears: one-liners on small files never see one
REFRESH = 0.1  # seconds between two redraws
SAMPLE = 1 << 16  # bytes of a CSV read to estimate its rows
BAR = 24  # characters of the bar


class Progress:
    """Counts rows (``eval``) or files (``batch``); a callable for the library's
    ``progress`` hooks and a :class:`losscli.phases.Hook`.  Use as a context manager so
    the line is always removed."""

    def __init__(
        self,
        unit: str,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        total: int | None = None,
        rows_total: Callable[[], int | None] | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.unit = unit
        self.total = total
        self.estimated = False  # the total is an estimate (a CSV's size)
        self.done = 0
        self.start = self.phase_start = time.monotonic()
        self.name = "reading" if unit == "rows" else "scoring"
        self._rows_total = rows_total
        self._bar: Any = None  # truthy while the line is shown
        self._drawn = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ the library's hooks

    def rows(self, n: int) -> None:
        """Hook for :func:`losscli.evaluate`: ``n`` more rows were read and scored."""
        self.advance(n)

    def files(self, done: int, total: int) -> None:
        """Hook for :func:`losscli.engines.batch.evaluate_batch`: ``done`` of ``total`` files."""
        self.total = total
        self.advance(done - self.done)

    def phase(self, name: str, total: int | None = None) -> None:
        """:mod:`losscli.phases`: a new phase (its steps counted from zero)."""
        self.name = name
        self.phase_start = time.monotonic()
        self.done = 0
        if name.startswith("reading"):
            self.unit = "rows"
            self.total, self.estimated = None, False
            if self._bar is not None:
                self._size()
        else:
            self.unit = "steps"
            self.total, self.estimated = total, False
        self._draw(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        self._draw()

    # ------------------------------------------------------------------ drawing

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._bar is None:
            if now - self.start < DELAY:
                return
            self._bar = True
            if self.unit == "rows":
                self._size()
        elif not force and now - self._drawn < REFRESH:
            return
        self._drawn = now
        self._write("\r" + self.line(now) + "\x1b[K")

    def _size(self) -> None:
        if self.total is None and self._rows_total is not None:
            try:
                total = self._rows_total()
            except Exception:  # noqa: BLE001 - an estimate only: no bar then
                total = None
            if total:
                self.total = total
                self.estimated = getattr(self._rows_total, "estimated", False)

    def line(self, now: float | None = None) -> str:
        """The text of the progress line (fitted to the terminal's width)."""
        from losscli.report.layout import middle, terminal_width

        now = time.monotonic() if now is None else now
        elapsed = now - self.phase_start
        parts = [self.name]
        if self.total:
            frac = min(self.done / self.total, 0.99 if self.estimated else 1.0)
            filled = int(frac * BAR)
            parts.append("█" * filled + "░" * (BAR - filled))
            parts.append(f"{frac:4.0%}")
            parts.append(f"{self.done:,}/{'~' if self.estimated else ''}{self.total:,} {self.unit}")
            if self.done and frac < 1:
                parts.append(f"ETA {_clock(elapsed * (1 - frac) / frac)}")
        elif self.done:
            parts.append(f"{self.done:,} {self.unit}")
        parts.append(_clock(now - self.start))
        return middle("  ".join(parts), terminal_width(self.stream) - 1)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def close(self) -> None:
        if self._bar is not None:
            self._write("\r\x1b[K")
            self._bar = None


def _clock(seconds: float) -> str:
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class RowsOf:
    """The rows of an input file, for the bar: exact for NPY / Parquet, estimated for an
    uncompressed CSV/TSV (``estimated`` says which); None when not known (stdin, globs,
    directories, URLs, gzip, NPZ)."""

    def __init__(self, path: Any, no_header: bool = False) -> None:
        self.path = path
        self.no_header = no_header
        self.estimated = False

    def __call__(self) -> int | None:
        path = self.path
        if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
            return None
        name = os.fspath(path).lower()
        if name.endswith(".npy"):
            import numpy as np

            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape  # the header only
            return int(shape[0]) if shape else None
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if name.endswith((".csv", ".tsv", ".txt")):
            size = os.path.getsize(path)
            with open(path, "rb") as fh:
                head = fh.read(SAMPLE)
            lines = head.count(b"\n")
            if lines < 2:
                return None
            self.estimated = True
            if len(head) == size:  # read whole: counted, not estimated
                self.estimated = False
                return lines - (0 if self.no_header else 1) + (not head.endswith(b"\n"))
            first = head.index(b"\n") + 1
            per_row = (head.rindex(b"\n") + 1 - first) / (lines - 1)
            return max(1, int((size - (0 if self.no_header else first)) / per_row))
        return None
