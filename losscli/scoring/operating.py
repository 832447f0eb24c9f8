"""The Brier score's decomposition and the operating-point metrics.

**Brier decomposition** (Murphy 1973), from binned forecasts: the forecasts are put in
``n_bins`` uniform bins as ``ece``'s (``[k/n, (k+1)/n)``, a forecast of exactly 1 in a bin
of its own); with ``n_b`` the weight of bin b, ``f_b`` its mean forecast, ``o_b`` its
observed frequency of the event and ``o`` the overall frequency (N the total weight)::

    reliability = Σ_b n_b (f_b − o_b)² / N
    resolution  = Σ_b n_b (o_b − o)² / N
    uncertainty = o (1 − o)

and ``brier = reliability − resolution + uncertainty`` exactly when the forecasts within
each bin are equal (otherwise up to the within-bin variance and covariance terms, small
for narrow bins).  Binary: the probability of class 1 against the 0/1 target.
Multiclass: the sum over the classes of each class's one-vs-rest decomposition (its
probability column binned), halved for two columns as the ``brier`` metric is, so the
identity holds against that metric (Σ_c (p_c − t_c)²).  Targets count as 0/1 (a soft
target above 0.5 as 1).  The bins are sums (a :class:`CalibrationState` per class),
merged across chunks and workers.

**Operating points** (binary scores or probabilities), torchmetrics' definitions over
the decision rule "positive when score >= t" for every distinct score t (one sort,
:func:`losscli.scoring.ranking.curve_ascending`; tied scores share one threshold):

* ``recall_at_precision``: the largest recall among the thresholds whose precision is
  >= ``min_precision``;
* ``precision_at_recall``: the largest precision among the thresholds whose recall is
  >= ``min_recall``;
* ``specificity_at_sensitivity``: the largest specificity (1 − fpr) among the thresholds
  whose sensitivity (tpr) is >= ``min_sensitivity``, the rule "nothing positive"
  (the ROC curve's first point, tpr = fpr = 0) included.

A minimum no threshold reaches gives 0.0 with a warning (torchmetrics' value); no
positive targets (or, for specificity, no negatives) leave the figure undefined: NaN with
a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.scoring.calibration import CalibrationState
from losscli.scoring.metrics import Ctx, SampleState, State

BRIER_PARTS = ("brier_reliability", "brier_resolution", "brier_uncertainty")
OPERATING = {
    "recall_at_precision": "min_precision",
    "precision_at_recall": "min_recall",
    "specificity_at_sensitivity": "min_sensitivity",
}


@dataclass
class BrierState(State):
    """One :class:`CalibrationState` (uniform bins) per class: binary has one."""

    kind: str
    per: list[CalibrationState] = field(default_factory=list)
    halve: bool = False  # multiclass with two columns: as the brier metric

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        if ctx.task == "binary" or p.ndim == 1:
            cols = [(y.reshape(-1), p.reshape(-1))]
        else:
            cols = [(y[:, k], p[:, k]) for k in range(p.shape[1])]
            self.halve = p.shape[1] == 2
        while len(self.per) < len(cols):
            self.per.append(CalibrationState("ece"))
        bins = Ctx("binary", False, {"n_bins": ctx.params.get("n_bins", 15.0)})
        for state, (yy, pp) in zip(self.per, cols):
            state.update(yy, pp, w, bins)

    def merge(self, other: State) -> None:
        assert isinstance(other, BrierState)
        while len(self.per) < len(other.per):
            self.per.append(CalibrationState("ece"))
        self.halve = self.halve or other.halve
        for mine, theirs in zip(self.per, other.per):
            mine.merge(theirs)

    def parts(self) -> tuple[float, float, float] | None:
        """(reliability, resolution, uncertainty) summed over the classes; None without
        a sample of positive weight."""
        rel = res = unc = 0.0
        for st in self.per:
            if st.count is None or st.weight is None or st.conf is None or st.correct is None:
                return None
            keep = st.weight > 0
            n = st.weight[keep]
            total = float(np.sum(n))
            if not total > 0:
                return None
            f = st.conf[keep] / n
            o = st.correct[keep] / n
            base = float(np.sum(st.correct[keep]) / total)
            rel += float(np.sum(n * (f - o) ** 2) / total)
            res += float(np.sum(n * (o - base) ** 2) / total)
            unc += base * (1.0 - base)
        if self.halve:
            rel, res, unc = rel / 2, res / 2, unc / 2
        return rel, res, unc

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        found = self.parts()
        if found is None:
            return math.nan, "is undefined: no samples with a positive weight"
        return found[BRIER_PARTS.index(self.kind)], None


def _minimum(name: str, ctx: Ctx) -> float:
    return float(ctx.params.get(OPERATING[name], 0.5))


def operating_point(
    name: str, y: np.ndarray, score: np.ndarray, w: np.ndarray | None, minimum: float
) -> tuple[float, str | None]:
    """The figure of an operating-point metric and why it is undefined or unreachable."""
    from losscli.scoring.ranking import curve_ascending

    _, tps, fps = curve_ascending(y, score, w)
    if not tps.size:
        return math.nan, "is undefined: no samples"
    positives, negatives = float(tps[0]), float(fps[0])  # the lowest threshold: all positive
    if not positives > 0:
        return math.nan, "is undefined: no positive targets"
    recall = tps / positives
    if name == "specificity_at_sensitivity":
        if not negatives > 0:
            return math.nan, "is undefined: no negative targets"
        tpr = np.r_[recall, 0.0]  # with the rule "nothing positive"
        spec = np.r_[1.0 - fps / negatives, 1.0]
        ok = tpr >= minimum
        what, value = f"a sensitivity of {minimum!r}", spec
    else:
        predicted = tps + fps
        precision = np.zeros_like(tps)
        np.divide(tps, predicted, out=precision, where=predicted > 0)
        if name == "recall_at_precision":
            ok = (predicted > 0) & (precision >= minimum)
            what, value = f"a precision of {minimum!r}", recall
        else:
            ok = (predicted > 0) & (recall >= minimum)
            what, value = f"a recall of {minimum!r}", precision
    if not ok.any():
        return 0.0, (
            f"is 0.0: no threshold reaches {what} (torchmetrics' value when the minimum "
            "cannot be reached)"
        )
    return float(np.max(value[ok])), None


@dataclass
class OperatingState(SampleState):
    """The scores, labels and weights kept as for ``roc_auc`` (binary)."""

    def _explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.ws:
            return math.nan, "is undefined: no samples"
        w = None if all(isinstance(x, int) for x in self.ws) else self._weights()
        y = np.concatenate(self.ys).reshape(-1)
        p = np.concatenate(self.ps).reshape(-1)
        return operating_point(self.kind, y, p, w, _minimum(self.kind, ctx))


def make(entry: Any) -> State:
    """The state of an entry of :mod:`losscli.scoring.registry.metrics_operating`."""
    if entry.state == "brier_decomposition":
        return BrierState(entry.name)
    return OperatingState(entry.name)
