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


def _sign(y: np.ndarray, pos_label: str = "1") -> np.ndarray:
    """Labels {0, 1} as {-1, +1}; ``pos_label`` 0 (or -1): the scores are for class 0."""
    return 2.0 * positive(y, pos_label) - 1.0


def positive(y: np.ndarray, pos_label: str = "1") -> np.ndarray:
    """The 0/1 targets of the class the predictions are for: ``pos_label`` 1 (class 1,
    +1, or the --pos-label value) keeps them, 0 or -1 (the other class) flips them."""
    return 1.0 - y if str(pos_label) in ("0", "-1") else y


def _per_sample(loss: np.ndarray) -> np.ndarray:
    """Multilabel (n, C): the mean over labels (Keras' mean over the last axis)."""
    return np.mean(loss, axis=1) if loss.ndim == 2 else loss


# ----------------------------------------------------------------------- regression


def _row_mean(a: np.ndarray) -> np.ndarray:
    """``np.mean(a, axis=1)`` of values that are never -0.0 (squares, absolute values):
    one column is itself (a sum of one value, divided by one: the same bits), without
    numpy's reduction over a length-1 axis and its division."""
    return a[:, 0] if a.shape[1] == 1 else np.mean(a, axis=1)


def mse(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = p - y
    return _row_mean(np.multiply(d, d, out=d))


def sse(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = p - y
    return 0.5 * np.sum(d * d, axis=1)


def mae(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = p - y
    return _row_mean(np.abs(d, out=d))


def huber(y: np.ndarray, p: np.ndarray, *, delta: float, **_: object) -> np.ndarray:
    a = np.abs(p - y)
    quad = np.minimum(a, delta)
    return np.mean(0.5 * quad * quad + delta * (a - quad), axis=1)


def log_cosh(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """log(cosh(x)) = x + softplus(-2x) - log 2, stable for any x (x = |ŷ - y|)."""
    x = np.abs(p - y)
    return np.mean(x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0), axis=1)


def mape(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """A fraction, |e| / max(|y|, machine eps), as scikit-learn (not a percentage)."""
    return np.mean(np.abs(p - y) / np.maximum(np.abs(y), np.finfo(np.float64).eps), axis=1)


def msle(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    d = np.log1p(p) - np.log1p(y)
    return np.mean(d * d, axis=1)


def poisson(y: np.ndarray, p: np.ndarray, *, eps: float, **_: object) -> np.ndarray:
    """Keras/PyTorch: ŷ − y·log(ŷ + eps) (PyTorch's PoissonNLLLoss(log_input=False) form)."""
    return np.mean(p - y * np.log(p + eps), axis=1)


def pinball(y: np.ndarray, p: np.ndarray, *, alpha: float, **_: object) -> np.ndarray:
    d = y - p
    return np.mean(np.maximum(alpha * d, (alpha - 1.0) * d), axis=1)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def tweedie_deviance(y: np.ndarray, p: np.ndarray, *, power: float, **_: object) -> np.ndarray:
    """scikit-learn's unit Tweedie deviance (power 0 normal, 1 Poisson, 2 gamma)."""
    if power == 0:
        dev = (y - p) ** 2
    elif power == 1:
        dev = 2.0 * (_xlogy(y, y / p) - y + p)
    elif power == 2:
        dev = 2.0 * (np.log(p / y) + y / p - 1.0)
    else:
        q = power
        dev = 2.0 * (
            np.power(np.maximum(y, 0.0), 2 - q) / ((1 - q) * (2 - q))
            - y * np.power(p, 1 - q) / (1 - q)
            + np.power(p, 2 - q) / (2 - q)
        )
    return np.mean(dev, axis=1)


def poisson_deviance(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    return tweedie_deviance(y, p, power=1.0)


def gamma_deviance(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    return tweedie_deviance(y, p, power=2.0)


# ----------------------------------------------------------------------- binary


def binary_cross_entropy(
    y: np.ndarray,
    p: np.ndarray,
    *,
    eps: float,
    from_logits: bool,
    label_smoothing: float,
    base: str,
    pos_weight: float = 1.0,
    reduction: str = "mean",
    **_: object,
) -> np.ndarray:
    """Works for binary (n,) and multilabel (n, C): per sample the mean over labels
    (``reduction=sum``: the sum).  ``pos_weight`` as PyTorch's BCEWithLogitsLoss."""
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # pw·y·softplus(−z) + (1 − y)·softplus(z); softplus(x) = max(x, 0) + log1p(e^−|x|):
        # no overflow and no cancellation for confident predictions either way.
        tail = np.log1p(np.exp(-np.abs(p)))
        loss = pos_weight * y * (np.maximum(-p, 0.0) + tail) + (1.0 - y) * (
            np.maximum(p, 0.0) + tail
        )
    else:
        q = np.clip(p, eps, 1.0 - eps)
        loss = -(pos_weight * y * np.log(q) + (1.0 - y) * np.log1p(-q))
    if loss.ndim == 2:
        loss = np.sum(loss, axis=1) if reduction == "sum" else np.mean(loss, axis=1)
    return _rebase(loss, base)


def focal(
    y: np.ndarray,
    p: np.ndarray,
    *,
    gamma: float,
    alpha: float | None,
    eps: float,
    from_logits: bool,
    **_: object,
) -> np.ndarray:
    """Binary focal loss (torchvision.ops.sigmoid_focal_loss): CE·(1 − p_t)^γ, optional α_t."""
    if from_logits:
        ce = np.maximum(p, 0.0) - p * y + np.log1p(np.exp(-np.abs(p)))
        with np.errstate(over="ignore"):
            prob = 1.0 / (1.0 + np.exp(-p))
    else:
        prob = np.clip(p, eps, 1.0 - eps)
        ce = -(y * np.log(prob) + (1.0 - y) * np.log1p(-prob))
    p_t = prob * y + (1.0 - prob) * (1.0 - y)
    loss = ce * (1.0 - p_t) ** gamma
    if alpha is not None:
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    if loss.ndim == 2:
        loss = np.mean(loss, axis=1)
    return loss


def squared_hinge(y: np.ndarray, p: np.ndarray, *, pos_label: str = "1", **_: object) -> np.ndarray:
    h = np.maximum(0.0, 1.0 - _sign(y, pos_label) * p)
    return _per_sample(h * h)


def hamming(
    y: np.ndarray, p: np.ndarray, *, threshold: float, scores: bool, **_: object
) -> np.ndarray:
    """Share of labels predicted wrong (scikit-learn's hamming_loss per sample)."""
    wrong = binary_decision(p, threshold=threshold, scores=scores) != (y > 0.5)
    return np.mean(wrong, axis=1).astype(np.float64)


def hinge(y: np.ndarray, p: np.ndarray, *, pos_label: str = "1", **_: object) -> np.ndarray:
    return _per_sample(np.maximum(0.0, 1.0 - _sign(y, pos_label) * p))


def logistic(
    y: np.ndarray, p: np.ndarray, *, base: str, pos_label: str = "1", **_: object
) -> np.ndarray:
    # log(1 + e^(-m)) computed as logaddexp(0, -m): exact for m = +-1000.
    return _rebase(np.logaddexp(0.0, -_sign(y, pos_label) * p), base)


def exponential(y: np.ndarray, p: np.ndarray, *, pos_label: str = "1", **_: object) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(-_sign(y, pos_label) * p)


def perceptron(y: np.ndarray, p: np.ndarray, *, pos_label: str = "1", **_: object) -> np.ndarray:
    return np.maximum(0.0, -_sign(y, pos_label) * p)


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
    labels: np.ndarray | None = None,
    ignore_index: int | None = None,
    **_: object,
) -> np.ndarray:
    """``labels`` (class indices, when the targets are hard labels) skip the (n, C)
    product: the loss is −log p at the label, the same number computed on n values.
    Rows of class ``ignore_index`` get 0 (and weight 0 in the mean: :func:`kept_rows`)."""
    if ignore_index is not None:
        keep = kept_rows(y, ignore_index=ignore_index, labels=labels)
        out = categorical_cross_entropy(
            y,
            p,
            eps=eps,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            base=base,
            labels=labels,
        )
        return np.where(keep, out, 0.0)
    if labels is not None and not label_smoothing:
        rows = np.arange(p.shape[0])
        if from_logits:
            picked = log_softmax(p)[rows, labels]
        else:
            flat = np.ascontiguousarray(p).ravel()
            picked = np.log(np.clip(flat[rows * p.shape[1] + labels], eps, 1.0))
        return _rebase(-picked, base)
    logp = class_log_probs(p, eps=eps, from_logits=from_logits)
    if label_smoothing:
        y = (1.0 - label_smoothing) * y + label_smoothing / y.shape[1]
    # 0 * log p is 0 even where p was clipped: only classes with target mass count.
    loss = -np.sum(np.where(y > 0, y * logp, 0.0), axis=1)
    return _rebase(loss, base)


def kept_rows(
    y: np.ndarray, *, ignore_index: int, labels: np.ndarray | None = None, **_: object
) -> np.ndarray:
    """The rows whose class is not ``ignore_index`` (PyTorch's CrossEntropyLoss): by the
    class indices, or the one-hot rows; soft targets take no ignore_index (as PyTorch)."""
    from losscli.errors import UsageError

    if ignore_index >= y.shape[1]:
        raise UsageError(
            f"ignore_index={ignore_index} is not a class index 0..{y.shape[1] - 1}",
            hint="the targets' class indices; rows of that class leave the loss's mean",
        )
    if labels is None:
        if not np.all((y == 0) | (y == 1)) or not np.all(y.sum(axis=1) == 1):
            raise UsageError(
                "ignore_index needs class-index (or one-hot) targets, not class "
                "probabilities (as PyTorch's CrossEntropyLoss)"
            )
        labels = argmax_rows(y)
    return np.asarray(labels != ignore_index)


def categorical_hinge(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """Keras: max(0, max_{c}((1 - t_c) p_c) - sum_c t_c p_c + 1)."""
    pos = np.sum(y * p, axis=1)
    neg = np.max((1.0 - y) * p, axis=1)
    return np.maximum(0.0, neg - pos + 1.0)


def multiclass_hinge(
    y: np.ndarray, p: np.ndarray, *, squared: bool = False, **_: object
) -> np.ndarray:
    """Crammer–Singer, as scikit-learn's hinge_loss: max(0, 1 − (ŷ_y − max_{c≠y} ŷ_c));
    ``squared``: its square (torchmetrics' MulticlassHingeLoss(squared=True))."""
    true = argmax_rows(y)
    rows = np.arange(p.shape[0])
    own = p[rows, true]
    others = p.copy()
    others[rows, true] = -np.inf
    h = np.maximum(0.0, 1.0 - (own - np.max(others, axis=1)))
    return h * h if squared else h


def categorical_focal(
    y: np.ndarray,
    p: np.ndarray,
    *,
    gamma: float,
    alpha: float | None,
    eps: float,
    from_logits: bool,
    label_smoothing: float = 0.0,
    **_: object,
) -> np.ndarray:
    """Keras' CategoricalFocalCrossentropy: −Σ_c α·t_c·(1 − p_c)^γ·log p_c; label
    smoothing t' = (1 − s)·t + s/C (Keras)."""
    logp = class_log_probs(p, eps=eps, from_logits=from_logits)
    prob = np.exp(logp)
    if label_smoothing:
        y = (1.0 - label_smoothing) * y + label_smoothing / y.shape[1]
    a = 1.0 if alpha is None else alpha
    return -np.sum(np.where(y > 0, a * y * (1.0 - prob) ** gamma * logp, 0.0), axis=1)


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
    return np.multiply(d, d, out=d)


def squared_log_error(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """Per sample and per output, (n, k): rmsle takes the root per output."""
    d = np.log1p(p) - np.log1p(y)
    return d * d


def brier(
    y: np.ndarray,
    p: np.ndarray,
    *,
    task: str,
    pos_label: str = "1",
    scale_by_half: str = "auto",
    **_: object,
) -> np.ndarray:
    """Σ_c (p_c − t_c)² over every class (binary: both, 2·(p − y)²), halved as
    scikit-learn's ``scale_by_half``: auto halves for two classes, true / false always /
    never.  ``pos_label`` 0: the binary probabilities are of class 0."""
    if y.ndim == 1:
        d = p - positive(y, pos_label)
        out, classes = 2.0 * d * d, 2
    else:
        if str(pos_label) in ("0", "-1"):
            from losscli.errors import UsageError

            raise UsageError("parameter pos_label applies to binary targets only")
        d = p - y
        out, classes = np.sum(d * d, axis=1), d.shape[1]
    half = classes < 3 if scale_by_half == "auto" else scale_by_half == "true"
    return 0.5 * out if half else out


# ----------------------------------------------------------------------- overlap (Keras)


def cosine_similarity(y: np.ndarray, p: np.ndarray, **_: object) -> np.ndarray:
    """Keras' CosineSimilarity loss: −cos(y, ŷ) over the outputs of a sample, each vector
    divided by max(‖v‖, 1e-7) (Keras' epsilon: a zero vector gives 0)."""
    ny = np.maximum(np.sqrt(np.sum(y * y, axis=1)), 1e-7)
    npred = np.maximum(np.sqrt(np.sum(p * p, axis=1)), 1e-7)
    return -np.sum(y * p, axis=1) / (ny * npred)


def tversky(
    y: np.ndarray, p: np.ndarray, *, alpha: float, beta: float, eps: float, **_: object
) -> np.ndarray:
    """Keras 3's Tversky loss per sample over its outputs: 1 − TP / (TP + α·FP + β·FN +
    eps), TP = Σ y·ŷ, FP = Σ (1 − y)·ŷ, FN = Σ y·(1 − ŷ)."""
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    tp = np.sum(y * p, axis=1)
    fp = np.sum((1.0 - y) * p, axis=1)
    fn = np.sum(y * (1.0 - p), axis=1)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + eps)


def dice(y: np.ndarray, p: np.ndarray, *, eps: float, **_: object) -> np.ndarray:
    """Keras 3's Dice loss per sample over its outputs: 1 − 2·Σ y·ŷ / (Σ y + Σ ŷ + eps)."""
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    return 1.0 - 2.0 * np.sum(y * p, axis=1) / (np.sum(y, axis=1) + np.sum(p, axis=1) + eps)


def top_k_correct(y: np.ndarray, p: np.ndarray, *, k: float, **_: object) -> np.ndarray:
    """1 where the true class is among the k highest scores.  Ties as scikit-learn: its
    reversed stable ascending argsort puts the higher class index first."""
    kk = min(int(k), p.shape[1])
    true = argmax_rows(y)
    # rank of the true class: how many classes score strictly higher, or equal with a
    # higher index.
    score_true = p[np.arange(p.shape[0]), true][:, None]
    idx = np.arange(p.shape[1])[None, :]
    ahead = (p > score_true) | ((p == score_true) & (idx > true[:, None]))
    return (ahead.sum(axis=1) < kk).astype(np.float64)


# ----------------------------------------------------------------------- input domains
# Each returns (role, bad-mask, requirement) triples; the caller reports the first bad cell.

Domain = list[tuple[str, np.ndarray, str]]


def domain_msle(y: np.ndarray, p: np.ndarray, **_: object) -> Domain:
    return [("target", y <= -1, "greater than -1"), ("prediction", p <= -1, "greater than -1")]


def domain_poisson(y: np.ndarray, p: np.ndarray, **_: object) -> Domain:
    return [("target", y < 0, "non-negative"), ("prediction", p < 0, "non-negative")]


def domain_tweedie(y: np.ndarray, p: np.ndarray, *, power: float = 0.0, **_: object) -> Domain:
    if power == 0:
        return []
    if power < 0:
        return [("prediction", p <= 0, "positive")]
    if power < 2:
        return [("target", y < 0, "non-negative"), ("prediction", p <= 0, "positive")]
    return [("target", y <= 0, "positive"), ("prediction", p <= 0, "positive")]


def domain_poisson_deviance(y: np.ndarray, p: np.ndarray, **_: object) -> Domain:
    return domain_tweedie(y, p, power=1.0)


def domain_gamma_deviance(y: np.ndarray, p: np.ndarray, **_: object) -> Domain:
    return domain_tweedie(y, p, power=2.0)


# ----------------------------------------------------------------------- clipping counts


def _positive_rows(n: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Rows that count (a positive weight), as a column to broadcast over classes."""
    keep = np.ones(n.shape[0], dtype=bool) if weights is None else weights > 0
    return keep.reshape(-1, *([1] * (n.ndim - 1)))


def clipped_both(
    y: np.ndarray, p: np.ndarray, *, eps: float, weights: np.ndarray | None = None, **_: object
) -> int:
    """How many probabilities a binary loss clipped to [eps, 1 − eps] (every one enters
    the loss), in rows of positive weight."""
    out = (p < eps) | (p > 1.0 - eps)
    return int(np.count_nonzero(out & _positive_rows(p, weights)))


def clipped_low(
    y: np.ndarray,
    p: np.ndarray,
    *,
    eps: float,
    weights: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    label_smoothing: float = 0.0,
    **_: object,
) -> int:
    """How many probabilities a categorical loss clipped up to eps where the loss uses
    them (the classes with target mass), in rows of positive weight."""
    if labels is not None and not label_smoothing:
        picked = p[np.arange(p.shape[0]), labels]
        return int(np.count_nonzero((picked < eps) & _positive_rows(picked, weights)))
    used = (y > 0) | (label_smoothing > 0)
    return int(np.count_nonzero((p < eps) & used & _positive_rows(p, weights)))
