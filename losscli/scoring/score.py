"""Scoring one chunk: per-sample losses into the accumulator, every metric's state updated;
and the figures of the accumulated states at the end."""

from __future__ import annotations

import math

import numpy as np

from losscli.errors import UsageError
from losscli.scoring import losses as L
from losscli.scoring.accumulate import Accumulator, scaled, weight_exponent
from losscli.scoring.plan import Plan
from losscli.validate.prepare import Prepared


def update(acc: Accumulator, prep: Prepared, plan: Plan) -> dict[str, np.ndarray]:
    """Score one chunk: per-sample losses (returned) into ``acc``, and every metric state.

    Computed under ``np.errstate(all="ignore")``: an overflow is never a NumPy warning on
    stderr but an inf that the report explains (a per-sample loss overflowed to inf, a
    metric overflowed, a sum beyond the float range is an input error)."""
    with np.errstate(all="ignore"):
        return _update(acc, prep, plan)


def _update(acc: Accumulator, prep: Prepared, plan: Plan) -> dict[str, np.ndarray]:
    from losscli.scoring import metrics as M

    decide_scores = margins(prep, plan)
    ctx = {"task": prep.task, "scores": decide_scores, "labels": prep.labels}
    loss_values = {}
    for entry, params in plan.losses:
        kw = {"threshold": 0.5, **params, **ctx}
        loss_values[entry.name] = np.asarray(entry.func(prep.y, prep.p, **kw), dtype=np.float64)
    loss_weights = {}
    for entry, params in plan.losses:
        cw = params.get("class_weight")
        ignore = params.get("ignore_index")
        if cw is not None or ignore is not None:
            factor = np.ones(prep.n)
            if cw is not None:
                if len(cw) != prep.y.shape[1]:
                    raise UsageError(
                        f"class_weight has {len(cw)} values for {prep.y.shape[1]} classes"
                    )
                factor = prep.y @ np.asarray(cw, dtype=np.float64)
            if ignore is not None:  # rows of that class leave the mean (PyTorch)
                factor = factor * L.kept_rows(prep.y, ignore_index=ignore, labels=prep.labels)
            if prep.weights is None:
                loss_weights[entry.name] = (factor, 0)
            else:  # scaled first: a class weight times a weight near 1e308 stays finite
                e = weight_exponent(prep.weights) or 0
                loss_weights[entry.name] = (factor * scaled(prep.weights, e), e)
    acc.update_weight_range(prep.weights)
    acc.update_losses(loss_values, prep.weights, prep.n, loss_weights)
    for entry, params in plan.losses:
        if entry.clipped is not None and not params.get("from_logits"):
            count = entry.clipped(prep.y, prep.p, weights=prep.weights, **params, **ctx)
            acc.clipped[entry.name] = acc.clipped.get(entry.name, 0) + count
    if prep.task != "regression":
        if acc.confusion is None:
            acc.confusion = M.ConfusionState("confusion")
        threshold = next(
            (p["threshold"] for _, p in [*plan.metrics, *plan.losses] if "threshold" in p), 0.5
        )
        acc.confusion.update(
            prep.y, prep.p, prep.weights, M.Ctx(prep.task, decide_scores, {"threshold": threshold})
        )
    probs: np.ndarray | None = None
    for entry, params in plan.metrics:
        p = prep.p
        scores = decide_scores
        if (
            entry.inputs in ("probabilities", "ranking")
            and prep.scores
            and not (entry.inputs == "ranking" and prep.task == "binary")
        ):
            if probs is None:
                probs = M.to_probabilities(prep.task, prep.p)
            p, scores = probs, False
        state = acc.metrics.get(entry.name)
        if state is None:
            state = acc.metrics[entry.name] = M.make_state(entry)
        state.update(prep.y, p, prep.weights, M.Ctx(prep.task, scores, params))
    return loss_values


def margins(prep: Prepared, plan: Plan) -> bool:
    """Whether the decisions are made on raw scores (score > 0 is class 1) rather than on
    probabilities (p > threshold, 0.5 by default): the predictions were read as scores
    (``prep.scores``: logits, margins, values outside [0, 1]), or, for a binary task, a
    margin loss (inputs "scores": hinge, logistic, ...) reads them as margins and no entry
    reads them as probabilities.  One rule for every decision of the report: accuracy,
    precision, recall, f1, balanced accuracy, MCC, the confusion matrix and zero_one
    (scikit-learn's: ``decision_function > 0``, and ``predict_proba`` > 0.5, ties to
    class 0)."""
    if prep.scores:
        return True
    if prep.task != "binary":
        return False
    inputs = {e.inputs for e, _ in [*plan.losses, *plan.metrics]}
    return "scores" in inputs and "probabilities" not in inputs


def finish(acc: Accumulator, plan: Plan, task: str) -> dict[str, float]:
    """Every metric's figure from its state."""
    from losscli.scoring import metrics as M

    acc.check_weights()
    out = {}
    for entry, params in plan.metrics:
        if acc.nonfinite:  # NaN/inf passed on: no metric is defined
            out[entry.name] = math.nan
            continue
        state = acc.metrics[entry.name]
        out[entry.name] = state.compute(M.Ctx(task, False, params))
    from losscli.scoring.auc import forget_sorted

    for state in acc.metrics.values():  # the sorts roc_auc and average_precision shared
        forget_sorted(getattr(state, "ps", None))
    return out


def clipping_warnings(acc: Accumulator, plan: Plan) -> list[str]:
    """A warning for every loss that clipped probabilities, with the count over the whole
    input and how the reference computes it (the entry's ``clip_hint``)."""
    out = []
    for entry, params in plan.losses:
        count = acc.clipped.get(entry.name, 0)
        if count:
            eps = repr(float(params["eps"]))
            bounds = entry.clip_bounds.format(eps=eps)
            hint = entry.clip_hint
            if hint.startswith("scikit-learn") and params["eps"] == np.finfo(np.float64).eps:
                hint = "the bound of scikit-learn >= 1.5"
            what = "probability" if count == 1 else "probabilities"
            out.append(f"{entry.name}: {count} {what} clipped to {bounds} ({hint})")
    return out


def undefined_metrics(acc: Accumulator, plan: Plan) -> list[str]:
    """A warning for every metric that is undefined for the data (reported as NaN, or as
    scikit-learn's convention), naming the metric and the reason."""
    from losscli.scoring import metrics as M

    if acc.nonfinite:  # already said: NaN/inf passed on leave every metric undefined
        return []
    out = []
    for entry, params in plan.metrics:
        state = acc.metrics.get(entry.name)
        if state is not None:
            reason = M.undefined_reason(entry.name, state, M.Ctx(plan.task, False, params))
            if reason:
                out.append(reason)
    return out
