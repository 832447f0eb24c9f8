"""Render a comparison of two prediction sets (:class:`losscli.engines.compare.Comparison`)
as table, json, csv, tsv or markdown, and as JUnit (a testcase per figure)."""

from __future__ import annotations

import io
import json
from typing import Any

from losscli.errors import UsageError
from losscli.report import breakdown
from losscli.report.render import num, short

COMPARE_FORMATS = ("table", "json", "csv", "tsv", "markdown", "html")
HEADER = ("figure", "a", "b", "delta", "low", "high", "p_value", "p_holm", "test", "better")


def _g(v: float) -> str:
    """Four significant digits: a comparison table stays narrow (JSON/CSV keep them all)."""
    return short(v) if v != v or v in (float("inf"), float("-inf")) else f"{v:.4g}"


def _verdict(d: Any) -> str:
    return {"a": "A better", "b": "B better"}.get(d.better, "no difference")


def render_comparison(c: Any, fmt: str, pictures: Any = None) -> str:
    """``pictures``: A's and B's :class:`~losscli.report.curves.Pictures` for ``html``."""
    if fmt == "html":
        from losscli.report.html import comparison_html

        return comparison_html(c, pictures)
    if fmt == "json":
        return json.dumps(c.to_dict(), indent=2, allow_nan=False) + "\n"
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
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, no_color=True, highlight=False, width=120, emoji=False)
    t = Table(box=None, pad_edge=False)
    for h, justify in (
        ("figure", "left"),
        ("A", "right"),
        ("B", "right"),
        (f"B - A [{level} interval]", "right"),
        ("p (Holm)", "right"),
        ("test", "left"),
        ("", "left"),
    ):
        t.add_column(h, justify=justify)  # type: ignore[arg-type]
    for d in rows:
        t.add_row(
            d.name,
            _g(d.a),
            _g(d.b),
            f"{_g(d.delta)} [{_g(d.low)}, {_g(d.high)}]",
            f"{_g(d.p_value)} ({_g(d.p_holm)})",
            d.test,
            _verdict(d),
        )
    console.print(f"A: {c.source_a}\nB: {c.source_b}\n{c.a.n_samples} samples, alpha {c.alpha}")
    console.print(t)
    for line in breakdown.comparison_lines(c):  # --per-class
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for n in c.notes:
        console.print(f"note: {n}", markup=False)
    return buf.getvalue()


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
