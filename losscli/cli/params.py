"""The options that several commands share, declared once (Typer ``Annotated`` types)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer


def use_color(choice: str, stream: Any) -> bool:
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
    typer.Option(
        "--from-logits",
        help="Predictions are raw scores/logits, not probabilities (a warning if every "
        "value looks like a probability).",
    ),
]
WeightsOpt = Annotated[
    str | None,
    typer.Option(
        "--weights", metavar="SPEC", help="Per-sample weights: a file, or a column of the input."
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="F",
        help="table, json, csv, tsv, markdown, value or html (one self-contained page; its "
        "pictures need losscli[plot]).",
    ),
]
ValueOpt = Annotated[
    str | None,
    typer.Option(
        "--value",
        metavar="NAME",
        help="The figure -f value prints: a loss or metric (default: the first loss); "
        "computed even when not selected. Implies -f value.",
    ),
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
        help="Gate such as 'accuracy>=0.9' (repeatable); exit 1 if any fails. A loss or "
        "metric not selected is computed for it.",
    ),
]
BaselineOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="PATH",
        help="An earlier JSON report; exit 1 if a figure got worse by more than --tolerance. "
        "A figure defined otherwise there (another task, other parameters, weights or "
        "--nan-policy) is reported as not comparable and not gated.",
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
        help="Format of the inputs, whatever their extension says (and of stdin): csv, tsv, "
        "npy, npz, parquet, jsonl.",
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        metavar="CHAR",
        help="Field separator of CSV/TSV input, e.g. ';', '|', or '\\t' (or tab) for a tab; "
        "default: a comma for .csv, a tab for .tsv.",
    ),
]
DecimalOpt = Annotated[
    str | None,
    typer.Option(
        "--decimal",
        metavar="CHAR",
        help="Decimal mark of CSV/TSV numbers: '.' (default) or ',' (decimal commas, as "
        "European spreadsheets write them; needs a --delimiter other than the comma).",
    ),
]
PosLabelOpt = Annotated[
    str | None,
    typer.Option(
        "--pos-label",
        metavar="VALUE",
        help="The positive class of binary targets that are neither 0/1 nor -1/+1 (yes/no, "
        "spam/ham, 1/2, True/False): e.g. --pos-label yes. Targets take it as 1 and the other "
        "value as 0; class-name predictions too.",
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
CiOpt = Annotated[
    bool | None,
    typer.Option(
        "--ci",
        help="A confidence interval for every loss mean and metric (see --ci-method).",
    ),
]
CiLevelOpt = Annotated[
    float | None,
    typer.Option("--ci-level", metavar="P", help="Confidence level of --ci (default 0.95)."),
]
CiMethodOpt = Annotated[
    str | None,
    typer.Option(
        "--ci-method",
        metavar="M",
        help="auto (default: Wilson for accuracy and zero_one, DeLong for a binary roc_auc, "
        "Student's t for an unweighted loss mean, the bootstrap otherwise), bootstrap, or "
        "analytic (the closed forms; the bootstrap where a figure has none).",
    ),
]
NBootOpt = Annotated[
    int | None,
    typer.Option("--n-boot", metavar="N", help="Bootstrap replicates of --ci (default 1000)."),
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        metavar="N",
        help="Seed of every resampling (default 12345): the same seed gives the same "
        "intervals whatever --chunk-size.",
    ),
]
PerClassOpt = Annotated[
    bool | None,
    typer.Option(
        "--per-class",
        help="Per class (per label; per output for a regression with several outputs): "
        "precision, recall, f1, support and the class's loss mean and share of the loss; "
        "in every format (JSON: per_class / per_output).",
    ),
]
GroupByOpt = Annotated[
    str | None,
    typer.Option(
        "--group-by",
        metavar="SPEC",
        help="A column of the input, or a file with one value a row: the report is given "
        "for every group too (in order of first appearance).",
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
