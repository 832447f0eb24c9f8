"""Targets by kind: class targets (indices, names, one-hot or distributions), numeric
targets and text targets, with the checks that name the first bad label.
"""

from __future__ import annotations

import numpy as np

from losscli.errors import InputError, show
from losscli.validate.columns import Raw, cell_hint, first_non_numeric, is_number


def width_mismatch(raw: Raw, k: int, c: int) -> InputError:
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


def not_class_indices(v: np.ndarray, raw: Raw, c: int) -> None:
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
        if bool(np.all(v == np.round(v))) and v.min() >= 1 and v.max() == c:
            hint = (
                f"the labels look 1-based (1..{c} beside {c} prediction columns): class "
                f"indices start at 0; subtract 1 from the labels, or head the prediction "
                f"columns by the class names 1..{c}"
            )
        raise InputError(
            f"class label {float(v[i])!r} is not an integer in [0, {c - 1}]",
            file=raw.target_source,
            row=i + 1,
            column=raw.target_names[0],
            hint=hint,
        )


def text_targets_one_column(y: np.ndarray, raw: Raw) -> None:
    """Targets that are text beside a single prediction column (nothing to say when every
    cell is a number after all: the caller's own error follows)."""
    numeric = [is_number(v) for v in y]
    if all(numeric):
        return
    if any(numeric):
        i = numeric.index(False)
        raise InputError(
            f"non-numeric target {show(y[i])}",
            file=raw.target_source,
            row=i + 1,
            column=raw.target_names[0],
            hint=cell_hint(y[i]) or "fix the cell; labels are numbers here",
        )
    examples = ", ".join(show(v) for v in list(dict.fromkeys(y.tolist()))[:3])
    raise InputError(
        f"the targets are class names ({examples}) but there is only one prediction column",
        file=raw.target_source,
        column=raw.target_names[0],
        hint="give one prediction column per class, headed by the class names, or use 0/1 labels",
    )


def numeric_targets(y: np.ndarray, raw: Raw) -> np.ndarray:
    if y.dtype == object:
        i, v = first_non_numeric(y)
        raise InputError(
            f"non-numeric target {show(v)}",
            file=raw.target_source,
            row=i,
            column=raw.target_names[0],
            hint=cell_hint(v),
        )
    return y.astype(np.float64, copy=False)


def class_targets(
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
        raise width_mismatch(raw, yc.shape[1], c)
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
