"""Every loss and metric in the registry against scikit-learn or a closed form.

Values are compared to a relative tolerance of 1e-9.  The seed-derived cases at
the end pin a few numbers worked out by hand (and the overflow behaviour of the
margin losses).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import (
    accuracy_score,
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
    zero_one_loss,
)

import losscli
from losscli.errors import InputError
from losscli.scoring import registry

REL = 1e-9
LN2 = math.log(2.0)
LN10 = math.log(10.0)


def approx(x: float) -> object:
    return pytest.approx(x, rel=REL, abs=1e-12)


def loss_mean(report: losscli.Report, name: str) -> float:
    return report.losses[name]["mean"]


# ----------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


def _weights(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.1, 3.0, size=n)


def _binary(rng: np.random.Generator, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]  # both classes present
    p = rng.uniform(0.02, 0.98, size=n)
    return y, p


def _multiclass(rng: np.random.Generator, n: int = 40, c: int = 4) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, c, size=n)
    y[:c] = np.arange(c)  # every class present
    p = rng.dirichlet(np.ones(c), size=n)
    p = np.clip(p, 0.01, None)
    p = p / p.sum(axis=1, keepdims=True)
    return y, p


def _onehot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


# ----------------------------------------------------------------------------- regression


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_mse_mae_vs_sklearn(rng: np.random.Generator, k: int, weighted: bool) -> None:
    n = 50
    y = rng.normal(size=(n, k)) * 3
    p = y + rng.normal(size=(n, k)) * np.linspace(0.1, 2.0, k)
    w = _weights(rng, n) if weighted else None
    yy, pp = (y[:, 0], p[:, 0]) if k == 1 else (y, p)
    r = losscli.evaluate(
        yy, pp, losses=["mse", "mae"], metrics=["mae"], task="regression", weights=w
    )
    assert r.task == "regression"
    assert loss_mean(r, "mse") == approx(mean_squared_error(yy, pp, sample_weight=w))
    assert loss_mean(r, "mae") == approx(mean_absolute_error(yy, pp, sample_weight=w))
    assert r.metrics["mae"] == approx(mean_absolute_error(yy, pp, sample_weight=w))
    # per-sample values: the mean over outputs of each sample
    np.testing.assert_allclose(r.per_sample["mse"], np.mean((p - y) ** 2, axis=1), rtol=REL)
    np.testing.assert_allclose(r.per_sample["mae"], np.mean(np.abs(p - y), axis=1), rtol=REL)
    if w is None:
        assert r.losses["mse"]["sum"] == approx(np.sum(np.mean((p - y) ** 2, axis=1)))


@pytest.mark.parametrize("weighted", [False, True])
def test_rmse_single_output_vs_sklearn(rng: np.random.Generator, weighted: bool) -> None:
    n = 50
    y = rng.normal(size=n)
    p = y + rng.normal(size=n)
    w = _weights(rng, n) if weighted else None
    r = losscli.evaluate(y, p, losses=["mse"], metrics=["rmse"], task="regression", weights=w)
    assert r.metrics["rmse"] == approx(root_mean_squared_error(y, p, sample_weight=w))


@pytest.mark.parametrize("weighted", [False, True])
def test_rmse_multi_output_vs_sklearn(rng: np.random.Generator, weighted: bool) -> None:
    """For several outputs scikit-learn averages the per-output RMSEs (uniform_average)."""
    n = 50
    y = rng.normal(size=(n, 3))
    p = y + rng.normal(size=(n, 3)) * [0.1, 1.0, 3.0]
    w = _weights(rng, n) if weighted else None
    r = losscli.evaluate(y, p, losses=["mse"], metrics=["rmse"], task="regression", weights=w)
    assert r.metrics["rmse"] == approx(root_mean_squared_error(y, p, sample_weight=w))


def test_sse_closed_form(rng: np.random.Generator) -> None:
    y = rng.normal(size=(20, 5))
    p = rng.normal(size=(20, 5))
    w = _weights(rng, 20)
    per = 0.5 * np.sum((p - y) ** 2, axis=1)
    r = losscli.evaluate(y, p, losses=["sse"], task="regression", weights=w)
    np.testing.assert_allclose(r.per_sample["sse"], per, rtol=REL)
    assert loss_mean(r, "sse") == approx(np.average(per, weights=w))
    r1 = losscli.evaluate(y[:, 0], p[:, 0], losses=["sse"], task="regression")
    assert loss_mean(r1, "sse") == approx(0.5 * np.mean((p[:, 0] - y[:, 0]) ** 2))


# ----------------------------------------------------------------------------- binary


@pytest.mark.parametrize("weighted", [False, True])
def test_bce_probabilities_vs_log_loss(rng: np.random.Generator, weighted: bool) -> None:
    y, p = _binary(rng)
    w = _weights(rng, y.size) if weighted else None
    r = losscli.evaluate(y, p, losses=["binary_cross_entropy"], task="binary", weights=w)
    assert loss_mean(r, "binary_cross_entropy") == approx(log_loss(y, p, sample_weight=w))
    per = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], per, rtol=REL)


@pytest.mark.parametrize("alias", ["bce", "log_loss", "binary_crossentropy", "BCE"])
def test_bce_aliases(rng: np.random.Generator, alias: str) -> None:
    y, p = _binary(rng)
    r = losscli.evaluate(y, p, losses=[alias])
    assert loss_mean(r, "binary_cross_entropy") == approx(log_loss(y, p))


@pytest.mark.parametrize("weighted", [False, True])
def test_bce_from_logits_vs_log_loss_of_sigmoid(rng: np.random.Generator, weighted: bool) -> None:
    y = rng.integers(0, 2, size=40)
    y[:2] = [0, 1]
    z = rng.normal(scale=3.0, size=40)
    w = _weights(rng, 40) if weighted else None
    r = losscli.evaluate(y, z, losses=["bce"], from_logits=True, weights=w)
    assert r.task == "binary"
    assert loss_mean(r, "binary_cross_entropy") == approx(log_loss(y, expit(z), sample_weight=w))
    # the same through --param from_logits=true
    r2 = losscli.evaluate(y, z, losses=["bce"], params=["from_logits=true"], weights=w)
    assert loss_mean(r2, "binary_cross_entropy") == approx(loss_mean(r, "binary_cross_entropy"))


@pytest.mark.parametrize("z", [-5.0, -17.0, -30.0, -40.0])
def test_bce_from_logits_accurate_for_confident_negatives(z: float) -> None:
    """y = 0 and z << 0: the loss log(1 + e^z) is tiny but must keep its relative precision."""
    r = losscli.evaluate(
        np.array([0, 1]), np.array([z, -z]), task="binary", losses=["bce"], from_logits=True
    )
    exact = math.log1p(math.exp(z))
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], [exact, exact], rtol=REL)


def test_bce_base_2_and_10(rng: np.random.Generator) -> None:
    y, p = _binary(rng)
    ref = log_loss(y, p)
    r2 = losscli.evaluate(y, p, losses=["bce"], params={"base": "2"})
    r10 = losscli.evaluate(y, p, losses=["bce"], params={"base": "10"})
    assert loss_mean(r2, "binary_cross_entropy") == approx(ref / LN2)
    assert loss_mean(r10, "binary_cross_entropy") == approx(ref / LN10)


def test_bce_label_smoothing_closed_form(rng: np.random.Generator) -> None:
    y, p = _binary(rng)
    s = 0.1
    t = y * (1 - s) + 0.5 * s
    ref = np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)))
    r = losscli.evaluate(y, p, losses=["bce"], params={"label_smoothing": s})
    assert loss_mean(r, "binary_cross_entropy") == approx(ref)


def test_bce_eps_clipping() -> None:
    y = np.array([1, 0])
    p = np.array([0.0, 1.0])
    r = losscli.evaluate(y, p, losses=["bce"], params={"eps": 1e-7})
    np.testing.assert_allclose(
        r.per_sample["binary_cross_entropy"], [-math.log(1e-7)] * 2, rtol=1e-6
    )
    r = losscli.evaluate(y, p, losses=["bce"])
    np.testing.assert_allclose(
        r.per_sample["binary_cross_entropy"], [-math.log(1e-15)] * 2, rtol=1e-3
    )


def test_bce_minus_one_plus_one_labels(rng: np.random.Generator) -> None:
    y, p = _binary(rng)
    r = losscli.evaluate(2 * y - 1, p, losses=["bce"])
    assert r.task == "binary"
    assert loss_mean(r, "binary_cross_entropy") == approx(log_loss(y, p))


@pytest.mark.parametrize("labels", ["pm1", "01"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_vs_sklearn(rng: np.random.Generator, labels: str, weighted: bool) -> None:
    y01 = rng.integers(0, 2, size=40)
    y01[:2] = [0, 1]
    y = 2 * y01 - 1 if labels == "pm1" else y01
    f = rng.normal(scale=2.0, size=40)
    w = _weights(rng, 40) if weighted else None
    r = losscli.evaluate(y, f, losses=["hinge"], task="binary", weights=w)
    assert loss_mean(r, "hinge") == approx(hinge_loss(y, f, sample_weight=w))
    np.testing.assert_allclose(
        r.per_sample["hinge"], np.maximum(0, 1 - (2 * y01 - 1) * f), rtol=REL
    )


@pytest.mark.parametrize("labels", ["pm1", "01"])
def test_margin_losses_closed_form(rng: np.random.Generator, labels: str) -> None:
    y01 = rng.integers(0, 2, size=40)
    y01[:2] = [0, 1]
    y = 2 * y01 - 1 if labels == "pm1" else y01
    f = rng.normal(scale=3.0, size=40)
    m = (2 * y01 - 1) * f
    r = losscli.evaluate(y, f, losses=["logistic", "exponential", "perceptron"], task="binary")
    np.testing.assert_allclose(r.per_sample["logistic"], np.log1p(np.exp(-m)), rtol=REL)
    np.testing.assert_allclose(r.per_sample["exponential"], np.exp(-m), rtol=REL)
    np.testing.assert_allclose(r.per_sample["perceptron"], np.maximum(0, -m), rtol=REL)
    assert loss_mean(r, "logistic") == approx(np.mean(np.log1p(np.exp(-m))))
    assert loss_mean(r, "exponential") == approx(np.mean(np.exp(-m)))
    assert loss_mean(r, "perceptron") == approx(np.mean(np.maximum(0, -m)))
    r2 = losscli.evaluate(y, f, losses=["logistic"], task="binary", params={"base": "2"})
    np.testing.assert_allclose(r2.per_sample["logistic"], np.log2(1 + np.exp(-m)), rtol=REL)
    assert loss_mean(r2, "logistic") == approx(np.mean(np.log2(1 + np.exp(-m))))


def test_logistic_equals_bce_from_logits(rng: np.random.Generator) -> None:
    y, _ = _binary(rng)
    z = rng.normal(scale=4.0, size=y.size)
    r = losscli.evaluate(y, z, losses=["logistic"], task="binary")
    r2 = losscli.evaluate(y, z, losses=["bce"], task="binary", from_logits=True)
    np.testing.assert_allclose(
        r.per_sample["logistic"], r2.per_sample["binary_cross_entropy"], rtol=REL, atol=1e-15
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_zero_one_and_accuracy_binary_probabilities(
    rng: np.random.Generator, weighted: bool
) -> None:
    y, p = _binary(rng)
    w = _weights(rng, y.size) if weighted else None
    pred = (p > 0.5).astype(int)
    r = losscli.evaluate(y, p, losses=["bce", "zero_one"], metrics=["accuracy"], weights=w)
    assert loss_mean(r, "zero_one") == approx(zero_one_loss(y, pred, sample_weight=w))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, pred, sample_weight=w))
    np.testing.assert_array_equal(r.per_sample["zero_one"], (pred != y).astype(float))


def test_zero_one_and_accuracy_threshold(rng: np.random.Generator) -> None:
    y, p = _binary(rng)
    pred = (p > 0.3).astype(int)
    r = losscli.evaluate(y, p, losses=["zero_one"], metrics=["accuracy"], params={"threshold": 0.3})
    assert loss_mean(r, "zero_one") == approx(zero_one_loss(y, pred))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, pred))


def test_zero_one_and_accuracy_binary_scores(rng: np.random.Generator) -> None:
    y = rng.integers(0, 2, size=40)
    y[:2] = [0, 1]
    f = rng.normal(scale=2.0, size=40)
    f[0] = 5.0  # outside [0, 1]: raw scores, decision at 0
    pred = (f > 0).astype(int)
    r = losscli.evaluate(y, f, losses=["hinge", "zero_one"], metrics=["accuracy"])
    assert loss_mean(r, "zero_one") == approx(zero_one_loss(y, pred))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, pred))
    r2 = losscli.evaluate(y, f, losses=["bce", "zero_one"], from_logits=True)
    assert loss_mean(r2, "zero_one") == approx(zero_one_loss(y, pred))
    assert r2.metrics["accuracy"] == approx(accuracy_score(y, pred))


# ----------------------------------------------------------------------------- multiclass


@pytest.mark.parametrize("weighted", [False, True])
def test_cce_integer_labels_vs_log_loss(rng: np.random.Generator, weighted: bool) -> None:
    y, p = _multiclass(rng)
    w = _weights(rng, y.size) if weighted else None
    r = losscli.evaluate(y, p, losses=["categorical_cross_entropy"], weights=w)
    assert r.task == "multiclass"
    ref = log_loss(y, p, labels=[0, 1, 2, 3], sample_weight=w)
    assert loss_mean(r, "categorical_cross_entropy") == approx(ref)
    np.testing.assert_allclose(
        r.per_sample["categorical_cross_entropy"], -np.log(p[np.arange(y.size), y]), rtol=REL
    )


@pytest.mark.parametrize("alias", ["cce", "cross_entropy", "categorical_crossentropy", "nll"])
def test_cce_one_hot_vs_log_loss(rng: np.random.Generator, alias: str) -> None:
    y, p = _multiclass(rng)
    t = _onehot(y, 4)
    r = losscli.evaluate(t, p, losses=[alias])
    assert r.task == "multiclass"
    assert loss_mean(r, "categorical_cross_entropy") == approx(log_loss(t, p))


def test_cce_class_names_vs_log_loss(rng: np.random.Generator) -> None:
    classes = ["cat", "dog", "bird", "fish"]
    y, p = _multiclass(rng)
    names = np.array(classes, dtype=object)[y]
    r = losscli.evaluate(names, p, losses=["cce"], metrics=["accuracy"], classes=classes)
    assert r.task == "multiclass"
    # scikit-learn orders the columns of y_proba by the sorted labels: pass integer codes
    assert loss_mean(r, "categorical_cross_entropy") == approx(log_loss(y, p, labels=[0, 1, 2, 3]))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, p.argmax(axis=1)))
    # a list of str works as well as an object array
    r2 = losscli.evaluate(list(names), p, losses=["cce"], classes=classes)
    assert loss_mean(r2, "categorical_cross_entropy") == approx(
        loss_mean(r, "categorical_cross_entropy")
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_cce_from_logits_vs_log_loss_of_softmax(rng: np.random.Generator, weighted: bool) -> None:
    y = rng.integers(0, 5, size=40)
    y[:5] = np.arange(5)
    z = rng.normal(scale=3.0, size=(40, 5))
    w = _weights(rng, 40) if weighted else None
    r = losscli.evaluate(y, z, losses=["cce"], from_logits=True, weights=w)
    ref = log_loss(y, softmax(z, axis=1), labels=list(range(5)), sample_weight=w)
    assert loss_mean(r, "categorical_cross_entropy") == approx(ref)


def test_cce_base_and_label_smoothing_closed_form(rng: np.random.Generator) -> None:
    y, p = _multiclass(rng)
    ref = log_loss(y, p)
    r2 = losscli.evaluate(y, p, losses=["cce"], params={"base": "2"})
    assert loss_mean(r2, "categorical_cross_entropy") == approx(ref / LN2)
    s = 0.2
    t = (1 - s) * _onehot(y, 4) + s / 4
    rs = losscli.evaluate(y, p, losses=["cce"], params={"label_smoothing": s})
    assert loss_mean(rs, "categorical_cross_entropy") == approx(
        np.mean(-np.sum(t * np.log(p), axis=1))
    )


def test_cce_soft_targets_closed_form(rng: np.random.Generator) -> None:
    t = rng.dirichlet(np.ones(3), size=30)
    _, p = _multiclass(rng, n=30, c=3)
    r = losscli.evaluate(t, p, losses=["cce"])
    assert r.task == "multiclass"
    assert loss_mean(r, "categorical_cross_entropy") == approx(
        np.mean(-np.sum(t * np.log(p), axis=1))
    )


def test_categorical_hinge_closed_form(rng: np.random.Generator) -> None:
    y = rng.integers(0, 4, size=40)
    y[:4] = np.arange(4)
    s = rng.normal(scale=2.0, size=(40, 4))
    t = _onehot(y, 4)
    pos = np.sum(t * s, axis=1)
    neg = np.max((1 - t) * s, axis=1)
    ref = np.maximum(0.0, neg - pos + 1.0)
    r = losscli.evaluate(y, s, losses=["categorical_hinge"])
    assert r.task == "multiclass"
    np.testing.assert_allclose(r.per_sample["categorical_hinge"], ref, rtol=REL)
    assert loss_mean(r, "categorical_hinge") == approx(np.mean(ref))


def test_categorical_hinge_on_soft_and_multi_hot_targets(rng: np.random.Generator) -> None:
    """Keras' formula on distributions (multiclass) and on multi-hot rows, a row without a
    true label included (multilabel, inferred); a row that is neither is refused, and so
    is kl_divergence on rows that are not distributions."""
    s = rng.normal(scale=2.0, size=(30, 3))
    for t, task in (
        (rng.dirichlet(np.ones(3), size=30), "multiclass"),
        (np.r_[np.zeros((1, 3)), (rng.random((29, 3)) < 0.5).astype(float)], "multilabel"),
    ):
        ref = np.maximum(0.0, np.max((1 - t) * s, axis=1) - np.sum(t * s, axis=1) + 1.0)
        r = losscli.evaluate(t, s, losses=["categorical_hinge"])
        assert r.task == task
        np.testing.assert_allclose(r.per_sample["categorical_hinge"], ref, rtol=REL)
    assert r.per_sample["categorical_hinge"][0] == pytest.approx(max(0.0, 1 + s[0].max()))
    with pytest.raises(InputError, match="one-hot or a distribution expected"):
        losscli.evaluate(
            [[0.0, 0.0], [0.0, 1.0]],
            [[0.6, 0.4], [0.4, 0.6]],
            losses=["categorical_hinge"],
            task="multiclass",
        )
    with pytest.raises(InputError, match="sums to 1.42"):
        losscli.evaluate(
            [[0.5, 0.8, 0.12], [0.7, 0.2, 0.1]], [[0.4, 0.5, 0.1]] * 2, losses=["kl_divergence"]
        )


def test_kl_divergence_closed_form(rng: np.random.Generator) -> None:
    t = rng.dirichlet(np.ones(4), size=30)
    t[0] = [0.5, 0.5, 0.0, 0.0]  # 0 log 0 = 0
    _, p = _multiclass(rng, n=30, c=4)
    terms = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0) / p), 0.0)
    ref = np.sum(terms, axis=1)
    r = losscli.evaluate(t, p, losses=["kl_divergence"])
    assert r.task == "multiclass"
    np.testing.assert_allclose(r.per_sample["kl_divergence"], ref, rtol=REL)
    assert loss_mean(r, "kl_divergence") == approx(np.mean(ref))
    r2 = losscli.evaluate(t, p, losses=["kld"], params={"base": "2"})
    assert loss_mean(r2, "kl_divergence") == approx(np.mean(ref) / LN2)
    z = np.log(p) + 7.0  # logits whose softmax is p
    r3 = losscli.evaluate(t, z, losses=["kl"], from_logits=True)
    assert loss_mean(r3, "kl_divergence") == approx(np.mean(ref))


def test_kl_of_one_hot_equals_cce(rng: np.random.Generator) -> None:
    y, p = _multiclass(rng)
    r = losscli.evaluate(y, p, losses=["cce", "kl_divergence"])
    np.testing.assert_allclose(
        r.per_sample["kl_divergence"], r.per_sample["categorical_cross_entropy"], rtol=REL
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_zero_one_and_accuracy_multiclass(rng: np.random.Generator, weighted: bool) -> None:
    y, p = _multiclass(rng)
    w = _weights(rng, y.size) if weighted else None
    pred = p.argmax(axis=1)
    r = losscli.evaluate(y, p, losses=["cce", "zero_one"], metrics=["accuracy"], weights=w)
    assert loss_mean(r, "zero_one") == approx(zero_one_loss(y, pred, sample_weight=w))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, pred, sample_weight=w))


# ----------------------------------------------------------------------------- multilabel


def _multilabel(rng: np.random.Generator, n: int = 40, c: int = 3) -> tuple[np.ndarray, ...]:
    y = rng.integers(0, 2, size=(n, c))
    y[0] = [1, 1, 0]  # multi-hot: not one-hot, so the task is multilabel
    p = rng.uniform(0.02, 0.98, size=(n, c))
    return y, p


@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_bce_closed_form(rng: np.random.Generator, weighted: bool) -> None:
    y, p = _multilabel(rng)
    w = _weights(rng, y.shape[0]) if weighted else None
    r = losscli.evaluate(y, p, losses=["bce"], weights=w)
    assert r.task == "multilabel"
    per = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=1)
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], per, rtol=REL)
    assert loss_mean(r, "binary_cross_entropy") == approx(np.average(per, weights=w))
    # = the mean over labels of each label's (weighted) log-loss
    per_label = [log_loss(y[:, k], p[:, k], sample_weight=w, labels=[0, 1]) for k in range(3)]
    assert loss_mean(r, "binary_cross_entropy") == approx(np.mean(per_label))


def test_multilabel_bce_from_logits(rng: np.random.Generator) -> None:
    y, _ = _multilabel(rng)
    z = rng.normal(scale=3.0, size=y.shape)
    r = losscli.evaluate(y, z, losses=["bce"], task="multilabel", from_logits=True)
    q = expit(z)
    ref = np.mean(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q)), axis=1))
    assert loss_mean(r, "binary_cross_entropy") == approx(ref)


@pytest.mark.parametrize("weighted", [False, True])
def test_zero_one_and_accuracy_multilabel(rng: np.random.Generator, weighted: bool) -> None:
    y, p = _multilabel(rng)
    w = _weights(rng, y.shape[0]) if weighted else None
    pred = (p > 0.5).astype(int)
    r = losscli.evaluate(y, p, losses=["bce", "zero_one"], metrics=["accuracy"], weights=w)
    assert r.task == "multilabel"
    assert loss_mean(r, "zero_one") == approx(zero_one_loss(y, pred, sample_weight=w))
    assert r.metrics["accuracy"] == approx(accuracy_score(y, pred, sample_weight=w))


# ----------------------------------------------------------------------------- more regression


def needs(name: str, kind: str = "loss", param: str | None = None) -> None:
    """Skip when the registry (still being extended) lacks an entry or one of its params."""
    table = registry.LOSSES if kind == "loss" else registry.METRICS
    if name not in table:
        pytest.skip(f"{kind} {name} is not in the registry")
    if param is not None and param not in table[name].param_names:
        pytest.skip(f"{kind} {name} has no parameter {param}")


def _regression(
    rng: np.random.Generator, n: int, k: int, positive: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    if positive:
        y = rng.gamma(2.0, 1.5, size=(n, k)) + 0.05
        p = y * rng.uniform(0.5, 1.8, size=(n, k)) + 0.01
    else:
        y = rng.normal(scale=3.0, size=(n, k))
        p = y + rng.normal(scale=1.5, size=(n, k))
    return (y[:, 0], p[:, 0]) if k == 1 else (y, p)


@pytest.mark.parametrize("delta", [1.0, 0.5, 3.0])
def test_huber_closed_form(rng: np.random.Generator, delta: float) -> None:
    needs("huber", param="delta")
    y, p = _regression(rng, 40, 2)
    a = np.abs(p - y)
    per = np.mean(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)), axis=1)
    r = losscli.evaluate(y, p, losses=["huber"], task="regression", params={"delta": delta})
    np.testing.assert_allclose(r.per_sample["huber"], per, rtol=REL)
    assert loss_mean(r, "huber") == approx(np.mean(per))


def test_log_cosh_closed_form_and_stable(rng: np.random.Generator) -> None:
    needs("log_cosh")
    y, p = _regression(rng, 40, 1)
    r = losscli.evaluate(y, p, losses=["log_cosh"], task="regression")
    np.testing.assert_allclose(r.per_sample["log_cosh"], np.log(np.cosh(p - y)), rtol=REL)
    r = losscli.evaluate([0.0, 0.0], [1000.0, -1000.0], losses=["log_cosh"], task="regression")
    np.testing.assert_allclose(r.per_sample["log_cosh"], [1000 - math.log(2.0)] * 2, rtol=REL)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_sklearn_regression_losses(rng: np.random.Generator, k: int, weighted: bool) -> None:
    from sklearn.metrics import (
        mean_absolute_percentage_error,
        mean_gamma_deviance,
        mean_pinball_loss,
        mean_poisson_deviance,
        mean_squared_log_error,
    )

    y, p = _regression(rng, 40, k, positive=True)
    w = _weights(rng, 40) if weighted else None
    refs = {
        "mape": mean_absolute_percentage_error(y, p, sample_weight=w),
        "msle": mean_squared_log_error(y, p, sample_weight=w),
        "pinball": mean_pinball_loss(y, p, sample_weight=w),
    }
    if k == 1:  # scikit-learn's deviances take one output
        refs["poisson_deviance"] = mean_poisson_deviance(y, p, sample_weight=w)
        refs["gamma_deviance"] = mean_gamma_deviance(y, p, sample_weight=w)
    names = [n for n in refs if n in registry.LOSSES]
    if not names:
        pytest.skip("none of these losses is in the registry")
    r = losscli.evaluate(y, p, losses=names, task="regression", weights=w)
    for name in names:
        assert loss_mean(r, name) == approx(refs[name]), name


@pytest.mark.parametrize("alpha", [0.1, 0.9])
def test_pinball_alpha_vs_sklearn(rng: np.random.Generator, alpha: float) -> None:
    from sklearn.metrics import mean_pinball_loss

    needs("pinball", param="alpha")
    y, p = _regression(rng, 40, 2)
    r = losscli.evaluate(y, p, losses=["pinball"], task="regression", params={"alpha": alpha})
    assert loss_mean(r, "pinball") == approx(mean_pinball_loss(y, p, alpha=alpha))


@pytest.mark.parametrize("power", [-0.5, 0.0, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_tweedie_deviance_vs_sklearn(
    rng: np.random.Generator, power: float, weighted: bool
) -> None:
    from sklearn.metrics import mean_tweedie_deviance

    needs("tweedie_deviance", param="power")
    y, p = _regression(rng, 40, 1, positive=True)
    y[0] = 0.0 if 0 <= power < 2 else y[0]  # zeros allowed below power 2
    w = _weights(rng, 40) if weighted else None
    r = losscli.evaluate(
        y, p, losses=["tweedie_deviance"], task="regression", weights=w, params={"power": power}
    )
    ref = mean_tweedie_deviance(y, p, power=power, sample_weight=w)
    assert loss_mean(r, "tweedie_deviance") == approx(ref)


def test_poisson_closed_form(rng: np.random.Generator) -> None:
    needs("poisson", param="eps")
    y = rng.poisson(3.0, size=40).astype(float)
    p = rng.uniform(0.1, 6.0, size=40)
    p[0] = 0.0
    r = losscli.evaluate(y, p, losses=["poisson"], task="regression")
    per = p - y * np.log(p + 1e-8)
    np.testing.assert_allclose(r.per_sample["poisson"], per, rtol=REL)
    r = losscli.evaluate(y, p + 0.5, losses=["poisson"], task="regression", params={"eps": 0})
    assert loss_mean(r, "poisson") == approx(np.mean(p + 0.5 - y * np.log(p + 0.5)))


# ----------------------------------------------------------------------------- more binary


def _focal_ref(y: np.ndarray, q: np.ndarray, gamma: float, alpha: float | None) -> np.ndarray:
    ce = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    p_t = q * y + (1 - q) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (0.0, None), (1.5, 0.25)])
def test_focal_closed_form(rng: np.random.Generator, gamma: float, alpha: float | None) -> None:
    needs("focal", param="gamma")
    y, p = _binary(rng)
    params: dict[str, object] = {"gamma": gamma}
    if alpha is not None:
        params["alpha"] = alpha
    r = losscli.evaluate(y, p, losses=["focal"], params=params)
    ref = _focal_ref(y, p, gamma, alpha)
    np.testing.assert_allclose(r.per_sample["focal"], ref, rtol=REL)
    if gamma == 0.0 and alpha is None:
        assert loss_mean(r, "focal") == approx(log_loss(y, p))
    z = rng.normal(scale=3.0, size=y.size)
    r = losscli.evaluate(y, z, losses=["focal"], params=params, from_logits=True)
    np.testing.assert_allclose(
        r.per_sample["focal"], _focal_ref(y, expit(z), gamma, alpha), rtol=1e-8
    )


def test_focal_multilabel_mean_over_labels(rng: np.random.Generator) -> None:
    needs("focal")
    y, p = _multilabel(rng)
    r = losscli.evaluate(y, p, losses=["focal"], task="multilabel")
    per = np.mean(_focal_ref(y, p, 2.0, None), axis=1)
    np.testing.assert_allclose(r.per_sample["focal"], per, rtol=REL)


def test_squared_hinge_closed_form(rng: np.random.Generator) -> None:
    needs("squared_hinge")
    y = rng.integers(0, 2, size=40)
    f = rng.normal(scale=2.0, size=40)
    m = (2 * y - 1) * f
    r = losscli.evaluate(y, f, losses=["squared_hinge"], task="binary")
    np.testing.assert_allclose(r.per_sample["squared_hinge"], np.maximum(0, 1 - m) ** 2, rtol=REL)


def test_bce_pos_weight_closed_form(rng: np.random.Generator) -> None:
    needs("binary_cross_entropy", param="pos_weight")
    y, p = _binary(rng)
    r = losscli.evaluate(y, p, losses=["bce"], params={"pos_weight": 3.0})
    per = -(3.0 * y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], per, rtol=REL)
    z = rng.normal(scale=3.0, size=y.size)
    r = losscli.evaluate(y, z, losses=["bce"], params={"pos_weight": 3.0}, from_logits=True)
    q = expit(z)
    per = -(3.0 * y * np.log(q) + (1 - y) * np.log(1 - q))
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], per, rtol=1e-8)


def test_multilabel_bce_reduction_sum(rng: np.random.Generator) -> None:
    needs("binary_cross_entropy", param="reduction")
    y, p = _multilabel(rng)
    r = losscli.evaluate(y, p, losses=["bce"], params={"reduction": "sum"})
    per = np.sum(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=1)
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], per, rtol=REL)


@pytest.mark.parametrize("weighted", [False, True])
def test_hamming_vs_sklearn(rng: np.random.Generator, weighted: bool) -> None:
    from sklearn.metrics import hamming_loss

    needs("hamming")
    y, p = _multilabel(rng)
    w = _weights(rng, y.shape[0]) if weighted else None
    r = losscli.evaluate(y, p, losses=["hamming"], task="multilabel", weights=w)
    assert loss_mean(r, "hamming") == approx(
        hamming_loss(y, (p > 0.5).astype(int), sample_weight=w)
    )


# ----------------------------------------------------------------------------- more multiclass


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_hinge_vs_sklearn(rng: np.random.Generator, weighted: bool) -> None:
    needs("multiclass_hinge")
    y = rng.integers(0, 4, size=40)
    y[:4] = np.arange(4)
    s = rng.normal(scale=2.0, size=(40, 4))
    w = _weights(rng, 40) if weighted else None
    r = losscli.evaluate(y, s, losses=["multiclass_hinge"], weights=w)
    assert loss_mean(r, "multiclass_hinge") == approx(
        hinge_loss(y, s, labels=[0, 1, 2, 3], sample_weight=w)
    )


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (0.0, None), (1.0, 0.25)])
def test_categorical_focal_closed_form(
    rng: np.random.Generator, gamma: float, alpha: float | None
) -> None:
    needs("categorical_focal", param="gamma")
    y, p = _multiclass(rng)
    params: dict[str, object] = {"gamma": gamma}
    if alpha is not None:
        params["alpha"] = alpha
    r = losscli.evaluate(y, p, losses=["categorical_focal"], params=params)
    pt = p[np.arange(y.size), y]
    ref = -(1.0 if alpha is None else alpha) * (1 - pt) ** gamma * np.log(pt)
    np.testing.assert_allclose(r.per_sample["categorical_focal"], ref, rtol=REL)
    if gamma == 0.0 and alpha is None:
        assert loss_mean(r, "categorical_focal") == approx(log_loss(y, p))


def test_cce_class_weight_closed_form(rng: np.random.Generator) -> None:
    """PyTorch's CrossEntropyLoss(weight=cw): Σ cw_y·l / Σ cw_y (times sample weights)."""
    needs("categorical_cross_entropy", param="class_weight")
    y, p = _multiclass(rng)
    cw = np.array([1.0, 2.0, 0.5, 3.0])
    w = _weights(rng, y.size)
    per = -np.log(p[np.arange(y.size), y])
    r = losscli.evaluate(y, p, losses=["cce"], params={"class_weight": "1,2,0.5,3"})
    assert loss_mean(r, "categorical_cross_entropy") == approx(np.average(per, weights=cw[y]))
    r = losscli.evaluate(y, p, losses=["cce"], params={"class_weight": list(cw)}, weights=w)
    assert loss_mean(r, "categorical_cross_entropy") == approx(np.average(per, weights=cw[y] * w))


# ----------------------------------------------------------------------------- more metrics


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_vs_sklearn(rng: np.random.Generator, k: int, weighted: bool) -> None:
    from sklearn.metrics import explained_variance_score, median_absolute_error, r2_score

    y, p = _regression(rng, 41, k)
    p = p + 0.7  # a bias, so explained variance differs from r2
    w = _weights(rng, 41) if weighted else None
    refs = {
        "r2": r2_score(y, p, sample_weight=w),
        "explained_variance": explained_variance_score(y, p, sample_weight=w),
        "median_absolute_error": median_absolute_error(y, p, sample_weight=w),
    }
    names = [n for n in refs if n in registry.METRICS]
    if not names:
        pytest.skip("none of these metrics is in the registry")
    r = losscli.evaluate(y, p, losses=["mse"], metrics=names, task="regression", weights=w)
    for name in names:
        assert r.metrics[name] == approx(refs[name]), name


def test_max_error_vs_sklearn(rng: np.random.Generator) -> None:
    from sklearn.metrics import max_error

    needs("max_error", "metric")
    y, p = _regression(rng, 40, 1)
    r = losscli.evaluate(y, p, metrics=["max_error"], task="regression")
    assert r.metrics["max_error"] == approx(max_error(y, p))
    y2, p2 = _regression(rng, 40, 3)
    r = losscli.evaluate(y2, p2, metrics=["max_error"], task="regression")
    assert r.metrics["max_error"] == approx(np.max(np.abs(y2 - p2)))


def test_r2_constant_target_force_finite() -> None:
    from sklearn.metrics import r2_score

    needs("r2", "metric")
    y = np.array([2.0, 2.0, 2.0])
    for p in (y.copy(), np.array([2.0, 2.5, 1.0])):
        r = losscli.evaluate(y, p, metrics=["r2"], task="regression")
        assert r.metrics["r2"] == r2_score(y, p)


def _classification_data(
    rng: np.random.Generator, task: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets as passed, probabilities, decisions as scikit-learn wants them)."""
    if task == "binary":
        y, p = _binary(rng, 60)
        return y, p, (p > 0.5).astype(int)
    if task == "multiclass":
        y, p = _multiclass(rng, 60, 4)
        return y, p, p.argmax(axis=1)
    y, p = _multilabel(rng, 60)
    return y, p, (p > 0.5).astype(int)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("average", ["auto", "macro", "micro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_precision_recall_f1_vs_sklearn(
    rng: np.random.Generator, task: str, average: str, weighted: bool
) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    names = [n for n in ("precision", "recall", "f1") if n in registry.METRICS]
    if not names:
        pytest.skip("precision/recall/f1 are not in the registry")
    y, p, pred = _classification_data(rng, task)
    w = _weights(rng, y.shape[0]) if weighted else None
    sk_avg = {"auto": "binary" if task == "binary" else "macro"}.get(average, average)
    params = {} if average == "auto" else {"average": average}
    r = losscli.evaluate(y, p, metrics=names, task=task, weights=w, params=params)
    fns = {"precision": precision_score, "recall": recall_score, "f1": f1_score}
    for name in names:
        ref = fns[name](y, pred, average=sk_avg, sample_weight=w, zero_division=0)
        assert r.metrics[name] == approx(ref), name


@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_balanced_accuracy_and_mcc_vs_sklearn(
    rng: np.random.Generator, task: str, weighted: bool
) -> None:
    from sklearn.metrics import balanced_accuracy_score, matthews_corrcoef

    names = [n for n in ("balanced_accuracy", "mcc") if n in registry.METRICS]
    if not names:
        pytest.skip("balanced_accuracy/mcc are not in the registry")
    y, p, pred = _classification_data(rng, task)
    w = _weights(rng, y.shape[0]) if weighted else None
    r = losscli.evaluate(y, p, metrics=names, task=task, weights=w)
    refs = {
        "balanced_accuracy": balanced_accuracy_score(y, pred, sample_weight=w),
        "mcc": matthews_corrcoef(y, pred, sample_weight=w),
    }
    for name in names:
        assert r.metrics[name] == approx(refs[name]), name


@pytest.mark.parametrize(
    "weights",
    [
        [1e-3, 1e-3, 1e-3, 2.5e-4, 2.5e-4, 2.5e-4],
        [1e-3, 2.5e-4, 2.5e-4, 2.5e-4, 1e-3, 5e-4],
        [1.0, 1.0, 1.0, 0.25, 0.25, 0.25],
    ],
)
def test_mcc_single_class_targets_with_weights(weights: list[float]) -> None:
    """Every target in one class: MCC is 0 (scikit-learn), whatever the weights' rounding."""
    from sklearn.metrics import matthews_corrcoef

    needs("mcc", "metric")
    y = np.zeros(6, dtype=int)
    p = np.array([[0.25] * 4] * 4 + [[0.01, 0.01, 0.97, 0.01], [0.01, 0.01, 0.01, 0.97]])
    r = losscli.evaluate(y, p, task="multiclass", metrics=["mcc"], weights=weights)
    ref = matthews_corrcoef(y, p.argmax(axis=1), sample_weight=weights)
    assert ref == 0.0
    assert r.metrics["mcc"] == 0.0


def test_mcc_single_class_predictions_with_weights() -> None:
    """Every prediction in one class (ties go to class 0): MCC is 0, as scikit-learn."""
    from sklearn.metrics import matthews_corrcoef

    needs("mcc", "metric")
    y = np.array([0, 1, 2])
    p = np.full((3, 4), 0.25)
    w = [1.0, 7.667622907266401, 1.788467145392067]
    r = losscli.evaluate(y, p, task="multiclass", metrics=["mcc"], weights=w)
    assert matthews_corrcoef(y, p.argmax(axis=1), sample_weight=w) == 0.0
    assert r.metrics["mcc"] == 0.0


@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_brier_vs_sklearn(rng: np.random.Generator, task: str, weighted: bool) -> None:
    from sklearn.metrics import brier_score_loss

    needs("brier", "metric")
    y, p, _ = _classification_data(rng, task)
    w = _weights(rng, y.shape[0]) if weighted else None
    r = losscli.evaluate(y, p, metrics=["brier"], task=task, weights=w)
    labels = None if task == "binary" else [0, 1, 2, 3]
    assert r.metrics["brier"] == approx(brier_score_loss(y, p, sample_weight=w, labels=labels))


def test_brier_from_logits(rng: np.random.Generator) -> None:
    from sklearn.metrics import brier_score_loss

    needs("brier", "metric")
    y, _ = _binary(rng)
    z = rng.normal(scale=2.0, size=y.size)
    r = losscli.evaluate(y, z, metrics=["brier"], from_logits=True)
    assert r.metrics["brier"] == approx(brier_score_loss(y, expit(z)))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_vs_sklearn(rng: np.random.Generator, task: str, weighted: bool) -> None:
    from sklearn.metrics import roc_auc_score

    needs("roc_auc", "metric")
    y, p, _ = _classification_data(rng, task)
    p = np.round(p, 1)  # ties
    if task == "multiclass":
        p = p + 0.01
        p = p / p.sum(axis=1, keepdims=True)
    w = _weights(rng, y.shape[0]) if weighted else None
    r = losscli.evaluate(y, p, metrics=["roc_auc"], task=task, weights=w)
    kw = {"multi_class": "ovr", "labels": [0, 1, 2, 3]} if task == "multiclass" else {}
    assert r.metrics["roc_auc"] == approx(roc_auc_score(y, p, sample_weight=w, **kw))


def test_roc_auc_binary_raw_scores(rng: np.random.Generator) -> None:
    from sklearn.metrics import roc_auc_score

    needs("roc_auc", "metric")
    y, _ = _binary(rng)
    f = rng.normal(scale=3.0, size=y.size)
    r = losscli.evaluate(y, f, losses=["hinge"], metrics=["roc_auc"])
    assert r.metrics["roc_auc"] == approx(roc_auc_score(y, f))


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_accuracy_vs_sklearn(rng: np.random.Generator, k: int, weighted: bool) -> None:
    from sklearn.metrics import top_k_accuracy_score

    needs("top_k_accuracy", "metric", param="k")
    y, p = _multiclass(rng, 60, 5)
    w = _weights(rng, 60) if weighted else None
    r = losscli.evaluate(y, p, metrics=["top_k_accuracy"], weights=w, params={"k": k})
    ref = top_k_accuracy_score(y, p, k=k, labels=list(range(5)), sample_weight=w)
    assert r.metrics["top_k_accuracy"] == approx(ref)


@pytest.mark.parametrize("k", [1, 2])
def test_top_k_accuracy_ties_vs_sklearn(k: int) -> None:
    """Tied scores: the registry promises scikit-learn's tie rule."""
    from sklearn.metrics import top_k_accuracy_score

    needs("top_k_accuracy", "metric", param="k")
    y = np.array([1, 0, 2])
    p = np.array([[0.2, 0.4, 0.4], [0.3, 0.3, 0.4], [0.1, 0.45, 0.45]])
    for i in range(3):  # row by row: aggregate figures can agree by accident
        r = losscli.evaluate(
            y[i : i + 1], p[i : i + 1], metrics=["top_k_accuracy"], params={"k": k}
        )
        ref = top_k_accuracy_score(y[i : i + 1], p[i : i + 1], k=k, labels=[0, 1, 2])
        assert r.metrics["top_k_accuracy"] == ref, (i, p[i], y[i])


# ----------------------------------------------------------------------------- coverage


COVERED_LOSSES = {
    "mse",
    "mae",
    "sse",
    "huber",
    "log_cosh",
    "mape",
    "msle",
    "poisson",
    "pinball",
    "poisson_deviance",
    "gamma_deviance",
    "tweedie_deviance",
    "binary_cross_entropy",
    "focal",
    "squared_hinge",
    "hamming",
    "hinge",
    "logistic",
    "exponential",
    "perceptron",
    "zero_one",
    "categorical_cross_entropy",
    "categorical_hinge",
    "multiclass_hinge",
    "categorical_focal",
    "kl_divergence",
}
COVERED_METRICS = {
    "ece",  # tests/scoring/test_calibration.py
    "mce",
    "average_precision",
    "brier_reliability",  # tests/scoring/test_perclass.py
    "brier_resolution",
    "brier_uncertainty",
    "recall_at_precision",
    "precision_at_recall",
    "specificity_at_sensitivity",
    "accuracy",
    "rmse",
    "mae",
    "r2",
    "explained_variance",
    "max_error",
    "median_absolute_error",
    "precision",
    "recall",
    "f1",
    "balanced_accuracy",
    "mcc",
    "brier",
    "roc_auc",
    "top_k_accuracy",
    "fbeta",  # tests/scoring/test_reference_classification.py
    "jaccard",
    "cohen_kappa",
    "positive_likelihood_ratio",
    "negative_likelihood_ratio",
}


# helper "losses" (issue 17): tests/scoring/test_reference_losses.py
COVERED_LOSSES |= {"cosine_similarity", "dice", "tversky"}
COVERED_METRICS |= {
    "rmsle",
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "adjusted_r2",
}


def test_every_registry_entry_has_a_reference_test() -> None:
    """A loss or metric added to the registry needs a reference test in this file."""
    assert set(registry.LOSSES) <= COVERED_LOSSES, set(registry.LOSSES) - COVERED_LOSSES
    assert set(registry.METRICS) <= COVERED_METRICS, set(registry.METRICS) - COVERED_METRICS


# ----------------------------------------------------------------------------- seed cases


SEED_Y = np.array([0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0])


def test_seed_sse_one_hot_target() -> None:
    t = np.zeros((1, 10))
    t[0, 2] = 1.0
    r = losscli.evaluate(t, SEED_Y[None, :], losses=["sse"], task="regression")
    assert loss_mean(r, "sse") == approx(0.0975)
    assert r.per_sample["sse"][0] == approx(0.0975)


@pytest.mark.parametrize("target", ["label", "one_hot"])
def test_seed_cross_entropy(target: str) -> None:
    y = np.array([2]) if target == "label" else np.eye(10)[[2]]
    r = losscli.evaluate(y, SEED_Y[None, :], losses=["cce"])
    assert r.task == "multiclass"
    assert loss_mean(r, "categorical_cross_entropy") == approx(-math.log(0.6))


def test_seed_softmax_huge_logits() -> None:
    z = np.array([[1000.0, 2000.0, 3000.0, 4000.0, 5000.0]] * 2)
    r = losscli.evaluate(np.array([0, 4]), z, losses=["cce"], from_logits=True)
    per = r.per_sample["categorical_cross_entropy"]
    assert np.all(np.isfinite(per))
    assert per[0] == approx(4000.0)
    assert per[1] == 0.0
    assert loss_mean(r, "categorical_cross_entropy") == approx(2000.0)


def test_seed_logistic_huge_margins_finite() -> None:
    y = np.array([1, 1, 0, 0])
    f = np.array([1000.0, -1000.0, -1000.0, 1000.0])  # margins +1000, -1000, +1000, -1000
    r = losscli.evaluate(y, f, losses=["logistic"], task="binary")
    per = r.per_sample["logistic"]
    assert np.all(np.isfinite(per))
    np.testing.assert_allclose(per, [0.0, 1000.0, 0.0, 1000.0], rtol=REL, atol=1e-300)
    r2 = losscli.evaluate(y, f, losses=["logistic"], task="binary", params={"base": "2"})
    np.testing.assert_allclose(
        r2.per_sample["logistic"], [0.0, 1000 / LN2, 0.0, 1000 / LN2], rtol=REL
    )


def test_seed_exponential_overflow_is_inf_with_warning() -> None:
    y = np.array([1, 1])
    f = np.array([-1000.0, 1000.0])
    r = losscli.evaluate(y, f, losses=["exponential"], task="binary")
    per = r.per_sample["exponential"]
    assert per[0] == math.inf
    assert per[1] == approx(math.exp(-1000.0))
    assert loss_mean(r, "exponential") == math.inf
    assert any("exponential" in w and "inf" in w for w in r.warnings), r.warnings
