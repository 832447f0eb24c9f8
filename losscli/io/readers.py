"""Read: files of targets and predictions into :class:`Table` objects.

Formats by extension (``.csv``, ``.tsv``, ``.npy``, ``.npz``, ``.parquet``,
``.jsonl``/``.ndjson``, each optionally ``.gz``), ``-`` for standard input
(read only when asked), globs and directories of shards (one dataset, in sorted
name order), and fsspec URLs (``s3://``, ``https://``, ...: :mod:`losscli.io.remote`),
streamed as local files are.  ``.npy``/``.npz`` are always loaded with pickles refused.
pandas and pyarrow are imported only on the paths that need them.

This module dispatches: each path to the reader of its format (whole, or as a stream
of chunks for large files), standard input, and the guards that name a missing file
and turn a reader's exceptions into input errors.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import compressed, formats, remote
from losscli.io import dialect as dialects
from losscli.io.delimited import SMALL_TEXT, read_delimited, stream_delimited
from losscli.io.dialect import Dialect
from losscli.io.formats import detect_format, expand, sniff, wrong_content
from losscli.io.jsonl import JSONL_BLOCK, read_jsonl, stream_jsonl
from losscli.io.limits import check_columns, min_chunk_rows
from losscli.io.numpy_files import read_npy, read_npz, stream_npy, stream_npy_fileobj
from losscli.io.parquet import read_parquet, stream_parquet
from losscli.io.table import Table, TextCols, arrow_to_table, check_unique, short, text_names


def read(
    spec: str,
    *,
    header: bool = True,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
    delimiter: str | None = None,
    decimal: str = ".",
    text_cols: TextCols = None,
) -> Table:
    """Read one file, glob or directory into a :class:`Table`.

    ``delimiter`` and ``decimal``: the field separator and decimal mark of CSV/TSV input
    (``--delimiter``, ``--decimal``; see :mod:`losscli.io.dialect`).  ``text_cols``: the
    columns to keep exactly as written (ids: a set of names or 0-based indices, or a
    predicate on the header name): text as the text in the file (CSV/TSV; JSON Lines
    numbers as their literal text), integers as int64 (Parquet, NPZ), never float."""
    d = dialects.make(delimiter, decimal)
    paths = expand(spec)
    tables = [
        _decimals(
            _read_one(
                p, header=header, input_format=input_format, stdin=stdin, d=d, text_cols=text_cols
            ),
            d,
            0,
            text_cols,
        )
        for p in paths
    ]
    if len(tables) == 1:
        return tables[0]
    return _concat(spec, tables)


def _decimals(table: Table, d: Dialect, row0: int, text_cols: TextCols = None) -> Table:
    if d.decimal != "." and not table.is_npz:
        exact = text_names(text_cols, table.names)
        names = [n for n in table.names if n not in exact]  # ids stay as written
        dialects.comma_decimals(table.data, names, table.source, row0)
    return table


DEFAULT_CHUNK_ROWS = 250_000  # a few MB a column: memory stays flat, overhead negligible
WHOLE = "whole"  # Table.meta: a file read at once (the only table of its file)
COMPLETE = "complete"  # Table.meta: the only chunk of the input (losscli.validate.whole)


def _whole_file(table: Table) -> Table:
    table.meta[WHOLE] = True
    return table


def read_chunks(
    spec: str,
    *,
    header: bool = True,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
    chunk_rows: int | None = None,
    delimiter: str | None = None,
    decimal: str = ".",
    text_cols: TextCols = None,
) -> Iterator[Table]:
    """Read a file, glob or directory as a stream of :class:`Table` chunks, in order.

    Small files come as one chunk (the in-memory path); large CSV/TSV are streamed
    by pyarrow in blocks, ``.npy`` through a memory map, Parquet by record batch, so
    memory stays bounded whatever the size.  ``chunk_rows`` caps the rows of a chunk,
    never below :func:`losscli.io.limits.min_chunk_rows` (a chunk has a fixed cost; the
    figures do not depend on the chunking); ``delimiter``, ``decimal`` and ``text_cols``
    as for :func:`read`.
    """
    d = dialects.make(delimiter, decimal)
    rows = max(chunk_rows or DEFAULT_CHUNK_ROWS, min_chunk_rows())
    names: list[str] | None = None
    first_source = spec
    paths = expand(spec)
    for path in paths:
        n = 0
        for table in _chunks_one(
            path,
            header=header,
            input_format=input_format,
            stdin=stdin,
            rows=rows,
            d=d,
            text_cols=text_cols,
        ):
            table = _decimals(table, d, n, text_cols)
            if names is None:
                check_columns(len(table.names), table.source)
                names, first_source = table.names, table.source
            elif table.names != names:
                raise InputError(
                    f"shard has columns {table.names}, but {first_source} has {names}",
                    file=table.source,
                )
            n += table.n_rows
            if table.n_rows <= rows and len(paths) == 1 and table.meta.pop(WHOLE, False):
                table.meta[COMPLETE] = True  # the whole input in one chunk: nothing follows
            for start in range(0, table.n_rows, rows):
                yield table.slice(start, start + rows) if table.n_rows > rows else table
        if n == 0:
            raise InputError("no samples (the file has no data rows)", file=path)


def _chunks_one(
    path: str,
    *,
    header: bool,
    input_format: str | None,
    stdin: IO[bytes] | None,
    rows: int,
    d: Dialect,
    text_cols: TextCols = None,
) -> Iterator[Table]:
    fmt, gz = detect_format(path, input_format)
    if remote.is_url(path):
        yield from _guard_url(
            path, _chunks_url(path, fmt, gz, header, input_format, rows, d, text_cols)
        )
        return
    _check_path(path)
    if path == "-" and fmt in ("csv", "tsv"):
        yield from _guard_stdin(_stream_stdin(stdin, fmt, header, d, text_cols))
        return
    if path == "-" and fmt == "npy":
        yield from _guard_stdin(_stream_stdin_npy(stdin, rows, text_cols))
        return
    if fmt == "jsonl" and (path == "-" or gz or os.path.getsize(path) > JSONL_BLOCK):
        yield from (_guard_stdin if path == "-" else _guard_path(path))(
            _stream_jsonl(path, gz, stdin, text_cols)
        )
        return
    size = os.path.getsize(path) if path != "-" else 0
    if fmt in ("csv", "tsv") and (size >= SMALL_TEXT or (gz and not _small_gzip(path))):
        yield from _guard(path, stream_delimited(path, gz, fmt, header, d, text_cols))
    elif fmt == "npy" and not gz and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, stream_npy(path, rows))
    elif fmt == "parquet" and not gz and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, stream_parquet(path, rows, text_cols))
    else:
        yield _whole_file(
            _read_one(
                path,
                header=header,
                input_format=input_format,
                stdin=stdin,
                d=d,
                text_cols=text_cols,
            )
        )


def _chunks_url(
    path: str,
    fmt: str,
    gz: bool,
    header: bool,
    input_format: str | None,
    rows: int,
    d: Dialect,
    text_cols: TextCols,
) -> Iterator[Table]:
    """A remote file by the rules of a local one: read whole when small, else streamed
    from a file object (CSV/TSV in parallel blocks, ``.npy`` row blocks, Parquet record
    batches, JSON Lines blocks), gzip by the ``.gz`` extension."""
    size = remote.size(path)
    if fmt in ("csv", "tsv") and (gz or size >= SMALL_TEXT):
        yield from _stream_url_text(path, fmt, gz, header, d, text_cols)
    elif fmt == "jsonl" and (gz or size > JSONL_BLOCK):
        yield from _stream_jsonl(path, gz, None, text_cols)
    elif fmt == "npy" and not gz and size >= SMALL_TEXT:
        with remote.open_url(path) as fh:
            yield from stream_npy_fileobj(fh, path, rows)
    elif fmt == "parquet" and not gz and size >= SMALL_TEXT:
        yield from _stream_parquet_url(path, rows, text_cols)
    else:
        yield _whole_file(
            _read_one(
                path, header=header, input_format=input_format, stdin=None, d=d, text_cols=text_cols
            )
        )


def _stream_parquet_url(path: str, rows: int, text_cols: TextCols) -> Iterator[Table]:
    """Remote Parquet record batch by record batch (pyarrow on the file object: the
    footer, then one column chunk range at a time, as :func:`stream_parquet` locally)."""
    from losscli.io.parquet import open_reader

    with remote.open_url(path) as fh:
        head = fh.read(4096)
        if head[:4] != b"PAR1":
            raise wrong_content(path, "parquet", head)
        fh.seek(0)
        pf = open_reader(fh, path, stream=True, passes=_connection_error)
        for batch in pf.iter_batches(rows, range(pf.metadata.num_row_groups), use_threads=True):
            yield arrow_to_table(batch, path, True, text_cols)


def _connection_error(exc: Exception) -> bool:
    return remote.is_remote_error(exc) or isinstance(exc, (ConnectionError, PermissionError))


def _stream_url_text(
    path: str, fmt: str, gz: bool, header: bool, d: Dialect, text_cols: TextCols
) -> Iterator[Table]:
    """Remote CSV/TSV: what expands to under 1 MiB is read whole (as a small local file),
    the rest streams through :func:`losscli.io.csvfast.stream_fileobj`."""
    from losscli.io import csvfast

    sep = d.sep(fmt)
    with remote.open_url(path) as raw:
        fh: Any = raw
        if gz:
            magic = raw.read(2)
            raw.seek(0)
            if magic != b"\x1f\x8b":
                kind = formats.NAMES.get(sniff(raw.read(4096)), "something else")
                raise InputError(
                    f"is not gzip-compressed: it looks like {kind}",
                    file=path,
                    hint="remove the .gz suffix from its name",
                )
            fh = gzip.GzipFile(fileobj=raw, mode="rb")
        try:
            first = fh.read(SMALL_TEXT)
            more = fh.read(1) if len(first) == SMALL_TEXT else b""
        except (OSError, EOFError, zlib.error) as exc:
            if not gz or isinstance(exc, (FileNotFoundError, PermissionError, ConnectionError)):
                raise
            raise InputError(f"corrupt or truncated gzip data: {short(exc)}", file=path) from None
        if not more:
            yield _checked(read_delimited(io.BytesIO(first), path, fmt, header, d, text_cols), path)
            return
        head = first[:4096]
        if b"\x00" in head or sniff(head) in ("parquet", "npy", "npz", "gzip", "pickle", "binary"):
            raise wrong_content(path, fmt, head)
        if d.delimiter is None:
            dialects.check_text_head(first[:65536].decode("utf-8-sig", "replace"), path, sep)
        stream = io.BufferedReader(csvfast.Chain([first, more], fh))  # type: ignore[arg-type]
        seen = False
        try:
            for table in csvfast.stream_fileobj(
                stream, sep=sep, header=header, decimal=d.decimal, text_cols=text_cols, source=path
            ):
                if not seen and header:
                    check_unique([str(n) for n in table.column_names], path)
                seen = True
                yield arrow_to_table(table, path, header, text_cols)
        except csvfast.BlockError as exc:
            raise InputError(
                f"cannot parse: {short(exc.cause)}",
                file=path,
                row=exc.row,
                hint="the row is where the failing block starts; download the file for the "
                "exact row",
            ) from None
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            if not gz:
                raise
            raise InputError(f"corrupt or truncated gzip data: {short(exc)}", file=path) from None


def _guard_url(path: str, gen: Iterator[Table]) -> Iterator[Table]:
    """A remote file's errors named by its URL (a password or signature in it masked)."""
    try:
        yield from gen
    except LossCliError as exc:
        if exc.file is not None and remote.is_url(exc.file):
            exc.file = remote.display(exc.file)
        raise
    except Exception as exc:
        raise _as_input_error(exc, path) from None


def _small_gzip(path: str) -> bool:
    """Whether a ``.gz`` file expands to under 1 MiB (read whole); a larger one is
    streamed, whatever its compressed size (a tiny file may expand to gigabytes)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return os.path.getsize(path) < SMALL_TEXT  # named by either reader
        with gzip.open(path, "rb") as g:
            return len(g.read(SMALL_TEXT)) < SMALL_TEXT
    except (OSError, EOFError, zlib.error):
        return True  # corrupt: named by the whole-file reader, as before


def _stream_stdin(
    stdin: IO[bytes] | None, fmt: str, header: bool, d: Dialect, text_cols: TextCols = None
) -> Iterator[Table]:
    """CSV/TSV on standard input: a small input is read whole (no pyarrow import); a
    large one streams through :func:`losscli.io.csvfast.stream_fileobj` in bounded memory,
    gzip-compressed or not."""
    from losscli.io import csvfast  # no pyarrow import until a large input is parsed

    sep = d.sep(fmt)
    raw = stdin if stdin is not None else sys.stdin.buffer
    first = raw.read(SMALL_TEXT)
    if first[:2] == b"\x1f\x8b":
        fh: Any = gzip.GzipFile(fileobj=csvfast.Chain([first], raw), mode="rb")
        first = fh.read(SMALL_TEXT)
    else:
        fh = raw
    more = fh.read(1) if len(first) == SMALL_TEXT else b""
    if not more:  # all of it is here: the in-memory path, as for a small file
        yield _read_one(
            "-",
            header=header,
            input_format=fmt,
            stdin=io.BytesIO(first),
            d=d,
            text_cols=text_cols,
        )
        return
    if b"\x00" in first[:4096] or sniff(first[:4096]) in ("parquet", "npy", "npz", "pickle"):
        raise wrong_content("-", fmt, first[:4096])
    if d.delimiter is None:
        dialects.check_text_head(first[:65536].decode("utf-8-sig", "replace"), "-", sep)
    stream = io.BufferedReader(csvfast.Chain([first, more], fh))  # type: ignore[arg-type]
    seen = False
    try:
        for table in csvfast.stream_fileobj(
            stream, sep=sep, header=header, decimal=d.decimal, text_cols=text_cols
        ):
            if not seen and header:
                check_unique([str(n) for n in table.column_names], "-")
            seen = True
            yield arrow_to_table(table, "-", header, text_cols)
    except csvfast.BlockError as exc:
        raise InputError(
            f"cannot parse: {short(exc.cause)}",
            file="-",
            row=exc.row,
            hint="the row is where the failing block starts; save the input to a file for "
            "the exact row",
        ) from None


def _stream_stdin_npy(stdin: IO[bytes] | None, rows: int, text_cols: TextCols) -> Iterator[Table]:
    """A ``.npy`` array on standard input (gzip-compressed or not), read chunk by chunk."""
    from losscli.io.csvfast import Chain

    raw = stdin if stdin is not None else sys.stdin.buffer
    first = raw.read(1 << 16)
    fh: Any = io.BufferedReader(Chain([first], raw))  # type: ignore[arg-type]
    if first[:2] == b"\x1f\x8b":
        fh = gzip.GzipFile(fileobj=fh, mode="rb")
    yield from stream_npy_fileobj(fh, "-", rows, text_cols)


def _stream_jsonl(
    path: str, gz: bool, stdin: IO[bytes] | None, text_cols: TextCols
) -> Iterator[Table]:
    """JSON Lines from standard input or a large or compressed file, block by block."""
    from losscli.io.csvfast import Chain

    if path == "-":
        raw: Any = stdin if stdin is not None else sys.stdin.buffer
    elif remote.is_url(path):
        raw = remote.open_url(path)
    else:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    try:
        first = raw.read(1 << 16)
        fh: Any = io.BufferedReader(Chain([first], raw))  # type: ignore[arg-type]
        if first[:2] == b"\x1f\x8b":
            fh = gzip.GzipFile(fileobj=fh, mode="rb")
            head = fh.peek(4096)[:4096]
        else:
            if gz:
                kind = formats.NAMES.get(sniff(first), "something else")
                raise InputError(
                    f"is not gzip-compressed: it looks like {kind}",
                    file=path,
                    hint="remove the .gz suffix from its name",
                )
            head = first
        compressed.check_head(head, path, "jsonl")
        yield from stream_jsonl(fh, path, text_cols)
    finally:
        if path != "-":
            raw.close()


def _guard_path(path: str) -> Any:
    return lambda gen: _guard(path, gen)


def _guard_stdin(gen: Iterator[Table]) -> Iterator[Table]:
    try:
        yield from gen
    except (InputError, UsageError):
        raise
    except Exception as exc:
        raise _as_input_error(exc, "-") from None


def _check_path(path: str) -> None:
    """A path that is missing or not a regular file is named before any reader runs."""
    if path == "-":
        return
    if not os.path.exists(path):
        raise InputError(
            "no such file" if not os.path.islink(path) else "broken symbolic link", file=path
        )
    if os.path.isdir(path):
        raise InputError("is a directory, expected a file", file=path)
    if not os.path.isfile(path):
        raise InputError(
            "not a regular file (a device, pipe or socket?)",
            file=path,
            hint="to read a stream, pass - and send it to standard input (with --input-format)",
        )


def _guard(path: str, gen: Iterator[Table]) -> Iterator[Table]:
    """Turn the streaming readers' own exceptions into input errors naming the file."""
    try:
        yield from gen
    except InputError:
        raise
    except Exception as exc:
        raise _as_input_error(exc, path) from None


def _as_input_error(exc: BaseException, path: str) -> LossCliError:
    """An exception raised while reading ``path`` as an input error, or re-raised if it is
    not one a reader can cause (a bug must stay visible)."""
    if remote.is_url(path) and (
        remote.is_remote_error(exc)
        or isinstance(exc, (FileNotFoundError, PermissionError, ConnectionError, ImportError))
    ):
        return remote.as_error(exc, path)
    if isinstance(exc, PermissionError):
        return InputError("permission denied", file=path)
    if isinstance(exc, MemoryError):
        return InputError(
            "too large to load into memory", file=path, hint="split it into smaller shards"
        )
    if isinstance(exc, (OSError, EOFError, ValueError, zlib.error)) or _from_pyarrow(exc):
        return InputError(f"cannot read: {short(exc)}", file=path)
    raise exc


def _from_pyarrow(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "pyarrow"


def _read_one(
    path: str,
    *,
    header: bool,
    input_format: str | None,
    stdin: IO[bytes] | None,
    d: Dialect = dialects.DEFAULT,
    text_cols: TextCols = None,
) -> Table:
    fmt, gz = detect_format(path, input_format)
    url = remote.is_url(path)
    if url:
        remote.size(path)  # a missing object or bucket, a refused credential: named first
    else:
        _check_path(path)
    try:
        opened = _url_bytes(path, gz, fmt) if url else compressed.open_bytes(path, gz, stdin, fmt)
        with opened as fh:
            if fmt in ("csv", "tsv"):
                table = read_delimited(fh, path, fmt, header, d, text_cols)
            elif fmt == "jsonl":
                table = read_jsonl(fh, path, text_cols)
            elif fmt == "parquet":
                table = read_parquet(fh, path, text_cols)
            elif fmt == "npy":
                table = read_npy(fh, path, text_cols)
            elif fmt == "npz":
                table = read_npz(fh, path, text_cols)
            else:  # pragma: no cover - detect_format only returns known formats
                raise InputError(f"unknown format {fmt!r}", file=path)
    except (InputError, UsageError) as exc:
        if url and exc.file is not None and remote.is_url(exc.file):
            exc.file = remote.display(exc.file)
        raise
    except Exception as exc:
        raise _as_input_error(exc, path) from None
    return _checked(table, remote.display(path) if url else path)


def _url_bytes(path: str, gz: bool, fmt: str) -> IO[bytes]:
    """A remote file for a reader of the whole file (gzip decompressed in memory, within
    the limit, as for a local ``.gz`` read whole)."""
    fh = remote.open_url(path)
    if not gz:
        return fh
    with fh:
        return compressed._gunzip(fh, path, fmt)


def _checked(table: Table, path: str) -> Table:
    """A whole file's table: it has columns and rows."""
    if not table.names:
        raise InputError("the file has no columns", file=path)
    check_columns(len(table.names), path)
    if table.n_rows == 0:
        raise InputError("no samples (the file has no data rows)", file=path)
    return table


def _concat(spec: str, tables: list[Table]) -> Table:
    first = tables[0]
    for t in tables[1:]:
        if t.names != first.names:
            raise InputError(
                f"shard has columns {t.names}, but {first.source} has {first.names}",
                file=t.source,
            )
    data = {name: np.concatenate([t.data[name] for t in tables]) for name in first.names}
    return Table(spec, list(first.names), data, first.has_header, first.is_npz)
