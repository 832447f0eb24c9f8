"""Paired tests of "no difference" between two systems scored on the same samples, and
Holm's correction over several figures.

References
----------
- Q. McNemar, "Note on the sampling error of the difference between correlated
  proportions or percentages", Psychometrika 12 (1947) 153-157 (here the exact form: a
  binomial test on the discordant pairs).
- DeLong et al. (1988), Sun and Xu (2014): see :mod:`losscli.stats.intervals`.
- P. Koehn, "Statistical significance tests for machine translation evaluation", EMNLP
  2004 (paired bootstrap); E. W. Noreen, "Computer-Intensive Methods for Testing
  Hypotheses" (1989) (approximate randomization); sacrebleu's ``significance.py`` for the
  p-value conventions.
- S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian
  Journal of Statistics 6 (1979) 65-70.
"""

from __future__ import annotations

import math

import numpy as np

from losscli.stats.intervals import delong_components, delong_covariance


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: ``only_a`` samples right in A only, ``only_b`` in
    B only; under the null each discordant pair is A's with probability 1/2."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    if 2 * k == n:
        return 1.0
    if (n - k) / (k + 1) > 1.0 + 2e-7:
        # scipy's binomtest at p = 1/2, term for term: the values as likely as k or less
        # are k's tail and its mirror n - k's (binomtest's relative tolerance, 1e-7, adds
        # no other value here), P(X <= k) + P(X >= n - k) from the same functions
        # (scipy.special: without importing scipy.stats, about 1 s of CPU)
        try:
            from scipy.special._ufuncs import _binom_cdf, _binom_sf
        except ImportError:  # pragma: no cover - another scipy layout
            pass
        else:
            tails = _binom_cdf(float(k), n, 0.5) + _binom_sf(float(n - k - 1), n, 0.5)
            return min(1.0, float(tails))
    from scipy.stats import binomtest

    return float(binomtest(k, n, 0.5).pvalue)


def delong_test(y: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray) -> tuple[float, float]:
    """DeLong's test of two correlated ROC AUCs: ``(z, two-sided p)``."""
    z, p, _ = delong_difference(y, scores_a, scores_b)
    return z, p


def delong_difference(
    y: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray
) -> tuple[float, float, float]:
    """DeLong's test of two correlated ROC AUCs and the standard error of their difference
    ``AUC_B - AUC_A``: ``(z, two-sided p, se)``; ``delta ± z_(1-α/2)·se`` is the interval
    that excludes 0 exactly when the test's p is below α."""
    scores = np.column_stack([np.asarray(scores_a, float), np.asarray(scores_b, float)])
    auc, v10, v01 = delong_components(np.asarray(y), scores)
    cov = delong_covariance(v10, v01)
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    diff = float(auc[1] - auc[0])
    if not math.isfinite(var):
        return math.nan, math.nan, math.nan
    if var <= 0.0:
        return (0.0, 1.0, 0.0) if diff == 0.0 else (math.copysign(math.inf, diff), 0.0, 0.0)
    se = math.sqrt(var)
    z = diff / se
    from scipy.special import ndtr  # scipy.stats.norm.sf(x) is ndtr(-x)

    return z, float(2.0 * ndtr(-abs(z))), se


def paired_t(sum_d: float, sum_d2: float, n: int) -> tuple[float, float]:
    """Paired Student's t on per-sample differences given ``Σd``, ``Σd²`` and ``n``:
    ``(t, two-sided p)``, as ``scipy.stats.ttest_rel`` (except that identical systems,
    every difference 0, get ``p = 1``: no evidence of a difference)."""
    if n < 2:
        return math.nan, math.nan
    mean = sum_d / n
    var = max((sum_d2 - n * mean * mean) / (n - 1), 0.0)
    if var == 0.0:  # every difference equal: none (p = 1, where scipy says NaN), or certain
        return (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
    t = mean / math.sqrt(var / n)
    from scipy.special import stdtr  # scipy.stats.t.sf(x, df) is stdtr(df, -x)

    return t, float(2.0 * stdtr(n - 1, -abs(t)))


def bootstrap_p(observed: float, deltas: np.ndarray) -> float:
    """Paired bootstrap p-value of ``observed`` = B − A against resampled deltas (both
    systems resampled alike): the deltas are centred on their mean (the null), and
    ``p = (#{|δ − mean δ| >= |observed|} + 1) / (R + 1)``.

    sacrebleu counts ``>``; ``>=`` gives identical systems (every δ = 0) ``p = 1``."""
    d = np.asarray(deltas, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0 or not math.isfinite(observed):
        return math.nan
    centred = np.abs(d - d.mean())
    hits = int(np.count_nonzero(centred >= abs(observed) - 1e-12 * max(abs(observed), 1e-300)))
    return (hits + 1) / (d.size + 1)


def randomization_p(observed: float, permuted: np.ndarray) -> float:
    """Approximate randomization p-value: ``(#{|Δ| >= |Δ_obs|} + 1) / (R + 1)`` over the
    trials' deltas (each sample's pair swapped with probability 1/2)."""
    d = np.asarray(permuted, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0 or not math.isfinite(observed):
        return math.nan
    hits = int(np.count_nonzero(np.abs(d) >= abs(observed) - 1e-12 * max(abs(observed), 1e-300)))
    return (hits + 1) / (d.size + 1)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and do not count)."""
    idx = [i for i, p in enumerate(p_values) if not math.isnan(p)]
    order = sorted(idx, key=lambda i: p_values[i])
    m = len(order)
    out = [math.nan] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out
