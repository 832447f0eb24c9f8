"""Student's t moments summed by the bootstrap's blocks of rows, straight from the chunks.

When no figure takes the bootstrap, ``--ci`` needs only the :class:`~losscli.stats.moments.Moments`
of every loss and mean metric.  :class:`BlockMoments` sums them block by block (rows
``0..BLOCK-1``, ``BLOCK..2*BLOCK-1``, ...) as the replicates' blocks are summed, so the same
input gives the same bits whatever ``--chunk-size`` (and as with replicates): the blocks a
chunk holds whole are summed from its arrays (views, a run of whole blocks in one
reduction), and only the values of a block the chunk leaves incomplete are kept (copies,
fewer than ``BLOCK``) until the next chunk completes it.
"""

from __future__ import annotations

import numpy as np

from losscli.stats.moments import Moments
from losscli.stats.resample import BLOCK


class BlockMoments:
    def __init__(self, moments: dict[str, Moments]) -> None:
        self.moments = moments
        self.held: tuple[int, dict[str, list[np.ndarray]]] | None = None  # (block, values)

    def add(self, rows: np.ndarray, values: dict[str, np.ndarray], rows_read: int) -> None:
        """One chunk's per-sample ``values`` (``rows``: their rows in the input, ascending;
        ``rows_read``: the rows of the input read so far)."""
        n = rows.size
        edges = [0]
        if n:
            lo, hi = int(rows[0]) // BLOCK, int(rows[-1]) // BLOCK
            cuts = np.searchsorted(rows, np.arange(lo + 1, hi + 1, dtype=np.int64) * BLOCK)
            edges = [0, *cuts.tolist(), n]
        at = 0  # the first value not yet summed or kept
        if self.held is not None:  # the values of a block begun in an earlier chunk
            block, parts = self.held
            if n and int(rows[0]) // BLOCK == block:
                at = edges[1]
                for name, x in values.items():
                    parts.setdefault(name, []).append(x[:at].copy())
            if (block + 1) * BLOCK <= rows_read:
                self.finish()
            elif at:
                return  # the whole chunk is in that block, still incomplete
        if at >= n:
            return
        # the blocks this chunk completes, then the values of the one it leaves incomplete
        last = int(rows[-1]) // BLOCK
        end = n if (last + 1) * BLOCK <= rows_read else edges[-2]
        if end > at:
            inner = [e - at for e in edges if at <= e <= end]
            for name, x in values.items():
                self.moments[name].add_blocks(x[at:end], inner, BLOCK)
        if end < n:
            self.held = (last, {name: [x[end:].copy()] for name, x in values.items()})

    def finish(self) -> None:
        """Sum the block held (the input ended, or its other rows were omitted)."""
        if self.held is not None:
            for name, xs in self.held[1].items():
                x = np.concatenate(xs)
                self.moments[name].add_blocks(x, [0, x.size], BLOCK)
            self.held = None
