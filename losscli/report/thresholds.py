"""The report of ``losscli thresholds``: the sweep as JSON, CSV/TSV (every threshold) or a
table (at most ``--max-rows`` evenly spread rows, and the best one, marked)."""

from __future__ import annotations

from typing import Any

from losscli import __version__
from losscli.errors import UsageError
from losscli.report import jsontext, layout
from losscli.report.numbers import count, fixed, json_num, short
from losscli.scoring.thresholds import CRITERIA, FIGURES, Sweep, shown_rows

THRESHOLD_FORMATS = ("table", "json", "csv", "tsv")


def to_dict(s: Sweep, n_samples: int, warnings: list[str], notes: list[str]) -> dict[str, Any]:
    rows = [
        {"threshold": json_num(float(s.thresholds[i]))}
        | {k: json_num(float(s.figures[k][i])) for k in FIGURES}
        for i in range(len(s))
    ]
    best = dict(rows[s.best]) | {"optimize": s.criterion}
    return {
        "version": __version__,
        "n_samples": n_samples,
        "rule": "positive when prediction >= threshold",
        "optimize": s.criterion,
        "thresholds": rows,
        "best": best,
        "warnings": list(warnings),
        "notes": list(notes),
    }


def render(
    s: Sweep,
    fmt: str,
    *,
    n_samples: int,
    max_rows: int,
    warnings: list[str],
    notes: list[str],
    width: int | None = None,
) -> str:
    if fmt == "json":
        return jsontext.dumps(to_dict(s, n_samples, warnings, notes)) + "\n"
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(("threshold", *FIGURES, "best"))]
        for i in range(len(s)):
            cells = [repr(float(s.thresholds[i]))]
            cells += [repr(float(s.figures[k][i])) for k in FIGURES]
            lines.append(sep.join((*cells, "true" if i == s.best else "false")))
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _table(s, n_samples, max_rows, width)
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(THRESHOLD_FORMATS)}")


def _table(s: Sweep, n_samples: int, max_rows: int, width: int | None = None) -> str:
    w = layout.terminal_width() if width is None else max(width, layout.MIN_WIDTH)
    head = ("", "threshold", *FIGURES)
    shown = shown_rows(len(s), s.best, max_rows)
    body = [
        ("*" if i == s.best else "", short(float(s.thresholds[i])))
        + tuple(fixed(s.figures[k][i]) for k in FIGURES)
        for i in shown
    ]
    rule = "positive when prediction >= threshold"
    head_line = f"{count(n_samples)} samples, {count(len(s))} distinct thresholds" + (
        f" (showing {len(shown)})" if len(shown) < len(s) else ""
    )
    if len(head_line) + len(rule) + 2 > w:  # the short form, to stay on one line
        head_line = f"{count(n_samples)} samples, {count(len(s))} thresholds" + (
            f" ({len(shown)} shown)" if len(shown) < len(s) else ""
        )
    out = layout.wrap(f"{head_line}; {rule}", w)
    out += layout.table(head, body, width=w, right=[True] * len(head), keys=2)
    b = s.row(s.best)
    best = f"* best by {CRITERIA[s.criterion]}: threshold {short(b['threshold'])}"
    figures = (
        f" (precision {fixed(b['precision'])}, recall {fixed(b['recall'])}, "
        f"f1 {fixed(b['f1'])}, fpr {fixed(b['fpr'])}, accuracy {fixed(b['accuracy'])})"
    )
    # the figures of the best row are in the table, on the row marked *: repeated here
    # only when they fit on the line
    out += layout.wrap(best + figures if len(best + figures) <= w else best, w)
    return "\n".join(out) + "\n"
