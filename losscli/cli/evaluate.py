"""``losscli eval``: one evaluation, its report and its output files."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated, Any

import typer

from losscli.cli.app import app
from losscli.cli.exits import broken_pipe, errors
from losscli.cli.options import build_options
from losscli.cli.outputs import check_outputs, weights_file
from losscli.cli.params import (
    AllowMissingOpt,
    AtolOpt,
    BaselineOpt,
    CheckOpt,
    ChunkOpt,
    CiLevelOpt,
    CiMethodOpt,
    CiOpt,
    ColorOpt,
    ConfigOpt,
    DecimalOpt,
    DelimiterOpt,
    EngineOpt,
    FilesArg,
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
    ValueOpt,
    WeightsOpt,
    use_color,
)
from losscli.errors import UsageError, unknown_choice
from losscli.options import EvalOptions


def dask_engine(engine: str, scheduler: str | None) -> Any:
    """The Dask engine module for ``--engine dask``, or None for the local engine."""
    if engine not in ("local", "dask"):
        raise unknown_choice("--engine", engine, ("local", "dask"))
    if engine == "local":
        if scheduler is not None:
            raise UsageError("--scheduler needs --engine dask")
        return None
    from losscli.engines import dask as engine_dask

    engine_dask.require()  # a usage error naming the pip command when Dask is missing
    return engine_dask


def check_format_and_color(fmt: str, color: str) -> None:
    from losscli.report import render

    if fmt not in render.REPORT_FORMATS:
        raise unknown_choice("format", fmt, render.REPORT_FORMATS)
    if color not in ("auto", "always", "never"):
        raise unknown_choice("--color", color, ("auto", "always", "never"))


# Settings a config file may supply; a flag given on the command line wins.


@app.command("eval")
def eval_cmd(
    ctx: typer.Context,
    files: FilesArg,
    loss: LossOpt = None,
    metric: MetricOpt = None,
    task: TaskOpt = None,
    param: ParamOpt = None,
    from_logits: LogitsOpt = False,
    weights: WeightsOpt = None,
    fmt: FormatOpt = "table",
    value: ValueOpt = None,
    output: OutputOpt = None,
    per_sample: Annotated[
        str | None,
        typer.Option(
            "--per-sample",
            metavar="PATH",
            help="Write every sample's losses to PATH (.csv .tsv .jsonl .parquet .npy); '-' is "
            "stdout, and then the report goes to stderr.",
        ),
    ] = None,
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
    chunk_size: ChunkOpt = None,
    nan_policy: NanOpt = None,
    ci: CiOpt = None,
    ci_level: CiLevelOpt = None,
    ci_method: CiMethodOpt = None,
    n_boot: NBootOpt = None,
    seed: SeedOpt = None,
    group_by: GroupByOpt = None,
    per_class: PerClassOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate one set of predictions: per-sample losses, their mean, and metrics."""
    from losscli.io import persample

    with errors():
        if len(files) > 2:
            raise UsageError(
                f"eval takes one or two files, got {len(files)}",
                hint="use `losscli batch` for many prediction files",
            )
        check_format_and_color(fmt, color)
        if value is not None:
            if getattr(ctx.get_parameter_source("fmt"), "name", None) == "DEFAULT":
                fmt = "value"
            elif fmt != "value":
                raise UsageError(f"--value prints one figure: it needs -f value, not -f {fmt}")
        if files.count("-") > 1:
            raise UsageError("standard input ('-') can be read only once")
        ps_fmt = persample.per_sample_format(per_sample) if per_sample else None
        options, config_path = build_options(ctx.params)
        check_outputs(
            [("-o", output), ("--per-sample", per_sample), ("--junit", junit)],
            [("input", f) for f in files] + [("--weights", weights_file(options.weights))],
        )
        try:
            report, text = run_eval(
                files,
                options,
                fmt=fmt,
                output=output,
                per_sample=per_sample,
                ps_fmt=ps_fmt,
                junit=junit,
                color=color,
                engine=engine,
                scheduler=scheduler,
                quiet=quiet,
                config_path=config_path,
            )
        except BrokenPipeError:
            # `--per-sample - | head`: the reader went away; end quietly, successfully
            broken_pipe()
            raise typer.Exit(0) from None
        emit(text, output, per_sample)
    if not report.passed:
        raise typer.Exit(1)


def run_eval(
    files: list[str],
    options: EvalOptions,
    *,
    fmt: str,
    output: str | None,
    per_sample: str | None,
    ps_fmt: str | None,
    junit: str | None,
    color: str,
    engine: str,
    scheduler: str | None,
    quiet: bool,
    config_path: str | None,
) -> tuple[Any, str]:
    """Evaluate, stream per-sample losses, render; files appear only when all succeeded."""
    from losscli import phases
    from losscli.api import evaluate
    from losscli.cli.progress import Progress, RowsOf
    from losscli.io import atomic, persample
    from losscli.report import render
    from losscli.report.gates import gate_failures
    from losscli.report.junit import junit_xml

    dask = dask_engine(engine, scheduler)
    with contextlib.ExitStack() as stack:
        sink = None
        writer = None
        if per_sample is not None and dask is None:
            fh = (
                sys.stdout.buffer
                if per_sample == "-"
                else stack.enter_context(atomic.atomic_writer(per_sample))
            )
            # a file (not stdout) can be started again if the input is read twice
            writer = persample.PerSampleWriter(fh, ps_fmt or "csv", resettable=per_sample != "-")
            stack.callback(writer.abandon)  # a failed run stops its formatting threads
            sink = writer
        y_true, y_pred = files[0], files[1] if len(files) > 1 else None
        if dask is not None:
            report = dask.evaluate(
                y_true,
                y_pred,
                options,
                scheduler=scheduler,
                per_sample=per_sample,
            )
        collect = pictures_collector(fmt, options) if dask is None else None
        if dask is None:
            rows_of = RowsOf(y_pred if y_pred is not None else y_true, not options.header)
            with (
                Progress("rows", enabled=not quiet, rows_total=rows_of) as bar,
                phases.watching(bar if bar.enabled else None),
            ):
                report = evaluate(
                    y_true,
                    y_pred,
                    options,
                    keep_per_sample=False,
                    per_sample_sink=sink,
                    progress=bar.rows,
                    collect=collect,
                    preview=fmt == "table",  # the only output that shows it
                )
        if writer is not None:
            writer.close()
        report.config = config_path
        report_stream = sys.stderr if per_sample == "-" else sys.stdout
        terminal = output is None and bool(getattr(report_stream, "isatty", lambda: False)())
        # warnings and notes on stderr (what pipelines read), each once: a table holds
        # them only when stderr does not (--quiet, the report on stderr) or it is a file
        on_stderr = not quiet and report_stream is not sys.stderr
        text = render.render(
            report,
            fmt,
            color=report_color(color, report_stream, output),
            terminal=terminal,
            value=options.value,
            pictures=collect.pictures() if collect is not None else no_pictures(fmt, dask),
            source=y_pred if y_pred is not None else y_true,
            messages=not on_stderr or output is not None,
            histogram=not quiet,
        )
        if on_stderr:
            for w in report.warnings:
                sys.stderr.write(f"warning: {w}\n")
            for n in report.notes:
                sys.stderr.write(f"note: {n}\n")
        for line in gate_failures(report):
            sys.stderr.write(f"gate failed: {line}\n")
        # every output file is renamed into place as the stack closes, together: if one
        # cannot be written, the others are discarded too
        outputs: list[tuple[str, bytes]] = []
        if junit is not None:
            outputs.append((junit, junit_xml([("eval", report)])))
        if output is not None:
            outputs.append((output, text.encode()))
        for path, data in outputs:
            stack.enter_context(atomic.atomic_writer(path)).write(data)
    return report, text


def pictures_collector(fmt: str, options: EvalOptions) -> Any:
    """``-f html``: what its pictures need, gathered as the input is scored (the decision
    threshold of binary probabilities from ``--param threshold``)."""
    if fmt != "html":
        return None
    from losscli.engines.local import make_settings
    from losscli.engines.plotdata import Collector

    params = make_settings(options).params
    # the bins of the ece metric (15 by default), so that the diagram's ECE is the report's
    n_bins = int(params.get("n_bins", 15))
    return Collector(threshold=float(params.get("threshold", 0.5)), n_bins=n_bins)


def no_pictures(fmt: str, dask: Any) -> Any:
    """``-f html`` on the Dask engine: the page says why it has no pictures."""
    if fmt != "html" or dask is None:
        return None
    from losscli.report.curves import Pictures

    reason = "--engine dask gathers no pictures yet: make the page with --engine local"
    return Pictures(task="", classes=[], missing=[reason])


def report_color(choice: str, stream: Any, output: str | None) -> bool:
    """Colour in the table: ``always`` colours wherever the report goes (a pipe, a file);
    ``auto`` only a terminal, and never with ``NO_COLOR`` or ``TERM=dumb``."""
    if choice == "always":
        return True
    return output is None and use_color(choice, stream)


def emit(text: str, output: str | None, per_sample: str | None) -> None:
    """The report to stdout (stderr when per-sample losses went to stdout)."""
    if output is not None:
        return
    try:
        if per_sample == "-":
            sys.stdout.flush()
            sys.stderr.write(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`| head`): end quietly, successfully
        broken_pipe()
        if per_sample == "-":
            sys.stderr.write(text)
