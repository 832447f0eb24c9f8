"""The decision-threshold sweep of ``losscli thresholds``: for every distinct predicted
value t (one sort, :func:`losscli.scoring.ranking.binary_curve`), the figures of the rule
"positive when prediction >= t", as scikit-learn's ``roc_curve`` and
``precision_recall_curve`` count; and the best threshold by a criterion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.scoring.ranking import curve_ascending

FIGURES = ("precision", "recall", "f1", "tpr", "fpr", "accuracy")
CRITERIA = {
    "f1": "f1",
    "youden": "tpr − fpr (Youden's J)",
    "accuracy": "accuracy",
}


@dataclass
class Sweep:
    """Thresholds in increasing order, with each figure's value at every one of them."""

    thresholds: np.ndarray
    figures: dict[str, np.ndarray]
    best: int  # position of the best threshold
    criterion: str

    def __len__(self) -> int:
        return int(self.thresholds.size)

    def row(self, i: int) -> dict[str, float]:
        return {"threshold": float(self.thresholds[i])} | {
            k: float(v[i]) for k, v in self.figures.items()
        }


def sweep(
    y: np.ndarray, score: np.ndarray, w: np.ndarray | None = None, *, optimize: str = "f1"
) -> Sweep:
    """The sweep over the distinct values of ``score``; ``y`` 0/1 targets, ``w`` weights.
    Ties of the criterion go to the highest threshold (the fewest positive decisions)."""
    if optimize not in CRITERIA:
        raise UsageError(
            f"--optimize must be one of {', '.join(CRITERIA)}, got {optimize!r}",
        )
    thr, tps, fps = curve_ascending(y, score, w)
    if not thr.size:
        raise InputError("thresholds needs at least one sample")
    pos, neg = tps[0], fps[0]
    if pos <= 0 or neg <= 0:
        only = "negative (0)" if pos <= 0 else "positive (1)"
        raise InputError(
            f"thresholds needs targets of both classes (with a positive weight): every "
            f"target is {only}"
        )
    with np.errstate(all="ignore"):
        predicted = tps + fps
        precision = np.where(predicted > 0, tps / np.where(predicted > 0, predicted, 1), 0.0)
        recall = tps / pos
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
        fpr = fps / neg
        accuracy = (tps + (neg - fps)) / (pos + neg)
    figures = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tpr": recall,
        "fpr": fpr,
        "accuracy": accuracy,
    }
    key = figures["tpr"] - figures["fpr"] if optimize == "youden" else figures[optimize]
    best = thr.size - 1 - int(np.argmax(key[::-1]))  # the last maximum: the highest t
    return Sweep(thresholds=thr, figures=figures, best=best, criterion=optimize)


def shown_rows(n: int, best: int, max_rows: int) -> list[int]:
    """Positions of the rows a table shows: all of them up to ``max_rows``, else
    ``max_rows`` evenly spread from the first to the last, and the best one."""
    if n <= max_rows:
        return list(range(n))
    if max_rows < 2:
        return [best]
    spread = np.unique(np.round(np.linspace(0, n - 1, max_rows)).astype(int))
    return sorted({*spread.tolist(), best})
