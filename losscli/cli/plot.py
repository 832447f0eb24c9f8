"""``losscli plot FILE [FILE] --kind K -o OUT``: a picture of one evaluation (or of
several models' predictions on one roc / pr / calibration plot).

The inputs are read and validated as by ``eval`` (:mod:`losscli.engines.plotdata`); the
numbers come from :mod:`losscli.report.curves` and the drawing from
:mod:`losscli.report.plots` (matplotlib, the ``losscli[plot]`` extra).  The picture is
written atomically, and only when everything succeeded.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from losscli.cli.app import app
from losscli.cli.exits import errors
from losscli.cli.options import build_options
from losscli.cli.outputs import check_outputs, weights_file
from losscli.cli.params import (
    AllowMissingOpt,
    ChunkOpt,
    ConfigOpt,
    DecimalOpt,
    DelimiterOpt,
    IdOpt,
    InputFormatOpt,
    LogitsOpt,
    LossOpt,
    NanOpt,
    NoConfigOpt,
    NoHeaderOpt,
    ParamOpt,
    PosLabelOpt,
    PredColOpt,
    QuietOpt,
    StrictOpt,
    TargetColOpt,
    TaskOpt,
    WeightsOpt,
)
from losscli.errors import UsageError, unknown_choice

KINDS = ("roc", "pr", "calibration", "confusion", "loss-hist", "residuals", "margin-losses")
COMPARING = ("roc", "pr", "calibration")  # kinds that draw several models on one plot
DEFAULT_SIZE = {"calibration": (6.0, 6.5), "confusion": (10.0, 4.8), "residuals": (10.0, 4.5)}


def _pair(text: str, flag: str) -> tuple[float, float]:
    try:
        a, b = (float(x) for x in text.split(","))
    except ValueError:
        raise UsageError(f"{flag} takes two numbers separated by a comma, got {text!r}") from None
    return a, b


def _inputs(
    files: list[str], targets: str | None, models: bool, kind: str
) -> list[tuple[Any, Any]]:
    """(targets, predictions) of every evaluation to draw (predictions None: one file)."""
    if not files:
        raise UsageError(f"--kind {kind} draws an evaluation: give its FILE [FILE]")
    if files.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    if targets is not None or models:
        if len(files) > 1 and kind not in COMPARING:
            raise UsageError(
                f"--kind {kind} draws one model; several prediction files go on "
                f"{', '.join(COMPARING)} plots"
            )
        return [(targets, f) if targets is not None else (f, None) for f in files]
    if len(files) > 2:
        raise UsageError(
            f"plot takes one or two files (targets, predictions), got {len(files)}",
            hint="to compare models on one plot, give the shared --targets PATH, or --models "
            "when every file holds its own targets",
        )
    return [(files[0], files[1] if len(files) == 2 else None)]


@app.command("plot")
def plot_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE [FILE]",
            help="As for eval: one file with targets and predictions, or a targets file "
            "then a predictions file. With --targets or --models: one prediction file per "
            "model (one curve each, labelled by the file name). None for margin-losses.",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", "-k", metavar="K", help=f"The picture: {', '.join(KINDS)}.")
    ] = "",
    output: Annotated[
        str,
        typer.Option("--output", "-o", metavar="OUT", help="The picture: a .png or .svg file."),
    ] = "",
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets",
            metavar="PATH",
            help="Shared targets: every FILE is then a model's predictions.",
        ),
    ] = None,
    models: Annotated[
        bool,
        typer.Option("--models", help="Every FILE is one model's file with its own targets."),
    ] = False,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="The picture's title.")
    ] = None,
    size: Annotated[
        str | None,
        typer.Option("--size", metavar="W,H", help="Width and height in inches (default 6,5)."),
    ] = None,
    dpi: Annotated[
        float, typer.Option("--dpi", metavar="N", help="Pixels per inch of a PNG.")
    ] = 150.0,
    bins: Annotated[
        int | None,
        typer.Option(
            "--bins", metavar="N", help="Bins of calibration (default 10) and loss-hist (50)."
        ),
    ] = None,
    margin_range: Annotated[
        str,
        typer.Option("--range", metavar="LO,HI", help="margin-losses: the margins drawn."),
    ] = "-4,4",
    ymax: Annotated[
        float, typer.Option("--ymax", metavar="Y", help="margin-losses: the top of the loss axis.")
    ] = 8.0,
    loss: LossOpt = None,
    task: TaskOpt = None,
    param: ParamOpt = None,
    from_logits: LogitsOpt = False,
    weights: WeightsOpt = None,
    strict: StrictOpt = False,
    id_col: IdOpt = None,
    allow_missing: AllowMissingOpt = False,
    target_col: TargetColOpt = None,
    pred_col: PredColOpt = None,
    pos_label: PosLabelOpt = None,
    no_header: NoHeaderOpt = False,
    input_format: InputFormatOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    nan_policy: NanOpt = None,
    chunk_size: ChunkOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Draw a picture of an evaluation: roc, pr, calibration, confusion, loss-hist,
    residuals, or margin-losses (the margin losses over a range of margins, no FILE).

    The inputs are read as by eval.  -l picks the loss of loss-hist (default: the task's)
    and the losses of margin-losses (default: all six).  Every kind uses --weights
    (confusion: the weighted counts).  A huge input streams: roc and pr sort every score
    once and draw a few thousand points; the other kinds are drawn from binned counts."""
    import sys

    with errors():
        if kind not in KINDS:
            if not kind:
                raise UsageError("plot needs --kind", hint=f"one of {', '.join(KINDS)}")
            raise unknown_choice("--kind", kind, KINDS)
        if not output:
            raise UsageError("plot needs -o OUT (a .png or .svg file)")
        from losscli.report import plots

        fmt = plots.image_format(output)
        plots.require()
        w, h = _pair(size, "--size") if size else DEFAULT_SIZE.get(kind, (6.0, 5.0))
        if not (0 < w <= 100 and 0 < h <= 100):
            raise UsageError(f"--size must be between 0 and 100 inches, got {w},{h}")
        if not (10 <= dpi <= 1200):
            raise UsageError(f"--dpi must be between 10 and 1200, got {dpi:g}")
        if bins is not None and bins < 1:
            raise UsageError("--bins must be at least 1")
        if kind == "margin-losses":
            if files:
                raise UsageError("--kind margin-losses draws the losses themselves: no FILE")
            data = None
            lo, hi = _pair(margin_range, "--range")
            fig = _margin(plots, loss, lo, hi, ymax, (w, h), dpi, title)
        else:
            inputs = _inputs(list(files or []), targets, models, kind)
            options, _ = build_options(ctx.params)
            check_outputs(
                [("-o", output)],
                [("input", f) for pair in inputs for f in pair if f is not None]
                + [("--weights", weights_file(options.weights))],
            )
            from losscli.engines.plotdata import gather

            stdin = sys.stdin.buffer if "-" in (files or []) else None
            chosen = loss[0] if loss else None
            data = [
                gather(t, p, options, stdin=stdin, kind=kind, bins=bins, loss=chosen)
                for t, p in inputs
            ]
            from losscli.cli.plotdraw import draw

            fig = draw(plots, kind, data, (w, h), dpi, title, bins, loss)
        payload = plots.render(fig, fmt)
        from losscli.io import atomic

        with atomic.atomic_writer(output) as fh:
            fh.write(payload)
        if not quiet:
            for d in data or []:
                for line in d.report.warnings:
                    sys.stderr.write(f"warning: {d.name}: {line}\n")
            sys.stderr.write(f"wrote {output}\n")


def _margin(
    plots: Any,
    names: list[str] | None,
    lo: float,
    hi: float,
    ymax: float,
    size: tuple[float, float],
    dpi: float,
    title: str | None,
) -> Any:
    from losscli.report import curves

    if not ymax > 0:
        raise UsageError(f"--ymax must be positive, got {ymax:g}")
    m, values = curves.margin_losses(tuple(names) if names else None, lo, hi)
    fig, axes = plots.new_figure(size, dpi)
    plots.margin_losses(fig, axes[0][0], m, values, title, ymax)
    return fig
