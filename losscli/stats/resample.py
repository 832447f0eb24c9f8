"""Poisson bootstrap weights that depend only on (seed, replicate, row).

A bootstrap replicate is a set of per-sample weights.  In the Poisson bootstrap
(Chamandy, Muralidharan, Najmi and Naidu, "Estimating uncertainty for massive data
streams", Google, 2012) every sample gets, in every replicate, an independent Poisson(1)
count instead of a multinomial draw of exactly n samples: the counts of one sample need
nothing from the others, so a replicate's sums accumulate chunk by chunk and merge like
every other sum.

The counts come from a counter-based generator (Philox 4x64, as in numpy).  The input is
cut into blocks of ``BLOCK`` rows at fixed positions (rows ``0..BLOCK-1``,
``BLOCK..2*BLOCK-1``, ...); block ``k`` has its own stream keyed by ``(seed, k)``, whose
32-bit words ``b * BLOCK .. (b + 1) * BLOCK - 1`` are the block's rows in replicate ``b``.
So the weights of a row are a function of the seed and the row's position only, whatever
the chunking, the number of jobs or the engine, and one call draws a whole block for every
replicate.  A uniform 32-bit word ``u`` becomes the count ``k`` with
``F(k - 1) <= u / 2**32 < F(k)`` (``F`` the Poisson(1) distribution function): the
inverse-CDF method, exact to 2**-32 in probability, found by a table of the upper 16 bits
(and a search in the few cells that hold a step of ``F``).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

# Poisson(1) distribution function as 32-bit thresholds: a count is the number of
# thresholds a uniform 32-bit integer reaches.  P(X >= 13) < 2**-32, so 12 thresholds.
_CDF: list[int] = []
_acc = 0.0
for _k in range(13):
    _acc += math.exp(-1.0) / math.factorial(_k)
    _CDF.append(min(int(_acc * 2.0**32), 2**32 - 1))
THRESHOLDS = np.array([t for t in _CDF if t < 2**32 - 1], dtype=np.uint32)
del _acc, _k, _CDF

# the count of every 16-bit cell of u's upper half; 255 where a threshold falls inside
_low = np.searchsorted(THRESHOLDS, np.arange(65536, dtype=np.uint64) << 16, side="right")
_high = np.searchsorted(THRESHOLDS, (np.arange(65536, dtype=np.uint64) << 16) + 65535, side="right")
_LUT = np.where(_low == _high, _low, 255).astype(np.uint8)
del _low, _high


_LITTLE = sys.byteorder == "little"


def counts_of_uniform(u: np.ndarray, dtype: Any = np.uint8) -> np.ndarray:
    """Poisson(1) counts of uniform 32-bit integers, by the inverse CDF (``dtype``: uint8,
    or float64, for sums by matrix products).

    The upper 16 bits of every word are read in place (a uint16 view) and looked up in a
    uint8 table; the few words in a cell that holds a step of ``F`` are searched."""
    u = np.ascontiguousarray(u, dtype=np.uint32)
    if _LITTLE:
        high = u.reshape(-1).view(np.uint16)[1::2]
    else:
        high = (u.reshape(-1) >> np.uint32(16)).astype(np.intp)
    # looked up in cache-sized steps through one index buffer (no bounds to check:
    # 16-bit indices)
    flat = np.empty(high.size, dtype=np.uint8)
    index = np.empty(min(high.size, _STEP), dtype=np.intp)
    for i in range(0, high.size, _STEP):
        j = min(i + _STEP, high.size)
        index[: j - i] = high[i:j]
        np.take(_LUT, index[: j - i], out=flat[i:j], mode="clip")
    odd = np.flatnonzero(flat == 255)  # about 12 cells in 65536: a search
    if odd.size:
        flat[odd] = np.searchsorted(THRESHOLDS, u.reshape(-1)[odd], side="right")
    out = flat.reshape(u.shape)
    return out if dtype == np.uint8 else out.astype(dtype)


_STEP = 65536


BLOCK = 4096  # rows of one stream; also the rows summed together by the replicates
_FLIPS = 2**63  # the key space of the randomization flips, apart from the bootstrap's


def _words(seed: int, key: int, first: int, n: int) -> np.ndarray:
    """32-bit words ``first .. first + n - 1`` of the stream keyed by ``(seed, key)``."""
    bg = np.random.Philox(key=np.array([seed & (2**64 - 1), key], dtype=np.uint64))
    start = first // 2  # the 64-bit output holding word ``first``
    step, skip = divmod(start, 4)  # Philox 4x64: four outputs per counter step
    if step:
        bg.advance(step)
    outputs = (first + n + 1) // 2 - start
    raw = np.asarray(bg.random_raw(outputs + skip), dtype="<u8")[skip:]
    halves = raw.view("<u4")  # low half first
    off = first - 2 * start
    return halves[off : off + n]


def _rows(seed: int, key_base: int, start: int, n: int, reps: range) -> np.ndarray:
    """(len(reps), n) words of rows ``start .. start + n - 1``, block by block."""
    if len(reps) and start % BLOCK == 0 and n == BLOCK and reps == range(reps.stop):
        # one whole block for replicates 0..: the generator's output as it comes
        return _words(seed, key_base + start // BLOCK, 0, len(reps) * BLOCK).reshape(-1, BLOCK)
    out = np.empty((len(reps), n), dtype=np.uint32)
    r = start
    while r < start + n:
        block, off = divmod(r, BLOCK)
        take = min(BLOCK - off, start + n - r)
        if len(reps) and off == 0 and take == BLOCK and reps == range(reps.stop):
            # a whole block for replicates 0..: one draw
            words = _words(seed, key_base + block, 0, len(reps) * BLOCK)
            out[:, r - start : r - start + take] = words.reshape(len(reps), BLOCK)
        else:
            for i, b in enumerate(reps):
                out[i, r - start : r - start + take] = _words(
                    seed, key_base + block, b * BLOCK + off, take
                )
        r += take
    return out


def poisson_counts(seed: int, replicate: int, start: int, n: int) -> np.ndarray:
    """Counts (uint8) of rows ``start .. start + n - 1`` in one replicate."""
    return counts_of_uniform(_rows(seed, 0, start, n, range(replicate, replicate + 1))[0])


def poisson_weights(
    seed: int, start: int, n: int, n_boot: int, dtype: Any = np.uint8
) -> np.ndarray:
    """Counts of rows ``start .. start + n - 1`` in replicates ``0 .. n_boot - 1``.

    Returns a ``(n_boot, n)`` uint8 array; row ``r``'s counts are a function of
    ``(seed, r)`` only.
    """
    if start < 0 or n < 0 or n_boot < 0:
        raise ValueError("start, n and n_boot must be >= 0")
    words = _rows(seed, 0, start, n, range(n_boot))
    return counts_of_uniform(words.ravel(), dtype).reshape(n_boot, n)


def sign_flips(seed: int, start: int, n: int, n_trials: int) -> np.ndarray:
    """Approximate randomization: ``(n_trials, n)`` booleans, True where a sample's pair is
    swapped (probability 1/2), a function of ``(seed, trial, row)`` only (streams keyed
    apart from the bootstrap's)."""
    words = _rows(seed, _FLIPS, start, n, range(n_trials))
    return (words >> np.uint32(31)).astype(bool)
