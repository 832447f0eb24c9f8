"""The distribution of a per-sample loss in bounded memory: counts in fixed bins (64 a
doubling, magnitudes from 2**-40 to 2**40, and a bin for zero; a sign each), so
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


SHIFT = 52 - 6  # a float64's exponent and its first 6 mantissa bits: 64 bins an octave
KEY0 = (LOW + 1023) << 6  # the key of 2**LOW


def _edges(i: np.ndarray) -> np.ndarray:
    """The lower edge of bin ``i``: 2**e * (1 + m/64)."""
    key = KEY0 + i
    return np.ldexp(1.0 + (key & 63) / 64.0, (key >> 6) - 1023)


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
        """Count ``values`` (NaN and inf are counted apart, not drawn): a few passes over
        the array and one ``bincount`` of keys cut from the floats' bits."""
        v = np.asarray(values, dtype=np.float64).ravel()
        if v.size == 0:
            return
        lo, hi = float(v.min()), float(v.max())
        if not (math.isfinite(lo) and math.isfinite(hi)):
            finite = np.isfinite(v)
            self.nonfinite += int(v.size - np.count_nonzero(finite))
            v = v[finite]
            if v.size == 0:
                return
            lo, hi = float(v.min()), float(v.max())
        self.low, self.high = min(self.low, lo), max(self.high, hi)
        idx = (np.abs(v).view(np.int64) >> SHIFT) - KEY0
        np.clip(idx, -1, NBINS - 1, out=idx)  # -1: below 2**LOW, counted as zero
        idx += 1
        if lo < 0:
            idx[v < 0] += NBINS
        c = np.bincount(idx, minlength=2 * NBINS + 1)
        self.zero += int(c[0])
        self.positive += c[1 : NBINS + 1]
        self.negative += c[NBINS + 1 :]

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
        i = np.arange(NBINS)
        centers = 0.5 * (_edges(i) + _edges(i + 1))
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
