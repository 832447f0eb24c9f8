"""The table: named columns read from one source (:class:`Table`), and the helpers that
make one -- columns from a pandas frame, a pyarrow batch or a NumPy array, text cells
as numbers, the unique-name check -- with the short text of an exception for messages.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError


@dataclass
class Table:
    """Named columns (1-D arrays; ``.npz`` members may be 2-D) read from one source."""

    source: str
    names: list[str]
    data: dict[str, np.ndarray]
    has_header: bool = True
    is_npz: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def slice(self, start: int, stop: int) -> Table:
        return Table(
            self.source,
            self.names,
            {k: v[start:stop] for k, v in self.data.items()},
            self.has_header,
            self.is_npz,
            self.meta,
        )

    @property
    def n_rows(self) -> int:
        return int(next(iter(self.data.values())).shape[0]) if self.data else 0

    def column(self, spec: str, flag: str | None = None) -> str:
        """Resolve a column name or 0-based index to a name.

        A column the file does not have is an input error (exit 3): whether it
        exists depends on the data, not on the command line.  ``flag`` (such as
        ``--target-col``) is named in the hint.
        """
        if spec in self.data:
            return spec
        for name in self.names:
            if name.strip().lower() == spec.strip().lower():
                return name
        what = "array" if self.is_npz else "column"
        fix = f"check {flag}" if flag else f"choose another {what}"
        if re.fullmatch(r"-?[0-9]+", spec.strip()):
            i = int(spec)
            if 0 <= i < len(self.names):
                return self.names[i]
            raise InputError(
                f"{what} index {i} is out of range: the file has {len(self.names)} "
                f"{what}s (0 to {len(self.names) - 1})",
                file=self.source,
                hint=f"{fix}; indices are 0-based",
            )
        hint = fix
        if not self.has_header and not self.is_npz:
            hint += "; the file is read without a header row, so name columns by 0-based index"
        raise InputError(
            f"no {what} named {spec!r}; {what}s are: {', '.join(self.names[:20])}"
            + (" ..." if len(self.names) > 20 else ""),
            file=self.source,
            hint=hint,
        )


TextCols = Collection[str] | Callable[[str], bool] | None
"""Columns to keep as written (``--id-col``): names (or 0-based indices, resolved as
:meth:`Table.column` resolves them), or a predicate on the header name."""


def text_names(text_cols: TextCols, names: Sequence[str]) -> set[str]:
    """The names among ``names`` that ``text_cols`` asks to keep as written."""
    if not text_cols:
        return set()
    if callable(text_cols):
        return {n for n in names if text_cols(n)}
    out: set[str] = set()
    for spec in text_cols:
        if spec in names:
            out.add(spec)
            continue
        folded = [n for n in names if n.strip().lower() == spec.strip().lower()]
        if folded:
            out.add(folded[0])
        elif re.fullmatch(r"[0-9]+", spec.strip()) and int(spec) < len(names):
            out.add(names[int(spec)])
    return out


def keep_exact(col: np.ndarray) -> np.ndarray:
    """An id column as its reader gave it, never through float: integers as int64 (or
    uint64), text as objects, floats as they are."""
    if col.dtype.kind == "b":
        return col.astype(np.int64)
    if col.dtype.kind in "iu":
        return col if col.dtype.kind == "u" and col.dtype.itemsize == 8 else col.astype(np.int64)
    if col.dtype.kind in "US":
        return col.astype(object)
    return col


_NA = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-nan"})
# What every CSV path (csv module, pandas, pyarrow) reads as a number: ASCII decimal
# notation, no digit-group underscores (Python's float() alone would take "1_000" and "٣").
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)", re.I | re.A)


# a whole column of numbers, one a line (surrounding blanks allowed): one match per column
_NUMBERS = re.compile(
    r"[ \t]*(?:" + _NUMBER.pattern + r")[ \t]*(?:\n[ \t]*(?:" + _NUMBER.pattern + r")[ \t]*)*",
    re.I | re.A,
)


# the characters of plain decimal numbers: a column of only these needs no regular expression
_PLAIN = str.maketrans("", "", "0123456789eE.+- \t\n")


_ARROW: Any = None  # pyarrow, once :func:`fast_cells` loaded it (a batch of many files)


def fast_cells() -> None:
    """Convert columns of plain numbers with pyarrow from now on (its import, ~0.1 s, pays
    for itself over many small files: a batch); the numbers are the same.  Its compute
    kernels are called directly (:func:`losscli.io.plaincsv.cast_cells`): the module
    ``pyarrow.compute`` would add 0.1-0.2 s to every process of a batch."""
    global _ARROW
    if _ARROW is None:
        import pyarrow as pa

        _ARROW = pa


def fast_cells_on() -> bool:
    """Whether :func:`fast_cells` was called in this process (a batch of many files)."""
    return _ARROW is not None


def _digits(joined: str, n: int) -> np.ndarray | None:
    """A column of one-digit cells (0/1 labels, class ids) as float64, or None."""
    if len(joined) != 2 * n - 1:
        return None
    every = joined[::2]  # the n cells, when every one of them is a single digit
    if not every.isdigit():  # ASCII here (the cells passed _PLAIN)
        return None
    return (np.frombuffer(every.encode("ascii"), dtype=np.uint8) - 48).astype(np.float64)


def _arrow_floats(joined: str, n: int) -> np.ndarray | None:
    """pyarrow's cast of ``n`` plain-number cells joined by line ends: correctly rounded, as
    float(); it refuses a few cells float() takes (blanks around a number: None, then numpy
    converts).  The cells go to pyarrow as buffers of their bytes (``pa.array`` of a list
    would import pandas, half a second)."""
    from losscli.io.plaincsv import cast_cells

    data = joined.encode("ascii")  # plain characters only (checked by the caller)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    ends = np.append(ends, len(data))
    if ends.shape[0] != n:
        return None
    return cast_cells(data.replace(b"\n", b""), ends)


def to_float_cells(cells: list[str], decimal: str = ".") -> np.ndarray:
    """A column of text cells as float64, as :func:`to_float` reads each cell; a
    :class:`ValueError` if a cell is not a number.  A column that is all numbers (the usual
    case) is checked by one regular expression and converted by numpy at C speed (one-digit
    cells from their bytes; with :func:`fast_cells`, the others by pyarrow)."""
    if decimal == "." and cells:
        joined = "\n".join(cells)
        if joined.count("\n") == len(cells) - 1:
            if not joined.translate(_PLAIN):
                digits = _digits(joined, len(cells))
                if digits is not None:
                    return digits
                if _ARROW is not None:
                    fast = _arrow_floats(joined, len(cells))
                    if fast is not None:
                        return fast
                # digits, signs, points, exponents and blanks only: numpy's conversion (as
                # float()) takes exactly the cells _NUMBER matches, correctly rounded
                with contextlib.suppress(ValueError):  # an empty cell, "1e": cell by cell
                    return np.array(cells, dtype=np.float64)
            elif _NUMBERS.fullmatch(joined):
                return np.array(cells, dtype=np.float64)
    return np.array([to_float(c, decimal) for c in cells], dtype=np.float64)


def to_float(cell: str, decimal: str = ".") -> float:
    """A text cell as a number (``decimal``: the decimal mark, ``.`` or ``,``); a
    :class:`ValueError` if it is not one."""
    text = cell.strip()
    if text.lower() in _NA:
        return float("nan")
    if decimal != ".":
        if "." in text:
            raise ValueError(text)
        text = text.replace(decimal, ".", 1)
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


def to_float_column(col: np.ndarray) -> np.ndarray | None:
    """A column of text cells as float64 when every cell is a number (or a missing value),
    else None.  Numbers read as text happen when a stream is cut in chunks: the column
    was text because of a cell in another chunk."""
    out = np.empty(col.shape[0], dtype=np.float64)
    for i, v in enumerate(col):
        if isinstance(v, str):
            try:
                out[i] = to_float(v)
            except ValueError:
                return None
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
        elif v is None:
            out[i] = math.nan
        else:
            return None
    return out


def check_unique(names: list[str], path: str) -> None:
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(
            f"duplicate column names: {', '.join(repr(d) for d in dup)}",
            file=path,
            hint="rename the columns, or pass --no-header and choose columns by index",
        )


def frame_to_table(df: Any, path: str, has_header: bool, text_cols: TextCols = None) -> Table:
    names = [str(c) for c in df.columns]
    check_unique(names, path)
    exact = text_names(text_cols, names)
    data = {}
    for name, col in zip(names, df.columns):
        series = df[col]
        if name in exact and series.dtype.kind in "biu":
            data[name] = keep_exact(series.to_numpy())
        elif series.dtype.kind in "biuf":
            data[name] = series.to_numpy(dtype=np.float64)
        else:
            data[name] = series.to_numpy(dtype=object)
    return Table(path, names, data, has_header)


def arrow_to_table(batch: Any, path: str, header: bool, text_cols: TextCols = None) -> Table:
    """An Arrow table or record batch as a :class:`Table`.  The index columns a pandas
    DataFrame's ``to_parquet`` adds (``__index_level_0__``, or the index's name) are left
    out, as pandas' reader makes them the index, not data; unless named as ids."""
    from losscli.io.csvfast import to_numpy  # float64 or object; never imports pandas

    names = [str(n) for n in batch.schema.names]
    if not header:
        names = [str(i) for i in range(len(names))]
    exact = text_names(text_cols, names)
    index = pandas_index(batch.schema) - exact if header else set()
    data = {
        n: to_numpy(col, exact=n in exact) for n, col in zip(names, batch.columns) if n not in index
    }
    return Table(path, [n for n in names if n not in index], data, header)


def pandas_index(schema: Any) -> set[str]:
    """The columns an Arrow schema's pandas metadata names as the DataFrame's index."""
    meta = schema.metadata or {}
    if b"pandas" not in meta:
        return set()
    import json

    try:
        index = json.loads(meta[b"pandas"]).get("index_columns", [])
    except (ValueError, AttributeError):  # not pandas' JSON: no index to leave out
        return set()
    return {c for c in index if isinstance(c, str)}


def array_columns(arr: np.ndarray, path: str) -> tuple[list[str], dict[str, np.ndarray]]:
    if arr.ndim == 1:
        return ["0"], {"0": arr}
    if arr.ndim == 2:
        names = [str(i) for i in range(arr.shape[1])]
        return names, {n: arr[:, i] for i, n in enumerate(names)}
    raise InputError(f"expected a 1-D or 2-D array, got shape {arr.shape}", file=path)


def short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
