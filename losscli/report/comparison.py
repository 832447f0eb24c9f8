"""Render a comparison of two prediction sets (:class:`losscli.engines.compare.Comparison`)
as table, json, csv, tsv or markdown, and as JUnit (a testcase per figure)."""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError
from losscli.report import breakdown, jsontext, layout
from losscli.report.numbers import count, unsigned_zero
from losscli.report.render import num, short

COMPARE_FORMATS = ("table", "json", "csv", "tsv", "markdown", "html")
HEADER = ("figure", "a", "b", "delta", "low", "high", "p_value", "p_holm", "test", "better")


def _g(v: float) -> str:
    """Four significant digits: a comparison table stays narrow (JSON/CSV keep them all)."""
    return short(v) if v != v or v in (float("inf"), float("-inf")) else unsigned_zero(f"{v:.4g}")


def _verdict(d: Any) -> str:
    return {"a": "A better", "b": "B better"}.get(d.better, "no difference")


def render_comparison(c: Any, fmt: str, pictures: Any = None, *, width: int | None = None) -> str:
    """The comparison as ``fmt``; a table at most ``width`` characters wide (default: the
    terminal's); ``pictures``: A's and B's :class:`~losscli.report.curves.Pictures` for
    ``html``."""
    if fmt == "html":
        from losscli.report.html import comparison_html

        return comparison_html(c, pictures)
    if fmt == "json":
        return jsontext.dumps(c.to_dict()) + "\n"
    rows = list(c.differences.values())
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(HEADER)]
        for d in rows:
            cells = [d.a, d.b, d.delta, d.low, d.high, d.p_value, d.p_holm]
            lines.append(sep.join([d.name, *(num(v) for v in cells), d.test, d.better]))
        lines += breakdown.comparison_lines(c, sep)  # --per-class: A, B, B - A
        return "\n".join(lines) + "\n"
    level = f"{c.level:.0%}"
    if fmt == "markdown":
        out = [
            f"**losscli compare** · A `{c.source_a}` · B `{c.source_b}` · "
            f"{c.a.n_samples} samples · alpha {c.alpha}",
            "",
            f"| figure | A | B | B − A [{level} interval] | p (Holm) | test | |",
            "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for d in rows:
            mark = {"a": "❌ worse in B", "b": "✅ better in B"}.get(d.better, "no difference")
            out.append(
                f"| {d.name} | {short(d.a)} | {short(d.b)} | {short(d.delta)} "
                f"[{short(d.low)}, {short(d.high)}] | {short(d.p_value)} ({short(d.p_holm)}) | "
                f"{d.test} | {mark} |"
            )
        out += breakdown.comparison_markdown(c)  # --per-class
        worse = sum(d.worse_in_b for d in rows)
        out.append(
            f"\n❌ {worse} figure(s) significantly worse in B (p Holm < {c.alpha})"
            if worse
            else f"\n✅ no figure significantly worse in B (p Holm < {c.alpha})"
        )
        for n in c.notes:
            out.append(f"\n> note: {n}")
        return "\n".join(out) + "\n"
    if fmt != "table":
        raise UsageError(f"unknown format {fmt!r}: one of {', '.join(COMPARE_FORMATS)}")
    w = layout.terminal_width() if width is None else max(width, layout.MIN_WIDTH)
    header = ["figure", "A", "B", f"B - A [{level} interval]", "p (Holm)", "test", ""]
    body = [
        [
            d.name,
            _g(d.a),
            _g(d.b),
            f"{_g(d.delta)} [{_g(d.low)}, {_g(d.high)}]",
            f"{_g(d.p_value)} ({_g(d.p_holm)})",
            d.test,
            _verdict(d),
        ]
        for d in rows
    ]
    out = [layout.middle(f"A: {c.source_a}", w), layout.middle(f"B: {c.source_b}", w)]
    out += layout.wrap(f"{count(c.a.n_samples)} samples, alpha {c.alpha}", w)
    out += layout.table(
        header, body, width=w, right=[False, True, True, True, True, False, False], shrink=(0,)
    )
    per_class = breakdown.comparison_rows(c)  # --per-class: A, B, B - A
    if per_class:
        out.append("")
        out += layout.table(
            ["breakdown", "A", "B", "B - A"],
            [[n, _g(a), _g(b), _g(float(b) - float(a))] for n, a, b in per_class],
            width=w,
            right=[False, True, True, True],
            shrink=(0,),
        )
    for n in c.notes:
        out += layout.wrap(f"note: {n}", w)
    return "\n".join(out) + "\n"


def comparison_junit(c: Any) -> bytes:
    """A testsuite with one testcase per figure: a failure where B is significantly worse."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="losscli")
    failures = [d for d in c.differences.values() if d.worse_in_b]
    suite = ET.SubElement(
        root,
        "testsuite",
        name="losscli compare",
        tests=str(len(c.differences)),
        failures=str(len(failures)),
        errors="0",
    )
    for d in c.differences.values():
        case = ET.SubElement(suite, "testcase", name=f"compare {d.name}", classname="losscli")
        text = (
            f"A {d.a!r}, B {d.b!r}, delta {d.delta!r} [{d.low!r}, {d.high!r}], "
            f"p {d.p_value!r} (Holm {d.p_holm!r}), {d.test}"
        )
        if d.worse_in_b:
            ET.SubElement(case, "failure", message=f"{d.name} worse in B").text = text
        else:
            ET.SubElement(case, "system-out").text = text
    root.set("tests", suite.get("tests", "0"))
    root.set("failures", suite.get("failures", "0"))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
