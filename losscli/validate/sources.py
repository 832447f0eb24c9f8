"""Sources: the inputs of one evaluation as a stream of :class:`~losscli.validate.columns.Raw`
chunks.

Files (paths, globs, directories, ``-``) are read chunk by chunk through
:func:`losscli.io.readers.read_chunks`; targets, predictions and a weights file are
zipped in lockstep, re-sliced so that each chunk holds the same rows of each.
Arrays and DataFrames are one chunk (or ``chunk_rows``-sized slices of it).
``--id-col`` with two files needs every id at once, so that case reads whole.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, UsageError, show
from losscli.io import readers
from losscli.io.table import Table, array_columns, frame_to_table, to_float_column
from losscli.validate.columns import Raw, Roles, decide, select
from losscli.validate.roles import SAMPLE_ROWS, is_id_name

_EXTS = (".csv", ".tsv", ".npy", ".npz", ".parquet", ".jsonl", ".ndjson")


def is_source(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def looks_like_file(s: str) -> bool:
    return (
        s == "-" or os.path.exists(s) or os.path.splitext(s.lower().removesuffix(".gz"))[1] in _EXTS
    )


def zip_aligned(
    iters: Sequence[Iterator[Table]], sources: Sequence[str], weights_last: bool = False
) -> Iterator[list[Table]]:
    """Chunks of several streams cut to the same rows; a stream ending early is a
    length mismatch naming both files (``weights_last``: the last stream is a weights file)."""
    buffers: list[Table | None] = [None] * len(iters)
    counts = [0] * len(iters)
    while True:
        for i, it in enumerate(iters):
            if buffers[i] is None or buffers[i].n_rows == 0:  # type: ignore[union-attr]
                nxt = next(it, None)
                if nxt is not None:
                    counts[i] += nxt.n_rows
                buffers[i] = nxt
        done = [b is None for b in buffers]
        if all(done):
            return
        if any(done):
            for i, it in enumerate(iters):  # count what is left, for the message
                for rest in it:
                    counts[i] += rest.n_rows
            if weights_last and counts[-1] != counts[0]:
                raise InputError(
                    f"{counts[-1]} weights for {counts[0]} samples in {sources[0]}",
                    file=sources[-1],
                    hint="a weights file needs one row per sample, in the same order",
                )
            raise InputError(
                "length mismatch: "
                + " but ".join(f"{c} rows in {s}" for c, s in zip(counts, sources)),
                hint="pass --id-col to align by a key column" if len(iters) > 1 else None,
            )
        n = min(b.n_rows for b in buffers if b is not None)
        out = []
        for i, b in enumerate(buffers):
            assert b is not None
            out.append(b.slice(0, n) if b.n_rows > n else b)
            buffers[i] = b.slice(n, b.n_rows) if b.n_rows > n else None
        yield out


def _weights_table_column(wt: Table) -> str:
    numeric = [n for n in wt.names if wt.data[n].dtype != object]
    if len(numeric) != 1:
        text = [n for n in wt.names if wt.data[n].dtype == object]
        raise InputError(
            f"a weights file needs exactly one numeric column, found {len(numeric)}"
            + (f" (text columns: {', '.join(repr(n) for n in text[:5])})" if text else ""),
            file=wt.source,
            hint="one weight a row, in a single column",
        )
    return numeric[0]


class _WeightTotal:
    """Whether every weight seen is zero: an error naming the weights, after the last chunk."""

    def __init__(self) -> None:
        self.seen = False
        self.total = 0.0
        self.source = "weights"

    def add(self, w: np.ndarray | None, source: str) -> None:
        if w is None:
            return
        w = np.asarray(w, dtype=np.float64)
        self.seen, self.source = True, source
        # only "is any weight non-zero" matters: a count, which cannot overflow
        self.total += float(np.count_nonzero(w[np.isfinite(w)]))

    def check(self) -> None:
        if self.seen and self.total == 0:
            source, _, column = self.source.partition(" column ")
            raise InputError(
                "all weights are zero",
                file=source,
                column=column or None,
                hint="weighted means need at least one positive weight",
            )


def raw_chunks(
    y_true: Any,
    y_pred: Any,
    *,
    target_col: str | None,
    pred_col: str | None,
    id_col: str | None,
    weights: Any,
    header: bool,
    input_format: str | None,
    stdin: IO[bytes] | None,
    classes: Sequence[str] | None,
    chunk_rows: int | None,
    allow_missing: bool = False,
    delimiter: str | None = None,
    decimal: str = ".",
    group_by: Any = None,
) -> Iterator[Raw]:
    """The inputs as a stream of :class:`Raw` chunks (targets, predictions, weights,
    ids, and with ``group_by`` the group of every row: a column name, or a file with one
    value a row)."""
    group_col = group_by if isinstance(group_by, str) and not looks_like_file(group_by) else None
    group_file = (
        os.fspath(group_by)
        if group_by is not None and group_col is None and is_source(group_by)
        else None
    )
    if group_by is not None and group_col is None and group_file is None:
        raise UsageError(f"--group-by {group_by!r} is neither a file nor a column name")
    weight_col = weights if isinstance(weights, str) and not looks_like_file(weights) else None
    weight_file = (
        os.fspath(weights)
        if weights is not None and weight_col is None and is_source(weights)
        else None
    )
    files = is_source(y_true) or (y_pred is not None and is_source(y_pred))
    if not files and not hasattr(y_true, "columns"):
        if group_by is not None:
            raise UsageError("--group-by needs file or DataFrame inputs (a column or a file)")
        yield from _array_chunks(y_true, y_pred, weights, classes, chunk_rows)
        return

    # ids are read as written (007 is not 7; big integers exact), never as floats
    # (--id-col, or the id-like headers the roles take for ids: losscli.validate.roles)
    # and --group-by's column: groups are names, 007 is not 7
    text_cols: Any = is_id_name if id_col is None else {id_col}
    if group_col is not None:
        ids = text_cols
        text_cols = (  # noqa: E731
            lambda name: name == group_col or (ids(name) if callable(ids) else name in ids)
        )

    def stream(x: Any, name: str) -> Iterator[Table]:
        if is_source(x):
            return readers.read_chunks(
                os.fspath(x),
                header=header,
                input_format=input_format,
                stdin=stdin,
                chunk_rows=chunk_rows,
                delimiter=delimiter,
                decimal=decimal,
                text_cols=text_cols,
            )
        table = _table_of(x, name, text_cols)
        table.meta[readers.COMPLETE] = True  # a DataFrame or an array: one chunk
        return iter([table])

    # the roles of the columns are decided once, from the headers and the first rows
    # (the same rows whatever the chunk size), before the rest is read
    t_head, t_iter = _peek(stream(y_true, "targets"))
    p_head: Table | None = None
    p_iter: Iterator[Table] | None = None
    if y_pred is not None:
        p_head, p_iter = _peek(stream(y_pred, "predictions"))
    roles = None
    if t_head is not None and (y_pred is None or p_head is not None):
        roles = decide(
            t_head,
            p_head,
            target_col=target_col,
            pred_col=pred_col,
            id_col=id_col,
            weight_col=_checked_weight_col(weight_col, t_head, p_head),
            weights_given=weights is not None,
            group_col=_checked_group_col(group_col, t_head, p_head),
        )
    by_id: Table | None = None  # the whole prediction table, aligned to the targets by key
    sources = [str(y_true) if is_source(y_true) else "targets"]
    if p_iter is not None and (id_col is not None or (roles is not None and roles.auto_id)):
        # alignment by key needs every id at once; the prediction file may be shuffled and
        # of another length, so it is not cut to the targets' rows (select says which ids
        # are missing on either side)
        iters: list[Iterator[Table]] = [iter([_whole(t_iter)])]
        by_id = _whole(p_iter)
    else:
        iters = [t_iter]
        if p_iter is not None:
            iters.append(p_iter)
            sources.append(str(y_pred) if is_source(y_pred) else "predictions")
    if weight_file is not None:
        weights_stream = readers.read_chunks(
            weight_file,
            header=header,
            input_format=None,
            chunk_rows=chunk_rows,
            delimiter=delimiter,
            decimal=decimal,
        )
        iters.append(iter([_whole(weights_stream)]) if by_id is not None else weights_stream)
        sources.append(weight_file)
    if group_file is not None:
        groups_stream = readers.read_chunks(
            group_file,
            header=header,
            input_format=None,
            chunk_rows=chunk_rows,
            delimiter=delimiter,
            decimal=decimal,
            text_cols=lambda name: True,  # group values as written
        )
        iters.append(iter([_whole(groups_stream)]) if by_id is not None else groups_stream)
        sources.append(group_file)
    total = _WeightTotal()
    yield from select_chunks(
        zip_aligned(iters, sources, weights_last=weight_file is not None and group_file is None),
        has_pred=y_pred is not None,
        by_id=by_id,
        weights_file=weight_file is not None,
        target_col=target_col,
        pred_col=pred_col,
        id_col=id_col,
        weight_col=weight_col,
        allow_missing=allow_missing,
        total=total,
        roles=roles,
        group_col=group_col,
        groups_file=group_file is not None,
    )
    total.check()


def select_chunks(
    chunks: Iterator[list[Table]],
    *,
    has_pred: bool,
    by_id: Table | None = None,
    weights_file: bool = False,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    weight_col: str | None = None,
    allow_missing: bool = False,
    total: _WeightTotal | None = None,
    roles: Roles | None = None,
    group_col: str | None = None,
    groups_file: bool = False,
) -> Iterator[Raw]:
    """Columns picked from each chunk's tables ``[targets, predictions?, weights?]``
    (``by_id``: the whole prediction table, aligned by key) with the same ``roles`` for
    every chunk (decided here from the first rows when not given); rows of errors
    counted over all the chunks; the weights' running total added to ``total``."""
    offset = 0  # rows before this chunk, so that messages count rows over the whole input
    if roles is None:
        head, chunks = _peek_lists(chunks)
        if head:
            t0 = _first_rows(_whole(iter([h[0] for h in head])))
            p0 = by_id if by_id is not None else None
            if p0 is None and has_pred:
                p0 = _first_rows(_whole(iter([h[1] for h in head])))
            roles = decide(
                t0,
                p0,
                target_col=target_col,
                pred_col=pred_col,
                id_col=id_col,
                weight_col=_checked_weight_col(weight_col, t0, p0),
                weights_given=weights_file or weight_col is not None,
                group_col=_checked_group_col(group_col, t0, p0),
            )
    for tables in chunks:
        t = tables[0]
        ptab: Table | None = by_id if by_id is not None else (tables[1] if has_pred else None)
        try:
            raw = select(
                t,
                ptab,
                target_col=target_col,
                pred_col=pred_col,
                id_col=id_col,
                weight_col=weight_col,
                allow_missing=allow_missing,
                decided=roles,
                lockstep=by_id is None,
                group_col=group_col,
            )
            extra = 1 + (has_pred and by_id is None)  # the weights, then the groups file
            if groups_file:
                gt = tables[extra + weights_file]
                raw.groups = gt.data[gt.names[0]].reshape(-1)
                raw.group_source = gt.source
                if raw.kept_targets is not None and raw.groups.shape[0] == t.n_rows:
                    raw.groups = raw.groups[raw.kept_targets]
            if weights_file:
                wt = tables[extra]
                raw.weights = wt.data[_weights_table_column(wt)].reshape(-1)
                raw.weight_source = wt.source
                if raw.kept_targets is not None and raw.weights.shape[0] == t.n_rows:
                    raw.weights = raw.weights[raw.kept_targets]  # rows of the targets file
        except InputError as exc:
            if exc.row is not None:
                exc.row += offset
            raise
        offset += t.n_rows
        if total is not None:
            total.add(raw.weights, raw.weight_source)
        raw.complete = all(tb.meta.get(readers.COMPLETE, False) for tb in tables) and (
            by_id is None or by_id.meta.get(readers.COMPLETE, False)
        )
        yield raw


def _checked_group_col(group_col: str | None, t: Table, p: Table | None) -> str | None:
    if group_col is not None and group_col not in t.data:
        if p is None or group_col not in p.data:
            raise UsageError(
                f"--group-by {group_col!r} is neither a file nor a column of the input",
                hint=f"columns: {', '.join(repr(n) for n in t.names[:10])}",
            )
    return group_col


def _checked_weight_col(weight_col: str | None, t: Table, p: Table | None) -> str | None:
    if weight_col is not None and weight_col not in t.data:
        if p is None or weight_col not in p.data:
            raise UsageError(
                f"--weights {weight_col!r} is neither a file nor a column of the input"
            )
    return weight_col


def _peek(it: Iterator[Table]) -> tuple[Table | None, Iterator[Table]]:
    """The first :data:`~losscli.validate.roles.SAMPLE_ROWS` rows of a stream (or all of
    it, if shorter) as one table, and the stream from its start again."""
    head: list[Table] = []
    rows = 0
    for table in it:
        head.append(table)
        rows += table.n_rows
        if rows >= SAMPLE_ROWS:
            break
    return (_first_rows(_whole(iter(head))) if head else None), itertools.chain(head, it)


def _first_rows(table: Table) -> Table:
    """The rows the roles are decided from: the same whatever the chunk size."""
    return table.slice(0, SAMPLE_ROWS) if table.n_rows > SAMPLE_ROWS else table


def _peek_lists(
    chunks: Iterator[list[Table]],
) -> tuple[list[list[Table]], Iterator[list[Table]]]:
    head: list[list[Table]] = []
    rows = 0
    for tables in chunks:
        head.append(tables)
        rows += tables[0].n_rows
        if rows >= SAMPLE_ROWS:
            break
    return head, itertools.chain(head, chunks)


def _whole(it: Iterator[Table]) -> Table:
    parts = list(it)
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    data = {n: np.concatenate([t.data[n] for t in parts]) for n in first.names}
    return Table(first.source, first.names, data, first.has_header, first.is_npz)


def _table_of(x: Any, name: str, text_cols: set[str] | None = None) -> Table:
    if hasattr(x, "columns"):  # a pandas DataFrame (its integer ids stay int64)
        return frame_to_table(x, name, True, text_cols)
    arr = _as_array(x, name, numeric=False)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    names, data = array_columns(arr, name)
    return Table(name, names, data, has_header=False)


def _as_array(x: Any, name: str, numeric: bool) -> np.ndarray:
    """An API argument as a 1-D or 2-D array.  ``numeric``: float64, text cells that are
    numbers converted, any other text an input error; otherwise (targets) numbers as given
    and text as objects (class names, resolved against the prediction columns later)."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise InputError(f"not a rectangular array: {_short(exc)}", file=name) from None
    if arr.ndim == 0:
        raise InputError(f"expected a 1-D or 2-D array, got the scalar {show(arr)}", file=name)
    if arr.ndim > 2:
        raise InputError(f"expected a 1-D or 2-D array, got shape {arr.shape}", file=name)
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64) if numeric else arr
    if arr.dtype.kind not in "OUS":
        raise InputError(f"unsupported dtype {arr.dtype} (numbers expected)", file=name)
    obj = arr.astype(object)
    if not numeric:
        return obj
    flat = obj.reshape(-1)
    numbers = to_float_column(flat)
    if numbers is None:
        i = next(i for i in range(flat.size) if to_float_column(flat[i : i + 1]) is None)
        width = arr.shape[1] if arr.ndim == 2 and arr.shape[1] else 1
        raise InputError(f"non-numeric value {show(flat[i])}", file=name, row=i // width + 1)
    return numbers.reshape(arr.shape)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _array_chunks(
    y_true: Any, y_pred: Any, weights: Any, classes: Sequence[str] | None, chunk_rows: int | None
) -> Iterator[Raw]:
    if y_pred is None:
        raise UsageError("y_pred is required when y_true is an array")
    y = _as_array(y_true, "y_true", numeric=False)
    p = _as_array(y_pred, "y_pred", numeric=True)
    if p.ndim == 1:
        p = p.reshape(-1, 1)
    if y.shape[0] != p.shape[0]:
        raise InputError(f"length mismatch: {y.shape[0]} targets but {p.shape[0]} predictions")
    if y.shape[0] == 0:
        raise InputError("no samples", file="y_true")
    if p.shape[1] == 0:
        raise InputError("no prediction columns", file="y_pred")
    if classes is not None and len(classes) != p.shape[1]:
        raise UsageError(f"{len(classes)} class names for {p.shape[1]} prediction columns")
    if is_source(weights):
        if not looks_like_file(os.fspath(weights)):
            raise UsageError(
                f"weights {weights!r}: a column name needs a file or DataFrame "
                "input; pass an array of weights or a weights file"
            )
        wt = _whole(readers.read_chunks(os.fspath(weights)))
        weights = wt.data[_weights_table_column(wt)]
    w = None if weights is None else _as_array(weights, "weights", numeric=True).reshape(-1)
    if w is not None and w.shape[0] != y.shape[0]:
        raise InputError(
            f"{w.shape[0]} weights for {y.shape[0]} samples",
            file="weights",
            hint="give one weight per sample",
        )
    ynames = ["y_true"] if y.ndim == 1 else [str(i) for i in range(y.shape[1])]
    pnames = list(classes) if classes else [str(i) for i in range(p.shape[1])]
    step = chunk_rows or max(1, y.shape[0])
    total = _WeightTotal()
    for start in range(0, max(1, y.shape[0]), step):
        sl = slice(start, start + step)
        total.add(None if w is None else w[sl], "weights")
        yield Raw(
            y=y[sl],
            p=p[sl],
            pred_names=pnames,
            target_names=ynames,
            target_source="y_true",
            pred_source="y_pred",
            weights=None if w is None else w[sl],
            complete=step >= y.shape[0],
        )
    total.check()


def rereadable(x: Any) -> bool:
    """An input that can be read a second time: a regular file, a directory or glob, a
    column name, an array; not stdin, a FIFO, a device or an iterator."""
    import stat

    if x is None:
        return True
    if isinstance(x, (str, os.PathLike)):
        path = os.fspath(x)
        if path == "-":
            return False
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            return True  # a glob, a column name
        return stat.S_ISREG(mode) or stat.S_ISDIR(mode)
    return hasattr(x, "__len__")
