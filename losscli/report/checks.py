"""``--check`` gates: ``NAME OP NUMBER`` parsed, validated and evaluated."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from losscli.errors import UsageError
from losscli.report.numbers import json_num
from losscli.scoring import registry


@dataclass
class Check:
    expr: str
    name: str
    op: str
    bound: float
    value: float | None = None
    passed: bool | None = None
    # ``groups.NAME OP N`` (with --group-by): every group must pass; ``value`` is then the
    # worst group's, and ``group`` names it
    every_group: bool = False
    group: Any = None

    @property
    def margin(self) -> float | None:
        """``value - bound``: how far the figure is from the bound (signed)."""
        return None if self.value is None else self.value - self.bound

    @property
    def message(self) -> str:
        """One line: which check, the value, the bound and by how much it passed or failed."""
        v = self.value
        if v is None:
            return f"{self.expr}: not evaluated"
        if math.isnan(v):
            return f"{self.expr} FAILED: {self.name} is undefined (NaN)"
        gap = abs(v - self.bound)
        if self.op == "==":
            where = "equals the bound" if gap == 0 else f"differs from the bound by {gap:.6g}"
        elif v == self.bound:
            where = "is at the bound"
        else:
            where = f"{gap:.6g} {'above' if v > self.bound else 'below'} the bound"
        status = "passed" if self.passed else "FAILED"
        worst = "" if not self.every_group else f" in the worst group ({self.group!r})"
        return f"{self.expr} {status}: {self.name} = {v:.10g}{worst}, {where} {self.bound:g}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.expr,
            "value": json_num(self.value),
            "bound": self.bound,
            "margin": json_num(self.margin),
            "passed": self.passed,
            "message": self.message,
            **({"worst_group": self.group} if self.every_group else {}),
        }


OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}


_CHECK_RE = re.compile(
    r"^\s*(groups\.)?([A-Za-z_][\w\-]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$", re.IGNORECASE
)


def parse_check(expr: str) -> Check:
    m = _CHECK_RE.match(expr)
    if not m:
        raise UsageError(
            f"invalid check {expr!r}: expected NAME OP NUMBER (or groups.NAME OP NUMBER) "
            "with OP one of < <= > >= =="
        )
    try:
        bound = float(m.group(4))
    except ValueError:
        raise UsageError(f"invalid check {expr!r}: {m.group(4)!r} is not a number") from None
    if not math.isfinite(bound):
        raise UsageError(f"invalid check {expr!r}: the bound must be a finite number")
    return Check(expr.strip(), m.group(2), m.group(3), bound, every_group=bool(m.group(1)))


def check_tolerances(tolerance: float, atol: float) -> None:
    for flag, v in (("--tolerance", tolerance), ("--atol", atol)):
        if v < 0 or not math.isfinite(v):
            raise UsageError(f"{flag} must be a finite number >= 0, got {v!r}")


def parse_checks(checks: Sequence[str], tolerance: float, atol: float) -> list[Check]:
    """``--check`` expressions with their names validated, and the tolerances checked."""
    check_tolerances(tolerance, atol)
    parsed = [parse_check(c) for c in checks]
    for c in parsed:
        _check_name_known(c.name)
    return parsed


def _check_name_known(name: str) -> None:
    try:
        registry.lookup(name)
    except UsageError as exc:
        raise UsageError(f"check names unknown loss or metric {name!r}", hint=exc.hint) from None
