"""Metric states: what each reporting metric keeps between chunks.

Like the loss accumulators these hold sums and counts, never means, and have
``update`` (one chunk), ``merge`` (another state) and ``compute`` (the figure):

* :class:`MeanState`: a weighted mean of a per-sample value (accuracy, rmse, mae, brier, ...);
* :class:`ConfusionState`: a weighted confusion matrix, C x C (or per label for multilabel),
  from which precision, recall, f1, balanced accuracy and MCC are derived;
* :class:`MomentState`: per-output weighted mean and M2 merged by Chan's formula (r2,
  explained variance) -- stable, unlike raw sums of squares;
* :class:`MaxState`: a running maximum (max_error);
* :class:`SampleState`: metrics that need every value (roc_auc, median absolute error)
  keep the compact arrays they need: 8 bytes a value (scores, labels, weights, float64).

Undefined metrics (ROC AUC with one class, precision without positive predictions, MCC or
r2 with constant targets, ...) never crash and are never silent: the figure is
scikit-learn's for that case (NaN for ROC AUC, its ``zero_division=0`` and ``force_finite``
conventions otherwise), and :func:`undefined_reason` says which metric is undefined and why,
for the report's warnings.  A NaN figure always comes with a reason.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.scoring import losses as L
from losscli.scoring.accumulate import WeightedSum, WeightOverflow, scaled, weight_exponent
from losscli.scoring.auc import figure as auc_figure
from losscli.scoring.auc import roc_auc  # noqa: F401  (re-exported)
from losscli.scoring.confusion import (
    confusion_explain,
    confusion_metric,  # noqa: F401  (re-exported)
    samplewise,
)


@dataclass
class Ctx:
    """What a metric needs to know besides the arrays."""

    task: str
    scores: bool
    params: dict[str, Any]


class State:
    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        raise NotImplementedError

    def merge(self, other: State) -> None:
        raise NotImplementedError

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        """The figure, and why it is undefined (None when it is well defined); the reason
        reads after the metric's name ("is undefined: ...")."""
        raise NotImplementedError

    def compute(self, ctx: Ctx) -> float:
        with np.errstate(all="ignore"):
            return self.explain(ctx)[0]


def undefined_reason(name: str, state: State, ctx: Ctx) -> str | None:
    """A warning for the report when metric ``name`` is undefined for the data, else None.

    Call it beside ``state.compute(ctx)`` (same state, same context), e.g.
    ``"roc_auc is undefined: only one class present in the targets; reported as NaN"``.
    """
    with np.errstate(all="ignore"):
        value, reason = state.explain(ctx)
    if reason is None:
        if not math.isnan(value):
            return None
        reason = "is undefined: the computation met NaN or overflowed"
    if not reason.startswith("is undefined:"):
        return f"{name} {reason}"  # partly undefined; the figure itself is defined
    shown = "NaN" if math.isnan(value) else repr(value)
    return f"{name} {reason}; reported as {shown}" + (
        ", as scikit-learn does" if value in (0.0, 1.0) else ""
    )


# --------------------------------------------------------------------- weighted mean


@dataclass
class MeanState(State):
    """Weighted mean of a per-sample value; a 2-D value keeps one mean per output, the
    ``finalize`` step (e.g. the square root of rmse) applies per output and the outputs
    are averaged uniformly (scikit-learn's multioutput='uniform_average')."""

    func: Any
    finalize: Any = None
    accs: list[WeightedSum] = field(default_factory=list)

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        kw = {"threshold": 0.5, **ctx.params, "task": ctx.task, "scores": ctx.scores}
        with np.errstate(all="ignore"):  # overflow is reported as inf, not as a warning
            values = np.asarray(self.func(y, p, **kw), dtype=np.float64)
        cols = values.reshape(values.shape[0], -1)
        while len(self.accs) < cols.shape[1]:
            self.accs.append(WeightedSum())
        for k, acc in enumerate(self.accs):
            acc.update(cols[:, k], w)

    def merge(self, other: State) -> None:
        assert isinstance(other, MeanState)
        if not self.accs:
            self.accs = [WeightedSum() for _ in other.accs]
        for mine, theirs in zip(self.accs, other.accs):
            mine.merge(theirs)

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.accs:
            return math.nan, "is undefined: no samples"
        means = [a.mean for a in self.accs]
        if self.finalize:
            means = [self.finalize(m) for m in means]
        value = float(means[0]) if len(means) == 1 else float(np.mean(means))  # x / 1 is x
        if math.isinf(value):
            return value, (
                "overflowed to inf: its per-sample values are beyond the float range "
                "(values near 1e308, or squares of values near 1e154)"
            )
        return value, None


# --------------------------------------------------------------------- confusion matrix


@dataclass
class ConfusionState(State):
    """Counts ``m[true, pred]`` (C x C), or per label ``(C, 2, 2)`` for multilabel: integers
    without weights, else weighted counts (float) in units of ``2**exp`` (see
    :mod:`losscli.scoring.accumulate`; :meth:`counts` gives them in the weights' units);
    and which classes occur in the targets or the predictions, whatever their weights
    (scikit-learn's label set for macro averages: a class whose samples all weigh 0 counts)."""

    kind: str
    matrix: np.ndarray | None = None
    seen: np.ndarray | None = None
    exp: int = 0
    # average=samples (multilabel): the per-sample figures' weighted mean over the samples
    # where they are defined, their plain sum and count, and the undefined samples
    by_sample: WeightedSum | None = None
    plain: tuple[float, int] = (0.0, 0)
    undefined: int = 0

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        thr = float(ctx.params.get("threshold", 0.5))
        t = L.true_labels(ctx.task, y).astype(np.intp)
        q = L.predicted_labels(ctx.task, p, threshold=thr, scores=ctx.scores).astype(np.intp)
        if ctx.task == "multilabel" and ctx.params.get("average") == "samples":
            values, undefined = samplewise(self.kind, t, q, ctx.params)
            keep = ~np.isnan(values)
            if self.by_sample is None:
                self.by_sample = WeightedSum()
            self.by_sample.update(values[keep], None if w is None else w[keep])
            total, count = self.plain
            self.plain = (total + float(values[keep].sum()), count + int(keep.sum()))
            self.undefined += int(undefined.sum())
        exp = self.exp
        if w is not None:
            e = weight_exponent(w)  # the chunk's own scale; _add brings both to the larger
            exp = self.exp if e is None else e
            w = scaled(w, exp)
        if ctx.task == "multilabel":
            c = y.shape[1]
            m: np.ndarray = np.zeros((c, 2, 2), dtype=np.int64 if w is None else np.float64)
            for k in range(c):
                m[k] = np.bincount(t[:, k] * 2 + q[:, k], weights=w, minlength=4).reshape(2, 2)
        else:
            c = 2 if ctx.task == "binary" else y.shape[1]
            m = np.bincount(t * c + q, weights=w, minlength=c * c).reshape(c, c)
            seen = (np.bincount(t, minlength=c) > 0) | (np.bincount(q, minlength=c) > 0)
            self.seen = seen if self.seen is None else self.seen | seen
        self._add(m, exp)

    def _add(self, m: np.ndarray, exp: int) -> None:
        if self.matrix is None:
            self.matrix, self.exp = m, exp
            return
        if m.dtype.kind == "f" and not self.matrix.any():
            self.exp = exp  # nothing held yet: take the new scale
        if exp > self.exp:
            self.matrix = np.ldexp(self.matrix, self.exp - exp)
            self.exp = exp
        elif exp < self.exp:
            m = np.ldexp(m, exp - self.exp)
        self.matrix = self.matrix + m

    def merge(self, other: State) -> None:
        assert isinstance(other, ConfusionState)
        if other.matrix is not None:
            self._add(other.matrix.copy(), other.exp)
        if other.seen is not None:
            self.seen = other.seen.copy() if self.seen is None else self.seen | other.seen
        if other.by_sample is not None:
            if self.by_sample is None:
                self.by_sample = WeightedSum()
            self.by_sample.merge(other.by_sample)
            self.plain = (self.plain[0] + other.plain[0], self.plain[1] + other.plain[1])
            self.undefined += other.undefined

    def counts(self) -> np.ndarray | None:
        """The matrix in the units of the weights (an input error beyond the float range)."""
        if self.matrix is None or self.matrix.dtype.kind != "f" or not self.exp:
            return self.matrix
        with np.errstate(over="ignore"):
            out = np.ldexp(self.matrix, self.exp)
        if np.isinf(out).any() and not np.isinf(self.matrix).any():
            raise WeightOverflow("a weighted count of the confusion matrix")
        return out

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if self.matrix is None:
            return math.nan, "is undefined: no samples"
        if self.by_sample is not None and ctx.params.get("average") == "samples":
            return self._by_sample(ctx)
        return confusion_explain(self.kind, self.matrix.astype(np.float64), ctx, self.seen)

    def _by_sample(self, ctx: Ctx) -> tuple[float, str | None]:
        """The mean over samples (scikit-learn's average=samples, NaN samples left out)."""
        assert self.by_sample is not None
        value = self.by_sample.mean
        if math.isnan(value) and self.plain[1]:  # the defined samples all weigh 0
            value = self.plain[0] / self.plain[1]
        zd = str(ctx.params.get("zero_division", "warn"))
        if not self.undefined or zd in ("0", "1"):
            return value, None
        n = self.by_sample.count + (self.undefined if zd == "nan" else 0)
        how = (
            "they count as 0, as scikit-learn does (zero_division=0)"
            if zd == "warn"
            else "they are left out of the average (zero_division=nan)"
        )
        if math.isnan(value):
            return value, "is undefined: every sample has an undefined figure"
        return value, (
            f"is undefined for {self.undefined} of {n} samples ({_NO_LABELS[self.kind]}); {how}"
        )


_NO_LABELS = {
    "precision": "no predicted labels",
    "recall": "no true labels",
    "f1": "no true or predicted labels",
    "fbeta": "no true or predicted labels",
    "jaccard": "no true or predicted labels",
}


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b == 0 (scikit-learn's zero_division=0)."""
    out = np.zeros_like(a, dtype=float)
    np.divide(a, b, out=out, where=b != 0)
    return out


# --------------------------------------------------------------------- moments (r2)


@dataclass
class MomentState(State):
    """Per output: Σw, weighted means and M2 of y and of the residual, and Σ w·e²; and the
    number of rows (scikit-learn's r2 is NaN below two, whatever the weights)."""

    kind: str
    n: int = 0
    w: np.ndarray | None = None
    mean_y: np.ndarray | None = None
    m2_y: np.ndarray | None = None
    mean_e: np.ndarray | None = None
    m2_e: np.ndarray | None = None
    sse: np.ndarray | None = None
    exp: int = 0  # Σw, the M2s and sse are in units of 2**exp (weights scaled, exact)

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        with np.errstate(all="ignore"):  # overflow gives inf/NaN figures, explained later
            self._update(y, p, w)

    def _update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> None:
        exp = 0 if w is None else weight_exponent(w) or 0
        ww = np.ones(y.shape[0]) if w is None else scaled(w, exp)
        sw = ww.sum()
        e = y - p
        other = MomentState(self.kind, n=int(y.shape[0]), exp=exp)
        other.w = np.full(y.shape[1], sw)
        # weighted column sums by einsum, not ``ww @ y``: BLAS would hand a long vector to
        # its threads, which then spin idle on the cores the CSV parser needs
        wsum = functools.partial(np.einsum, "i,ij->j", ww)
        if sw > 0:
            other.mean_y = wsum(y) / sw
            other.m2_y = wsum((y - other.mean_y) ** 2)
            other.mean_e = wsum(e) / sw
            other.m2_e = wsum((e - other.mean_e) ** 2)
        else:
            z = np.zeros(y.shape[1])
            other.mean_y, other.m2_y, other.mean_e, other.m2_e = z, z.copy(), z.copy(), z.copy()
        other.sse = wsum(e * e)
        self.merge(other)

    def merge(self, other: State) -> None:
        assert isinstance(other, MomentState)
        with np.errstate(all="ignore"):
            self._merge(other)

    def _merge(self, other: MomentState) -> None:
        if other.w is None:
            return
        self.n += other.n
        if self.w is None or not self.w.any():  # nothing held yet: take the other's scale
            n = self.n
            self.w, self.mean_y, self.m2_y = other.w, other.mean_y, other.m2_y
            self.mean_e, self.m2_e, self.sse = other.mean_e, other.m2_e, other.sse
            self.exp, self.n = other.exp, n
            return
        assert self.mean_y is not None and other.mean_y is not None
        if other.exp > self.exp:
            self._rescale(other.exp)
        elif other.exp < self.exp:
            theirs = MomentState(self.kind, other.n, other.w, other.mean_y, other.m2_y)
            theirs.mean_e, theirs.m2_e, theirs.sse = other.mean_e, other.m2_e, other.sse
            theirs.exp = other.exp
            theirs._rescale(self.exp)
            other = theirs
        assert other.w is not None
        n = self.w + other.w
        frac = _div(other.w, n)
        for mean, m2 in (("mean_y", "m2_y"), ("mean_e", "m2_e")):
            a, b = getattr(self, mean), getattr(other, mean)
            delta = b - a
            setattr(self, m2, getattr(self, m2) + getattr(other, m2) + delta**2 * self.w * frac)
            setattr(self, mean, a + delta * frac)
        assert self.sse is not None and other.sse is not None
        self.sse = self.sse + other.sse
        self.w = n

    def _rescale(self, exp: int) -> None:
        """To units of ``2**exp`` (exp above the current one): the sums linear in w."""
        shift = self.exp - exp
        self.w, self.m2_y, self.m2_e, self.sse = (
            None if a is None else np.ldexp(a, shift)
            for a in (self.w, self.m2_y, self.m2_e, self.sse)
        )
        self.exp = exp

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if self.m2_y is None or self.sse is None or self.m2_e is None:
            return math.nan, "is undefined: no samples"
        if self.kind == "r2" and self.n < 2:
            return math.nan, "is undefined: R² needs at least two samples (it has one)"
        num = self.sse if self.kind == "r2" else self.m2_e
        den = self.m2_y
        # scikit-learn's force_finite: a constant target gives 1 (perfect) or 0.
        scores = np.where(den != 0, 1.0 - _div(num, den), np.where(num == 0, 1.0, 0.0))
        value = float(np.mean(scores))
        if ctx.params.get("multioutput") == "variance_weighted" and np.any(den != 0):
            value = float(np.sum(scores * den) / np.sum(den))  # scikit-learn's weights
        if not (np.all(np.isfinite(num)) and np.all(np.isfinite(den))):
            return value, "is undefined: its sums of squares overflowed (values near 1e308?)"
        constant = den == 0
        # a numerator of 0 means: r2, no error at all; explained variance, a constant error
        if constant.all():
            one = " (a single sample)" if self.n < 2 else ""
            if self.kind == "r2":
                how = "the predictions exact" if value == 1.0 else "the predictions not exact"
            else:
                how = "so are the errors" if value == 1.0 else "the errors are not"
            return value, f"is undefined: the targets are constant{one} and {how}"
        if constant.any():
            exact = "exact" if self.kind == "r2" else "their errors are constant"
            return value, (
                f"is undefined for {int(constant.sum())} of {constant.size} outputs (constant "
                f"targets); they count as 1.0 if {exact}, else 0.0, as scikit-learn does"
            )
        return value, None


@dataclass
class MaxState(State):
    value: float = -math.inf

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        err = np.abs(y - p).max(axis=1)
        if w is not None:
            err = err[w > 0]
        if err.size:
            self.value = max(self.value, float(err.max()))

    def merge(self, other: State) -> None:
        assert isinstance(other, MaxState)
        self.value = max(self.value, other.value)

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if self.value == -math.inf:
            return math.nan, "is undefined: no samples with a positive weight"
        if self.value == math.inf:
            return self.value, "overflowed to inf: an error is beyond the float range"
        return self.value, None


# --------------------------------------------------------------------- needs every value


@dataclass
class SampleState(State):
    """Metrics that need every value (ROC AUC, medians) keep them, compactly: 0/1 targets
    as one byte, unit weights as a count.  Binary ROC AUC costs 9 bytes a sample (17 with
    weights); states merge by concatenation, in order."""

    kind: str
    ys: list[np.ndarray] = field(default_factory=list)
    ps: list[np.ndarray] = field(default_factory=list)
    ws: list[np.ndarray | int] = field(default_factory=list)  # an int: that many unit weights
    # the last figure and the context it was explained in: the report asks for the figure
    # and then for its reason, and one sort of every sample is enough for both
    _last: tuple[Any, tuple[float, str | None]] | None = field(default=None, init=False, repr=False)

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        self._last = None
        ww: np.ndarray | int = y.shape[0] if w is None else w
        if self.kind == "median_absolute_error":
            self.ys.append(np.abs(y - p))
            self.ws.append(ww)
            return
        hard = bool(np.all((y == 0) | (y == 1)))
        self.ys.append(y.astype(np.uint8) if hard else y)
        self.ps.append(p)
        self.ws.append(ww)

    def _weights(self) -> np.ndarray:
        """Every weight, scaled by one power of two (exact: weights are relative) so that
        their sums neither overflow nor fall into the subnormals."""
        w = np.concatenate(
            [np.ones(w, dtype=np.float64) if isinstance(w, int) else w for w in self.ws]
        )
        return scaled(w, weight_exponent(w) or 0)

    def merge(self, other: State) -> None:
        assert isinstance(other, SampleState)
        self._last = None
        self.ys += other.ys
        self.ps += other.ps
        self.ws += other.ws

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        key = (ctx.task, ctx.scores, repr(sorted(ctx.params.items())), len(self.ws))
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        found = self._explain(ctx)
        self._last = (key, found)
        return found

    def _explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.ws:
            return math.nan, "is undefined: no samples"
        w = self._weights()
        if self.kind == "median_absolute_error":
            err = np.concatenate(self.ys)
            value = float(np.mean([weighted_median(err[:, k], w) for k in range(err.shape[1])]))
            if math.isinf(value):
                return value, "overflowed to inf: an error is beyond the float range"
            return value, None
        y = np.concatenate(self.ys)
        p = np.concatenate(self.ps)
        return auc_figure(ctx.task, y, p, w, ctx.params, self.ps)  # type: ignore[no-any-return]


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """scikit-learn's _weighted_percentile(50) for unit weights is numpy's median."""
    if np.all(w == w[0]):
        return float(np.median(x[w > 0]))
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cw = np.cumsum(ws)
    # average of the lower and upper weighted 50th percentiles (scikit-learn >= 1.7)
    half = 0.5 * cw[-1]
    lo = xs[min(np.searchsorted(cw, half, side="left"), len(xs) - 1)]
    neg = np.cumsum(ws[::-1])
    hi = xs[::-1][min(np.searchsorted(neg, half, side="left"), len(xs) - 1)]
    return float(0.5 * (lo + hi))


def make_state(entry: Any) -> State:
    """A fresh state for a metric entry of the registry."""
    kind = entry.state
    if kind == "mean":
        return MeanState(entry.func, entry.finalize)
    if kind == "confusion":
        return ConfusionState(entry.name)
    if kind in ("moments", "d2"):  # r2, explained variance, d² scores
        from losscli.scoring.regression import regression_state

        return regression_state(entry.name, kind)
    if kind == "max":
        return MaxState()
    if kind == "samples":
        return SampleState(entry.name)
    if kind == "calibration":  # ece, mce: bin sums or (quantile bins) every value
        from losscli.scoring.calibration import CalibrationState

        return CalibrationState(entry.name)
    if kind == "precision_curve":  # average_precision: every score, as roc_auc
        from losscli.scoring.ranking import PrecisionState

        return PrecisionState(entry.name)
    if kind in ("brier_decomposition", "operating_point"):  # losscli.scoring.operating
        from losscli.scoring.operating import make

        return make(entry)
    raise ValueError(f"unknown metric state {kind!r}")


def to_probabilities(task: str, scores: np.ndarray) -> np.ndarray:
    """Logits to probabilities: softmax for multiclass, sigmoid otherwise."""
    if task == "multiclass":
        return np.exp(L.log_softmax(scores))
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-scores))


def top_k_correct(
    y: np.ndarray, p: np.ndarray, *, k: float, task: str, scores: bool, **kw: Any
) -> np.ndarray:
    """1 where the true class is among the k highest scores; binary (one score a sample,
    scikit-learn's top_k_accuracy_score rule): k = 1 is the decision (p > 0.5, or score > 0
    for raw scores), and k >= 2 takes both classes, so every sample is right."""
    if task == "binary":
        if int(k) >= 2:
            return np.ones(y.shape[0])
        return L.correct(y, p, task=task, scores=scores, threshold=0.5)
    return L.top_k_correct(y, p, k=k)
