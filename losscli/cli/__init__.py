"""The command line: a thin Typer layer over :func:`losscli.evaluate`.

Library code raises typed errors; this module alone turns them into
``error:`` messages and exit codes (0 ok, 1 gate failed, 2 usage, 3 input).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from losscli import __version__
from losscli.errors import LossCliError, UsageError

T = TypeVar("T")

app = typer.Typer(
    name="losscli",
    help="Loss calculator and model evaluator: per-sample losses, their mean and the "
    "metrics people report, from files of targets and predictions.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _debug() -> bool:
    return os.environ.get("LOSSCLI_DEBUG", "") not in ("", "0")


def _fail(exc: LossCliError) -> NoReturn:
    if _debug():
        traceback.print_exc()
    sys.stderr.write(f"error: {exc}\n")
    raise typer.Exit(exc.exit_code)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except LossCliError as exc:
        _fail(exc)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"losscli {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Loss calculator and model evaluator."""


def _use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _loss_help() -> str:
    from losscli.scoring import registry

    return (
        "Loss to compute (repeatable); 'auto' picks the task's default. One of: "
        + ", ".join(registry.LOSSES)
        + "."
    )


def _metric_help() -> str:
    from losscli.scoring import registry

    return (
        "Reporting metric (repeatable); default rmse for regression, accuracy for "
        "classification. One of: " + ", ".join(registry.METRICS) + "."
    )


# Options shared by eval and batch, declared once.
FilesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="FILE [FILE]",
        help="One file with targets and predictions, or a targets file then a predictions "
        "file. '-' reads stdin; a quoted glob or a directory is one dataset of shards.",
        show_default=False,
    ),
]
LossOpt = Annotated[
    list[str] | None, typer.Option("--loss", "-l", metavar="NAME", help=_loss_help())
]
MetricOpt = Annotated[
    list[str] | None, typer.Option("--metric", "-m", metavar="NAME", help=_metric_help())
]
TaskOpt = Annotated[
    str | None,
    typer.Option(
        "--task", metavar="T", help="auto (default), regression, binary, multiclass or multilabel."
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="KEY=VALUE",
        help="Loss/metric parameter (repeatable); applies to every selected entry that takes KEY.",
    ),
]
LogitsOpt = Annotated[
    bool,
    typer.Option("--from-logits", help="Predictions are raw scores/logits, not probabilities."),
]
WeightsOpt = Annotated[
    str | None,
    typer.Option(
        "--weights", metavar="SPEC", help="Per-sample weights: a file, or a column of the input."
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", metavar="F", help="table, json, csv, tsv, markdown or value."),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="PATH", help="Write the report to PATH (atomically)."),
]
CheckOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--check",
        metavar="EXPR",
        help="Gate such as 'accuracy>=0.9' (repeatable); exit 1 if any fails.",
    ),
]
BaselineOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="PATH",
        help="An earlier JSON report; exit 1 if a figure got worse by more than --tolerance.",
    ),
]
ToleranceOpt = Annotated[
    float | None,
    typer.Option(
        "--tolerance", metavar="REL", help="Relative tolerance for --baseline (default 0)."
    ),
]
AtolOpt = Annotated[
    float | None,
    typer.Option(
        "--atol",
        metavar="ABS",
        help="Absolute tolerance for --baseline (default 0): a figure fails when it got worse "
        "by more than ATOL + REL * |baseline|.",
    ),
]
JunitOpt = Annotated[
    str | None,
    typer.Option(
        "--junit",
        metavar="PATH",
        help="Write JUnit XML to PATH (atomically): one testcase per check and baseline figure.",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="Settings file (losscli.toml, or pyproject.toml with [tool.losscli]); by default "
        "found in the current directory or its parents. Flags override it.",
    ),
]
NoConfigOpt = Annotated[
    bool, typer.Option("--no-config", help="Ignore losscli.toml / [tool.losscli].")
]
AllowMissingOpt = Annotated[
    bool,
    typer.Option(
        "--allow-missing",
        help="With --id-col: drop ids found on one side only (counted in the report) "
        "instead of failing.",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bar and no warnings on stderr."),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Data warnings become errors (exit 3).")]
IdOpt = Annotated[
    str | None,
    typer.Option(
        "--id-col",
        metavar="NAME",
        help="Align targets and predictions by this key column instead of row order.",
    ),
]
TargetColOpt = Annotated[
    str | None,
    typer.Option(
        "--target-col",
        metavar="SPEC",
        help="Target column(s): names or 0-based indices, comma-separated.",
    ),
]
PredColOpt = Annotated[
    str | None,
    typer.Option(
        "--pred-col",
        metavar="SPEC",
        help="Prediction column(s): names or 0-based indices, comma-separated.",
    ),
]
NoHeaderOpt = Annotated[bool, typer.Option("--no-header", help="CSV/TSV files have no header row.")]
InputFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        metavar="F",
        help="Format of stdin or of files without a known extension: csv, tsv, npy, npz, "
        "parquet, jsonl.",
    ),
]
ChunkOpt = Annotated[
    int | None,
    typer.Option(
        "--chunk-size",
        metavar="ROWS",
        help="Rows per chunk when streaming large inputs (default 250000; small files are "
        "read whole). The figures do not depend on it.",
    ),
]
ColorOpt = Annotated[str, typer.Option("--color", metavar="WHEN", help="auto, always or never.")]
NanOpt = Annotated[
    str | None,
    typer.Option(
        "--nan-policy",
        metavar="P",
        help="NaN/inf values: error (default), omit (drop their rows, counted in the report) "
        "or propagate (losses follow IEEE arithmetic; metrics undefined).",
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="E",
        help="local (default) or dask (needs `pip install losscli[dask]`).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Address of an existing Dask scheduler (with --engine dask); without it a "
        "local cluster is started and shut down.",
    ),
]


def _dask_engine(engine: str, scheduler: str | None) -> Any:
    """The Dask engine module for ``--engine dask``, or None for the local engine."""
    if engine not in ("local", "dask"):
        raise UsageError(f"--engine must be local or dask, got {engine!r}")
    if engine == "local":
        if scheduler is not None:
            raise UsageError("--scheduler needs --engine dask")
        return None
    try:
        from losscli.engines import dask as engine_dask
    except ImportError as exc:
        raise UsageError(
            f"--engine dask needs Dask ({exc.name or exc} is not installed)",
            hint="pip install 'losscli[dask]'",
        ) from None
    return engine_dask


def _common_checks(fmt: str, color: str) -> None:
    from losscli.report import render

    if fmt not in render.REPORT_FORMATS:
        raise UsageError(f"unknown format {fmt!r}: one of {', '.join(render.REPORT_FORMATS)}")
    if color not in ("auto", "always", "never"):
        raise UsageError(f"--color must be auto, always or never, got {color!r}")


# Settings a config file may supply; a flag given on the command line wins.
_CONFIGURABLE = (
    "loss",
    "metric",
    "check",
    "param",
    "task",
    "tolerance",
    "atol",
    "nan_policy",
    "baseline",
    "weights",
    "id_col",
    "target_col",
    "pred_col",
)
_DEFAULTS: dict[str, Any] = {"task": "auto", "tolerance": 0.0, "atol": 0.0, "nan_policy": "error"}


def _settings(
    given: dict[str, Any], config: str | None, no_config: bool
) -> tuple[dict[str, Any], str | None]:
    """The effective settings: command line over config file over defaults."""
    from losscli.config import load

    if config is not None and no_config:
        raise UsageError("--config and --no-config exclude each other")
    cfg = load(config, search=not no_config)
    out: dict[str, Any] = {}
    for name in _CONFIGURABLE:
        value = given.get(name)
        if name == "param":
            out[name] = value
            out["default_params"] = cfg.params()  # for whichever losses take them
        elif value is not None:
            out[name] = value
        else:
            out[name] = cfg.get(name, _DEFAULTS.get(name))
    return out, cfg.path


def _eval_options(s: dict[str, Any], **more: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`losscli.evaluate` from the effective settings."""
    return dict(
        losses=s["loss"],
        metrics=s["metric"],
        task=s["task"],
        params=s["param"],
        default_params=s["default_params"],
        weights=s["weights"],
        checks=s["check"] or (),
        baseline=s["baseline"],
        tolerance=s["tolerance"],
        atol=s["atol"],
        target_col=s["target_col"],
        pred_col=s["pred_col"],
        id_col=s["id_col"],
        nan_policy=s["nan_policy"],
        **more,
    )


@app.command("eval")
def eval_cmd(
    files: FilesArg,
    loss: LossOpt = None,
    metric: MetricOpt = None,
    task: TaskOpt = None,
    param: ParamOpt = None,
    from_logits: LogitsOpt = False,
    weights: WeightsOpt = None,
    fmt: FormatOpt = "table",
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
    color: ColorOpt = "auto",
    chunk_size: ChunkOpt = None,
    nan_policy: NanOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate one set of predictions: per-sample losses, their mean, and metrics."""
    from losscli.report import render

    with _errors():
        if len(files) > 2:
            raise UsageError(
                f"eval takes one or two files, got {len(files)}",
                hint="use `losscli batch` for many prediction files",
            )
        _common_checks(fmt, color)
        if files.count("-") > 1:
            raise UsageError("standard input ('-') can be read only once")
        ps_fmt = render.per_sample_format(per_sample) if per_sample else None
        scope = locals()
        settings, config_path = _settings(
            {k: scope[k] for k in _CONFIGURABLE if k in scope}, config, no_config
        )
        options = _eval_options(
            settings,
            from_logits=from_logits,
            strict=strict,
            header=not no_header,
            input_format=input_format,
            keep_per_sample=False,
            chunk_rows=chunk_size,
            allow_missing=allow_missing,
        )
        try:
            report, text = _run_eval(
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
            _broken_pipe()
            raise typer.Exit(0) from None
        _emit(text, output, per_sample)
    if not report.passed:
        raise typer.Exit(1)


def _run_eval(
    files: list[str],
    options: dict[str, Any],
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
    from losscli.api import evaluate
    from losscli.cli.progress import Progress
    from losscli.report import render
    from losscli.report.gates import gate_failures

    dask = _dask_engine(engine, scheduler)
    with contextlib.ExitStack() as stack:
        sink = None
        writer = None
        if per_sample is not None and dask is None:
            fh = (
                sys.stdout.buffer
                if per_sample == "-"
                else stack.enter_context(render.atomic_writer(per_sample))
            )
            writer = render.PerSampleWriter(fh, ps_fmt or "csv")
            stack.callback(writer.abandon)  # a failed run stops its formatting threads
            sink = writer.write
        y_true, y_pred = files[0], files[1] if len(files) > 1 else None
        if dask is not None:
            report = dask.evaluate(
                y_true, y_pred, scheduler=scheduler, per_sample=per_sample, **options
            )
        else:
            with Progress("rows", enabled=not quiet) as bar:
                report = evaluate(
                    y_true, y_pred, per_sample_sink=sink, progress=bar.rows, **options
                )
        if writer is not None:
            writer.close()
        report.config = config_path
        report_stream = sys.stderr if per_sample == "-" else sys.stdout
        terminal = output is None and bool(getattr(report_stream, "isatty", lambda: False)())
        text = render.render(
            report, fmt, color=_use_color(color, report_stream) and terminal, terminal=terminal
        )
        if not quiet:
            for w in report.warnings:
                if fmt != "table" or output is not None or report_stream is not sys.stderr:
                    sys.stderr.write(f"warning: {w}\n")
        for line in gate_failures(report):
            sys.stderr.write(f"gate failed: {line}\n")
        # every output file is renamed into place as the stack closes, together: if one
        # cannot be written, the others are discarded too
        outputs: list[tuple[str, bytes]] = []
        if junit is not None:
            outputs.append((junit, render.junit_xml([("eval", report)])))
        if output is not None:
            outputs.append((output, text.encode()))
        for path, data in outputs:
            stack.enter_context(render.atomic_writer(path)).write(data)
    return report, text


@app.command("batch")
def batch_cmd(
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
        int, typer.Option("--jobs", "-j", metavar="N", help="Score files in N parallel processes.")
    ] = 1,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    sort_by: Annotated[
        str | None,
        typer.Option(
            "--sort-by",
            metavar="NAME",
            help="Rank files by this loss or metric (better first, direction from the registry).",
        ),
    ] = None,
    skip_errors: Annotated[
        bool,
        typer.Option(
            "--skip-errors", help="Score the other files when one fails; still exits non-zero."
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
    color: ColorOpt = "auto",
    nan_policy: NanOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score many prediction files: one result per file plus 'overall', pooled over every
    sample of every file."""
    from losscli.cli.progress import Progress
    from losscli.engines.batch import evaluate_batch
    from losscli.report import render
    from losscli.report.gates import gate_failures

    with _errors():
        _common_checks(fmt, color)
        scope = locals()
        settings, config_path = _settings(
            {k: scope[k] for k in _CONFIGURABLE if k in scope}, config, no_config
        )
        dask = _dask_engine(engine, scheduler)
        options = _eval_options(
            settings,
            from_logits=from_logits,
            strict=strict,
            header=not no_header,
            input_format=input_format,
            allow_missing=allow_missing,
        )
        with Progress("files", enabled=not quiet) as bar:
            if dask is not None:
                result = dask.evaluate_batch(
                    files,
                    targets=targets,
                    scheduler=scheduler,
                    sort_by=sort_by,
                    skip_errors=skip_errors,
                    **options,
                )
            else:
                result = evaluate_batch(
                    files,
                    targets=targets,
                    jobs=jobs,
                    sort_by=sort_by,
                    skip_errors=skip_errors,
                    progress=bar.files,
                    **options,
                )
        result.overall.config = config_path
        terminal = output is None and sys.stdout.isatty()
        text = render.render_batch(result, fmt, terminal=terminal)
        for f in result.skipped:
            sys.stderr.write(f"error: {f.error}\n")
        scored = [(f.file, f.report) for f in result.files if f.report is not None]
        for where, rep in [*scored, ("overall", result.overall)]:
            for line in gate_failures(rep):
                sys.stderr.write(f"gate failed: {where}: {line}\n")
        with contextlib.ExitStack() as stack:  # all output files renamed into place together
            if junit is not None:
                xml = render.junit_xml(
                    [*scored, ("overall", result.overall)],
                    errors=[(f.file, str(f.error)) for f in result.skipped],
                )
                stack.enter_context(render.atomic_writer(junit)).write(xml)
            if output is not None:
                stack.enter_context(render.atomic_writer(output)).write(text.encode())
        _emit(text, output, None)
    if result.skipped:
        raise typer.Exit(3)
    if not result.passed:
        raise typer.Exit(1)


def _emit(text: str, output: str | None, per_sample: str | None) -> None:
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
        _broken_pipe()
        if per_sample == "-":
            sys.stderr.write(text)


@app.command("list")
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="F", help="table or json.")
    ] = "table",
    kind: Annotated[str | None, typer.Option("--kind", help="Only 'loss' or 'metric'.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only entries for this task.")] = None,
) -> None:
    """List every loss and metric: name, aliases, tasks, input kind, parameters."""
    import json

    from losscli.scoring import registry

    with _errors():
        if fmt not in ("table", "json"):
            raise UsageError(f"list --format must be table or json, got {fmt!r}")
        if kind not in (None, "loss", "metric"):
            raise UsageError(f"--kind must be loss or metric, got {kind!r}")
        rows = [
            e
            for e in registry.entries()
            if (kind is None or e.kind == kind) and (task is None or task in e.tasks)
        ]
        if fmt == "json":
            sys.stdout.write(json.dumps([e.to_json() for e in rows], indent=2) + "\n")
            return
        lines = []
        for e in rows:
            params = ", ".join(f"{p.name}={_show(p.default)}" for p in e.params) or "-"
            lines.append(
                (e.name, e.kind, ", ".join(e.aliases) or "-", ",".join(e.tasks), e.inputs, params)
            )
        header = ("name", "kind", "aliases", "tasks", "inputs", "params")
        widths = [max(len(r[i]) for r in [header, *lines]) for i in range(5)]
        for r in [header, *lines]:
            sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[5] + "\n")


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@app.command("explain")
def explain_cmd(
    name: Annotated[str, typer.Argument(help="A loss or metric name or alias.")],
) -> None:
    """Show the formula, parameters, expected inputs and when to use a loss or metric."""
    from losscli.scoring import registry
    from losscli.validate.tasks import __doc__ as inference_doc

    with _errors():
        for e in registry.lookup(name):
            out = [
                f"{e.name} ({e.kind})",
                f"  {e.summary}",
                "",
                f"  formula:    {e.formula}",
                f"  aliases:    {', '.join(e.aliases) or '-'}",
                f"  tasks:      {', '.join(e.tasks)}",
                f"  inputs:     {_INPUTS[e.inputs]}",
                f"  better:     {e.direction}",
                f"  use when:   {e.use_when}",
            ]
            if e.reference:
                out.append(f"  matches:    {e.reference}")
            if e.params:
                out.append("  parameters:")
                for p in e.params:
                    out.append(f"    {p.name} = {_show(p.default)}  ({p.range_text()}): {p.doc}")
            out.append("  conventions:")
            for line in (*registry.CONVENTIONS.get(e.inputs, ()), *registry.GENERAL):
                out.append(f"    - {line}")
            sys.stdout.write("\n".join(out) + "\n\n")
        sys.stdout.write(
            "How --task auto decides:"
            + (inference_doc or "")
            .split("Task inference (``--task auto``), in order:")[-1]
            .replace("``", "")
            + "\n"
        )


_INPUTS = {
    "values": "real-valued targets and predictions (one or more outputs)",
    "probabilities": "labels (0/1, class indices, one-hot or class names) and probabilities "
    "(or logits with --from-logits)",
    "scores": "labels in {0, 1} or {-1, +1} and raw decision scores (margins m = y·f(x))",
    "labels": "labels and predictions; decisions by threshold (binary) or argmax (multiclass)",
    "ranking": "labels and scores or probabilities (only their order matters per class; "
    "logits are turned into probabilities for multiclass)",
}


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: click usage errors as `error:` lines, exit 2."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="losscli", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        from losscli.interrupts import interrupted

        if interrupted():  # typer turns KeyboardInterrupt into a silent exit 130
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        from losscli.interrupts import interrupted

        sys.stderr.write("\ninterrupted\n")
        code = 128 + (interrupted() or 2)  # 130 for Ctrl-C, 143 for SIGTERM
    except BrokenPipeError:
        code = _broken_pipe()
    except LossCliError as exc:  # pragma: no cover - commands handle their own
        sys.stderr.write(f"error: {exc}\n")
        code = exc.exit_code
    except MemoryError:
        sys.stderr.write(
            "error: out of memory\n  (stream large inputs: drop --per-sample - or lower "
            "--chunk-size)\n"
        )
        code = 3
    except Exception as exc:
        from losscli.interrupts import interrupted

        if interrupted():  # Ctrl-C surfaced as another exception (an import cut short)
            raise KeyboardInterrupt from None
        # typer vendors click in recent releases: match its exceptions by shape, not class.
        try:
            code = _click_exception(exc)
        except Exception as bug:  # noqa: BLE001 - the last line of defence
            code = _internal_error(bug)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _broken_pipe()
    sys.exit(code)


def _click_exception(exc: Exception) -> int:
    name = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    if name == "NoArgsIsHelpError" and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        return 0
    if name in ("Exit",) and hasattr(exc, "exit_code"):
        return int(exc.exit_code)
    if name == "Abort":
        sys.stderr.write("\naborted\n")
        return 130
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
        if ctx is not None:
            sys.stderr.write(ctx.get_usage() + "\n")
        sys.stderr.write(f"error: {exc.format_message()}\n")
        return int(exc.exit_code) if exc.exit_code else 2
    raise exc


INTERNAL_ERROR = 4  # a bug in losscli: never confused with 1 (gate failed) or 3 (input)


def _internal_error(exc: BaseException) -> int:
    if _debug():
        traceback.print_exception(exc)
    sys.stderr.write(
        f"error: internal error: {type(exc).__name__}: {exc}\n"
        "  this is a bug in losscli; please report it with the command line "
        "(LOSSCLI_DEBUG=1 shows the traceback)\n"
    )
    return INTERNAL_ERROR


def _broken_pipe() -> int:
    # Point stdout at devnull so the interpreter's final flush cannot raise again.
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0
