"""Plain number CSV bodies cut and converted in a few passes at C speed (the fast path of
a batch of many small files, :mod:`losscli.engines.alike`).

:func:`plain_columns` reads the body of a delimited file (the bytes after its header
line) whose cells are all plain numbers -- digits, ``.``, ``-``, ``+``, ``e``/``E``, no
blank or quote -- and whose lines (ending in ``\\n`` or ``\\r\\n``) all hold ``width``
cells; for anything else (a blank or ragged line, an empty cell, ``nan``, text...) it
returns None, and the caller reads the file the ordinary way
(:mod:`losscli.io.delimited`), with its messages.

The numbers are the ones the ordinary small-file path of a batch gives, bit for bit: it
converts such cells with pyarrow's cast from text (:func:`losscli.io.table.to_float_cells`
once :func:`~losscli.io.table.fast_cells` loaded pyarrow; one-digit cells from their
bytes, the same values), and so does this function -- every cell of the body in one
cast, from buffers made of the file's bytes (no Python string a cell, no pandas import).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

_PLAIN = b"0123456789.-+eE"


def plain_columns(body: bytes, sep: bytes, width: int) -> list[np.ndarray] | None:
    """The ``width`` columns of ``body`` as contiguous float64 arrays, or None when it is
    not ``width`` plain numbers a line (see the module's docstring)."""
    if len(sep) != 1 or sep in _PLAIN or sep == b"\n" or width < 1 or not body:
        return None
    if b"\r" in body:  # Windows line ends, as the ordinary path reads them
        body = body.replace(b"\r\n", b"\n")
    if body[-1:] != b"\n":
        body += b"\n"
    if body[:1] == b"\n" or b"\n\n" in body or body.translate(None, _PLAIN + sep + b"\n"):
        return None
    b = np.frombuffer(body, dtype=np.uint8)
    pos = np.flatnonzero((b == 10) | (b == sep[0]))  # where each cell ends, row by row
    n = int(pos.size)
    if n % width or n >= 2**31:
        return None
    kinds = b[pos].reshape(-1, width)
    if not (kinds[:, -1] == 10).all() or not (kinds[:, :-1] == sep[0]).all():
        return None  # a line of more or fewer cells
    values = cast_cells(body.translate(None, sep + b"\n"), pos)
    if values is None:
        return None  # an empty cell, "1e", "1.2.3", "-": not a plain number
    if width == 1:
        return [values]
    table = values.reshape(-1, width)
    return [np.ascontiguousarray(table[:, j]) for j in range(width)]


def cast_cells(packed: bytes, ends: np.ndarray) -> np.ndarray | None:
    """pyarrow's cast to float64 of the cells of ``packed`` (the cells' bytes one after
    the other; ``ends[i] - i``: where cell ``i`` ends in it, as in the text the cells were
    cut from with one separator after each); None if a cell is not a number to pyarrow."""
    import pyarrow as pa

    n = int(ends.shape[0])
    if len(packed) >= 2**31:
        return None
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:] = ends - np.arange(n)
    cells = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(packed))
    try:
        out = _cast_to_float64()(cells)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if out.null_count:
        return None
    values = np.frombuffer(out.buffers()[1], dtype=np.float64, count=n, offset=out.offset * 8)
    return values.copy()  # writable, and not tied to pyarrow's buffer


@functools.cache
def _cast_to_float64() -> Any:
    """pyarrow's safe cast to float64, called through ``pyarrow._compute``, the kernels
    alone (the module ``pyarrow.compute`` and its generated wrappers take 0.1-0.2 s to
    import, in every process of a batch); through ``pyarrow.compute`` should a pyarrow
    release not have them there (the same kernel)."""
    import pyarrow as pa

    try:
        from pyarrow import _compute

        call, options = _compute.call_function, _compute.CastOptions.safe(pa.float64())
    except (ImportError, AttributeError):  # pragma: no cover - a pyarrow without them
        import pyarrow.compute as pc

        call, options = pc.call_function, pc.CastOptions.safe(pa.float64())
    return lambda cells: call("cast", [cells], options)
