"""``--format html``: one self-contained HTML page for ``eval``, ``batch`` and ``compare``.

Inline CSS and inline SVG pictures; no script, no font, image or style sheet from anywhere
else.  Every string that comes from the input (file, column and class names, group values,
warnings that quote them) is escaped.  The pictures are those of
:mod:`losscli.report.htmlparts` (matplotlib, the ``losscli[plot]`` extra); without it the
page holds its tables and says which command adds them.  Renderers only format numbers
the report already holds.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from losscli import __version__
from losscli.report import htmlparts
from losscli.report.model import Report

INSTALL = "pip install 'losscli[plot]'"

CSS = """
:root{--ink:#1b1f24;--mute:#57606a;--line:#d0d7de;--soft:#f6f8fa;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid
var(--line);padding-bottom:4px}
.meta{color:var(--mute);margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.n{text-align:right;white-space:nowrap}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);
padding:1px 4px;border-radius:4px;word-break:break-all}
.iv{color:var(--mute)}
.pass,.fail{display:inline-block;font-weight:700;padding:1px 8px;border-radius:10px;color:#fff}
.pass{background:var(--ok)}.fail{background:var(--bad)}
.verdict{font-size:16px;margin:8px 0 4px}
.warn{border-left:4px solid #bf8700;background:#fff8c5;padding:6px 10px;margin:6px 0}
.note{border-left:4px solid #0969da;background:#ddf4ff;padding:6px 10px;margin:6px 0}
.figs{display:flex;flex-wrap:wrap;gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff;
flex:0 1 540px}
figure.wide{flex-basis:1000px}
figure svg{display:block;width:100%;height:auto}
figcaption{color:var(--mute);font-size:12.5px;margin-top:4px}
.sig{font-size:12px;color:var(--mute)}
"""


def esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def fmt(v: Any) -> str:
    """A figure as the tables show it (six significant digits)."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    v = float(v)
    if not math.isfinite(v):
        return repr(v)
    return f"{v:.6g}"


def count(v: Any) -> str:
    v = float(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.6g}"


def interval_cell(value: Any, iv: Any) -> str:
    """``0.842 [0.811, 0.87]``: the value, and its interval when there is one."""
    text = esc(fmt(value))
    if iv is None:
        return text
    return f'{text} <span class="iv">[{esc(fmt(iv.low))}, {esc(fmt(iv.high))}]</span>'


def badge(passed: bool | None, yes: str = "PASS", no: str = "FAIL") -> str:
    return f'<span class="pass">✓ {yes}</span>' if passed else f'<span class="fail">✗ {no}</span>'


def table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table; the cells are HTML already (escape before), the header is text."""
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        cells = (
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        out += ["<tr>", *cells, "</tr>"]
    out.append("</tbody></table>")
    return "".join(out)


def page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # nothing from elsewhere: the browser is told so too
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + f'\n<p class="sig">made by losscli {esc(__version__)}</p>\n</body></html>\n'
    )


# ----------------------------------------------------------------------------- parts


def level_of(report: Report) -> float | None:
    return next(iter(report.intervals.values())).level if report.intervals else None


def figures_table(report: Report) -> str:
    level = level_of(report)
    head = ["kind", "figure", "value" if level is None else f"value [{level:.0%} interval]"]
    if level is not None:
        head.append("method")
    rows = []
    for name, v in report.losses.items():
        iv = report.intervals.get(name)
        row = ["loss (mean)", esc(name), interval_cell(v["mean"], iv)]
        rows.append(row + ([esc(iv.method) if iv else ""] if level is not None else []))
    for name, value in report.metrics.items():
        iv = report.intervals.get(name)
        row = ["metric", esc(name), interval_cell(value, iv)]
        rows.append(row + ([esc(iv.method) if iv else ""] if level is not None else []))
    return table(head, rows, numeric=(2,))


def gates(reports: Sequence[tuple[str, Report]]) -> list[str]:
    """The checks and the baseline comparisons of ``(where, report)`` (``where`` empty:
    one report, no file column): one table of each, every row marked pass or fail."""
    many = any(where for where, _ in reports)
    lead = ["file"] if many else []
    k = len(lead)
    checks, base = [], []
    for where, report in reports:
        at = [f"<code>{esc(where)}</code>"] if many else []
        for c in report.checks:
            checks.append(
                [
                    *at,
                    f"<code>{esc(c.expr)}</code>",
                    esc(fmt(c.value)),
                    esc(fmt(c.bound)),
                    esc(fmt(c.margin)),
                    badge(c.passed),
                ]
            )
        for b in report.baseline:
            if b.get("comparable") is False:
                mark = '<span class="iv">not comparable</span>'
            else:
                mark = badge(not b["worse"], "OK", "WORSE")
            base.append(
                [
                    *at,
                    esc(b["name"]),
                    esc(fmt(b.get("baseline"))),
                    esc(fmt(b.get("value"))),
                    esc(fmt(b.get("change"))),
                    esc(fmt(b.get("allowed"))),
                    mark,
                ]
            )
    out = []
    if checks:
        head = [*lead, "check", "value", "bound", "margin", "result"]
        out.append(table(head, checks, numeric=(k + 1, k + 2, k + 3)))
    if base:
        head = [*lead, "figure", "baseline", "now", "change", "allowed", "against --baseline"]
        out.append(table(head, base, numeric=(k + 1, k + 2, k + 3, k + 4)))
    return out


def verdict(passed: bool, any_gate: bool) -> str:
    if not any_gate:
        return ""
    word = "all gates passed" if passed else "a gate failed (exit 1)"
    return f'<p class="verdict">{badge(passed)} {esc(word)}</p>'


def messages(warnings: Sequence[str], notes: Sequence[str]) -> list[str]:
    out = [f'<div class="warn"><b>warning:</b> {esc(w)}</div>' for w in warnings]
    out += [f'<div class="note"><b>note:</b> {esc(n)}</div>' for n in notes]
    return out


def confusion_table(report: Report) -> str:
    cm = report.confusion
    if cm is None or not cm["matrix"] or isinstance(cm["matrix"][0][0], list):
        return ""  # multilabel: one 2x2 per label, in the JSON
    labels = cm["labels"] or [str(i) for i in range(len(cm["matrix"]))]
    rows = [[esc(lab), *(esc(count(v)) for v in row)] for lab, row in zip(labels, cm["matrix"])]
    head = ["true \\ predicted", *map(str, labels)]
    return table(head, rows, numeric=tuple(range(1, len(labels) + 1)))


def reliability_tables(report: Report) -> list[str]:
    """A table per set of bins (ece and mce of the same bins share one), bins written as
    the text renderer writes them."""
    out = []
    shared: dict[str, list[str]] = {}
    for name, rows in report.reliability.items():
        shared.setdefault(repr(rows), []).append(name)
    params = {e.name: p for e, p in report.plan.metrics} if report.plan else {}
    for names in shared.values():
        rows = report.reliability[names[0]]
        quantile = params.get(names[0], {}).get("strategy") == "quantile"
        cells = []
        for i, r in enumerate(rows):
            closed = r["low"] == r["high"] or (quantile and i == len(rows) - 1)
            edges = f"[{fmt(r['low'])}, {fmt(r['high'])}" + ("]" if closed else ")")
            cells.append(
                [
                    esc(edges),
                    esc(count(r["count"])),
                    esc(fmt(r["confidence"])),
                    esc(fmt(r["frequency"])),
                    esc(fmt(r["gap"])),
                ]
            )
        label = ", ".join(names)
        out.append(f"<h3>reliability of {esc(label)} (gap = confidence − frequency)</h3>")
        out.append(
            table(("bin", "count", "confidence", "frequency", "gap"), cells, numeric=(1, 2, 3, 4))
        )
    return out


def groups_table(report: Report) -> str:
    if not report.groups:
        return ""
    from losscli.report.render import group_rows

    rows = group_rows(report)
    names = [name for name, _, _, _ in rows[0][1]]
    body = [
        [
            esc(g),
            *(interval_cell(v, iv) if n != "n_samples" else esc(count(v)) for n, _, v, iv in f),
        ]
        for g, f in rows
    ]
    return table(["group", *names], body, numeric=tuple(range(1, len(names) + 1)))


def pictures_section(series: Sequence[tuple[str, Any]] | None, key: str = "f") -> list[str]:
    """The pictures, or why there are none."""
    if series is None:
        return []
    out = ["<h2>Pictures</h2>"]
    if not htmlparts.available():
        out.append(
            '<div class="note"><b>note:</b> the pictures need matplotlib: run '
            f"<code>{esc(INSTALL)}</code> and make the report again.</div>"
        )
        return out
    figs = htmlparts.figures(series, key)
    for _, pic in series:
        out += [f'<div class="note"><b>note:</b> {esc(m)}</div>' for m in pic.missing or []]
    out.append('<div class="figs">')
    for f in figs:
        wide = ' class="wide"' if f.wide else ""
        out.append(f"<figure{wide}>{f.svg}<figcaption>{esc(f.caption)}</figcaption></figure>")
    out.append("</div>")
    return out


def report_body(
    report: Report, source: str | None = None, pictures: list[str] | None = None
) -> list[str]:
    """The sections of one report: the figures and gates first, then the pictures (the
    ``pictures`` section), then the detail tables, warnings and notes."""
    out = [
        f'<p class="meta">task <b>{esc(report.task)}</b> · {esc(f"{report.n_samples:,}")} '
        "samples" + (f" · <code>{esc(source)}</code>" if source else "") + "</p>",
        verdict(report.passed, bool(report.checks or report.baseline)),
        "<h2>Figures</h2>",
        figures_table(report),
    ]
    g = gates([("", report)])
    if g:
        out += ["<h2>Gates</h2>", *g]
    cm = confusion_table(report)
    if cm:
        weighted = "weights:yes" in report.signature
        out += [f"<h2>Confusion matrix{' (weighted counts)' if weighted else ''}</h2>", cm]
    out += pictures or []
    rel = reliability_tables(report)
    if rel:
        out += ["<h2>Reliability</h2>", *rel]
    gt = groups_table(report)
    if gt:
        out += ["<h2>Groups</h2>", gt]
    if report.warnings or report.notes:
        out += ["<h2>Warnings and notes</h2>", *messages(report.warnings, report.notes)]
    return out


def signature(report: Report) -> str:
    extra = f" · config <code>{esc(report.config)}</code>" if report.config else ""
    return f'<p class="sig">signature <code>{esc(report.signature)}</code>{extra}</p>'


# ----------------------------------------------------------------------------- pages


def report_html(report: Report, pictures: Any = None, source: str | None = None) -> str:
    """One evaluation as a page; ``pictures`` a :class:`~losscli.report.curves.Pictures`
    (``None``: no pictures section)."""
    name = os.path.basename(source or "predictions")
    shown = pictures_section([(name, pictures)]) if pictures is not None else []
    body = ["<h1>losscli report</h1>", *report_body(report, source, shown)]
    body.append(signature(report))
    return page("losscli report", body)


def batch_html(result: Any) -> str:
    """A batch: the leaderboard (one row per file, ranked with ``--sort-by``, the paired
    test against the best with ``--ci``), ``overall``, the gates of every file."""
    overall = result.overall
    figures = [(n, "loss") for n in overall.losses] + [(n, "metric") for n in overall.metrics]
    rows = [(str(rank) if result.sort_by else "", f.file, f.report) for rank, f in result.ranked()]
    if not result.leaderboard:
        rows.append(("", "overall", overall))
    vs = result.versus_best
    level = level_of(overall) or next((level_of(r) for _, _, r in rows if level_of(r)), None)
    head = ["rank", "file", "n_samples"]
    head += [n if level is None else f"{n} [{level:.0%}]" for n, _ in figures]
    if vs:
        head += ["vs best: p (Holm)", "vs best"]
    body_rows = []
    for rank, name, rep in rows:
        cells = [esc(rank), f"<code>{esc(name)}</code>" if name != "overall" else "<b>overall</b>"]
        cells.append(esc(f"{rep.n_samples:,}"))
        for n, k in figures:
            value = rep.losses[n]["mean"] if k == "loss" else rep.metrics[n]
            cells.append(interval_cell(value, rep.intervals.get(n)))
        if vs:
            v = vs.get(name, {})
            if v.get("best"):
                cells += ["", '<span class="pass">best</span>']
            elif v:
                cells += [esc(fmt(v.get("p_holm"))), esc("tied" if v["tied"] else "worse")]
            else:
                cells += ["", ""]
        body_rows.append(cells)
    gated = [(f.file, f.report) for f in result.files if f.report is not None]
    if not result.leaderboard:
        gated.append(("overall", overall))
    any_gate = any(r.checks or r.baseline for _, r in gated) or bool(result.skipped)
    title = "losscli batch" + (f" — ranked by {result.sort_by}" if result.sort_by else "")
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">task <b>{esc(overall.task)}</b> · {len(result.files)} file(s)</p>',
        verdict(result.passed, any_gate),
        "<h2>Leaderboard</h2>" if result.leaderboard else "<h2>Files</h2>",
        table(head, body_rows, numeric=tuple(range(2, len(head) - (2 if vs else 0)))),
    ]
    if result.leaderboard:
        body.append(
            '<p class="meta">several models against the same targets: no pooled '
            "&#39;overall&#39; row"
            + ("; vs best: each model&#39;s paired test against the best (Holm)" if vs else "")
            + "</p>"
        )
    gate_parts = gates(gated)
    if gate_parts or result.skipped:
        body.append("<h2>Gates</h2>")
        body += gate_parts
        for f in result.skipped:
            body.append(f'<div class="warn">{badge(False, no="SKIPPED")} {esc(f.error)}</div>')
    warned = [(f.file, f.report) for f in result.files if f.report is not None]
    msgs = [f"{where}: {w}" for where, rep in warned for w in rep.warnings]
    notes = list(dict.fromkeys(n for _, rep in warned for n in rep.notes))
    if msgs or notes or overall.warnings:
        body += ["<h2>Warnings and notes</h2>", *messages(msgs, notes)]
    body.append(signature(overall))
    return page(title, body)


def comparison_html(c: Any, pictures: Sequence[Any] | None = None) -> str:
    """A comparison: A's and B's figures, B − A with its interval and the p-value of the
    paired test, the verdict of each figure; the pictures of both (one plot where both fit)."""
    level = f"{c.level:.0%}"
    rows = []
    for d in c.differences.values():
        mark = {"a": badge(False, no="WORSE IN B"), "b": badge(True, "BETTER IN B")}.get(
            d.better, '<span class="iv">no difference</span>'
        )
        rows.append(
            [
                esc(d.name),
                esc(fmt(d.a)),
                esc(fmt(d.b)),
                f'{esc(fmt(d.delta))} <span class="iv">[{esc(fmt(d.low))}, {esc(fmt(d.high))}]'
                "</span>",
                esc(fmt(d.p_value)),
                esc(fmt(d.p_holm)),
                esc(d.test),
                mark,
            ]
        )
    head = ["figure", "A", "B", f"B − A [{level} interval]", "p", "p (Holm)", "test", ""]
    worse = [d for d in c.differences.values() if d.worse_in_b]
    body = [
        "<h1>losscli compare</h1>",
        f'<p class="meta">A <code>{esc(c.source_a)}</code> · B <code>{esc(c.source_b)}</code> · '
        f"{esc(f'{c.a.n_samples:,}')} samples · alpha {esc(c.alpha)}</p>",
        f'<p class="verdict">{badge(not worse, "B NOT WORSE", "B WORSE")} '
        + esc(
            f"{len(worse)} figure(s) significantly worse in B"
            if worse
            else "no figure significantly worse in B"
        )
        + "</p>",
        "<h2>Differences</h2>",
        table(head, rows, numeric=(1, 2, 3, 4, 5)),
    ]
    for side, rep, src in (("A", c.a, c.source_a), ("B", c.b, c.source_b)):
        body += [f"<h2>{side}: <code>{esc(src)}</code></h2>", figures_table(rep)]
    warnings = [f"A: {w}" for w in c.a.warnings] + [f"B: {w}" for w in c.b.warnings]
    notes = list(dict.fromkeys([*c.notes, *c.a.notes, *c.b.notes]))
    if warnings or notes:
        body += ["<h2>Warnings and notes</h2>", *messages(warnings, notes)]
    if pictures is not None:
        names = [
            f"{side} {os.path.basename(src)}"
            for side, src in (("A", c.source_a), ("B", c.source_b))
        ]
        body += pictures_section(list(zip(names, pictures)), key="c")
    body.append(signature(c.a))
    return page("losscli compare", body)
