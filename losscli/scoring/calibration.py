"""Calibration error (``ece``, ``mce``) and its reliability table.

What is binned, per task:

* binary: the predicted probability of class 1 against the frequency of class 1;
* multiclass: the confidence of the predicted class (the largest probability, ties to the
  first class) against whether it is the true class (its accuracy);
* multilabel: every label as a binary problem, all labels pooled into one set of bins.

Bins (torchmetrics' convention, ``torch.bucketize(..., right=True) - 1``): ``uniform`` bins
are ``[k/n, (k+1)/n)``, closed on the left, so a value on an edge falls in the upper bin;
a confidence of exactly 1 is a bin of its own, ``[1, 1]``.  ``quantile`` bins have edges at
the ``k/n`` percentiles of the confidences (``numpy.percentile``, linear, unweighted, as
scikit-learn's ``calibration_curve``), closed on the left too, the last bin also holding
the largest value.  Empty bins are skipped.

With weights, a bin's confidence and frequency are weighted means and its share of the ECE
is its share of the total weight.  Uniform bins are accumulators (per bin: count, Σw,
Σw·confidence, Σw·correct), merged by addition; quantile bins need every value, so that
state keeps them (confidence and correctness, 8 + 8 bytes a value, plus the weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.scoring import losses as L
from losscli.scoring.accumulate import scaled, weight_exponent
from losscli.scoring.metrics import Ctx, State


def confidences(
    task: str, y: np.ndarray, p: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(confidence, correct, weights) of every binned value, as the module docstring says."""
    if task == "multiclass":
        pred = L.argmax_rows(p)
        rows = np.arange(p.shape[0])
        return p[rows, pred], (L.true_labels(task, y) == pred).astype(np.float64), w
    if task == "multilabel":
        k = p.shape[1]
        ww = None if w is None else np.repeat(w, k)
        return p.ravel(), (y.ravel() > 0.5).astype(np.float64), ww
    return p.reshape(-1), (y.reshape(-1) > 0.5).astype(np.float64), w


def _settings(ctx: Ctx) -> tuple[int, str]:
    return int(ctx.params.get("n_bins", 15)), str(ctx.params.get("strategy", "uniform"))


def uniform_index(conf: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin of every value: ``[k/n, (k+1)/n)``, and ``n`` for exactly 1 (its own bin)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins)


@dataclass
class CalibrationState(State):
    """``ece`` / ``mce`` state: bin sums (uniform) or every value (quantile)."""

    kind: str
    count: np.ndarray | None = None  # uniform: n_bins + 1 bins, the last for exactly 1
    weight: np.ndarray | None = None
    conf: np.ndarray | None = None
    correct: np.ndarray | None = None
    values: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = field(default_factory=list)
    n: int = 0
    exp: int = 0  # the weighted sums are in units of 2**exp (weights are relative)

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        n_bins, strategy = _settings(ctx)
        c, a, ww = confidences(ctx.task, y, p, w)
        self.n += c.size
        if strategy == "quantile":
            self.values.append((c, a, ww))
            return
        size = n_bins + 1
        idx = uniform_index(c, n_bins)
        exp = 0 if ww is None else weight_exponent(ww) or 0
        wv = np.ones(c.size) if ww is None else scaled(ww, exp)
        self._add(
            np.bincount(idx, minlength=size),
            np.bincount(idx, weights=wv, minlength=size),
            np.bincount(idx, weights=wv * c, minlength=size),
            np.bincount(idx, weights=wv * a, minlength=size),
            exp,
        )

    def _add(self, count: Any, weight: Any, conf: Any, correct: Any, exp: int) -> None:
        if self.count is None or not np.any(self.weight):
            self.count = count if self.count is None else self.count + count
            self.weight, self.conf, self.correct, self.exp = weight, conf, correct, exp
            return
        assert self.weight is not None and self.conf is not None and self.correct is not None
        if np.any(weight) and exp != self.exp:  # both to the larger scale
            if exp > self.exp:
                shift, self.exp = self.exp - exp, exp
                self.weight, self.conf, self.correct = (
                    np.ldexp(x, shift) for x in (self.weight, self.conf, self.correct)
                )
            else:
                weight, conf, correct = (
                    np.ldexp(x, exp - self.exp) for x in (weight, conf, correct)
                )
        self.count = self.count + count
        self.weight = self.weight + weight
        self.conf = self.conf + conf
        self.correct = self.correct + correct

    def merge(self, other: State) -> None:
        assert isinstance(other, CalibrationState)
        self.n += other.n
        self.values += other.values
        if other.count is not None:
            self._add(other.count, other.weight, other.conf, other.correct, other.exp)

    def bins(self, ctx: Ctx) -> list[dict[str, float]]:
        """The reliability table: every non-empty bin with its edges, count, mean
        confidence, observed frequency and gap (confidence − frequency)."""
        n_bins, strategy = _settings(ctx)
        count: Any
        weight: Any
        conf: Any
        correct: Any
        if strategy == "quantile":
            if not self.values:
                return []
            c = np.concatenate([v[0] for v in self.values])
            a = np.concatenate([v[1] for v in self.values])
            ws = [np.ones(v[0].size) if v[2] is None else v[2] for v in self.values]
            wv = np.concatenate(ws)
            wv = scaled(wv, weight_exponent(wv) or 0)
            edges = np.percentile(c, np.linspace(0.0, 100.0, n_bins + 1))
            idx = np.searchsorted(edges[1:-1], c, side="right")
            count = np.bincount(idx, minlength=n_bins)
            weight = np.bincount(idx, weights=wv, minlength=n_bins)
            conf = np.bincount(idx, weights=wv * c, minlength=n_bins)
            correct = np.bincount(idx, weights=wv * a, minlength=n_bins)
            lows, highs = edges[:-1], edges[1:]
        else:
            if self.count is None:
                return []
            count, weight, conf, correct = self.count, self.weight, self.conf, self.correct
            assert weight is not None and conf is not None and correct is not None
            edges = np.linspace(0.0, 1.0, n_bins + 1)
            lows, highs = np.r_[edges[:-1], 1.0], np.r_[edges[1:], 1.0]
        out = []
        total = float(np.sum(weight))
        for k in np.nonzero((count > 0) & (weight > 0))[0]:
            mc = float(conf[k] / weight[k])
            freq = float(correct[k] / weight[k])
            row = {
                "low": float(lows[k]),
                "high": float(highs[k]),
                "count": int(count[k]),
                "confidence": mc,
                "frequency": freq,
                "gap": mc - freq,
            }
            row["share"] = float(weight[k] / total)
            out.append(row)
        return out

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.n:
            return math.nan, "is undefined: no samples"
        rows = self.bins(ctx)
        if not rows:
            return math.nan, "is undefined: no samples with a positive weight"
        gaps = np.array([abs(r["gap"]) for r in rows])
        if self.kind == "mce":
            return float(gaps.max()), None
        shares = np.array([r["share"] for r in rows])
        return float(np.sum(shares * gaps)), None


def reliability(state: State, ctx: Ctx) -> list[dict[str, float]]:
    """The reliability table of an ``ece`` / ``mce`` state, for the report."""
    assert isinstance(state, CalibrationState)
    return [{k: v for k, v in r.items() if k != "share"} for r in state.bins(ctx)]
