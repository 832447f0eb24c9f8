"""What a run is doing, for a progress display: library code names its phase
(``reading``, ``scoring``, ``sorting for roc_auc``, ``bootstrap``...) and may count its steps;
whoever watches (the CLI's progress bar) installs a hook with :func:`watching`.  Without a
hook every call is a no-op (one context-variable lookup), so the library calls it freely::

    phases.phase("bootstrap", total=n_boot)   # a new phase, its steps known or not
    phases.advance(1)                          # one more step of it

The ``progress`` argument of :func:`losscli.evaluate` (rows scored) is unchanged."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol


class Hook(Protocol):
    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int) -> None: ...


_HOOK: ContextVar[Hook | None] = ContextVar("losscli_phase_hook", default=None)


def phase(name: str, total: int | None = None) -> None:
    """A new phase of the run named ``name``, of ``total`` steps when known."""
    hook = _HOOK.get()
    if hook is not None:
        hook.phase(name, total)


def advance(n: int = 1) -> None:
    """``n`` more steps of the current phase."""
    hook = _HOOK.get()
    if hook is not None:
        hook.advance(n)


@contextlib.contextmanager
def watching(hook: Hook | None) -> Iterator[None]:
    """Calls of :func:`phase` and :func:`advance` go to ``hook`` while inside."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)
