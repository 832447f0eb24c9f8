"""Two JSON reports equal, their numbers to 1e-12 relative (the Dask tests' comparison:
sums merged in another order agree to rounding, not bit for bit)."""

from __future__ import annotations

import math
from typing import Any

REL = 1e-12


def assert_same_json(got: Any, want: Any, where: str = "") -> None:
    """The same keys in the same order, the same strings, numbers to ``REL``."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for k in want:
            assert_same_json(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_json(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        ok = isinstance(got, (int, float)) and (
            (math.isnan(got) and math.isnan(want))
            or math.isclose(got, want, rel_tol=REL, abs_tol=1e-15)
        )
        assert ok, (where, got, want)
    else:
        assert got == want, (where, got, want)
