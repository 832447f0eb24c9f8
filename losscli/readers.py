"""Read: files of targets and predictions into :class:`Table` objects.

Formats by extension (``.csv``, ``.tsv``, ``.npy``, ``.npz``, ``.parquet``,
``.jsonl``/``.ndjson``, each optionally ``.gz``), ``-`` for standard input
(read only when asked), globs and directories of shards (one dataset, in sorted
name order).  ``.npy``/``.npz`` are always loaded with pickles refused.
pandas and pyarrow are imported only on the paths that need them.
"""

from __future__ import annotations

import glob as _glob
import gzip
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, UsageError

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

    def column(self, spec: str) -> str:
        """Resolve a column name or 0-based index to a name."""
        if spec in self.data:
            return spec
        for name in self.names:
            if name.strip().lower() == spec.strip().lower():
                return name
        if spec.strip().lstrip("-").isdigit():
            i = int(spec)
            if 0 <= i < len(self.names):
                return self.names[i]
            raise UsageError(
                f"column index {i} is out of range: the file has {len(self.names)} columns "
                f"(0 to {len(self.names) - 1})",
                file=self.source,
            )
        raise UsageError(
            f"no column named {spec!r}; columns are: {', '.join(self.names[:20])}"
            + (" ..." if len(self.names) > 20 else ""),
            file=self.source,
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
        found = sorted(
            os.path.join(spec, f)
            for f in os.listdir(spec)
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


DEFAULT_CHUNK_ROWS = 1_000_000
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
    size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else 0
    if fmt in ("csv", "tsv") and (size >= SMALL_TEXT or (gz and size >= SMALL_TEXT // 8)):
        yield from _guard(path, _stream_delimited(path, gz, "\t" if fmt == "tsv" else ",", header))
    elif fmt == "npy" and not gz and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, _stream_npy(path, rows))
    elif fmt == "parquet" and path != "-" and size >= SMALL_TEXT:
        yield from _guard(path, _stream_parquet(path, rows))
    else:
        yield _read_one(path, header=header, input_format=input_format, stdin=stdin)


def _guard(path: str, gen: Iterator[Table]) -> Iterator[Table]:
    """Turn the readers' own exceptions into input errors naming the file."""
    if not os.path.exists(path):
        raise InputError("no such file", file=path)
    try:
        yield from gen
    except InputError:
        raise
    except PermissionError:
        raise InputError("permission denied", file=path) from None
    except (OSError, EOFError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        raise InputError(f"cannot read: {_short(exc)}", file=path) from None


def _arrow_to_table(batch: Any, path: str, header: bool) -> Table:
    import pyarrow.types as pat

    names = [str(n) for n in batch.schema.names]
    if not header:
        names = [str(i) for i in range(len(names))]
    data: dict[str, np.ndarray] = {}
    for name, col, field_ in zip(names, batch.columns, batch.schema):
        t = field_.type
        if pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t) or pat.is_null(t):
            data[name] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            data[name] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)
    return Table(path, names, data, header)


def _stream_delimited(path: str, gz: bool, sep: str, header: bool) -> Iterator[Table]:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.types as pat

    read_opts = pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES, autogenerate_column_names=not header)
    parse_opts = pcsv.ParseOptions(delimiter=sep)
    with _open_bytes(path, gz, None) as fh:
        # Infer the types from the first block, then read every numeric column as float64 so
        # a later block cannot change a column's type (an int column meeting "1.5").
        schema = pcsv.open_csv(fh, read_options=read_opts, parse_options=parse_opts).schema
        names = list(schema.names)
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise InputError(f"duplicate column names: {', '.join(dup)}", file=path)
        types = {
            f.name: pa.float64()
            if (
                pat.is_integer(f.type)
                or pat.is_floating(f.type)
                or pat.is_boolean(f.type)
                or pat.is_null(f.type)
            )
            else pa.string()
            for f in schema
        }
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
            except pa.ArrowInvalid as exc:
                raise InputError(f"cannot parse: {_short(exc)}", file=path) from None
            if batch.num_rows:
                yield _arrow_to_table(batch, path, header)


def _stream_npy(path: str, rows: int) -> Iterator[Table]:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise InputError(
                "holds Python objects (pickled data); pickles are never loaded", file=path
            ) from None
        raise InputError(f"not a valid NumPy file: {_short(exc)}", file=path) from None
    if arr.dtype.kind not in "biuf":
        raise InputError(f"array has unsupported dtype {arr.dtype}", file=path)
    if arr.ndim not in (1, 2):
        raise InputError(f"expected a 1-D or 2-D array, got shape {arr.shape}", file=path)
    for start in range(0, arr.shape[0], rows):
        block = np.asarray(arr[start : start + rows], dtype=np.float64)
        names, data = _array_columns(block, path)
        yield Table(path, names, data, has_header=False)


def _stream_parquet(path: str, rows: int) -> Iterator[Table]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
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


def _open_bytes(path: str, gz: bool, stdin: IO[bytes] | None) -> IO[bytes]:
    if path == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        data = raw.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return io.BytesIO(data)
    if gz:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _read_one(
    path: str, *, header: bool, input_format: str | None, stdin: IO[bytes] | None
) -> Table:
    fmt, gz = detect_format(path, input_format)
    if path != "-":
        if not os.path.exists(path):
            raise InputError("no such file", file=path)
        if os.path.isdir(path):
            raise InputError("is a directory, expected a file", file=path)
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
    except InputError:
        raise
    except PermissionError:
        raise InputError("permission denied", file=path) from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read: {exc}", file=path) from None
    if table.n_rows == 0:
        raise InputError("no samples (the file has no data rows)", file=path)
    return table


def _frame_to_table(df: Any, path: str, has_header: bool) -> Table:
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"duplicate column names: {', '.join(dup)}", file=path)
    data = {}
    for name, col in zip(names, df.columns):
        series = df[col]
        if series.dtype.kind in "biuf":
            data[name] = series.to_numpy(dtype=np.float64)
        elif series.dtype.kind == "b":
            data[name] = series.to_numpy(dtype=np.float64)
        else:
            data[name] = series.to_numpy(dtype=object)
    return Table(path, names, data, has_header)


SMALL_TEXT = 1 << 20  # below 1 MiB, parse with the csv module: no pandas import
_NA = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-nan"})


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
    return float(text)


def _read_delimited_small(raw: bytes, path: str, sep: str, header: bool) -> Table:
    """The start-up fast path for small files (the shell one-liner case)."""
    import csv

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (binary data?)", file=path) from None
    if "\x00" in text:
        raise InputError("not text (binary data?)", file=path)
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if r]
    except csv.Error as exc:
        raise InputError(f"cannot parse: {exc}", file=path) from None
    if header:
        names = [c.strip() for c in rows[0]]
        body = rows[1:]
    else:
        names = [str(i) for i in range(len(rows[0]))]
        body = rows
    width = len(names)
    for i, r in enumerate(body):
        if len(r) != width:
            raise InputError(f"has {len(r)} fields, expected {width}", file=path, row=i + 1)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"duplicate column names: {', '.join(dup)}", file=path)
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        cells = [r[j] for r in body]
        try:
            data[name] = np.array([_to_float(c) for c in cells], dtype=np.float64)
        except ValueError:
            data[name] = np.array([c.strip() for c in cells], dtype=object)
    return Table(path, names, data, header)


def _read_delimited_pandas(raw: bytes, path: str, sep: str, header: bool) -> Table:
    import pandas as pd

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
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot parse: {_short(exc)}", file=path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (binary data?)", file=path) from None
    if not header:
        df.columns = [str(i) for i in range(df.shape[1])]
    return _frame_to_table(df, path, header)


def _read_jsonl(fh: IO[bytes], path: str) -> Table:
    import pandas as pd

    try:
        df = pd.read_json(fh, lines=True, precise_float=True)
    except ValueError as exc:
        raise InputError(f"cannot parse JSON Lines: {_short(exc)}", file=path) from None
    return _frame_to_table(df, path, True)


def _read_parquet(fh: IO[bytes], path: str) -> Table:
    import pyarrow.parquet as pq

    try:
        df = pq.read_table(fh).to_pandas()
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


def _load_npy(fh: IO[bytes], path: str) -> Any:
    try:
        return np.load(fh, allow_pickle=False)
    except ValueError as exc:
        msg = str(exc)
        if "pickle" in msg.lower():
            raise InputError(
                "holds Python objects (pickled data); pickles are never loaded", file=path
            ) from None
        raise InputError(f"not a valid NumPy file: {_short(exc)}", file=path) from None


def _numeric(arr: np.ndarray, path: str, name: str) -> np.ndarray:
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    raise InputError(f"array {name!r} has unsupported dtype {arr.dtype}", file=path)


def _read_npy(fh: IO[bytes], path: str) -> Table:
    arr = _load_npy(fh, path)
    if not isinstance(arr, np.ndarray):
        raise InputError("expected a .npy array", file=path)
    names, data = _array_columns(_numeric(arr, path, "array"), path)
    return Table(path, names, data, has_header=False)


def _read_npz(fh: IO[bytes], path: str) -> Table:
    z = _load_npy(fh, path)
    if not hasattr(z, "files"):
        raise InputError("expected a .npz archive", file=path)
    data: dict[str, np.ndarray] = {}
    try:
        for name in z.files:
            arr = z[name]
            if arr.ndim not in (1, 2):
                raise InputError(
                    f"array {name!r} must be 1-D or 2-D, got shape {arr.shape}", file=path
                )
            data[name] = _numeric(arr, path, name)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InputError(
                "holds Python objects (pickled data); pickles are never loaded", file=path
            ) from None
        raise InputError(f"not a valid .npz archive: {_short(exc)}", file=path) from None
    if not data:
        raise InputError("the .npz archive holds no arrays", file=path)
    lengths = {a.shape[0] for a in data.values()}
    return Table(path, list(data), data, has_header=True, is_npz=True, meta={"lengths": lengths})


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300]
