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
from losscli import registry

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


def _multiclass(
    rng: np.random.Generator, n: int = 40, c: int = 4
) -> tuple[np.ndarray, np.ndarray]:
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
    r = losscli.evaluate(yy, pp, losses=["mse", "mae"], metrics=["mae"], task="regression",
                         weights=w)
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
    """The registry names sklearn.metrics.root_mean_squared_error as the reference.

    For several outputs scikit-learn averages the per-output RMSEs
    (multioutput='uniform_average'); losscli takes the square root of the pooled MSE.
    """
    n = 50
    y = rng.normal(size=(n, 3))
    p = y + rng.normal(size=(n, 3)) * [0.1, 1.0, 3.0]
    w = _weights(rng, n) if weighted else None
    r = losscli.evaluate(y, p, losses=["mse"], metrics=["rmse"], task="regression", weights=w)
    assert r.metrics["rmse"] == approx(root_mean_squared_error(y, p, sample_weight=w))


def test_rmse_is_sqrt_of_pooled_mse(rng: np.random.Generator) -> None:
    """What losscli computes today for several outputs (the registry formula)."""
    y = rng.normal(size=(30, 3))
    p = y + rng.normal(size=(30, 3))
    r = losscli.evaluate(y, p, losses=["mse"], metrics=["rmse"], task="regression")
    assert r.metrics["rmse"] == approx(math.sqrt(mean_squared_error(y, p)))


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
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], [-math.log(1e-7)] * 2,
                               rtol=1e-6)
    r = losscli.evaluate(y, p, losses=["bce"])
    np.testing.assert_allclose(r.per_sample["binary_cross_entropy"], [-math.log(1e-15)] * 2,
                               rtol=1e-3)


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
    np.testing.assert_allclose(r.per_sample["hinge"], np.maximum(0, 1 - (2 * y01 - 1) * f),
                               rtol=REL)


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
    np.testing.assert_allclose(r.per_sample["logistic"], r2.per_sample["binary_cross_entropy"],
                               rtol=REL, atol=1e-15)


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
    r = losscli.evaluate(y, p, losses=["zero_one"], metrics=["accuracy"],
                         params={"threshold": 0.3})
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
    np.testing.assert_allclose(r.per_sample["categorical_cross_entropy"],
                               -np.log(p[np.arange(y.size), y]), rtol=REL)


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
        loss_mean(r, "categorical_cross_entropy"))


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
        np.mean(-np.sum(t * np.log(p), axis=1)))


def test_cce_soft_targets_closed_form(rng: np.random.Generator) -> None:
    t = rng.dirichlet(np.ones(3), size=30)
    _, p = _multiclass(rng, n=30, c=3)
    r = losscli.evaluate(t, p, losses=["cce"])
    assert r.task == "multiclass"
    assert loss_mean(r, "categorical_cross_entropy") == approx(
        np.mean(-np.sum(t * np.log(p), axis=1)))


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
    np.testing.assert_allclose(r.per_sample["kl_divergence"],
                               r.per_sample["categorical_cross_entropy"], rtol=REL)


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


# ----------------------------------------------------------------------------- coverage


COVERED_LOSSES = {
    "mse", "mae", "sse", "binary_cross_entropy", "hinge", "logistic", "exponential",
    "perceptron", "zero_one", "categorical_cross_entropy", "categorical_hinge",
    "kl_divergence",
}
COVERED_METRICS = {"accuracy", "rmse", "mae"}


def test_every_registry_entry_has_a_reference_test() -> None:
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
    np.testing.assert_allclose(r2.per_sample["logistic"], [0.0, 1000 / LN2, 0.0, 1000 / LN2],
                               rtol=REL)


def test_seed_exponential_overflow_is_inf_with_warning() -> None:
    y = np.array([1, 1])
    f = np.array([-1000.0, 1000.0])
    r = losscli.evaluate(y, f, losses=["exponential"], task="binary")
    per = r.per_sample["exponential"]
    assert per[0] == math.inf
    assert per[1] == approx(math.exp(-1000.0))
    assert loss_mean(r, "exponential") == math.inf
    assert any("exponential" in w and "inf" in w for w in r.warnings), r.warnings
