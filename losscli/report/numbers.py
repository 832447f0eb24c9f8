"""Numbers as reports write them."""

from __future__ import annotations

import math
import numbers
import re

_NEGATIVE_ZERO = re.compile(r"-0(\.0*)?(e[+-]?\d+)?")


def json_num(v: float | None) -> float | str | None:
    """JSON has no NaN/inf: they are written as strings."""
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def count(v: float | int) -> str:
    """A count as a whole number with thousands separators: ``1,869,470``."""
    return f"{int(v):,}"


def cell(v: float | int) -> str:
    """A cell that may hold a count: whole numbers (an int, or a float such as a sum of
    integer weights) as :func:`count`, anything else to six significant digits."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return count(v)
    f = float(v)
    if math.isfinite(f) and f.is_integer() and abs(f) < 2.0**53:
        return count(f)
    return short(f)


def unsigned_zero(text: str) -> str:
    """``-0``, ``-0.000``, ``-0e+00`` as ``0``, ``0.000``, ``0e+00``: zero has no sign."""
    return text[1:] if _NEGATIVE_ZERO.fullmatch(text) else text


def short(v: float) -> str:
    """Six significant digits (``nan``, ``inf`` as Python writes them); never ``-0``."""
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return unsigned_zero(f"{v:.6g}")


def fixed(v: float, digits: int = 4) -> str:
    """``digits`` decimals, never ``-0.0000``."""
    return unsigned_zero(f"{v:.{digits}f}")
