"""Alignment by id: predictions reordered to the targets' ids (``--id-col``), ids on
one side only an input error or, with ``--allow-missing``, dropped and counted.

Ids are compared exactly as written: text as text (surrounding whitespace stripped),
integers as integers, and an integer matches the text of its decimal digits (Parquet
int64 ``7`` matches CSV ``"7"``; ``"007"`` matches neither, and integers beyond 2^53
stay distinct).  A float id column (a Parquet double) keeps the rule of whole numbers
(``7.0`` matches ``"7"``), but an integer from 2^53 on in it has lost precision: an
input error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.errors import InputError
from losscli.io.table import Table

if TYPE_CHECKING:  # pragma: no cover - columns imports this module
    from losscli.validate.columns import Raw

EXACT_FLOAT = 2.0**53  # from here on a float cannot tell neighbouring integers apart


def id_keys(ids: np.ndarray, source: str = "", column: str | None = None) -> np.ndarray:
    """Ids as comparable strings (a NumPy unicode array): integers as their decimal
    digits, text stripped of surrounding whitespace, whole floats without ``.0``;
    NaN, None and blank cells as "" (missing).  A float id from 2^53 on is an input
    error naming ``source`` and ``column`` (its precision was lost)."""
    if ids.ndim != 1:
        raise InputError(
            f"the id array {column!r} has shape {ids.shape}, not one id per row",
            file=source,
            column=None,
            hint="--id-col needs a 1-D array (or a column) of ids",
        )
    kind = ids.dtype.kind
    if kind in "iu":
        return ids.astype(str)
    if kind == "b":
        return ids.astype(np.int64).astype(str)
    if kind == "f":
        return _float_keys(ids.astype(np.float64, copy=False), source, column)
    if kind in "US":
        return np.strings.strip(ids.astype(str))
    return _object_keys(ids, source, column)


def _float_keys(v: np.ndarray, source: str, column: str | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (v == np.floor(v))
        big = whole & (np.abs(v) >= EXACT_FLOAT)
    if big.any():
        i = int(np.argmax(big))
        raise InputError(
            f"id {_float_text(float(v[i]))} is an integer of 2^53 or more in a column of "
            "floats: its precision was lost (neighbouring ids read as the same number)",
            file=source,
            row=i + 1,
            column=column,
            hint="write the ids as integers (int64) or as text",
        )
    out = np.empty(v.shape[0], dtype=object)
    out[whole] = v[whole].astype(np.int64).astype(str)
    nan = np.isnan(v)
    out[nan] = ""
    for j in np.flatnonzero(~whole & ~nan).tolist():  # fractional or infinite ids: rare
        out[j] = repr(float(v[j]))
    return out.astype(str)


def _float_text(x: float) -> str:
    return str(int(x)) if np.isfinite(x) and x == int(x) else repr(x)


def _object_keys(ids: np.ndarray, source: str, column: str | None) -> np.ndarray:
    """Mixed cells (text, Python ints from a reader keeping them exact, None)."""
    out = []
    for i, v in enumerate(ids.tolist()):
        if v is None:
            out.append("")
        elif isinstance(v, str):
            out.append(v.strip())
        elif isinstance(v, int):  # bool too: True is 1
            out.append(str(int(v)))
        elif isinstance(v, float):
            try:
                out.append(str(_float_keys(np.array([v]), source, column)[0]))
            except InputError as exc:
                exc.row = i + 1
                raise
        else:
            out.append(str(v).strip())
    return np.array(out, dtype=str)


def id_text(value: Any) -> str:
    """One id as written, for messages and the preview: text as it is, integers exact,
    whole floats without ``.0``."""
    if isinstance(value, (float, np.floating)):
        return _float_text(float(value))
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return "" if value is None else str(value)


def align(
    raw: Raw,
    target: Table,
    ptable: Table,
    tid: str,
    pid: str,
    one_file: bool,
    allow_missing: bool = False,
) -> None:
    ids_t = target.data[tid]
    if ids_t.ndim != 1:
        id_keys(ids_t, target.source, tid)  # the error naming the array
    raw.ids = ids_t
    if one_file:
        return
    ids_p = ptable.data[pid]
    st = id_keys(ids_t, target.source, tid)
    sp = id_keys(ids_p, ptable.source, pid)
    for keys, ids, table, col in ((st, ids_t, target, tid), (sp, ids_p, ptable, pid)):
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
                f"duplicate id {id_text(ids[rows[0]])!r} "
                f"(rows {int(rows[0]) + 1} and {int(rows[1]) + 1})",
                file=table.source,
                row=int(rows[1]) + 1,
                column=col,
                hint="ids under --id-col must be unique",
            )
    pos = {k: i for i, k in enumerate(sp.tolist())}
    has = np.fromiter((k in pos for k in st.tolist()), dtype=bool, count=len(st))
    n_missing = int(len(st) - np.count_nonzero(has))
    extra = len(sp) - (len(st) - n_missing)
    if n_missing == len(st):
        raise InputError(
            "no id is common to both files: "
            f"e.g. {id_text(ids_t[0])!r} in {target.source}, "
            f"{id_text(ids_p[0])!r} in {ptable.source}",
            file=ptable.source,
            column=pid,
            hint="check that --id-col names the same key in both files",
        )
    if n_missing and not allow_missing:
        example = id_text(ids_t[int(np.argmin(has))])
        raise InputError(
            f"{n_missing} id(s) have no prediction, e.g. {example!r}",
            file=ptable.source,
            column=pid,
            hint="pass --allow-missing to score the ids present on both sides",
        )
    if extra and not allow_missing:
        tset = set(st.tolist())
        unknown = id_text(ids_p[next(i for i, k in enumerate(sp.tolist()) if k not in tset)])
        raise InputError(
            f"{extra} prediction id(s) have no target, e.g. {unknown!r}",
            file=target.source,
            column=tid,
            hint="pass --allow-missing to score the ids present on both sides",
        )
    kept = np.flatnonzero(has)
    order = np.fromiter((pos[k] for k in st[kept].tolist()), dtype=np.intp, count=kept.size)
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
