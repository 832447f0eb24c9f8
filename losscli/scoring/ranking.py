"""Curves over the distinct predicted values, in one sort: average precision (a metric) and
the counts the threshold sweep (``losscli thresholds``) is made of.

:func:`binary_curve` sorts the scores once (descending, stable) and gives, for every
distinct score t (highest first), the weighted true and false positives of the rule
"positive when score >= t", as scikit-learn's ``_binary_clf_curve`` counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
    order = np.argsort(s)
    s = s[order]
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1] if s.size else np.zeros(0, np.intp)
    if w is None:
        cum = np.r_[0.0, np.cumsum(pos[order], dtype=np.float64)]  # positives below
        tps = cum[-1] - cum[starts]
        fps = (s.size - starts) - tps
    else:
        ww = np.asarray(w, dtype=np.float64)[order]
        wp = np.where(pos[order], ww, 0.0)
        cum_p = np.r_[0.0, np.cumsum(wp)]
        cum_n = np.r_[0.0, np.cumsum(ww - wp)]
        tps = cum_p[-1] - cum_p[starts]
        fps = cum_n[-1] - cum_n[starts]
    return s[starts], tps, fps


def average_precision(y: np.ndarray, score: np.ndarray, w: np.ndarray | None = None) -> float:
    """scikit-learn's step-wise AP: Σ (R_n − R_{n−1})·P_n over the distinct thresholds,
    highest first; NaN when there is no positive weight (reported as 0.0 by the state)."""
    _, tps, fps = binary_curve(y, score, w)
    if not tps.size or tps[-1] <= 0:
        return math.nan
    predicted = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, predicted, out=precision, where=predicted != 0)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


@dataclass
class PrecisionState(SampleState):
    """``average_precision``: keeps the scores as :class:`SampleState` does (so groups and
    the bootstrap resample it the same way); binary, or macro one-vs-rest."""

    def _explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.ws:
            return math.nan, "is undefined: no samples"
        w = self._weights()
        y = np.concatenate(self.ys)
        p = np.concatenate(self.ps)
        if ctx.task == "binary" or y.ndim == 1 or y.shape[1] == 1:
            value = average_precision(y, p, w)
            if math.isnan(value):
                return 0.0, "is undefined: no positive targets"
            return value, None
        per = [average_precision(y[:, k], p[:, k], w) for k in range(y.shape[1])]
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
