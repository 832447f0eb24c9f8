"""Figures whose state is linear in the sample weights (a weighted mean, weighted confusion
counts), kept for many weightings at once: bootstrap replicates or groups.

A :class:`Linear` figure turns a chunk into per-sample contributions (the value times the
weight of a mean, the cell of the confusion matrix) and a ``mix`` function folds them into
one row per slot: ``counts @ contributions`` for the replicates of
:mod:`losscli.scoring.replicates`, a sum per group code for :mod:`losscli.scoring.groups`.
One matrix product (or one ``bincount``) per chunk instead of one update per slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.validate.prepare import Prepared

Mix = Callable[[np.ndarray], np.ndarray]  # (n, k) per-sample contributions -> (slots, k)


def _grow(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    """``a + b`` where ``b`` may have more rows (new groups) than ``a``."""
    if a is None:
        return b
    if b.shape[0] > a.shape[0]:
        a = np.concatenate([a, np.zeros((b.shape[0] - a.shape[0], *a.shape[1:]), a.dtype)])
    elif b.shape[0] < a.shape[0]:
        b = np.concatenate([b, np.zeros((a.shape[0] - b.shape[0], *b.shape[1:]), b.dtype)])
    return a + b if a.dtype != bool else a | b


class Linear:
    """One metric of the registry whose state is a weighted mean or confusion counts."""

    def __init__(self, entry: Any, params: dict[str, Any], state: Any, slots: int = 0) -> None:
        from losscli.scoring import metrics as M

        self.entry, self.params, self.slots = entry, params, slots
        self.mean = isinstance(state, M.MeanState)
        self.func: Any = getattr(state, "func", None)
        self.finalize: Any = getattr(state, "finalize", None)
        self.sums: np.ndarray | None = None  # (slots, outputs) or (slots, c * c)
        self.weights: np.ndarray | None = None  # (slots, 1)
        self.seen: np.ndarray | None = None  # (slots, c): classes present in the slot
        self.c = 0

    @staticmethod
    def applies(state: Any, task: str) -> bool:
        from losscli.scoring import metrics as M

        return isinstance(state, M.MeanState) or (
            isinstance(state, M.ConfusionState) and task != "multilabel"
        )

    def _inputs(self, prep: Prepared) -> tuple[np.ndarray, bool]:
        """The predictions as the metric takes them (see :func:`losscli.scoring.score.update`)."""
        from losscli.scoring import metrics as M

        inputs = self.entry.inputs
        if (
            inputs in ("probabilities", "ranking")
            and prep.scores
            and not (inputs == "ranking" and prep.task == "binary")
        ):
            return M.to_probabilities(prep.task, prep.p), False
        return prep.p, prep.scores

    def per_sample(self, prep: Prepared) -> np.ndarray:
        """A mean metric's per-sample values, (n, outputs)."""
        p, scores = self._inputs(prep)
        kw = {"threshold": 0.5, **self.params, "task": prep.task, "scores": scores}
        with np.errstate(all="ignore"):
            values = np.asarray(self.func(prep.y, p, **kw), dtype=np.float64)
        return values.reshape(values.shape[0], -1)

    def update(self, prep: Prepared, base: np.ndarray | None, mix: Mix) -> None:
        self.absorb([mix(x) for x in self.columns(prep, base)])

    def columns(self, prep: Prepared, base: np.ndarray | None) -> list[np.ndarray]:
        """One chunk's per-sample contributions, (n, k) arrays to be mixed into slots and
        given back to :meth:`absorb` (the replicates mix every figure's in one product)."""
        from losscli.scoring import losses as L

        p, scores = self._inputs(prep)
        w = np.ones(prep.n) if base is None else base
        if self.mean:
            cols = self.per_sample(prep)
            contrib = np.where((w > 0)[:, None], cols * w[:, None], 0.0)
            return [w[:, None], contrib]
        thr = float(self.params.get("threshold", 0.5))
        t = L.true_labels(prep.task, prep.y).astype(np.intp)
        q = L.predicted_labels(prep.task, p, threshold=thr, scores=scores).astype(np.intp)
        c = self.c = 2 if prep.task == "binary" else prep.y.shape[1]
        contrib = np.zeros((prep.n, c * c))
        contrib[np.arange(prep.n), t * c + q] = w
        present = np.zeros((prep.n, c))
        present[np.arange(prep.n), t] = 1.0
        present[np.arange(prep.n), q] = 1.0
        return [contrib, present]

    def absorb(self, mixed: list[np.ndarray]) -> None:
        """Add the mixed :meth:`columns` of a chunk."""
        if self.mean:
            self.weights = _grow(self.weights, mixed[0])
            self.sums = _grow(self.sums, mixed[1])
        else:
            # a class present among the slot's samples (counts and memberships are >= 0)
            self.seen = _grow(self.seen, mixed[1] > 0)
            self.sums = _grow(self.sums, mixed[0])
        self.slots = max(self.slots, self.sums.shape[0])

    def merge(self, other: Linear, place: Mix | None = None) -> None:
        """Add ``other``'s sums (``place``: its slots moved to this one's, for groups)."""
        if other.sums is None:
            return

        def moved(x: np.ndarray | None) -> np.ndarray | None:
            return x if x is None or place is None else place(x)

        self.sums = _grow(self.sums, moved(other.sums))  # type: ignore[arg-type]
        if other.weights is not None:
            self.weights = _grow(self.weights, moved(other.weights))  # type: ignore[arg-type]
        if other.seen is not None:
            self.seen = _grow(self.seen, moved(other.seen))  # type: ignore[arg-type]
        self.c = max(self.c, other.c)
        self.slots = max(self.slots, self.sums.shape[0])

    def values(self, ctx: Any) -> np.ndarray:
        """The figure of every slot (NaN where a slot has no weight)."""
        from losscli.scoring import metrics as M

        out = np.full(self.slots, np.nan)
        if self.sums is None:
            return out
        fast = self._vectorised(ctx)
        if fast is not None:
            out[: fast.size] = fast
            return out
        with np.errstate(invalid="ignore", divide="ignore"):
            for b in range(self.sums.shape[0]):
                if self.mean:
                    assert self.weights is not None
                    if self.weights[b, 0] <= 0:
                        continue
                    means = self.sums[b] / self.weights[b, 0]
                    finalize = self.finalize
                    if finalize is not None:
                        means = np.array([finalize(m) for m in means])
                    out[b] = float(np.mean(means))
                else:
                    m = self.sums[b].reshape(self.c, self.c)
                    assert self.seen is not None
                    out[b] = M.confusion_explain(self.entry.name, m, ctx, self.seen[b])[0]
        return out

    def _vectorised(self, ctx: Any) -> np.ndarray | None:
        """Every slot at once where the formula is simple: a plain mean (with its
        ``finalize``), and binary precision / recall / f1 (zero_division=0, as
        :func:`losscli.scoring.metrics.confusion_explain`); None otherwise."""
        assert self.sums is not None
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.mean:
                assert self.weights is not None
                w = self.weights[:, 0]
                means = np.where(w[:, None] > 0, self.sums / w[:, None], np.nan)
                if self.finalize is not None:
                    try:
                        means = np.asarray(self.finalize(means), dtype=np.float64)
                    except (TypeError, ValueError):
                        return None
                    if means.shape != self.sums.shape:
                        return None
                return np.asarray(means.mean(axis=1))
            kind = self.entry.name
            average = ctx.params.get("average", "auto")
            if average == "auto":
                average = "binary" if ctx.task == "binary" else "macro"
            if self.c != 2 or average != "binary" or kind not in ("precision", "recall", "f1"):
                return None
            if str(ctx.params.get("zero_division", "warn")) not in ("warn", "0"):
                return None
            m = self.sums.reshape(-1, 2, 2)
            tp, fp, fn = m[:, 1, 1], m[:, 0, 1], m[:, 1, 0]
            num = {"precision": tp, "recall": tp, "f1": 2 * tp}[kind]
            den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[kind]
            out = np.zeros_like(num)
            np.divide(num, den, out=out, where=den != 0)
            return out
