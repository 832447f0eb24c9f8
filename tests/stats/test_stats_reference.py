"""Intervals and paired tests against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import roc_auc_score

from losscli.stats import intervals, paired
from losscli.stats.moments import Moments
from losscli.stats.resample import THRESHOLDS, counts_of_uniform, poisson_weights, sign_flips


# -- Wilson
@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 10), (481, 500), (1, 1)])
def test_wilson_matches_scipy_binomtest(k: int, n: int) -> None:
    ref = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    got = intervals.wilson(k, n, 0.95)
    assert got.low == pytest.approx(ref.low, abs=1e-12)
    assert got.high == pytest.approx(ref.high, abs=1e-12)
    assert 0.0 <= got.low <= k / n <= got.high <= 1.0


def test_wilson_closed_form() -> None:
    # p = 0.5, n = 100, z = 1.959963984540054
    z = stats.norm.ppf(0.975)
    centre = 0.5
    half = z * math.sqrt(0.25 / 100 + z * z / 40000) / (1 + z * z / 100)
    got = intervals.wilson(50, 100, 0.95)
    assert got.low == pytest.approx(centre - half, abs=1e-12)
    assert got.high == pytest.approx(centre + half, abs=1e-12)


# -- Student's t
def test_student_t_matches_scipy() -> None:
    x = np.random.default_rng(0).gamma(2.0, size=200)
    m = Moments()
    m.update(x)
    got = intervals.student_t(m.mean, m.variance, m.n, 0.9)
    lo, hi = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (got.low, got.high) == pytest.approx((lo, hi), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=60),
    st.integers(1, 59),
    st.floats(-1e9, 1e9),
)
def test_moments_merge_equals_whole(values: list[float], cut: int, offset: float) -> None:
    x = np.array(values) + offset
    cut = min(cut, len(x) - 1)
    whole, a, b = Moments(), Moments(), Moments()
    whole.update(x)
    a.update(x[:cut])
    b.update(x[cut:])
    a.merge(b)
    assert a.n == whole.n
    assert a.mean == pytest.approx(x.mean(), rel=1e-9, abs=1e-6)
    assert a.variance == pytest.approx(np.var(x, ddof=1), rel=1e-6, abs=1e-3)


def test_moments_no_cancellation_at_large_mean() -> None:
    x = 1e9 + np.array([0.1, 0.2, 0.3, 0.4])
    m = Moments()
    m.update(x[:2])
    other = Moments()
    other.update(x[2:])
    m.merge(other)
    assert m.variance == pytest.approx(np.var(x, ddof=1), rel=1e-6)


# -- DeLong
def _delong_reference(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """DeLong's variance by its O(m·n) definition (placement values)."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    auc = psi.mean()
    return auc, np.var(v10, ddof=1) / len(pos) + np.var(v01, ddof=1) / len(neg)


def test_delong_variance_matches_definition() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.round(y + rng.normal(0, 1.2, 300), 1)  # ties on purpose
    auc, v10, v01 = intervals.delong_components(y, s)
    ref_auc, ref_var = _delong_reference(y, s)
    assert auc[0] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert auc[0] == pytest.approx(ref_auc, abs=1e-12)
    assert intervals.delong_covariance(v10, v01)[0, 0] == pytest.approx(ref_var, rel=1e-9)
    got = intervals.delong(y, s, 0.95)
    half = stats.norm.ppf(0.975) * math.sqrt(ref_var)
    assert (got.low, got.high) == pytest.approx((ref_auc - half, ref_auc + half), abs=1e-9)


def test_delong_test_closed_form() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    a = y + rng.normal(0, 1.0, 400)
    b = y + rng.normal(0, 1.5, 400)
    z, p = paired.delong_test(y, a, b)
    auc, v10, v01 = intervals.delong_components(y, np.column_stack([a, b]))
    cov = intervals.delong_covariance(v10, v01)
    ref_z = (auc[1] - auc[0]) / math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert z == pytest.approx(ref_z, rel=1e-12)
    assert p == pytest.approx(2 * stats.norm.sf(abs(ref_z)), rel=1e-9)
    assert paired.delong_test(y, a, a) == (0.0, 1.0)


# -- McNemar, t, Holm
def test_mcnemar_exact_is_the_binomial_test() -> None:
    assert paired.mcnemar_exact(3, 12) == pytest.approx(stats.binomtest(3, 15).pvalue)
    assert paired.mcnemar_exact(0, 0) == 1.0
    # closed form: 2 * P(X <= 1), X ~ Bin(10, 1/2) = 2 * 11 / 1024
    assert paired.mcnemar_exact(1, 9) == pytest.approx(22 / 1024, rel=1e-12)


def test_paired_t_matches_ttest_rel() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=50), rng.normal(0.3, size=50)
    d = b - a
    t, p = paired.paired_t(float(d.sum()), float(d @ d), len(d))
    ref = stats.ttest_rel(b, a)
    assert t == pytest.approx(ref.statistic, rel=1e-9)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)


def test_holm_matches_definition() -> None:
    got = paired.holm([0.01, 0.04, 0.03, math.nan, 0.005])
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> max(0.06, 0.04)=0.06
    assert got[4] == pytest.approx(0.02)
    assert got[0] == pytest.approx(0.03)
    assert got[2] == pytest.approx(0.06)
    assert got[1] == pytest.approx(0.06)
    assert math.isnan(got[3])


def test_resampling_p_values() -> None:
    assert paired.bootstrap_p(0.0, np.zeros(999)) == 1.0  # identical systems
    assert paired.randomization_p(0.0, np.zeros(99)) == 1.0
    assert paired.bootstrap_p(1.0, np.zeros(999)) == pytest.approx(1 / 1000)
    assert paired.randomization_p(0.5, np.array([0.1, -0.6, 0.5, 0.2])) == pytest.approx(3 / 5)


def test_percentile_interval_matches_numpy() -> None:
    r = np.random.default_rng(4).normal(size=1000)
    got = intervals.percentile(np.append(r, np.nan), 0.95)
    assert (got.low, got.high) == pytest.approx(tuple(np.quantile(r, [0.025, 0.975])))


# -- Poisson weights
def test_poisson_weights_depend_only_on_seed_and_row() -> None:
    whole = poisson_weights(7, 0, 1000, 5)
    parts = np.concatenate(
        [poisson_weights(7, s, e - s, 5) for s, e in [(0, 1), (1, 9), (9, 413), (413, 1000)]],
        axis=1,
    )
    assert np.array_equal(whole, parts)
    assert not np.array_equal(whole, poisson_weights(8, 0, 1000, 5))
    flips = sign_flips(7, 0, 100, 3)
    assert np.array_equal(flips[:, 10:], sign_flips(7, 10, 90, 3))


def test_poisson_weights_have_the_poisson_1_distribution() -> None:
    w = poisson_weights(12345, 0, 20000, 50).ravel()
    observed = np.bincount(w, minlength=6)[:6]
    expected = stats.poisson(1).pmf(np.arange(6)) * w.size
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > 1e-4
    assert w.mean() == pytest.approx(1.0, abs=0.01)


def test_inverse_cdf_thresholds() -> None:
    cdf = stats.poisson(1).cdf(np.arange(len(THRESHOLDS)))
    assert np.allclose(THRESHOLDS / 2.0**32, cdf, rtol=0, atol=1e-9)
    t0 = int(THRESHOLDS[0])
    u = np.array([0, t0 - 1, t0, 2**32 - 1], dtype=np.uint32)
    assert counts_of_uniform(u).tolist() == [0, 0, 1, len(THRESHOLDS)]
    # the table agrees with a search everywhere (every cell's ends and a sample inside)
    rng = np.random.default_rng(0)
    u = np.concatenate(
        [rng.integers(0, 2**32, 200_000, dtype=np.uint64), THRESHOLDS.astype(np.uint64) - 1]
    ).astype(np.uint32)
    ref = np.searchsorted(THRESHOLDS, u, side="right")
    assert np.array_equal(counts_of_uniform(u), ref)


@pytest.mark.parametrize("df", [1.0, 7.0, 99_999.0, 100_000.0, 3e6, 1e9])
@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.999999])
def test_t_quantile_matches_scipy(df: float, level: float) -> None:
    q = 0.5 + level / 2
    assert intervals.t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-14)
    assert intervals._z(level) == pytest.approx(stats.norm.ppf(q), rel=1e-14)


def test_mcnemar_and_midranks_equal_scipy_bit_for_bit() -> None:
    """Without importing scipy.stats: the same numbers as binomtest and rankdata."""
    rng = np.random.default_rng(4)
    for n in [*range(1, 60), 1001, 123_457, 2_000_001, 30_000_001]:
        for k in {0, n // 2, (n - 1) // 2, int(rng.integers(0, n // 2 + 1))}:
            ref = stats.binomtest(k, n, 0.5).pvalue
            assert paired.mcnemar_exact(k, n - k) == ref == paired.mcnemar_exact(n - k, k)
    for x in [rng.normal(size=500), rng.integers(0, 7, 500).astype(float), np.zeros(3)]:
        assert np.array_equal(intervals.midranks(x), stats.rankdata(x, method="average"))
