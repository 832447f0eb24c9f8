"""Parallel streaming of large, plain CSV/TSV files with pyarrow.

pyarrow's streaming CSV reader parses one block at a time and reads ahead without
bound; its whole-file reader is parallel but holds the whole table.  This module
does both well: the file is read in blocks cut at line ends, and the blocks are
parsed by ``pyarrow.csv.read_csv`` on a small thread pool (pyarrow releases the
GIL), at most ``workers + 1`` blocks in flight; tables come out in file order.
Peak memory is a few blocks whatever the file size, and parsing runs at the speed
of the machine's cores.

Cutting at a line end is safe only outside quoted fields (a quoted field may hold
a newline).  Blocks are checked for ``"`` as they are read; from the first block
that has one, the rest of the file goes to pyarrow's sequential streaming reader
(with the same column names and types), which understands quoting.  The blocks
before it held no quote at all, so every cut so far was a true record end.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

BLOCK_BYTES = 4 << 20
PROBE_BYTES = 1 << 20  # the prefix whose types fix every block's column types


def workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def stream(
    path: str,
    *,
    sep: str,
    header: bool,
    block_bytes: int = BLOCK_BYTES,
    n_workers: int | None = None,
) -> Iterator[Any]:
    """Tables (``pyarrow.Table``) of the rows of ``path``, in order.

    Numeric columns of the first ``PROBE_BYTES`` are read as float64 in every block
    and the others as strings, so a later block cannot change a column's type.
    Parse errors raise :class:`BlockError` with the 1-based data row where the
    failing block starts."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.types as pat

    n_workers = n_workers or workers()
    parse = pcsv.ParseOptions(delimiter=sep)
    with open(path, "rb", buffering=0) as fh:
        head = fh.read(PROBE_BYTES)
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
            bom = 3
        else:
            bom = 0
        start = 0
        if header:
            nl = head.find(b"\n")
            start = len(head) if nl < 0 else nl + 1
        cut = head.rfind(b"\n") + 1 if len(head) == PROBE_BYTES else len(head)
        try:
            probe = pcsv.read_csv(
                pa.py_buffer(head[: cut or len(head)]),
                read_options=pcsv.ReadOptions(
                    use_threads=False, autogenerate_column_names=not header
                ),
                parse_options=parse,
            )
        except pa.ArrowInvalid as exc:
            raise BlockError(exc, 1) from None
        names = list(probe.column_names)
        types = {
            f.name: pa.float64()
            if (
                pat.is_integer(f.type)
                or pat.is_floating(f.type)
                or pat.is_boolean(f.type)
                or pat.is_null(f.type)
            )
            else pa.string()
            for f in probe.schema
        }
        del probe
        read = pcsv.ReadOptions(use_threads=False, column_names=names)
        convert = pcsv.ConvertOptions(column_types=types)

        def parse_block(data: bytes) -> Any:
            # one pyarrow block per call: columns come out as single chunks, which
            # convert to numpy without a concatenation
            opts = pcsv.ReadOptions(use_threads=False, column_names=names, block_size=len(data) + 1)
            return pcsv.read_csv(
                pa.py_buffer(data), read_options=opts, parse_options=parse, convert_options=convert
            )

        fd = fh.fileno()
        size = os.fstat(fd).st_size

        def read_and_parse(a: int, b: int) -> Any:
            data = os.pread(fd, b - a, a)  # in the worker: I/O off the main thread
            if b'"' in data:
                raise _Quoted(a)
            return parse_block(data)

        row = 1
        quoted_at: int | None = None
        with ThreadPoolExecutor(n_workers, thread_name_prefix="losscli-csv") as pool:
            pending: deque[Future[Any]] = deque()
            cuts = _cuts(fd, bom + start, size, block_bytes)
            try:
                while True:
                    while len(pending) <= n_workers:
                        nxt = next(cuts, None)
                        if nxt is None:
                            break
                        pending.append(pool.submit(read_and_parse, *nxt))
                    if not pending:
                        break
                    try:
                        table = pending.popleft().result()
                    except _Quoted as q:  # the rest goes to the sequential reader
                        quoted_at = q.offset
                        break
                    except pa.ArrowInvalid as exc:
                        raise BlockError(exc, row, types) from None
                    row += table.num_rows
                    if table.num_rows:
                        yield table
            finally:
                for f in pending:
                    f.cancel()
        if quoted_at is not None:
            fh.seek(quoted_at)
            reader = pcsv.open_csv(
                fh, read_options=read, parse_options=parse, convert_options=convert
            )
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:
                    raise BlockError(exc, row, types) from None
                row += batch.num_rows
                if batch.num_rows:
                    yield pa.Table.from_batches([batch])


class _Quoted(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


def _cuts(fd: int, start: int, size: int, block_bytes: int) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``block_bytes`` from ``start``, each ending at a line end."""
    pos = start
    while pos < size:
        end = pos + block_bytes
        while end < size:  # move the cut to just after the next newline
            probe = os.pread(fd, 1 << 16, end)
            nl = probe.find(b"\n")
            if nl >= 0:
                end += nl + 1
                break
            end += len(probe)
        end = min(end, size)
        yield pos, end
        pos = end


class BlockError(Exception):
    """A block failed to parse; ``row`` is the data row (1-based) where it starts and
    ``types`` the column types every block was read with (None if not known yet)."""

    def __init__(self, cause: Exception, row: int, types: dict[str, Any] | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.row = row
        self.types = types


def to_numpy(column: Any) -> Any:
    """A pyarrow column (Array or ChunkedArray) as numpy: float64 for numeric and
    boolean columns (nulls become NaN), object otherwise.

    pyarrow's own ``to_numpy`` imports pandas (a quarter of a second); this reads the
    buffers directly, without a copy for a float64 chunk without nulls."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.types as pat

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    t = column.type
    if not (pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t) or pat.is_null(t)):
        out = np.empty(len(column), dtype=object)
        out[:] = column.to_pylist()
        return out
    parts = []
    for c in chunks:
        n = len(c)
        if pat.is_null(t):
            parts.append(np.full(n, np.nan))
            continue
        if pat.is_boolean(t):
            bits = np.frombuffer(c.buffers()[1], dtype=np.uint8)
            values = np.unpackbits(bits, bitorder="little")[c.offset : c.offset + n]
            v = values.astype(np.float64)
        else:
            dtype = np.dtype(t.to_pandas_dtype())
            v = np.frombuffer(
                c.buffers()[1], dtype=dtype, count=n, offset=c.offset * dtype.itemsize
            )
            v = v if dtype == np.float64 else v.astype(np.float64)
        if c.null_count:
            bits = np.frombuffer(c.buffers()[0], dtype=np.uint8)
            valid = np.unpackbits(bits, bitorder="little")[c.offset : c.offset + n].astype(bool)
            v = np.where(valid, v, np.nan)
        parts.append(v)
    if not parts:
        return np.empty(0, dtype=np.float64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
