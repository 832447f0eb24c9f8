"""Curves over the distinct predicted values, in one sort: average precision (a metric) and
the counts the threshold sweep (``losscli thresholds``) is made of.

:func:`binary_curve` sorts the scores once (descending, stable) and gives, for every
distinct score t (highest first), the weighted true and false positives of the rule
"positive when score >= t", as scikit-learn's ``_binary_clf_curve`` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.scoring.auc import class_sorted
from losscli.scoring.metrics import Ctx, SampleState


def binary_curve(
    y: np.ndarray, score: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, tps, fps): the distinct scores, highest first, and the weighted counts
    of positives and negatives at or above each."""
    thr, tps, fps = curve_ascending(y, score, w)
    return thr[::-1], tps[::-1], fps[::-1]


def curve_ascending(
    y: np.ndarray, score: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`binary_curve`, lowest score first: one sort (ties need no order, every
    count is taken at the start of a run of equal scores)."""
    pos = np.asarray(y).reshape(-1) > 0.5
    s = np.asarray(score, dtype=np.float64).reshape(-1)
    if _equal(w):
        thr, tp, fp = _rank_curve(pos, s)
        scale = 1.0 if w is None else float(w[0])
        return thr, tp * scale, fp * scale
    assert w is not None
    srt = sort_scores(pos, s)
    tps, fps = weighted_counts(srt, w)
    return srt.thr, tps, fps


def _equal(w: np.ndarray | None) -> bool:
    """No weights, or every weight the same positive number: the plain-sort paths."""
    return w is None or bool(w.size and w[0] > 0 and np.all(w == w[0]))


@dataclass(frozen=True)
class Sorted:
    """Scores sorted once (ascending): the permutation, the targets in its order, where
    each run of equal scores starts, and the distinct scores (the thresholds)."""

    order: np.ndarray
    pos: np.ndarray
    starts: np.ndarray
    thr: np.ndarray


def sort_scores(y: np.ndarray, score: np.ndarray) -> Sorted:
    pos = np.asarray(y).reshape(-1) > 0.5
    s = np.asarray(score, dtype=np.float64).reshape(-1)
    order = np.argsort(s)
    s = s[order]
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1] if s.size else np.zeros(0, np.intp)
    return Sorted(order, pos[order], starts, s[starts])


def weighted_counts(srt: Sorted, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tps, fps) at or above each of ``srt``'s thresholds, lowest first, under weights
    ``w`` (in the input's order): the weights gathered into the sorted order and summed."""
    ww = np.asarray(w, dtype=np.float64)[srt.order]
    wp = np.where(srt.pos, ww, 0.0)
    cum_p = np.r_[0.0, np.cumsum(wp)]
    cum_n = np.r_[0.0, np.cumsum(ww - wp)]
    return cum_p[-1] - cum_p[srt.starts], cum_n[-1] - cum_n[srt.starts]


def _rank_curve(pos: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal weights: the curve from plain sorts, no permutation: every score sorted (the
    distinct thresholds), and the positives' scores; the counts at or above each threshold
    from where it falls among the sorted positives, in integers (as float64)."""
    sp = np.sort(s[pos])
    every = np.sort(s)
    if not every.size:
        return every, np.zeros(0), np.zeros(0)
    starts = np.flatnonzero(np.r_[True, every[1:] != every[:-1]])
    thr = every[starts]
    tp = sp.size - np.searchsorted(sp, thr, "left")
    fp = (every.size - starts) - tp
    return thr, tp.astype(np.float64), fp.astype(np.float64)


def average_precision(
    y: np.ndarray,
    score: np.ndarray,
    w: np.ndarray | None = None,
    chunks: Sequence[np.ndarray] | None = None,
) -> float:
    """scikit-learn's step-wise AP: Σ (R_n − R_{n−1})·P_n over the distinct thresholds,
    highest first; NaN when there is no positive weight (reported as 0.0 by the state).
    Equal weights (``w`` None or constant) take :func:`_rank_ap`'s two plain sorts (shared
    with roc_auc through ``chunks``, see :func:`losscli.scoring.auc.class_sorted`)."""
    if _equal(w):
        pos = np.asarray(y).reshape(-1) > 0.5
        return _rank_ap(pos, np.asarray(score).reshape(-1), chunks)
    assert w is not None
    return _curve_ap(y, score, w)


def _curve_ap(
    y: np.ndarray, score: np.ndarray, w: np.ndarray | None, srt: Sorted | None = None
) -> float:
    """Any weights (None: unit weights): one argsort (or ``srt``, the scores sorted before)
    and the weights gathered into its order."""
    if w is None:
        w = np.ones(np.asarray(score).reshape(-1).shape[0])
    tps, fps = weighted_counts(srt or sort_scores(y, score), w)
    tps, fps = tps[::-1], fps[::-1]  # highest threshold first
    if not tps.size or tps[-1] <= 0:
        return math.nan
    predicted = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, predicted, out=precision, where=predicted != 0)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _rank_ap(
    pos: np.ndarray, score: np.ndarray, chunks: Sequence[np.ndarray] | None = None
) -> float:
    """Equal weights: AP from a sort of each class's scores (no permutation, no gather).
    Only the thresholds at a positive score move the recall; at the run of ``c`` positives
    scoring t, tp = the positives >= t (from the run's start in the sorted positives) and
    fp = the negatives >= t (a binary search in the sorted negatives), in integers; the
    recall steps are taken as scikit-learn takes them, tp/P − (tp − c)/P."""
    sp, sn = class_sorted(pos, score, chunks)
    npos = sp.size
    if npos == 0:
        return math.nan
    starts = np.flatnonzero(np.r_[True, sp[1:] != sp[:-1]])
    tp = npos - starts  # positives at or above each distinct positive score
    fp = sn.size - np.searchsorted(sn, sp[starts], "left")
    count = np.diff(np.r_[starts, npos])
    step = tp / npos - (tp - count) / npos
    return float(np.sum(step * (tp / (tp + fp))))


@dataclass
class PrecisionState(SampleState):
    """``average_precision``: keeps the scores as :class:`SampleState` does (so groups and
    the bootstrap resample it the same way); binary, or macro one-vs-rest."""

    # the scores sorted once (a column each), shared with the bootstrap's copies of this
    # state (``dataclasses.replace`` passes the dict on): a replicate only reweighs them
    sorted_scores: dict[Any, list[Sorted]] = field(default_factory=dict, repr=False, compare=False)

    def _column(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, k: int) -> float:
        yk, pk = (y, p) if k < 0 else (y[:, k], p[:, k])
        if _equal(w):  # binary: the sort shared with roc_auc of the same chunks
            return average_precision(yk, pk, w, self.ps if k < 0 else None)
        assert w is not None
        key = (id(self.ps), len(self.ps), y.shape[0])  # the samples kept: grow, never change
        found = self.sorted_scores.get(key)
        if found is None:
            self.sorted_scores.clear()
            found = self.sorted_scores[key] = []
        while len(found) <= max(k, 0):
            j = len(found)
            found.append(sort_scores(*((y, p) if k < 0 else (y[:, j], p[:, j]))))
        return _curve_ap(yk, pk, w, found[max(k, 0)])

    def _explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.ws:
            return math.nan, "is undefined: no samples"
        # unit weights (every chunk a count) need no array of ones: the plain-sort path
        w = None if all(isinstance(x, int) for x in self.ws) else self._weights()
        y = np.concatenate(self.ys)
        p = np.concatenate(self.ps)
        if ctx.task == "binary" or y.ndim == 1 or y.shape[1] == 1:
            value = self._column(y.reshape(-1), p.reshape(-1), w, -1)
            if math.isnan(value):
                return 0.0, "is undefined: no positive targets"
            return value, None
        per = [self._column(y, p, w, k) for k in range(y.shape[1])]
        bad = [k for k, v in enumerate(per) if math.isnan(v)]
        value = float(np.mean([0.0 if math.isnan(v) else v for v in per]))
        if not bad:
            return value, None
        what = "labels" if ctx.task == "multilabel" else "classes"
        listed = ", ".join(str(k) for k in bad[:10]) + (" ..." if len(bad) > 10 else "")
        if len(bad) == len(per):
            return value, f"is undefined: no positive targets in any of the {what}"
        return value, (
            f"is undefined for {len(bad)} of {len(per)} {what} ({listed}, 0-based: no "
            "positive targets); they count as 0, as scikit-learn does"
        )
