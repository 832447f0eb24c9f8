"""Vectorised per-sample loss and metric functions.

Every function takes the prepared arrays of one chunk and returns one value per
sample (shape ``(n,)``, float64).  Shapes by task:

* regression: ``y``, ``p`` of shape ``(n, k)``
* binary: ``y`` in {0, 1} and ``p`` (probabilities or raw scores) of shape ``(n,)``
* multiclass: ``y`` a target distribution (one-hot or soft) and ``p`` of shape ``(n, C)``
* multilabel: ``y`` in {0, 1} and ``p`` of shape ``(n, C)``

Parameters arrive as keyword arguments with registry defaults already applied.
"""

from __future__ import annotations

import math

import numpy as np

LOG_BASES = {"e": 1.0, "2": math.log(2.0), "10": math.log(10.0)}


def _rebase(values: np.ndarray, base: str) -> np.ndarray:
    scale = LOG_BASES[str(base)]
    return values if scale == 1.0 else values / scale


def _sign(y: np.ndarray) -> np.ndarray:
    """Labels {0, 1} as {-1, +1}."""
    return 2.0 * y - 1.0


# ----------------------------------------------------------------------- regression


def mse(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = p - y
    return np.mean(d * d, axis=1)


def sse(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = p - y
    return 0.5 * np.sum(d * d, axis=1)


def mae(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    return np.mean(np.abs(p - y), axis=1)


# ----------------------------------------------------------------------- binary


def binary_cross_entropy(
    y: np.ndarray,
    p: np.ndarray,
    *,
    eps: float,
    from_logits: bool,
    label_smoothing: float,
    base: str,
    **_: object,
) -> np.ndarray:
    """Works for binary (n,) and multilabel (n, C): the per-sample value is the mean over labels."""
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # max(z, 0) - z*y + log(1 + exp(-|z|)): never overflows.
        loss = np.maximum(p, 0.0) - p * y + np.log1p(np.exp(-np.abs(p)))
    else:
        q = np.clip(p, eps, 1.0 - eps)
        loss = -(y * np.log(q) + (1.0 - y) * np.log1p(-q))
    if loss.ndim == 2:
        loss = np.mean(loss, axis=1)
    return _rebase(loss, base)


def hinge(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    return np.maximum(0.0, 1.0 - _sign(y) * p)


def logistic(y: np.ndarray, p: np.ndarray, *, base: str, **_: object) -> np.ndarray:
    # log(1 + e^(-m)) computed as logaddexp(0, -m): exact for m = +-1000.
    return _rebase(np.logaddexp(0.0, -_sign(y) * p), base)


def exponential(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(-_sign(y) * p)


def perceptron(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    return np.maximum(0.0, -_sign(y) * p)


def binary_decision(p: np.ndarray, *, threshold: float, scores: bool) -> np.ndarray:
    """Positive when the score is strictly above the threshold (0 for raw scores)."""
    return p > (0.0 if scores else threshold)


# ----------------------------------------------------------------------- multiclass


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax through log-sum-exp (stable for logits of +-1000 and more)."""
    m = np.max(z, axis=1, keepdims=True)
    shifted = z - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def class_log_probs(p: np.ndarray, *, eps: float, from_logits: bool) -> np.ndarray:
    if from_logits:
        return log_softmax(p)
    return np.log(np.clip(p, eps, 1.0))


def categorical_cross_entropy(
    y: np.ndarray,
    p: np.ndarray,
    *,
    eps: float,
    from_logits: bool,
    label_smoothing: float,
    base: str,
    **_: object,
) -> np.ndarray:
    logp = class_log_probs(p, eps=eps, from_logits=from_logits)
    if label_smoothing:
        y = (1.0 - label_smoothing) * y + label_smoothing / y.shape[1]
    # 0 * log p is 0 even where p was clipped: only classes with target mass count.
    loss = -np.sum(np.where(y > 0, y * logp, 0.0), axis=1)
    return _rebase(loss, base)


def categorical_hinge(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """Keras: max(0, max_{c}((1 - t_c) p_c) - sum_c t_c p_c + 1)."""
    pos = np.sum(y * p, axis=1)
    neg = np.max((1.0 - y) * p, axis=1)
    return np.maximum(0.0, neg - pos + 1.0)


def kl_divergence(
    y: np.ndarray, p: np.ndarray, *, eps: float, from_logits: bool, base: str, **_: object
) -> np.ndarray:
    logp = class_log_probs(p, eps=eps, from_logits=from_logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1.0)) - logp), 0.0)
    return _rebase(np.sum(terms, axis=1), base)


def argmax_rows(a: np.ndarray) -> np.ndarray:
    """Argmax per row; ties go to the lowest class index (numpy's rule)."""
    return np.argmax(a, axis=1)


# ----------------------------------------------------------------------- any task


def predicted_labels(task: str, p: np.ndarray, *, threshold: float, scores: bool) -> np.ndarray:
    if task == "binary":
        return binary_decision(p, threshold=threshold, scores=scores)
    if task == "multilabel":
        return binary_decision(p, threshold=threshold, scores=scores)
    return argmax_rows(p)


def true_labels(task: str, y: np.ndarray) -> np.ndarray:
    if task in ("binary", "multilabel"):
        return y > 0.5
    return argmax_rows(y)


def zero_one(
    y: np.ndarray,
    p: np.ndarray,
    *,
    task: str,
    threshold: float,
    scores: bool,
    **_: object,
) -> np.ndarray:
    wrong = predicted_labels(task, p, threshold=threshold, scores=scores) != true_labels(task, y)
    if wrong.ndim == 2:  # multilabel: a sample is wrong if any label is
        wrong = np.any(wrong, axis=1)
    return wrong.astype(np.float64)


def correct(y: np.ndarray, p: np.ndarray, **kw: object) -> np.ndarray:
    """1 where the decision is right (accuracy; subset accuracy for multilabel)."""
    return 1.0 - zero_one(y, p, **kw)  # type: ignore[arg-type]


def squared_error(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """Per sample and per output, (n, k): rmse takes the root per output."""
    d = p - y
    return d * d


def brier(y: np.ndarray, p: np.ndarray, *, task: str, **_: object) -> np.ndarray:
    d = p - y
    if d.ndim == 1:
        return d * d
    out = np.sum(d * d, axis=1)
    return 0.5 * out if d.shape[1] < 3 else out


def top_k_correct(y: np.ndarray, p: np.ndarray, *, k: float, **_: object) -> np.ndarray:
    """1 where the true class is among the k highest scores (ties: scikit-learn's rule,
    a class ranks by stable descending sort)."""
    kk = min(int(k), p.shape[1])
    true = argmax_rows(y)
    # rank of the true class: how many classes score strictly higher, or equal with a
    # lower index (argsort's stable order).
    score_true = p[np.arange(p.shape[0]), true][:, None]
    idx = np.arange(p.shape[1])[None, :]
    ahead = (p > score_true) | ((p == score_true) & (idx < true[:, None]))
    return (ahead.sum(axis=1) < kk).astype(np.float64)
