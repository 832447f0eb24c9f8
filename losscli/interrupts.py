"""The signal that stopped the run: set by the console script's handler, read by the CLI."""

from __future__ import annotations

import os
from types import FrameType

_received: int | None = None


def interrupted() -> int | None:
    """The signal that stopped the run, if one did."""
    return _received


def handler(signum: int, frame: FrameType | None) -> None:
    global _received
    if _received is not None:  # a second Ctrl-C: stop now
        os._exit(128 + signum)
    _received = signum
    raise KeyboardInterrupt
