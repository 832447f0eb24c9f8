"""JSON Lines: one JSON object a line, read whole into a table by pandas."""

from __future__ import annotations

import io
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
