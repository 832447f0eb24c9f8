"""A progress bar on stderr for long runs: shown only when stderr is a terminal, the
run has lasted a moment, and ``--quiet`` was not given.  Short runs and pipes see
nothing (rich is imported only when the bar appears)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

DELAY = 0.5  # seconds before a bar appears: one-liners on small files never see one


class Progress:
    """Counts rows (``eval``) or files (``batch``); a callable for the library's
    ``progress`` hooks.  Use as a context manager so the bar is always removed."""

    def __init__(
        self,
        unit: str,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        total: int | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.unit = unit
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def rows(self, n: int) -> None:
        """Hook for :func:`losscli.evaluate`: ``n`` more rows were scored."""
        self.advance(n)

    def files(self, done: int, total: int) -> None:
        """Hook for :func:`losscli.engines.batch.evaluate_batch`: ``done`` of ``total`` files."""
        self.total = total
        self.advance(done - self.done)

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.start < DELAY:
                return
            self._open()
        self._bar.update(self._task, completed=self.done, total=self.total)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as Bar,
        )

        columns: list[Any] = [SpinnerColumn(), TextColumn(f"scoring {self.unit}")]
        if self.total is not None:
            columns += [BarColumn(), MofNCompleteColumn()]
        else:
            columns += [TextColumn("{task.completed:,.0f}")]
        columns.append(TimeElapsedColumn())
        self._bar = Bar(*columns, console=Console(file=self.stream), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("", total=self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
