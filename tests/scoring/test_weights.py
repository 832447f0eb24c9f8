"""Weights are relative: every weighted figure is the same for weights ``w`` and ``w * 2**k``
(sums kept scaled by a power of two, exact in binary), equals scikit-learn's for ordinary
weights, and what cannot be computed is an input error naming ``--weights``.  Also: one
decision rule per input kind, explained_variance of one sample, and no NumPy
``RuntimeWarning`` lines on stderr in overflow cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import losscli
from losscli import InputError
from losscli.scoring.accumulate import WeightedSum

BIN_METRICS = [
    "accuracy",
    "precision",
    "recall",
    "f1",
    "balanced_accuracy",
    "mcc",
    "brier",
    "roc_auc",
]
REG_METRICS = ["rmse", "mae", "r2", "explained_variance", "median_absolute_error", "max_error"]


def _binary(y: np.ndarray, p: np.ndarray, w: np.ndarray, chunk: int | None = None) -> dict:
    r = losscli.evaluate(
        y,
        p,
        losses=["binary_cross_entropy", "zero_one"],
        metrics=BIN_METRICS,
        weights=w,
        chunk_rows=chunk,
        keep_per_sample=False,
    )
    return {
        **{k: v["mean"] for k, v in r.losses.items()},
        **r.metrics,
        "_matrix": np.asarray(r.confusion["matrix"], dtype=float),
    }


def _regression(y: np.ndarray, p: np.ndarray, w: np.ndarray, chunk: int | None = None) -> dict:
    r = losscli.evaluate(
        y,
        p,
        task="regression",
        losses=["mse", "mae"],
        metrics=REG_METRICS,
        weights=w,
        chunk_rows=chunk,
        keep_per_sample=False,
    )
    return {**{k: v["mean"] for k, v in r.losses.items()}, **r.metrics}


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


weights_st = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-150, 1e150, allow_nan=False)), min_size=6, max_size=6
).filter(lambda w: sum(w) > 0)


@settings(max_examples=25, deadline=None)
@given(w=weights_st, k=st.integers(-1060, 1000), chunk=st.sampled_from([None, 1, 2, 4]))
def test_binary_figures_invariant_to_power_of_two_scaling(w, k, chunk):
    y = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([0.2, 0.7, 0.4, 0.6, 0.9, 0.1])
    w0 = np.array(w)
    wk = np.ldexp(w0, k)
    if not np.array_equal(np.ldexp(wk, -k), w0) or np.isinf(wk).any():
        return  # w * 2**k is not exact (subnormal or beyond the range): not a relabelling
    a, b = _binary(y, p, w0, chunk), _binary(y, p, wk, chunk)
    for name in a:
        if name == "_matrix":
            assert np.array_equal(np.ldexp(a[name], k), b[name])
        else:
            assert _same(a[name], b[name]), (name, a[name], b[name])


@settings(max_examples=20, deadline=None)
@given(w=weights_st, k=st.integers(-1060, 1000), chunk=st.sampled_from([None, 1, 3]))
def test_regression_figures_invariant_to_power_of_two_scaling(w, k, chunk):
    y = np.array([1.0, 2.0, 3.0, -1.0, 0.5, 4.0])
    p = np.array([1.5, 1.0, 3.5, 0.0, 0.5, 2.0])
    w0 = np.array(w)
    wk = np.ldexp(w0, k)
    if not np.array_equal(np.ldexp(wk, -k), w0) or np.isinf(wk).any():
        return
    a, b = _regression(y, p, w0, chunk), _regression(y, p, wk, chunk)
    for name in a:
        assert _same(a[name], b[name]), (name, a[name], b[name])


ordinary_st = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-3, 1e3)), min_size=6, max_size=6
).filter(lambda w: sum(w) > 0)


@settings(max_examples=20, deadline=None)
@given(w=ordinary_st)
def test_weighted_figures_equal_scikit_learn(w):
    y = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([0.2, 0.7, 0.4, 0.6, 0.9, 0.1])
    ww = np.array(w)
    got = _binary(y, p, ww)
    q = (p > 0.5).astype(int)
    ref = {
        "accuracy": skm.accuracy_score(y, q, sample_weight=ww),
        "f1": skm.f1_score(y, q, sample_weight=ww, zero_division=0),
        "mcc": skm.matthews_corrcoef(y, q, sample_weight=ww),
        "brier": skm.brier_score_loss(y, p, sample_weight=ww),
        "binary_cross_entropy": skm.log_loss(y, p, sample_weight=ww),
    }
    for name, value in ref.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    if len(set(y[ww > 0])) == 2:
        assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, sample_weight=ww))
    m = skm.confusion_matrix(y, q, sample_weight=ww)
    assert np.allclose(got["_matrix"], m, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e308, 1e200, 1e-320, 1e-310])
def test_extreme_equal_weights_give_the_unweighted_figures(scale):
    y = np.array([0, 1, 1])
    p = np.array([0.2, 0.7, 0.4])
    plain = _binary(y, p, np.ones(3))
    got = _binary(y, p, np.full(3, scale))
    for name in plain:
        if name != "_matrix":
            assert got[name] == pytest.approx(plain[name], rel=1e-15), name
    assert np.allclose(got["_matrix"], plain["_matrix"] * scale, rtol=1e-15, atol=0)
    assert got["roc_auc"] == 1.0  # not NaN, not "one class present"


def test_subnormal_weights_exact_mean():
    y = np.array([1.0, 2.0, 3.0])
    p = np.array([1.5, 2.5, 2.0])
    plain = _regression(y, p, np.ones(3))
    tiny = _regression(y, p, np.full(3, 1e-320))
    for name in plain:
        assert tiny[name] == pytest.approx(plain[name], rel=1e-15), name


def test_weighted_confusion_is_float_unweighted_int():
    y, p = np.array([0, 1, 1]), np.array([0.2, 0.7, 0.4])
    r = losscli.evaluate(y, p, weights=np.array([1.0, 2.0, 1.0]))
    assert all(isinstance(v, float) for row in r.confusion["matrix"] for v in row)
    r = losscli.evaluate(y, p)
    assert all(type(v) is int for row in r.confusion["matrix"] for v in row)


def test_weighted_sum_beyond_float_range_is_an_input_error():
    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.4, 0.6])
    with pytest.raises(InputError, match="--weights"):
        losscli.evaluate(y, p, weights=np.full(4, 1e308))


def test_weights_spanning_more_than_the_float_range_is_an_input_error():
    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 2.0])
    with pytest.raises(InputError, match="span more than the float range"):
        losscli.evaluate(y, p, task="regression", metrics=["mae"], weights=[1e300, 1e-300, 1.0])


def test_weighted_sum_merge_rescales():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.array([1e-320, 1e-320, 1e300, 1e300])
    whole = WeightedSum()
    whole.update(v, w)
    left, right = WeightedSum(), WeightedSum()
    left.update(v[:2], w[:2])
    right.update(v[2:], w[2:])
    left.merge(right)
    assert left.mean == whole.mean == pytest.approx(3.5)


def test_sum_of_finite_values_beyond_float_range_keeps_the_mean():
    for v, mean in (([1e308, 1e308, -5e307], 5e307), ([1e308, 1e308, 1e308], 1e308)):
        for cuts in ([3], [1, 1, 1], [2, 1]):
            acc, i = WeightedSum(), 0
            for k in cuts:
                part = WeightedSum()
                part.update(np.array(v[i : i + k]), None)
                acc.merge(part)
                i += k
            assert acc.mean == pytest.approx(mean)
            if mean < 1e308:
                assert acc.total == pytest.approx(1.5e308)
            else:
                with pytest.raises(InputError, match="beyond the float range"):
                    acc.total  # noqa: B018


# ------------------------------------------------------------------ one decision rule

DECISIONS = ["accuracy", "precision", "recall", "f1", "mcc"]


@pytest.mark.parametrize(
    ("y", "p", "losses", "positive"),
    [
        # probabilities: p > 0.5 is class 1 (0.5 itself is class 0)
        ([0, 1, 1, 0, 1], [0.2, 0.7, 0.5, 0.6, 0.4], ["zero_one"], lambda p: p > 0.5),
        # margins in [0, 1] read as margins because a margin loss is asked: score > 0
        ([-1, 1, 1, -1, 1], [0.3, 0.7, 0.2, 0.6, 0.0], ["hinge", "zero_one"], lambda p: p > 0),
        # raw scores outside [0, 1]
        ([0, 1, 1, 0, 1], [-2.0, 0.7, 0.0, 1.5, -0.1], ["hinge", "zero_one"], lambda p: p > 0),
        # logits
        (
            [0, 1, 1, 0, 1],
            [-2.0, 0.7, 0.0, 0.4, -0.1],
            ["binary_cross_entropy", "zero_one"],
            lambda p: p > 0,
        ),
    ],
)
def test_every_decision_follows_one_rule(y, p, losses, positive):
    y, p = np.array(y), np.array(p, dtype=float)
    logits = "binary_cross_entropy" in losses
    r = losscli.evaluate(y, p, losses=losses, metrics=DECISIONS, from_logits=logits)
    t = (y > 0).astype(int)
    q = positive(p).astype(int)
    assert r.losses["zero_one"]["mean"] == pytest.approx(skm.zero_one_loss(t, q))
    assert r.metrics["accuracy"] == pytest.approx(skm.accuracy_score(t, q))
    assert r.metrics["precision"] == pytest.approx(skm.precision_score(t, q, zero_division=0))
    assert r.metrics["recall"] == pytest.approx(skm.recall_score(t, q, zero_division=0))
    assert r.metrics["f1"] == pytest.approx(skm.f1_score(t, q, zero_division=0))
    assert r.metrics["mcc"] == pytest.approx(skm.matthews_corrcoef(t, q))
    assert np.array_equal(np.asarray(r.confusion["matrix"]), skm.confusion_matrix(t, q))


def test_multilabel_scores_decide_at_zero():
    y = np.array([[0, 1], [1, 1], [1, 0]])
    p = np.array([[-1.0, 2.0], [0.5, -0.5], [3.0, 0.0]])
    r = losscli.evaluate(y, p, task="multilabel", losses=["zero_one", "hamming"], metrics=["f1"])
    q = (p > 0).astype(int)
    assert r.losses["zero_one"]["mean"] == pytest.approx(skm.zero_one_loss(y, q))
    assert r.losses["hamming"]["mean"] == pytest.approx(skm.hamming_loss(y, q))
    assert r.metrics["f1"] == pytest.approx(skm.f1_score(y, q, average="macro", zero_division=0))


# ------------------------------------------------------------------ explained variance


def test_explained_variance_one_sample_as_scikit_learn():
    r = losscli.evaluate([3.0], [2.0], task="regression", metrics=["explained_variance"])
    assert r.metrics["explained_variance"] == skm.explained_variance_score([3.0], [2.0]) == 1.0
    (warning,) = [w for w in r.warnings if w.startswith("explained_variance")]
    assert "exact" not in warning
    assert "a single sample" in warning and "so are the errors" in warning


def test_explained_variance_constant_targets_as_scikit_learn():
    for p in ([2.0, 2.0], [2.0, 2.5]):
        r = losscli.evaluate([3.0, 3.0], p, task="regression", metrics=["explained_variance"])
        assert r.metrics["explained_variance"] == skm.explained_variance_score([3.0, 3.0], p)


# ------------------------------------------------------------------ through the command


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_cli_weights_1e308(run, tmp_path):
    f = _write(tmp_path / "a.csv", "y,p,w\n0,0.2,1e308\n1,0.7,1e308\n1,0.4,1e308\n")
    code, out, err = run(
        "eval", f, "--weights", "w", "-m", "accuracy", "-m", "roc_auc", "-f", "json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["metrics"]["accuracy"] == pytest.approx(2 / 3)
    assert report["metrics"]["roc_auc"] == 1.0
    assert report["confusion_matrix"]["matrix"] == [[1e308, 0.0], [1e308, 1e308]]
    assert report["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(
        skm.log_loss([0, 1, 1], [0.2, 0.7, 0.4])
    )
    assert "one class" not in err


def test_cli_weighted_count_beyond_range(run, tmp_path):
    f = _write(tmp_path / "b.csv", "y,p,w\n0,0.2,1e308\n0,0.1,1e308\n1,0.4,1e308\n")
    out_file = tmp_path / "r.json"
    code, out, err = run("eval", f, "--weights", "w", "-m", "accuracy", "-o", out_file)
    assert code == 3
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "--weights" in lines[0]
    assert "Traceback" not in err
    assert not out_file.exists()


def test_cli_margin_decisions_agree(run, tmp_path):
    f = _write(tmp_path / "m.csv", "y,p\n-1,0.3\n1,0.7\n1,0.2\n-1,0.6\n1,0.4\n")
    code, out, err = run("eval", f, "-l", "hinge", "-l", "zero_one", "-m", "accuracy", "-f", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["losses"]["zero_one"]["mean"] == pytest.approx(1 - report["metrics"]["accuracy"])
    assert report["metrics"]["accuracy"] == pytest.approx(0.6)  # every score > 0: class 1


def test_cli_explain_states_the_decision_rule(run):
    code, out, err = run("explain", "accuracy")
    assert code == 0, err
    assert "score > 0" in out and "p > threshold" in out


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("y,p\n1,1e308\n2,-1e308\n3,5\n", ["--task", "regression", "-l", "mse", "-m", "rmse"]),
        (
            "y,p\n1,1e200\n2,-1e200\n3,5\n",
            [
                "--task",
                "regression",
                "-l",
                "mse",
                "-l",
                "huber",
                "-l",
                "log_cosh",
                "-m",
                "r2",
                "-m",
                "explained_variance",
                "-m",
                "max_error",
                "-m",
                "median_absolute_error",
            ],
        ),
        (
            "y,p\n1,1e308\n0,-1e308\n1,3\n0,1e308\n",
            ["-l", "exponential", "-l", "logistic", "-l", "squared_hinge", "-m", "roc_auc"],
        ),
        (
            "y,p\n1,-1000\n0,800\n1,3\n",
            ["-l", "bce", "-l", "focal", "--from-logits", "-m", "roc_auc", "-m", "brier"],
        ),
    ],
)
def test_cli_overflow_has_no_runtime_warning(run, tmp_path, text, args):
    f = _write(tmp_path / "o.csv", text)
    code, out, err = run("eval", f, *args)
    assert code in (0, 3), err
    assert "RuntimeWarning" not in err
    assert "Traceback" not in err


def test_cli_overflowed_metric_is_explained(run, tmp_path):
    f = _write(tmp_path / "o.csv", "y,p\n1,1e200\n2,-1e200\n3,5\n")
    code, out, err = run("eval", f, "--task", "regression", "-m", "rmse", "-f", "json")
    assert code == 0, err
    assert any("rmse overflowed to inf" in w for w in json.loads(out)["warnings"])


def test_cli_huge_weights_no_runtime_warning(run, tmp_path):
    f = _write(tmp_path / "a.csv", "y,p,w\n0,0.2,1e308\n1,0.7,1e308\n1,0.4,1e308\n")
    code, out, err = run("eval", f, "--weights", "w")
    assert code == 0, err
    assert "RuntimeWarning" not in err
