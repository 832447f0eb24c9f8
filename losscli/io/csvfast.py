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

import io
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

from losscli.io.limits import MAX_LINE_BYTES, check_columns, line_too_long
from losscli.io.table import TextCols, text_names

BLOCK_BYTES = 4 << 20
PROBE_BYTES = 1 << 20  # the prefix whose types fix every block's column types


def workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def column_types(schema: Any, text: Collection[str] = ()) -> dict[str, Any]:
    """Every numeric (or boolean, or empty) column as float64, the rest as strings: the
    types each block is read with, so that a later block cannot change them.  The
    columns named in ``text`` (ids) are strings whatever they hold: kept as written."""
    import pyarrow as pa
    import pyarrow.types as pat

    def numeric(t: Any) -> bool:
        return bool(pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t) or pat.is_null(t))

    return {
        f.name: pa.float64() if numeric(f.type) and f.name not in text else pa.string()
        for f in schema
    }


class _Layout:
    """Column names and types from the header and a prefix of the data, and the
    pyarrow options every block is parsed with."""

    def __init__(
        self,
        head: bytes,
        sep: str,
        header: bool,
        complete: bool,
        decimal: str = ".",
        text_cols: TextCols = None,
        source: str = "-",
    ) -> None:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        self.parse = pcsv.ParseOptions(delimiter=sep)
        self.start = 0  # offset of the first data row in ``head``
        if header:
            nl = head.find(b"\n")
            self.start = len(head) if nl < 0 else nl + 1
        cut = len(head) if complete else head.rfind(b"\n") + 1
        line = head[: head.find(b"\n") if b"\n" in head else len(head)]
        if b'"' not in line:  # before pyarrow, which costs kilobytes a column
            check_columns(line.count(sep.encode()) + 1, source)
        try:
            probe = pcsv.read_csv(
                pa.py_buffer(head[: cut or len(head)]),
                read_options=pcsv.ReadOptions(
                    use_threads=False, autogenerate_column_names=not header
                ),
                parse_options=self.parse,
                convert_options=pcsv.ConvertOptions(decimal_point=decimal),
            )
        except pa.ArrowInvalid as exc:
            raise BlockError(exc, 1) from None
        self.names = list(probe.column_names)
        check_columns(len(self.names), source)
        # the names the table will have (without a header: 0, 1, ...) decide the ids
        shown = self.names if header else [str(i) for i in range(len(self.names))]
        exact = text_names(text_cols, shown)
        ids = {n for n, s in zip(self.names, shown) if s in exact}
        self.types = column_types(probe.schema, ids)
        self.read = pcsv.ReadOptions(use_threads=False, column_names=self.names)
        self.convert = pcsv.ConvertOptions(column_types=self.types, decimal_point=decimal)
        # Most blocks hold no missing cells: without null markers to compare every cell
        # with, pyarrow converts ~20% faster.  A block it refuses (an empty cell, "NA",
        # "null", ...) is parsed again with the default markers, so the numbers are the
        # same either way ("nan" is NaN in both).
        self.convert_fast = pcsv.ConvertOptions(
            column_types=self.types,
            null_values=[],
            true_values=[],
            false_values=[],
            decimal_point=decimal,
        )

    def parse_block(self, data: bytes) -> Any:
        """One block of whole lines; one pyarrow block per call, so columns come out as
        single chunks that convert to numpy without a concatenation."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        if b'"' in data:
            raise _Quoted(data)
        opts = pcsv.ReadOptions(
            use_threads=False, column_names=self.names, block_size=len(data) + 1
        )
        buf = pa.py_buffer(data)
        try:
            return pcsv.read_csv(
                buf, read_options=opts, parse_options=self.parse, convert_options=self.convert_fast
            )
        except pa.ArrowInvalid:
            return pcsv.read_csv(
                buf, read_options=opts, parse_options=self.parse, convert_options=self.convert
            )

    def sequential(self, fh: Any, row: int) -> Iterator[Any]:
        """The rest of ``fh`` through pyarrow's streaming reader (understands quoting)."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        reader = pcsv.open_csv(
            fh, read_options=self.read, parse_options=self.parse, convert_options=self.convert
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise BlockError(exc, row, self.types) from None
            row += batch.num_rows
            if batch.num_rows:
                yield pa.Table.from_batches([batch])


def _strip_bom(head: bytes) -> tuple[bytes, int]:
    return (head[3:], 3) if head.startswith(b"\xef\xbb\xbf") else (head, 0)


def _in_order(
    layout: _Layout, tasks: Iterator[tuple[Any, Callable[[], Any]]], n_workers: int
) -> Iterator[Any]:
    """Run ``tasks`` (``(payload, parse one block)`` pairs) on a pool, at most
    ``n_workers + 1`` in flight, and yield their tables in order.  A block holding a
    quote ends the run with :class:`_Quoted`, after every earlier table was yielded;
    it carries the payloads of the blocks submitted after it (``later``)."""
    import pyarrow as pa

    row = 1
    with ThreadPoolExecutor(n_workers, thread_name_prefix="losscli-csv") as pool:
        pending: deque[tuple[Any, Future[Any]]] = deque()
        try:
            while True:
                while len(pending) <= n_workers:
                    task = next(tasks, None)
                    if task is None:
                        break
                    pending.append((task[0], pool.submit(task[1])))
                if not pending:
                    return
                try:
                    table = pending.popleft()[1].result()
                except _Quoted as q:
                    q.row = row
                    q.later = [payload for payload, _ in pending]
                    raise
                except pa.ArrowInvalid as exc:
                    raise BlockError(exc, row, layout.types) from None
                row += table.num_rows
                if table.num_rows:
                    yield table
        finally:
            for _, f in pending:
                f.cancel()


def stream(
    path: str,
    *,
    sep: str,
    header: bool,
    block_bytes: int = BLOCK_BYTES,
    n_workers: int | None = None,
    decimal: str = ".",
    text_cols: TextCols = None,
) -> Iterator[Any]:
    """Tables (``pyarrow.Table``) of the rows of the file ``path``, in order.

    Workers read their own byte ranges (``os.pread``); the main thread only finds the
    cuts.  Numeric columns of the first ``PROBE_BYTES`` are read as float64 in every
    block and the others as strings, so a later block cannot change a column's type.
    Parse errors raise :class:`BlockError` with the 1-based data row where the failing
    block starts."""
    with open(path, "rb", buffering=0) as fh:
        fd = fh.fileno()
        size = os.fstat(fd).st_size
        head, bom = _strip_bom(fh.read(PROBE_BYTES))
        layout = _Layout(
            head,
            sep,
            header,
            bom + len(head) >= size,
            decimal=decimal,
            text_cols=text_cols,
            source=path,
        )

        def task(a: int, b: int) -> tuple[int, Callable[[], Any]]:
            def run() -> Any:
                data = os.pread(fd, b - a, a)  # in the worker: I/O off the main thread
                try:
                    return layout.parse_block(data)
                except _Quoted as q:
                    q.offset = a
                    raise

            return a, run

        cuts = _cuts(fd, bom + layout.start, size, block_bytes, path)
        try:
            yield from _in_order(layout, (task(a, b) for a, b in cuts), n_workers or workers())
        except _Quoted as q:  # the rest goes to the sequential reader
            fh.seek(q.offset)
            yield from layout.sequential(fh, q.row)


def stream_fileobj(
    fh: IO[bytes],
    *,
    sep: str,
    header: bool,
    block_bytes: int = BLOCK_BYTES,
    n_workers: int | None = None,
    decimal: str = ".",
    text_cols: TextCols = None,
    source: str = "-",
) -> Iterator[Any]:
    """As :func:`stream`, for a binary stream that cannot seek (standard input, a gzip
    stream): the main thread reads blocks and cuts them at the last newline.  A line
    longer than :data:`~losscli.io.limits.MAX_LINE_BYTES` is an input error naming
    ``source``."""
    head, _ = _strip_bom(fh.read(PROBE_BYTES))
    eof = len(head) < PROBE_BYTES
    layout = _Layout(
        head, sep, header, complete=eof, decimal=decimal, text_cols=text_cols, source=source
    )
    reader = _LineBlocks(fh, head[layout.start :], block_bytes, source)

    def task(data: bytes) -> tuple[bytes, Callable[[], Any]]:
        return data, lambda: layout.parse_block(data)

    try:
        yield from _in_order(layout, (task(d) for d in reader), n_workers or workers())
    except _Quoted as q:
        # the quoted block, the blocks read after it, the partial line, then the rest
        chain = Chain([q.data, *q.later, reader.rest, *reader.parts], fh)
        yield from layout.sequential(chain, q.row)


class _LineBlocks:
    """Blocks of whole lines from a stream; ``rest`` holds the partial line read last."""

    def __init__(self, fh: IO[bytes], first: bytes, block_bytes: int, source: str = "-") -> None:
        self.fh = fh
        self.rest = first
        self.parts: list[bytes] = []  # reads since ``rest`` that held no line end
        self.pending = len(first)  # bytes of the partial line: at most MAX_LINE_BYTES
        self.block_bytes = block_bytes
        self.source = source

    def __iter__(self) -> Iterator[bytes]:
        while True:
            buf = self.fh.read(self.block_bytes)
            if not buf:
                data = b"".join([self.rest, *self.parts])
                self.rest, self.parts, self.pending = b"", [], 0
                if data:
                    yield data
                return
            nl = buf.rfind(b"\n") + 1
            if not nl:  # no line end in this read: the partial line grows
                self.parts.append(buf)
                self.pending += len(buf)
                if self.pending > MAX_LINE_BYTES:
                    raise line_too_long(self.source)
                continue
            data = b"".join([self.rest, *self.parts, buf[:nl]])
            self.rest, self.parts, self.pending = buf[nl:], [], len(buf) - nl
            yield data


class Chain(io.RawIOBase):
    """Bytes already read, then the rest of a stream: pyarrow's reader takes it as a file."""

    def __init__(self, parts: list[bytes], rest: IO[bytes]) -> None:
        self.parts = [p for p in parts if p]
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self.parts:
            part = self.parts[0]
            n = min(len(b), len(part))
            b[:n] = part[:n]
            if n == len(part):
                self.parts.pop(0)
            else:
                self.parts[0] = part[n:]
            return n
        data = self.rest.read(len(b))
        b[: len(data)] = data
        return len(data)


class _Quoted(Exception):
    """A block holds a quote: cuts at line ends can no longer be trusted from here."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0  # file offset of the block (files)
        self.row = 1  # its first data row
        self.later: list[Any] = []  # payloads of the blocks submitted after it


def _cuts(
    fd: int, start: int, size: int, block_bytes: int, source: str = ""
) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``block_bytes`` from ``start``, each ending at a line end; a
    line longer than :data:`~losscli.io.limits.MAX_LINE_BYTES` is an input error."""
    pos = start
    while pos < size:
        end = pos + block_bytes
        while end < size:  # move the cut to just after the next newline
            if end - pos > block_bytes + MAX_LINE_BYTES:
                raise line_too_long(source)
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


def to_numpy(column: Any, exact: bool = False) -> Any:
    """A pyarrow column (Array or ChunkedArray) as numpy: float64 for numeric and
    boolean columns (nulls become NaN), object otherwise.  ``exact`` (an id column):
    integers stay int64 (uint64 when unsigned 64-bit), with nulls as None in an object
    array; text and floats as without it.

    pyarrow's own ``to_numpy`` imports pandas (a quarter of a second); this reads the
    buffers directly, without a copy for a float64 chunk without nulls."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.types as pat

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    t = column.type
    if exact and pat.is_integer(t):
        if column.null_count:
            out = np.empty(len(column), dtype=object)
            out[:] = column.to_pylist()
            return out
        wide = pa.uint64() if t == pa.uint64() else pa.int64()
        parts = [
            np.frombuffer(c.buffers()[1], dtype=wide.to_pandas_dtype(), count=len(c),
                          offset=c.offset * 8)
            for c in (x.cast(wide) for x in chunks)
        ]  # fmt: skip
        if not parts:
            return np.empty(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
    if pat.is_decimal(t) and not exact:  # numbers (a database's NUMERIC), not names
        column, t = column.cast(pa.float64()), pa.float64()
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
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


def from_numpy(values: Any) -> Any:
    """A 1-d numpy array as a pyarrow Array without importing pandas (``pa.array``
    does, a fifth of a second): numbers without a copy, booleans as bits, text as
    strings.  Anything else (dates, text with missing values, mixed objects) goes
    through ``pa.array``, which keeps its type and its nulls."""
    import numpy as np
    import pyarrow as pa

    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"expected a 1-d array, got shape {values.shape}")
    n = values.shape[0]
    if values.dtype.kind == "b":
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    if values.dtype.kind in "iuf":
        native = values.astype(values.dtype.newbyteorder("="), copy=False)
        contiguous = np.ascontiguousarray(native)
        return pa.Array.from_buffers(
            pa.from_numpy_dtype(contiguous.dtype), n, [None, pa.py_buffer(contiguous)]
        )
    items = values.tolist()
    if all(type(v) is str for v in items):
        return strings(items)
    try:
        return pa.array(items if values.dtype.kind == "O" else values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds: their text, nulls kept
        missing = [v is None or (isinstance(v, float) and v != v) for v in items]
        return pa.array([None if m else str(v) for v, m in zip(items, missing)], pa.string())


def strings(texts: list[str]) -> Any:
    """Python strings as a pyarrow string array, without importing pandas."""
    import numpy as np
    import pyarrow as pa

    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    large = bool(offsets[-1] >= 2**31)
    return pa.Array.from_buffers(
        pa.large_string() if large else pa.string(),
        len(encoded),
        [None, pa.py_buffer(offsets if large else offsets.astype(np.int32)),
         pa.py_buffer(b"".join(encoded))],
    )  # fmt: skip
