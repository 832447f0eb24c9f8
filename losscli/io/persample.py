"""Per-sample losses written chunk by chunk: CSV/TSV/JSON Lines text, Parquet or NPY."""

from __future__ import annotations

import os
from collections import deque
from typing import IO, Any

import numpy as np

from losscli.errors import UsageError

PER_SAMPLE_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".npy": "npy",
}


def per_sample_format(path: str) -> str:
    if path == "-":
        return "csv"
    ext = os.path.splitext(path.lower())[1]
    fmt = PER_SAMPLE_FORMATS.get(ext)
    if fmt is None:
        raise UsageError(
            f"--per-sample {path!r}: unknown extension {ext or '(none)'!r}; "
            f"use one of {', '.join(PER_SAMPLE_FORMATS)}"
        )
    return fmt


def id_column(index: np.ndarray, fmt: str) -> np.ndarray:
    """The id column as the output keeps it: ids as they were read (int64, text); in text
    formats a float id column's whole numbers below 2^53 without ``.0`` (Parquet keeps a
    double column double: its type is fixed by the first chunk, so no chunk may decide it);
    for ``.npy`` (float64), text ids that are plain integers below 2^53 as those integers."""
    kind = index.dtype.kind
    if kind == "f" and index.size and fmt in ("csv", "tsv", "jsonl"):
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(index).all() and bool((index == np.floor(index)).all())
        if whole and float(np.abs(index).max()) < 2.0**53:
            return index.astype(np.int64)
    if fmt == "npy" and kind in "OU" and index.size:
        try:
            text = index.astype(str)
        except (TypeError, ValueError):
            return index
        digits = np.strings.lstrip(text, "-")
        plain = np.strings.isdigit(digits) & (~np.strings.startswith(digits, "0") | (digits == "0"))
        plain &= np.strings.str_len(digits) <= 15
        if bool(plain.all()):
            try:
                return text.astype(np.int64)
            except ValueError:  # "--5" and the like: not an integer
                return index
    if kind in "iu" and fmt == "npy" and index.size and np.abs(index).max() >= 2**53:
        raise UsageError(
            "--per-sample .npy cannot hold ids of 2^53 or more exactly; use .csv or .parquet"
        )
    return index


def _same_id_type(table: Any, schema: Any) -> Any:
    """A chunk whose ids came in another type than the first chunk's (shards of several
    formats): as text when the file's ids are text, else an error (never a changed id)."""
    import pyarrow as pa

    want = schema.field("index").type
    if pa.types.is_string(want) or pa.types.is_large_string(want):
        ids = [None if v is None else str(v) for v in table.column("index").to_pylist()]
        return table.set_column(0, "index", pa.array(ids, want))
    raise UsageError(
        f"--per-sample .parquet: the ids of a later chunk are {table.schema.field('index').type}"
        f", not {want} as in the first",
        hint="write the per-sample losses to .csv, or give every shard ids of one type",
    )


# threads formatting per-sample text while the next chunks are scored
FORMAT_THREADS = 2


class PerSampleWriter:
    """Writes per-sample losses chunk by chunk: columns ``index`` (or the ids) then one per
    loss.  CSV/TSV/JSONL as text with shortest round-trip floats (losscli.io.textrows),
    Parquet through pyarrow's writer one row group a chunk, NPY with its header patched
    once the length is known."""

    def __init__(self, fh: IO[bytes], fmt: str, *, resettable: bool = False) -> None:
        self.fh = fh
        self.fmt = fmt
        self.resettable = resettable  # a file of ours (not stdout): reset() may start it again
        self.rows = 0
        self.names: list[str] | None = None
        self._pq: Any = None
        self._npy_start = 0
        # text: float formatting is the cost (losscli.io.textrows); chunks are formatted on
        # worker threads while the next ones are scored, and written in order; a few in
        # flight at most
        self._pool: Any = None
        self._writer: Any = None
        self._pending: deque[Any] = deque()
        # where write-back was started, every 32 MiB (None: not a regular file)
        self._marks: list[int] | None = [0]
        if fmt in ("csv", "tsv", "jsonl"):
            from concurrent.futures import ThreadPoolExecutor

            from losscli.io import textrows

            # imported here, on the main thread: an import begun on a worker thread that
            # a Ctrl-C cuts short on the main thread can leave a module lock held, and the
            # worker (and the run's exit, which waits for it) stuck for good
            textrows.load_dependencies()
            self._pool = ThreadPoolExecutor(FORMAT_THREADS, thread_name_prefix="losscli-format")
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="losscli-write")

    def write(self, index: np.ndarray, values: dict[str, np.ndarray]) -> None:
        names = list(values)
        first = self.names is None
        self.names = names
        n = index.shape[0]
        index = id_column(index, self.fmt)
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            from losscli.io.csvfast import from_numpy

            columns = [index, *values.values()]
            table = pa.Table.from_arrays([from_numpy(c) for c in columns], ["index", *names])
            if self._pq is not None and table.schema != self._pq.schema:
                table = _same_id_type(table, self._pq.schema)
            if self._pq is None:
                # losses are distinct floats: dictionary encoding only costs time
                self._pq = pq.ParquetWriter(
                    self.fh, table.schema, use_dictionary=False, compression="snappy"
                )
            self._pq.write_table(table)
        elif self.fmt == "npy":
            if index.dtype.kind not in "biuf":
                raise UsageError(
                    "--per-sample .npy cannot hold non-numeric ids; use .csv or .parquet",
                    hint="a .npy file holds float64 numbers: only integer ids below 2^53 "
                    "written without leading zeros fit",
                )
            if first:
                self._npy_start = self.fh.tell()
                self.fh.write(self._npy_header(0, len(names) + 1))
            block = np.column_stack([index.astype(np.float64), *values.values()])
            self.fh.write(np.ascontiguousarray(block, dtype="<f8").tobytes())
        else:  # text: csv, tsv, jsonl
            from losscli.io import textrows

            columns = [index, *values.values()]
            if self.fmt == "jsonl":
                keys = ["index", *names]

                def fmt() -> list[Any]:
                    return textrows.jsonl_rows(keys, columns)

            else:
                sep = "," if self.fmt == "csv" else "\t"
                if first:
                    self.fh.write((sep.join(["index", *names]) + "\n").encode())

                def fmt() -> list[Any]:
                    return textrows.csv_rows(columns, sep)

            # one writer thread writes the formatted chunks in order, so that neither the
            # formatting nor the copy into the file holds up the scoring of the next chunk
            self._pending.append(
                self._writer.submit(self._write_when_ready, self._pool.submit(fmt))
            )
            while len(self._pending) > 4:
                self._pending.popleft().result()
        self.rows += n

    def __call__(self, index: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """The writer as the ``per_sample_sink`` of :func:`losscli.evaluate`."""
        self.write(index, values)

    def reset(self) -> bool:
        """Forget what was written and start the file again (the run reads its input a
        second time, with the whole input's reading); False when it cannot be: stdout,
        a pipe, a device."""
        if not self.resettable:
            return False
        self.abandon()
        try:
            self.fh.seek(0)
            self.fh.truncate()
        except (OSError, ValueError):
            return False
        self.__dict__.update(PerSampleWriter(self.fh, self.fmt, resettable=True).__dict__)
        return True

    def close(self) -> None:
        """Write what is still being formatted and finish the file."""
        try:
            while self._pending:
                self._pending.popleft().result()
            pq, self._pq = self._pq, None
            if pq is not None:
                _close_parquet(pq, quiet=False)  # the footer: the file is complete
        finally:
            self.abandon()
        if self.fmt == "npy" and self.names is not None:
            end = self.fh.tell()
            self.fh.seek(self._npy_start)
            self.fh.write(self._npy_header(self.rows, len(self.names) + 1))
            self.fh.seek(end)

    def _write_when_ready(self, formatting: Any) -> None:
        for buf in formatting.result():
            self.fh.write(buf)
        self._start_writeback()

    def _start_writeback(self) -> None:
        """Every 32 MiB of text: have the kernel start writing it out, and drop from the
        page cache what was written two steps before (on disk by now).  The fsync that
        makes the file durable then finds little left to do, and the page cache reuses
        the same few dozen MiB instead of taking fresh memory for every page of the
        file (on a virtual machine, memory first touched costs more than the copy into
        it: a third of a second for 300 MB here).  POSIX_FADV_DONTNEED starts the
        write-back of dirty pages without waiting, and drops clean ones.  A pipe, or a
        platform without fadvise, is left alone."""
        marks = self._marks
        if marks is None:
            return
        try:
            end = self.fh.tell()
            if end - marks[-1] < 32 << 20:
                return
            self.fh.flush()
            fd = self.fh.fileno()
            os.posix_fadvise(fd, marks[-1], end - marks[-1], os.POSIX_FADV_DONTNEED)
            if len(marks) >= 3:
                os.posix_fadvise(fd, marks[-3], marks[-2] - marks[-3], os.POSIX_FADV_DONTNEED)
            marks.append(end)
            del marks[:-3]
        except (AttributeError, OSError, ValueError):  # not a regular file, or no fadvise
            self._marks = None

    def abandon(self) -> None:
        """Stop the formatting and writing threads (a failed run, or after the last
        write)."""
        for f in self._pending:
            f.cancel()
        self._pending.clear()
        for pool in (self._pool, self._writer):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._writer = None
        # pyarrow's writer closes itself when collected, and by then the temporary file
        # under it is gone ("Exception ignored in ParquetWriter.__del__" after the error
        # line): it is closed here, at a known time, whatever that close says
        pq, self._pq = self._pq, None
        if pq is not None:
            _close_parquet(pq, quiet=True)

    @staticmethod
    def _npy_header(rows: int, cols: int) -> bytes:
        """A version 1.0 header padded to a fixed 128 bytes, so it can be rewritten."""
        d = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
        body = d.ljust(128 - 10 - 1) + "\n"
        return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


def _close_parquet(pq: Any, *, quiet: bool) -> None:
    """Close a ``pyarrow.parquet.ParquetWriter`` once: afterwards its ``__del__`` has
    nothing left to do, even when the close failed.  ``quiet``: a failed run, whose file
    is discarded; a close that fails then says nothing."""
    try:
        pq.close()
    except Exception:
        if not quiet:
            raise
    finally:
        pq.is_open = False
