"""Read: files of targets and predictions into :class:`Table` objects.

Formats by extension (``.csv``, ``.tsv``, ``.npy``, ``.npz``, ``.parquet``,
``.jsonl``/``.ndjson``, each optionally ``.gz``), ``-`` for standard input
(read only when asked), globs and directories of shards (one dataset, in sorted
name order).  ``.npy``/``.npz`` are always loaded with pickles refused.
pandas and pyarrow are imported only on the paths that need them.
"""

from __future__ import annotations

import contextlib
import glob as _glob
import gzip
import io
import math
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, UsageError, show

FORMATS = ("csv", "tsv", "npy", "npz", "parquet", "jsonl")
_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass
class Table:
    """Named columns (1-D arrays; ``.npz`` members may be 2-D) read from one source."""

    source: str
    names: list[str]
    data: dict[str, np.ndarray]
    has_header: bool = True
    is_npz: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def slice(self, start: int, stop: int) -> Table:
        return Table(
            self.source,
            self.names,
            {k: v[start:stop] for k, v in self.data.items()},
            self.has_header,
            self.is_npz,
            self.meta,
        )

    @property
    def n_rows(self) -> int:
        return int(next(iter(self.data.values())).shape[0]) if self.data else 0

    def column(self, spec: str, flag: str | None = None) -> str:
        """Resolve a column name or 0-based index to a name.

        A column the file does not have is an input error (exit 3): whether it
        exists depends on the data, not on the command line.  ``flag`` (such as
        ``--target-col``) is named in the hint.
        """
        if spec in self.data:
            return spec
        for name in self.names:
            if name.strip().lower() == spec.strip().lower():
                return name
        what = "array" if self.is_npz else "column"
        fix = f"check {flag}" if flag else f"choose another {what}"
        if re.fullmatch(r"-?[0-9]+", spec.strip()):
            i = int(spec)
            if 0 <= i < len(self.names):
                return self.names[i]
            raise InputError(
                f"{what} index {i} is out of range: the file has {len(self.names)} "
                f"{what}s (0 to {len(self.names) - 1})",
                file=self.source,
                hint=f"{fix}; indices are 0-based",
            )
        hint = fix
        if not self.has_header and not self.is_npz:
            hint += "; the file is read without a header row, so name columns by 0-based index"
        raise InputError(
            f"no {what} named {spec!r}; {what}s are: {', '.join(self.names[:20])}"
            + (" ..." if len(self.names) > 20 else ""),
            file=self.source,
            hint=hint,
        )


def detect_format(path: str, input_format: str | None = None) -> tuple[str, bool]:
    """Return (format, gzipped) for ``path``."""
    if path == "-":
        return (input_format or "csv"), False
    lower = path.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    ext = os.path.splitext(lower)[1]
    fmt = _EXT.get(ext)
    if fmt is None:
        if input_format:
            return input_format, gz
        raise InputError(
            f"cannot tell the format from the extension {ext or '(none)'!r}",
            file=path,
            hint="use one of .csv .tsv .npy .npz .parquet .jsonl .ndjson (optionally .gz) "
            "or pass --input-format",
        )
    return fmt, gz


def expand(spec: str) -> list[str]:
    """A path, a glob or a directory of shards, as a sorted list of files."""
    if spec == "-":
        return ["-"]
    if os.path.isdir(spec):
        try:
            entries = os.listdir(spec)
        except OSError as exc:
            raise InputError(
                f"cannot list the directory: {exc.strerror or exc}", file=spec
            ) from None
        found = sorted(
            os.path.join(spec, f)
            for f in entries
            if not f.startswith((".", "_")) and os.path.isfile(os.path.join(spec, f))
        )
        if not found:
            raise InputError("directory has no data files", file=spec)
        return found
    if any(ch in spec for ch in "*?[") and not os.path.exists(spec):
        found = sorted(p for p in _glob.glob(spec, recursive=True) if os.path.isfile(p))
        if not found:
            raise InputError("no file matches this pattern", file=spec)
        return found
    return [spec]


def read(
    spec: str,
    *,
    header: bool = True,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
) -> Table:
    """Read one file, glob or directory into a :class:`Table`."""
    paths = expand(spec)
    tables = [_read_one(p, header=header, input_format=input_format, stdin=stdin) for p in paths]
    if len(tables) == 1:
        return tables[0]
    return _concat(spec, tables)


DEFAULT_CHUNK_ROWS = 250_000  # a few MB a column: memory stays flat, overhead negligible
CSV_BLOCK_BYTES = 16 << 20


def read_chunks(
    spec: str,
    *,
    header: bool = True,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
    chunk_rows: int | None = None,
) -> Iterator[Table]:
    """Read a file, glob or directory as a stream of :class:`Table` chunks, in order.

    Small files come as one chunk (the in-memory path); large CSV/TSV are streamed
    by pyarrow in blocks, ``.npy`` through a memory map, Parquet by record batch, so
    memory stays bounded whatever the size.  ``chunk_rows`` caps the rows of a chunk.
    """
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    names: list[str] | None = None
    first_source = spec
    for path in expand(spec):
        n = 0
        for table in _chunks_one(
            path, header=header, input_format=input_format, stdin=stdin, rows=rows
        ):
            if names is None:
                names, first_source = table.names, table.source
            elif table.names != names:
                raise InputError(
                    f"shard has columns {table.names}, but {first_source} has {names}",
                    file=table.source,
                )
            n += table.n_rows
            for start in range(0, table.n_rows, rows):
                yield table.slice(start, start + rows) if table.n_rows > rows else table
        if n == 0:
            raise InputError("no samples (the file has no data rows)", file=path)


def _chunks_one(
    path: str, *, header: bool, input_format: str | None, stdin: IO[bytes] | None, rows: int
) -> Iterator[Table]:
    fmt, gz = detect_format(path, input_format)
    _check_path(path)
    if path == "-" and fmt in ("csv", "tsv"):
        yield from _guard_stdin(_stream_stdin(stdin, "\t" if fmt == "tsv" else ",", header))
        return
    size = os.path.getsize(path) if path != "-" else 0
    if fmt in ("csv", "tsv") and (size >= SMALL_TEXT or (gz and size >= SMALL_TEXT // 8)):
        yield from _guard(path, _stream_delimited(path, gz, "\t" if fmt == "tsv" else ",", header))
    elif fmt == "npy" and not gz and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, _stream_npy(path, rows))
    elif fmt == "parquet" and not gz and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, _stream_parquet(path, rows))
    else:
        yield _read_one(path, header=header, input_format=input_format, stdin=stdin)


def _stream_stdin(stdin: IO[bytes] | None, sep: str, header: bool) -> Iterator[Table]:
    """CSV/TSV on standard input: a small input is read whole (no pyarrow import); a
    large one streams through :func:`losscli.io.csvfast.stream_fileobj` in bounded memory,
    gzip-compressed or not."""
    from losscli.io import csvfast  # no pyarrow import until a large input is parsed

    raw = stdin if stdin is not None else sys.stdin.buffer
    first = raw.read(SMALL_TEXT)
    if first[:2] == b"\x1f\x8b":
        fh: Any = gzip.GzipFile(fileobj=csvfast.Chain([first], raw), mode="rb")
        first = fh.read(SMALL_TEXT)
    else:
        fh = raw
    more = fh.read(1) if len(first) == SMALL_TEXT else b""
    if not more:  # all of it is here: the in-memory path, as for a small file
        fmt = "tsv" if sep == "\t" else "csv"
        yield _read_one("-", header=header, input_format=fmt, stdin=io.BytesIO(first))
        return
    if b"\x00" in first[:4096] or sniff(first[:4096]) in ("parquet", "npy", "npz", "pickle"):
        raise _wrong_content("-", "tsv" if sep == "\t" else "csv", first[:4096])
    stream = io.BufferedReader(csvfast.Chain([first, more], fh))  # type: ignore[arg-type]
    seen = False
    try:
        for table in csvfast.stream_fileobj(stream, sep=sep, header=header):
            if not seen and header:
                _check_unique([str(n) for n in table.column_names], "-")
            seen = True
            yield _arrow_to_table(table, "-", header)
    except csvfast.BlockError as exc:
        raise InputError(
            f"cannot parse: {_short(exc.cause)}",
            file="-",
            row=exc.row,
            hint="the row is where the failing block starts; save the input to a file for "
            "the exact row",
        ) from None


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
        raise InputError("not a regular file (a device, pipe or socket?)", file=path)


def _guard(path: str, gen: Iterator[Table]) -> Iterator[Table]:
    """Turn the streaming readers' own exceptions into input errors naming the file."""
    try:
        yield from gen
    except InputError:
        raise
    except Exception as exc:
        raise _as_input_error(exc, path) from None


def _as_input_error(exc: BaseException, path: str) -> InputError:
    """An exception raised while reading ``path`` as an input error, or re-raised if it is
    not one a reader can cause (a bug must stay visible)."""
    if isinstance(exc, PermissionError):
        return InputError("permission denied", file=path)
    if isinstance(exc, MemoryError):
        return InputError(
            "too large to load into memory", file=path, hint="split it into smaller shards"
        )
    if isinstance(exc, (OSError, EOFError, ValueError, zlib.error)) or _from_pyarrow(exc):
        return InputError(f"cannot read: {_short(exc)}", file=path)
    raise exc


def _from_pyarrow(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "pyarrow"


def _arrow_to_table(batch: Any, path: str, header: bool) -> Table:
    from losscli.io.csvfast import to_numpy  # float64 or object; never imports pandas

    names = [str(n) for n in batch.schema.names]
    if not header:
        names = [str(i) for i in range(len(names))]
    return Table(path, names, {n: to_numpy(col) for n, col in zip(names, batch.columns)}, header)


def _stream_delimited(path: str, gz: bool, sep: str, header: bool) -> Iterator[Table]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from losscli.io import csvfast

    with open(path, "rb") as raw:
        head = raw.read(4096)
    if gz:
        if head[:2] != b"\x1f\x8b":
            kind = _NAMES.get(sniff(head), "something else")
            raise InputError(
                f"is not gzip-compressed: it looks like {kind}",
                file=path,
                hint="remove the .gz suffix from its name",
            )
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(4096)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"corrupt or truncated gzip data: {_short(exc)}", file=path) from None
    if b"\x00" in head or sniff(head) in ("parquet", "npy", "npz", "gzip", "pickle", "binary"):
        raise _wrong_content(path, "tsv" if sep == "\t" else "csv", head)
    if not gz:
        # plain files: blocks cut at line ends, parsed in parallel (losscli.csvfast)
        first = True
        try:
            for table in csvfast.stream(path, sep=sep, header=header):
                if first and header:
                    _check_unique([str(n) for n in table.column_names], path)
                first = False
                yield _arrow_to_table(table, path, header)
        except csvfast.BlockError as exc:
            raise _locate_bad_row(path, gz, sep, header, exc.cause, exc.types) from None
        except UnicodeDecodeError as exc:
            raise _locate_bad_row(path, gz, sep, header, exc) from None
        return
    read_opts = pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES, autogenerate_column_names=not header)
    parse_opts = pcsv.ParseOptions(delimiter=sep)
    with gzip.open(path, "rb") as fh:
        # Infer the types from the first block, then read every numeric column as float64 so
        # a later block cannot change a column's type (an int column meeting "1.5").
        try:
            schema = pcsv.open_csv(fh, read_options=read_opts, parse_options=parse_opts).schema
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _locate_bad_row(path, gz, sep, header, exc) from None
        names = list(schema.names)
        if header:
            _check_unique(names, path)
        types = csvfast.column_types(schema)
        fh.seek(0)
        reader = pcsv.open_csv(
            fh,
            read_options=read_opts,
            parse_options=parse_opts,
            convert_options=pcsv.ConvertOptions(column_types=types),
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise _locate_bad_row(path, gz, sep, header, exc, types) from None
            if batch.num_rows:
                yield _arrow_to_table(batch, path, header)


LOCATE_LIMIT = 256 << 20  # bytes scanned to number a bad row in a streamed file (error path)


def _locate_bad_row(
    path: str,
    gz: bool,
    sep: str,
    header: bool,
    exc: BaseException,
    types: dict[str, Any] | None = None,
) -> InputError:
    """pyarrow's parse errors carry no row number: find the first bad row with the csv
    module (an error path only; gives up after :data:`LOCATE_LIMIT` bytes)."""
    import csv

    import pyarrow as pa

    numeric = [t == pa.float64() for t in types.values()] if types else None
    reason = _short(exc)
    try:
        with (
            gzip.open(path, "rt", encoding="utf-8-sig", newline="")
            if gz
            else open(path, encoding="utf-8-sig", newline="")
        ) as fh:
            reader = csv.reader(fh, delimiter=sep, strict=True)
            width: int | None = None
            names: list[str] = []
            row = 0
            scanned = 0
            for r in reader:
                if not r:
                    continue
                if width is None:
                    width = len(r)
                    names = [c.strip() for c in r] if header else [str(i) for i in range(width)]
                    if header:
                        continue
                row += 1
                if len(r) != width:
                    return InputError(
                        f"has {len(r)} fields, expected {width} (line {reader.line_num})",
                        file=path,
                        row=row,
                        hint=_ragged_hint(sep, len(r), width),
                    )
                if numeric:
                    for j, cell in enumerate(r):
                        if numeric[j]:
                            try:
                                _to_float(cell)
                            except ValueError:
                                return InputError(
                                    f"non-numeric value {show(cell.strip())} in a column of "
                                    "numbers",
                                    file=path,
                                    row=row,
                                    column=names[j],
                                )
                scanned += sum(len(c) for c in r) + len(r)
                if scanned > LOCATE_LIMIT:
                    break
    except UnicodeDecodeError as err:
        return InputError(
            f"not UTF-8 text ({_short(err)})", file=path, hint="save the file as UTF-8"
        )
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            return InputError(
                "a quote is never closed",
                file=path,
                hint='quote characters (") inside a cell must be doubled',
            )
        return InputError(f"cannot parse: {err}", file=path)
    except (OSError, EOFError, zlib.error) as err:
        return InputError(f"cannot read: {_short(err)}", file=path)
    return InputError(f"cannot parse: {reason}", file=path)


def _stream_parquet(path: str, rows: int) -> Iterator[Table]:
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"PAR1":
        raise _wrong_content(path, "parquet", head)
    try:
        # no pre-buffering: pyarrow would otherwise hold whole column chunks (and more)
        # in memory; read in 1 MiB pieces, a batch at a time
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read Parquet: {_short(exc)}", file=path) from None
    for batch in pf.iter_batches(batch_size=rows):
        yield _arrow_to_table(batch, path, True)


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


# --------------------------------------------------------------------- content sniffing

_MAGIC = (
    (b"PAR1", "parquet"),
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "npz"),
    (b"PK\x05\x06", "npz"),
    (b"\x1f\x8b", "gzip"),
)
_NAMES = {
    "parquet": "Parquet data",
    "npy": "a NumPy .npy array",
    "npz": "a zip archive (.npz)",
    "gzip": "gzip-compressed data",
    "pickle": "a Python pickle",
    "jsonl": "JSON text",
    "csv": "CSV text",
    "tsv": "tab-separated text",
    "text": "text",
    "binary": "binary data",
}


def sniff(head: bytes) -> str:
    """What the first bytes of a file look like: a format name, ``pickle``, ``gzip``,
    ``text`` or ``binary``."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return "pickle"
    sample = head[:4096]
    if b"\x00" in sample:
        return "binary"
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            return "binary"
        text = sample[: exc.start].decode("utf-8-sig", "replace")
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return "binary"
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        return "jsonl"
    first = stripped.split("\n", 1)[0]
    if "\t" in first and "," not in first:
        return "tsv"
    if "," in first:
        return "csv"
    return "text"


_EXT_OF = {
    "parquet": ".parquet",
    "npy": ".npy",
    "npz": ".npz",
    "jsonl": ".jsonl",
    "csv": ".csv",
    "tsv": ".tsv",
}


def _wrong_content(path: str, expected: str, head: bytes) -> InputError:
    """The error for a file whose bytes are not ``expected``, saying what they look like."""
    kind = sniff(head)
    what = _NAMES.get(kind, kind)
    if kind == "pickle":
        return InputError(
            f"is a Python pickle, not {_NAMES.get(expected, expected)}; pickles are never loaded",
            file=path,
        )
    message = f"does not hold {_NAMES.get(expected, expected)}: it looks like {what}"
    hint: str | None = None
    if kind == "gzip":
        hint = "name it with a .gz suffix" if path != "-" else None
    elif kind in _EXT_OF:
        hint = f"pass --input-format {kind}" if path == "-" else f"rename it to {_EXT_OF[kind]}"
    return InputError(message, file=path, hint=hint)


# --------------------------------------------------------------------- decompression


MAX_DECOMPRESSED_ENV = "LOSSCLI_MAX_DECOMPRESSED"
DEFAULT_MAX_DECOMPRESSED = 2 << 30  # 2 GiB


def max_decompressed() -> int:
    """How many bytes compressed input (``.gz`` read whole, compressed ``.npz`` members) may
    expand to: ``$LOSSCLI_MAX_DECOMPRESSED`` or 2 GiB.  Large CSV/TSV are streamed and
    not limited."""
    raw = os.environ.get(MAX_DECOMPRESSED_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_DECOMPRESSED
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{MAX_DECOMPRESSED_ENV}={raw!r} is not a positive number of bytes")
    return value


def _gunzip(src: IO[bytes], path: str) -> io.BytesIO:
    """Decompress a whole gzip stream into memory, at most :func:`max_decompressed` bytes."""
    limit = max_decompressed()
    out = io.BytesIO()
    total = 0
    try:
        with gzip.GzipFile(fileobj=src, mode="rb") as g:
            while True:
                block = g.read(1 << 20)
                if not block:
                    break
                total += len(block)
                if total > limit:
                    raise InputError(
                        f"decompresses to more than {limit} bytes",
                        file=path,
                        hint=f"decompress it first, or raise the limit with "
                        f"{MAX_DECOMPRESSED_ENV}=BYTES",
                    )
                out.write(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"corrupt or truncated gzip data: {_short(exc)}", file=path) from None
    out.seek(0)
    return out


def _open_bytes(path: str, gz: bool, stdin: IO[bytes] | None) -> IO[bytes]:
    if path == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        data = raw.read()
        if data[:2] == b"\x1f\x8b":
            return _gunzip(io.BytesIO(data), path)
        return io.BytesIO(data)
    if gz:
        with open(path, "rb") as fh:
            return _gunzip(fh, path)
    return open(path, "rb")


def _read_one(
    path: str, *, header: bool, input_format: str | None, stdin: IO[bytes] | None
) -> Table:
    fmt, gz = detect_format(path, input_format)
    _check_path(path)
    try:
        with _open_bytes(path, gz, stdin) as fh:
            if fmt in ("csv", "tsv"):
                table = _read_delimited(fh, path, "\t" if fmt == "tsv" else ",", header)
            elif fmt == "jsonl":
                table = _read_jsonl(fh, path)
            elif fmt == "parquet":
                table = _read_parquet(fh, path)
            elif fmt == "npy":
                table = _read_npy(fh, path)
            elif fmt == "npz":
                table = _read_npz(fh, path)
            else:  # pragma: no cover - detect_format only returns known formats
                raise InputError(f"unknown format {fmt!r}", file=path)
    except (InputError, UsageError):
        raise
    except Exception as exc:
        raise _as_input_error(exc, path) from None
    if not table.names:
        raise InputError("the file has no columns", file=path)
    if table.n_rows == 0:
        raise InputError("no samples (the file has no data rows)", file=path)
    return table


def _frame_to_table(df: Any, path: str, has_header: bool) -> Table:
    names = [str(c) for c in df.columns]
    _check_unique(names, path)
    data = {}
    for name, col in zip(names, df.columns):
        series = df[col]
        if series.dtype.kind in "biuf":
            data[name] = series.to_numpy(dtype=np.float64)
        else:
            data[name] = series.to_numpy(dtype=object)
    return Table(path, names, data, has_header)


def _check_unique(names: list[str], path: str) -> None:
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(
            f"duplicate column names: {', '.join(repr(d) for d in dup)}",
            file=path,
            hint="rename the columns, or pass --no-header and choose columns by index",
        )


SMALL_TEXT = 1 << 20  # below 1 MiB, parse with the csv module: no pandas import
_NA = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-nan"})
# What every CSV path (csv module, pandas, pyarrow) reads as a number: ASCII decimal
# notation, no digit-group underscores (Python's float() alone would take "1_000" and "٣").
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)", re.I)


def _read_delimited(fh: IO[bytes], path: str, sep: str, header: bool) -> Table:
    raw = fh.read()
    if not raw.strip():
        raise InputError("the file is empty", file=path)
    if len(raw) < SMALL_TEXT:
        return _read_delimited_small(raw, path, sep, header)
    return _read_delimited_pandas(raw, path, sep, header)


def _to_float(cell: str) -> float:
    text = cell.strip()
    if text.lower() in _NA:
        return float("nan")
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


def to_float_column(col: np.ndarray) -> np.ndarray | None:
    """A column of text cells as float64 when every cell is a number (or a missing value),
    else None.  Numbers read as text happen when a stream is cut in chunks: the column
    was text because of a cell in another chunk."""
    out = np.empty(col.shape[0], dtype=np.float64)
    for i, v in enumerate(col):
        if isinstance(v, str):
            try:
                out[i] = _to_float(v)
            except ValueError:
                return None
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
        elif v is None:
            out[i] = math.nan
        else:
            return None
    return out


def _decode(raw: bytes, path: str) -> str:
    if b"\x00" in raw[:4096] or sniff(raw[:4096]) in ("parquet", "npy", "npz", "gzip", "pickle"):
        raise _wrong_content(path, "csv", raw[:4096])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if sniff(raw[:4096]) == "binary":
            raise _wrong_content(path, "csv", raw[:4096]) from None
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line}",
            file=path,
            hint="save the file as UTF-8",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"a NUL byte on line {line}: not a text file?", file=path)
    return text


def _read_delimited_small(raw: bytes, path: str, sep: str, header: bool) -> Table:
    """The start-up fast path for small files (the shell one-liner case)."""
    import csv

    text = _decode(raw, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []  # the line each row starts on, for messages
    while True:
        start = reader.line_num + 1
        try:
            r = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(
                    f"a quote opened on line {start} is never closed",
                    file=path,
                    hint='quote characters (") inside a cell must be doubled',
                ) from None
            raise InputError(f"cannot parse line {reader.line_num}: {exc}", file=path) from None
        if r:
            rows.append(r)
            lines.append(start)
    if not rows:
        raise InputError("the file is empty", file=path)
    if header:
        names = [c.strip() for c in rows[0]]
        body, body_lines = rows[1:], lines[1:]
    else:
        names = [str(i) for i in range(len(rows[0]))]
        body, body_lines = rows, lines
    width = len(names)
    for i, r in enumerate(body):
        if len(r) != width:
            raise InputError(
                f"has {len(r)} fields, expected {width} (line {body_lines[i]})",
                file=path,
                row=i + 1,
                hint=_ragged_hint(sep, len(r), width),
            )
    _check_unique(names, path)
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        cells = [r[j] for r in body]
        try:
            data[name] = np.array([_to_float(c) for c in cells], dtype=np.float64)
        except ValueError:
            data[name] = np.array([c.strip() for c in cells], dtype=object)
    return Table(path, names, data, header)


def _ragged_hint(sep: str, got: int, width: int) -> str:
    name = "tab" if sep == "\t" else "comma"
    if got > width:
        return f"every row needs {width} fields, as the header; quote cells that hold a {name}"
    return f"every row needs {width} fields, as the header; an empty cell marks a missing value"


def _read_delimited_pandas(raw: bytes, path: str, sep: str, header: bool) -> Table:
    import pandas as pd

    if b"\x00" in raw[:4096] or sniff(raw[:4096]) in ("parquet", "npy", "npz", "gzip", "pickle"):
        raise _wrong_content(path, "csv", raw[:4096])
    if header:
        # pandas renames duplicate names ("p", "p.1"); check the header line itself.
        import csv

        first = raw[: raw.find(b"\n") + 1 or len(raw)].decode("utf-8-sig", "replace")
        names = next(csv.reader([first.rstrip("\r\n")], delimiter=sep), [])
        _check_unique([n.strip() for n in names], path)
    try:
        df = pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            header=0 if header else None,
            encoding="utf-8-sig",
            skipinitialspace=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=path) from None
    except UnicodeDecodeError:
        raise _wrong_content(path, "csv", raw[:4096]) from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise InputError(f"cannot parse: {_short(exc)}", file=path) from None
    if not header:
        df.columns = [str(i) for i in range(df.shape[1])]
    return _frame_to_table(df, path, header)


def _read_jsonl(fh: IO[bytes], path: str) -> Table:
    import pandas as pd

    raw = fh.read()
    if not raw.strip():
        raise InputError("the file is empty", file=path)
    kind = sniff(raw[:4096])
    if kind not in ("jsonl", "text", "csv", "tsv"):
        raise _wrong_content(path, "jsonl", raw[:4096])
    try:
        df = pd.read_json(io.BytesIO(raw), lines=True, precise_float=True)
    except MemoryError:
        raise
    except Exception as exc:  # the JSON parser's refusal of these bytes, whatever its type
        hint = None
        if kind in ("csv", "tsv"):
            hint = f"it looks like {_NAMES[kind]}: rename it to {_EXT_OF[kind]}"
        raise InputError(
            f"cannot parse JSON Lines: {_short(exc)}",
            file=path,
            hint=hint or 'one JSON object per line, such as {"target": 1, "pred": 0.8}',
        ) from None
    if not isinstance(df, pd.DataFrame):  # pragma: no cover - lines=True gives frames
        raise InputError("not a table of JSON objects", file=path)
    return _frame_to_table(df, path, True)


def _read_parquet(fh: IO[bytes], path: str) -> Table:
    import pyarrow.parquet as pq

    head = fh.read(4)
    fh.seek(0)
    if head != b"PAR1":
        raise _wrong_content(path, "parquet", head + fh.read(4096)[4:])
    try:
        df = pq.read_table(fh).to_pandas()
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read Parquet: {_short(exc)}", file=path) from None
    return _frame_to_table(df, path, True)


def _array_columns(arr: np.ndarray, path: str) -> tuple[list[str], dict[str, np.ndarray]]:
    if arr.ndim == 1:
        return ["0"], {"0": arr}
    if arr.ndim == 2:
        names = [str(i) for i in range(arr.shape[1])]
        return names, {n: arr[:, i] for i, n in enumerate(names)}
    raise InputError(f"expected a 1-D or 2-D array, got shape {arr.shape}", file=path)


# --------------------------------------------------------------------- NumPy files
#
# .npy headers are parsed and checked before a byte of data is allocated: object
# dtypes (pickles) are refused without reading further, and a header claiming more
# data than the file holds is an error rather than a terabyte allocation.


def _npy_header(fh: IO[bytes], path: str, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) of the .npy stream at ``fh``; refuses pickles."""
    fmt = np.lib.format
    head = fh.read(6)
    if head != b"\x93NUMPY":
        raise _wrong_content(_member(path, name), "npy", head + fh.read(64))
    try:
        version = tuple(fh.read(2))
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):  # 3.0 differs only by utf-8 field names (refused)
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except MemoryError:
        raise
    except Exception as exc:  # numpy parses the header with ast: many exception types
        raise InputError(
            f"not a valid NumPy file: bad header ({_short(exc)})", file=_member(path, name)
        ) from None
    if dtype.hasobject:
        raise InputError(
            f"{'array ' + repr(name) + ' ' if name else ''}holds Python objects "
            "(pickled data); pickles are never loaded",
            file=path,
            hint="save the arrays with a float or int dtype",
        )
    if dtype.kind not in "biufUS" or dtype.names is not None or dtype.subdtype is not None:
        raise InputError(
            f"{'array ' + repr(name) + ' has' if name else 'the array has'} unsupported dtype "
            f"{dtype} (numbers or strings expected)",
            file=path,
        )
    if len(shape) not in (1, 2):
        raise InputError(
            f"{'array ' + repr(name) + ' ' if name else ''}must be 1-D (one column) or 2-D "
            f"(rows x columns), got shape {shape}",
            file=path,
        )
    return shape, fortran, dtype


def _member(path: str, name: str) -> str:
    return f"{path} (array {name!r})" if name else path


def _npy_data(fh: IO[bytes], path: str, name: str, available: int | None) -> np.ndarray:
    """Read one .npy from a binary stream, its header checked before any allocation.

    ``available``: how many bytes the stream holds from here (None if unknown, for a
    stream whose size is only known by reading it)."""
    shape, fortran, dtype = _npy_header(fh, path, name)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if available is not None:
        available -= fh.tell() if hasattr(fh, "tell") else 0
    if available is not None and nbytes > available:
        raise InputError(
            f"truncated: the header says shape {shape} ({nbytes} bytes) but only "
            f"{max(available, 0)} bytes follow",
            file=_member(path, name),
        )
    if nbytes > max_decompressed() and available is None:
        raise InputError(
            f"the header says {nbytes} bytes of data, more than the limit",
            file=_member(path, name),
            hint=f"raise it with {MAX_DECOMPRESSED_ENV}=BYTES",
        )
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise InputError(
                f"truncated: the header says shape {shape} ({nbytes} bytes) but the data "
                f"ends after {got} bytes",
                file=_member(path, name),
            )
        got += n
    arr = np.frombuffer(buf, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C")


def _stream_size(fh: IO[bytes]) -> int | None:
    """The total size of a seekable stream (a file or a BytesIO), or None."""
    if isinstance(fh, io.BytesIO):
        return fh.getbuffer().nbytes
    try:
        return os.fstat(fh.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _numeric(arr: np.ndarray, path: str, name: str) -> np.ndarray:
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    raise InputError(f"array {name!r} has unsupported dtype {arr.dtype}", file=path)


def _read_npy(fh: IO[bytes], path: str) -> Table:
    arr = _npy_data(fh, path, "", _stream_size(fh))
    names, data = _array_columns(_numeric(arr, path, "array"), path)
    return Table(path, names, data, has_header=False)


def _stream_npy(path: str, rows: int) -> Iterator[Table]:
    with open(path, "rb") as fh:
        shape, fortran, dtype = _npy_header(fh, path, "")
        offset = fh.tell()
    size = os.path.getsize(path)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > size - offset:
        raise InputError(
            f"truncated: the header says shape {shape} ({nbytes} bytes) but only "
            f"{size - offset} bytes follow",
            file=path,
        )
    if dtype.kind not in "biuf":
        raise InputError(f"array has unsupported dtype {dtype} (numbers expected)", file=path)
    if nbytes == 0:
        return
    arr = np.memmap(
        path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
    )
    row_bytes = nbytes // shape[0] if shape and shape[0] else 0
    for start in range(0, arr.shape[0], rows):
        block = np.asarray(arr[start : start + rows], dtype=np.float64)
        names, data = _array_columns(block, path)
        yield Table(path, names, data, has_header=False)
        if not fortran:  # done with these rows: let the kernel drop their pages (flat RSS)
            _drop_pages(arr, offset + start * row_bytes, offset + (start + rows) * row_bytes)


def _drop_pages(arr: np.memmap, begin: int, end: int) -> None:
    """Tell the kernel a read-only map's pages in [begin, end) of the file are not needed
    again; they are re-read from the file if they are (nothing changes for correctness)."""
    import mmap

    mm = getattr(arr, "_mmap", None)
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if mm is None or advice is None:
        return
    # np.memmap maps from a page-aligned start at or before the array's offset
    base = getattr(arr, "offset", 0) - (getattr(arr, "offset", 0) % mmap.ALLOCATIONGRANULARITY)
    lo = begin - base
    hi = min(end - base, len(mm))
    lo -= lo % mmap.PAGESIZE
    hi -= hi % mmap.PAGESIZE
    if hi > lo:
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(advice, lo, hi - lo)


def _read_npz(fh: IO[bytes], path: str) -> Table:
    head = fh.read(4)
    fh.seek(0)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise _wrong_content(path, "npz", head + fh.read(4096)[4:])
    data: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(fh) as zf:
            members = [i for i in zf.infolist() if not i.filename.endswith("/")]
            packed = sum(i.file_size for i in members if i.compress_type != zipfile.ZIP_STORED)
            if packed > max_decompressed():
                raise InputError(
                    f"its compressed arrays expand to {packed} bytes, more than the limit",
                    file=path,
                    hint=f"raise it with {MAX_DECOMPRESSED_ENV}=BYTES",
                )
            for info in members:
                name = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy"):
                    raise InputError(f"member {info.filename!r} is not a .npy array", file=path)
                with zf.open(info) as member:
                    arr = _npy_data(member, path, name, info.file_size)  # type: ignore[arg-type]
                if arr.shape[0] == 0 or (arr.ndim == 2 and arr.shape[1] == 0):
                    raise InputError(f"array {name!r} is empty (shape {arr.shape})", file=path)
                data[name] = _numeric(arr, path, name)
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # zipfile parsing untrusted bytes: BadZipFile, zlib.error,
        # EOFError, struct.error, IndexError, UnicodeDecodeError (member names), ...
        raise InputError(f"not a valid .npz archive: {_short(exc)}", file=path) from None
    if not data:
        raise InputError("the .npz archive holds no arrays", file=path)
    lengths = {a.shape[0] for a in data.values()}
    return Table(path, list(data), data, has_header=True, is_npz=True, meta={"lengths": lengths})


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
