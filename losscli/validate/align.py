"""Alignment by id: predictions reordered to the targets' ids (``--id-col``), ids on
one side only an input error or, with ``--allow-missing``, dropped and counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from losscli.errors import InputError
from losscli.io.table import Table

if TYPE_CHECKING:  # pragma: no cover - columns imports this module
    from losscli.validate.columns import Raw


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
