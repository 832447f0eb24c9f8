"""ROC AUC from every score: binary (exact with ties, weighted), McClish's standardised
partial AUC (``max_fpr``), one-vs-rest averages (``average`` = macro, weighted, micro,
samples) and Hand & Till's one-vs-one (``multi_class=ovo``), as scikit-learn's
``roc_auc_score`` computes them.

Pure functions of the kept samples (:class:`losscli.scoring.metrics.SampleState`): the
weights apply at the end, so the figures do not depend on the chunking.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from losscli import phases


def roc_points(
    y: np.ndarray, score: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(fpr, tpr) from (0, 0) over the distinct scores, highest first; None with one class."""
    pos = y > 0.5
    if not np.any(w[pos] > 0) or not np.any(w[~pos] > 0):
        return None  # undefined with one class only
    order = np.argsort(-score, kind="mergesort")
    s, t, ww = score[order], pos[order], w[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]
    tps = np.r_[0.0, np.cumsum(ww * t)[distinct]]
    fps = np.r_[0.0, np.cumsum(ww * ~t)[distinct]]
    return fps / fps[-1], tps / tps[-1]


# each class's scores sorted, by the kept chunks they came from (their ids), while these
# live: binary roc_auc and average_precision of the same samples sort once between them
_CLASS_SORTED: dict[tuple[int, ...], tuple[bytes, np.ndarray, np.ndarray]] = {}


def class_sorted(
    pos: np.ndarray, score: np.ndarray, chunks: Sequence[np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(the positives' scores, the negatives' scores), each sorted.  ``chunks``: the kept
    score arrays ``score`` concatenates (every metric state keeps the same chunk objects
    of the same input); the result is kept until one of them is freed, so the next figure
    of those samples reuses it."""
    key = tuple(id(c) for c in chunks) if chunks else None
    digest = b""
    if key is not None:  # the same scores; and the same classes, to the bit
        import hashlib  # here: its OpenSSL start-up is not every run's

        digest = hashlib.blake2b(np.packbits(pos).tobytes(), digest_size=16).digest()
        found = _CLASS_SORTED.get(key)
        if found is not None and found[0] == digest:
            return found[1], found[2]
    sp, sn = np.sort(score[pos]), np.sort(score[~pos])
    if key is not None and chunks:
        _CLASS_SORTED[key] = (digest, sp, sn)
        for c in chunks:  # ids are reused once an array is freed: forget them then
            weakref.finalize(c, _CLASS_SORTED.pop, key, None)
    return sp, sn


def forget_sorted(chunks: Sequence[np.ndarray] | None) -> None:
    """Drop what :func:`class_sorted` kept for ``chunks`` (once every figure is computed:
    a report that keeps its accumulator does not keep the sorted copies too)."""
    if chunks:
        _CLASS_SORTED.pop(tuple(id(c) for c in chunks), None)


def roc_auc(
    y: np.ndarray,
    score: np.ndarray,
    w: np.ndarray,
    max_fpr: float | None = None,
    chunks: Sequence[np.ndarray] | None = None,
) -> float:
    """Exact weighted ROC AUC with ties (trapezoids over distinct thresholds); with
    ``max_fpr`` < 1 the area up to it, standardised (McClish 1989): 0.5 for a random
    ranking, 1 for a perfect one (scikit-learn's).  ``chunks``: see :func:`class_sorted`."""
    phases.phase("sorting for roc_auc")
    if (max_fpr is None or max_fpr >= 1) and w.size and w[0] > 0 and np.all(w == w[0]):
        return _rank_auc(y > 0.5, score, chunks)
    points = roc_points(y, score, w)
    if points is None:
        return math.nan
    fpr, tpr = points
    if max_fpr is None or max_fpr >= 1:
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
    stop = int(np.searchsorted(fpr, max_fpr, "right"))
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
    min_area = 0.5 * max_fpr**2
    return 0.5 * (1 + (partial - min_area) / (max_fpr - min_area))


def _rank_auc(
    pos: np.ndarray, score: np.ndarray, chunks: Sequence[np.ndarray] | None = None
) -> float:
    """Equal weights: the Mann-Whitney statistic, from a sort of each class's scores (no
    permutation): the share of (positive, negative) pairs ranked right, ties counting half."""
    sp, sn = class_sorted(pos, score, chunks)
    if sp.size == 0 or sn.size == 0:
        return math.nan  # undefined with one class only
    below = np.searchsorted(sn, sp, "left")
    upto = np.searchsorted(sn, sp, "right")
    # twice the statistic, in integers: exact whatever the number of samples
    twice = 2 * int(below.sum(dtype=np.int64)) + int((upto - below).sum(dtype=np.int64))
    return twice / (2.0 * sp.size * sn.size)


def _listed(bad: list[int]) -> str:
    return ", ".join(str(k) for k in bad[:10]) + (" ..." if len(bad) > 10 else "")


def figure(
    task: str,
    y: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    params: dict[str, Any],
    chunks: Sequence[np.ndarray] | None = None,
) -> tuple[float, str | None]:
    """(value, reason): the ROC AUC of the kept samples under ``params`` (``average``,
    ``multi_class``, ``max_fpr``); ``chunks``: the kept arrays ``p`` concatenates."""
    max_fpr = params.get("max_fpr")
    average = params.get("average", "macro")
    if task == "binary" or y.ndim == 1:
        one = chunks if p.ndim == 1 or p.shape[1] == 1 else None
        value = roc_auc(y.reshape(-1), p.reshape(-1), w, max_fpr, one)
        return value, _one_class(value)
    if task == "multiclass" and params.get("multi_class", "ovr") == "ovo":
        return ovo(y, p, w, average)
    if average == "micro":
        k = y.shape[1]
        value = roc_auc(y.ravel(), p.ravel(), np.repeat(w, k), max_fpr)
        return value, _one_class(value)
    if average == "samples":
        return _samples(y, p, w, max_fpr)
    per = np.array([roc_auc(y[:, k], p[:, k], w, max_fpr) for k in range(y.shape[1])])
    what = "label" if task == "multilabel" else "class"
    if average == "weighted":  # by the weighted count of positives, as scikit-learn
        support = np.array([np.sum(w[y[:, k] > 0.5]) for k in range(y.shape[1])])
        if not support.sum() > 0:
            return 0.0, f"is undefined: no positive targets in any {what}; reported as 0.0"
        per = np.where(support > 0, per, 0.0)
        bad = [k for k in range(per.size) if math.isnan(per[k])]
        value = float(np.sum(per * support) / support.sum())
    else:
        bad = [k for k in range(per.size) if math.isnan(per[k])]
        value = float(np.mean(per))
    if not bad:
        return value, None
    which = f"{what} {_listed(bad)} has" if len(bad) == 1 else f"{what}es {_listed(bad)} have"
    if what == "label" and len(bad) > 1:
        which = f"labels {_listed(bad)} have"
    return value, (
        f"is undefined: one-vs-rest needs targets in and out of every {what}, and "
        f"{which} only one kind (0-based)"
    )


def _one_class(value: float) -> str | None:
    if math.isnan(value):
        return "is undefined: only one class present in the targets"
    return None


def _samples(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, max_fpr: float | None
) -> tuple[float, str | None]:
    """``average=samples`` (multilabel): per sample the AUC of its labels' scores against
    its labels (unweighted), averaged with the sample weights (scikit-learn's)."""
    n, k = y.shape
    per = np.empty(n)
    if max_fpr is not None and max_fpr < 1:
        ones = np.ones(k)
        for i in range(n):
            per[i] = roc_auc(y[i], p[i], ones, max_fpr)
    else:  # vectorised by blocks: pairs (positive label, negative label) of each row
        step = max(1, 2_000_000 // max(1, k * k))
        for a in range(0, n, step):
            t = y[a : a + step] > 0.5
            s = p[a : a + step]
            both = t[:, :, None] & ~t[:, None, :]
            gt = np.sum(both & (s[:, :, None] > s[:, None, :]), axis=(1, 2))
            eq = np.sum(both & (s[:, :, None] == s[:, None, :]), axis=(1, 2))
            npos = t.sum(axis=1)
            pairs = npos * (k - npos)
            with np.errstate(all="ignore"):
                per[a : a + step] = np.where(pairs > 0, (gt + 0.5 * eq) / pairs, np.nan)
    per = np.where(w > 0, per, 0.0)
    bad = int(np.isnan(per).sum())
    value = float(np.sum(per * w) / np.sum(w))
    if bad:
        return value, (
            f"is undefined: average=samples needs every sample to have positive and "
            f"negative labels, and {bad} of {n} samples have only one kind"
        )
    return value, None


def ovo(y: np.ndarray, p: np.ndarray, w: np.ndarray, average: str) -> tuple[float, str | None]:
    """Hand & Till (2001): the mean over pairs of classes (a, b) present in the targets of
    (AUC(a | a, b) + AUC(b | a, b)) / 2, each on the samples of a or b; weighted: by the
    pair's weighted share of the samples (scikit-learn's prevalence)."""
    t = np.argmax(y, axis=1)
    weight = np.bincount(t, weights=w, minlength=y.shape[1])
    present = [int(c) for c in np.flatnonzero(weight > 0)]
    if len(present) < 2:
        return math.nan, "is undefined: only one class present in the targets"
    scores, prevalence = [], []
    for a, b in combinations(present, 2):
        mask = (t == a) | (t == b)
        ta, wa = t[mask], w[mask]
        auc_a = roc_auc((ta == a).astype(np.float64), p[mask, a], wa)
        auc_b = roc_auc((ta == b).astype(np.float64), p[mask, b], wa)
        scores.append((auc_a + auc_b) / 2)
        prevalence.append(float(np.sum(wa)))
    s = np.asarray(scores)
    if average == "weighted":
        pw = np.asarray(prevalence)
        return float(np.sum(s * pw) / pw.sum()), None
    return float(np.mean(s)), None
