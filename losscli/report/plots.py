"""The pictures of ``losscli plot``, drawn with matplotlib (the ``losscli[plot]`` extra).

No pyplot: every picture is a :class:`matplotlib.figure.Figure` rendered by the Agg or SVG
canvas, so nothing needs a display and no global state is touched.  The theme prints well
in grey: every series has its own line style and marker besides its colour (the
colour-blind-safe Okabe-Ito palette), grid lines are light, text is black.  The numbers come
from :mod:`losscli.report.curves`; this module only draws them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.report import curves as C

INSTALL = "pip install 'losscli[plot]'"
EXTENSIONS = {".png": "png", ".svg": "svg"}
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "x", "P")
RC: dict[Any, Any] = {
    "font.size": 10,
    "axes.grid": True,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#333333",
    "axes.titleweight": "bold",
    "legend.framealpha": 0.9,
    "svg.hashsalt": "losscli",  # the same SVG for the same data
    "svg.fonttype": "path",
    "image.cmap": "Greys",
}


def require() -> Any:
    """matplotlib, or a usage error naming the command that installs it."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError(
            "losscli plot needs matplotlib, which is not installed", hint=f"run {INSTALL}"
        ) from None
    return matplotlib


def image_format(path: str) -> str:
    """``png`` or ``svg`` from the output's extension; another one is a usage error."""
    import os

    ext = os.path.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        raise UsageError(
            f"-o {path}: a picture is written as .png or .svg, not {ext or 'no extension'!s}",
            hint="end -o with .png or .svg",
        )
    return EXTENSIONS[ext]


def style(i: int) -> dict[str, Any]:
    """The look of series ``i``: colour, line style and marker all differ."""
    return {
        "color": COLOURS[i % len(COLOURS)],
        "linestyle": STYLES[i % len(STYLES)],
        "marker": MARKERS[i % len(MARKERS)],
        "markersize": 5,
        "markerfacecolor": "white" if i % 2 else COLOURS[i % len(COLOURS)],
        "linewidth": 1.8,
    }


def new_figure(size: tuple[float, float], dpi: float, rows: int = 1, cols: int = 1, **kw: Any):
    """A figure of ``size`` inches and its axes (one, or a grid)."""
    require()
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def _marks(n: int) -> int | None:
    """Markers on a line of ``n`` points: about ten of them, so a grey print tells the
    lines apart without a cloud of symbols."""
    return max(1, n // 10)


def _title(fig: Any, title: str | None, default: str) -> None:
    fig.suptitle(title if title is not None else default, fontweight="bold")


def roc(fig: Any, ax: Any, series: Sequence[tuple[str, C.Curve]], title: str | None) -> None:
    ax.plot([0, 1], [0, 1], color="#888888", linestyle=":", linewidth=1, label="chance (0.5)")
    for i, (name, c) in enumerate(series):
        ax.plot(
            c.x, c.y, markevery=_marks(len(c.x)), label=f"{name} (AUC {c.value:.3f})", **style(i)
        )
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), aspect="equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right")
    _title(fig, title, "ROC curve")


def pr(
    fig: Any,
    ax: Any,
    series: Sequence[tuple[str, C.Curve]],
    title: str | None,
    prevalence: Sequence[float],
) -> None:
    for i, (name, c) in enumerate(series):
        ax.plot(
            c.x, c.y, markevery=_marks(len(c.x)), label=f"{name} (AP {c.value:.3f})",
            drawstyle="steps-post", **style(i),
        )  # fmt: skip
    if prevalence:
        base = float(np.mean(prevalence))
        ax.axhline(base, color="#888888", linestyle=":", linewidth=1, label=f"chance ({base:.3f})")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(loc="lower left")
    _title(fig, title, "Precision-recall curve")


def calibration(
    fig: Any, axes: Any, series: Sequence[tuple[str, C.Bins]], title: str | None
) -> None:
    """The reliability diagram above, the count of every bin beneath."""
    top, bottom = axes[0][0], axes[1][0]
    top.plot([0, 1], [0, 1], color="#888888", linestyle=":", linewidth=1, label="perfect")
    k = len(series)
    for i, (name, b) in enumerate(series):
        filled = b.counts > 0
        top.plot(
            b.mean_pred[filled], b.observed[filled], label=f"{name} (ECE {b.ece:.3f})", **style(i)
        )
        width = np.diff(b.edges) / (k + 0.5)
        left = b.edges[:-1] + width * (i + 0.25)
        st = style(i)
        hatch = ("", "//", "..", "xx", "\\\\", "++", "oo")[i % 7]
        bottom.bar(
            left, b.counts, width=width, align="edge", color=st["color"], alpha=0.85,
            edgecolor="black", linewidth=0.5, hatch=hatch, label=name,
        )  # fmt: skip
    top.set(xlim=(0, 1), ylim=(-0.01, 1.01))
    top.set_ylabel("observed frequency")
    top.legend(loc="upper left")
    bottom.set_xlim(0, 1)
    bottom.set_xlabel(series[0][1].label)
    bottom.set_ylabel("samples")
    _title(fig, title, "Reliability diagram")


def confusion(
    fig: Any,
    axes: Any,
    matrix: np.ndarray,
    classes: Sequence[str],
    title: str | None,
    *,
    weighted: bool = False,
) -> None:
    """Two heat maps: the counts (weighted: the sums of the weights), and each row
    normalised to the share of its true class."""
    k = matrix.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = matrix / matrix.sum(axis=1, keepdims=True)
    labels = list(classes) if len(classes) == k else [str(i) for i in range(k)]
    fmt_count = "{:,.4g}" if weighted else "{:,.0f}"
    for ax, values, what, fmt in (
        (axes[0][0], matrix, "weighted counts" if weighted else "counts", fmt_count),
        (axes[0][1], rows, "share of the true class", "{:.2f}"),
    ):
        shown = np.nan_to_num(values.astype(np.float64))
        top = shown.max() if shown.size and shown.max() > 0 else 1.0
        ax.imshow(shown, cmap="Blues", vmin=0, vmax=top)
        ax.grid(False)
        for r in range(k):
            for c in range(k):
                v = values[r, c]
                dark = shown[r, c] > top * 0.6
                ax.text(
                    c, r, fmt.format(v) if np.isfinite(v) else "-", ha="center", va="center",
                    color="white" if dark else "black", fontsize=9 if k <= 10 else 6,
                )  # fmt: skip
        ax.set_xticks(range(k), labels, rotation=45 if k > 4 else 0)
        ax.set_yticks(range(k), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(what, fontsize=10)
    _title(fig, title, "Confusion matrix" + (" (sample weights)" if weighted else ""))


def spread_is_wide(values: np.ndarray) -> bool:
    """A log scale when the positive values span more than three decades between their
    1st and 99th percentile (or the largest is over 1000 times the median)."""
    pos = values[np.isfinite(values) & (values > 0)]
    if pos.size < 2:
        return False
    lo, med, hi = np.percentile(pos, [1, 50, 99])
    return bool(hi > 1000 * lo or pos.max() > 1000 * med)


def loss_hist(
    fig: Any,
    ax: Any,
    values: np.ndarray,
    name: str,
    weights: np.ndarray | None,
    title: str | None,
    bins: int,
) -> None:
    """The histogram of per-sample values, through the binned counts of a sketch."""
    sketch = C.Sketch()
    sketch.add(values, weights)
    loss_hist_binned(fig, ax, sketch.hist(bins), name, weights is not None, title)


def loss_hist_binned(
    fig: Any, ax: Any, h: C.Hist, name: str, weighted: bool, title: str | None
) -> None:
    """Bars of binned counts, the mean and the median marked; a log scale when the
    spread asks for it (:meth:`losscli.report.curves.Sketch.hist` decides)."""
    if h.log:
        ax.set_xscale("log")
        if h.zeros:
            ax.text(
                0.99, 0.97, f"{h.zeros:,.6g} sample(s) with loss 0 not shown (log scale)",
                transform=ax.transAxes, ha="right", va="top", fontsize=8,
            )  # fmt: skip
    ax.stairs(h.counts, h.edges, fill=True, color="#9ecae1", edgecolor="#08519c", linewidth=1)
    if np.isfinite(h.mean) and (not h.log or h.mean > 0):
        ax.axvline(h.mean, color="black", linestyle="--", linewidth=1.5, label=f"mean {h.mean:.4g}")
    if np.isfinite(h.median) and (not h.log or h.median > 0):
        ax.axvline(
            h.median, color="#D55E00", linestyle=":", linewidth=1.5, label=f"median {h.median:.4g}"
        )
    ax.set_xlabel(f"{name} per sample" + (" (log scale)" if h.log else ""))
    ax.set_ylabel("weighted samples" if weighted else "samples")
    if np.isfinite(h.mean):
        ax.legend(loc="upper right" if not h.log else "upper left")
    _title(fig, title, f"Per-sample {name} ({h.n:,} samples)")


def residuals(fig: Any, axes: Any, y: np.ndarray, p: np.ndarray, title: str | None) -> None:
    """Residual (target - prediction) against the prediction, and their distribution."""
    r = (y - p).reshape(-1)
    q = p.reshape(-1)
    sketch = C.Sketch()
    sketch.add(r)
    h = sketch.hist(min(60, max(10, int(np.sqrt(r.size)))), log=False)
    rmse = float(np.sqrt(np.mean(r * r))) if r.size else np.nan
    residuals_binned(fig, axes, q, r, h, rmse, int(r.size), title)


def residuals_binned(
    fig: Any,
    axes: Any,
    q: np.ndarray,
    r: np.ndarray,
    h: C.Hist,
    rmse: float,
    n: int,
    title: str | None,
) -> None:
    """The residuals of a sample of rows (``q`` predictions, ``r`` residuals) against the
    prediction, and the histogram of every residual (binned counts ``h``)."""
    left, right = axes[0][0], axes[0][1]
    if r.size > 5000:  # a cloud of points becomes binned counts
        left.hexbin(q, r, gridsize=80, cmap="Greys", bins="log", mincnt=1)
    else:
        left.scatter(q, r, s=10, facecolors="none", edgecolors="#0072B2", linewidths=0.8)
    left.axhline(0.0, color="black", linestyle="--", linewidth=1)
    left.set_xlabel("prediction" + (f" ({r.size:,} of {n:,} rows)" if r.size < n else ""))
    left.set_ylabel("residual (target - prediction)")
    right.stairs(
        h.counts, h.edges, orientation="horizontal", fill=True, color="#9ecae1", edgecolor="#08519c"
    )
    right.axhline(0.0, color="black", linestyle="--", linewidth=1)
    right.axhline(h.mean, color="#D55E00", linestyle=":", linewidth=1.5, label=f"mean {h.mean:.3g}")
    right.set_xlabel("samples")
    right.legend(loc="upper right", fontsize=8)
    right.sharey(left)
    _title(fig, title, f"Residuals ({n:,} samples, RMSE {rmse:.4g})")


def margin_losses(
    fig: Any, ax: Any, m: np.ndarray, values: dict[str, np.ndarray], title: str | None, ymax: float
) -> None:
    """The margin losses as functions of the margin m = y·f(x)."""
    for i, (name, v) in enumerate(values.items()):
        st = style(i)
        if name == "zero_one":
            st.update(color="black", linestyle="-", linewidth=2.2)
        ax.plot(m, v, markevery=_marks(len(m)), label=C.MARGIN_LABELS.get(name, name), **st)
    ax.set_ylim(0, ymax)
    ax.set_xlim(m[0], m[-1])
    ax.axvline(0.0, color="#888888", linewidth=0.8)
    ax.set_xlabel(r"margin $m = y \cdot f(x)$")
    ax.set_ylabel(r"loss $L(y, f(x))$")
    ax.legend(loc="upper right")
    _title(fig, title, "Margin losses")


def render(fig: Any, fmt: str) -> bytes:
    """The picture as bytes (nothing is written here: the CLI writes them atomically)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()
