"""The public Python API: :func:`evaluate`, the one pipeline the CLI also runs.

read -> validate -> per-sample loss -> accumulate -> metrics -> report
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

import numpy as np

from losscli.engines.local import Scorer, conclude, make_settings
from losscli.report.checks import parse_checks
from losscli.report.gates import apply_gates
from losscli.report.model import Report

PathLike = str | os.PathLike[str]


def evaluate(
    y_true: Any,
    y_pred: Any = None,
    *,
    losses: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    task: str = "auto",
    params: Mapping[str, Any] | Sequence[str] | None = None,
    from_logits: bool = False,
    weights: Any = None,
    strict: bool = False,
    checks: Sequence[str] = (),
    default_params: Mapping[str, Any] | Sequence[str] | None = None,
    baseline: PathLike | Mapping[str, Any] | None = None,
    tolerance: float = 0.0,
    atol: float = 0.0,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    header: bool = True,
    input_format: str | None = None,
    classes: Sequence[str] | None = None,
    keep_per_sample: bool = True,
    stdin: IO[bytes] | None = None,
    chunk_rows: int | None = None,
    per_sample_sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    nan_policy: str = "error",
    allow_missing: bool = False,
) -> Report:
    """Evaluate predictions against targets.

    ``y_true``/``y_pred`` are arrays (or lists/DataFrames), or paths, globs or
    directories of files; with a single path, it holds both.  Returns a
    :class:`Report` with the mean and sum of every loss, the metrics, and (with
    ``keep_per_sample``) every sample's loss.  Raises :class:`UsageError` for bad
    choices and :class:`InputError` for bad data.

    Inputs are processed in chunks of at most ``chunk_rows`` rows (large files are
    streamed; memory stays bounded when ``keep_per_sample`` is false); each chunk's
    per-sample losses go to ``per_sample_sink(index, values)`` as they are computed.
    The figures do not depend on the chunking.

    ``default_params`` are parameters for whichever selected entries take them (a
    config file's); ``params`` override them, and a key of ``params`` that no selected
    entry takes is an error.

    With ``id_col``, ids present on one side only are an :class:`InputError`; with
    ``allow_missing`` they are dropped and counted (``Report.n_unmatched``).

    ``nan_policy`` says what NaN/inf values do: ``error`` (an :class:`InputError`
    naming the row), ``omit`` (their rows are dropped and counted in
    ``Report.n_omitted``) or ``propagate`` (losses follow IEEE arithmetic; the
    metrics are then undefined and reported as NaN, with a warning).
    """
    settings = make_settings(
        task=task,
        losses=losses,
        metrics=metrics,
        params=params,
        default_params=default_params,
        from_logits=from_logits,
        strict=strict,
        nan_policy=nan_policy,
        classes=classes,
        chunk_rows=chunk_rows,
        input_format=input_format,
    )
    parsed_checks = parse_checks(checks, tolerance, atol)

    from losscli.validate.sources import raw_chunks

    chunks = raw_chunks(
        y_true,
        y_pred,
        target_col=target_col,
        pred_col=pred_col,
        id_col=id_col,
        weights=weights,
        header=header,
        input_format=input_format,
        stdin=stdin,
        classes=classes,
        chunk_rows=chunk_rows,
        allow_missing=allow_missing,
    )
    scorer = Scorer(settings)
    kept: list[dict[str, np.ndarray]] = []
    kept_ids: list[np.ndarray] = []
    for raw in chunks:
        out = scorer.feed(raw)
        if out is not None:
            index, loss_values = out
            if per_sample_sink is not None:
                per_sample_sink(index, loss_values)
            if keep_per_sample:
                kept.append(loss_values)
                if scorer.state.preview.ids:
                    kept_ids.append(index)
        if progress is not None:
            progress(int(raw.p.shape[0]))
    source = next((x for x in (y_pred, y_true) if isinstance(x, (str, os.PathLike))), None)
    report = conclude(
        scorer.state,
        scorer.plan,
        source=None if source is None else os.fspath(source),
        strict=strict,
        weights=weights,
    )
    if keep_per_sample:
        report.per_sample = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
        report.ids = np.concatenate(kept_ids) if kept_ids else None
    return apply_gates(report, parsed_checks, baseline, tolerance, atol)
