"""Gates on a report: ``--check`` expressions evaluated, and the ``--baseline`` comparison."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from losscli.errors import InputError, UsageError
from losscli.report.checks import OPS, Check
from losscli.report.model import Report
from losscli.report.numbers import json_num
from losscli.scoring import registry
from losscli.scoring.plan import _fmt_param

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
        c = Check(c.expr, c.name, c.op, c.bound, every_group=c.every_group)
        if c.every_group:
            _every_group(report, c)
        else:
            c.value = report.value(c.name)
            c.passed = bool(OPS[c.op](c.value, c.bound))
        done.append(c)
    report.checks = done
    if baseline is not None:
        report.baseline = compare_baseline(report, baseline, tolerance, atol)
    return report


def _every_group(report: Report, c: Check) -> None:
    """``groups.NAME OP N``: every group must pass; the value shown is the worst group's
    (the one furthest on the failing side of the bound, or closest to it)."""
    from losscli.scoring import registry

    if report.groups is None:
        raise UsageError(f"check {c.expr!r} gates every group: it needs --group-by")
    name = registry.lookup(c.name)[0].name
    rows = []
    for g in report.groups:
        v = g["losses"][name]["mean"] if name in g["losses"] else g["metrics"].get(name)
        if v is None:
            raise UsageError(f"{c.name!r} is not a figure of the groups")
        ok = bool(OPS[c.op](v, c.bound))
        # how far on the good side of the bound (negative: failing); NaN is the worst
        margin = -math.inf if v != v else (v - c.bound if c.op in (">", ">=") else c.bound - v)
        if c.op == "==":
            margin = -abs(v - c.bound)
        rows.append((ok, margin, g["group"], float(v)))
    if not rows:
        c.value, c.passed = math.nan, False
        return
    worst = min(rows, key=lambda r: (r[0], r[1]))
    c.passed = all(r[0] for r in rows)
    c.value, c.group = worst[3], worst[2]


def load_baseline(path: PathLike) -> dict[str, Any]:
    import json  # a --baseline run's, not every run's

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError("no such baseline file", file=os.fspath(path)) from None
    except RecursionError:  # json is recursive: `[[[[...` a few thousand deep
        raise InputError("not a JSON report: nested too deeply", file=os.fspath(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a JSON report: {exc}", file=os.fspath(path)) from None
    if not isinstance(data, dict) or ("losses" not in data and "metrics" not in data):
        raise InputError("not a losscli JSON report (no losses or metrics)", file=os.fspath(path))
    check_shape(data, os.fspath(path))
    return data


def check_shape(data: Any, file: str | None = None) -> None:
    """An :class:`InputError` naming ``file`` unless ``data`` has the shape of a JSON report:
    ``losses`` an object of objects (``mean`` a number or null, ``params`` an object),
    ``metrics`` an object of numbers or nulls, ``task`` and ``signature`` strings."""

    def bad(what: str) -> InputError:
        return InputError(f"not a losscli JSON report: {what}", file=file)

    def number(v: Any) -> bool:
        return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))

    if not isinstance(data, Mapping):
        raise bad(f"an object was expected, got {type(data).__name__}")
    losses = data.get("losses", {})
    if not isinstance(losses, Mapping):
        raise bad(f'"losses" must be an object, got {type(losses).__name__}')
    for name, v in losses.items():
        if not isinstance(v, Mapping):
            raise bad(f'"losses.{name}" must be an object, got {type(v).__name__}')
        if not number(v.get("mean")):
            raise bad(f'"losses.{name}.mean" must be a number')
        if "params" in v and not isinstance(v["params"], Mapping):
            raise bad(f'"losses.{name}.params" must be an object')
    metrics = data.get("metrics", {})
    if not isinstance(metrics, Mapping):
        raise bad(f'"metrics" must be an object, got {type(metrics).__name__}')
    for name, v in metrics.items():
        if not number(v):
            raise bad(f'"metrics.{name}" must be a number, got {type(v).__name__}')
    for key in ("task", "signature"):
        if key in data and not isinstance(data[key], str):
            raise bad(f'"{key}" must be a string')
    files = data.get("files")
    if files is not None:
        if not isinstance(files, list) or not all(isinstance(f, Mapping) for f in files):
            raise bad('"files" must be a list of objects')
        for f in files:
            check_shape(f, file)
    if "overall" in data:
        check_shape(data["overall"], file)


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside parentheses (a parameter may hold ``+``: 1e+20)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth <= 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_signature(sig: str) -> dict[str, Any]:
    """The parts of a :meth:`Plan.signature` string: ``task``, ``weights``, ``nan`` and
    ``loss`` / ``metric`` as {name: "params text"}; unknown parts are ignored."""
    out: dict[str, Any] = {"nan": "error", "loss": {}, "metric": {}}
    for part in _split(sig, "|"):
        key, _, value = part.partition(":")
        key = key.strip()
        if key in ("loss", "metric"):
            table = {}
            for entry in _split(value, "+"):
                entry = entry.strip()
                if not entry:
                    continue
                name, _, inner = entry.partition("(")
                table[name.strip()] = inner[:-1] if inner.endswith(")") else inner
            out[key] = table
        elif key in ("task", "weights", "nan"):
            out[key] = value.strip()
    return out


def _same_metric_params(name: str, a: str, b: str) -> bool:
    """The parameter texts of one metric in two signatures name the same computation: equal,
    or differing only by a parameter one side does not spell out at its default (a baseline
    written before the parameter existed: ``f1(average=auto,threshold=0.5)`` is today's
    ``f1(average=auto,threshold=0.5,zero_division=warn)``)."""
    if a == b:
        return True
    try:
        defaults = {
            k: _fmt_param(v)
            for k, v in registry.get_metric(name).defaults().items()
            if v is not None
        }
    except UsageError:
        return False
    pa, pb = (dict(kv.partition("=")[::2] for kv in _split(t, ",") if kv) for t in (a, b))
    for key in set(pa) | set(pb):
        if pa.get(key, defaults.get(key)) != pb.get(key, defaults.get(key)):
            return False
    return True


def _params(p: Any) -> Any:
    """Loss parameters comparable across a JSON round trip (tuples as lists, no nulls)."""
    import json

    p = json.loads(json.dumps(p, default=str))
    return {k: v for k, v in p.items() if v is not None} if isinstance(p, dict) else p


def _comparability(
    report: Report, base: Mapping[str, Any]
) -> tuple[str | None, dict[str, str], list[str]]:
    """(a reason no figure is comparable, {figure: reason it is not}, notes)."""
    notes: list[str] = []
    now = parse_signature(report.signature)
    sig = base.get("signature")
    old = parse_signature(sig) if isinstance(sig, str) else None
    task = base.get("task") or (old or {}).get("task")
    if task and task != report.task:
        return (f"the baseline is of another task ({task}; this run: {report.task})", {}, notes)
    if old is None:
        notes.append(
            "the baseline report has no signature: the definitions of its figures "
            "(parameters, weights, NaN policy) could not be checked"
        )
    else:
        if old.get("weights") and now.get("weights") and old["weights"] != now["weights"]:
            w = {"yes": "weighted", "no": "unweighted"}
            return (
                f"the baseline is {w.get(old['weights'], old['weights'])}, this run is "
                f"{w.get(now['weights'], now['weights'])}",
                {},
                notes,
            )
        if old["nan"] != now["nan"]:
            return (
                f"the baseline used --nan-policy {old['nan']}, this run {now['nan']}",
                {},
                notes,
            )
    reasons: dict[str, str] = {}
    for name, v in report.losses.items():
        b = (base.get("losses") or {}).get(name)
        if not isinstance(b, Mapping):
            continue
        if "params" in b:
            mine, theirs = _params(v.get("params") or {}), _params(b["params"])
            if mine != theirs:
                diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
                said = ", ".join(
                    f"{k}={theirs.get(k)!r} in the baseline, {mine.get(k)!r} now" for k in diff
                )
                reasons[name] = f"other parameters ({said})"
        elif old is not None and name in old["loss"] and name in now["loss"]:
            if old["loss"][name] != now["loss"][name]:
                reasons[name] = (
                    f"other parameters (baseline {name}({old['loss'][name]}), "
                    f"now {name}({now['loss'][name]}))"
                )
    for name in report.metrics:
        if old is None or name not in old["metric"] or name not in now["metric"]:
            continue
        if not _same_metric_params(name, old["metric"][name], now["metric"][name]):
            reasons[name] = (
                f"other parameters (baseline {name}({old['metric'][name]}), "
                f"now {name}({now['metric'][name]}))"
            )
    return None, reasons, notes


def compare_baseline(
    report: Report,
    baseline: PathLike | Mapping[str, Any],
    tolerance: float,
    atol: float = 0.0,
) -> list[dict[str, Any]]:
    """The change of every figure present in both reports; ``worse`` when it moved in the
    bad direction by more than ``atol + tolerance * |baseline|`` (as numpy's isclose)."""
    if isinstance(baseline, Mapping):
        base = dict(baseline)
        check_shape(base)
    else:
        base = load_baseline(baseline)
    every, reasons, notes = _comparability(report, base)
    for w in ([every] if every else []) + notes:
        line = f"baseline: {w}" + ("; no figure is compared" if w == every else "")
        if line not in report.warnings:
            report.warnings.append(line)
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
        why = every or reasons.get(name)
        if why is not None:
            rows.append(
                {
                    "name": name,
                    "baseline": old,
                    "value": json_num(new),
                    "change": None,
                    "relative_change": None,
                    "direction": direction,
                    "allowed": None,
                    "worse": False,
                    "comparable": False,
                    "message": f"{name} not comparable with the baseline: {why}",
                }
            )
            continue
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
                "value": json_num(new),
                "change": json_num(delta),
                "relative_change": json_num(delta / abs(old)) if old else None,
                "direction": direction,
                "allowed": allowed,
                "worse": worse,
                "comparable": True,
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
