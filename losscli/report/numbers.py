"""Numbers as reports write them."""

from __future__ import annotations

import math


def json_num(v: float | None) -> float | str | None:
    """JSON has no NaN/inf: they are written as strings."""
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v
