"""Preparation: check the values of a :class:`~losscli.validate.columns.Raw` pair and
shape its arrays for the task.

Turns raw arrays into a :class:`Prepared` problem whose arrays have the shapes
:mod:`losscli.scoring.losses` expects (all float64); NaN/inf are handled by the
``--nan-policy`` (:data:`NAN_POLICIES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from losscli.errors import Contradiction, InputError, show
from losscli.validate.columns import Raw, cell_hint, first_non_numeric
from losscli.validate.labels import Reading, apply
from losscli.validate.messages import Message
from losscli.validate.targets import (
    class_targets,
    not_class_indices,
    numeric_targets,
    text_targets_one_column,
    width_mismatch,
)
from losscli.validate.tasks import infer_task, is_01


@dataclass
class Prepared:
    task: str
    y: np.ndarray
    p: np.ndarray
    weights: np.ndarray | None
    classes: list[str]
    ids: np.ndarray | None = None
    scores: bool = False  # predictions are raw scores (logits/margins), not probabilities
    # Message records (rows numbered in the chunk) or plain strings (said once)
    warnings: list[Message | str] = field(default_factory=list)
    notes: list[Message | str] = field(default_factory=list)  # assumptions, not data problems
    omitted: int = 0  # rows dropped by --nan-policy omit
    nonfinite: int = 0  # rows passed on with NaN/inf by --nan-policy propagate
    rows: np.ndarray | None = None  # positions of the kept rows in the chunk (omit)
    labels: np.ndarray | None = None  # multiclass: class indices, when targets are hard labels
    hard: bool = False  # the predictions are hard labels (one-hot decisions, or 0/1)

    @property
    def n(self) -> int:
        return int(self.p.shape[0])


NAN_POLICIES = ("error", "omit", "propagate")
# a file is read again as scores when a later row says so (losscli.engines.local.run)
SCORES_HINT = "pass --from-logits if these are logits, or give the input as a file (read again)"
SCORES_NOTE = "predictions outside [0, 1] taken as raw decision scores: decisions threshold at 0"


def _check_finite(a: np.ndarray, source: str, names: list[str], role: str) -> None:
    if a.dtype == object:
        return
    with np.errstate(all="ignore"):
        total = a.sum()  # one pass, no mask: finite only if no value is NaN or inf
    if np.isfinite(total):
        return
    bad = ~np.isfinite(a)
    if bad.any():
        idx = np.argwhere(bad.reshape(a.shape[0], -1))[0]
        value = a.reshape(a.shape[0], -1)[idx[0], idx[1]]
        col = names[idx[1]] if idx[1] < len(names) else idx[1]
        raise InputError(
            f"{'NaN' if np.isnan(value) else float(value)} in the {role}s",
            file=source,
            row=int(idx[0]) + 1,
            column=col,
            hint="remove or fill missing values, or pass --nan-policy omit",
        )


def _nonfinite_rows(a: np.ndarray) -> np.ndarray | None:
    if a.dtype == object:
        return None
    return ~np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1)


def prepare(
    raw: Raw,
    *,
    task: str = "auto",
    needs_probabilities: bool,
    from_logits: bool,
    normalize: bool,
    strict: bool,
    classes: list[str] | None = None,
    scores_hint: bool | None = None,
    nan_policy: str = "error",
    reading: Reading | None = None,
) -> Prepared:
    """Check the values and shape the arrays for ``task`` (inferred when ``auto``).

    ``scores_hint`` carries what the first chunk showed (raw scores or probabilities)
    so that every chunk of a stream is taken the same way.

    ``nan_policy``: NaN/inf in targets, predictions or weights are an error
    (``error``), drop their rows and count them (``omit``; the result may have no
    rows, which the caller judges over the whole input), or are passed on to the
    losses by IEEE arithmetic (``propagate``; predictions and regression targets
    only: a class label cannot be NaN).

    ``reading`` (from :func:`losscli.validate.labels.read` on the first chunk): hard
    labels and label encodings, turned here into the arrays the figures take (0/1
    decisions, or class indices beside one-hot predictions).
    """
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")
    if reading is not None:
        as_read = _read_as(raw, reading)
        if as_read is not raw:
            prep = prepare(
                as_read,
                task=task,
                needs_probabilities=needs_probabilities,
                from_logits=from_logits,
                normalize=normalize,
                strict=strict,
                classes=None if reading.hard else classes,
                scores_hint=scores_hint,
                nan_policy=nan_policy,
            )
            prep.hard = reading.hard
            return prep
    n = raw.p.shape[0]
    if nan_policy == "error" or raw.y.shape[0] != n:  # _prepare names the first bad cell
        return _prepare(
            raw,
            task,
            needs_probabilities,
            from_logits,
            normalize,
            strict,
            classes,
            scores_hint,
            nan_policy,
        )
    bad = np.zeros(n, dtype=bool)
    for a in (raw.p, raw.y):
        rows = _nonfinite_rows(a)
        if rows is not None:
            bad |= rows
    if nan_policy == "propagate":
        out = _prepare(
            raw,
            task,
            needs_probabilities,
            from_logits,
            normalize,
            strict,
            classes,
            scores_hint,
            nan_policy,
        )
        out.nonfinite = int(np.count_nonzero(bad))
        return out
    # omit: rows with NaN/inf in targets, predictions or weights are dropped and counted
    if raw.weights is not None and np.shape(raw.weights)[0] == n:
        w = np.asarray(raw.weights, dtype=np.float64).reshape(n, -1)
        bad |= ~np.isfinite(w).all(axis=1)
    count = int(np.count_nonzero(bad))
    kept = np.flatnonzero(~bad)
    if kept.size == 0:
        return Prepared(
            task,
            raw.y[:0],
            raw.p[:0].astype(np.float64),
            None,
            [],
            None,
            omitted=count,
            rows=kept,
        )
    sub = raw
    if count:
        sub = replace(
            raw,
            y=raw.y[kept],
            p=raw.p[kept],
            weights=None if raw.weights is None else np.asarray(raw.weights)[kept],
            ids=None if raw.ids is None else raw.ids[kept],
        )
    try:
        out = _prepare(
            sub,
            task,
            needs_probabilities,
            from_logits,
            normalize,
            strict,
            classes,
            scores_hint,
            "error",
        )
    except InputError as exc:
        if count and exc.row is not None and 0 < exc.row <= kept.size:
            exc.row = int(kept[exc.row - 1]) + 1  # rows as numbered in the file
        raise
    if count:
        out.omitted = count
        out.rows = kept
        for m in [*out.warnings, *out.notes]:
            if isinstance(m, Message) and m.first is not None and 0 < m.first <= kept.size:
                m.first = int(kept[m.first - 1]) + 1  # rows as numbered in the file
    return out


def _prepare(
    raw: Raw,
    task: str,
    needs_probabilities: bool,
    from_logits: bool,
    normalize: bool,
    strict: bool,
    classes: list[str] | None,
    scores_hint: bool | None,
    nan_policy: str,
) -> Prepared:
    if raw.p.dtype == object:  # text in a later chunk of numbers: what a whole read says
        row, bad = first_non_numeric(raw.p.reshape(-1))
        raise InputError(
            f"non-numeric value {show(bad)} in the prediction column",
            file=raw.pred_source,
            row=row,
            column=raw.pred_names[0] if raw.pred_names else None,
            hint=cell_hint(bad),
        )
    y, p = raw.y, raw.p.astype(np.float64, copy=False)
    n = p.shape[0]
    if n == 0:
        raise InputError("no samples", file=raw.pred_source)
    if nan_policy != "propagate":
        _check_finite(p, raw.pred_source, raw.pred_names, "prediction")
    if y.shape[0] != n:
        where = (
            raw.target_source
            if raw.target_source == raw.pred_source
            else f"{raw.target_source} and {raw.pred_source}"
        )
        raise InputError(f"length mismatch: {y.shape[0]} targets but {n} predictions", file=where)
    warnings: list[Message | str] = []
    notes: list[Message | str] = []
    inferred = infer_task(y, p, raw.pred_names) if task == "auto" else task
    if nan_policy != "propagate" or inferred != "regression":
        _check_finite(y, raw.target_source, raw.target_names, "target")
    if task == "auto":
        task = inferred
    names = classes or raw.pred_names
    weights = _check_weights(raw, n)

    if task == "regression":
        yc = numeric_targets(y, raw).reshape(n, -1)
        if yc.shape[1] == 1 and p.shape[1] > 1:
            not_class_indices(yc[:, 0], raw, p.shape[1])
        if yc.shape[1] != p.shape[1]:
            raise width_mismatch(raw, yc.shape[1], p.shape[1])
        return Prepared(task, yc, p, weights, [], raw.ids, False, warnings)

    if task == "binary":
        if p.shape[1] != 1:
            raise InputError(
                f"binary task needs one prediction column, got {p.shape[1]}",
                file=raw.pred_source,
                hint="use --task multiclass for one column per class",
            )
        yv = numeric_targets(y, raw).reshape(n, -1)
        if yv.shape[1] != 1:
            raise InputError("binary task needs one target column", file=raw.target_source)
        yv = yv[:, 0]
        if bool(np.all(np.abs(yv) == 1)) and np.any(yv == -1):
            yv = (yv + 1.0) / 2.0
        elif not is_01(yv):
            i = int(np.argmax(~((yv == 0) | (yv == 1))))
            # a Contradiction: the first rows' 0/1 targets may not be the whole input's
            raise Contradiction(
                f"binary label {float(yv[i])!r} is not 0/1 or -1/+1",
                file=raw.target_source,
                row=i + 1,
                column=raw.target_names[0],
                hint="pass --pos-label VALUE to name the positive class of other labels, "
                "or --task regression for continuous targets",
            )
        pv = p[:, 0]
        scores = from_logits or not _in_unit(pv) or bool(scores_hint)
        if scores_hint is False and not from_logits and not needs_probabilities and scores:
            i = int(np.argmax((pv < 0) | (pv > 1)))
            raise Contradiction(
                f"prediction {float(pv[i])!r} is outside [0, 1], but the first rows were taken "
                "as probabilities",
                file=raw.pred_source,
                row=i + 1,
                column=raw.pred_names[0],
                hint=SCORES_HINT,
            )
        if scores and not from_logits and not scores_hint:
            if needs_probabilities:
                i = int(np.argmax((pv < 0) | (pv > 1)))
                raise InputError(
                    f"prediction {float(pv[i])!r} is not a probability in [0, 1]",
                    file=raw.pred_source,
                    row=i + 1,
                    column=raw.pred_names[0],
                    hint="pass --from-logits if these are logits, or pick a margin loss "
                    "such as -l hinge",
                )
            notes.append(SCORES_NOTE)
        return Prepared(task, yv, pv, weights, ["0", "1"], raw.ids, scores, warnings, notes)

    # multiclass / multilabel: targets as an (n, C) matrix
    c = p.shape[1]
    if task == "multiclass":
        if c < 2:
            if y.dtype == object:
                text_targets_one_column(y, raw)
            raise InputError(
                "multiclass task needs one prediction column per class", file=raw.pred_source
            )
        t, labels = class_targets(y, raw, names, c)
    else:
        labels = None
        t = numeric_targets(y, raw).reshape(n, -1)
        if t.shape[1] != c:
            raise width_mismatch(raw, t.shape[1], c)
        if not is_01(t):
            r, k = np.argwhere(~((t == 0) | (t == 1)))[0]
            raise InputError(
                f"multilabel target {float(t[r, k])!r} is not 0 or 1",
                file=raw.target_source,
                row=int(r) + 1,
                column=raw.target_names[min(k, len(raw.target_names) - 1)],
            )
    scores = from_logits or bool(scores_hint)
    if not scores:
        if not _in_unit(p):
            if needs_probabilities:
                r, k = np.argwhere((p < 0) | (p > 1))[0]
                raise InputError(
                    f"prediction {float(p[r, k])!r} is not a probability in [0, 1]",
                    file=raw.pred_source,
                    row=int(r) + 1,
                    column=raw.pred_names[k],
                    hint="pass --from-logits if these are logits",
                )
            if scores_hint is False:
                r, k = np.argwhere((p < 0) | (p > 1))[0]
                raise Contradiction(
                    f"prediction {float(p[r, k])!r} is outside [0, 1], but the first rows "
                    "were taken as probabilities",
                    file=raw.pred_source,
                    row=int(r) + 1,
                    column=raw.pred_names[k],
                    hint=SCORES_HINT,
                )
            scores = True
        elif task == "multiclass" and needs_probabilities:
            sums = p.sum(axis=1)
            # scikit-learn's tolerance (log_loss): np.allclose(sums, 1, rtol=sqrt(eps)), atol 1e-8
            off = ~np.isclose(sums, 1.0, rtol=np.sqrt(np.finfo(np.float64).eps), atol=1e-8)
            if normalize:
                if np.any(sums <= 0):
                    r = int(np.argmax(sums <= 0))
                    raise InputError(
                        "cannot normalise a row of zeros", file=raw.pred_source, row=r + 1
                    )
                p = p / sums[:, None]
            elif off.any():
                r = int(np.argmax(off))
                if strict:  # the first such row of the input: chunks come in order
                    raise InputError(
                        f"probability row does not sum to 1 (sum {float(sums[r])!r}; "
                        "an error under --strict)",
                        file=raw.pred_source,
                        row=r + 1,
                        hint="pass --param normalize=true to rescale rows",
                    )
                warnings.append(
                    Message(
                        kind="probability rows do not sum to 1",
                        text="{where}: {count} probability row(s) do not sum to 1 "
                        "(first: row {first}, sum {example}); computed as given "
                        "(--param normalize=true rescales)",
                        count=int(off.sum()),
                        first=r + 1,
                        example=repr(float(sums[r])),
                        where=raw.pred_source,
                    )
                )
    return Prepared(task, t, p, weights, list(names), raw.ids, scores, warnings, labels=labels)


def _read_as(raw: Raw, reading: Reading) -> Raw:
    """``raw`` with its targets and predictions as ``reading`` says (itself when it says
    nothing): hard multiclass labels as class indices beside one-hot predictions."""
    if raw.y.shape[0] != raw.p.shape[0]:
        return raw
    converted = apply(raw, reading)
    if converted is None:
        return raw
    y, p = converted
    if reading.hard and reading.task == "multiclass":
        assert reading.classes is not None
        k = len(reading.classes)
        onehot = np.zeros((p.shape[0], k), dtype=np.float64)
        ok = np.isfinite(p)
        onehot[np.flatnonzero(ok), p[ok].astype(np.intp)] = 1.0
        onehot[~ok] = np.nan
        return replace(raw, y=y, p=onehot, pred_names=list(reading.classes))
    return replace(raw, y=y, p=np.asarray(p, dtype=np.float64).reshape(-1, 1))


def _in_unit(a: np.ndarray) -> bool:
    """All values in [0, 1]; NaN (passed on by ``--nan-policy propagate``) is ignored."""
    return not bool(np.any((a < 0) | (a > 1)))


def _check_weights(raw: Raw, n: int) -> np.ndarray | None:
    w = raw.weights
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    src, _, col = raw.weight_source.partition(" column ")  # "file column name" for a column
    column = col or None
    if w.shape[0] != n:
        raise InputError(
            f"{w.shape[0]} weights for {n} samples", file=src, hint="give one weight per sample"
        )
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.argmax(bad))
        value = float(w[i])
        if np.isfinite(value):
            raise InputError(
                f"negative weight {value!r}",
                file=src,
                row=i + 1,
                column=column,
                hint="weights must be >= 0; a weight of 0 leaves the sample out",
            )
        raise InputError(
            f"weight {value!r} is not a finite number",
            file=src,
            row=i + 1,
            column=column,
            hint="fix the weight, or pass --nan-policy omit to drop the row",
        )
    return w
