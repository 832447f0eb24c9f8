"""The per-class / per-output breakdown (``--per-class``, ``multioutput=raw_values``) and
the reliability table of ``ece`` / ``mce`` as rows of the report's formats.

Renderers only format numbers the report holds (:attr:`Report.per_class`,
:attr:`Report.per_output`, :attr:`Report.reliability`).  CSV/TSV rows follow the
``group=VALUE`` rows of ``--group-by``: ``kind,name,statistic,value``, with ``kind``
``per_class=CLASS`` (``per_output=NAME`` for a regression) and, for the reliability
table, ``reliability=METRIC`` with ``name`` ``bin=I`` (the I-th non-empty bin, from 0)
and the statistics ``low``, ``high``, ``count``, ``confidence``, ``frequency``, ``gap``.
"""

from __future__ import annotations

import math
from typing import Any

from losscli.report.model import Report

FIGURES = ("precision", "recall", "f1", "support", "count")
BINS = ("low", "high", "count", "confidence", "frequency", "gap")


def _num(v: Any) -> str:
    return str(v) if isinstance(v, int) else repr(float(v))


def _short(v: Any) -> str:
    if isinstance(v, int):
        return str(v)
    v = float(v)
    return repr(v) if not math.isfinite(v) else f"{v:.6g}"


def _cell(text: str, sep: str) -> str:
    """A CSV/TSV cell, quoted (CSV's way) only when it holds the separator or a quote."""
    if sep in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def rows(report: Report) -> list[tuple[str, str, str, Any, dict[str, Any] | None]]:
    """(kind, name, statistic, value, interval or None) of the breakdown and the
    reliability tables; the intervals are those of ``--per-class --ci``."""
    out: list[tuple[str, str, str, Any, dict[str, Any] | None]] = []
    for label, row in report.per_class.items():
        kind = f"per_class={label}"
        ivs = row.get("intervals", {})
        out += [(kind, f, "value", row[f], ivs.get(f)) for f in FIGURES if f in row]
        for loss, v in row.get("losses", {}).items():
            by = ivs.get("losses", {}).get(loss, {})
            out += [(kind, loss, s, v[s], by.get(s)) for s in ("mean", "share")]
    for label, row in report.per_output.items():
        out += [(f"per_output={label}", f, "value", v, None) for f, v in row.items()]
    for metric, bins in report.reliability.items():
        for i, b in enumerate(bins):
            out += [(f"reliability={metric}", f"bin={i}", s, b[s], None) for s in BINS]
    return out


def csv_lines(report: Report, sep: str, ci: bool) -> list[str]:
    """The breakdown's CSV/TSV rows; with ``--ci`` two more cells, ``low`` and ``high``
    (empty where the figure has no interval: support, count, the reliability bins)."""
    out = []
    for k, n, s, v, iv in rows(report):
        tail = () if not ci else ("", "") if iv is None else (_num(iv["low"]), _num(iv["high"]))
        out.append(sep.join((_cell(k, sep), _cell(n, sep), s, _num(v), *tail)))
    return out


def _with(v: Any, iv: dict[str, Any] | None) -> str:
    """``0.79 [0.7002, 0.858343]`` with an interval, the value alone otherwise."""
    text = _short(v)
    return text if iv is None else f"{text} [{_short(iv['low'])}, {_short(iv['high'])}]"


def parts(report: Report) -> tuple[str, list[str], list[list[str]]] | None:
    """(title, header, cells) of the breakdown, or None without one."""
    if report.per_class:
        first = next(iter(report.per_class.values()))
        losses = list(first.get("losses", {}))
        what = "label" if report.task == "multilabel" else "class"
        head = [what, *FIGURES]
        for loss in losses:
            head += [f"{loss} mean", f"{loss} share"]
        cells = []
        level = None
        for label, row in report.per_class.items():
            ivs = row.get("intervals", {})
            line = [label, *(_with(row[f], ivs.get(f)) for f in FIGURES)]
            for loss in losses:
                v, by = row["losses"][loss], ivs.get("losses", {}).get(loss, {})
                line += [_with(v["mean"], by.get("mean")), _with(v["share"], by.get("share"))]
            cells.append(line)
            level = level or (ivs["f1"]["level"] if "f1" in ivs else None)
        shown = "" if level is None else f" (value [{level:.0%} interval])"
        return f"per {what}{shown}:", head, cells
    if report.per_output:
        names = list(next(iter(report.per_output.values())))
        cells = [
            [label, *(_short(row[n]) for n in names)] for label, row in report.per_output.items()
        ]
        return "per output:", ["output", *names], cells
    return None


def markdown_lines(report: Report) -> list[str]:
    """The breakdown as a markdown table."""
    found = parts(report)
    if found is None:
        return []
    title, head, cells = found
    out = ["", title, "", "| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
    return out


def overall_lines(result: Any) -> list[str]:
    """A batch's breakdown in markdown: that of ``overall`` (none for a leaderboard, whose
    pool of several models' predictions is no model's).  The table format draws it with
    :func:`parts` and the terminal layout."""
    if result.leaderboard:
        return []
    lines = markdown_lines(result.overall)
    if len(lines) > 1:
        lines[1] = lines[1].replace(":", " (overall):", 1)
    return lines


def comparison_rows(c: Any) -> list[tuple[str, Any, Any]]:
    """``compare --per-class``: (figure, A, B) for every per-class / per-output figure
    (``per_class=CLASS:f1``; a loss's ``per_class=CLASS:LOSS.mean`` / ``.share``); the
    difference is B − A, without an interval or a test."""
    out: list[tuple[str, Any, Any]] = []
    for label, row in c.a.per_class.items():
        other = c.b.per_class.get(label, {})
        out += [(f"per_class={label}:{f}", row[f], other.get(f, math.nan)) for f in FIGURES]
        for loss, v in row.get("losses", {}).items():
            w = other.get("losses", {}).get(loss, {})
            for s in ("mean", "share"):
                out.append((f"per_class={label}:{loss}.{s}", v[s], w.get(s, math.nan)))
    for label, row in c.a.per_output.items():
        other = c.b.per_output.get(label, {})
        out += [(f"per_output={label}:{f}", v, other.get(f, math.nan)) for f, v in row.items()]
    return out


def comparison_lines(c: Any, sep: str | None = None) -> list[str]:
    """Those rows as CSV/TSV lines of the comparison's header (``sep``), or as text."""
    rows = comparison_rows(c)
    if sep is not None:
        return [
            sep.join((_cell(n, sep), _num(a), _num(b), repr(float(b) - float(a)), *[""] * 6))
            for n, a, b in rows
        ]
    if not rows:
        return []
    cells = [(n, _short(a), _short(b), _short(float(b) - float(a))) for n, a, b in rows]
    head = ("breakdown", "A", "B", "B - A")
    widths = [max(len(x) for x in col) for col in zip(head, *cells)]
    return [
        "  ".join(x.rjust(w) if i else x.ljust(w) for i, (x, w) in enumerate(zip(r, widths)))
        for r in (head, *cells)
    ]


def comparison_markdown(c: Any) -> list[str]:
    rows = comparison_rows(c)
    if not rows:
        return []
    out = ["", "| breakdown | A | B | B − A |", "| --- | ---: | ---: | ---: |"]
    for n, a, b in rows:
        name = n.replace("|", "\\|")
        out.append(f"| {name} | {_short(a)} | {_short(b)} | {_short(float(b) - float(a))} |")
    return out
