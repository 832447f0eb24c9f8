"""Parquet: a file read whole into a table, or streamed row group by row group (record
batch by record batch when a row group is large)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

from losscli.errors import InputError
from losscli.io.formats import wrong_content
from losscli.io.limits import check_columns
from losscli.io.table import Table, TextCols, arrow_to_table, check_unique, short


def read_parquet(fh: IO[bytes], path: str, text_cols: TextCols = None) -> Table:
    """A whole Parquet file (a small one, standard input, a URL): read as a streamed
    file's row groups are, without pandas (whose import is half a second of a one-liner);
    ``text_cols`` (ids) keep their integer or string type."""
    head = fh.read(4)
    fh.seek(0)
    if head != b"PAR1":
        raise wrong_content(path, "parquet", head + fh.read(4096)[4:])
    reader = open_reader(fh, path, stream=False)
    try:
        arrow = reader.read_all(use_threads=True)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read Parquet: {short(exc)}", file=path) from None
    return arrow_to_table(arrow, path, True, text_cols)


def open_reader(
    source: Any, path: str, *, stream: bool, passes: Callable[[Exception], bool] | None = None
) -> Any:
    """pyarrow's Parquet reader of ``source`` (a path or a binary file object) with its
    columns checked (their number, unique names): every reader of Parquet opens it here.
    A file pyarrow cannot open is an input error naming ``path``, except what ``passes``
    lets through as it is (a remote file's connection errors).  ``stream``: no
    pre-buffering (pyarrow would otherwise hold whole column chunks, and more, in memory),
    reads in 1 MiB pieces."""
    try:
        reader = _reader(source, stream)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        if passes is not None and passes(exc):
            raise
        raise InputError(f"cannot read Parquet: {short(exc)}", file=path) from None
    names = [str(n) for n in reader.schema_arrow.names]
    check_columns(len(names), path)
    check_unique(names, path)
    return reader


def _reader(source: Any, stream: bool) -> Any:
    """Opened as ``pyarrow.parquet.ParquetFile`` opens it, without importing that module:
    its filesystem layer (``pyarrow.fs``) is about 25 ms of every run that reads Parquet."""
    options = {"pre_buffer": not stream, "buffer_size": 1 << 20 if stream else 0}
    try:
        from pyarrow._parquet import ParquetReader
    except ImportError:  # pragma: no cover - a pyarrow that moved its reader
        import pyarrow.parquet as pq

        return pq.ParquetFile(source, **options).reader
    reader = ParquetReader()
    reader.open(source, arrow_extensions_enabled=True, **options)  # as ParquetFile does
    return reader


def stream_parquet(path: str, rows: int, text_cols: TextCols = None) -> Iterator[Table]:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"PAR1":
        raise wrong_content(path, "parquet", head)
    pf = open_reader(path, path, stream=True)
    ncols = len(pf.schema_arrow)
    meta = pf.metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    if groups and max(groups) * ncols <= GROUP_CELLS:
        # row groups of at most 8M cells (64 MB) read one at a time, their columns
        # decoded on pyarrow's threads (iter_batches decodes them one after the other);
        # the next one is read while this one is scored when two fit in those 8M cells
        reads = (partial(pf.read_row_group, i, use_threads=True) for i, n in enumerate(groups) if n)
        ahead = 2 * max(groups) * ncols <= GROUP_CELLS
        for group in _ahead(reads) if ahead else (read() for read in reads):
            yield arrow_to_table(group, path, True, text_cols)
        return
    # pyarrow decodes a batch of a million rows in much less than four of 250,000 (the
    # chunks are cut from it again by the caller); at most 8M cells (64 MB) a batch
    batch_rows = max(rows, min(1 << 20, GROUP_CELLS // max(1, ncols)))
    for batch in pf.iter_batches(batch_rows, range(len(groups)), use_threads=True):
        yield arrow_to_table(batch, path, True, text_cols)


def _ahead(reads: Iterator[Callable[[], Any]]) -> Iterator[Any]:
    """The results of ``reads`` in order, each next one run on a thread while the caller
    works on the last (pyarrow releases the GIL while it reads and decodes): at most two
    results held at once.  A read's exception is raised where its result would be."""
    from concurrent.futures import ThreadPoolExecutor

    first = next(reads, None)
    if first is None:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="losscli-parquet") as pool:
        pending = pool.submit(first)
        try:
            for read in reads:
                result = pending.result()  # the caller is done with the one before
                pending = pool.submit(read)
                yield result
            yield pending.result()
        finally:
            pending.cancel()


GROUP_CELLS = 8 << 20  # cells of a row group read at once (64 MB of float64)
