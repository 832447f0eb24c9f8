"""The first two moments of a per-sample quantity as shifted sums, mergeable.

``Moments`` holds ``n``, a shift ``c`` and the sums ``Σ(x − c)`` and ``Σ(x − c)²``: sums,
never means, so chunks and partitions merge.  The shift is the first value seen (any
constant is exact in theory; one near the mean keeps ``Σ(x − c)²`` free of the
cancellation that ``Σx²`` suffers when the mean is large against the spread).  Merging
re-expresses the other state's sums about this state's shift:

.. math:: \\sum (x - c)^2 = \\sum (x - c')^2 + 2 (c' - c) \\sum (x - c') + n (c' - c)^2
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Moments:
    n: int = 0
    shift: float = 0.0
    s1: float = 0.0  # Σ (x - shift)
    s2: float = 0.0  # Σ (x - shift)²
    min: float = math.inf  # the smallest value (an interval of a non-negative mean stays >= 0)

    def update(self, values: np.ndarray) -> None:
        x = np.asarray(values, dtype=np.float64).reshape(-1)
        if x.size == 0:
            return
        if self.n == 0:
            first = x[np.isfinite(x)]
            self.shift = float(first[0]) if first.size else 0.0
        d = x - self.shift
        self.s1 += float(np.sum(d))
        self.s2 += float(np.dot(d, d))
        self.n += int(x.size)
        self.min = min(self.min, float(np.min(x)))

    def add_blocks(self, values: np.ndarray, edges: list[int], block: int) -> None:
        """Add ``values`` cut at ``edges`` (``[0, ..., values.size]``) into blocks of rows,
        each summed alone and the block sums added in order: the same bits however the
        input is cut into chunks, as long as each block arrives whole (the bootstrap's
        blocks of ``block`` rows).  A run of blocks of ``block`` values each is summed in
        one reduction over their rows (pairwise, as one block alone); the shift is the
        first finite value of the first block (0 when it has none)."""
        x = np.asarray(values, dtype=np.float64).reshape(-1)
        if x.size == 0 or self.n < 0:
            return
        if self.n == 0:
            head = x[edges[0] : edges[1]]
            first = head[np.isfinite(head)]
            self.shift = float(first[0]) if first.size else 0.0
        d = x - self.shift
        sq = d * d
        s1: list[float] = []
        s2: list[float] = []
        sizes = [j - i for i, j in zip(edges[:-1], edges[1:])]
        a, k = 0, len(sizes)
        while a < k:
            b = a + 1
            if sizes[a] == block:
                while b < k and sizes[b] == block:
                    b += 1
            i, j = edges[a], edges[b]
            if b - a > 1:  # whole blocks side by side: one row each
                s1 += d[i:j].reshape(b - a, block).sum(axis=1).tolist()
                s2 += sq[i:j].reshape(b - a, block).sum(axis=1).tolist()
            else:
                s1.append(float(np.add.reduce(d[i:j])))
                s2.append(float(np.add.reduce(sq[i:j])))
            a = b
        for u, v in zip(s1, s2):
            self.s1 += u
            self.s2 += v
        self.n += int(x.size)
        self.min = min(self.min, float(np.min(x)))

    def merge(self, other: Moments) -> Moments:
        if other.n == 0:
            return self
        if self.n < 0 or other.n < 0:  # no one quantity (several outputs): stays so
            self.n = -1
            return self
        if self.n == 0:
            self.n, self.shift, self.s1, self.s2 = other.n, other.shift, other.s1, other.s2
            self.min = other.min
            return self
        self.min = min(self.min, other.min)
        delta = other.shift - self.shift
        self.s2 += other.s2 + 2.0 * delta * other.s1 + other.n * delta * delta
        self.s1 += other.s1 + other.n * delta
        self.n += other.n
        return self

    @property
    def mean(self) -> float:
        return self.shift + self.s1 / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """The unbiased sample variance (``ddof=1``); NaN below two samples."""
        if self.n < 2:
            return math.nan
        return max(self.s2 - self.s1 * self.s1 / self.n, 0.0) / (self.n - 1)
