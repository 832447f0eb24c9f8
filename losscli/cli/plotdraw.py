"""From the gathered data of ``losscli plot`` to a figure: which numbers each kind needs
(:mod:`losscli.report.curves`) and how it is drawn (:mod:`losscli.report.plots`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from losscli.engines.plotdata import PlotData
from losscli.errors import UsageError
from losscli.report import curves as C


def labels(data: Sequence[PlotData]) -> list[str]:
    """Each model's label: its file name, or its path where two names are the same."""
    short = [os.path.basename(d.name) if d.name != "-" else "stdin" for d in data]
    return [d.name if short.count(s) > 1 else s for d, s in zip(data, short)]


def _binary(d: PlotData, kind: str) -> None:
    if d.task != "binary":
        raise UsageError(
            f"--kind {kind} is for binary tasks, but {d.name} is scored as {d.task}",
            hint="pass --task binary if it is one, or try --kind confusion / calibration",
        )
    if d.p.ndim != 1:
        raise UsageError(f"--kind {kind} needs one score per sample ({d.name})")


def _same_task(data: Sequence[PlotData]) -> None:
    tasks = {d.task for d in data}
    if len(tasks) > 1:
        raise UsageError(
            f"the models are scored as different tasks ({', '.join(sorted(tasks))})",
            hint="pass --task to score them alike",
        )


def draw(
    plots: Any,
    kind: str,
    data: Sequence[PlotData],
    size: tuple[float, float],
    dpi: float,
    title: str | None,
    bins: int | None,
    loss: Sequence[str] | None,
) -> Any:
    _same_task(data)
    names = labels(data)
    if kind in ("roc", "pr"):
        curves = []
        for d in data:
            _binary(d, kind)
            f = C.roc if kind == "roc" else C.pr
            curves.append(f(d.y, d.p, d.weights, thin_to=C.MAX_POINTS))
        fig, axes = plots.new_figure(size, dpi)
        if kind == "roc":
            plots.roc(fig, axes[0][0], list(zip(names, curves)), title)
        else:
            prevalence = [float(np.average(d.y > 0.5, weights=d.weights)) for d in data]
            plots.pr(fig, axes[0][0], list(zip(names, curves)), title, prevalence)
        return fig
    if kind == "calibration":
        series = []
        for d, name in zip(data, names):
            if d.task == "regression":
                C.calibration(d.task, d.y, d.p)  # the usage error naming --kind residuals
            if d.pictures is not None and d.pictures.calibration is not None:
                series.append((name, d.pictures.calibration))
                continue
            p = C.probabilities(d.task, d.p, d.scores, d.from_logits)
            series.append((name, C.calibration(d.task, d.y, p, d.weights, bins or 10)))
        fig, axes = plots.new_figure(size, dpi, 2, 1, height_ratios=(3, 1), sharex=True)
        plots.calibration(fig, axes, series, title)
        return fig
    d = data[0]
    if kind == "confusion":
        if d.pictures is not None and d.pictures.confusion is not None:
            matrix = d.pictures.confusion
        else:
            matrix = C.confusion(
                d.task, d.y, d.p, scores=d.scores, threshold=d.threshold, weights=d.weights
            )
        classes = d.classes if d.task == "multiclass" else (d.classes or ["0", "1"])
        fig, axes = plots.new_figure(size, dpi, 1, 2)
        weighted = d.weights is not None or bool(d.pictures and d.pictures.weighted)
        plots.confusion(fig, axes, matrix, classes, title, weighted=weighted)
        return fig
    if kind == "loss-hist":
        fig, axes = plots.new_figure(size, dpi)
        pic = d.pictures
        if pic is not None and pic.hist is not None and pic.loss is not None:
            plots.loss_hist_binned(fig, axes[0][0], pic.hist, pic.loss, pic.weighted, title)
            return fig
        chosen = _loss_name(d, loss)
        plots.loss_hist(fig, axes[0][0], d.losses[chosen], chosen, d.weights, title, bins or 50)
        return fig
    if kind == "residuals":
        if d.task != "regression":
            raise UsageError(
                f"--kind residuals is for regression, but {d.name} is scored as {d.task}",
                hint="try --kind calibration or confusion, or pass --task regression",
            )
        fig, axes = plots.new_figure(size, dpi, 1, 2, width_ratios=(3, 1))
        pic = d.pictures
        if pic is not None and pic.residual_q is not None and pic.residual_hist is not None:
            assert pic.residual_r is not None
            plots.residuals_binned(
                fig, axes, pic.residual_q, pic.residual_r, pic.residual_hist, pic.rmse, pic.n, title
            )
            return fig
        plots.residuals(fig, axes, d.y, d.p, title)
        return fig
    raise AssertionError(kind)


def _loss_name(d: PlotData, loss: Sequence[str] | None) -> str:
    """The loss drawn: the first selected (``--loss``), else the task's default."""
    from losscli.scoring import registry

    if loss:
        name = registry.get_loss(loss[0]).name
        if name in d.losses:
            return name
    return next(iter(d.losses))
