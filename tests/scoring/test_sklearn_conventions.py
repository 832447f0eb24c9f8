"""Where losscli's conventions meet scikit-learn's (issue 14): probability clipping, r2 and
explained variance of one sample, and macro averages over classes whose samples all weigh 0.

Each case is checked against the installed scikit-learn; the counts and warnings the report
carries are checked to be chunk-invariant (they are kept in the accumulator and merged).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    explained_variance_score,
    log_loss,
    precision_recall_fscore_support,
    r2_score,
)

import losscli
from losscli.scoring import metrics as M
from losscli.scoring import registry

SKLEARN_EPS = float(np.finfo(np.float64).eps)  # scikit-learn >= 1.5's clipping bound


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-15)


def _quiet(f, *args, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


# ----------------------------------------------------------------------------- clipping

# The 4-row file: two confidently wrong predictions (exactly 0 and 1).
Y4 = np.array([1, 0, 1, 0])
P4 = np.array([0.0, 1.0, 0.9, 0.2])


def _clip_warning(report: losscli.Report, loss: str) -> str | None:
    return next((w for w in report.warnings if w.startswith(f"{loss}: ")), None)


def test_bce_default_eps_differs_from_sklearn_and_says_so() -> None:
    r = losscli.evaluate(Y4, P4, losses=["bce"])
    mean = r.losses["binary_cross_entropy"]["mean"]
    assert round(mean, 2) == 17.35
    assert round(log_loss(Y4, P4), 2) == 18.10  # scikit-learn >= 1.5 (eps = 2.2e-16)
    # the default is scikit-learn < 1.5's explicit eps=1e-15
    q = np.clip(P4, 1e-15, 1 - 1e-15)
    ref = -np.mean(Y4 * np.log(q) + (1 - Y4) * np.log1p(-q))
    assert mean == approx(ref)
    assert _clip_warning(r, "binary_cross_entropy") == (
        "binary_cross_entropy: 2 probabilities clipped to [1e-15, 1 - 1e-15] (scikit-learn "
        ">= 1.5 clips at 2.2e-16: --param eps=2.220446049250313e-16 reproduces its log_loss)"
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_bce_eps_param_reproduces_sklearn_log_loss(weighted: bool) -> None:
    rng = np.random.default_rng(14)
    y = rng.integers(0, 2, 50)
    p = rng.uniform(0, 1, 50)
    p[:6] = [0.0, 1.0, 0.0, 1.0, 1e-17, 1 - 1e-17]
    y[:6] = [1, 0, 0, 1, 1, 0]
    w = rng.uniform(0.1, 3, 50) if weighted else None
    r = losscli.evaluate(y, p, losses=["bce"], params={"eps": SKLEARN_EPS}, weights=w)
    assert r.losses["binary_cross_entropy"]["mean"] == approx(log_loss(y, p, sample_weight=w))
    assert "the bound of scikit-learn >= 1.5" in (_clip_warning(r, "binary_cross_entropy") or "")


@pytest.mark.parametrize("weighted", [False, True])
def test_cce_eps_param_reproduces_sklearn_log_loss(weighted: bool) -> None:
    rng = np.random.default_rng(15)
    y = rng.integers(0, 3, 40)
    y[:3] = [0, 1, 2]
    p = rng.dirichlet([1, 1, 1], 40)
    p[3] = [1.0, 0.0, 0.0]  # wrong unless y[3] == 0
    y[3] = 2
    p[4] = np.eye(3)[y[4]]  # exactly right
    w = rng.uniform(0.1, 3, 40) if weighted else None
    r = losscli.evaluate(y, p, losses=["cce"], params={"eps": SKLEARN_EPS}, weights=w)
    ref = log_loss(y, p, sample_weight=w, labels=[0, 1, 2])
    assert r.losses["categorical_cross_entropy"]["mean"] == pytest.approx(ref, rel=1e-12)
    d = losscli.evaluate(y, p, losses=["cce"], weights=w)
    assert d.losses["categorical_cross_entropy"]["mean"] < ref  # clipped at 1e-15: cheaper
    assert _clip_warning(d, "categorical_cross_entropy") == (
        "categorical_cross_entropy: 1 probability clipped to [1e-15, 1] (scikit-learn >= 1.5 "
        "clips at 2.2e-16: --param eps=2.220446049250313e-16 reproduces its log_loss)"
    )


def test_clip_counts() -> None:
    """BCE: every probability outside [eps, 1 − eps]; categorical: those below eps that the
    loss uses (classes with target mass); rows of weight 0 do not count."""
    r = losscli.evaluate([1, 1, 0, 0], [1.0, 0.5, 0.0, 1e-16], losses=["bce"])
    assert _clip_warning(r, "binary_cross_entropy").startswith(  # type: ignore[union-attr]
        "binary_cross_entropy: 3 probabilities clipped"
    )
    r = losscli.evaluate([1, 1, 0, 0], [1.0, 0.5, 0.0, 1e-16], losses=["bce"], weights=[0, 1, 0, 1])
    assert _clip_warning(r, "binary_cross_entropy").startswith(  # type: ignore[union-attr]
        "binary_cross_entropy: 1 probability clipped"
    )
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    r = losscli.evaluate([0, 2, 2], p, losses=["cce", "kld", "categorical_focal"])
    for name in ("categorical_cross_entropy", "kl_divergence", "categorical_focal"):
        assert (_clip_warning(r, name) or "").startswith(f"{name}: 2 probabilities clipped")
    none = losscli.evaluate([1, 0], [0.7, 0.2], losses=["bce", "focal"])
    assert not any("clipped" in w for w in none.warnings)


def test_no_clip_warning_from_logits() -> None:
    r = losscli.evaluate([1, 0], [40.0, -40.0], losses=["bce"], from_logits=True)
    assert not any("clipped" in w for w in r.warnings)


def test_clip_count_is_chunk_invariant(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "p.csv"
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    p = rng.uniform(0, 1, 200)
    p[rng.choice(200, 37, replace=False)] = rng.choice([0.0, 1.0], 37)
    path.write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    whole = losscli.evaluate(path, losses=["bce"])
    for size in (1, 7, 64):
        chunked = losscli.evaluate(path, losses=["bce"], chunk_rows=size)
        assert chunked.warnings == whole.warnings
        assert chunked.accumulator.clipped == {"binary_cross_entropy": 37}


@pytest.mark.parametrize("name", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_explain_states_the_sklearn_difference(name: str) -> None:
    (entry,) = registry.lookup(name)
    text = " ".join(entry.notes)
    assert "scikit-learn >= 1.5" in text and "--param eps=2.220446049250313e-16" in text


# ----------------------------------------------------------------------------- r2


@pytest.mark.parametrize("y,p", [([3.0], [2.0]), ([3.0], [3.0])])
def test_r2_of_one_sample_is_nan_as_sklearn(y: list[float], p: list[float]) -> None:
    with pytest.warns(Warning, match="two samples"):
        ref = r2_score(y, p)
    assert math.isnan(ref)
    r = losscli.evaluate(y, p, task="regression", metrics=["r2", "explained_variance"])
    assert math.isnan(r.metrics["r2"])
    assert "r2 is undefined: R² needs at least two samples (it has one); reported as NaN" in (
        r.warnings
    )
    # explained variance of one sample: scikit-learn's force_finite gives 1.0
    assert r.metrics["explained_variance"] == explained_variance_score(y, p) == 1.0
    ev = next(w for w in r.warnings if w.startswith("explained_variance"))
    assert "exact" not in ev
    assert ev.startswith("explained_variance is undefined: the targets are constant (a single")


def test_r2_one_sample_weighted_and_chunked_stay_nan() -> None:
    r = losscli.evaluate([1.0, 2.0, 3.0], [1.0, 2.5, 2.0], task="regression", metrics=["r2"])
    assert r.metrics["r2"] == approx(r2_score([1, 2, 3], [1, 2.5, 2]))
    # two rows, one of weight 0: scikit-learn counts rows, not weights
    y, p, w = [1.0, 2.0], [1.5, 2.0], [1.0, 0.0]
    r = losscli.evaluate(y, p, task="regression", metrics=["r2"], weights=w)
    assert r.metrics["r2"] == _quiet(r2_score, y, p, sample_weight=w)


@pytest.mark.parametrize(
    "y,p",
    [
        ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        ([2.0, 2.0, 2.0], [3.0, 3.0, 3.0]),
        ([2.0, 2.0, 2.0], [2.0, 2.5, 1.0]),
    ],
)
def test_constant_targets_follow_force_finite(y: list[float], p: list[float]) -> None:
    r = losscli.evaluate(y, p, task="regression", metrics=["r2", "explained_variance"])
    assert r.metrics["r2"] == r2_score(y, p)
    assert r.metrics["explained_variance"] == explained_variance_score(y, p)
    ev = next(w for w in r.warnings if w.startswith("explained_variance"))
    want = "so are the errors" if r.metrics["explained_variance"] == 1.0 else "errors are not"
    assert want in ev and "exact" not in ev


# ----------------------------------------------------------------------------- zero weights

# Class 1 occurs only in rows of weight 0 (targets and predictions).
YW = np.array([0, 1, 2, 2, 1, 0, 2, 0])
QW = np.array([0, 1, 2, 0, 1, 0, 2, 2])
WW = np.array([1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 3.0, 0.5])
PW = np.eye(3)[QW] * 0.7 + 0.1


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_zero_weight_class_is_kept_as_sklearn(average: str, chunk_size: int | None) -> None:
    names = ["precision", "recall", "f1", "balanced_accuracy"]
    kw = {"chunk_rows": chunk_size} if chunk_size else {}
    r = losscli.evaluate(
        YW, PW, task="multiclass", metrics=names, weights=WW, params={"average": average}, **kw
    )
    ref = _quiet(
        precision_recall_fscore_support,
        YW,
        QW,
        sample_weight=WW,
        average=average,
        zero_division=0,
    )
    for name, value in zip(("precision", "recall", "f1"), ref[:3]):
        assert r.metrics[name] == approx(value), name
    assert r.metrics["balanced_accuracy"] == approx(
        _quiet(balanced_accuracy_score, YW, QW, sample_weight=WW)
    )
    assert r.confusion is not None
    np.testing.assert_array_equal(r.confusion["matrix"], confusion_matrix(YW, QW, sample_weight=WW))


def test_zero_weight_class_counts_in_the_macro_mean() -> None:
    """The figure differs from the mean over the classes of positive weight."""
    r = losscli.evaluate(YW, PW, task="multiclass", metrics=["recall"], weights=WW)
    kept = _quiet(
        precision_recall_fscore_support, YW, QW, sample_weight=WW, labels=[0, 2], average="macro"
    )[1]
    assert r.metrics["recall"] != approx(kept)
    assert any(w.startswith("recall is undefined for 1 of 3 classes") for w in r.warnings)


def test_confusion_state_merges_seen_classes() -> None:
    ctx = M.Ctx("multiclass", False, {})
    a, b, whole = M.ConfusionState("f1"), M.ConfusionState("f1"), M.ConfusionState("f1")
    ys = np.eye(3)[YW]
    a.update(ys[:4], PW[:4], WW[:4], ctx)
    b.update(ys[4:], PW[4:], WW[4:], ctx)
    whole.update(ys, PW, WW, ctx)
    a.merge(b)
    assert a.seen is not None and whole.seen is not None
    np.testing.assert_array_equal(a.seen, whole.seen)
    assert a.compute(ctx) == whole.compute(ctx)
