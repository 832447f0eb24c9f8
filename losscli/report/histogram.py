"""The distribution of a per-sample loss in bounded memory: counts in fixed logarithmic
bins (64 a doubling, magnitudes from 2**-40 to 2**40, and a bin for zero; a sign each), so
that chunks, processes and workers merge by adding counts, whatever the chunking.  The
table report draws it as one line of unicode blocks (``▁▂▃▄▅▆▇█``) over the range of the
values (linear, or logarithmic when the largest value is over 1000 times the smallest)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PER_OCTAVE = 64
LOW, HIGH = -40, 40  # octaves: |v| < 2**LOW counts as zero, |v| >= 2**HIGH in the last bin
NBINS = (HIGH - LOW) * PER_OCTAVE
BLOCKS = "▁▂▃▄▅▆▇█"
LOG_SPREAD = 1000.0  # max / min over this (all values > 0): a logarithmic axis


def _bins(a: np.ndarray) -> np.ndarray:
    """The bin of every magnitude in ``a`` (positive, finite, >= 2**LOW)."""
    idx = np.floor((np.log2(a) - LOW) * PER_OCTAVE).astype(np.int64)
    return np.clip(idx, 0, NBINS - 1)


@dataclass
class LossHistogram:
    positive: np.ndarray = field(default_factory=lambda: np.zeros(NBINS, np.int64))
    negative: np.ndarray = field(default_factory=lambda: np.zeros(NBINS, np.int64))
    zero: int = 0
    nonfinite: int = 0
    low: float = math.inf
    high: float = -math.inf

    @property
    def n(self) -> int:
        return int(self.positive.sum() + self.negative.sum()) + self.zero

    def add(self, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=np.float64).ravel()
        finite = np.isfinite(v)
        if not finite.all():
            self.nonfinite += int(v.size - np.count_nonzero(finite))
            v = v[finite]
        if v.size == 0:
            return
        self.low = min(self.low, float(v.min()))
        self.high = max(self.high, float(v.max()))
        small = np.abs(v) < 2.0**LOW
        self.zero += int(np.count_nonzero(small))
        pos = v[(v > 0) & ~small]
        neg = v[(v < 0) & ~small]
        if pos.size:
            self.positive += np.bincount(_bins(pos), minlength=NBINS)
        if neg.size:
            self.negative += np.bincount(_bins(-neg), minlength=NBINS)

    def merge(self, other: LossHistogram) -> None:
        self.positive += other.positive
        self.negative += other.negative
        self.zero += other.zero
        self.nonfinite += other.nonfinite
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)

    def _points(self) -> tuple[np.ndarray, np.ndarray]:
        """(value, count) of every non-empty bin, its value the bin's geometric middle
        clipped to the range seen."""
        centers = 2.0 ** (LOW + (np.arange(NBINS) + 0.5) / PER_OCTAVE)
        vals = [centers[self.positive > 0], -centers[self.negative > 0]]
        counts = [self.positive[self.positive > 0], self.negative[self.negative > 0]]
        if self.zero:
            vals.append(np.zeros(1))
            counts.append(np.array([self.zero]))
        v = np.clip(np.concatenate(vals), self.low, self.high)
        return v, np.concatenate(counts)

    def blocks(self, width: int) -> tuple[str, bool]:
        """At most ``width`` characters of blocks over [low, high] and whether the axis is
        logarithmic; ``""`` when there is nothing to draw."""
        if self.n == 0 or not math.isfinite(self.low):
            return "", False
        v, c = self._points()
        log = self.low > 0 and self.high > LOG_SPREAD * self.low
        lo, hi = (math.log(self.low), math.log(self.high)) if log else (self.low, self.high)
        x = np.log(v) if log else v
        if hi <= lo:
            return BLOCKS[-1], False
        # no more characters than bins the range spans (no holes from the bins' grid)
        span = (math.log2(self.high) - math.log2(self.low)) * PER_OCTAVE if self.low > 0 else NBINS
        k = int(max(1, min(width, span + 1)))
        pos = np.minimum(((x - lo) / (hi - lo) * k).astype(np.int64), k - 1)
        per = np.bincount(pos, weights=c, minlength=k)
        top = per.max()
        out = []
        for n in per:
            if n == 0:
                out.append(" ")
            else:
                out.append(BLOCKS[min(len(BLOCKS) - 1, int(math.ceil(n / top * len(BLOCKS))) - 1)])
        return "".join(out), log
