"""ece / mce against torchmetrics' formula and docstring values, and the bins against
scikit-learn's calibration_curve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

import losscli
from losscli.errors import UsageError


def tm_calibration(conf: np.ndarray, acc: np.ndarray, n_bins: int, norm: str) -> float:
    """torchmetrics' _binning_bucketize + _ce_compute, in numpy: bins [lo, hi), one more
    bin for exactly 1 (``bucketize(right=True) - 1`` over n_bins + 1 boundaries)."""
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.searchsorted(edges, conf, side="right") - 1
    count = np.bincount(idx, minlength=n_bins + 1).astype(float)
    with np.errstate(invalid="ignore"):
        cb = np.nan_to_num(np.bincount(idx, conf, minlength=n_bins + 1) / count)
        ab = np.nan_to_num(np.bincount(idx, acc, minlength=n_bins + 1) / count)
    prop = count / count.sum()
    if norm == "l1":
        return float(np.sum(np.abs(ab - cb) * prop))
    return float(np.max(np.abs(ab - cb)))


def test_torchmetrics_binary_docstring() -> None:
    # torchmetrics.functional.classification.binary_calibration_error's example
    p = np.array([0.25, 0.25, 0.55, 0.75, 0.75])
    y = np.array([0, 0, 1, 1, 1])
    r = losscli.evaluate(y, p, metrics=["ece", "mce"], params={"n_bins": 2}, task="binary")
    assert r.metrics["ece"] == pytest.approx(0.2900, abs=5e-5)
    assert r.metrics["mce"] == pytest.approx(0.3167, abs=5e-5)


def test_torchmetrics_binary_zero_pred() -> None:
    # torchmetrics' tests: test_binary_with_zero_pred
    p = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    y = np.array([0, 0, 1, 1, 1])
    r = losscli.evaluate(y, p, metrics=["ece"], params={"n_bins": 2}, task="binary")
    assert r.metrics["ece"] == pytest.approx(0.6)


def test_torchmetrics_multiclass_docstring() -> None:
    p = np.array([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
    y = np.array([0, 1, 2, 0])
    r = losscli.evaluate(y, p, metrics=["ece", "mce"], params={"n_bins": 3})
    assert r.task == "multiclass"
    assert r.metrics["ece"] == pytest.approx(0.2000, abs=5e-5)
    assert r.metrics["mce"] == pytest.approx(0.2333, abs=5e-5)


@pytest.mark.parametrize("n_bins", [1, 4, 10, 15])
def test_binary_vs_torchmetrics_formula_with_edges(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    # values on the edges (k/n as numpy.linspace spells them), 0 and 1 exactly
    p = np.r_[rng.random(300), np.linspace(0, 1, n_bins + 1), [0.0, 1.0, 1.0]]
    y = (rng.random(p.size) < p).astype(int)
    for name, norm in (("ece", "l1"), ("mce", "max")):
        r = losscli.evaluate(y, p, metrics=[name], params={"n_bins": n_bins}, task="binary")
        assert r.metrics[name] == pytest.approx(tm_calibration(p, y, n_bins, norm), rel=1e-12)


def test_multiclass_vs_torchmetrics_formula_and_logits() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=2.0, size=(400, 4))
    y = rng.integers(0, 4, 400)
    prob = softmax(logits, axis=1)
    conf, pred = prob.max(axis=1), prob.argmax(axis=1)
    ref = tm_calibration(conf, (pred == y).astype(float), 15, "l1")
    r = losscli.evaluate(y, prob, metrics=["ece"], task="multiclass")
    assert r.metrics["ece"] == pytest.approx(ref, rel=1e-12)
    r = losscli.evaluate(y, logits, metrics=["ece"], task="multiclass", from_logits=True)
    assert r.metrics["ece"] == pytest.approx(ref, rel=1e-9)


def test_multilabel_pools_labels() -> None:
    rng = np.random.default_rng(4)
    p = rng.random((200, 3))
    y = (rng.random((200, 3)) < p).astype(int)
    r = losscli.evaluate(y, p, metrics=["ece"], task="multilabel")
    assert r.metrics["ece"] == pytest.approx(tm_calibration(p.ravel(), y.ravel(), 15, "l1"))


def test_weights_are_repetitions() -> None:
    rng = np.random.default_rng(5)
    p = rng.random(100)
    y = (rng.random(100) < p).astype(int)
    w = rng.integers(0, 4, 100).astype(float)
    for strategy in ("uniform", "quantile"):
        params = {"n_bins": 7, "strategy": strategy}
        r = losscli.evaluate(y, p, metrics=["ece", "mce"], weights=w, params=params)
        rep = np.repeat(np.arange(100), w.astype(int))
        if strategy == "uniform":
            ref = losscli.evaluate(y[rep], p[rep], metrics=["ece", "mce"], params=params)
            assert r.metrics == pytest.approx(ref.metrics, rel=1e-12)
        else:  # the quantile edges are those of the unweighted values
            assert 0 <= r.metrics["mce"] >= r.metrics["ece"]


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_bins_vs_sklearn_calibration_curve(strategy: str) -> None:
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(6)
    p = rng.random(1000)  # no value on an edge: scikit-learn closes its bins on the right
    y = (rng.random(1000) < p**1.3).astype(int)
    true, pred = calibration_curve(y, p, n_bins=10, strategy=strategy)
    r = losscli.evaluate(
        y, p, metrics=["ece"], params={"n_bins": 10, "strategy": strategy}, task="binary"
    )
    bins = r.reliability["ece"]
    assert [b["frequency"] for b in bins] == pytest.approx(list(true), rel=1e-12)
    assert [b["confidence"] for b in bins] == pytest.approx(list(pred), rel=1e-12)
    assert sum(b["count"] for b in bins) == 1000
    ece = sum(b["count"] / 1000 * abs(b["gap"]) for b in bins)
    assert r.metrics["ece"] == pytest.approx(ece, rel=1e-12)


def test_chunk_invariance_quantile_and_uniform() -> None:
    rng = np.random.default_rng(7)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    for strategy in ("uniform", "quantile"):
        params = {"strategy": strategy}
        a = losscli.evaluate(y, p, metrics=["ece", "mce"], params=params)
        b = losscli.evaluate(y, p, metrics=["ece", "mce"], params=params, chunk_rows=97)
        assert a.metrics == pytest.approx(b.metrics, rel=1e-12)


@pytest.mark.parametrize("bad", ["0", "2.5", "x", "1e7"])
def test_bad_n_bins(bad: str) -> None:
    with pytest.raises(UsageError, match="n_bins"):
        losscli.evaluate([0, 1], [0.2, 0.7], metrics=["ece"], params={"n_bins": bad})


# ----------------------------------------------------------------------------- average precision


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
def test_average_precision_vs_sklearn(task: str, weighted: bool) -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(11)
    n = 300
    w = rng.random(n) * 3 if weighted else None
    if task == "binary":
        p = np.round(rng.random(n), 2)  # ties
        y = (rng.random(n) < p).astype(int)
        ref = average_precision_score(y, p, sample_weight=w)
        yy: np.ndarray = y
    elif task == "multiclass":
        p = softmax(np.round(rng.normal(size=(n, 4)), 1), axis=1)
        yy = rng.integers(0, 4, n)
        ref = average_precision_score(np.eye(4)[yy], p, sample_weight=w)
    else:
        p = np.round(rng.random((n, 3)), 2)
        yy = (rng.random((n, 3)) < p).astype(int)
        ref = average_precision_score(yy, p, sample_weight=w)
    r = losscli.evaluate(yy, p, metrics=["average_precision"], task=task, weights=w)
    assert r.metrics["average_precision"] == pytest.approx(ref, rel=1e-12)
    c = losscli.evaluate(yy, p, metrics=["ap"], task=task, weights=w, chunk_rows=37)
    assert c.metrics["average_precision"] == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize(
    "case", ["few_values", "one_value", "signed_zero", "all_positive", "constant_weights"]
)
def test_average_precision_equal_weights_path(case: str) -> None:
    """The equal-weight path (two plain sorts, counts in integers) against scikit-learn,
    on heavy ties, a single score, 0.0 beside -0.0, no negatives, constant weights."""
    from sklearn.metrics import average_precision_score

    from losscli.scoring.ranking import _curve_ap, average_precision

    rng = np.random.default_rng(21)
    n = 500
    p = np.round(rng.random(n), 1)  # 11 distinct scores
    y = (rng.random(n) < p).astype(int)
    w = None
    if case == "one_value":
        p = np.full(n, 0.3)
    elif case == "signed_zero":
        p = np.where(rng.random(n) < 0.5, 0.0, -0.0) + np.round(rng.random(n), 1) * (p > 0.5)
    elif case == "all_positive":
        y = np.ones(n, dtype=int)
    elif case == "constant_weights":
        w = np.full(n, 2.5)
    ref = average_precision_score(y, p, sample_weight=w)
    assert average_precision(y, p, w) == pytest.approx(ref, rel=1e-14)
    assert _curve_ap(y, p, w) == pytest.approx(ref, rel=1e-14)  # the path for any weights
    r = losscli.evaluate(
        y, p, metrics=["average_precision"], task="binary", weights=w, chunk_rows=61
    )
    assert r.metrics["average_precision"] == pytest.approx(ref, rel=1e-14)


def test_average_precision_zero_weights_take_the_weighted_path() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(22)
    p = np.round(rng.random(200), 2)
    y = (rng.random(200) < p).astype(int)
    w = np.where(rng.random(200) < 0.3, 0.0, 1.0)
    ref = average_precision_score(y, p, sample_weight=w)
    r = losscli.evaluate(y, p, metrics=["average_precision"], task="binary", weights=w)
    assert r.metrics["average_precision"] == pytest.approx(ref, rel=1e-12)


def test_average_precision_raw_scores_and_no_positives() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, 100)
    f = rng.normal(size=100) + y
    r = losscli.evaluate(y, f, losses=["hinge"], metrics=["average_precision"])
    assert r.metrics["average_precision"] == pytest.approx(average_precision_score(y, f))
    r = losscli.evaluate(np.zeros(10), rng.random(10), metrics=["average_precision"], task="binary")
    assert r.metrics["average_precision"] == 0.0
    assert any("average_precision is undefined" in w for w in r.warnings)


@pytest.mark.parametrize("k", [-1000, -600, 0, 600, 1015])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_weights_are_relative(k: int, strategy: str) -> None:
    rng = np.random.default_rng(8)
    p = rng.random(60)
    y = (rng.random(60) < p).astype(int)
    w = rng.random(60) * 2 + 0.5
    wk = np.ldexp(w, k)
    assert np.array_equal(np.ldexp(wk, -k), w)  # an exact relabelling
    params = {"strategy": strategy, "n_bins": 5}
    names = ["ece", "mce", "average_precision"]
    a = losscli.evaluate(y, p, metrics=names, weights=w, params=params, chunk_rows=7)
    b = losscli.evaluate(y, p, metrics=names, weights=wk, params=params, chunk_rows=11)
    assert a.metrics == pytest.approx(b.metrics, rel=1e-12)


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_average_precision_replicates_share_one_sort(task: str) -> None:
    """The bootstrap's copies of the state (dataclasses.replace, new weights) reuse the
    scores sorted once; every replicate equals scikit-learn's with those weights, and a
    state that grows sorts again."""
    from dataclasses import replace

    from sklearn.metrics import average_precision_score

    from losscli.scoring.metrics import Ctx
    from losscli.scoring.ranking import PrecisionState

    rng = np.random.default_rng(31)
    shape = (90,) if task == "binary" else (90, 3)
    p = np.round(rng.random(shape), 2)
    y = (rng.random(shape) < p).astype(float)
    state = PrecisionState("average_precision")
    ctx = Ctx(task, False, {})
    for a in range(0, 90, 40):
        state.update(y[a : a + 40], p[a : a + 40], None, ctx)
    assert state.explain(ctx)[0] == pytest.approx(average_precision_score(y, p), rel=1e-12)
    for _ in range(3):
        counts = rng.poisson(1.0, 90).astype(float)
        copy = replace(state, ws=[counts[:40], counts[40:80], counts[80:]])
        want = average_precision_score(y, p, sample_weight=counts)
        assert copy.explain(ctx)[0] == pytest.approx(want, rel=1e-12)
    assert len(state.sorted_scores) == 1  # one sort, shared by the copies
    state.update(y[:10], 1 - p[:10], rng.random(10) + 0.5, ctx)  # grown: sorted again
    w = np.r_[np.ones(90), state.ws[-1]]
    want = average_precision_score(np.r_[y, y[:10]], np.r_[p, 1 - p[:10]], sample_weight=w)
    assert state.explain(ctx)[0] == pytest.approx(want, rel=1e-12)


def test_roc_auc_and_average_precision_sort_once_between_them() -> None:
    """Binary, equal weights: both figures from one sort of each class's scores, kept
    while the chunks live (the same classes to the bit, else sorted again)."""
    import gc

    from sklearn.metrics import average_precision_score, roc_auc_score

    from losscli.scoring import auc

    rng = np.random.default_rng(32)
    p = np.round(rng.random(500), 2)
    y = (rng.random(500) < p).astype(int)
    gc.collect()
    before = len(auc._CLASS_SORTED)
    r = losscli.evaluate(y, p, metrics=["roc_auc", "average_precision"], chunk_rows=120)
    assert r.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert r.metrics["average_precision"] == pytest.approx(average_precision_score(y, p), rel=1e-12)
    assert len(auc._CLASS_SORTED) == before  # forgotten once the figures are computed
    chunks = r.accumulator.metrics["roc_auc"].ps
    assert [id(c) for c in chunks] == [id(c) for c in r.accumulator.metrics["average_precision"].ps]
    sp, sn = auc.class_sorted(y == 1, p, chunks)
    assert len(auc._CLASS_SORTED) == before + 1  # kept: the next figure of them reuses it
    assert auc.class_sorted(y == 1, p, chunks)[0] is sp
    assert np.array_equal(sp, np.sort(p[y == 1])) and np.array_equal(sn, np.sort(p[y == 0]))
    flipped = auc.class_sorted(y == 0, p, chunks)  # other classes: not the kept sort
    assert np.array_equal(flipped[0], np.sort(p[y == 0]))
    del r, chunks
    gc.collect()
    assert len(auc._CLASS_SORTED) == before  # freed with the chunks
