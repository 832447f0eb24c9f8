"""``losscli thresholds``: the decision threshold swept over the distinct predicted values
of a binary classifier, with precision, recall, f1, tpr, fpr and accuracy at each."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from losscli.cli.app import app
from losscli.cli.exits import broken_pipe, errors
from losscli.cli.outputs import check_outputs, weights_file
from losscli.cli.params import (
    AllowMissingOpt,
    ChunkOpt,
    DecimalOpt,
    DelimiterOpt,
    FilesArg,
    IdOpt,
    InputFormatOpt,
    NanOpt,
    NoHeaderOpt,
    OutputOpt,
    PosLabelOpt,
    PredColOpt,
    QuietOpt,
    TargetColOpt,
    WeightsOpt,
)
from losscli.errors import LossCliError, UsageError, unknown_choice


@app.command("thresholds")
def thresholds_cmd(
    files: FilesArg,
    optimize: Annotated[
        str,
        typer.Option(
            "--optimize",
            metavar="C",
            help="The best threshold by: f1 (default), youden (tpr − fpr) or accuracy; ties "
            "go to the highest threshold.",
        ),
    ] = "f1",
    max_rows: Annotated[
        int,
        typer.Option(
            "--max-rows",
            metavar="N",
            help="-f table: at most N rows, evenly spread over the sweep, plus the best one "
            "(marked *); json/csv/tsv hold every threshold.",
        ),
    ] = 20,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="F", help="table, json, csv or tsv.")
    ] = "table",
    output: OutputOpt = None,
    weights: WeightsOpt = None,
    id_col: IdOpt = None,
    allow_missing: AllowMissingOpt = False,
    target_col: TargetColOpt = None,
    pred_col: PredColOpt = None,
    no_header: NoHeaderOpt = False,
    input_format: InputFormatOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    pos_label: PosLabelOpt = None,
    chunk_size: ChunkOpt = None,
    nan_policy: NanOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Sweep the decision threshold of a binary classifier (scores or probabilities): a
    sample is positive when its prediction is >= the threshold."""
    from losscli.io import atomic
    from losscli.options import EvalOptions
    from losscli.report.thresholds import THRESHOLD_FORMATS, render
    from losscli.scoring.thresholds import CRITERIA

    with errors():
        if len(files) > 2:
            raise UsageError(f"thresholds takes one or two files, got {len(files)}")
        if fmt not in THRESHOLD_FORMATS:
            raise unknown_choice("format", fmt, THRESHOLD_FORMATS)
        if optimize not in CRITERIA:
            raise unknown_choice("--optimize", optimize, tuple(CRITERIA))
        if max_rows < 1:
            raise UsageError(f"--max-rows needs at least 1, got {max_rows}")
        if files.count("-") > 1:
            raise UsageError("standard input ('-') can be read only once")
        check_outputs(
            [("-o", output)],
            [("input", f) for f in files] + [("--weights", weights_file(weights))],
        )
        given: dict[str, Any] = {
            "weights": weights,
            "id_col": id_col,
            "target_col": target_col,
            "pred_col": pred_col,
            "input_format": input_format,
            "delimiter": delimiter,
            "pos_label": pos_label,
            "chunk_rows": chunk_size,
            "nan_policy": nan_policy,
            "decimal": decimal,
        }
        options = EvalOptions(
            losses=("zero_one",),  # needs nothing of the predictions; the sweep's data
            metrics=("roc_auc",),  # is roc_auc's: every score, target and weight
            task="binary",
            header=not no_header,
            allow_missing=allow_missing,
            **{k: v for k, v in given.items() if v is not None},
        )
        sweep, n, warnings, notes = _run(files, options, optimize)
        text = render(sweep, fmt, n_samples=n, max_rows=max_rows, warnings=warnings, notes=notes)
        if not quiet:
            for w in warnings:
                sys.stderr.write(f"warning: {w}\n")
            for note in notes:
                sys.stderr.write(f"note: {note}\n")
        if output is not None:
            with atomic.atomic_writer(output) as fh:
                fh.write(text.encode())
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            broken_pipe()


def _run(files: list[str], options: Any, optimize: str) -> tuple[Any, int, list[str], list[str]]:
    """The sweep of the input as ``eval`` reads it (validation, alignment, weights, notes):
    the samples the roc_auc state keeps."""
    import numpy as np

    from losscli.engines.local import run
    from losscli.scoring.thresholds import sweep

    y_true, y_pred = files[0], files[1] if len(files) > 1 else None
    try:
        # as evaluate reads it, without roc_auc's figure (a sort of every score the sweep
        # sorts again) nor a preview: only the samples its state keeps are read
        report = run(y_true, y_pred, options, keep_per_sample=False, preview=False, figures=False)
    except LossCliError as exc:
        if exc.hint and "--task" in exc.hint:  # thresholds has no --task: binary only
            exc.hint = (
                "thresholds is for binary tasks: --pred-col names the score column"
                if "prediction column" in exc.message
                else "thresholds is for binary targets: --pos-label names the positive class"
            )
        raise
    acc = report.accumulator
    assert acc is not None
    state = acc.metrics["roc_auc"]
    y = np.concatenate(state.ys).reshape(-1)
    p = np.concatenate(state.ps).reshape(-1)
    w = None if all(isinstance(x, int) for x in state.ws) else state._weights()
    skip = ("roc_auc ", "zero_one")
    warnings = [x for x in report.warnings if not x.startswith(skip)]
    return sweep(y, p, w, optimize=optimize), report.n_samples, warnings, list(report.notes)
