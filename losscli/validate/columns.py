"""Column selection: which columns of one or two tables hold the targets, the
predictions and the weights, stacked into a :class:`Raw` pair of arrays.

Also the cell-level helpers shared by the value checks (is a cell a number, the first
cell that is not, a hint for a bad cell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError, show
from losscli.io.table import Table, to_float_column
from losscli.validate.align import align

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
            if (
                numbers is None
                and len(names) == 1
                and role == "prediction"
                and not any(is_number(v) and v is not None for v in col[:1000])
            ):
                return col.reshape(-1, 1)  # hard labels as class names
            if numbers is None:
                row, bad = first_non_numeric(col)
                raise InputError(
                    f"non-numeric value {show(bad)} in the {role} column",
                    file=table.source,
                    row=row,
                    column=name,
                    hint=cell_hint(bad),
                )
            col = numbers
        cols.append(col if col.ndim == 2 else col.reshape(-1, 1))
    if len({c.shape[0] for c in cols}) > 1:
        sizes = ", ".join(f"{n} has {c.shape[0]}" for n, c in zip(names, cols))
        raise InputError(f"the {role} columns differ in length: {sizes}", file=table.source)
    return np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]


def cell_hint(bad: Any) -> str | None:
    if isinstance(bad, str) and "\n" in bad:
        return 'the cell spans lines: is a quote (") left open?'
    if isinstance(bad, str) and re.fullmatch(r"\s*[+-]?\d*,\d+\s*", bad):
        return "a decimal comma? pass --decimal , with the file's --delimiter"
    return None


def first_non_numeric(col: np.ndarray) -> tuple[int, Any]:
    """(1-based row, value) of the first cell of ``col`` that is not a number."""
    for i, v in enumerate(col):
        if not is_number(v):
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
        if any(is_number(v) for v in col[:1000]):
            row, bad = first_non_numeric(col)
            raise InputError(
                f"non-numeric value {show(bad)} in a prediction column",
                file=table.source,
                row=row,
                column=n,
                hint=cell_hint(bad) or "fix the cell, or choose columns with --pred-col",
            )
    return names


def is_number(v: Any) -> bool:
    if isinstance(v, str):
        return to_float_column(np.array([v], dtype=object)) is not None
    if isinstance(v, bool):
        return True
    return isinstance(v, (int, float, np.integer, np.floating)) or v is None


def _layout_hint(table: Table, flag: str) -> str:
    """What probably went wrong when no target/prediction column can be chosen."""
    names = table.names
    if table.has_header and names and all(is_number(n) for n in names):
        return f"the first row looks like data: pass --no-header, and {flag} by index"
    if len(names) == 1 and ("\t" in names[0] or ";" in names[0]):
        sep, spelt = ("tabs", "'\\t'") if "\t" in names[0] else ("semicolons", "';'")
        return f"the file seems to be separated by {sep}, not commas: pass --delimiter {spelt}"
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
        align(
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
    row, bad = first_non_numeric(ptable.data[name])
    return InputError(
        f"no numeric prediction columns: {', '.join(repr(n) for n in rest[:10])} hold text "
        f"(first: {show(bad)})",
        file=ptable.source,
        row=row,
        column=name,
        hint=cell_hint(bad) or _layout_hint(ptable, "--pred-col"),
    )


def _looks_wide_target(target: Table, names: list[str]) -> bool:
    return all(target.data[n].dtype != object for n in names)
