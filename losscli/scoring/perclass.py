"""``--per-class``: the report broken down by class (classification) or by output
(regression with several outputs), as an accumulator of sums.

Per class (binary: both classes; multilabel: per label), from the run's confusion matrix
(the same decisions as accuracy, precision, ...): ``precision``, ``recall``, ``f1``,
``support`` (the weight of the samples of that true class: their count without weights)
and ``count`` (always the integer count).  With weights the figures are those of
``sklearn.metrics.precision_recall_fscore_support(average=None, sample_weight=w)``; a
class without predictions (precision) or without samples (recall) gets 0.0 with a
warning, scikit-learn's default ``zero_division="warn"``.

Per class and loss (binary and multiclass; not multilabel, whose per-sample loss mixes
the labels of a sample): ``mean``, the mean loss over the samples of that true class,
and ``share``, that class's part of the loss's weighted sum (class weights included).

Per output of a regression (mse, mae, r2 and, asked by ``multioutput=raw_values``, the
raw values of rmse, mae, r2 and explained_variance): sums per output, as the metrics'
own states keep them.

Every sum is a ``np.bincount`` of a chunk, merged by addition (weights scaled by a power
of two as in :mod:`losscli.scoring.accumulate`), so a chunked, a whole, a ``--jobs`` and
a Dask run give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.scoring import losses as L
from losscli.scoring.accumulate import WeightedSum, scaled, weight_exponent
from losscli.scoring.metrics import MomentState

# the metrics whose multioutput=raw_values the per-output breakdown gives
RAW_VALUES = ("rmse", "mae", "r2", "explained_variance")
ZERO_DIVISION = (
    "per-class {what} is undefined for {which} ({why}); reported as 0.0, as scikit-learn "
    "does (zero_division='warn')"
)


@dataclass
class Sums:
    """Arrays of sums in units of ``2**exp`` (weights are relative), merged by addition."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    exp: int = 0

    def add(self, new: dict[str, np.ndarray], exp: int) -> None:
        if not self.arrays:
            self.arrays, self.exp = {k: v.astype(np.float64) for k, v in new.items()}, exp
            return
        if not any(v.any() for v in self.arrays.values()):
            self.exp = exp  # nothing held yet: take the new scale
        if exp > self.exp:
            self.arrays = {k: np.ldexp(v, self.exp - exp) for k, v in self.arrays.items()}
            self.exp = exp
        elif exp < self.exp:
            new = {k: np.ldexp(v, exp - self.exp) for k, v in new.items()}
        for k, v in new.items():
            mine = self.arrays[k]
            if mine.size < v.size:
                mine = np.r_[mine, np.zeros(v.size - mine.size)]
            elif v.size < mine.size:
                v = np.r_[v, np.zeros(mine.size - v.size)]
            self.arrays[k] = mine + v

    def merge(self, other: Sums) -> None:
        if other.arrays:
            self.add({k: v.copy() for k, v in other.arrays.items()}, other.exp)


def wanted(plan: Any) -> bool:
    """Whether the run keeps a breakdown: ``--per-class``, or a raw_values metric."""
    return bool(getattr(plan, "per_class", False)) or bool(raw_metrics(plan))


def raw_metrics(plan: Any) -> list[str]:
    return [e.name for e, p in plan.metrics if p.get("multioutput") == "raw_values"]


@dataclass
class Breakdown:
    """The sums of the breakdown (see the module's docstring)."""

    task: str
    count: np.ndarray | None = None  # int64 per class / label (true class; label positive)
    losses: dict[str, Sums] = field(default_factory=dict)  # per loss: "sum", "weight"
    # per loss: "sq", Σ (weight·loss)² per class (in units of 2**(2·exp)), and whether a
    # value was negative: the per-class intervals of --ci (unweighted runs)
    squares: dict[str, Sums] = field(default_factory=dict)
    negative: dict[str, bool] = field(default_factory=dict)
    abs_err: list[WeightedSum] = field(default_factory=list)  # regression, per output
    moments: MomentState | None = None  # regression: sse, Σw, M2 per output
    outputs: list[str] = field(default_factory=list)  # regression: the prediction columns

    def update(self, prep: Any, plan: Any, loss_values: dict[str, np.ndarray]) -> None:
        with np.errstate(all="ignore"):
            self._update(prep, plan, loss_values)

    def _update(self, prep: Any, plan: Any, loss_values: dict[str, np.ndarray]) -> None:
        y, w = prep.y, prep.weights
        if self.task == "regression":
            if self.moments is None:
                self.moments = MomentState("r2")
            self.moments.update(y, prep.p, w, None)  # type: ignore[arg-type]
            err = np.abs(prep.p - y)
            while len(self.abs_err) < err.shape[1]:
                self.abs_err.append(WeightedSum(name="an absolute error"))
            for k, acc in enumerate(self.abs_err):
                acc.update(err[:, k], w)
            return
        if self.task == "multilabel":
            pos = (y > 0.5).astype(np.int64).sum(axis=0)
            self.count = pos if self.count is None else self.count + pos
            return
        c = 2 if self.task == "binary" else y.shape[1]
        t = L.true_labels(self.task, y).astype(np.intp).reshape(-1)
        n = np.bincount(t, minlength=c).astype(np.int64)
        self.count = n if self.count is None else self.count + n
        for entry, params in plan.losses:
            values = loss_values[entry.name]
            ww = w
            cw = params.get("class_weight")
            if cw is not None and y.ndim == 2:
                factor = y @ np.asarray(cw, dtype=np.float64)
                ww = factor if w is None else factor * w
            if ww is None:
                exp, wv = 0, np.ones(values.shape[0])
            else:
                exp = weight_exponent(ww) or 0
                wv = scaled(ww, exp)
            prod = np.where(wv > 0, values * wv, 0.0)
            sums = {
                "sum": np.bincount(t, weights=prod, minlength=c),
                "weight": np.bincount(t, weights=wv, minlength=c),
            }
            self.losses.setdefault(entry.name, Sums()).add(sums, exp)
            sq = {"sq": np.bincount(t, weights=prod * prod, minlength=c)}
            self.squares.setdefault(entry.name, Sums()).add(sq, 2 * exp)
            self.negative[entry.name] = self.negative.get(entry.name, False) or bool(
                np.any(prod < 0)
            )

    def merge(self, other: Breakdown) -> None:
        self.outputs = self.outputs or other.outputs
        if other.count is not None:
            self.count = other.count.copy() if self.count is None else self.count + other.count
        for name, sums in other.losses.items():
            self.losses.setdefault(name, Sums()).merge(sums)
        for name, sums in other.squares.items():
            self.squares.setdefault(name, Sums()).merge(sums)
        for name, neg in other.negative.items():
            self.negative[name] = self.negative.get(name, False) or neg
        if other.moments is not None:
            if self.moments is None:
                self.moments = MomentState("r2")
            self.moments.merge(other.moments)
        while len(self.abs_err) < len(other.abs_err):
            self.abs_err.append(WeightedSum(name="an absolute error"))
        for mine, theirs in zip(self.abs_err, other.abs_err):
            mine.merge(theirs)


def update(
    acc: Any,
    prep: Any,
    plan: Any,
    loss_values: dict[str, np.ndarray],
    outputs: list[str] | None = None,
) -> None:
    """One chunk into ``acc.breakdown`` (made on the first chunk); ``outputs``: the names
    of a regression's prediction columns."""
    if acc.breakdown is None:
        acc.breakdown = Breakdown(plan.task, outputs=list(outputs or []))
    acc.breakdown.update(prep, plan, loss_values)


def check(plan: Any, n_outputs: int) -> None:
    """``--per-class`` on a regression with one output: nothing to break down, a usage
    error rather than a silent no-op."""
    if getattr(plan, "per_class", False) and plan.task == "regression" and n_outputs < 2:
        raise UsageError(
            "--per-class needs classes or several outputs: this is a regression with one "
            "output (its figures are the report's)",
            hint="drop --per-class, or pass --task if the targets are classes",
        )


# ----------------------------------------------------------------------------- figures


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(a, b).shape, dtype=np.float64)
    np.divide(a, b, out=out, where=b != 0)
    return out


def _names(names: list[str], k: int) -> list[str]:
    return [names[i] if i < len(names) else str(i) for i in range(k)]


def figures(
    acc: Any, plan: Any, names: list[str]
) -> tuple[str, dict[str, dict[str, Any]], list[str], list[str]]:
    """(key, {class or output: {figure: value}}, warnings, notes): ``key`` is
    ``per_class`` or, for a regression, ``per_output``."""
    b: Breakdown | None = acc.breakdown
    if b is not None and acc.nonfinite:
        return (
            "per_class",
            {},
            [],
            ["no breakdown: NaN/inf values were passed on (--nan-policy propagate)"],
        )
    if b is None:
        return "per_class", {}, [], []
    if b.task == "regression":
        raw = raw_metrics(plan)
        said = [
            f"multioutput=raw_values: the per-output values of {', '.join(raw)} are in the "
            "per-output breakdown; the figure itself is their uniform average"
        ]
        return "per_output", _outputs(b, plan, b.outputs), [], said if raw else []
    if not getattr(plan, "per_class", False) or acc.confusion is None:
        return "per_class", {}, [], []
    m = acc.confusion.counts()
    if m is None:
        return "per_class", {}, [], []
    m = np.asarray(m)
    weighted = m.dtype.kind == "f"
    if m.ndim == 3:  # multilabel: [[tn, fp], [fn, tp]] per label
        tp, pred, support = m[:, 1, 1], m[:, 0, 1] + m[:, 1, 1], m[:, 1, :].sum(axis=1)
    else:
        tp, pred, support = np.diag(m), m.sum(axis=0), m.sum(axis=1)
    tpf, predf, supf = (np.asarray(x, dtype=np.float64) for x in (tp, pred, support))
    precision, recall = _div(tpf, predf), _div(tpf, supf)
    f1 = _div(2 * tpf, predf + supf)
    k = tp.shape[0]
    labels = _names(names, k)
    count = b.count if b.count is not None else np.zeros(k, np.int64)
    out: dict[str, dict[str, Any]] = {}
    for i, label in enumerate(labels):
        row: dict[str, Any] = {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": float(support[i]) if weighted else int(support[i]),
            "count": int(count[i]) if i < count.size else 0,
        }
        for name, sums in b.losses.items():
            s, wt = sums.arrays["sum"], sums.arrays["weight"]
            total = float(np.sum(s))
            mean = float(s[i] / wt[i]) if i < wt.size and wt[i] > 0 else math.nan
            share = float(s[i] / total) if i < s.size and total != 0 else math.nan
            row.setdefault("losses", {})[name] = {"mean": mean, "share": share}
        out[label] = row
    warnings = []
    what = "labels" if m.ndim == 3 else "classes"  # [:5]: label, class
    for fig, den, why in (
        ("precision", predf, "no predictions of them"),
        ("recall", supf, "no samples of them"),
    ):
        bad = [labels[i] for i in np.flatnonzero(den == 0)]
        if bad:
            which = ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else "")
            warnings.append(
                ZERO_DIVISION.format(
                    what=fig,
                    which=f"{what if len(bad) > 1 else what[:5]} {which}",
                    why=why if len(bad) > 1 else why.replace("them", "it"),
                )
            )
    if b.losses:
        weight = next(iter(b.losses.values())).arrays["weight"]
        empty = [labels[i] for i in range(k) if not (i < weight.size and weight[i] > 0)]
        if empty:
            warnings.append(
                f"per-class loss means are undefined for {', '.join(empty[:10])} (no samples "
                "of positive weight); reported as NaN"
            )
    return "per_class", out, warnings, []


# ----------------------------------------------------------------------------- intervals


def _iv(low: float, high: float, level: float, method: str) -> dict[str, Any]:
    return {"low": float(low), "high": float(high), "level": level, "method": method}


def _wilson(k: float, n: float, level: float) -> dict[str, Any]:
    from losscli.stats.intervals import wilson

    found = wilson(float(k), float(n), level)
    return _iv(found.low, found.high, level, "wilson")


def _f1(tp: float, union: float, level: float) -> dict[str, Any]:
    """F1 = 2J / (1 + J), J = tp / (tp + fp + fn) the Jaccard index: given the ``union``
    (the samples predicted or truly of the class), tp is binomial with probability J, so
    Wilson's interval of J, mapped by the increasing 2J / (1 + J), is one of F1."""
    j = _wilson(tp, union, level)
    return _iv(
        2 * j["low"] / (1 + j["low"]), 2 * j["high"] / (1 + j["high"]), level, "wilson_jaccard"
    )


def intervals(
    per_class: dict[str, dict[str, Any]], acc: Any, level: float, weighted: bool
) -> tuple[list[str], list[str]]:
    """``--per-class --ci``: an ``intervals`` entry in every class's row, shaped as the row
    (``{"precision", "recall", "f1", "losses": {LOSS: {"mean", "share"}}}``, each ``{low,
    high, level, method}``); (warnings, notes).  Closed forms on the counts:

    * precision, recall: Wilson's score interval of tp among the predicted / true samples;
    * f1: Wilson's interval of the Jaccard index tp / (tp + fp + fn), mapped by 2J/(1+J)
      (``wilson_jaccard``);
    * a loss's mean over the class: Student's t on the class's per-sample losses (``t``),
      not below 0 for a loss without negative values;
    * a loss's share: the ratio of two totals, by the delta method (the linearised variance
      n/(n−1)·Σ_i (u_i − R·v_i)² / (Σ v)², u the class's losses and v every loss;
      Cochran, "Sampling techniques", 1977, §6.3), a normal interval kept in [0, 1].

    A weighted run gets none (these count samples), with a note."""
    b: Breakdown | None = acc.breakdown
    if not per_class or b is None or acc.confusion is None:
        return [], []
    if weighted:
        return [], [
            "--per-class --ci: the per-class figures of a weighted run get no interval (the "
            "closed forms count samples); the report's figures have theirs"
        ]
    m = acc.confusion.counts()
    if m is None:
        return [], []
    m = np.asarray(m, dtype=np.float64)
    if m.ndim == 3:
        tp, pred, support = m[:, 1, 1], m[:, 0, 1] + m[:, 1, 1], m[:, 1, :].sum(axis=1)
    else:
        tp, pred, support = np.diag(m), m.sum(axis=0), m.sum(axis=1)
    count = b.count if b.count is not None else np.zeros(tp.shape[0], np.int64)
    losses = _loss_intervals(b, count, level)
    undefined: list[str] = []
    for i, (label, row) in enumerate(per_class.items()):
        ivs: dict[str, Any] = {
            "precision": _wilson(tp[i], pred[i], level),
            "recall": _wilson(tp[i], support[i], level),
            "f1": _f1(tp[i], pred[i] + support[i] - tp[i], level),
        }
        if row.get("losses"):
            ivs["losses"] = {name: {k: v[i] for k, v in by.items()} for name, by in losses.items()}
        row["intervals"] = ivs
        bad = [f for f in ("precision", "recall", "f1") if math.isnan(ivs[f]["low"])]
        bad += [
            f"{name}.{k}"
            for name, by in ivs.get("losses", {}).items()
            for k, iv in by.items()
            if math.isnan(iv["low"])
        ]
        if bad:
            undefined.append(f"{label} ({', '.join(bad)})")
    warnings = []
    if undefined:
        listed = "; ".join(undefined[:10]) + (" ..." if len(undefined) > 10 else "")
        warnings.append(
            "per-class intervals undefined (reported as NaN: no samples to count, or fewer "
            f"than two for a mean) for {listed}"
        )
    return warnings, []


def _loss_intervals(
    b: Breakdown, count: np.ndarray, level: float
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per loss, per class: the intervals of the class's mean loss and of its share."""
    from scipy.stats import norm, t

    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    z = float(norm.ppf(0.5 + level / 2.0))
    for name, sums in b.losses.items():
        k = sums.arrays["sum"].size
        s = np.ldexp(sums.arrays["sum"], sums.exp)
        wt = np.ldexp(sums.arrays["weight"], sums.exp)
        sq_sums = b.squares.get(name)
        q = np.ldexp(sq_sums.arrays["sq"], sq_sums.exp) if sq_sums else np.full(k, math.nan)
        n = np.zeros(k)
        n[: min(k, count.size)] = count[:k]
        floor = not b.negative.get(name, False)
        means, shares = [], []
        total, q_total, n_total = float(np.sum(s)), float(np.sum(q)), float(np.sum(n))
        for i in range(k):
            if n[i] >= 2 and wt[i] > 0:
                var = max(float(q[i] - s[i] * s[i] / n[i]), 0.0) / (n[i] - 1)  # of w·loss
                half = float(t.ppf(0.5 + level / 2.0, n[i] - 1)) * math.sqrt(var / n[i])
                half *= n[i] / wt[i]  # back to the loss's own scale
                mean = float(s[i] / wt[i])
                low = max(mean - half, 0.0) if floor else mean - half
                means.append(_iv(low, mean + half, level, "t"))
            else:
                means.append(_iv(math.nan, math.nan, level, "t"))
            if n_total >= 2 and total != 0:
                r = float(s[i] / total)
                d2 = (1 - r) ** 2 * q[i] + r * r * (q_total - q[i])
                half = z * math.sqrt(max(float(d2), 0.0) * n_total / (n_total - 1)) / abs(total)
                low, high = r - half, r + half
                if floor:
                    low, high = max(low, 0.0), min(high, 1.0)
                shares.append(_iv(low, high, level, "delta"))
            else:
                shares.append(_iv(math.nan, math.nan, level, "delta"))
        out[name] = {"mean": means, "share": shares}
    return out


def _outputs(b: Breakdown, plan: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per output: mse, mae, r2 (``--per-class``) and every raw_values metric."""
    st = b.moments
    if st is None or st.sse is None or st.w is None or st.m2_y is None or st.m2_e is None:
        return {}
    k = st.sse.shape[0]
    mse = _div(st.sse, st.w)
    mae = np.array([a.mean for a in b.abs_err[:k]])

    def score(num: np.ndarray) -> np.ndarray:  # scikit-learn's force_finite
        den = st.m2_y
        assert den is not None
        return np.where(den != 0, 1.0 - _div(num, den), np.where(num == 0, 1.0, 0.0))

    r2 = score(st.sse) if st.n >= 2 else np.full(k, math.nan)
    every = {
        "mse": mse,
        "rmse": np.sqrt(mse),
        "mae": mae,
        "r2": r2,
        "explained_variance": score(st.m2_e),
    }
    shown = ["mse", "mae", "r2"] if getattr(plan, "per_class", False) else []
    shown += [n for n in raw_metrics(plan) if n in every and n not in shown]
    return {
        label: {n: float(every[n][i]) for n in shown} for i, label in enumerate(_names(names, k))
    }
