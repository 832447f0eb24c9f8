"""What the local engine carries from chunk to chunk (the task, the raw-scores
decision), learnt from the parts in order, and whether a part must be scored again."""

from __future__ import annotations

from dataclasses import replace

from losscli.engines import local
from losscli.engines.dask.parts import PartResult
from losscli.engines.dask.spec import Spec


class Carried:
    """What the local engine carries from chunk to chunk, learnt from the parts in order:
    the task (inferred from the input's first chunk) and whether predictions are raw
    scores (decided by its first non-empty chunk).

    Every part is first scored with its own inference and no hint, as if it began the
    input.  That is exactly the local engine's computation whenever the part infers
    the same task and takes its predictions the same way (an undecided part, all of
    whose rows were omitted, depends on neither); otherwise it is scored again.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.task = spec.task  # "auto" until a part has read a chunk
        self.scores: bool | None = None
        self._hint_matters: bool | None = None

    def agrees(self, res: PartResult) -> bool:
        """Whether a part scored with its own inference is what the local engine computes."""
        if self.task != "auto" and res.task not in ("auto", self.task):
            return False
        if self.scores is None or not self.hint_matters():
            return True
        if res.error is None and res.scores is None:  # every row omitted: no decision used
            return True
        return res.scores == self.scores  # a part that failed undecided is scored again

    def hint_matters(self) -> bool:
        """Raw scores vs probabilities only matters for classification without logits."""
        if self._hint_matters is None:
            self._hint_matters = self.task != "regression" and not local.takes_logits(
                self.spec.settings(), local.make_plan(self.spec.settings(), self.task)
            )
        return self._hint_matters

    def learn(self, res: PartResult) -> None:
        """Take the task and the decision from the first part that makes them."""
        if self.task == "auto" and res.task != "auto":
            self.task = res.task
        if self.scores is None and res.scores is not None:
            self.scores = res.scores

    def settled(self) -> Spec:
        """The spec with the carried task."""
        return replace(self.spec, task=self.task)
