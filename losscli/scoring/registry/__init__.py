"""The registry of losses and metrics: data, one entry per name.

Each :class:`Entry` names one vectorised function in :mod:`losscli.scoring.losses` and
describes it (aliases, tasks, input kind, parameters with defaults, formula,
direction).  ``losscli list``, ``losscli explain`` and the help text are
generated from these entries; nothing else knows the list of losses.

This package's face: the tables (``LOSSES``, ``METRICS``, the defaults) and the
lookup by name or alias.  The entries themselves live one family a module
(:mod:`.regression_losses`, :mod:`.classification_losses`, :mod:`.metrics_regression`,
:mod:`.metrics_classification`, :mod:`.metrics_calibration`, :mod:`.metrics_operating`);
:class:`Entry` in :mod:`.entry`, :class:`Param` and
the shared parameters in :mod:`.params`, the ``explain`` conventions in
:mod:`.conventions`.  Their names are re-exported here.
"""

from __future__ import annotations

from losscli.errors import UsageError, did_you_mean
from losscli.scoring.registry.classification_losses import CLASSIFICATION_LOSSES
from losscli.scoring.registry.conventions import CONVENTIONS, GENERAL, LOG_CONVENTIONS
from losscli.scoring.registry.entry import CLASSIFICATION, NEEDS, TASKS, Entry
from losscli.scoring.registry.metrics_calibration import CALIBRATION_METRICS
from losscli.scoring.registry.metrics_classification import ACCURACY, CLASSIFICATION_METRICS
from losscli.scoring.registry.metrics_operating import OPERATING_METRICS
from losscli.scoring.registry.metrics_regression import REGRESSION_METRICS
from losscli.scoring.registry.params import (
    AVERAGE,
    BASE,
    CLASS_WEIGHT,
    DECISION,
    DELTA,
    EPS,
    FOCAL_ALPHA,
    FROM_LOGITS,
    GAMMA,
    LABEL_SMOOTHING,
    NORMALIZE,
    POISSON_EPS,
    POS_WEIGHT,
    POWER,
    PROB,
    QUANTILE,
    REDUCTION,
    THRESHOLD,
    TOP_K,
    Param,
)
from losscli.scoring.registry.regression_losses import REGRESSION_LOSSES

__all__ = [
    "AVERAGE",
    "BASE",
    "CLASSIFICATION",
    "CLASS_WEIGHT",
    "CONVENTIONS",
    "DECISION",
    "DEFAULT_LOSS",
    "DEFAULT_METRICS",
    "DELTA",
    "EPS",
    "FOCAL_ALPHA",
    "FROM_LOGITS",
    "GAMMA",
    "GENERAL",
    "LABEL_SMOOTHING",
    "LOG_CONVENTIONS",
    "LOSSES",
    "METRICS",
    "NEEDS",
    "NORMALIZE",
    "POISSON_EPS",
    "POS_WEIGHT",
    "POWER",
    "PROB",
    "QUANTILE",
    "REDUCTION",
    "TASKS",
    "THRESHOLD",
    "TOP_K",
    "Entry",
    "Param",
    "entries",
    "get_loss",
    "get_metric",
    "lookup",
]

# The order is that of `losscli list`, the help text and `losscli list --format json`:
# the losses, then the metrics with accuracy first.
_ENTRIES: tuple[Entry, ...] = (
    *REGRESSION_LOSSES,
    *CLASSIFICATION_LOSSES,
    ACCURACY,
    *REGRESSION_METRICS,
    *CLASSIFICATION_METRICS,
    *CALIBRATION_METRICS,
    *OPERATING_METRICS,
)

LOSSES: dict[str, Entry] = {e.name: e for e in _ENTRIES if e.kind == "loss"}
METRICS: dict[str, Entry] = {e.name: e for e in _ENTRIES if e.kind == "metric"}

DEFAULT_LOSS = {
    "regression": "mse",
    "binary": "binary_cross_entropy",
    "multiclass": "categorical_cross_entropy",
    "multilabel": "binary_cross_entropy",
}
DEFAULT_METRICS = {
    "regression": ("rmse",),
    "binary": ("accuracy",),
    "multiclass": ("accuracy",),
    "multilabel": ("accuracy",),
}


def entries() -> tuple[Entry, ...]:
    return _ENTRIES


def _index(table: dict[str, Entry]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for e in table.values():
        for key in (e.name, *e.aliases):
            out[key] = e
    return out


_LOSS_INDEX = _index(LOSSES)
_METRIC_INDEX = _index(METRICS)


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _unknown(kind: str, name: str, index: dict[str, Entry], other: dict[str, Entry]) -> UsageError:
    """``unknown loss 'x'`` with the closest name or alias, or the kind it really is."""
    key = _norm(name)
    if key in other:
        return UsageError(
            f"unknown {kind} {name!r}", hint=f"{other[key].name} is a {other[key].kind}"
        )
    plural = "losses" if kind == "loss" else "metrics"
    hint = did_you_mean(name, index) or f"see `losscli list` for the available {plural}"
    return UsageError(f"unknown {kind} {name!r}", hint=hint)


def get_loss(name: str) -> Entry:
    entry = _LOSS_INDEX.get(_norm(name))
    if entry is None:
        raise _unknown("loss", name, _LOSS_INDEX, _METRIC_INDEX)
    return entry


def get_metric(name: str) -> Entry:
    entry = _METRIC_INDEX.get(_norm(name))
    if entry is None:
        raise _unknown("metric", name, _METRIC_INDEX, _LOSS_INDEX)
    return entry


def lookup(name: str) -> list[Entry]:
    """Every entry (loss and/or metric) known by ``name``; for ``explain``."""
    key = _norm(name)
    found = [idx[key] for idx in (_LOSS_INDEX, _METRIC_INDEX) if key in idx]
    if not found:
        raise UsageError(
            f"unknown loss or metric {name!r}",
            hint=did_you_mean(name, [*_LOSS_INDEX, *_METRIC_INDEX]) or "see `losscli list`",
        )
    return found
