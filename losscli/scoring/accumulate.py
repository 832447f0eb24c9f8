"""Accumulators: they hold sums, never means.

Each accumulator is updated once per chunk and merged with others, so a
whole-file run, a chunked run and a parallel run are the same code and give
the same numbers.  Sums across chunks are compensated (Neumaier), within a chunk
numpy's pairwise summation is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CompensatedSum:
    """Neumaier-compensated running sum of floats."""

    total: float = 0.0
    comp: float = 0.0

    def add(self, value: float) -> None:
        t = self.total + value
        if math.isfinite(t) and math.isfinite(value) and math.isfinite(self.total):
            if abs(self.total) >= abs(value):
                self.comp += (self.total - t) + value
            else:
                self.comp += (value - t) + self.total
        self.total = t

    def merge(self, other: CompensatedSum) -> None:
        self.add(other.total)
        self.comp += other.comp

    @property
    def value(self) -> float:
        return self.total + self.comp if math.isfinite(self.total) else self.total


@dataclass
class WeightedSum:
    """Σ w·v, Σ w and the count of one per-sample quantity."""

    sum: CompensatedSum = field(default_factory=CompensatedSum)
    weight: CompensatedSum = field(default_factory=CompensatedSum)
    count: int = 0

    def update(self, values: np.ndarray, weights: np.ndarray | None) -> None:
        if weights is None:
            self.sum.add(float(np.sum(values)))
            self.weight.add(float(values.shape[0]))
        else:
            # 0-weight samples contribute nothing, even where the loss is inf.
            prod = np.where(weights > 0, values * weights, 0.0)
            self.sum.add(float(np.sum(prod)))
            self.weight.add(float(np.sum(weights)))
        self.count += int(values.shape[0])

    def merge(self, other: WeightedSum) -> None:
        self.sum.merge(other.sum)
        self.weight.merge(other.weight)
        self.count += other.count

    @property
    def total(self) -> float:
        return self.sum.value

    @property
    def mean(self) -> float:
        w = self.weight.value
        return self.total / w if w > 0 else math.nan


@dataclass
class Accumulator:
    """The state of one evaluation: a :class:`WeightedSum` per loss and a metric state
    (see :mod:`losscli.scoring.metrics`) per metric.  ``merge`` folds another chunk's state in."""

    losses: dict[str, WeightedSum] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    n_samples: int = 0
    confusion: Any = None  # classification: a ConfusionState (losscli.scoring.metrics)
    omitted: int = 0  # rows dropped by --nan-policy omit
    nonfinite: int = 0  # rows with NaN/inf passed on by --nan-policy propagate
    # --id-col --allow-missing: ids dropped, (targets without a prediction, the reverse)
    unmatched: tuple[int, int] = (0, 0)
    # per loss: probabilities clipped to [eps, 1 - eps] (counted over the whole input)
    clipped: dict[str, int] = field(default_factory=dict)
    # --from-logits: rows checked, and rows that do not look like probabilities (a value
    # outside [0, 1]; multiclass: or a row not summing to 1); judged at the end of the input
    logit_rows: int = 0
    logit_not_probabilities: int = 0

    def update_losses(
        self,
        loss_values: dict[str, np.ndarray],
        weights: np.ndarray | None,
        n: int,
        loss_weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        """``loss_weights`` overrides ``weights`` for some losses (e.g. class weights)."""
        for name, v in loss_values.items():
            w = loss_weights.get(name, weights) if loss_weights else weights
            self.losses.setdefault(name, WeightedSum()).update(v, w)
        self.n_samples += n

    def merge(self, other: Accumulator) -> Accumulator:
        for name, acc in other.losses.items():
            self.losses.setdefault(name, WeightedSum()).merge(acc)
        for name, state in other.metrics.items():
            if name in self.metrics:
                self.metrics[name].merge(state)
            else:
                self.metrics[name] = state
        if other.confusion is not None:
            if self.confusion is None:
                self.confusion = other.confusion
            else:
                self.confusion.merge(other.confusion)
        self.n_samples += other.n_samples
        self.omitted += other.omitted
        for name, count in other.clipped.items():
            self.clipped[name] = self.clipped.get(name, 0) + count
        self.nonfinite += other.nonfinite
        self.logit_rows += other.logit_rows
        self.logit_not_probabilities += other.logit_not_probabilities
        self.unmatched = (
            self.unmatched[0] + other.unmatched[0],
            self.unmatched[1] + other.unmatched[1],
        )
        return self
