"""The data of pictures: ``losscli plot``'s input read and validated as by ``eval`` (the
same :func:`~losscli.validate.sources.raw_chunks` and :class:`~losscli.engines.local.Scorer`),
and the :class:`Collector` that ``eval`` / ``compare -f html`` feed as they score.

What is kept is what a picture needs: every score and target of a roc / pr curve (one
sort, then thinned to a few thousand points); bounded counts for the rest (reliability
bins, weighted confusion counts, histogram sketches, a sample of residuals)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from losscli.engines.local import Scorer, conclude, input_chunks, make_settings
from losscli.errors import InputError, UsageError
from losscli.options import EvalOptions
from losscli.report import curves as C
from losscli.report.model import Report
from losscli.validate.prepare import Prepared

KEEP = ("roc", "pr")  # kinds drawn from every score (one sort); the others from counts


@dataclass
class PlotData:
    """One evaluation's data for a picture: the prepared values of every chunk
    concatenated (``kind`` None, or a curve: roc / pr), and the binned counts and samples
    of :class:`Collector` (every kind)."""

    name: str  # the prediction file's name: the label of its curve
    task: str
    y: np.ndarray
    p: np.ndarray
    weights: np.ndarray | None
    scores: bool  # raw scores (margins, logits) rather than probabilities
    from_logits: bool
    classes: list[str]
    losses: dict[str, np.ndarray]  # per-sample values of every selected loss (kind None)
    report: Report
    threshold: float = 0.5  # --param threshold: the decision of binary probabilities
    pictures: C.Pictures | None = None


def gather(
    y_true: Any,
    y_pred: Any,
    options: EvalOptions,
    *,
    stdin: IO[bytes] | None = None,
    kind: str | None = None,
    bins: int | None = None,
    loss: str | None = None,
) -> PlotData:
    """Read, validate and score one input (``y_pred`` None: one file holds both).

    ``kind`` None keeps every prepared value and per-sample loss (for tests and the API);
    a kind keeps only what its picture needs: every score and target of a roc / pr curve
    (one sort), bounded counts and samples for the others, so a huge input streams."""
    settings = make_settings(options)
    threshold = float(settings.params.get("threshold", 0.5))
    chunks = input_chunks(y_true, y_pred, options, stdin)
    scorer = Scorer(settings)
    keep_all, keep_values = kind is None, kind is None or kind in KEEP
    collect = Collector(
        curves=False, n_bins=bins or 10, loss=_canonical(loss), threshold=threshold, only=kind
    )
    ys: list[np.ndarray] = []
    ps: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    kept: list[dict[str, np.ndarray]] = []
    for raw in chunks:
        out = scorer.feed(raw)
        if out is None or scorer.last is None:
            continue
        prep = scorer.last
        if keep_values:
            ys.append(prep.y)
            ps.append(prep.p)
            if prep.weights is not None:
                ws.append(prep.weights)
        if keep_all:
            kept.append(out[1])
        if kind not in KEEP:
            collect.add(prep, out[1], from_logits=scorer.logits)
    source = next((x for x in (y_pred, y_true) if isinstance(x, (str, os.PathLike))), None)
    name = "-" if source is None else os.fspath(source)
    report = conclude(
        scorer.state, scorer.plan, source=name, strict=options.strict, weights=options.weights
    )
    empty = np.zeros(0)
    return PlotData(
        name=name,
        task=scorer.plan.task,
        y=np.concatenate(ys) if ys else empty,
        p=np.concatenate(ps) if ps else empty,
        weights=np.concatenate(ws) if ws else None,
        scores=bool(scorer.state.scores),
        from_logits=bool(scorer.logits),
        classes=list(scorer.state.classes or []),
        losses={k: np.concatenate([c[k] for c in kept]) for k in kept[0]} if kept else {},
        report=report,
        threshold=threshold,
        pictures=None if kind in KEEP else collect.pictures(bins or 50),
    )


def _canonical(loss: str | None) -> str | None:
    if loss is None:
        return None
    from losscli.scoring import registry

    try:
        return registry.get_loss(loss).name
    except UsageError:  # an unknown name: the run's own error says so
        return loss


RESIDUAL_SAMPLE = 20000  # points of the residual plot (every k-th row, k doubling)


class Collector:
    """What the pictures of one evaluation need, chunk by chunk, in bounded memory except
    for the curves: the ROC and precision-recall curves come from one sort of every
    binary score (its target as one byte); the reliability diagram and the confusion
    matrix are counts over fixed bins; the loss and residual histograms are
    :class:`~losscli.report.curves.Sketch` counts; the residual cloud is every k-th row
    (at most :data:`RESIDUAL_SAMPLE`).  ``add`` takes a chunk as the scorer prepared it;
    ``reset`` starts again (the input is read a second time)."""

    def __init__(
        self,
        *,
        curves: bool = True,
        n_bins: int = 10,
        loss: str | None = None,
        threshold: float = 0.5,
        sample: int = RESIDUAL_SAMPLE,
        only: str | None = None,
    ) -> None:
        self.curves, self.n_bins, self.loss, self.threshold = curves, n_bins, loss, threshold
        self.only = only  # one picture (a plot --kind): the others' counts are not made
        self.sample = sample
        self.reset()

    def reset(self) -> None:
        self.task: str | None = None
        self.classes: list[str] = []
        self.ys: list[np.ndarray] = []
        self.ps: list[np.ndarray] = []
        self.ws: list[np.ndarray] = []
        self.weighted = False
        self.reliability: C.Reliability | None = None
        self.no_calibration: str | None = None
        self.confusion: np.ndarray | None = None
        self.hist = C.Sketch()
        self.chosen: str | None = None
        self.rhist = C.Sketch()
        self.sq = 0.0
        self.rows = 0
        self.stride = 1
        self.kept_q: list[np.ndarray] = []
        self.kept_r: list[np.ndarray] = []
        self.kept_rows: list[np.ndarray] = []

    def add(self, prep: Prepared, losses: dict[str, np.ndarray], *, from_logits: bool) -> None:
        task, y, p, w = prep.task, prep.y, prep.p, prep.weights
        self.task = task
        self.classes = list(prep.classes or [])
        self.weighted = self.weighted or w is not None
        want = self.only
        if losses and want in (None, "loss-hist"):
            if self.chosen is None:
                self.chosen = self.loss if self.loss in losses else next(iter(losses))
            self.hist.add(losses[self.chosen], w)
        if task == "binary" and p.ndim == 1 and self.curves and not prep.hard:
            self.ys.append(y.reshape(-1) > 0.5)
            self.ps.append(np.asarray(p, np.float64).copy())
            if w is not None:
                self.ws.append(w)
        if task in ("binary", "multiclass") and want in (None, "confusion"):
            m = C.confusion(task, y, p, scores=prep.scores, threshold=self.threshold, weights=w)
            self.confusion = m if self.confusion is None else self.confusion + m
        if task in ("binary", "multiclass", "multilabel") and want in (None, "calibration"):
            if prep.scores and not from_logits:
                self.no_calibration = (
                    "raw scores: no reliability diagram (--from-logits for logits)"
                )
            else:
                prob = C.probabilities(task, p, prep.scores, from_logits)
                if self.reliability is None:
                    self.reliability = C.Reliability(task, self.n_bins)
                self.reliability.add(y, prob, w)
        if task == "regression" and want in (None, "residuals"):
            self._residuals(y, p, w)
        self.rows += int(p.shape[0])

    def _residuals(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> None:
        r = (y - p).reshape(y.shape[0], -1)
        q = p.reshape(p.shape[0], -1)
        self.rhist.add(r.reshape(-1), None if w is None else np.repeat(w, r.shape[1]))
        self.sq += float(np.sum(r * r))
        rows = self.rows + np.arange(r.shape[0])
        pick = rows % self.stride == 0
        self.kept_q.append(q[pick, 0])
        self.kept_r.append(r[pick, 0])
        self.kept_rows.append(rows[pick])
        while sum(a.shape[0] for a in self.kept_rows) > self.sample:
            self.stride *= 2
            keep = [k % self.stride == 0 for k in self.kept_rows]
            self.kept_q = [a[k] for a, k in zip(self.kept_q, keep)]
            self.kept_r = [a[k] for a, k in zip(self.kept_r, keep)]
            self.kept_rows = [a[k] for a, k in zip(self.kept_rows, keep)]

    def pictures(self, bins: int = 50) -> C.Pictures:
        """The numbers of every picture that fits the task."""
        pic = C.Pictures(task=self.task or "", classes=self.classes, weighted=self.weighted)
        pic.n, missing = self.rows, []
        if self.ys:
            y, s = np.concatenate(self.ys), np.concatenate(self.ps)
            w = np.concatenate(self.ws) if self.ws else None
            try:
                counted = C.counts(y, s, w)  # one sort for both curves
                pic.roc = C.roc(y, s, w, thin_to=C.MAX_POINTS, counted=counted)
                pic.pr = C.pr(y, s, w, thin_to=C.MAX_POINTS, counted=counted)
                pic.prevalence = float(np.average(y, weights=w))
            except InputError as exc:  # one class only: no curve
                missing.append(f"no ROC or precision-recall curve: {exc.message}")
        if self.reliability is not None:
            pic.calibration = self.reliability.bins()
        elif self.no_calibration:
            missing.append(self.no_calibration)
        pic.confusion = self.confusion
        if self.chosen is not None and self.hist.n:
            pic.loss, pic.hist = self.chosen, self.hist.hist(bins)
        if self.kept_q:
            pic.residual_q = np.concatenate(self.kept_q)
            pic.residual_r = np.concatenate(self.kept_r)
            pic.residual_hist = self.rhist.hist(min(60, max(10, int(np.sqrt(self.rhist.n)))))
            count = self.rhist.n + self.rhist.nonfinite
            pic.rmse = float(np.sqrt(self.sq / count)) if count else np.nan
        pic.missing = missing
        return pic
