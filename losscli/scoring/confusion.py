"""The figures of a confusion matrix: precision, recall, F-beta, Jaccard (set-wise, averaged
as scikit-learn averages them), balanced accuracy, MCC, Cohen's kappa and the class
likelihood ratios; and the per-sample set-wise figures behind ``average=samples``.

Pure functions of counts (weighted or not): :class:`losscli.scoring.metrics.ConfusionState`
keeps the counts and calls :func:`confusion_explain` at the end, and so do the bootstrap
replicates (:mod:`losscli.scoring.linear`).  Every figure follows scikit-learn's code for
its averages and its ``zero_division`` (``warn`` is 0 with a warning, ``0``, ``1`` or
``nan``; NaN entries are left out of an average, as its ``_nanaverage`` does).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.errors import UsageError

SETWISE = ("precision", "recall", "f1", "fbeta", "jaccard")
_WHY = {
    "precision": ("no positive predictions", "no predictions of them"),
    "recall": ("no positive targets", "no targets of them"),
    "f1": ("no positive targets or predictions", "no targets or predictions of them"),
    "jaccard": ("no positive targets or predictions", "no targets or predictions of them"),
}
_WHY["fbeta"] = _WHY["f1"]


def zero_value(zero_division: Any) -> float:
    """The value of an undefined ratio: ``warn`` and ``0`` give 0.0, ``1`` 1.0, ``nan`` NaN."""
    text = str(zero_division)
    return {"warn": 0.0, "0": 0.0, "1": 1.0, "nan": math.nan}.get(text, 0.0)


def setwise_values(
    kind: str, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, params: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Per label (or per sample) the figure and where it is undefined (a zero denominator)."""
    tp, fp, fn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn))
    if kind == "precision":
        num, den = tp, tp + fp
    elif kind == "recall":
        num, den = tp, tp + fn
    elif kind == "jaccard":
        num, den = tp, tp + fp + fn
    else:  # f1, fbeta: (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP)
        b2 = 1.0 if kind == "f1" else float(params.get("beta", 1.0)) ** 2
        num, den = (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp
    undefined = den == 0
    out = np.full(num.shape, zero_value(params.get("zero_division", "warn")))
    np.divide(num, den, out=out, where=~undefined)
    return out, undefined


def nan_average(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """scikit-learn's ``_nanaverage``: NaN entries left out; zero weights throughout: the
    plain mean; nothing left: NaN."""
    keep = ~np.isnan(values)
    if not keep.any():
        return math.nan
    if weights is not None:
        w = weights[keep]
        if w.sum() > 0:
            return float(np.sum(values[keep] * w) / w.sum())
    return float(np.mean(values[keep]))


def label_subset(params: dict[str, Any], c: int) -> np.ndarray | None:
    """The 0-based classes (labels) of ``--param labels``, checked against the C columns."""
    labels = params.get("labels")
    if labels is None:
        return None
    idx = np.asarray(labels, dtype=np.intp)
    if idx.size and int(idx.max()) >= c:
        raise UsageError(
            f"--param labels={','.join(str(int(v)) for v in idx)} names class {int(idx.max())}, "
            f"but there are {c} classes (0-based: 0 to {c - 1})",
            hint="labels are 0-based class indices, the order of the prediction columns",
        )
    return idx


def samplewise(
    kind: str, t: np.ndarray, q: np.ndarray, params: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """``average=samples`` (multilabel): per sample the figure over its labels (0/1 arrays
    (n, L)), and where it is undefined."""
    sub = label_subset(params, t.shape[1])
    if sub is not None:
        t, q = t[:, sub], q[:, sub]
    t, q = t.astype(bool), q.astype(bool)
    tp = np.count_nonzero(t & q, axis=1)
    fp = np.count_nonzero(~t & q, axis=1)
    fn = np.count_nonzero(t & ~q, axis=1)
    return setwise_values(kind, tp, fp, fn, params)


def confusion_metric(kind: str, m: np.ndarray, ctx: Any, seen: np.ndarray | None = None) -> float:
    return confusion_explain(kind, m, ctx, seen)[0]


def confusion_explain(
    kind: str, m: np.ndarray, ctx: Any, seen: np.ndarray | None = None
) -> tuple[float, str | None]:
    """A metric of a confusion matrix (C x C, or per label (L, 2, 2) for multilabel), and
    why it is undefined (see :meth:`losscli.scoring.metrics.State.explain`).  ``ctx``:
    ``task`` and ``params``.  ``seen``: the classes that occur in targets or predictions
    (whatever their weights); without it, those of positive weight."""
    if kind in ("mcc", "cohen_kappa", "positive_likelihood_ratio", "negative_likelihood_ratio"):
        if m.ndim == 3:
            raise ValueError(f"{kind} is not defined for multilabel")
        if kind == "mcc":
            return _mcc(m)
        if kind == "cohen_kappa":
            present = (m.sum(axis=1) > 0) | (m.sum(axis=0) > 0) if seen is None else seen
            return cohen_kappa(m[np.ix_(present, present)], ctx.params.get("weights"))
        return likelihood_ratio(kind, m)
    what = "labels" if m.ndim == 3 else "classes"
    if m.ndim == 3:  # multilabel: per label (tn fp / fn tp)
        tp, fp, fn = m[:, 1, 1], m[:, 0, 1], m[:, 1, 0]
        present = np.ones(tp.shape[0], dtype=bool)
    else:
        tp = np.diag(m)
        fp = m.sum(axis=0) - tp
        fn = m.sum(axis=1) - tp
        present = (m.sum(axis=1) > 0) | (m.sum(axis=0) > 0) if seen is None else seen
    support = tp + fn
    if kind == "balanced_accuracy":
        return _balanced_accuracy(tp, support, bool(ctx.params.get("adjusted", False)))
    params = ctx.params
    average = params.get("average", "auto")
    if average == "auto":
        average = "binary" if ctx.task == "binary" else "macro"
    if average == "binary":
        if m.ndim != 2 or m.shape[0] != 2:
            raise ValueError("average=binary needs a binary task")
        tp, fp, fn, support, present = tp[1:], fp[1:], fn[1:], support[1:], present[1:] | True
    else:
        sub = label_subset(params, tp.shape[0])
        if sub is not None:  # exactly these classes, present or not (scikit-learn's labels)
            tp, fp, fn, support = tp[sub], fp[sub], fn[sub], support[sub]
            present = np.ones(sub.size, dtype=bool)
    if average == "micro":
        tp, fp, fn = np.array([tp.sum()]), np.array([fp.sum()]), np.array([fn.sum()])
        support = np.array([support.sum()])
        present = np.array([True])
    values, undefined = setwise_values(kind, tp, fp, fn, params)
    values, undefined, support = values[present], undefined[present], support[present]
    value = nan_average(values, support if average == "weighted" else None)
    zd = str(params.get("zero_division", "warn"))
    why, per = _WHY[kind]
    counted = undefined if average != "weighted" else undefined & (support > 0)
    if not values.size:
        return zero_value(zd), f"is undefined: {why}"
    if average == "weighted" and not support.sum() and zd == "warn":
        return value, "is undefined: no positive targets"
    if not counted.any() or zd in ("0", "1"):  # asked for: no warning
        return value, None
    if average in ("binary", "micro") or undefined.all():
        return value, f"is undefined: {why}"
    n = int(present.sum()) if average != "weighted" else int((support > 0).sum())
    as_ = (
        "they count as 0, as scikit-learn does (zero_division=0)"
        if zd == "warn"
        else "they are left out of the average (zero_division=nan)"
    )
    return value, f"is undefined for {int(counted.sum())} of {n} {what} ({per}); {as_}"


def _balanced_accuracy(
    tp: np.ndarray, support: np.ndarray, adjusted: bool
) -> tuple[float, str | None]:
    """Mean recall over the classes with targets; ``adjusted``: (score − 1/C) / (1 − 1/C)
    with C those classes (scikit-learn's adjusted=True: chance is 0, perfect is 1)."""
    if not np.any(support > 0):
        return math.nan, "is undefined: no samples with a positive weight"
    recall = tp[support > 0] / support[support > 0]
    score = float(np.mean(recall))
    if not adjusted:
        return score, None
    c = int(recall.size)
    if c == 1:
        return math.nan, "is undefined: adjusted=true needs two classes in the targets"
    chance = 1.0 / c
    return (score - chance) / (1.0 - chance), None


def _mcc(m: np.ndarray) -> tuple[float, str | None]:
    t = m.sum(axis=1)
    pk = m.sum(axis=0)
    c = np.trace(m)
    s = m.sum()
    cov_ytyp = c * s - t @ pk
    cov_ypyp = s * s - pk @ pk
    cov_ytyt = s * s - t @ t
    # one class only on either side: scikit-learn's 0.0 (guard rounding to ±tiny)
    tiny = 1e-12 * s * s
    if cov_ytyt <= tiny:
        return 0.0, "is undefined: only one class present in the targets"
    if cov_ypyp <= tiny:
        return 0.0, "is undefined: every prediction is the same class"
    return float(cov_ytyp / math.sqrt(cov_ytyt * cov_ypyp)), None


def cohen_kappa(m: np.ndarray, weights: str | None) -> tuple[float, str | None]:
    """scikit-learn's cohen_kappa_score of the confusion matrix of the classes that occur
    (so linear and quadratic distances count the classes that occur, as it does)."""
    n = m.shape[0]
    total = m.sum()
    if total == 0:
        return math.nan, "is undefined: no samples with a positive weight"
    expected = np.outer(m.sum(axis=1), m.sum(axis=0)) / total
    if weights in (None, "none"):
        w = np.ones((n, n)) - np.eye(n)
    else:
        d = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]).astype(np.float64)
        w = d if weights == "linear" else d * d
    den = float(np.sum(w * expected))
    if den == 0:
        return math.nan, "is undefined: the targets and predictions hold one class only"
    return float(1.0 - np.sum(w * m) / den), None


def likelihood_ratio(kind: str, m: np.ndarray) -> tuple[float, str | None]:
    """LR+ = TPR / FPR, LR− = FNR / TNR (scikit-learn's class_likelihood_ratios); NaN
    (its default replace_undefined_by) when a denominator is 0."""
    tn, fp, fn, tp = (float(v) for v in m.ravel())
    pos, neg = tp + fn, tn + fp
    if pos == 0:
        return math.nan, "is undefined: no positive targets"
    if kind == "positive_likelihood_ratio":
        if fp == 0:
            return math.nan, "is undefined: no false positives (FPR = 0, LR+ = TPR / 0)"
        return tp * neg / (fp * pos), None
    if tn == 0:
        return math.nan, "is undefined: no true negatives (TNR = 0, LR− = FNR / 0)"
    return fn * neg / (tn * pos), None
