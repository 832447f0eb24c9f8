"""The JSON text of a report: objects indented, a list of plain values on one line.

``json.dumps(..., indent=2)`` puts every number of a list on its own line: a 5,000-class
confusion matrix became 25 million lines (275 MB, a minute to write). Here objects and lists
of containers are indented as ``json.dumps`` indents them, and a list whose items are plain
values (numbers, strings, ``null``) is written on one line (by orjson: fast), so a confusion
matrix has one line a row. The text parses to the same value; ``allow_nan=False`` holds
throughout (a NaN reaching here is a bug: reports write non-finite numbers as strings).
"""

from __future__ import annotations

import math
from typing import Any

# json, orjson and numpy are imported when a report is written as JSON: not on the
# one-liner's path (-f value), which imports this module with the renderers

_CONTAINERS = (dict, list, tuple)


def _scalar(value: Any) -> str:
    import json

    return json.dumps(value, allow_nan=False)


def _flat(items: list[Any] | tuple[Any, ...]) -> str:
    """A list of plain values on one line, by orjson (a 5,000-item row in microseconds)."""
    import orjson

    try:
        text = orjson.dumps(items, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:  # what orjson does not know, json may (a float subclass, say)
        return _scalar(items)
    if b"null" in text and _non_finite(items):
        # orjson writes NaN and infinity as null: refuse them, as allow_nan=False does
        raise ValueError("Out of range float values are not JSON compliant")
    return text.decode()


def _non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value`` (looked for only when orjson
    wrote a null, which a None writes too)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_non_finite(v) for v in value)
    import numpy as np

    return isinstance(value, np.floating) and not np.isfinite(value)


def dumps(obj: Any, *, indent: int = 2) -> str:
    """``obj`` as JSON text: ``json.dumps(obj, indent=indent)`` with flat lists on one line."""
    out: list[str] = []
    _write(obj, 0, " " * indent, out)
    return "".join(out)


def _key(k: Any) -> str:
    """A key as ``json.dumps`` writes it (``True`` -> ``"true"``, ``1.5`` -> ``"1.5"``)."""
    if isinstance(k, str):
        return _scalar(k)
    if k is None or isinstance(k, (bool, int, float)):
        return _scalar(_scalar(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _write(obj: Any, level: int, step: str, out: list[str]) -> None:
    if isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        pad = "\n" + step * (level + 1)
        sep = "{"
        for k, v in obj.items():
            out.append(f"{sep}{pad}{_key(k)}: ")
            _write(v, level + 1, step, out)
            sep = ","
        out.append("\n" + step * level + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj or not isinstance(obj[0], _CONTAINERS):
            # plain values (the first item tells; a container later on is still valid JSON)
            out.append(_flat(obj))
            return
        pad = "\n" + step * (level + 1)
        sep = "["
        for v in obj:
            out.append(sep + pad)
            _write(v, level + 1, step, out)
            sep = ","
        out.append("\n" + step * level + "]")
    else:
        out.append(_scalar(obj))
