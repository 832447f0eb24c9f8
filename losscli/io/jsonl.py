"""JSON Lines: one JSON object a line, read whole into a table by pandas."""

from __future__ import annotations

import io
from typing import IO

from losscli.errors import InputError
from losscli.io.formats import EXT_OF, NAMES, sniff, wrong_content
from losscli.io.table import Table, frame_to_table, short


def read_jsonl(fh: IO[bytes], path: str) -> Table:
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
    return frame_to_table(df, path, True)
