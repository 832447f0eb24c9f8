"""Delimited text (CSV/TSV): small files read whole with the csv module (no pandas
import), larger ones with pandas, large files streamed by pyarrow in blocks, and the
first bad row of a streamed file found again for the error message.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, show
from losscli.io.dialect import DEFAULT, Dialect, check_one_column, check_text_head
from losscli.io.formats import NAMES, sniff, wrong_content
from losscli.io.table import (
    Table,
    TextCols,
    arrow_to_table,
    check_unique,
    frame_to_table,
    short,
    text_names,
    to_float,
    to_float_cells,
)

SMALL_TEXT = 1 << 20  # below 1 MiB, parse with the csv module: no pandas import
CSV_BLOCK_BYTES = 16 << 20  # unused since .csv.gz streams through csvfast (kept for tests)


def read_delimited(
    fh: IO[bytes],
    path: str,
    fmt: str,
    header: bool,
    dialect: Dialect = DEFAULT,
    text_cols: TextCols = None,
) -> Table:
    """A whole CSV/TSV file; ``dialect`` decides its separator and decimal mark;
    ``text_cols`` (ids) are kept as the text written in the file."""
    sep = dialect.sep(fmt)
    raw = fh.read()
    if not raw.strip():
        raise InputError("the file is empty", file=path)
    if len(raw) < SMALL_TEXT:
        return _read_delimited_small(raw, path, sep, header, dialect, text_cols)
    return _read_delimited_pandas(raw, path, sep, header, dialect, text_cols)


def _decode(raw: bytes, path: str) -> str:
    if b"\x00" in raw[:4096] or sniff(raw[:4096]) in ("parquet", "npy", "npz", "gzip", "pickle"):
        raise wrong_content(path, "csv", raw[:4096])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if sniff(raw[:4096]) == "binary":
            raise wrong_content(path, "csv", raw[:4096]) from None
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


def _read_delimited_small(
    raw: bytes, path: str, sep: str, header: bool, dialect: Dialect, text_cols: TextCols = None
) -> Table:
    """The start-up fast path for small files (the shell one-liner case)."""
    import csv

    text = _decode(raw, path)
    columns = _unquoted_columns(text, sep, header) if '"' not in text else None
    if columns is not None:  # the usual file: no quotes, no blank or ragged lines
        names, cols = columns
        if dialect.delimiter is None:
            head = [sep.join(c[i] for c in cols) for i in range(min(20, len(cols[0])))]
            check_one_column(names if header else [c[0] for c in cols], head, path, sep)
        check_unique(names, path)
        return _table(path, names, cols, header, dialect, text_cols)
    rows: list[list[str]] = []
    lines: list[int] = []  # the line each row starts on, for messages
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
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
    if dialect.delimiter is None:
        check_one_column(rows[0], [sep.join(r) for r in rows[1:21]], path, sep)
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
    check_unique(names, path)
    return _table(
        path, names, [[r[j] for r in body] for j in range(width)], header, dialect, text_cols
    )


def _unquoted_columns(
    text: str, sep: str, header: bool
) -> tuple[list[str], list[list[str]]] | None:
    """(names, columns) of a text without quotes whose lines all hold the same number of
    fields and no blank line in between, cut at C speed; None for anything else (the csv
    module then reads it, with its messages).

    The body is split once with each line end as a field of its own: the line ends must
    then fall exactly every ``width + 1`` fields, which holds only when every line has
    ``width`` fields (lines whose extra and missing fields even out included)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None  # old Mac line ends: the csv module reads them
    text = text.rstrip("\n")
    if not text or "\n\n" in text:
        return None
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).split(sep)
    width = len(first)
    body = text if not header else ("" if end < 0 else text[end + 1 :])
    if body:
        n = body.count("\n") + 1
        flat = body.replace("\n", f"{sep}\n{sep}").split(sep)
        if len(flat) != (width + 1) * n - 1 or flat[width :: width + 1].count("\n") != n - 1:
            return None  # a ragged line: found and named by the slow path
        columns = [flat[j :: width + 1] for j in range(width)]
    else:
        columns = [[] for _ in range(width)]
    names = [c.strip() for c in first] if header else [str(i) for i in range(width)]
    return names, columns


def _table(
    path: str,
    names: list[str],
    columns: list[list[str]],
    header: bool,
    dialect: Dialect,
    text_cols: TextCols,
) -> Table:
    exact = text_names(text_cols, names)
    data: dict[str, np.ndarray] = {}
    for name, cells in zip(names, columns):
        if name in exact:  # an id: the text as written
            data[name] = np.array(cells, dtype=object)
            continue
        try:
            data[name] = to_float_cells(cells, dialect.decimal)
        except ValueError:
            data[name] = np.array([c.strip() for c in cells], dtype=object)
    return Table(path, names, data, header)


def _ragged_hint(sep: str, got: int, width: int) -> str:
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(sep, repr(sep))
    if got > width:
        return f"every row needs {width} fields, as the header; quote cells that hold a {name}"
    return f"every row needs {width} fields, as the header; an empty cell marks a missing value"


def _read_delimited_pandas(
    raw: bytes, path: str, sep: str, header: bool, dialect: Dialect, text_cols: TextCols = None
) -> Table:
    import pandas as pd

    if b"\x00" in raw[:4096] or sniff(raw[:4096]) in ("parquet", "npy", "npz", "gzip", "pickle"):
        raise wrong_content(path, "csv", raw[:4096])
    if dialect.delimiter is None:
        check_text_head(raw[:65536].decode("utf-8-sig", "replace"), path, sep)
    if header:
        # pandas renames duplicate names ("p", "p.1"); check the header line itself.
        import csv

        first = raw[: raw.find(b"\n") + 1 or len(raw)].decode("utf-8-sig", "replace")
        names = next(csv.reader([first.rstrip("\r\n")], delimiter=sep), [])
        check_unique([n.strip() for n in names], path)
    options: dict[str, Any] = dict(
        sep=sep,
        decimal=dialect.decimal,
        header=0 if header else None,
        encoding="utf-8-sig",
        skipinitialspace=True,
        engine="c",
    )
    try:
        if text_cols:
            # ids as written: their columns read as strings with no missing-value markers
            # (an empty cell stays "", a missing id); the others as before
            cols = [str(c) for c in pd.read_csv(io.BytesIO(raw), nrows=0, **options).columns]
            shown = cols if header else [str(i) for i in range(len(cols))]
            exact = text_names(text_cols, shown)
            if exact:
                from pandas._libs.parsers import STR_NA_VALUES

                ids = [c for c, s in zip(cols, shown) if s in exact]
                others = [c for c, s in zip(cols, shown) if s not in exact]
                key = (lambda c: c) if header else cols.index
                options["dtype"] = {key(c): str for c in ids}
                options["keep_default_na"] = False
                options["na_values"] = {key(c): sorted(STR_NA_VALUES) for c in others}
        df = pd.read_csv(io.BytesIO(raw), **options)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=path) from None
    except UnicodeDecodeError:
        raise wrong_content(path, "csv", raw[:4096]) from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise InputError(f"cannot parse: {short(exc)}", file=path) from None
    if not header:
        df.columns = [str(i) for i in range(df.shape[1])]
    return frame_to_table(df, path, header, text_cols)


def stream_delimited(
    path: str,
    gz: bool,
    fmt: str,
    header: bool,
    dialect: Dialect = DEFAULT,
    text_cols: TextCols = None,
) -> Iterator[Table]:
    """A large CSV/TSV file as a stream of tables (pyarrow)."""
    from losscli.io import csvfast

    with open(path, "rb") as raw:
        head = raw.read(4096)
    if gz:
        if head[:2] != b"\x1f\x8b":
            kind = NAMES.get(sniff(head), "something else")
            raise InputError(
                f"is not gzip-compressed: it looks like {kind}",
                file=path,
                hint="remove the .gz suffix from its name",
            )
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(4096)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"corrupt or truncated gzip data: {short(exc)}", file=path) from None
    sep = dialect.sep(fmt)
    decimal = dialect.decimal
    if b"\x00" in head or sniff(head) in ("parquet", "npy", "npz", "gzip", "pickle", "binary"):
        raise wrong_content(path, "tsv" if sep == "\t" else "csv", head)
    if dialect.delimiter is None:
        check_text_head(head.decode("utf-8-sig", "replace"), path, sep)
    # plain files: blocks cut at line ends and read in parallel (losscli.csvfast); gzip:
    # the same parser over blocks of whole lines read from the decompressed stream (the
    # memory of a few blocks, as for a plain file; a line longer than the cap is refused)
    first = True
    opened: Any = gzip.open(path, "rb") if gz else contextlib.nullcontext()
    with opened as fh:
        try:
            tables = (
                csvfast.stream_fileobj(
                    fh, sep=sep, header=header, decimal=decimal, text_cols=text_cols, source=path
                )
                if gz
                else csvfast.stream(
                    path, sep=sep, header=header, decimal=decimal, text_cols=text_cols
                )
            )
            for table in tables:
                if first and header:
                    check_unique([str(n) for n in table.column_names], path)
                first = False
                yield arrow_to_table(table, path, header, text_cols)
        except csvfast.BlockError as exc:
            raise _locate_bad_row(path, gz, sep, header, exc.cause, exc.types, decimal) from None
        except UnicodeDecodeError as exc:
            raise _locate_bad_row(path, gz, sep, header, exc, decimal=decimal) from None
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            if not gz:
                raise
            raise InputError(f"corrupt or truncated gzip data: {short(exc)}", file=path) from None


LOCATE_LIMIT = 256 << 20  # bytes scanned to number a bad row in a streamed file (error path)


def _locate_bad_row(
    path: str,
    gz: bool,
    sep: str,
    header: bool,
    exc: BaseException,
    types: dict[str, Any] | None = None,
    decimal: str = ".",
) -> InputError:
    """pyarrow's parse errors carry no row number: find the first bad row with the csv
    module (an error path only; gives up after :data:`LOCATE_LIMIT` bytes)."""
    import csv

    import pyarrow as pa

    numeric = [t == pa.float64() for t in types.values()] if types else None
    reason = short(exc)
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
                                to_float(cell, decimal)
                            except ValueError:
                                return InputError(
                                    f"non-numeric value {show(cell.strip())} in a column of "
                                    "numbers",
                                    file=path,
                                    row=row,
                                    column=names[j],
                                    hint="--decimal , reads decimal commas only"
                                    if decimal != "." and "." in cell
                                    else None,
                                )
                scanned += sum(len(c) for c in r) + len(r)
                if scanned > LOCATE_LIMIT:
                    break
    except UnicodeDecodeError as err:
        return InputError(
            f"not UTF-8 text ({short(err)})", file=path, hint="save the file as UTF-8"
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
        return InputError(f"cannot read: {short(err)}", file=path)
    return InputError(f"cannot parse: {reason}", file=path)
