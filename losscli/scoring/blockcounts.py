"""The Poisson counts of one block of rows for every replicate, drawn once and ahead.

A block's counts (``n_boot`` x ``BLOCK`` floats, for the replicates' matrix product) are a
pure function of ``(seed, block)``, so they can be drawn anywhere, any time:

- the last block drawn is kept for the next caller: the two sides of ``compare`` sum the
  same block one after the other (read-only);
- once a whole block has been asked for, the next one is drawn ahead on a worker thread
  while the caller sums this one (the generator, the table look-up and the matrix product
  release the GIL): the generator's work, most of a bootstrap's, runs on a second core.
  Nothing but the timing changes; a block drawn ahead and not asked for (the input
  ended) is dropped.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.stats.resample import BLOCK, poisson_weights

if TYPE_CHECKING:  # (concurrent.futures: imported when a bootstrap runs, not at start-up)
    from concurrent.futures import ThreadPoolExecutor

Key = tuple[int, int, int]  # (seed, first row of the block, n_boot)

_LAST: list[tuple[Key, np.ndarray]] = []
_AHEAD = threading.local()  # per calling thread: (key, future) of the block drawn ahead
_POOL: list[tuple[int, ThreadPoolExecutor]] = []  # (the process it belongs to, the pool)
_POOL_LOCK = threading.Lock()


def _draw(key: Key) -> np.ndarray:
    seed, start, n_boot = key
    wf = poisson_weights(seed, start, BLOCK, n_boot, dtype=np.float64)
    wf.flags.writeable = False
    return wf


def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    # a forked process (--jobs, Dask's process workers) has no thread of its parent's
    with _POOL_LOCK:
        if not _POOL or _POOL[0][0] != os.getpid():
            _POOL[:] = [(os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="losscli-counts"))]
        return _POOL[0][1]


def block_counts(seed: int, start: int, n_boot: int, ahead: bool = False) -> np.ndarray:
    """The counts of the block beginning at row ``start`` (``(n_boot, BLOCK)`` floats,
    read-only); ``ahead``: more rows are likely to follow (this block is whole), so draw
    the next block meanwhile."""
    key = (seed, start, n_boot)
    last = _LAST[0] if _LAST else None  # (one read: another thread may replace it)
    if last is not None and last[0] == key:
        return last[1]
    pid = os.getpid()
    pending: tuple[int, Key, Any] | None = getattr(_AHEAD, "next", None)  # (a Future)
    _AHEAD.next = None
    if pending is not None and pending[:2] == (pid, key):
        wf = pending[2].result()
    else:
        if pending is not None:
            pending[2].cancel()
        wf = _draw(key)
    if ahead:
        following = (seed, start + BLOCK, n_boot)
        _AHEAD.next = (pid, following, _pool().submit(_draw, following))
    _LAST[:] = [(key, wf)]
    return wf
