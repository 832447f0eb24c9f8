"""``losscli compare A B``: a paired comparison of two prediction sets of the same samples."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import typer

from losscli.cli.app import app
from losscli.cli.evaluate import dask_engine, emit
from losscli.cli.exits import errors
from losscli.cli.options import build_options
from losscli.cli.outputs import check_outputs, weights_file
from losscli.cli.params import (
    AllowMissingOpt,
    ChunkOpt,
    CiLevelOpt,
    CiMethodOpt,
    CiOpt,
    ColorOpt,
    ConfigOpt,
    DecimalOpt,
    DelimiterOpt,
    EngineOpt,
    IdOpt,
    InputFormatOpt,
    JunitOpt,
    LogitsOpt,
    LossOpt,
    MetricOpt,
    NBootOpt,
    NoConfigOpt,
    NoHeaderOpt,
    OutputOpt,
    ParamOpt,
    PerClassOpt,
    PosLabelOpt,
    PredColOpt,
    QuietOpt,
    SchedulerOpt,
    SeedOpt,
    StrictOpt,
    TargetColOpt,
    TaskOpt,
    WeightsOpt,
)
from losscli.errors import UsageError, unknown_choice


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    a: Annotated[
        str,
        typer.Argument(
            metavar="A", help="The baseline's predictions (with targets, or see --targets)."
        ),
    ],
    b: Annotated[
        str, typer.Argument(metavar="B", help="The candidate's predictions, of the same samples.")
    ],
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets", metavar="PATH", help="Shared targets (otherwise A and B hold their own)."
        ),
    ] = None,
    test: Annotated[
        str,
        typer.Option(
            "--test",
            metavar="T",
            help="auto (McNemar for accuracy, DeLong for roc_auc, the paired bootstrap "
            "otherwise), bootstrap, randomization, or ttest (paired t on per-sample losses).",
        ),
    ] = "auto",
    alpha: Annotated[
        float,
        typer.Option("--alpha", metavar="A", help="Significance level (Holm-adjusted p-values)."),
    ] = 0.05,
    fail_if_worse: Annotated[
        bool,
        typer.Option(
            "--fail-if-worse", help="Exit 1 when B is significantly worse than A on any figure."
        ),
    ] = False,
    loss: LossOpt = None,
    metric: MetricOpt = None,
    task: TaskOpt = None,
    param: ParamOpt = None,
    from_logits: LogitsOpt = False,
    weights: WeightsOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FMT", help="table, json, csv, tsv, markdown or html."
        ),
    ] = "table",
    output: OutputOpt = None,
    junit: JunitOpt = None,
    strict: StrictOpt = False,
    id_col: IdOpt = None,
    allow_missing: AllowMissingOpt = False,
    target_col: TargetColOpt = None,
    pred_col: PredColOpt = None,
    no_header: NoHeaderOpt = False,
    input_format: InputFormatOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    pos_label: PosLabelOpt = None,
    color: ColorOpt = "auto",
    chunk_size: ChunkOpt = None,
    ci: CiOpt = None,
    per_class: PerClassOpt = None,
    ci_level: CiLevelOpt = None,
    ci_method: CiMethodOpt = None,
    n_boot: NBootOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Compare two prediction sets of the same samples: A (baseline) against B (candidate),
    every figure's difference B - A with its interval and a paired test."""
    from losscli.engines.compare import compare
    from losscli.io import atomic
    from losscli.report.comparison import COMPARE_FORMATS, comparison_junit, render_comparison

    with errors():
        if fmt not in COMPARE_FORMATS:
            raise unknown_choice("format", fmt, COMPARE_FORMATS)
        if color not in ("auto", "always", "never"):
            raise unknown_choice("--color", color, ("auto", "always", "never"))
        if "-" in (a, b) and (a, b).count("-") > 1:
            raise UsageError("standard input ('-') can be read only once")
        options, _ = build_options(ctx.params)
        check_outputs(  # before anything is read: an output never replaces an input
            [("-o", output), ("--junit", junit)],
            [("input", a), ("input", b), ("--targets", targets)]
            + [("--weights", weights_file(options.weights))],
        )
        from losscli.cli.evaluate import pictures_collector

        dask = dask_engine(engine, scheduler)
        if dask is not None and fmt == "html":
            raise UsageError(
                "compare --engine dask gathers no pictures for -f html yet",
                hint="use --engine local for the page, or another --format",
            )
        collect = pictures_collector(fmt, options), pictures_collector(fmt, options)
        sides = None if collect[0] is None else collect
        if dask is not None:
            result = dask.compare(
                a, b, options, targets=targets, test=test, alpha=alpha, scheduler=scheduler
            )
        else:
            result = compare(a, b, options, targets=targets, test=test, alpha=alpha, collect=sides)
        pictures = None if sides is None else [c.pictures() for c in sides]
        text = render_comparison(result, fmt, pictures)
        if not quiet:
            for w in [*result.a.warnings, *result.b.warnings]:
                sys.stderr.write(f"warning: {w}\n")
        failed = result.failures()
        if fail_if_worse:
            for line in failed:
                sys.stderr.write(f"gate failed: {line}\n")
        with contextlib.ExitStack() as stack:  # every output renamed into place together
            outputs: list[tuple[str, bytes]] = []
            if junit is not None:
                outputs.append((junit, comparison_junit(result)))
            if output is not None:
                outputs.append((output, text.encode()))
            for path, data in outputs:
                stack.enter_context(atomic.atomic_writer(path)).write(data)
        emit(text, output, None)
    if fail_if_worse and failed:
        raise typer.Exit(1)
