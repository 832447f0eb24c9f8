"""Confidence intervals: Wilson's score interval for proportions, Student's t for means,
DeLong's for the area under the ROC curve, and the bootstrap percentile interval.

Each takes sufficient statistics (counts, sums, replicate values), never samples, except
DeLong's, which needs the ranks of the scores.

References
----------
- E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
  JASA 22 (1927) 209-212.
- E. R. DeLong, D. M. DeLong and D. L. Clarke-Pearson, "Comparing the areas under two or
  more correlated receiver operating characteristic curves: a nonparametric approach",
  Biometrics 44 (1988) 837-845; X. Sun and W. Xu, "Fast implementation of DeLong's
  algorithm for comparing the areas under correlated receiver operating characteristic
  curves", IEEE Signal Processing Letters 21 (2014) 1389-1393.
- B. Efron and R. Tibshirani, "An Introduction to the Bootstrap" (1993), ch. 13
  (percentile interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    level: float
    method: str  # "wilson", "t", "delong", "bootstrap"


def _z(level: float) -> float:
    """The normal quantile of ``0.5 + level / 2`` (Wichura's AS 241, as ``statistics``
    computes it: within an ulp or two of ``scipy.stats.norm.ppf``, without importing
    scipy.stats, about 1 s of CPU)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2.0)


def z_value(level: float) -> float:
    """The two-sided normal quantile of a confidence level: ``z`` with ``P(|Z| < z) = level``."""
    return _z(level)


# from these degrees of freedom on, the t quantile is the Cornish-Fisher expansion
LARGE_DF = 100_000


def t_quantile(q: float, df: float) -> float:
    """Student's t quantile: ``scipy.special.stdtrit`` (what ``scipy.stats.t.ppf``
    computes) for fewer than :data:`LARGE_DF` degrees of freedom; above, the expansion in
    ``1/df`` about the normal quantile (Abramowitz & Stegun 26.7.5, four terms: its error
    is below 1e-20 there), which needs no scipy import."""
    if df < LARGE_DF:
        from scipy.special import stdtrit

        return float(stdtrit(df, q))
    from statistics import NormalDist

    z = NormalDist().inv_cdf(q)
    z2 = z * z
    g1 = (z2 + 1.0) * z / 4.0
    g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0
    g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0
    g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def check_level(level: float) -> float:
    if not (0.0 < level < 1.0) or not math.isfinite(level):
        raise ValueError(f"the confidence level must be in (0, 1), got {level!r}")
    return float(level)


def wilson(successes: float, n: float, level: float) -> Interval:
    r"""Wilson's score interval of a proportion ``successes / n``.

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    It stays in [0, 1], and is not degenerate at ``p = 0`` or ``1``."""
    check_level(level)
    if n <= 0:
        return Interval(math.nan, math.nan, level, "wilson")
    z = _z(level)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    # the bounds of p = 0 and p = 1 are exactly 0 and 1 in theory: keep them so in floats
    low = 0.0 if successes <= 0 else min(max(0.0, centre - half), p)
    high = 1.0 if successes >= n else max(min(1.0, centre + half), p)
    return Interval(low, high, level, "wilson")


def student_t(mean: float, variance: float, n: int, level: float) -> Interval:
    r"""Student's t interval of a mean: :math:`\bar x \pm t_{n-1} s / \sqrt n`, ``variance``
    the unbiased sample variance :math:`s^2`."""
    check_level(level)
    if n < 2 or not math.isfinite(variance):
        return Interval(math.nan, math.nan, level, "t")
    half = t_quantile(0.5 + level / 2.0, n - 1) * math.sqrt(max(variance, 0.0) / n)
    return Interval(mean - half, mean + half, level, "t")


def percentile(replicates: np.ndarray, level: float) -> Interval:
    """The bootstrap percentile interval: the ``(1 - level)/2`` and ``(1 + level)/2``
    quantiles of the replicate values (NaN replicates, e.g. of a resample without a class,
    left out; linear interpolation between order statistics, numpy's default)."""
    check_level(level)
    r = np.asarray(replicates, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return Interval(math.nan, math.nan, level, "bootstrap")
    lo, hi = np.quantile(r, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return Interval(float(lo), float(hi), level, "bootstrap")


def midranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given the mean of their ranks (Sun and Xu's Algorithm 1), as
    ``scipy.stats.rankdata(x, method="average")`` computes them (the same formula, exact
    in floats: whole and half numbers), without importing scipy.stats; NaN anywhere
    gives NaN everywhere, as scipy's default."""
    v = np.asarray(x, dtype=np.float64).reshape(-1)
    if np.isnan(v).any():
        return np.full(v.shape, np.nan)
    order = np.argsort(v, kind="mergesort")
    ordered = v[order]
    first = np.empty(v.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    dense = np.cumsum(first)
    count = np.append(np.flatnonzero(first), v.size)
    out = np.empty(v.size, dtype=np.float64)
    out[order] = 0.5 * (count[dense] + count[dense - 1] + 1)
    return out


def delong_components(
    y: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs and DeLong's structural components of one or more score columns.

    ``y``: (n,) 0/1; ``scores``: (n,) or (n, k).  Returns ``(auc (k,), v10 (k, m),
    v01 (k, n0))`` for the ``m`` positives and ``n0`` negatives (Sun and Xu 2014)."""
    s = np.asarray(scores, dtype=np.float64)
    s = s.reshape(s.shape[0], -1).T  # (k, n)
    pos = np.asarray(y) == 1
    m, n0 = int(pos.sum()), int((~pos).sum())
    aucs, v10s, v01s = [], [], []
    for row in s:
        x, yy = row[pos], row[~pos]
        tz = midranks(row)
        tx, ty = midranks(x), midranks(yy)
        tzx, tzy = tz[pos], tz[~pos]
        aucs.append((tzx.sum() - m * (m + 1) / 2.0) / (m * n0))
        v10s.append((tzx - tx) / n0)
        v01s.append(1.0 - (tzy - ty) / m)
    return np.array(aucs), np.array(v10s), np.array(v01s)


def delong_covariance(v10: np.ndarray, v01: np.ndarray) -> np.ndarray:
    """DeLong's covariance matrix of the AUCs: ``S10 / m + S01 / n``."""
    m, n0 = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((v10.shape[0],) * 2)
    s01 = np.atleast_2d(np.cov(v01)) if n0 > 1 else np.zeros((v01.shape[0],) * 2)
    return s10 / m + s01 / n0


def delong(y: np.ndarray, scores: np.ndarray, level: float) -> Interval:
    """DeLong's interval of a binary ROC AUC: ``auc ± z·sqrt(var)``, clipped to [0, 1]."""
    check_level(level)
    y = np.asarray(y)
    if not (np.any(y == 1) and np.any(y != 1)):
        return Interval(math.nan, math.nan, level, "delong")
    auc, v10, v01 = delong_components(y, scores)
    var = float(delong_covariance(v10, v01)[0, 0])
    half = _z(level) * math.sqrt(max(var, 0.0))
    return Interval(max(0.0, float(auc[0]) - half), min(1.0, float(auc[0]) + half), level, "delong")
