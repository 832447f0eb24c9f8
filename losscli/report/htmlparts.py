"""The pictures of an HTML report: the drawings of :mod:`losscli.report.plots` rendered as
SVG text, made fit to sit inline in a page (no XML prolog, no metadata, no namespace
addresses, ids unique across the page).

The numbers come from a :class:`~losscli.report.curves.Pictures` (gathered by
:class:`losscli.engines.plotdata.Collector` while the report's input is scored).  Without
matplotlib, :func:`figures` returns no picture and the page says which ``pip`` command
adds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from losscli.report import curves as C

SIZE = (6.0, 4.6)
WIDE = (9.0, 4.2)
DPI = 72.0


@dataclass
class Figure:
    """One picture of the page: its caption and its inline ``<svg>`` element."""

    caption: str
    svg: str
    wide: bool = False  # two panels side by side


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def mpl_text(text: str) -> str:
    """A name as matplotlib draws it literally: a ``$`` is no mathtext."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_META = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_NS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def inline_svg(svg: str, key: str) -> str:
    """matplotlib's SVG document as an element of an HTML page: the prolog, the metadata
    and the namespace declarations (addresses, though nothing is fetched) dropped, every
    id prefixed with ``key`` so that several pictures never share one."""
    s = _PROLOG.sub("", svg, count=1)
    s = _META.sub("", s)
    s = _COMMENT.sub("", s)  # matplotlib's comments repeat the labels: not needed
    s = _NS.sub("", s)
    s = s.replace("xlink:href=", "href=")
    s = re.sub(r'\bid="', f'id="{key}-', s)
    s = s.replace('href="#', f'href="#{key}-').replace("url(#", f"url(#{key}-")
    s = s.replace("<svg ", '<svg role="img" ', 1)
    return s.strip()


class _Draw:
    """Draws the pictures, each rendered to SVG text at once (nothing kept open)."""

    def __init__(self, key: str) -> None:
        from losscli.report import plots

        self.plots = plots
        self.key = key
        self.out: list[Figure] = []

    def add(self, caption: str, fig: Any, wide: bool = False) -> None:
        svg = self.plots.render(fig, "svg").decode()
        self.out.append(Figure(caption, inline_svg(svg, f"{self.key}{len(self.out)}"), wide))

    def new(self, size: tuple[float, float], rows: int = 1, cols: int = 1, **kw: Any) -> Any:
        return self.plots.new_figure(size, DPI, rows, cols, **kw)


def figures(series: Sequence[tuple[str, C.Pictures]], key: str = "f") -> list[Figure]:
    """The pictures that fit the task of ``series`` (one model, or A and B of a
    comparison drawn on the same roc / pr / calibration plot); empty without matplotlib."""
    if not series or not available():
        return []
    d = _Draw(key)
    names = [mpl_text(n) for n, _ in series]
    pics = [p for _, p in series]
    for n, p in zip(names, pics):
        if p.task == "multiclass" and p.confusion is not None:
            fig, axes = d.new(WIDE, 1, 2)
            classes = [mpl_text(c) for c in p.classes]
            d.plots.confusion(fig, axes, p.confusion, classes, None, weighted=p.weighted)
            who = f" of {n}" if len(pics) > 1 else ""
            d.add(
                f"Confusion matrix{who}" + (" (weighted counts)" if p.weighted else ""), fig, True
            )
        if p.residual_q is not None and p.residual_r is not None and p.residual_hist:
            fig, axes = d.new(WIDE, 1, 2, width_ratios=(3, 1))
            d.plots.residuals_binned(
                fig, axes, p.residual_q, p.residual_r, p.residual_hist, p.rmse, p.n, None
            )
            d.add(f"Residuals{' of ' + n if len(pics) > 1 else ''}", fig, True)
    rocs = [(n, p.roc) for n, p in zip(names, pics) if p.roc is not None]
    if rocs:
        fig, axes = d.new(SIZE)
        d.plots.roc(fig, axes[0][0], rocs, None)
        d.add("ROC curve (AUC from every point, the curve thinned to draw)", fig)
    prs = [(n, p.pr) for n, p in zip(names, pics) if p.pr is not None]
    if prs:
        fig, axes = d.new(SIZE)
        prevalence = [p.prevalence for p in pics if p.prevalence is not None]
        d.plots.pr(fig, axes[0][0], prs, None, prevalence)
        d.add("Precision-recall curve", fig)
    cal = [(n, p.calibration) for n, p in zip(names, pics) if p.calibration is not None]
    if cal:
        fig, axes = d.new((6.0, 5.6), 2, 1, height_ratios=(3, 1), sharex=True)
        d.plots.calibration(fig, axes, cal, None)
        k = len(cal[0][1].counts)
        d.add(f"Reliability diagram ({k} equal-width bins), the samples of every bin beneath", fig)
    for n, p in zip(names, pics):
        if p.hist is not None and p.loss is not None:
            fig, axes = d.new(SIZE)
            who = f" ({n})" if len(pics) > 1 else ""
            title = f"Per-sample {p.loss}{who}" if who else None
            d.plots.loss_hist_binned(fig, axes[0][0], p.hist, p.loss, p.weighted, title)
            d.add(f"Per-sample {p.loss}{who}, binned counts", fig)
    return d.out
