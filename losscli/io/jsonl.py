"""JSON Lines: one JSON object a line, read into a table by pandas: whole, or in blocks
of whole lines from a stream."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO

import numpy as np

from losscli.errors import InputError
from losscli.io.formats import EXT_OF, NAMES, sniff, wrong_content
from losscli.io.table import Table, TextCols, frame_to_table, short, text_names


def read_jsonl(fh: IO[bytes], path: str, text_cols: TextCols = None) -> Table:
    """A whole JSON Lines file; ``text_cols`` (ids) as written: strings as they are,
    numbers as their literal text (``007`` is not ``7``; big integers exact)."""
    import pandas as pd

    raw = fh.read()
    if not raw.strip():
        raise InputError("the file is empty", file=path)
    kind = sniff(raw[:4096])
    if kind not in ("jsonl", "text", "csv", "tsv"):
        raise wrong_content(path, "jsonl", raw[:4096])
    try:
        df = pd.read_json(io.BytesIO(raw), lines=True, precise_float=True)
    except MemoryError:
        raise
    except Exception as exc:  # the JSON parser's refusal of these bytes, whatever its type
        hint = None
        if kind in ("csv", "tsv"):
            hint = f"it looks like {NAMES[kind]}: rename it to {EXT_OF[kind]}"
        raise InputError(
            f"cannot parse JSON Lines: {short(exc)}",
            file=path,
            hint=hint or 'one JSON object per line, such as {"target": 1, "pred": 0.8}',
        ) from None
    if not isinstance(df, pd.DataFrame):  # pragma: no cover - lines=True gives frames
        raise InputError("not a table of JSON objects", file=path)
    table = frame_to_table(df, path, True, text_cols)
    exact = text_names(text_cols, table.names)
    if exact:
        literal = _literal_columns(raw, exact, table.n_rows)
        if literal is not None:
            table.data.update(literal)
    return table


def _literal_columns(raw: bytes, names: set[str], n_rows: int) -> dict[str, np.ndarray] | None:
    """The cells of ``names`` with every number as the text it is written with (None
    when the lines do not parse one object a row, as pandas read them)."""
    import json

    cols: dict[str, list[object]] = {n: [] for n in names}
    try:
        for line in raw.decode("utf-8-sig").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
            if not isinstance(obj, dict):
                return None
            for n, cells in cols.items():
                cells.append(obj.get(n))
    except ValueError:  # pandas read what json does not: keep pandas' reading
        return None
    if any(len(c) != n_rows for c in cols.values()):
        return None
    out = {}
    for n, cells in cols.items():
        arr = np.empty(n_rows, dtype=object)
        arr[:] = cells
        out[n] = arr
    return out


JSONL_BLOCK = 4 << 20  # bytes of whole lines parsed at a time by :func:`stream_jsonl`


def stream_jsonl(fh: IO[bytes], path: str, text_cols: TextCols = None) -> Iterator[Table]:
    """JSON Lines from a stream, in tables of about :data:`JSONL_BLOCK` bytes of whole
    lines (standard input, large or compressed files): memory holds one block whatever
    the size.  An input that fits in one block is read whole, as :func:`read_jsonl`.
    The columns are the first block's: a key missing from a later block is a missing
    value (as in one read), a key first seen in a later block an input error."""
    from losscli.io.csvfast import _LineBlocks

    first = fh.read(JSONL_BLOCK)
    more = fh.read(1) if len(first) == JSONL_BLOCK else b""
    if not more:
        yield read_jsonl(io.BytesIO(first), path, text_cols)
        return
    names: list[str] | None = None
    line = 1
    for block in _LineBlocks(fh, first + more, JSONL_BLOCK, path):
        if not block.strip():
            continue
        table = read_jsonl(io.BytesIO(block), path, text_cols)
        if names is None:
            names = table.names
        elif table.names != names:
            new = [n for n in table.names if n not in names]
            if new:
                raise InputError(
                    f"key {new[0]!r} first appears after line {line}, past the first block "
                    "of a streamed input",
                    file=path,
                    hint="give every object the same keys (null for a missing value)",
                )
            missing = np.full(table.n_rows, np.nan)
            data = {n: table.data.get(n, missing) for n in names}
            table = Table(path, list(names), data, True)
        line += block.count(b"\n")
        yield table
