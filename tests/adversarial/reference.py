"""The figures a campaign run should report, computed independently from the arrays the
generator wrote (numpy closed forms and scikit-learn), and the comparison with what the
run reported (its JSON, or the one number of ``-f value``).

:func:`check_report` is the cross-check: every loss and metric in the report must equal
the reference to 1e-9 relative.  Where the reading of the input is a decision losscli
makes and states (a ``note``: 0/1 predictions "taken as hard labels", predictions
outside [0, 1] "taken as raw decision scores: decisions threshold at 0", ``--from-logits``),
the stated reading is the one checked.  A run whose reading the generator cannot know
(``--no-header`` on text, a column picked by number, a task without a reference here)
is not checked; :func:`reading` says why, and the campaign counts those.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REL_TOL = 1e-9
ABS_TOL = 1e-12  # for figures that are 0 up to rounding (a perfect fit's r2 - 1)


@dataclass
class Written:
    """What the generator wrote: the true targets, predictions and weights (None when
    the weights file is not a valid one), and how."""

    y: list[float]
    p: list[float]
    w: list[float] | None = None
    fmt: str = "csv"
    one_file: bool = True
    has_id: bool = False
    exact: bool = True  # False once a file was mutated or the weights are broken
    why_not: list[str] = field(default_factory=list)


@dataclass
class Reading:
    y: np.ndarray
    p: np.ndarray
    w: np.ndarray | None  # scaled to a largest weight of 1, for the means
    w_raw: np.ndarray | None  # as written, for the sums


def _flag(cmd: Sequence[str], name: str) -> str | None:
    return cmd[cmd.index(name) + 1] if name in cmd else None


def reading(cmd: Sequence[str], data: Written) -> Reading | str:
    """The arrays the command reads, or why the generator cannot say which they are."""
    if not data.exact:
        return "inexact: " + "; ".join(data.why_not)
    text = data.fmt in ("csv", "tsv", "csv.gz")
    if "--no-header" in cmd and text:
        return "--no-header on a text file"
    tcol, pcol, idcol = _flag(cmd, "--target-col"), _flag(cmd, "--pred-col"), _flag(cmd, "--id-col")
    if idcol not in (None, "id") or (idcol == "id" and not data.has_id):
        return f"--id-col {idcol}"
    if data.fmt == "npy" and (tcol or pcol or idcol or data.has_id):
        return "column names on a .npy"
    y, p = data.y, data.p
    if (tcol, pcol) in ((None, None), ("y", None), (None, "p"), ("y", "p")):
        pass
    elif (tcol, pcol) in (("p", "y"), ("p", None)) and data.one_file and not data.has_id:
        y, p = p, y
    else:
        return f"--target-col {tcol} --pred-col {pcol}"
    w_raw = None if data.w is None else np.asarray(data.w, float)
    w = w_raw
    if w is not None and w.max() > 0:
        w = w / w.max()  # weights are relative: the reference sums them in range
    return Reading(np.asarray(y, float), np.asarray(p, float), w, w_raw)


# -- the references ---------------------------------------------------------------------


def _mean(values: np.ndarray, w: np.ndarray | None) -> float:
    if w is None:
        return math.fsum(values.tolist()) / len(values)
    return math.fsum((values * w).tolist()) / math.fsum(w.tolist())


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


@dataclass
class Kind:
    """How the binary predictions are read (the stated reading)."""

    scores: bool  # decision scores or logits: decide at 0
    logits: bool  # probability losses see sigmoid(p)


def _bce(y: np.ndarray, p: np.ndarray, prm: dict[str, Any], kind: Kind) -> np.ndarray | None:
    if prm.get("label_smoothing", 0.0) != 0.0 or prm.get("base", "e") != "e":
        return None
    pw = float(prm.get("pos_weight", 1.0))
    if prm.get("from_logits"):
        return pw * y * _softplus(-p) + (1 - y) * _softplus(p)
    q = np.clip(p, prm["eps"], 1 - prm["eps"])
    return -(pw * y * np.log(q) + (1 - y) * np.log1p(-q))


def _focal(y: np.ndarray, p: np.ndarray, prm: dict[str, Any], kind: Kind) -> np.ndarray:
    # torchvision.ops.sigmoid_focal_loss, probabilities clipped to [eps, 1 - eps]
    if prm.get("from_logits"):
        prob = 1 / (1 + np.exp(-p))
        ce = y * _softplus(-p) + (1 - y) * _softplus(p)
    else:
        prob = np.clip(p, prm["eps"], 1 - prm["eps"])
        ce = -(y * np.log(prob) + (1 - y) * np.log1p(-prob))
    p_t = prob * y + (1 - prob) * (1 - y)
    loss = ce * (1 - p_t) ** float(prm["gamma"])
    if prm.get("alpha") is not None:
        a = float(prm["alpha"])
        loss = (a * y + (1 - a) * (1 - y)) * loss
    return loss


def _decide(p: np.ndarray, kind: Kind) -> np.ndarray:
    return (p > 0.0 if kind.scores else p > 0.5).astype(float)


def _sign(y: np.ndarray) -> np.ndarray:
    return 2 * y - 1


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


Loss = Callable[[np.ndarray, np.ndarray, dict[str, Any], Kind], "np.ndarray | None"]

BINARY_LOSSES: dict[str, Loss] = {
    "binary_cross_entropy": _bce,
    "focal": _focal,
    "hinge": lambda y, p, prm, k: np.maximum(0, 1 - _sign(y) * p),
    "squared_hinge": lambda y, p, prm, k: np.maximum(0, 1 - _sign(y) * p) ** 2,
    "logistic": lambda y, p, prm, k: (
        _softplus(-_sign(y) * p) if prm.get("base", "e") == "e" else None
    ),
    "exponential": lambda y, p, prm, k: np.exp(-_sign(y) * p),
    "perceptron": lambda y, p, prm, k: np.maximum(0, -_sign(y) * p),
    "zero_one": lambda y, p, prm, k: (_decide(p, k) != y).astype(float),
}

REGRESSION_LOSSES: dict[str, Loss] = {
    "mse": lambda y, p, prm, k: (y - p) ** 2,
    "mae": lambda y, p, prm, k: np.abs(y - p),
    "huber": lambda y, p, prm, k: _huber(y - p, float(prm["delta"])),
    "log_cosh": lambda y, p, prm, k: np.logaddexp(p - y, y - p) - np.log(2),
    "pinball": lambda y, p, prm, k: np.maximum(
        float(prm["alpha"]) * (y - p), (float(prm["alpha"]) - 1) * (y - p)
    ),
}


def _sk(fn: str, *args: Any, **kw: Any) -> float:
    import sklearn.metrics as skm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(getattr(skm, fn)(*args, **kw))
        except ValueError:  # "Only one class present": undefined
            return math.nan


Metric = Callable[[np.ndarray, np.ndarray, "np.ndarray | None", Kind], "float | None"]


def _two_classes(y: np.ndarray) -> bool:
    return len(np.unique(y)) == 2


BINARY_METRICS: dict[str, Metric] = {
    "accuracy": lambda y, p, w, k: _sk("accuracy_score", y, _decide(p, k), sample_weight=w),
    "balanced_accuracy": lambda y, p, w, k: (
        _sk("balanced_accuracy_score", y, _decide(p, k), sample_weight=w)
        if _two_classes(y)
        else None
    ),
    "precision": lambda y, p, w, k: _sk(
        "precision_score", y, _decide(p, k), sample_weight=w, zero_division=0
    ),
    "recall": lambda y, p, w, k: _sk(
        "recall_score", y, _decide(p, k), sample_weight=w, zero_division=0
    ),
    "f1": lambda y, p, w, k: _sk("f1_score", y, _decide(p, k), sample_weight=w, zero_division=0),
    "mcc": lambda y, p, w, k: (
        _sk("matthews_corrcoef", y, _decide(p, k), sample_weight=w) if _two_classes(y) else None
    ),
    "roc_auc": lambda y, p, w, k: _sk("roc_auc_score", y, p, sample_weight=w),
    "average_precision": lambda y, p, w, k: (
        _sk("average_precision_score", y, p, sample_weight=w) if _two_classes(y) else None
    ),
    "brier": lambda y, p, w, k: None if k.scores else _mean((p - y) ** 2, w),
}

REGRESSION_METRICS: dict[str, Metric] = {
    "rmse": lambda y, p, w, k: math.sqrt(_mean((y - p) ** 2, w)),
    "mae": lambda y, p, w, k: _mean(np.abs(y - p), w),
    "r2": lambda y, p, w, k: _sk("r2_score", y, p, sample_weight=w),
    "explained_variance": lambda y, p, w, k: _sk("explained_variance_score", y, p, sample_weight=w),
    "max_error": lambda y, p, w, k: _sk("max_error", y, p) if w is None else None,
    "median_absolute_error": lambda y, p, w, k: (
        _sk("median_absolute_error", y, p) if w is None else None
    ),
}


# -- the check ---------------------------------------------------------------------------


def close(got: float | str | None, want: float) -> bool:
    """``got`` as the JSON report writes it: a number, or "nan", "inf", "-inf"."""
    if got is None:
        return False
    if isinstance(got, str):
        if got not in ("nan", "inf", "-inf"):
            return False
        got = float(got)
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _binary_targets(y: np.ndarray, report: dict[str, Any]) -> np.ndarray | str:
    labels = report.get("confusion_matrix", {}).get("labels")
    values = sorted(set(y.tolist()))
    if labels:
        pos = float(labels[-1])
    elif set(values) <= {0.0, 1.0} or set(values) <= {-1.0, 1.0}:
        pos = 1.0
    else:
        return f"binary targets {values[:4]} without labels"
    if len(values) > 2:
        return f"binary targets {values[:4]}"
    return (y == pos).astype(float)


# the entries whose inputs are raw scores, and those whose inputs are probabilities
SCORE_INPUTS = {"hinge", "squared_hinge", "logistic", "exponential", "perceptron"}
PROBABILITY_INPUTS = {"binary_cross_entropy", "focal", "brier", "ece", "mce"}


def _kind(cmd: Sequence[str], report: dict[str, Any]) -> Kind:
    """The stated reading (a note, --from-logits) or the documented rule (README, Tasks
    and defaults): predictions are raw scores, decided at 0, when a margin loss is asked
    for and no probability entry is, even inside [0, 1] (no note says so)."""
    notes = " ".join(report.get("notes", []))
    logits = "--from-logits" in cmd or any(
        d.get("params", {}).get("from_logits") for d in report["losses"].values()
    )
    names = {*report["losses"], *report["metrics"]}
    margin = bool(names & SCORE_INPUTS) and not names & PROBABILITY_INPUTS
    return Kind(scores=logits or margin or "raw decision scores" in notes, logits=logits)


def check_report(
    cmd: Sequence[str], report: dict[str, Any], read: Reading
) -> tuple[list[str], int]:
    """The figures of ``report`` (one eval's JSON) that differ from the reference, and
    how many were compared; raises nothing."""
    task = report.get("task")
    y, p, w = read.y, read.p, read.w
    if report.get("n_samples") != len(y):
        return [f"n_samples {report.get('n_samples')} != {len(y)} written"], 1
    if task == "binary":
        yb = _binary_targets(y, report)
        if isinstance(yb, str):
            return [], 0
        y = yb
        losses, metrics = BINARY_LOSSES, BINARY_METRICS
    elif task == "regression":
        losses, metrics = REGRESSION_LOSSES, REGRESSION_METRICS
    else:
        return [], 0
    kind = _kind(cmd, report)
    bad: list[str] = []
    n = 0
    for name, entry in report["losses"].items():
        fn = losses.get(name)
        values = None if fn is None else fn(y, p, entry.get("params", {}), kind)
        if values is None:
            continue
        want_mean = _mean(values, w)
        raw = read.w_raw
        with np.errstate(over="ignore", invalid="ignore"):
            terms = (values if raw is None else values * raw).tolist()
        try:
            want_sum = math.fsum(terms)
        except OverflowError:  # finite terms whose sum is past the float range
            want_sum = math.inf
        n += 2
        if not close(entry["mean"], want_mean):
            bad.append(f"loss {name} mean {entry['mean']!r}, reference {want_mean!r}")
        if not close(entry["sum"], want_sum):
            bad.append(f"loss {name} sum {entry['sum']!r}, reference {want_sum!r}")
    for name, got in report["metrics"].items():
        mfn = metrics.get(name)
        want = None if mfn is None else mfn(y, p, w, kind)
        if want is None:
            continue
        n += 1
        if not close(got, want):
            bad.append(f"metric {name} {got!r}, reference {want!r}")
    return bad, n
