"""The signal that stopped the run: set by the console script's handler, read by the CLI.

The handler raises :class:`KeyboardInterrupt` where Python runs it, between two bytecodes
of the main thread, except inside an import: there the exception can land in the Python
code an extension module runs while it initializes (orjson's, numpy's), which does not
expect it, and the process dies of a segmentation fault instead of exiting 130 (seen: 1
run in 400 interrupted at random moments under load).  An interrupt that arrives during
an import is held until the import is over (a thread watches the main thread's stack and
sends it the signal again then), at most the time of one import; a second Ctrl-C stops
the process at once, as always (an import that hangs included)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType

_received: int | None = None
_resent = False  # the signal comes again from the watcher: the import is over

_IMPORTING = "<frozen importlib._bootstrap"  # both _bootstrap and _bootstrap_external
WATCH = 0.005  # seconds between two looks at the main thread's stack


def interrupted() -> int | None:
    """The signal that stopped the run, if one did."""
    return _received


def handler(signum: int, frame: FrameType | None) -> None:
    global _received, _resent
    if _resent:  # sent again by the watcher
        _resent = False
    elif _received is not None:  # a second Ctrl-C: stop now, importing or not
        os._exit(128 + signum)
    _received = signum
    if importing(frame):
        threading.Thread(target=_deliver_after_import, args=(signum,), daemon=True).start()
        return
    raise KeyboardInterrupt


def importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (some frame of its stack is importlib's)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(_IMPORTING):
            return True
        frame = frame.f_back
    return False


def _deliver_after_import(signum: int) -> None:
    main = threading.main_thread().ident
    while main is not None and importing(sys._current_frames().get(main)):
        time.sleep(WATCH)
    if main is not None:  # the signal again, which also wakes a blocking call
        global _resent
        _resent = True
        signal.pthread_kill(main, signum)
