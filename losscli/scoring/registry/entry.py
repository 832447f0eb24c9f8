"""One registry entry: :class:`Entry`, what the registry knows of a loss or metric.

Also the task names an entry's ``tasks`` are drawn from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli.scoring.registry.params import Param

TASKS = ("regression", "binary", "multiclass", "multilabel")
CLASSIFICATION = ("binary", "multiclass", "multilabel")
# what an entry needs from the predictions, and how `list` / `explain` say it
NEEDS = {
    "values": "numbers (regression)",
    "decisions": "class decisions: probabilities, scores or hard labels (class ids or names)",
    "probabilities": "probabilities (or logits with --from-logits), not hard labels",
    "scores": "scores or probabilities (an order or margin per sample), not hard labels",
}


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # "loss" | "metric"
    func: Callable[..., np.ndarray]
    tasks: tuple[str, ...]
    inputs: str  # "values" | "probabilities" | "scores" | "labels" | "ranking"
    formula: str
    summary: str
    use_when: str
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    direction: str = "lower"  # which way is better: "lower" | "higher"
    finalize: Callable[[float], float] | None = None
    reference: str = ""
    domain: Callable[..., list[tuple[str, np.ndarray, str]]] | None = None
    state: str = "mean"  # metrics: mean | confusion | moments | max | samples
    # losses that clip probabilities with ``eps``: the count of the probabilities clipped
    # (L.clipped_both / L.clipped_low), for the report's warning; and how the clipping
    # differs from the reference (said by the warning and by ``losscli explain``)
    clipped: Callable[..., int] | None = None
    clip_bounds: str = ""  # "[eps, 1 - eps]" or "[eps, 1]", eps spelled out by the warning
    clip_hint: str = ""
    notes: tuple[str, ...] = ()  # stated by `losscli explain` before the conventions
    # what the figure needs from the predictions (NEEDS): hard labels (class decisions, as
    # model.predict() writes them) can only give the "decisions" figures
    needs: str = "values"
    # usage checks of the bound parameters for a task (plan.resolve calls it): raises
    # UsageError for a combination the figure does not define
    check: Callable[[str, dict[str, Any]], None] | None = None

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "tasks": list(self.tasks),
            "inputs": self.inputs,
            "needs": self.needs,
            "params": {p.name: p.default for p in self.params},
            "direction": self.direction,
            "formula": self.formula,
            "summary": self.summary,
        }
