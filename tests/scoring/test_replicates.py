"""Bootstrap replicates against brute force: replicate ``b`` is the figure computed by
scikit-learn with the Poisson counts of :func:`poisson_weights` as sample weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    matthews_corrcoef,
    mean_squared_error,
    roc_auc_score,
)

import losscli
from losscli.stats.resample import poisson_weights

N, B, SEED = 5000, 40, 99


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, N)
    p = np.clip(0.3 * y + 0.7 * rng.random(N), 0.01, 0.99)
    w = rng.uniform(0.5, 2.0, N)
    return y, p, w


def _brute(fn, y, p, w=None):  # type: ignore[no-untyped-def]
    counts = poisson_weights(SEED, 0, N, B).astype(float)
    vals = [fn(y, p, c if w is None else c * w) for c in counts]
    return np.quantile(vals, [0.025, 0.975])


FIGURES = {
    "accuracy": lambda y, p, w: accuracy_score(y, p >= 0.5, sample_weight=w),
    "f1": lambda y, p, w: f1_score(y, p >= 0.5, sample_weight=w),
    "mcc": lambda y, p, w: matthews_corrcoef(y, p >= 0.5, sample_weight=w),
    "roc_auc": lambda y, p, w: roc_auc_score(y, p, sample_weight=w),
    "binary_cross_entropy": lambda y, p, w: log_loss(y, p, sample_weight=w),
}


@pytest.mark.parametrize("weighted", [False, True])
def test_replicates_are_the_weighted_figures(data, weighted: bool) -> None:  # type: ignore[no-untyped-def]
    y, p, w = data
    r = losscli.evaluate(
        y,
        p,
        losses=["bce"],
        metrics=["accuracy", "f1", "mcc", "roc_auc"],
        weights=w if weighted else None,
        ci=True,
        ci_method="bootstrap",
        n_boot=B,
        seed=SEED,
        chunk_rows=1234,
        keep_per_sample=False,
    )
    for name, fn in FIGURES.items():
        lo, hi = _brute(fn, y, p, w if weighted else None)
        iv = r.intervals[name]
        assert (iv.low, iv.high) == pytest.approx((lo, hi), rel=1e-9), name


def test_regression_replicates(data) -> None:  # type: ignore[no-untyped-def]
    y, p, _ = data
    t = y + p * 3.0
    r = losscli.evaluate(
        t, p, losses=["mse"], metrics=["r2"], ci=True, ci_method="bootstrap", n_boot=B, seed=SEED
    )
    lo, hi = _brute(lambda a, b, c: mean_squared_error(a, b, sample_weight=c), t, p)
    assert (r.intervals["mse"].low, r.intervals["mse"].high) == pytest.approx((lo, hi), rel=1e-9)
    from sklearn.metrics import r2_score

    lo, hi = _brute(lambda a, b, c: r2_score(a, b, sample_weight=c), t, p)
    assert (r.intervals["r2"].low, r.intervals["r2"].high) == pytest.approx((lo, hi), rel=1e-9)


def _group_frame(data):  # type: ignore[no-untyped-def]
    pd = pytest.importorskip("pandas")
    y, p, w = data
    g = np.random.default_rng(8).choice(["a", "b", "c"], N)
    return pd.DataFrame({"y": y, "p": p, "w": w, "g": g}), g


@pytest.mark.parametrize("weighted", [False, True])
def test_group_replicates_are_the_groups_weighted_figures(data, weighted: bool) -> None:  # type: ignore[no-untyped-def]
    """--group-by --ci: a group's replicate ``b`` is its figure with the Poisson counts of
    its rows (keyed by their rows in the whole input) as weights; chunk-invariant."""
    frame, g = _group_frame(data)
    y, p, w = data
    opts = dict(
        target_col="y", pred_col="p", losses=["bce"], metrics=["f1", "mcc", "accuracy"],
        weights="w" if weighted else None, group_by="g", ci=True, ci_method="bootstrap",
        n_boot=B, seed=SEED, keep_per_sample=False,
    )  # fmt: skip
    r = losscli.evaluate(frame, **opts)
    chunked = losscli.evaluate(frame, chunk_rows=777, **opts)
    counts = poisson_weights(SEED, 0, N, B).astype(float)
    assert r.groups is not None and chunked.groups is not None
    for got, again in zip(r.groups, chunked.groups):
        m = g == got["group"]
        for name in ("binary_cross_entropy", "f1", "mcc", "accuracy"):
            fn = FIGURES[name]
            vals = [fn(y[m], p[m], c[m] if not weighted else c[m] * w[m]) for c in counts]
            lo, hi = np.quantile(vals, [0.025, 0.975])
            iv = got["intervals"][name]
            assert iv.method == "bootstrap"
            assert (iv.low, iv.high) == pytest.approx((lo, hi), rel=1e-9), name
            assert again["intervals"][name] == iv  # the same bits whatever the chunking


def test_group_replicates_capped(data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above the memory cap the per-group replicates are dropped, said naming --n-boot."""
    from losscli.scoring import groupboot

    monkeypatch.setattr(groupboot, "MAX_BYTES", 1000)
    frame, _ = _group_frame(data)
    r = losscli.evaluate(
        frame, target_col="y", pred_col="p", losses=["bce"], metrics=["f1", "accuracy"],
        group_by="g", ci=True, n_boot=B, seed=SEED, keep_per_sample=False,
    )  # fmt: skip
    assert any("--n-boot" in w and "per-group bootstrap" in w for w in r.warnings)
    assert r.groups is not None
    for group in r.groups:  # the closed forms stay; f1 has none
        assert set(group["intervals"]) == {"binary_cross_entropy", "accuracy"}
    assert r.intervals["f1"].method == "bootstrap"  # the whole input's are kept


def test_student_t_intervals_are_chunk_invariant_without_replicates() -> None:
    """With no figure on the bootstrap, ``--ci`` keeps only the t moments, summed by the
    replicates' blocks of rows: the same bits whatever the chunking (rows omitted by
    ``--nan-policy omit`` included) and whether or not another figure takes the
    bootstrap, and the closed form on the whole sample."""
    from scipy import stats

    rng = np.random.default_rng(5)
    n = 3 * 4096 + 517
    y = rng.normal(size=n)
    p = y + rng.normal(scale=0.3, size=n)
    opts = dict(losses=["mse", "mae"], metrics=["rmse"], ci=True, keep_per_sample=False)
    whole = losscli.evaluate(y, p, **opts).intervals
    for rows in (1000, 4096, 5000, 9999):
        assert losscli.evaluate(y, p, chunk_rows=rows, **opts).intervals == whole, rows
    both = losscli.evaluate(y, p, **{**opts, "metrics": ["rmse", "r2"]}, n_boot=20).intervals
    assert {k: both[k] for k in whole} == whole  # r2 on the bootstrap: the rest unchanged
    se = (y - p) ** 2
    lo, hi = stats.t.interval(0.95, n - 1, loc=se.mean(), scale=stats.sem(se))
    assert (whole["mse"].low, whole["mse"].high) == pytest.approx((lo, hi), rel=1e-9)
    assert whole["rmse"].low == pytest.approx(np.sqrt(lo), rel=1e-9)
    q = p.copy()
    q[[3, 4100, 4101, 9000]] = np.nan  # omitted rows leave gaps in their blocks
    omit = {**opts, "nan_policy": "omit"}
    gaps = losscli.evaluate(y, q, **omit).intervals
    for rows in (777, 4096):
        assert losscli.evaluate(y, q, chunk_rows=rows, **omit).intervals == gaps, rows


def test_compare_shares_one_product_a_block_with_the_same_bits(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """compare sums A's and B's replicates of a block in one matrix product: the same
    figures, intervals and p-values as each side alone."""
    from losscli.engines.compare import compare
    from losscli.options import EvalOptions
    from losscli.scoring import replicates as R

    rng = np.random.default_rng(11)
    n = 2 * 4096 + 300
    y = rng.integers(0, 2, n)
    paths = []
    for name, s in (("a", 0.3), ("b", 0.45)):
        p = np.clip(s * y + (1 - s) * rng.random(n), 0.01, 0.99)
        paths.append(tmp_path / f"{name}.csv")
        paths[-1].write_text("y,p\n" + "".join(f"{t},{float(v)!r}\n" for t, v in zip(y, p)))
    opts = EvalOptions(metrics=("accuracy", "f1", "mcc"), ci=True, n_boot=30, seed=3)
    combined = []
    absorb = R.Replicates._absorb

    def counting(self, stage, product):  # type: ignore[no-untyped-def]
        combined.append(product.base is not None)  # a view of the shared product
        return absorb(self, stage, product)

    monkeypatch.setattr(R.Replicates, "_absorb", counting)
    shared = compare(*paths, opts, test="bootstrap").to_dict()
    assert combined.count(True) == 4  # two whole blocks, both sides
    monkeypatch.setattr(R.Replicates, "share_products", lambda self, b: None)
    assert compare(*paths, opts, test="bootstrap").to_dict() == shared


def test_block_counts_drawn_ahead_are_the_counts() -> None:
    from losscli.scoring.blockcounts import block_counts

    for start in (0, 4096, 8192, 4096, 16384, 12288):  # in order, then out of order
        got = block_counts(5, start, 7, ahead=True)
        assert np.array_equal(got, poisson_weights(5, start, 4096, 7).astype(float))
        assert not got.flags.writeable
