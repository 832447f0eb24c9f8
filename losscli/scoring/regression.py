"""The d² scores (scikit-learn's ``d2_absolute_error_score``, ``d2_pinball_score``,
``d2_tweedie_score``): the share of a deviance explained, against the best constant.

d² = 1 − D(y, ŷ) / D(y, c), where D is the mean pinball loss (absolute error: α = 0.5, the
mean absolute error being twice it), c the weighted α-quantile of the targets; or the
mean Tweedie deviance and c the weighted mean of the targets.  The constant needs every
target, so :class:`D2State` keeps the targets and predictions (16 bytes a value, 24 with
weights) and merges by concatenation, like the median absolute error.

Undefined cases as scikit-learn: fewer than two samples is NaN; a zero denominator (a
constant target) gives 1.0 when the numerator is 0 too, else 0.0 (``force_finite``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from losscli.scoring import losses as L
from losscli.scoring.accumulate import scaled, weight_exponent
from losscli.scoring.metrics import Ctx, MomentState, State


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """scikit-learn's ``_weighted_percentile(x, w, 100·q, average=True)`` (>= 1.8): the
    mean of the lower and the upper weighted q-quantiles ("averaged_inverted_cdf"; the
    median for unit weights and q = 0.5)."""
    keep = w > 0
    x, w = x[keep], w[keep]
    order = np.argsort(x)  # ties hold equal values: their order changes no quantile
    xs, ws = x[order], w[order]
    total = float(ws.sum())
    cw = np.cumsum(ws)
    lo = xs[min(int(np.searchsorted(cw, q * total, side="left")), xs.size - 1)]
    top = np.cumsum(ws[::-1])
    hi = xs[::-1][min(int(np.searchsorted(top, (1.0 - q) * total, side="left")), xs.size - 1)]
    return float(0.5 * (lo + hi))


def _fraction(num: np.ndarray, den: np.ndarray, force_finite: bool) -> np.ndarray:
    """1 − num / den per output, with scikit-learn's ``force_finite`` for den = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = 1.0 - num / den
    if not force_finite:
        return raw
    return np.where(den != 0, np.where(num != 0, raw, 1.0), np.where(num != 0, 0.0, 1.0))


@dataclass
class D2State(State):
    kind: str  # d2_absolute_error_score | d2_pinball_score | d2_tweedie_score
    ys: list[np.ndarray] = field(default_factory=list)
    ps: list[np.ndarray] = field(default_factory=list)
    ws: list[np.ndarray | int] = field(default_factory=list)
    # the last figure and the state and parameters it was computed for: the report asks
    # for the figure and for its reason, which would sort every value twice
    _memo: tuple[object, tuple[float, str | None]] | None = field(default=None, repr=False)

    def update(self, y: np.ndarray, p: np.ndarray, w: np.ndarray | None, ctx: Ctx) -> None:
        self.ys.append(y)
        self.ps.append(p)
        self.ws.append(y.shape[0] if w is None else w)
        self._memo = None

    def merge(self, other: State) -> None:
        assert isinstance(other, D2State)
        self.ys += other.ys
        self.ps += other.ps
        self.ws += other.ws
        self._memo = None

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        key = (len(self.ys), repr(sorted(ctx.params.items())))
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, self._explain(ctx))
        return self._memo[1]

    def _explain(self, ctx: Ctx) -> tuple[float, str | None]:
        if not self.ys:
            return math.nan, "is undefined: no samples"
        y = np.concatenate(self.ys)
        p = np.concatenate(self.ps)
        if y.shape[0] < 2:
            return math.nan, "is undefined: d² needs at least two samples (it has one)"
        w = np.concatenate([np.ones(v) if isinstance(v, int) else v for v in self.ws])
        w = scaled(w, weight_exponent(w) or 0)
        if not np.any(w > 0):
            return math.nan, "is undefined: no samples with a positive weight"
        sw = w.sum()
        k = y.shape[1]
        num, den = np.empty(k), np.empty(k)
        for j in range(k):
            yj, pj = y[:, j : j + 1], p[:, j : j + 1]
            if self.kind == "d2_tweedie_score":
                power = float(ctx.params.get("power", 0.0))
                c = np.full_like(yj, float(np.dot(w, yj[:, 0]) / sw))
                num[j] = np.dot(w, L.tweedie_deviance(yj, pj, power=power)) / sw
                den[j] = np.dot(w, L.tweedie_deviance(yj, c, power=power)) / sw
            else:
                alpha = 0.5 if self.kind == "d2_absolute_error_score" else ctx.params["alpha"]
                c = np.full_like(yj, weighted_quantile(yj[:, 0], w, float(alpha)))
                num[j] = np.dot(w, L.pinball(yj, pj, alpha=alpha)) / sw
                den[j] = np.dot(w, L.pinball(yj, c, alpha=alpha)) / sw
        scores = _fraction(num, den, force_finite=self.kind != "d2_tweedie_score")
        value = float(np.mean(scores))
        constant = den == 0
        if self.kind == "d2_tweedie_score" and constant.any():
            return value, "is undefined: the targets are constant (the null deviance is 0)"
        if constant.all():
            how = "the predictions exact" if value == 1.0 else "the predictions not exact"
            return value, f"is undefined: the targets are constant and {how}"
        if constant.any():
            return value, (
                f"is undefined for {int(constant.sum())} of {k} outputs (constant targets); "
                "they count as 1.0 if exact, else 0.0, as scikit-learn does"
            )
        if not math.isfinite(value):
            return value, "is undefined: its deviances overflowed"
        return value, None


@dataclass
class R2State(MomentState):
    """r2, adjusted_r2 and explained_variance: :class:`MomentState`'s sums, with
    scikit-learn's ``force_finite=false`` (the plain formula: NaN for 0/0, −inf for x/0)
    and the adjusted R²."""

    def explain(self, ctx: Ctx) -> tuple[float, str | None]:
        adjusted = self.kind == "adjusted_r2"
        if adjusted:
            self.kind = "r2"  # MomentState's R² from the same sums
            try:
                value, why = super().explain(ctx)
            finally:
                self.kind = "adjusted_r2"
        else:
            value, why = super().explain(ctx)
        if self.sse is None or self.m2_y is None or self.m2_e is None or self.n < 2:
            return value, why
        if not ctx.params.get("force_finite", True):
            num = self.sse if self.kind != "explained_variance" else self.m2_e
            with np.errstate(divide="ignore", invalid="ignore"):
                scores = 1.0 - num / self.m2_y
                value = float(np.mean(scores))
                if ctx.params.get("multioutput") == "variance_weighted" and np.any(self.m2_y):
                    value = float(np.sum(scores * self.m2_y) / np.sum(self.m2_y))
            if np.any(self.m2_y == 0):
                why = (
                    "is undefined: constant targets (a zero variance), NaN or -inf with "
                    "force_finite=false"
                )
        if adjusted:
            value, bad = adjusted_r2(value, self.n, int(ctx.params["n_features"]))
            why = bad or why
        return value, why


def adjusted_r2(r2: float, n: int, n_features: int) -> tuple[float, str | None]:
    """1 − (1 − R²)·(n − 1)/(n − p − 1), n the number of rows, p the number of features;
    undefined (NaN) when n − p − 1 <= 0 (torchmetrics then falls back to the plain R²)."""
    dof = n - n_features - 1
    if dof <= 0:
        return math.nan, (
            f"is undefined: n − n_features − 1 = {dof} (n = {n} rows, n_features = "
            f"{n_features}); it needs more rows than features + 1"
        )
    return 1.0 - (1.0 - r2) * (n - 1) / dof, None


def regression_state(name: str, kind: str) -> State:
    """The state of a regression metric entry whose ``state`` is ``moments`` or ``d2``."""
    return R2State(name) if kind == "moments" else D2State(name)
