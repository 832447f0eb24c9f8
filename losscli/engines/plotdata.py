"""The data of ``losscli plot``: one input read and validated as by ``eval`` (the same
:func:`~losscli.validate.sources.raw_chunks` and :class:`~losscli.engines.local.Scorer`),
keeping what a picture needs: the prepared targets and predictions, the weights and the
per-sample losses, and the report (its warnings and notes)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from losscli.engines.local import Scorer, conclude, input_chunks, make_settings
from losscli.options import EvalOptions
from losscli.report.model import Report


@dataclass
class PlotData:
    """One evaluation's prepared values, every chunk concatenated."""

    name: str  # the prediction file's name: the label of its curve
    task: str
    y: np.ndarray
    p: np.ndarray
    weights: np.ndarray | None
    scores: bool  # raw scores (margins, logits) rather than probabilities
    from_logits: bool
    classes: list[str]
    losses: dict[str, np.ndarray]  # per-sample values of every selected loss
    report: Report
    threshold: float = 0.5  # --param threshold: the decision of binary probabilities


def gather(
    y_true: Any, y_pred: Any, options: EvalOptions, *, stdin: IO[bytes] | None = None
) -> PlotData:
    """Read, validate and score one input (``y_pred`` None: one file holds both)."""
    settings = make_settings(options)
    chunks = input_chunks(y_true, y_pred, options, stdin)
    scorer = Scorer(settings)
    ys: list[np.ndarray] = []
    ps: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    kept: list[dict[str, np.ndarray]] = []
    for raw in chunks:
        out = scorer.feed(raw)
        if out is None or scorer.last is None:
            continue
        prep = scorer.last
        ys.append(prep.y)
        ps.append(prep.p)
        if prep.weights is not None:
            ws.append(prep.weights)
        kept.append(out[1])
    source = next((x for x in (y_pred, y_true) if isinstance(x, (str, os.PathLike))), None)
    name = "-" if source is None else os.fspath(source)
    report = conclude(
        scorer.state, scorer.plan, source=name, strict=options.strict, weights=options.weights
    )
    return PlotData(
        name=name,
        task=scorer.plan.task,
        y=np.concatenate(ys),
        p=np.concatenate(ps),
        weights=np.concatenate(ws) if ws else None,
        scores=bool(scorer.state.scores),
        from_logits=bool(scorer.logits),
        classes=list(scorer.state.classes or []),
        losses={k: np.concatenate([c[k] for c in kept]) for k in kept[0]},
        report=report,
        threshold=float(settings.params.get("threshold", 0.5)),
    )
