"""The numbers behind ``losscli plot``: curves, bins and counts from prepared targets and
predictions (NumPy only; the drawing is in :mod:`losscli.report.plots`).

Curves come from one sort of the scores.  The ROC and precision-recall points are those of
scikit-learn's ``roc_curve`` (``drop_intermediate=True``: collinear points dropped, the
corners kept) and ``precision_recall_curve``; a sample is positive when its score is
``>=`` the threshold.  :func:`thin` then keeps at most a few thousand of them without
changing the shape a picture shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from losscli.errors import InputError, UsageError, unknown_choice
from losscli.scoring import losses as L

MAX_POINTS = 4000
# the margin losses of the registry, as functions of the margin m = y·f(x) (label +1)
MARGIN_LOSSES = ("zero_one", "hinge", "squared_hinge", "logistic", "exponential", "perceptron")
MARGIN_LABELS = {
    "zero_one": "0-1  $[m \\leq 0]$",
    "hinge": "hinge  $\\max(0, 1-m)$",
    "squared_hinge": "squared hinge  $\\max(0, 1-m)^2$",
    "logistic": "logistic  $\\log_2(1+e^{-m})$",
    "exponential": "exponential  $e^{-m}$",
    "perceptron": "perceptron  $\\max(0, -m)$",
}


@dataclass
class Curve:
    """Points of a curve (thinned) and the figure of the whole curve (AUC or AP)."""

    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    value: float  # ROC AUC, or average precision
    n: int = 0  # samples


def counts(y: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Cumulative weighted true and false positives at each distinct score, highest
    first: (fps, tps, thresholds).  Without weights, from plain sorts of the positives'
    and negatives' scores (several times faster than the permutation of one argsort; the
    same counts); with them, one stable argsort."""
    pos = y > 0.5
    if w is None and np.isfinite(s).all():
        sp, sn, every = np.sort(s[pos]), np.sort(s[~pos]), np.sort(s)
        thr = every[np.r_[np.diff(every) != 0, True]][::-1]  # distinct, highest first
        tps = (sp.shape[0] - np.searchsorted(sp, thr, "left")).astype(np.float64)
        fps = (sn.shape[0] - np.searchsorted(sn, thr, "left")).astype(np.float64)
        return fps, tps, thr
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order] > 0.5
    ww = np.ones(s.shape[0]) if w is None else w[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.shape[0] - 1]  # last index of each score
    tps = np.cumsum(ww * y)[last]
    fps = np.cumsum(ww * ~y)[last]
    return fps, tps, s[last]


def _check_binary(y: np.ndarray, what: str) -> None:
    pos = np.count_nonzero(y > 0.5)
    if pos == 0 or pos == y.shape[0]:
        which = "no positive" if pos == 0 else "no negative"
        raise InputError(f"{what} needs both classes, but the targets have {which} sample")


def roc(
    y: np.ndarray,
    s: np.ndarray,
    w: np.ndarray | None = None,
    *,
    thin_to: int = 0,
    counted: tuple[np.ndarray, ...] | None = None,
) -> Curve:
    """ROC points (fpr, tpr) as scikit-learn's ``roc_curve`` gives them, and the AUC
    (trapezoids over all of them, before any thinning); ``counted``: :func:`counts`
    already made (the precision-recall curve's)."""
    _check_binary(y, "a ROC curve")
    fps, tps, thr = counted or counts(y, s, w)
    keep = np.flatnonzero(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
    fps, tps, thr = np.r_[0.0, fps[keep]], np.r_[0.0, tps[keep]], np.r_[np.inf, thr[keep]]
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)  # trapezoids
    c = Curve(fpr, tpr, thr, auc, int(y.shape[0]))
    return thinned(c, thin_to) if thin_to else c


def pr(
    y: np.ndarray,
    s: np.ndarray,
    w: np.ndarray | None = None,
    *,
    thin_to: int = 0,
    counted: tuple[np.ndarray, ...] | None = None,
) -> Curve:
    """Precision-recall points (recall, precision) as ``precision_recall_curve`` gives
    them (recall decreasing, ending at (0, 1); the last threshold is inf), and the average precision
    Σ (Rₙ − Rₙ₋₁)·Pₙ (scikit-learn's ``average_precision_score``)."""
    _check_binary(y, "a precision-recall curve")
    fps, tps, thr = counted or counts(y, s, w)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    x = np.r_[recall[::-1], 0.0]  # scikit-learn's order: recall decreasing
    yy = np.r_[precision[::-1], 1.0]
    c = Curve(x, yy, np.r_[thr[::-1], np.inf], ap, int(y.shape[0]))
    return thinned(c, thin_to) if thin_to else c


def thin(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` (+2) points of a polyline that keep its shape:
    the first and last, and one point per equal step of its length along the way
    (|dx| + |dy|), so no drawn segment strays from the curve by more than the length over
    ``max_points``: below a pixel at any size a picture has."""
    n = x.shape[0]
    if n <= max_points:
        return np.arange(n)
    arc = np.r_[0.0, np.cumsum(np.abs(np.diff(x)) + np.abs(np.diff(y)))]
    total = arc[-1]
    if total <= 0:
        return np.array([0, n - 1])
    step = np.floor(arc / total * max_points)
    first = np.flatnonzero(np.r_[True, np.diff(step) > 0])
    # a point where the step changes and the one before it: the corners of a step curve
    idx = np.unique(np.r_[0, first, np.maximum(first - 1, 0), n - 1])
    return idx


def thinned(c: Curve, max_points: int = MAX_POINTS) -> Curve:
    idx = thin(c.x, c.y, max_points // 2)
    return Curve(c.x[idx], c.y[idx], c.thresholds[idx], c.value, c.n)


@dataclass
class Bins:
    """A reliability diagram: per bin the mean prediction, the observed frequency, the
    count; and the expected calibration error over the bins."""

    edges: np.ndarray
    mean_pred: np.ndarray
    observed: np.ndarray
    counts: np.ndarray
    ece: float
    label: str  # what is binned ("probability of class 1", "confidence")


def probabilities(task: str, p: np.ndarray, scores: bool, from_logits: bool) -> np.ndarray:
    """Predictions as probabilities: logits through the sigmoid or softmax when the run
    says they are logits; raw scores otherwise are a usage error."""
    if not scores:
        return p
    if not from_logits:
        raise UsageError(
            "a calibration plot needs probabilities, but the predictions are raw scores",
            hint="pass --from-logits if they are logits",
        )
    if task == "multiclass":
        return np.exp(L.log_softmax(p))
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * p)))


def calibration(
    task: str, y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None, n_bins: int = 10
) -> Bins:
    """Uniform bins over [0, 1] of the probability of class 1 (binary), of every label
    (multilabel, pooled) or of the predicted class's confidence (multiclass)."""
    if task == "multiclass":
        conf = p.max(axis=1)
        hit = (L.argmax_rows(p) == L.true_labels(task, y)).astype(np.float64)
        label = "confidence of the predicted class"
    elif task in ("binary", "multilabel"):
        conf, hit = p.reshape(-1), (y.reshape(-1) > 0.5).astype(np.float64)
        if w is not None and task == "multilabel":
            w = np.repeat(w, p.shape[1])
        label = (
            "predicted probability" if task == "binary" else "predicted probability (all labels)"
        )
    else:
        raise UsageError(
            f"a calibration plot is for classification, not {task}", hint="try --kind residuals"
        )
    if n_bins < 1:
        raise UsageError("--bins must be at least 1")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
    ww = np.ones(conf.shape[0]) if w is None else w
    counts = np.bincount(which, minlength=n_bins).astype(np.int64)
    wsum = np.bincount(which, weights=ww, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(which, weights=ww * conf, minlength=n_bins) / wsum
        observed = np.bincount(which, weights=ww * hit, minlength=n_bins) / wsum
    filled = wsum > 0
    ece = float(np.sum(wsum[filled] * np.abs(mean_pred[filled] - observed[filled])) / wsum.sum())
    return Bins(edges, mean_pred, observed, counts, ece, label)


def confusion(
    task: str,
    y: np.ndarray,
    p: np.ndarray,
    *,
    scores: bool,
    threshold: float = 0.5,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """The confusion matrix: rows the true class, columns the predicted one; with
    ``weights``, the weighted counts (float)."""
    if task not in ("binary", "multiclass"):
        hint = "try --kind calibration" if task == "multilabel" else "try --kind residuals"
        raise UsageError(
            f"a confusion matrix is for binary or multiclass tasks, not {task}", hint=hint
        )
    t = L.true_labels(task, y).astype(np.int64)
    q = L.predicted_labels(task, p, threshold=threshold, scores=scores).astype(np.int64)
    k = 2 if task == "binary" else p.shape[1]
    counts = np.bincount(t * k + q, weights=weights, minlength=k * k).reshape(k, k)
    return counts if weights is not None else counts.astype(np.int64)


def margin_losses(
    names: tuple[str, ...] | None = None, lo: float = -4.0, hi: float = 4.0, n: int = 801
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The margin losses of the registry over margins ``lo``..``hi``: the functions of
    :mod:`losscli.scoring.losses` at label +1, prediction m (logistic in base 2, as in the
    classic figure, so that it passes through (0, 1) like the 0-1 loss)."""
    from losscli.scoring import registry

    chosen = names or MARGIN_LOSSES
    if not lo < hi:
        raise UsageError(f"--range must be LOW,HIGH with LOW < HIGH, got {lo},{hi}")
    m = np.linspace(lo, hi, n)
    if lo < 0 < hi:  # the 0-1 loss jumps at 0: both sides of it drawn
        m = np.unique(np.r_[m, 0.0, -1e-12])
    one = np.ones_like(m)
    out: dict[str, np.ndarray] = {}
    for name in chosen:
        try:
            canon = registry.get_loss(name).name
        except UsageError:
            canon = name
        if canon not in MARGIN_LOSSES:
            raise unknown_choice("margin loss", name, MARGIN_LOSSES)
        func = getattr(L, canon)
        out[canon] = func(one, m, base="2", task="binary", threshold=0.0, scores=True)
    return m, out


# ----------------------------------------------------------------------------- streaming

SHIFT = 45  # a double's exponent and the first 7 bits of its mantissa: 128 bins an octave
SIZE = 1 << (63 - SHIFT)  # every finite positive double


class Sketch:
    """A mergeable histogram of any number of values in bounded memory (a few MB): the
    weighted count of each bin of |value| by sign (128 bins an octave, each under 0.8%
    wide: the exponent and first mantissa bits of the double, no logarithm taken), with
    the zeros, the exact extremes, sum and count. :meth:`hist` rebins it into the
    equal-width (or, for a wide spread, log-spaced) bars of a picture: "histograms from
    binned counts"."""

    def __init__(self) -> None:
        self.pos = np.zeros(0)
        self.neg = np.zeros(0)
        self.zeros = 0.0
        self.n = 0
        self.nonfinite = 0
        self.lo, self.hi = np.inf, -np.inf
        self.total = 0.0  # Σ w·v
        self.wsum = 0.0

    @staticmethod
    def _keys(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.float64).view(np.int64) >> SHIFT

    def add(self, values: np.ndarray, weights: np.ndarray | None = None) -> None:
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        w = np.ones(v.shape[0]) if weights is None else np.asarray(weights, np.float64)
        ok = np.isfinite(v)
        self.nonfinite += int(v.shape[0] - np.count_nonzero(ok))
        v, w = v[ok], w[ok]
        if not v.size:
            return
        self.n += int(v.size)
        self.lo, self.hi = min(self.lo, float(v.min())), max(self.hi, float(v.max()))
        self.total += float(np.dot(w, v))
        self.wsum += float(w.sum())
        for sign, attr in ((1.0, "pos"), (-1.0, "neg")):
            mask = v > 0 if sign > 0 else v < 0
            if mask.any():
                part = v[mask] if sign > 0 else -v[mask]
                counts = np.bincount(self._keys(part), weights=w[mask], minlength=SIZE)
                cur = getattr(self, attr)
                setattr(self, attr, counts if not cur.size else cur + counts)
        self.zeros += float(w[v == 0].sum())

    def bins(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(low, high, weight) of every filled bin in increasing order, clipped to the
        extremes; the zeros as a bin of no width."""
        lows, highs, wts = [np.zeros(0)], [np.zeros(0)], [np.zeros(0)]
        for sign, counts in ((-1.0, self.neg), (1.0, self.pos)):
            if counts.size:
                k = np.flatnonzero(counts).astype(np.int64)
                a = (k << SHIFT).view(np.float64)
                b = ((k + 1) << SHIFT).view(np.float64)
                lows.append(a if sign > 0 else -b[::-1])
                highs.append(b if sign > 0 else -a[::-1])
                wts.append(counts[k] if sign > 0 else counts[k][::-1])
            if sign < 0 and self.zeros:
                lows.append(np.zeros(1))
                highs.append(np.zeros(1))
                wts.append(np.array([self.zeros]))
        lo, hi = np.concatenate(lows), np.concatenate(highs)
        return np.clip(lo, self.lo, self.hi), np.clip(hi, self.lo, self.hi), np.concatenate(wts)

    def _cdf(self) -> tuple[np.ndarray, np.ndarray]:
        """The cumulative weight at the bins' edges (the weight spread evenly in a bin)."""
        lo, hi, w = self.bins()
        cum = np.cumsum(w)
        xs = np.column_stack([lo, hi]).reshape(-1)
        ys = np.column_stack([cum - w, cum]).reshape(-1)
        return xs, ys

    def quantiles(self, qs: list[float]) -> list[float]:
        xs, ys = self._cdf()
        if not xs.size:
            return [np.nan] * len(qs)
        return [float(np.interp(q * ys[-1], ys, xs)) for q in qs]

    @property
    def mean(self) -> float:
        return self.total / self.wsum if self.wsum > 0 else np.nan

    def hist(self, bins: int = 50, *, log: bool | None = None) -> Hist:
        """Bars over ``bins`` equal widths (log-spaced when ``log``; by default when the
        positive values span more than three decades, as
        :func:`losscli.report.plots.spread_is_wide` decides of the values themselves).
        A sketch bin's weight is shared by the bars it overlaps."""
        xs, ys = self._cdf()
        total = float(ys[-1]) if ys.size else 0.0
        below = float(np.sum(self.neg)) + self.zeros  # the values <= 0
        if log is None:
            log = False
            if total - below > 0:
                pos_q = [np.interp(below + q * (total - below), ys, xs) for q in (0.01, 0.5, 0.99)]
                lo_, med, hi_ = pos_q
                log = bool(hi_ > 1000 * lo_ or self.hi > 1000 * med) and self.hi > 0
        zeros = below if log else 0.0
        if not xs.size:
            edges = np.array([0.0, 1.0])
        elif log:
            lo = float(np.min(xs[xs > 0])) if np.any(xs > 0) else 1.0
            hi = self.hi
            edges = np.geomspace(lo, hi, bins + 1) if lo < hi else np.array([lo * 0.9, lo * 1.1])
        else:
            lo, hi = self.lo, self.hi
            edges = np.linspace(lo, hi, bins + 1) if lo < hi else np.array([lo - 0.5, lo + 0.5])
        if xs.size:
            at = np.interp(edges, xs, ys)
            at[0] = below if log else 0.0
            at[-1] = total
            counts = np.diff(at)
        else:
            counts = np.zeros(edges.shape[0] - 1)
        return Hist(counts, edges, self.mean, self.quantiles([0.5])[0], log, zeros, self.n)


@dataclass
class Hist:
    """Bars of a histogram from binned counts, with the mean (exact) and the median (to a
    sketch bin, under 0.8%)."""

    counts: np.ndarray
    edges: np.ndarray
    mean: float
    median: float
    log: bool
    zeros: float  # weight of the values <= 0 a log scale cannot show
    n: int


class Reliability:
    """The counts of a reliability diagram, chunk by chunk (the bins are fixed)."""

    def __init__(self, task: str, n_bins: int = 10) -> None:
        if n_bins < 1:
            raise UsageError("--bins must be at least 1")
        self.task, self.n_bins = task, n_bins
        self.counts = np.zeros(n_bins, np.int64)
        self.wsum = np.zeros(n_bins)
        self.conf = np.zeros(n_bins)
        self.hit = np.zeros(n_bins)
        self.label = ""

    def add(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> None:
        b = calibration(self.task, y, p, w, self.n_bins)
        filled = np.nan_to_num
        wsum = _bin_weights(self.task, p, w, self.n_bins)
        self.counts += b.counts
        self.wsum += wsum
        self.conf += filled(b.mean_pred * wsum)
        self.hit += filled(b.observed * wsum)
        self.label = b.label

    def bins(self) -> Bins:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_pred, observed = self.conf / self.wsum, self.hit / self.wsum
        filled = self.wsum > 0
        total = self.wsum.sum()
        gaps = self.wsum[filled] * np.abs(mean_pred[filled] - observed[filled])
        ece = float(np.sum(gaps) / total) if total > 0 else np.nan
        edges = np.linspace(0.0, 1.0, self.n_bins + 1)
        return Bins(edges, mean_pred, observed, self.counts, ece, self.label)


def _bin_weights(task: str, p: np.ndarray, w: np.ndarray | None, n_bins: int) -> np.ndarray:
    """The weight in each calibration bin (as :func:`calibration` bins them)."""
    if task == "multiclass":
        conf = p.max(axis=1)
    else:
        conf = p.reshape(-1)
        if w is not None and task == "multilabel":
            w = np.repeat(w, p.shape[1])
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
    return np.bincount(which, weights=w, minlength=n_bins).astype(np.float64)


@dataclass
class Pictures:
    """What the pictures of one evaluation need, gathered in bounded memory
    (:class:`losscli.engines.plotdata.Collector`): thinned curves, binned counts, a
    sample of the residuals."""

    task: str
    classes: list[str]
    weighted: bool = False
    roc: Curve | None = None
    pr: Curve | None = None
    prevalence: float | None = None
    calibration: Bins | None = None
    confusion: np.ndarray | None = None
    loss: str | None = None
    hist: Hist | None = None
    residual_q: np.ndarray | None = None  # predictions and residuals of a sample of rows
    residual_r: np.ndarray | None = None
    residual_hist: Hist | None = None
    rmse: float = np.nan
    n: int = 0
    missing: list[str] | None = None  # pictures that could not be drawn, and why
