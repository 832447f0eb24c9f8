"""What cells and columns hold: is a cell a number (or a number mangled), is a column
text, the first cell that is not a number and a hint for it; and two checks on what a
table's header and columns hold (a header that is data, a ``predict()`` column beside
``predict_proba()`` columns).  Shared by the column roles and the value checks.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from losscli.errors import InputError, show
from losscli.io.table import Table, to_float_column
from losscli.validate import roles


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


_NUMBERISH = re.compile(r"[\d.,eE+\-_%()\[\]'\" \t]+")


def filled_number(v: Any) -> bool:
    """A cell holding a number, or a number mangled (``[0.2]``, ``"0,7"``, ``1.5.``,
    ``1_000``: digits and number marks only): not a class name."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return False
    if isinstance(v, str):
        if _NUMBERISH.fullmatch(v) and any(c.isdigit() for c in v):
            return True
        v = v.strip().strip("[](){}'\" ").replace(",", ".")
    return is_number(v)


_SCALARS = (str, bytes, int, float, type(None), np.str_, np.bytes_, np.number, np.bool_)


def compound_cell(col: np.ndarray, role: str) -> InputError | None:
    """The error for the first cell of an object column ``col`` that holds neither a
    number nor text (a list, a JSON object, a date or a time: Parquet and JSON Lines
    can hold them), or None.  Such a cell read as a class name would be scored."""
    if all(issubclass(k, _SCALARS) for k in set(map(type, col.tolist()))):
        return None
    row, bad = next((i + 1, v) for i, v in enumerate(col) if not isinstance(v, _SCALARS))
    kind = type(bad).__name__
    if isinstance(bad, (list, tuple, np.ndarray)):
        what, hint = (
            "a list",
            "one value a cell"
            + (": each class's score in a column of its own" if role == "prediction" else ""),
        )
    elif isinstance(bad, dict):
        what, hint = "a JSON object", "one value a cell: flatten the object into columns"
    else:
        what = f"a {kind} value"
        hint = "dates and times are not scores: choose the columns with --target-col / --pred-col"
    return InputError(
        f"{what} ({show(bad)}) in the {role} column, not a number or a class name",
        row=row,
        hint=hint,
    )


def is_text(col: np.ndarray) -> bool:
    """A text column: cells of text and no number among its first cells (blanks aside)."""
    if col.dtype != object or to_float_column(col) is not None:
        return False
    return not any(filled_number(v) for v in col[: roles.SAMPLE_ROWS])


def is_number(v: Any) -> bool:
    if isinstance(v, str):
        return to_float_column(np.array([v], dtype=object)) is not None
    if isinstance(v, bool):
        return True
    return isinstance(v, (int, float, np.integer, np.floating)) or v is None


def header_is_data(table: Table) -> None:
    """A header of numbers with a decimal point or an exponent is the first row of data
    (``np.savetxt`` writes no header): reading it as names would drop a sample; so is a
    lone column headed by a number.  Headers of whole numbers (class ids 0, 1, 2 heading
    probability columns) stay names."""
    if not table.has_header or table.is_npz or not table.names:
        return
    names = [str(n).strip() for n in table.names]
    if all(is_number(n) and n != "" for n in names) and (
        len(names) == 1 or any(re.search(r"[.eE]", n) for n in names)
    ):
        raise InputError(
            f"the first row ({', '.join(names[:5])}{' ...' if len(names) > 5 else ''}) is "
            "numbers, not column names: a file without a header?",
            file=table.source,
            hint="pass --no-header (and choose columns by index)",
        )


def labels_beside_scores(table: Table, numeric: list[str]) -> None:
    """A column of class labels (``predict()``) beside columns of fractions
    (``predict_proba()``) in one file: two readings of the model, never both predictions.
    A labels column is whole numbers, named as a prediction (``y_pred``) or holding
    values above 1."""
    if len(numeric) < 2:
        return
    whole, fractional = [], []
    for n in numeric:
        col = table.data[n]
        values = col if col.dtype != object else to_float_column(col)
        if values is None or values.size == 0:
            return
        finite = values[np.isfinite(values)]
        if finite.size and np.all(finite == np.round(finite)):
            if roles.is_pred_name(n) or np.any(finite > 1):
                whole.append(n)
        elif finite.size:
            fractional.append(n)
    if whole and fractional:
        raise InputError(
            f"column {whole[0]!r} holds class labels beside the scores or probabilities in "
            f"{', '.join(repr(n) for n in fractional[:5])}: two readings of one model",
            file=table.source,
            column=whole[0],
            hint=f"choose one: --pred-col {whole[0]} for the labels, "
            f"--pred-col {','.join(fractional[:5])} for the others",
        )
