"""Render a :class:`~losscli.report.model.Report` (and a batch of them) as table, json,
csv, tsv, markdown or value."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from losscli.errors import UsageError
from losscli.report import breakdown, jsontext
from losscli.report.model import Report
from losscli.report.numbers import cell, count, short
from losscli.validate.align import id_text

REPORT_FORMATS = ("table", "json", "csv", "tsv", "markdown", "value", "html")
PREVIEW_ROWS = 5


def num(v: float) -> str:
    """Full precision, as Python's repr."""
    return repr(float(v))


def with_interval(report: Report, name: str, value: float) -> str:
    """``0.842 [0.811, 0.87]`` with ``--ci``, the value alone otherwise."""
    iv = report.intervals.get(name)
    if iv is None:
        return short(value)
    return f"{short(value)} [{short(iv.low)}, {short(iv.high)}]"


def _bounds(report: Report, name: str, statistic: str) -> tuple[str, str]:
    """The ``low`` and ``high`` cells of a CSV/TSV row (empty where no interval)."""
    iv = report.intervals.get(name) if statistic in ("mean", "value") else None
    return ("", "") if iv is None else (num(iv.low), num(iv.high))


def group_rows(report: Report) -> list[tuple[str, list[tuple[str, str, float, Any]]]]:
    """``--group-by``: (group, [(figure, statistic, value, interval or None)]) per group,
    ``n_samples`` first."""
    out = []
    for g in report.groups or []:
        ivs = g.get("intervals", {})
        figures: list[tuple[str, str, float, Any]] = [
            ("n_samples", "value", float(g["n_samples"]), None)
        ]
        figures += [(n, "mean", v["mean"], ivs.get(n)) for n, v in g["losses"].items()]
        figures += [(n, "value", v, ivs.get(n)) for n, v in g["metrics"].items()]
        out.append((str(g["group"]), figures))
    return out


def _group_cell(v: float, iv: Any, count: bool = False) -> str:
    text = f"{int(v):,}" if count else short(v)
    return text if iv is None else f"{text} [{short(iv.low)}, {short(iv.high)}]"


def summary_rows(report: Report) -> list[tuple[str, str, str, float]]:
    """(kind, name, statistic, value) for every figure of the report."""
    rows: list[tuple[str, str, str, float]] = []
    for name, v in report.losses.items():
        rows.append(("loss", name, "mean", v["mean"]))
        rows.append(("loss", name, "sum", v["sum"]))
    for name, value in report.metrics.items():
        rows.append(("metric", name, "value", value))
    rows.append(("info", "n_samples", "value", float(report.n_samples)))
    return rows


def render(
    report: Report,
    fmt: str,
    *,
    color: bool = False,
    terminal: bool = False,
    value: str | None = None,
    pictures: Any = None,
    source: str | None = None,
    width: int | None = None,
    messages: bool = True,
    histogram: bool = True,
) -> str:
    """The report as text; ``value`` names the figure of ``fmt="value"`` (default: the
    first loss).  The table is at most ``width`` characters wide (default: the terminal's,
    see :func:`losscli.report.layout.terminal_width`); ``messages=False`` leaves its
    warnings and notes out (the CLI writes them on stderr instead), ``histogram=False`` the
    one-line histogram of the per-sample losses (``--quiet``).  ``pictures``: the data of
    the pictures of ``fmt="html"`` (:class:`~losscli.report.curves.Pictures`; None: tables
    only), and ``source`` the input named in its heading."""
    if fmt == "html":
        from losscli.report.html import report_html

        return report_html(report, pictures, source=source)
    if fmt == "value":
        if value is not None:
            return num(report.value(value)) + "\n"
        if not report.losses:
            raise UsageError("--format value needs at least one loss", hint="or pass --value NAME")
        first = next(iter(report.losses.values()))
        return num(first["mean"]) + "\n"
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        ci = bool(report.intervals)  # --ci: two more columns, low and high
        lines = [sep.join(("kind", "name", "statistic", "value", *(("low", "high") if ci else ())))]
        lines += [
            sep.join((k, n, s, num(v), *(_bounds(report, n, s) if ci else ())))
            for k, n, s, v in summary_rows(report)
        ]
        for group, figures in group_rows(report):  # --group-by: kind group=VALUE
            for name, stat, v, iv in figures:
                cells = ("", "") if iv is None else (num(iv.low), num(iv.high))
                lines.append(
                    sep.join((f"group={group}", name, stat, num(v), *(cells if ci else ())))
                )
        lines += breakdown.csv_lines(report, sep, ci)  # --per-class; reliability bins
        lines += [
            sep.join(
                ("check", c.expr, "passed", str(bool(c.passed)).lower(), *(("", "") if ci else ()))
            )
            for c in report.checks
        ]
        return "\n".join(lines) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "table":
        return _table(
            report,
            color=color,
            terminal=terminal,
            width=width,
            messages=messages,
            histogram=histogram,
        )
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(REPORT_FORMATS)}")


def _markdown(report: Report) -> str:
    out = [
        f"**losscli** · task `{report.task}` · {report.n_samples} samples",
        "",
        "| kind | name | value |",
        "| --- | --- | ---: |",
    ]
    if report.intervals:
        level = next(iter(report.intervals.values())).level
        out[-2:] = [f"| kind | name | value [{level:.0%} interval] |", "| --- | --- | ---: |"]
    for name, v in report.losses.items():
        out.append(f"| loss (mean) | {name} | {with_interval(report, name, v['mean'])} |")
    for name, value in report.metrics.items():
        out.append(f"| metric | {name} | {with_interval(report, name, value)} |")
    rows = group_rows(report)
    if rows:
        names = [name for name, _, _, _ in rows[0][1]]
        out += ["", "| group | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
        for group, figures in rows:
            cells = [_group_cell(v, iv, count=n == "n_samples") for n, _, v, iv in figures]
            out.append(f"| {group} | " + " | ".join(cells) + " |")
    if report.checks:
        out += [
            "",
            "| check | value | bound | margin | result |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for c in report.checks:
            out.append(
                f"| `{c.expr}` | {short(_f(c.value))} | {short(c.bound)} | "
                f"{short(_f(c.margin))} | {'✅ pass' if c.passed else '❌ fail'} |"
            )
    if report.baseline:
        out += [
            "",
            "| figure | baseline | now | change | allowed | |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for b in report.baseline:
            if b.get("comparable") is False:
                out.append(
                    f"| {b['name']} | {short(b['baseline'])} | {short(_f(b['value']))} | "
                    "| | not comparable |"
                )
                continue
            out.append(
                f"| {b['name']} | {short(b['baseline'])} | {short(_f(b['value']))} | "
                f"{short(_f(b['change']))} | {short(b['allowed'])} | "
                f"{'❌ worse' if b['worse'] else '✅ ok'} |"
            )
    out += reliability_lines(report, markdown=True)
    out += breakdown.markdown_lines(report)  # --per-class
    for w in report.warnings:
        out.append(f"\n> warning: {w}")
    for n in report.notes:
        out.append(f"\n> note: {n}")
    return "\n".join(out) + "\n"


def _f(v: Any) -> float:
    return float(v) if v is not None else math.nan


def _table(
    report: Report,
    *,
    color: bool,
    terminal: bool,
    width: int | None,
    messages: bool,
    histogram: bool = True,
) -> str:
    from losscli.report import layout

    width = layout.terminal_width() if width is None else max(width, layout.MIN_WIDTH)
    out: list[str] = []

    def table(header: list[str], rows: list[list[str]], **kw: Any) -> None:
        out.extend(layout.table(header, rows, width=width, rule=terminal, color=color, **kw))

    def say(text: str, style: str | None = None) -> None:
        for line in layout.wrap(text, width):
            out.append(layout.styled(line, style, color))

    level = next(iter(report.intervals.values())).level if report.intervals else None
    rows = [["task", report.task], ["samples", count(report.n_samples)]]
    figures = [(f"{n} (mean)", n, v["mean"]) for n, v in report.losses.items()]
    figures += [(n, n, v) for n, v in report.metrics.items()]
    wide = [[label, with_interval(report, name, v)] for label, name, v in figures]
    header = ["figure", "value" if level is None else f"value [{level:.0%} interval]"]
    if layout._total([max(len(r[i]) for r in [header, *wide]) for i in (0, 1)]) <= width:
        rows += wide
    else:  # the interval on a line of its own, beneath its value
        for label, name, v in figures:
            rows.append([label, short(v)])
            iv = report.intervals.get(name)
            if iv is not None:
                rows.append(["", f"[{short(iv.low)}, {short(iv.high)}]"])
    table(header, rows, right=[False, True], shrink=(0,))

    pv = report.preview
    if pv is not None and pv.first_index is not None:
        names = list(pv.first)
        label = "id" if pv.ids else "index"
        for title, idx, vals in (
            ("first rows", pv.first_index, pv.first),
            (f"worst rows by {names[0]}", pv.worst_index, pv.worst),
        ):
            say(f"{title}:")
            body = [
                # ids as written (a whole-number row index with separators)
                [id_text(idx[i]) if pv.ids else count(int(idx[i]))]
                + [short(float(vals[m][i])) for m in names]
                for i in range(len(idx))
            ]
            table([label, *names], body, right=[True] * (len(names) + 1), shrink=(0,))
        if histogram:
            out.extend(histogram_lines(pv, width, color=color))
    cm = report.confusion
    if cm is not None and not isinstance(cm["matrix"][0][0], list):
        labels = [str(x) for x in cm["labels"]]
        body = [[lab, *(cell(v) for v in row)] for lab, row in zip(labels, cm["matrix"])]
        heads, prefix = layout.drop_prefix(labels, width)
        say(
            "confusion matrix"
            + (f" (predicted classes without their prefix {prefix!r})" if prefix else "")
            + ":"
        )
        table(["true \\ predicted", *heads], body, shrink=(0,), header_shrink=True)
    out.extend(reliability_lines(report, width=width, rule=terminal, color=color))
    found = breakdown.parts(report)  # --per-class
    if found is not None:
        title, head, cells = found
        say(title)
        table(head, cells, right=[False] + [True] * (len(head) - 1), shrink=(0,))
    grows = group_rows(report)
    if grows:
        say("groups:")
        body = [
            [group, *(_group_cell(v, iv, count=name == "n_samples") for name, _, v, iv in figs)]
            for group, figs in grows
        ]
        table(["group", *(name for name, _, _, _ in grows[0][1])], body, shrink=(0,))
    for c in report.checks:
        say(f"check {c.message}", None if c.passed else "red")
    for b in report.baseline:
        verdict = "FAILED" if b["worse"] else "ok"
        if b.get("comparable") is False:
            verdict = "skipped"
        say(f"baseline {verdict}: {b['message']}", "red" if b["worse"] else None)
    if messages:
        for w in report.warnings:
            say(f"warning: {w}", "yellow")
        for n in report.notes:
            say(f"note: {n}")
    return "\n".join(out) + "\n"


def histogram_lines(pv: Any, width: int, *, color: bool = False) -> list[str]:
    """One line a loss of the preview: its per-sample values as unicode blocks between the
    smallest and the largest value (none when the losses were not counted)."""
    from losscli.report import layout

    out: list[str] = []
    for name, h in (pv.hist or {}).items():
        if h.n == 0:
            continue
        lo, hi = short(h.low), short(h.high)
        prefix = f"distribution of {name}: "
        room = width - len(lo) - len(hi) - 2 - len(" (log scale)")
        if room - len(prefix) < 24:  # the name on a line of its own
            out.append(layout.middle(prefix.rstrip(), width))
            prefix = "  "
        bar, log = h.blocks(max(8, min(40, room - len(prefix))))
        if not bar:
            continue
        line = f"{prefix}{lo} {layout.styled(bar, 'green', color)} {hi}"
        out.append(line + (" (log scale)" if log else ""))
    return out


# ----------------------------------------------------------------------------- batch


def render_batch(
    result: Any,
    fmt: str,
    *,
    terminal: bool = False,
    width: int | None = None,
    color: bool = False,
) -> str:
    """A batch report: one row per file (ranked when sorted) plus ``overall``."""
    if fmt == "json":
        return jsontext.dumps(result.to_dict()) + "\n"
    if fmt == "value":
        return render(result.overall, "value")
    if fmt == "html":
        from losscli.report.html import batch_html

        return batch_html(result)
    overall = result.overall
    figures = [(n, "loss") for n in overall.losses] + [(n, "metric") for n in overall.metrics]

    def fig(report: Report, name: str, kind: str) -> float:
        return report.losses[name]["mean"] if kind == "loss" else report.metrics[name]

    rows = [(str(rank) if result.sort_by else "", f.file, f.report) for rank, f in result.ranked()]
    if not result.leaderboard:  # a pool of several models' predictions is no model's figure
        rows.append(("", "overall", overall))
    header = ["rank", "file", "n_samples", *[n for n, _ in figures]]
    vs = result.versus_best
    if vs:
        header += ["vs_best_p_holm", "vs_best"]

    def versus(name: str, text: Callable[[float], str]) -> list[str]:
        if not vs:
            return []
        v = vs.get(name, {})
        if v.get("best"):
            return ["", "best"]
        if not v:
            return ["", ""]
        return [text(_f(v["p_holm"])), "tied" if v["tied"] else "worse"]

    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(header)]
        for rank, name, rep in rows:
            lines.append(
                sep.join(
                    [
                        rank,
                        name,
                        str(rep.n_samples),
                        *(num(fig(rep, n, k)) for n, k in figures),
                        *versus(name, num),
                    ]
                )
            )
        return "\n".join(lines) + "\n"
    if fmt == "markdown":
        level = next((r.intervals[n].level for _, _, r in rows for n in r.intervals), None)
        shown = header if level is None else [
            f"{h} [{level:.0%} interval]" if i >= 3 and i < 3 + len(figures) else h
            for i, h in enumerate(header)
        ]  # fmt: skip
        lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(header)]
        for rank, name, rep in rows:
            cells = [
                rank,
                f"`{name}`" if name != "overall" else "**overall**",
                str(rep.n_samples),
                *(with_interval(rep, n, fig(rep, n, k)) for n, k in figures),
                *versus(name, short),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines += _markdown_gates(result)
        lines += breakdown.overall_lines(result)  # --per-class
        return "\n".join(lines) + "\n"
    from losscli.report import layout

    w = layout.terminal_width() if width is None else max(width, layout.MIN_WIDTH)
    marked = _file_messages(result, rows)
    body = [
        [
            rank,
            name + (" !" if name in marked else ""),
            count(rep.n_samples),
            *(with_interval(rep, n, fig(rep, n, k)) for n, k in figures),
            *versus(name, short),
        ]
        for rank, name, rep in rows
    ]
    out = layout.wrap(
        f"task: {overall.task}" + (f"; ranked by {result.sort_by}" if result.sort_by else ""), w
    )
    right = [i != 1 for i in range(len(header))]
    right[-1] = right[-1] and not vs  # vs_best: best / tied / worse
    out += layout.table(
        header, body, width=w, right=right, keys=2, shrink=(1,), rule=terminal, color=color
    )
    if result.leaderboard:
        out += layout.wrap(
            "several models against the same targets: no pooled 'overall' row"
            + ("; vs_best: each model's paired test against the best (Holm)" if vs else ""),
            w,
        )
    for name, msgs in marked.items():
        out += layout.wrap(f"! {name}:", w)
        for kind, text in msgs:
            out += [
                layout.styled(x, "yellow" if kind == "warning" else None, color)
                for x in layout.wrap(f"  {kind}: {text}", w, indent="    ")
            ]
    for line in _gate_lines(result):
        out += layout.wrap(line, w)
    split = None if result.leaderboard else breakdown.parts(overall)  # --per-class
    if split is not None:
        title, names, per_class = split
        out += layout.wrap(title.replace(":", " (overall):", 1), w)
        out += layout.table(
            names, per_class, width=w, right=[False] + [True] * (len(names) - 1), shrink=(0,)
        )
    return "\n".join(out) + "\n"


def _file_messages(
    result: Any, rows: list[tuple[str, str, Any]]
) -> dict[str, list[tuple[str, str]]]:
    """The warnings and notes of every row of the batch table (files, then overall), by
    the row's name: the table marks those rows and lists them beneath."""
    out: dict[str, list[Any]] = {}
    for _, name, rep in rows:
        lines = [("warning", x) for x in rep.warnings] + [("note", x) for x in rep.notes]
        if lines:
            out[name] = lines
    return out


def _gates(result: Any) -> list[tuple[str, Any]]:
    out = [(f.file, c) for f in result.files if f.report is not None for c in f.report.checks]
    if not result.leaderboard:
        out += [("overall", c) for c in result.overall.checks]
    return out


def _gate_lines(result: Any) -> list[str]:
    lines = [f"check {where}: {c.message}" for where, c in _gates(result)]
    reports = [(f.file, f.report) for f in result.files if f.report is not None]
    for where, rep in [*reports, ("overall", result.overall)]:
        for b in rep.baseline:
            if b["worse"]:
                lines.append(f"baseline {where}: FAILED: {b['message']}")
    for f in result.skipped:
        lines.append(f"skipped: {f.error}")
    return lines


def _markdown_gates(result: Any) -> list[str]:
    """The gates of a batch as a table, each marked ✅ pass / ❌ fail."""
    rows = []
    for where, c in _gates(result):
        mark = "✅ pass" if c.passed else "❌ fail"
        rows.append(
            f"| `{where}` | `{c.expr}` | {short(_f(c.value))} | {short(c.bound)} | {mark} |"
        )
    reports = [(f.file, f.report) for f in result.files if f.report is not None]
    for where, rep in [*reports, ("overall", result.overall)]:
        for b in rep.baseline:
            if b.get("comparable") is False:
                mark = "not comparable"
            else:
                mark = "❌ worse than the baseline" if b["worse"] else "✅ ok"
            rows.append(
                f"| `{where}` | baseline {b['name']} | {short(_f(b['value']))} | "
                f"{short(_f(b.get('baseline')))} | {mark} |"
            )
    for f in result.skipped:
        rows.append(f"| `{f.file}` | read | | | ❌ skipped: {f.error} |")
    if not rows:
        return []
    return [
        "",
        "| file | gate | value | bound | result |",
        "| --- | --- | ---: | ---: | --- |",
        *rows,
    ]


# ----------------------------------------------------------------------------- reliability


def reliability_lines(
    report: Report,
    *,
    markdown: bool = False,
    width: int | None = None,
    rule: bool = False,
    color: bool = False,
) -> list[str]:
    """The reliability table of every ece / mce (a bin a row), as plain text (at most
    ``width`` characters) or markdown lines; none when neither was asked for."""
    from losscli.report import layout

    out: list[str] = []
    head = ("bin", "count", "confidence", "frequency", "gap")
    shared: dict[str, list[str]] = {}  # ece and mce of the same bins: one table
    for name, rows in report.reliability.items():
        shared.setdefault(repr(rows), []).append(name)
    for name, rows in report.reliability.items():
        names = shared[repr(rows)]
        if names[0] != name:
            continue
        label = ", ".join(names)
        params = {e.name: p for e, p in report.plan.metrics} if report.plan else {}
        quantile = params.get(name, {}).get("strategy") == "quantile"
        cells = []
        for i, r in enumerate(rows):
            closed = r["low"] == r["high"] or (quantile and i == len(rows) - 1)
            edges = f"[{short(r['low'])}, {short(r['high'])}" + ("]" if closed else ")")
            cells.append(
                (
                    edges,
                    cell(r["count"]),
                    short(r["confidence"]),
                    short(r["frequency"]),
                    short(r["gap"]),
                )
            )
        title = f"reliability ({label}, gap = confidence − frequency):"
        if markdown:
            out += ["", title, ""]
            out += ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * 4]
            out += ["| " + " | ".join(c) + " |" for c in cells]
            continue
        w = layout.terminal_width() if width is None else width
        out += layout.wrap(title, w)
        out += layout.table(
            head, cells, width=w, right=[False] + [True] * 4, rule=rule, color=color
        )
    return out
