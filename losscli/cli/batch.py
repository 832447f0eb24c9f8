"""``losscli batch``: many prediction files scored in one run, one result each plus
``overall``."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import typer

from losscli.cli.app import app, figures
from losscli.cli.evaluate import check_format_and_color, dask_engine, emit, report_color
from losscli.cli.exits import errors
from losscli.cli.options import build_options
from losscli.cli.outputs import check_outputs, weights_file
from losscli.cli.params import (
    AllowMissingOpt,
    AtolOpt,
    BaselineOpt,
    CheckOpt,
    CiLevelOpt,
    CiMethodOpt,
    CiOpt,
    ColorOpt,
    ConfigOpt,
    DecimalOpt,
    DelimiterOpt,
    EngineOpt,
    FormatOpt,
    GroupByOpt,
    IdOpt,
    InputFormatOpt,
    JunitOpt,
    LogitsOpt,
    LossOpt,
    MetricOpt,
    NanOpt,
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
    ToleranceOpt,
    WeightsOpt,
)


@app.command("batch")
def batch_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_GLOB...",
            help="Prediction files, quoted globs or directories; each is scored on its own.",
            show_default=False,
        ),
    ],
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets",
            metavar="PATH",
            help="Shared targets for every file (otherwise each file holds its own).",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=0,
            help="Score files in N parallel processes; 0 (default): one per idle core from "
            "16 files on, else one. The figures are the same whatever N.",
        ),
    ] = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    sort_by: Annotated[
        str | None,
        typer.Option(
            "--sort-by",
            metavar="NAME",
            autocompletion=figures,
            help="Rank files by this loss or metric (better first, direction from the registry).",
        ),
    ] = None,
    skip_errors: Annotated[
        bool,
        typer.Option(
            "--skip-errors",
            help="Score the other files when one fails: its error is printed, the report "
            "(stdout, -o, --junit) is still written and lists it as skipped, and the run "
            "exits 3.",
        ),
    ] = False,
    loss: LossOpt = None,
    metric: MetricOpt = None,
    task: TaskOpt = None,
    param: ParamOpt = None,
    from_logits: LogitsOpt = False,
    weights: WeightsOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    check: CheckOpt = None,
    baseline: BaselineOpt = None,
    tolerance: ToleranceOpt = None,
    atol: AtolOpt = None,
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
    nan_policy: NanOpt = None,
    ci: CiOpt = None,
    ci_level: CiLevelOpt = None,
    ci_method: CiMethodOpt = None,
    n_boot: NBootOpt = None,
    seed: SeedOpt = None,
    group_by: GroupByOpt = None,
    per_class: PerClassOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score many prediction files: one result per file plus 'overall', pooled over every
    sample of every file."""
    from losscli.cli.progress import Progress
    from losscli.engines.batch import evaluate_batch
    from losscli.io import atomic
    from losscli.report import render
    from losscli.report.gates import gate_failures
    from losscli.report.junit import junit_xml

    with errors():
        check_format_and_color(fmt, color)
        options, config_path = build_options(ctx.params)
        check_outputs(
            [("-o", output), ("--junit", junit)],
            [("input", f) for f in files]
            + [("--targets", targets), ("--weights", weights_file(options.weights))],
        )
        dask = dask_engine(engine, scheduler)
        with Progress("files", enabled=not quiet) as bar:
            if dask is not None:
                result = dask.evaluate_batch(
                    files,
                    options,
                    targets=targets,
                    scheduler=scheduler,
                    sort_by=sort_by,
                    skip_errors=skip_errors,
                )
            else:
                result = evaluate_batch(
                    files,
                    options,
                    targets=targets,
                    jobs=jobs,
                    sort_by=sort_by,
                    skip_errors=skip_errors,
                    progress=bar.files,
                )
        result.overall.config = config_path
        terminal = output is None and sys.stdout.isatty()
        text = render.render_batch(
            result, fmt, terminal=terminal, color=report_color(color, sys.stdout, output)
        )
        for f in result.skipped:
            sys.stderr.write(f"error: {f.error}\n")
        scored = [(f.file, f.report) for f in result.files if f.report is not None]
        for where, rep in [*scored, ("overall", result.overall)]:
            for line in gate_failures(rep):
                sys.stderr.write(f"gate failed: {where}: {line}\n")
        with contextlib.ExitStack() as stack:  # all output files renamed into place together
            if junit is not None:
                xml = junit_xml(
                    [*scored, ("overall", result.overall)],
                    errors=[(f.file, str(f.error)) for f in result.skipped],
                )
                stack.enter_context(atomic.atomic_writer(junit)).write(xml)
            if output is not None:
                stack.enter_context(atomic.atomic_writer(output)).write(text.encode())
        emit(text, output, None)
    if result.skipped:
        raise typer.Exit(3)
    if not result.passed:
        raise typer.Exit(1)
