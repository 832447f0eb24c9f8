"""Gates on a report: ``--check`` expressions evaluated, and the ``--baseline`` comparison."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from losscli.errors import InputError
from losscli.report.checks import _OPS, Check
from losscli.report.model import Report
from losscli.report.numbers import json_num as _json_num

PathLike = str | os.PathLike[str]


def apply_gates(
    report: Report,
    checks: Sequence[Check],
    baseline: PathLike | Mapping[str, Any] | None,
    tolerance: float,
    atol: float = 0.0,
) -> Report:
    """Evaluate ``--check`` expressions and the ``--baseline`` comparison on a report."""
    done = []
    for c in checks:
        c = Check(c.expr, c.name, c.op, c.bound)
        c.value = report.value(c.name)
        c.passed = bool(_OPS[c.op](c.value, c.bound))
        done.append(c)
    report.checks = done
    if baseline is not None:
        report.baseline = compare_baseline(report, baseline, tolerance, atol)
    return report


def load_baseline(path: PathLike) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError("no such baseline file", file=os.fspath(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a JSON report: {exc}", file=os.fspath(path)) from None
    if not isinstance(data, dict) or ("losses" not in data and "metrics" not in data):
        raise InputError("not a losscli JSON report (no losses or metrics)", file=os.fspath(path))
    return data


def compare_baseline(
    report: Report,
    baseline: PathLike | Mapping[str, Any],
    tolerance: float,
    atol: float = 0.0,
) -> list[dict[str, Any]]:
    """The change of every figure present in both reports; ``worse`` when it moved in the
    bad direction by more than ``atol + tolerance * |baseline|`` (as numpy's isclose)."""
    base = dict(baseline) if isinstance(baseline, Mapping) else load_baseline(baseline)
    rows = []
    figures: list[tuple[str, float, Any]] = []
    for name, v in report.losses.items():
        old = (base.get("losses") or {}).get(name)
        figures.append((name, v["mean"], old.get("mean") if isinstance(old, dict) else None))
    for name, value in report.metrics.items():
        figures.append((name, value, (base.get("metrics") or {}).get(name)))
    for name, new, old in figures:
        if not isinstance(old, (int, float)) or isinstance(old, bool):
            continue
        old = float(old)
        direction = report.directions.get(name, "lower")
        delta = new - old
        allowed = atol + tolerance * abs(old)
        worsening = delta if direction == "lower" else -delta
        worse = bool(worsening > allowed) or math.isnan(new)
        if math.isnan(new):
            message = f"{name} is undefined (NaN); baseline {old:.10g}"
        else:
            rel = f", {delta / abs(old):+.3%}" if old else ""
            verdict = "got worse" if worsening > 0 else ("improved" if worsening < 0 else "same")
            message = (
                f"{name} {verdict}: {old:.10g} -> {new:.10g} ({delta:+.6g}{rel}; "
                f"{'lower' if direction == 'lower' else 'higher'} is better; "
                f"allowed {allowed:.6g})"
            )
        rows.append(
            {
                "name": name,
                "baseline": old,
                "value": _json_num(new),
                "change": _json_num(delta),
                "relative_change": _json_num(delta / abs(old)) if old else None,
                "direction": direction,
                "allowed": allowed,
                "worse": worse,
                "message": message,
            }
        )
    if not rows:
        raise InputError(
            "the baseline report shares no loss or metric with this run",
            file=str(baseline) if not isinstance(baseline, Mapping) else None,
        )
    return rows


def gate_failures(report: Report) -> list[str]:
    """One line per failed ``--check`` or baseline figure: what, the value, the bound."""
    lines = [c.message for c in report.checks if not c.passed]
    lines += [f"baseline: {b['message']}" for b in report.baseline if b["worse"]]
    return lines
