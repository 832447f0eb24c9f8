"""A chunk's temporary arrays from glibc's heap, reused chunk after chunk.

Scoring a chunk of 250,000 rows makes arrays of 2 MB (differences, squares, masks).  glibc's
malloc maps an allocation over its mmap threshold (128 KiB at start) on its own pages and
unmaps it when freed, and it trims the top of its heap once more than twice that threshold
is free there: either way every chunk faults its arrays' pages in again, about a quarter of
the CPU of a 10M-row Parquet run.

glibc raises both thresholds by itself (mallopt(3), "dynamic mmap threshold"): when a mapped
block is freed, the mmap threshold becomes that block's size and the trim threshold twice
it.  :func:`keep_chunk_memory` frees one such block, never touched (no page of it is
faulted in), so that chunk-sized arrays come from the heap and freed ones stay there for the
next chunk.  This is glibc's own rule, not a setting: there is no ``mallopt`` call, and a
user's ``MALLOC_*`` variables (which turn the dynamic rule off) are left to decide.  Peak
memory grows a little: up to twice the block of freed memory may wait at the top of the
heap for the next chunk (a 30M-row Parquet run: 181-198 MB at its peak, 181 MB without).
"""

from __future__ import annotations

import os
import sys

BLOCK = 16 << 20  # under glibc's ceiling for the dynamic threshold (32 MB on 64-bit)
ROWS = 1 << 16  # inputs streamed in chunks of fewer rows than this: not worth it

_done = False


def keep_chunk_memory(rows: int) -> None:
    """Before scoring chunks of ``rows`` rows: once a process, on Linux (glibc)."""
    global _done
    if _done or rows < ROWS or not sys.platform.startswith("linux"):
        return
    _done = True
    if any(k.startswith("MALLOC_") or k == "GLIBC_TUNABLES" for k in os.environ):
        return
    import numpy as np

    block = np.empty(BLOCK, dtype=np.uint8)  # mapped, never written: no page faulted in
    del block
