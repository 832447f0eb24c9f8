"""Poisson bootstrap weights that depend only on (seed, replicate, row).

A bootstrap replicate is a set of per-sample weights.  In the Poisson bootstrap
(Chamandy, Muralidharan, Najmi and Naidu, "Estimating uncertainty for massive data
streams", Google, 2012) every sample gets, in every replicate, an independent Poisson(1)
count instead of a multinomial draw of exactly n samples: the counts of one sample need
nothing from the others, so a replicate's sums accumulate chunk by chunk and merge like
every other sum.

The counts come from a counter-based generator (Philox 4x64, as in numpy): replicate
``b`` uses the stream keyed by ``(seed, b)``, and row ``r`` of the input (0-based from its
start) takes the ``r``-th 64-bit output of that stream.  A chunk starting at row ``r0``
jumps to its position (``advance``), so the weights of a row are the same whatever the
chunking, the number of jobs or the engine.  A uniform 64-bit output ``u`` becomes the
count ``k`` with ``F(k - 1) <= u / 2**64 < F(k)`` (``F`` the Poisson(1) distribution
function): the inverse-CDF method, exact to 2**-64.
"""

from __future__ import annotations

import math

import numpy as np

# Poisson(1) distribution function as 64-bit thresholds: a count is the number of
# thresholds a uniform 64-bit integer reaches.  P(X >= 20) < 2**-64, so 19 thresholds.
_CDF: list[int] = []
_acc = 0.0
for _k in range(19):
    _acc += math.exp(-1.0) / math.factorial(_k)
    _CDF.append(min(int(_acc * 2.0**64), 2**64 - 1))
THRESHOLDS = np.array(_CDF, dtype=np.uint64)
del _acc, _k, _CDF


def counts_of_uniform(u: np.ndarray) -> np.ndarray:
    """Poisson(1) counts (uint8) of uniform 64-bit integers, by the inverse CDF."""
    # most of the mass is in 0..3: four comparisons, then the rare tail by search
    out = (u >= THRESHOLDS[0]).astype(np.uint8)
    for t in THRESHOLDS[1:4]:
        out += u >= t
    tail = np.flatnonzero(u >= THRESHOLDS[3])
    if tail.size:
        out[tail] = np.searchsorted(THRESHOLDS, u[tail], side="right").astype(np.uint8)
    return out


def _stream(seed: int, replicate: int, start: int, n: int) -> np.ndarray:
    """Outputs ``start .. start + n - 1`` of the 64-bit stream of ``(seed, replicate)``."""
    bg = np.random.Philox(key=np.array([seed & (2**64 - 1), replicate], dtype=np.uint64))
    block, skip = divmod(start, 4)  # Philox 4x64: four outputs per counter step
    if block:
        bg.advance(block)
    raw = bg.random_raw(n + skip)
    return np.asarray(raw, dtype=np.uint64)[skip:]


def poisson_counts(seed: int, replicate: int, start: int, n: int) -> np.ndarray:
    """Counts (uint8) of rows ``start .. start + n - 1`` in one replicate."""
    return counts_of_uniform(_stream(seed, replicate, start, n))


def poisson_weights(seed: int, start: int, n: int, n_boot: int) -> np.ndarray:
    """Counts of rows ``start .. start + n - 1`` in replicates ``0 .. n_boot - 1``.

    Returns a ``(n_boot, n)`` uint8 array; row ``r``'s counts are a function of
    ``(seed, r)`` only.
    """
    if start < 0 or n < 0 or n_boot < 0:
        raise ValueError("start, n and n_boot must be >= 0")
    out = np.empty((n_boot, n), dtype=np.uint8)
    for b in range(n_boot):
        out[b] = poisson_counts(seed, b, start, n)
    return out


def sign_flips(seed: int, start: int, n: int, n_trials: int) -> np.ndarray:
    """Approximate randomization: ``(n_trials, n)`` booleans, True where a sample's pair is
    swapped (probability 1/2), a function of ``(seed, trial, row)`` only.

    Uses the stream of ``(seed, 2**63 + trial)`` so that it never coincides with the
    bootstrap's."""
    out = np.empty((n_trials, n), dtype=bool)
    for t in range(n_trials):
        out[t] = (_stream(seed, 2**63 + t, start, n) >> np.uint64(63)).astype(bool)
    return out
