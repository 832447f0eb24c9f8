"""Validate: pick columns, align, infer the task and check values.

Turns raw tables or arrays into a :class:`Prepared` problem whose arrays have
the shapes :mod:`losscli.scoring.losses` expects (all float64).

Task inference (``--task auto``), in order:

1. targets are class names matching the prediction headers -> ``multiclass``;
2. one prediction column: targets all in {0, 1} or all in {-1, +1} -> ``binary``,
   otherwise ``regression``;
3. C > 1 prediction columns and one target column of integers in [0, C) ->
   ``multiclass``;
4. C target columns beside C prediction columns: all targets 0/1 with exactly one
   1 per row, or rows of a probability distribution -> ``multiclass``; all 0/1
   otherwise -> ``multilabel``; anything else -> ``regression`` (multi-output).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError, show
from losscli.io.table import Table, to_float_column

TARGET_NAMES = ("target", "y_true", "y", "label", "truth", "labels", "targets")
PRED_NAMES = (
    "y_pred",
    "pred",
    "preds",
    "prediction",
    "predictions",
    "p",
    "proba",
    "probs",
    "probabilities",
    "scores",
    "logits",
    "y_score",
    "yhat",
    "y_hat",
)


@dataclass
class Raw:
    """Targets and predictions as arrays, with names for messages."""

    y: np.ndarray  # (n,) numbers or class names, or (n, k)
    p: np.ndarray  # (n, C) float64
    pred_names: list[str]
    target_names: list[str]
    target_source: str = "targets"
    pred_source: str = "predictions"
    weights: np.ndarray | None = None
    weight_source: str = "weights"
    ids: np.ndarray | None = None
    # --allow-missing: target rows kept (those with a prediction), and the ids dropped
    kept_targets: np.ndarray | None = None
    unmatched: tuple[int, int] = (0, 0)  # (targets without a prediction, predictions without)


@dataclass
class Prepared:
    task: str
    y: np.ndarray
    p: np.ndarray
    weights: np.ndarray | None
    classes: list[str]
    ids: np.ndarray | None = None
    scores: bool = False  # predictions are raw scores (logits/margins), not probabilities
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # assumptions, not data problems
    omitted: int = 0  # rows dropped by --nan-policy omit
    nonfinite: int = 0  # rows passed on with NaN/inf by --nan-policy propagate
    rows: np.ndarray | None = None  # positions of the kept rows in the chunk (omit)
    labels: np.ndarray | None = None  # multiclass: class indices, when targets are hard labels

    @property
    def n(self) -> int:
        return int(self.p.shape[0])


# --------------------------------------------------------------------- column selection


def _find_named(table: Table, candidates: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower(): n for n in table.names}
    for c in candidates:
        if c in lowered:
            return lowered[c]
    return None


def _specs(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    parts = [s.strip() for s in spec.split(",") if s.strip()]
    if not parts:
        raise UsageError(f"empty column list {spec!r}")
    return parts


def _stack(table: Table, names: list[str], role: str) -> np.ndarray:
    cols = []
    for name in names:
        col = table.data[name]
        if col.dtype == object:
            if len(names) == 1 and role == "target":
                return col  # class names, resolved against the prediction headers later
            numbers = to_float_column(col)
            if numbers is None:
                row, bad = _first_non_numeric(col)
                raise InputError(
                    f"non-numeric value {show(bad)} in the {role} column",
                    file=table.source,
                    row=row,
                    column=name,
                    hint=_cell_hint(bad),
                )
            col = numbers
        cols.append(col if col.ndim == 2 else col.reshape(-1, 1))
    if len({c.shape[0] for c in cols}) > 1:
        sizes = ", ".join(f"{n} has {c.shape[0]}" for n, c in zip(names, cols))
        raise InputError(f"the {role} columns differ in length: {sizes}", file=table.source)
    return np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]


def _cell_hint(bad: Any) -> str | None:
    if isinstance(bad, str) and "\n" in bad:
        return 'the cell spans lines: is a quote (") left open?'
    return None


def _first_non_numeric(col: np.ndarray) -> tuple[int, Any]:
    """(1-based row, value) of the first cell of ``col`` that is not a number."""
    for i, v in enumerate(col):
        if not _is_number(v):
            return i + 1, v
    return 1, col[0]  # pragma: no cover - callers know there is one


def _numeric_names(table: Table, exclude: set[str]) -> list[str]:
    """Numeric columns; a text column holding some numbers has a bad cell: an input error.

    A text column whose cells are all numbers (a chunk of a stream whose bad cell is in
    another chunk) counts as numeric; the bad cell is reported with its own chunk."""
    names = []
    for n in table.names:
        if n in exclude:
            continue
        col = table.data[n]
        if col.dtype != object or to_float_column(col) is not None:
            names.append(n)
            continue
        if any(_is_number(v) for v in col[:1000]):
            row, bad = _first_non_numeric(col)
            raise InputError(
                f"non-numeric value {show(bad)} in a prediction column",
                file=table.source,
                row=row,
                column=n,
                hint=_cell_hint(bad) or "fix the cell, or choose columns with --pred-col",
            )
    return names


def _is_number(v: Any) -> bool:
    if isinstance(v, str):
        return to_float_column(np.array([v], dtype=object)) is not None
    if isinstance(v, bool):
        return True
    return isinstance(v, (int, float, np.integer, np.floating)) or v is None


def _layout_hint(table: Table, flag: str) -> str:
    """What probably went wrong when no target/prediction column can be chosen."""
    names = table.names
    if table.has_header and names and all(_is_number(n) for n in names):
        return f"the first row looks like data: pass --no-header, and {flag} by index"
    if len(names) == 1 and ("\t" in names[0] or ";" in names[0]):
        sep = "tabs" if "\t" in names[0] else "semicolons"
        return f"the file seems to be separated by {sep}, not commas: name it .tsv or convert it"
    if table.is_npz:
        return f"name the arrays y_true and y_pred, or pass {flag}"
    return f"name it target, y_true, y, label or truth, or pass {flag}"


def select(
    target: Table,
    pred: Table | None,
    *,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    weight_col: str | None = None,
    allow_missing: bool = False,
) -> Raw:
    """Choose the target and prediction columns of one or two tables.  With ``id_col``
    the predictions are aligned to the targets by key; ids on one side only are an
    input error, or with ``allow_missing`` are dropped and counted (``Raw.unmatched``)."""
    one_file = pred is None
    ptable = target if pred is None else pred
    exclude_t: set[str] = set()
    exclude_p: set[str] = set()
    if id_col is not None:
        exclude_t.add(target.column(id_col, "--id-col"))
        exclude_p.add(ptable.column(id_col, "--id-col"))
    if weight_col is not None:
        for t, ex in ((target, exclude_t), (ptable, exclude_p)):
            if weight_col in t.data:
                ex.add(weight_col)

    # -- targets
    tspecs = _specs(target_col)
    if tspecs is not None:
        tnames = [target.column(s, "--target-col") for s in tspecs]
    elif target.is_npz:
        found = _find_named(target, TARGET_NAMES)
        if found is None and not one_file and len(target.names) == 1:
            found = target.names[0]
        if found is None:
            raise InputError(
                f"cannot tell which array holds the targets (arrays: {', '.join(target.names)})",
                file=target.source,
                hint="name it y_true, or pass --target-col",
            )
        tnames = [found]
    else:
        found = _find_named(target, TARGET_NAMES) if target.has_header else None
        candidates = [n for n in target.names if n not in exclude_t]
        if found is not None:
            tnames = [found]
        elif not target.has_header and candidates:
            tnames = [candidates[0]] if one_file else candidates
        elif not one_file and len(candidates) >= 1 and _looks_wide_target(target, candidates):
            tnames = candidates
        else:
            raise InputError(
                "cannot tell which column holds the targets "
                f"(columns: {', '.join(repr(n) for n in target.names[:20])}"
                + (" ...)" if len(target.names) > 20 else ")"),
                file=target.source,
                hint=_layout_hint(target, "--target-col"),
            )
    exclude_p |= set(tnames) if one_file else set()

    # -- predictions
    pspecs = _specs(pred_col)
    if pspecs is not None:
        pnames = [ptable.column(s, "--pred-col") for s in pspecs]
    elif ptable.is_npz:
        found = _find_named(ptable, PRED_NAMES)
        rest = [n for n in ptable.names if n not in exclude_p]
        if found is None and len(rest) == 1:
            found = rest[0]
        if found is None:
            raise InputError(
                "cannot tell which array holds the predictions "
                f"(arrays: {', '.join(ptable.names)})",
                file=ptable.source,
                hint="name it y_pred, or pass --pred-col",
            )
        pnames = [found]
    else:
        pnames = _numeric_names(ptable, exclude_p)
        if not pnames:
            raise _no_predictions(ptable, exclude_p)

    y = _stack(target, tnames, "target")
    p = _stack(ptable, pnames, "prediction")
    if p.ndim == 1:
        p = p.reshape(-1, 1)
    pred_headers = pnames
    if ptable.is_npz or not ptable.has_header:
        pred_headers = [str(i) for i in range(p.shape[1])]
    if y.dtype == object:
        y = _numbers_unless_class_names(y, pred_headers)
    if one_file and id_col is None and y.shape[0] != p.shape[0]:
        raise InputError(
            f"the targets ({', '.join(tnames)}) have {y.shape[0]} rows but the predictions "
            f"({', '.join(pnames)}) have {p.shape[0]}",
            file=target.source,
        )
    raw = Raw(
        y=y,
        p=p,
        pred_names=pred_headers,
        target_names=tnames,
        target_source=target.source,
        pred_source=ptable.source,
    )
    if weight_col is not None and (weight_col in target.data or weight_col in ptable.data):
        t = target if weight_col in target.data else ptable
        raw.weights = _stack(t, [weight_col], "weight").astype(np.float64).reshape(-1)
        raw.weight_source = f"{t.source} column {weight_col}"
    if id_col is not None:
        _align(
            raw,
            target,
            ptable,
            target.column(id_col, "--id-col"),
            ptable.column(id_col, "--id-col"),
            one_file,
            allow_missing,
        )
    elif not one_file and y.shape[0] != p.shape[0]:
        raise InputError(
            f"length mismatch: {y.shape[0]} targets in {target.source} but "
            f"{p.shape[0]} predictions in {ptable.source}",
            hint="pass --id-col to align by a key column",
        )
    return raw


def _numbers_unless_class_names(y: np.ndarray, pred_headers: list[str]) -> np.ndarray:
    """A text target column as numbers when its cells are numbers that are not all
    prediction headers (class names such as "1", "2", "3" stay names)."""
    headers = {str(h).strip() for h in pred_headers}
    if all(str(v).strip() in headers for v in y):
        return y
    numbers = to_float_column(y)
    return y if numbers is None else numbers


def _no_predictions(ptable: Table, exclude: set[str]) -> InputError:
    """No numeric prediction column: say why (only text columns, or none left at all)."""
    rest = [n for n in ptable.names if n not in exclude]
    if not rest:
        return InputError(
            "no prediction columns: every column is taken as the target"
            + (", id or weights" if exclude else ""),
            file=ptable.source,
            hint="give the predictions as a second file, or choose columns with --target-col "
            "and --pred-col",
        )
    name = rest[0]
    row, bad = _first_non_numeric(ptable.data[name])
    return InputError(
        f"no numeric prediction columns: {', '.join(repr(n) for n in rest[:10])} hold text "
        f"(first: {show(bad)})",
        file=ptable.source,
        row=row,
        column=name,
        hint=_cell_hint(bad) or _layout_hint(ptable, "--pred-col"),
    )


def _looks_wide_target(target: Table, names: list[str]) -> bool:
    return all(target.data[n].dtype != object for n in names)


def _id_keys(ids: np.ndarray) -> np.ndarray:
    """Ids as comparable strings: whole numbers without ".0" (1.0 in one file matches "1"
    in the other), NaN and blank cells as "" (missing)."""
    if ids.dtype.kind == "f":
        out = np.empty(ids.shape[0], dtype=object)
        for i, v in enumerate(ids):
            if np.isnan(v):
                out[i] = ""
            elif np.isfinite(v) and v == int(v):
                out[i] = str(int(v))
            else:
                out[i] = repr(float(v))
        return out.astype(str)
    if ids.dtype.kind in "iub":
        return ids.astype(np.int64).astype(str)
    return np.array(["" if v is None else str(v).strip() for v in ids], dtype=str)


def _align(
    raw: Raw,
    target: Table,
    ptable: Table,
    tid: str,
    pid: str,
    one_file: bool,
    allow_missing: bool = False,
) -> None:
    ids_t = target.data[tid]
    raw.ids = ids_t
    if one_file:
        return
    ids_p = ptable.data[pid]
    st, sp = _id_keys(ids_t), _id_keys(ids_p)
    for keys, table, col in ((st, target, tid), (sp, ptable, pid)):
        blank = np.flatnonzero(keys == "")
        if blank.size:
            raise InputError(
                "missing id (an empty cell)",
                file=table.source,
                row=int(blank[0]) + 1,
                column=col,
                hint="every row needs an id under --id-col",
            )
        uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
        if np.any(counts > 1):
            dups = np.flatnonzero(counts > 1)
            # the first repeated id in file order, and the row where it comes back
            k = int(dups[np.argmin(first[dups])])
            rows = np.flatnonzero(keys == uniq[k])
            raise InputError(
                f"duplicate id {str(uniq[k])!r} (rows {int(rows[0]) + 1} and {int(rows[1]) + 1})",
                file=table.source,
                row=int(rows[1]) + 1,
                column=col,
                hint="ids under --id-col must be unique",
            )
    pos = {k: i for i, k in enumerate(sp)}
    has = np.fromiter((k in pos for k in st), dtype=bool, count=len(st))
    n_missing = int(len(st) - np.count_nonzero(has))
    extra = len(sp) - (len(st) - n_missing)
    if n_missing and not allow_missing:
        example = str(st[int(np.argmin(has))])
        raise InputError(
            f"{n_missing} id(s) have no prediction, e.g. {example!r}",
            file=ptable.source,
            column=pid,
            hint="pass --allow-missing to score the ids present on both sides",
        )
    if extra and not allow_missing:
        tset = set(st)
        unknown = str(next(k for k in sp if k not in tset))
        raise InputError(
            f"{extra} prediction id(s) have no target, e.g. {unknown!r}",
            file=target.source,
            column=tid,
            hint="pass --allow-missing to score the ids present on both sides",
        )
    kept = np.flatnonzero(has)
    order = np.fromiter((pos[k] for k in st[kept]), dtype=np.intp, count=kept.size)
    if n_missing:  # --allow-missing: targets without a prediction are dropped
        raw.y = raw.y[kept]
        raw.ids = ids_t[kept]
        raw.kept_targets = kept
        if raw.weights is not None and not raw.weight_source.startswith(ptable.source):
            raw.weights = raw.weights[kept]
    raw.unmatched = (n_missing, extra)
    raw.p = raw.p[order]
    if raw.weights is not None and raw.weight_source.startswith(ptable.source):
        raw.weights = raw.weights[order]


# --------------------------------------------------------------------- task inference


def _check_finite(a: np.ndarray, source: str, names: list[str], role: str) -> None:
    if a.dtype == object:
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


def _is_01(a: np.ndarray) -> bool:
    return bool(np.all((a == 0) | (a == 1)))


def infer_task(y: np.ndarray, p: np.ndarray, pred_names: list[str]) -> str:
    if y.dtype == object:
        return "multiclass"
    yc = y.reshape(y.shape[0], -1)
    if y.shape[0] == p.shape[0]:  # rows with NaN/inf say nothing about the task
        finite = np.isfinite(yc).all(axis=1) & np.isfinite(p.reshape(p.shape[0], -1)).all(axis=1)
        if not finite.all() and finite.any():
            yc, p = yc[finite], p[finite]
    c = p.shape[1]
    if c == 1:
        if yc.shape[1] == 1 and (_is_01(yc) or bool(np.all(np.abs(yc) == 1))):
            return "binary"
        return "regression"
    if yc.shape[1] == 1:
        v = yc[:, 0]
        if np.all(v == np.round(v)) and v.min() >= 0 and v.max() < c:
            return "multiclass"
        return "regression"
    if yc.shape[1] == c:
        sums = yc.sum(axis=1)
        if _is_01(yc):
            return "multiclass" if np.all(sums == 1) else "multilabel"
        if np.all((yc >= 0) & (yc <= 1)) and np.allclose(sums, 1.0, rtol=0, atol=1e-6):
            return "multiclass"
    return "regression"


NAN_POLICIES = ("error", "omit", "propagate")


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
) -> Prepared:
    """Check the values and shape the arrays for ``task`` (inferred when ``auto``).

    ``scores_hint`` carries what the first chunk showed (raw scores or probabilities)
    so that every chunk of a stream is taken the same way.

    ``nan_policy``: NaN/inf in targets, predictions or weights are an error
    (``error``), drop their rows and count them (``omit``; the result may have no
    rows, which the caller judges over the whole input), or are passed on to the
    losses by IEEE arithmetic (``propagate``; predictions and regression targets
    only: a class label cannot be NaN).
    """
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")
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
    warnings: list[str] = []
    notes: list[str] = []
    inferred = infer_task(y, p, raw.pred_names) if task == "auto" else task
    if nan_policy != "propagate" or inferred != "regression":
        _check_finite(y, raw.target_source, raw.target_names, "target")
    if task == "auto":
        task = inferred
    names = classes or raw.pred_names
    weights = _check_weights(raw, n)

    if task == "regression":
        yc = _numeric_targets(y, raw).reshape(n, -1)
        if yc.shape[1] == 1 and p.shape[1] > 1:
            _not_class_indices(yc[:, 0], raw, p.shape[1])
        if yc.shape[1] != p.shape[1]:
            raise _width_mismatch(raw, yc.shape[1], p.shape[1])
        return Prepared(task, yc, p, weights, [], raw.ids, False, warnings)

    if task == "binary":
        if p.shape[1] != 1:
            raise InputError(
                f"binary task needs one prediction column, got {p.shape[1]}",
                file=raw.pred_source,
                hint="use --task multiclass for one column per class",
            )
        yv = _numeric_targets(y, raw).reshape(n, -1)
        if yv.shape[1] != 1:
            raise InputError("binary task needs one target column", file=raw.target_source)
        yv = yv[:, 0]
        if bool(np.all(np.abs(yv) == 1)) and np.any(yv == -1):
            yv = (yv + 1.0) / 2.0
        elif not _is_01(yv):
            i = int(np.argmax(~((yv == 0) | (yv == 1))))
            raise InputError(
                f"binary label {float(yv[i])!r} is not 0/1 or -1/+1",
                file=raw.target_source,
                row=i + 1,
                column=raw.target_names[0],
                hint="use --task regression for continuous targets",
            )
        pv = p[:, 0]
        scores = from_logits or not _in_unit(pv) or bool(scores_hint)
        if scores_hint is False and not from_logits and not needs_probabilities and scores:
            i = int(np.argmax((pv < 0) | (pv > 1)))
            raise InputError(
                f"prediction {float(pv[i])!r} is outside [0, 1], but earlier rows were taken "
                "as probabilities",
                file=raw.pred_source,
                row=i + 1,
                column=raw.pred_names[0],
                hint="pass --from-logits if these are logits",
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
            notes.append(
                "predictions outside [0, 1] taken as raw decision scores: decisions threshold at 0"
            )
        return Prepared(task, yv, pv, weights, ["0", "1"], raw.ids, scores, warnings, notes)

    # multiclass / multilabel: targets as an (n, C) matrix
    c = p.shape[1]
    if task == "multiclass":
        if c < 2:
            if y.dtype == object:
                _text_targets_one_column(y, raw)
            raise InputError(
                "multiclass task needs one prediction column per class", file=raw.pred_source
            )
        t, labels = _class_targets(y, raw, names, c)
    else:
        labels = None
        t = _numeric_targets(y, raw).reshape(n, -1)
        if t.shape[1] != c:
            raise _width_mismatch(raw, t.shape[1], c)
        if not _is_01(t):
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
                raise InputError(
                    f"prediction {float(p[r, k])!r} is outside [0, 1], but earlier rows "
                    "were taken as probabilities",
                    file=raw.pred_source,
                    row=int(r) + 1,
                    column=raw.pred_names[k],
                    hint="pass --from-logits if these are logits",
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
                msg = (
                    f"{int(off.sum())} probability row(s) do not sum to 1 "
                    f"(first: row {r + 1}, sum {float(sums[r])!r}); computed as given"
                )
                if strict:
                    raise InputError(
                        msg.replace("; computed as given", ""),
                        file=raw.pred_source,
                        row=r + 1,
                        hint="pass --param normalize=true to rescale rows",
                    )
                warnings.append(f"{raw.pred_source}: {msg} (--param normalize=true rescales)")
    return Prepared(task, t, p, weights, list(names), raw.ids, scores, warnings, labels=labels)


def _width_mismatch(raw: Raw, k: int, c: int) -> InputError:
    """Targets and predictions of different widths, naming both sides."""
    if raw.target_source == raw.pred_source:
        where, file = "", raw.target_source
    else:
        where, file = f" in {raw.target_source}", raw.pred_source
    return InputError(
        f"width mismatch: {k} target column(s){where} but {c} prediction column(s)",
        file=file,
        hint="choose matching columns with --target-col and --pred-col",
    )


def _not_class_indices(v: np.ndarray, raw: Raw, c: int) -> None:
    """One target column beside C > 1 prediction columns, yet not inferred multiclass: the
    labels are not class indices.  Name the first that is not."""
    _check_label_indices(
        v,
        c,
        raw,
        f"beside {c} prediction columns the labels are class indices 0..{c - 1}; for "
        "regression, choose one prediction column with --pred-col",
    )


def _check_label_indices(v: np.ndarray, c: int, raw: Raw, hint: str) -> None:
    """Every label a class index 0..c-1, or an input error naming the first that is not."""
    bad = (v != np.round(v)) | (v < 0) | (v >= c)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"class label {float(v[i])!r} is not an integer in [0, {c - 1}]",
            file=raw.target_source,
            row=i + 1,
            column=raw.target_names[0],
            hint=hint,
        )


def _text_targets_one_column(y: np.ndarray, raw: Raw) -> None:
    """Targets that are text beside a single prediction column."""
    numeric = [_is_number(v) for v in y]
    if any(numeric):
        i = numeric.index(False)
        raise InputError(
            f"non-numeric target {show(y[i])}",
            file=raw.target_source,
            row=i + 1,
            column=raw.target_names[0],
            hint=_cell_hint(y[i]) or "fix the cell; labels are numbers here",
        )
    examples = ", ".join(show(v) for v in list(dict.fromkeys(y.tolist()))[:3])
    raise InputError(
        f"the targets are class names ({examples}) but there is only one prediction column",
        file=raw.target_source,
        column=raw.target_names[0],
        hint="give one prediction column per class, headed by the class names, or use 0/1 labels",
    )


def _in_unit(a: np.ndarray) -> bool:
    """All values in [0, 1]; NaN (passed on by ``--nan-policy propagate``) is ignored."""
    return not bool(np.any((a < 0) | (a > 1)))


def _numeric_targets(y: np.ndarray, raw: Raw) -> np.ndarray:
    if y.dtype == object:
        i, v = _first_non_numeric(y)
        raise InputError(
            f"non-numeric target {show(v)}",
            file=raw.target_source,
            row=i,
            column=raw.target_names[0],
            hint=_cell_hint(v),
        )
    return y.astype(np.float64, copy=False)


def _class_targets(
    y: np.ndarray, raw: Raw, names: list[str], c: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Targets as an (n, C) matrix, and the class indices when they are hard labels
    (indices or names; one-hot columns are not looked into)."""
    n = y.shape[0]
    if y.dtype == object:
        lookup = {str(name).strip(): i for i, name in enumerate(names)}
        idx = np.empty(n, dtype=np.intp)
        for i, v in enumerate(y):
            key = str(v).strip()
            if key not in lookup:
                raise InputError(
                    f"class {show(v)} is not one of the prediction columns "
                    f"({', '.join(names[:20])})",
                    file=raw.target_source,
                    row=i + 1,
                    column=raw.target_names[0],
                )
            idx[i] = lookup[key]
        return _one_hot(idx, c), idx
    yc = y.reshape(n, -1)
    if yc.shape[1] == 1:
        v = yc[:, 0]
        _check_label_indices(
            v,
            c,
            raw,
            f"labels are class indices 0..{c - 1}, one per prediction column, or "
            "class names matching the prediction headers",
        )
        idx = v.astype(np.intp)
        return _one_hot(idx, c), idx
    if yc.shape[1] != c:
        raise _width_mismatch(raw, yc.shape[1], c)
    if np.any(yc < 0) or np.any(yc > 1):
        r, k = np.argwhere((yc < 0) | (yc > 1))[0]
        raise InputError(
            f"target {float(yc[r, k])!r} is not a probability in [0, 1]",
            file=raw.target_source,
            row=int(r) + 1,
            column=raw.target_names[min(k, len(raw.target_names) - 1)],
        )
    sums = yc.sum(axis=1)
    bad = ~np.isclose(sums, 1.0, atol=1e-6, rtol=0)
    if bad.any():
        r = int(np.argmax(bad))
        raise InputError(
            f"target row sums to {float(sums[r])!r}, not 1 (one-hot or a distribution expected)",
            file=raw.target_source,
            row=r + 1,
            hint="use --task multilabel for multi-hot targets",
        )
    return yc, None


def _one_hot(idx: np.ndarray, c: int) -> np.ndarray:
    out = np.zeros((idx.shape[0], c), dtype=np.float64)
    out[np.arange(idx.shape[0]), idx] = 1.0
    return out


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
