"""Accumulators: they hold sums, never means.

Each accumulator is updated once per chunk and merged with others, so a
whole-file run, a chunked run and a parallel run are the same code and give
the same numbers.  Sums across chunks are compensated (Neumaier), within a chunk
numpy's pairwise summation is used.

Weights are relative, so weighted sums are kept in units of a power of two, ``2**exp``,
derived from the largest weight seen (:func:`weight_exponent`): scaling by a power of two
is exact in binary, so every figure is the same for weights ``w`` and ``w * 2**k`` and no
sum of weights overflows (three weights of 1e308) or loses bits as subnormals (1e-320).
A state that meets a larger weight rescales what it holds; ``merge`` brings both sides to
the larger exponent.  The sums themselves are only unscaled where a figure is a sum
(:attr:`WeightedSum.total`); a sum that cannot be represented then is an input error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError

VALUE_SHIFT = 64  # a sum of fewer than 2**63 finite doubles, over 2**64, is finite


def weight_exponent(w: np.ndarray) -> int | None:
    """The exponent ``e`` with ``max(w) * 2**-e`` in [0.5, 1), or None without a positive
    weight.  Exact for subnormal weights too."""
    if not w.size:
        return None
    top = float(np.max(w))
    if not top > 0 or not math.isfinite(top):
        return None
    return math.frexp(top)[1]


def scaled(w: np.ndarray, exp: int) -> np.ndarray:
    """``w * 2**-exp``, exactly (but for results below the normal range)."""
    return np.ldexp(w, -exp) if exp else w


def unscale(value: float, exp: int, what: str) -> float:
    """``value * 2**exp``: a figure that is a weighted sum, in the units of the weights;
    an input error when it is beyond the float range (the weights are relative)."""
    if not exp or not math.isfinite(value):
        return value
    try:
        return math.ldexp(value, exp)
    except OverflowError:
        raise WeightOverflow(what) from None


class WeightOverflow(InputError):
    """A weighted sum that is a figure of the report (a loss's sum, a weighted count of
    the confusion matrix) beyond the float range: the weights are too large."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is beyond the float range with these weights",
            hint="--weights are relative: divide them by a power of ten; the means and "
            "metrics stay the same",
        )


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

    def rescale(self, shift: int) -> None:
        """Multiply by ``2**shift`` (exact but below the normal range)."""
        self.total = math.ldexp(self.total, shift)
        self.comp = math.ldexp(self.comp, shift)


@dataclass
class WeightedSum:
    """Σ w·v, Σ w and the count of one per-sample quantity; with weights, both sums are in
    units of ``2**exp`` (see the module's docstring)."""

    sum: CompensatedSum = field(default_factory=CompensatedSum)
    weight: CompensatedSum = field(default_factory=CompensatedSum)
    count: int = 0
    exp: int = 0
    name: str = "a loss"  # for the message when the sum overflows
    vexp: int = 0  # Σ w·v alone is in units of 2**(exp + vexp): 64 once it overflowed

    def update(self, values: np.ndarray, weights: np.ndarray | None, exp: int = 0) -> None:
        """``weights`` (if any) are in units of ``2**exp``."""
        if weights is None:
            self._add_terms(values)
            self.weight.add(float(values.shape[0]))
        else:
            e = weight_exponent(weights)
            if e is not None:
                self._raise_to(e + exp)
            w = scaled(weights, self.exp - exp)
            # 0-weight samples contribute nothing, even where the loss is inf.
            prod = np.where(w > 0, values * w, 0.0)
            self._add_terms(prod)
            self.weight.add(float(np.sum(w)))
        self.count += int(values.shape[0])

    def _add_terms(self, terms: np.ndarray) -> None:
        """Σ terms into the sum; if the sum of finite terms goes beyond the float range
        (values near 1e308), from then on in units of 2**64 (exact but below 2**-958):
        the mean stays finite and right."""
        with np.errstate(over="ignore", invalid="ignore"):
            s = float(np.sum(scaled(terms, self.vexp)))
            if (
                not self.vexp
                and not math.isfinite(s + self.sum.total)
                and math.isfinite(self.sum.total)
                and bool(np.all(np.isfinite(terms)))
            ):
                self.vexp = VALUE_SHIFT
                self.sum.rescale(-VALUE_SHIFT)
                s = float(np.sum(scaled(terms, VALUE_SHIFT)))
        self.sum.add(s)

    def _raise_to(self, exp: int) -> None:
        if self.weight.total == 0 and self.weight.comp == 0:
            self.exp = exp  # nothing held yet (a sum of NaN·0 stays as it is)
        elif exp > self.exp:
            self.sum.rescale(self.exp - exp)
            self.weight.rescale(self.exp - exp)
            self.exp = exp

    def merge(self, other: WeightedSum) -> None:
        if other.weight.total != 0 or other.weight.comp != 0:
            self._raise_to(other.exp)
        if other.vexp > self.vexp:
            self.sum.rescale(self.vexp - other.vexp)
            self.vexp = other.vexp
        shift = other.exp - self.exp
        if shift or other.vexp != self.vexp:
            other = WeightedSum(
                CompensatedSum(other.sum.total, other.sum.comp),
                CompensatedSum(other.weight.total, other.weight.comp),
                other.count,
                other.exp,
                other.name,
                other.vexp,
            )
            other.sum.rescale(shift + other.vexp - self.vexp)
            other.weight.rescale(shift)
        if not self.vexp and not math.isfinite(self.sum.total + other.sum.total):
            if math.isfinite(self.sum.total) and math.isfinite(other.sum.total):
                self.vexp = VALUE_SHIFT
                self.sum.rescale(-VALUE_SHIFT)
                other.sum.rescale(-VALUE_SHIFT)
        self.sum.merge(other.sum)
        self.weight.merge(other.weight)
        self.count += other.count

    @property
    def total(self) -> float:
        """Σ w·v in the units of the weights (an input error beyond the float range)."""
        if self.vexp and not self.exp:
            try:
                return math.ldexp(self.sum.value, self.vexp)
            except OverflowError:
                raise InputError(
                    f"the sum of {self.name} is beyond the float range (values near 1e308)",
                    hint="scale the targets and predictions down; the mean is finite",
                ) from None
        return unscale(self.sum.value, self.exp + self.vexp, f"the weighted sum of {self.name}")

    @property
    def mean(self) -> float:
        w = self.weight.value  # both sums in units of 2**exp: the ratio needs no unscaling
        if not w > 0:
            return math.nan
        m = self.sum.value / w
        if not self.vexp:
            return m
        try:
            return math.ldexp(m, self.vexp)
        except OverflowError:
            return math.inf if m > 0 else -math.inf


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
    # the binary exponents (math.frexp) of the largest and the smallest positive weight
    weight_range: tuple[int, int] | None = None
    breakdown: Any = None  # --per-class: a losscli.scoring.perclass.Breakdown

    def update_weight_range(self, w: np.ndarray | None) -> None:
        if w is None or not w.size:
            return
        hi = weight_exponent(w)
        if hi is None:
            return
        low = float(np.min(w, where=w > 0, initial=math.inf))
        self._widen((hi, math.frexp(low)[1]))

    def _widen(self, other: tuple[int, int] | None) -> None:
        if other is None:
            return
        if self.weight_range is None:
            self.weight_range = other
        else:
            self.weight_range = (
                max(self.weight_range[0], other[0]),
                min(self.weight_range[1], other[1]),
            )

    def check_weights(self) -> None:
        """An input error when the positive weights span more than the float range (the
        ratio of the largest to the smallest overflows): the small ones would vanish."""
        if self.weight_range is None:
            return
        hi, lo = self.weight_range
        if hi - lo > 1024:
            raise InputError(
                f"the weights span more than the float range (from about 2**{lo - 1} to "
                f"2**{hi}): the smallest would count as 0 beside the largest",
                hint="--weights are relative: give the smallest positive ones as 0, or "
                "bring them closer together",
            )

    def update_losses(
        self,
        loss_values: dict[str, np.ndarray],
        weights: np.ndarray | None,
        n: int,
        loss_weights: dict[str, tuple[np.ndarray, int]] | None = None,
    ) -> None:
        """``loss_weights`` overrides ``weights`` for some losses (e.g. class weights):
        (weights in units of ``2**exp``, exp)."""
        for name, v in loss_values.items():
            w, exp = (loss_weights or {}).get(name, (weights, 0))
            self.losses.setdefault(name, WeightedSum(name=name)).update(v, w, exp)
        self.n_samples += n

    def merge(self, other: Accumulator) -> Accumulator:
        for name, acc in other.losses.items():
            self.losses.setdefault(name, WeightedSum(name=name)).merge(acc)
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
        if other.breakdown is not None:
            if self.breakdown is None:
                self.breakdown = other.breakdown
            else:
                self.breakdown.merge(other.breakdown)
        self.n_samples += other.n_samples
        self.omitted += other.omitted
        for name, count in other.clipped.items():
            self.clipped[name] = self.clipped.get(name, 0) + count
        self.nonfinite += other.nonfinite
        self._widen(other.weight_range)
        self.logit_rows += other.logit_rows
        self.logit_not_probabilities += other.logit_not_probabilities
        self.unmatched = (
            self.unmatched[0] + other.unmatched[0],
            self.unmatched[1] + other.unmatched[1],
        )
        return self
