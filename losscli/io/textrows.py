"""Per-sample rows as text (CSV, TSV, JSON Lines), fast.

Writing every sample's loss as text is mostly float formatting: ten million losses at
full precision.  orjson formats a whole NumPy column in one call with a shortest
round-trip algorithm (each number reads back as exactly the same float) several times
faster than pyarrow's cast; its output ``[a,b,c]`` is cut into cells where the commas
are, each cell keeping the comma as its terminator (or turned into the tab or the
newline), and one pyarrow ``take`` gathers the cells row after row without the GIL.
Row numbers, the usual first column, are not formatted at all: their cells are cut from
a table made once.  Text ids are quoted as RFC 4180 asks (CSV/TSV) or JSON-encoded
(JSON Lines).

Non-finite losses (``--nan-policy propagate``) are written ``nan``, ``inf``, ``-inf`` in
CSV/TSV and ``NaN``, ``Infinity``, ``-Infinity`` in JSON Lines, as Python's ``json``
module writes them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

# rows formatted at a time: small enough for the text to stay in the CPU cache from
# formatting to gathering (a third less time than 500k rows), and far below the 2 GiB a
# pyarrow string array can hold
PIECE_ROWS = 65_536

_NONFINITE = {
    "csv": ("nan", "inf", "-inf"),
    "json": ("NaN", "Infinity", "-Infinity"),
}


def csv_rows(columns: Sequence[np.ndarray], sep: str) -> list[Any]:
    """The rows of ``columns`` as CSV (``sep=","``) or TSV (``sep="\\t"``) text, without a
    header: a list of buffers to write in order."""
    if sep not in (",", "\t"):
        raise ValueError(f"unsupported separator {sep!r}")
    ends = [sep] * (len(columns) - 1) + ["\n"]
    return _rows(columns, lambda i, col: _cells(col, ends[i], "csv", sep))


def jsonl_rows(names: Sequence[str], columns: Sequence[np.ndarray]) -> list[Any]:
    """The rows of ``columns`` as JSON Lines, one object per row with keys ``names``:
    a list of buffers to write in order."""
    import orjson

    keys = [orjson.dumps(str(k)).decode() + ":" for k in names]
    keys[0] = "{" + keys[0]
    last = len(columns) - 1

    def parts(i: int, col: np.ndarray) -> list[Any]:
        # a cell carries the comma after it; the last one the closing brace
        return [_constant(keys[i]), *_cells(col, "}\n" if i == last else ",", "json", ",")]

    return _rows(columns, parts)


def load_dependencies() -> None:
    """Import what formatting needs (orjson, pyarrow and its compute module)."""
    import orjson  # noqa: F401
    import pyarrow  # noqa: F401
    import pyarrow.compute  # noqa: F401

    import losscli.io.csvfast  # noqa: F401


def _rows(columns: Sequence[np.ndarray], parts_of: Any) -> list[Any]:
    n = len(columns[0]) if columns else 0
    bounds = _pieces(np.asarray(columns[0]), n) if columns else [0]
    out = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        parts = []
        for i, col in enumerate(columns):
            parts.extend(parts_of(i, col[start:stop]))
        out.append(_values(_side_by_side(parts, stop - start)))
    return out


# Row numbers, the usual first column, are runs of consecutive integers: the cells of
# v = q * RUN_SPAN + r are str(q) (a constant part within a piece) followed by r padded
# to five digits, cut from a table made once; no formatting at all.
RUN_SPAN = 100_000
RUN_PIECE = 50_000
_RUN_MIN = 4_096  # smaller pieces are formatted: the tables are not worth making


def _pieces(first: np.ndarray, n: int) -> list[int]:
    """Where the pieces begin (and the last ends): every PIECE_ROWS rows, or where a
    first column of consecutive row numbers crosses a multiple of RUN_PIECE."""
    if n >= _RUN_MIN and _is_run(first):
        # pieces of RUN_PIECE rows aligned on the values, which divide RUN_SPAN: every
        # full piece has the same shape (and the same cached gather order)
        v0 = int(first[0])
        cuts = range(-(v0 % RUN_PIECE) + RUN_PIECE if v0 % RUN_PIECE else 0, n, RUN_PIECE)
        return sorted({0, *cuts, n})
    return [*range(0, n, PIECE_ROWS), n]


def _is_run(col: np.ndarray) -> bool:
    """Consecutive non-negative integers, each one more than the last."""
    if col.dtype.kind not in "iu" or col.ndim != 1 or col.shape[0] == 0 or col[0] < 0:
        return False
    # the ends compared as Python ints: steps of +1 in a narrow type may wrap (65535, 0)
    if int(col[-1]) - int(col[0]) != col.shape[0] - 1:
        return False
    with np.errstate(over="ignore"):
        return bool((np.diff(col) == 1).all())


def _run_cells(col: np.ndarray, end: str) -> list[Any] | None:
    """The cells of a piece of row numbers from the tables, when it is one (within a
    single RUN_SPAN); else None."""
    n = col.shape[0]
    if n < _RUN_MIN or not _is_run(col):
        return None
    q, r = divmod(int(col[0]), RUN_SPAN)
    if (int(col[-1]) // RUN_SPAN) != q:
        return None
    if q == 0:
        return [_run_table(end, False).slice(r, n)]
    return [_constant(str(q)), _run_table(end, True).slice(r, n)]


@functools.cache
def _run_table(end: str, padded: bool) -> Any:
    """The cells ``0<end>`` ... ``99999<end>``, or zero-padded ``00000<end>`` ..."""
    import pyarrow as pa

    if not padded:
        return _number_cells(np.arange(RUN_SPAN), end)
    width = len(str(RUN_SPAN - 1))
    values = np.arange(RUN_SPAN)
    text = np.empty((RUN_SPAN, width + 1), dtype=np.uint8)
    for d in range(width):
        text[:, width - 1 - d] = 48 + (values // 10**d) % 10
    text[:, width] = ord(end)
    offsets = np.arange(0, (width + 1) * (RUN_SPAN + 1), width + 1, dtype=np.int32)
    return pa.StringArray.from_buffers(RUN_SPAN, pa.py_buffer(offsets), pa.py_buffer(text))


def _side_by_side(parts: Sequence[Any], rows: int) -> Any:
    """The cells of ``parts`` row after row: row ``r`` is cell ``r`` of every part, or the
    one cell of a constant part.  One gather (``take``) of all the cells: about half the
    time of ``binary_join_element_wise``, which handles each row's arguments in turn."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.take(pa.concat_arrays(list(parts)), _order(tuple(len(p) for p in parts), rows))


@functools.lru_cache(maxsize=8)
def _order(sizes: tuple[int, ...], rows: int) -> Any:
    """Which cell of the concatenated parts goes where (the same for every full piece)."""
    from losscli.io.csvfast import from_numpy

    size = np.array(sizes, dtype=np.int64)
    starts = np.cumsum(size) - size
    steps = (size == rows).astype(np.int64)  # a constant part stays on its one cell
    order = starts[None, :] + np.arange(rows, dtype=np.int64)[:, None] * steps[None, :]
    return from_numpy(order.ravel().astype(np.int32 if size.sum() < 2**31 else np.int64))


@functools.cache
def _constant(text: str) -> Any:
    """A part whose one cell goes into every row."""
    # pa.array([text]) would import pandas (a fifth of a second, and more at exit)
    from losscli.io.csvfast import strings

    return strings([text])


@functools.cache
def _scalar(text: str) -> Any:
    return _constant(text)[0]


def _values(arr: Any) -> Any:
    """The character data of a string array: the concatenation of its cells."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    lo, hi = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return arr.buffers()[2][lo:hi]


def _cells(col: np.ndarray, end: str, style: str, sep: str) -> list[Any]:
    """One column's parts of the rows (see _side_by_side): ``[cells]`` whose strings end
    with ``end``, or ``[cells, rest]`` when they end with its first character only."""
    col = np.asarray(col)
    kind = col.dtype.kind
    if kind == "b":
        col = col.astype(np.uint8)
    elif kind == "f" and col.dtype not in (np.float32, np.float64):
        col = col.astype(np.float64)
    elif kind not in "iuf":
        return _text_cells(col, end, style, sep)
    rest = [_constant(end[1:])] if len(end) > 1 else []
    run = _run_cells(col, end[0]) if kind in "iu" else None
    if run is not None:
        return [*run, *rest]
    if kind == "f":
        finite = np.isfinite(col)
        if not finite.all():
            return [_with_nonfinite(col, finite, end[0], style), *rest]
    return [_number_cells(col, end[0]), *rest]


def _number_cells(col: np.ndarray, end: str) -> Any:
    """orjson's ``[a,b,c]`` cut into string cells ``a<end>``, ``b<end>``, ``c<end>``: the
    text is copied once, the commas become ``end`` (one ASCII character) where they
    are, and the cells are offsets into it."""
    import pyarrow as pa

    raw = _json_array(col)
    # a copy to cut the cells in, from pyarrow's pool (memory it reuses; fresh pages
    # from the system cost more than the copy)
    data = pa.allocate_buffer(len(raw))
    buf = np.frombuffer(data, dtype=np.uint8)
    buf[:] = np.frombuffer(raw, dtype=np.uint8)
    n = col.shape[0]
    # a scan for the commas (numbers never hold one) is faster than placing the cells
    # of an integer column from its digit counts
    commas = np.flatnonzero(buf == 44)
    if commas.shape[0] != n - 1:
        raise AssertionError(f"{n} numbers formatted with {commas.shape[0]} commas")
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 1  # after '['
    offsets[1:n] = commas + 1
    offsets[n] = buf.shape[0]
    byte = ord(end)
    if byte != 44:
        buf[commas] = byte
    buf[-1] = byte  # the closing ']'
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), data)


def _json_array(col: np.ndarray) -> bytes:
    """``[a,b,c]``: the numbers of ``col`` (finite), each the shortest text that reads
    back as the same value."""
    import orjson

    if _orjson_is_safe():
        return orjson.dumps(np.ascontiguousarray(col), option=orjson.OPT_SERIALIZE_NUMPY)
    # numpy's str of a scalar is the shortest round-trip text for its own precision
    items = col.tolist() if col.dtype.kind in "iu" or col.dtype == np.float64 else col
    return ("[" + ",".join(map(str, items)) + "]").encode()


@functools.cache
def _orjson_is_safe() -> bool:
    """orjson 3.12.0 and 3.13.0 write past the end of their buffer on float64 arrays of
    24-character numbers (pyproject caps orjson below 3.12).  Should an environment hold
    one of those, or a newer release not yet checked, numbers are formatted without it:
    slower, never a corrupted heap."""
    import orjson

    try:
        major, minor = (int(part) for part in orjson.__version__.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (3, 12)


def _with_nonfinite(col: np.ndarray, finite: np.ndarray, end: str, style: str) -> Any:
    import pyarrow.compute as pc

    from losscli.io.csvfast import from_numpy

    nan, inf, ninf = (_scalar(word + end) for word in _NONFINITE[style])
    numbers = _number_cells(np.where(finite, col, col.dtype.type(0)), end)
    infinite = pc.if_else(from_numpy(col > 0), inf, ninf)
    words = pc.if_else(from_numpy(np.isnan(col)), nan, infinite)
    return pc.if_else(from_numpy(finite), numbers, words)


def _text_cells(col: np.ndarray, end: str, style: str, sep: str) -> list[Any]:
    import pyarrow.compute as pc

    from losscli.io.csvfast import strings

    texts = ["" if v is None else str(v) for v in col.tolist()]
    if style == "json":
        import orjson

        cells = strings([orjson.dumps(t).decode() for t in texts])
    else:
        cells = strings(texts)
        needs = pc.match_substring_regex(cells, "[" + sep + '"\r\n]')
        if pc.any(needs).as_py():
            quote = _scalar('"')
            escaped = pc.replace_substring(cells, '"', '""')
            quoted = pc.binary_join_element_wise(quote, escaped, quote, _scalar(""))
            cells = pc.if_else(needs, quoted, cells)
    return [cells, _constant(end)]
