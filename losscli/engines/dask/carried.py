"""What the local engine carries from chunk to chunk (the reading, the raw-scores
decision), learnt from the parts in order, and whether a part must be scored again;
what the whole input shows about its reading, merged over the parts."""

from __future__ import annotations

from dataclasses import replace

from losscli.engines import local
from losscli.engines.dask.parts import PartResult
from losscli.engines.dask.spec import Spec
from losscli.validate import labels, whole


class Carried:
    """What the local engine carries from chunk to chunk, learnt from the parts in order:
    the reading and its task (taken on the input's first rows) and whether predictions
    are raw scores (decided by its first non-empty chunk).

    Every part is first scored with its own reading and no hint, as if it began the
    input.  That is exactly the local engine's computation whenever the part reads its
    rows the same way and takes its predictions the same way (an undecided part, all of
    whose rows were omitted, depends on neither); otherwise it is scored again with the
    input's reading and decision.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.task = spec.task  # "auto" until a part has read a chunk
        self.scores: bool | None = None
        self.reading: labels.Reading | None = None
        self._hint_matters: bool | None = None

    def agrees(self, res: PartResult) -> bool:
        """Whether a part scored with its own inference is what the local engine computes."""
        if self.task != "auto" and res.task not in ("auto", self.task):
            return False
        if self.reading is not None and res.reading is not None:
            if whole.key(res.reading) != whole.key(self.reading):
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
        """Take the reading and the decision from the first part that makes them."""
        if self.task == "auto" and res.task != "auto":
            self.task = res.task
        if self.reading is None and res.reading is not None:
            self.reading = res.reading
        if self.scores is None and res.scores is not None:
            self.scores = res.scores

    def settled(self) -> Spec:
        """The spec with the carried task."""
        return replace(self.spec, task=self.task)


def merge_facts(into: whole.Facts | None, more: whole.Facts) -> whole.Facts:
    """The facts of two consecutive pieces of one input, as if gathered in one pass
    (``into`` is updated; which values are kept past :data:`whole.CAP` may differ, but
    then both say "many")."""
    if into is None:
        return more
    if into.first is None:
        into.first = more.first
    into.outside = into.outside or more.outside
    into.single = into.single and more.single
    if into.single:
        for mine, theirs in ((into.y, more.y), (into.p, more.p)):
            mine.boolean = mine.boolean and theirs.boolean
            mine.text = mine.text or theirs.text
            mine.numbers = mine.numbers or theirs.numbers
            mine.low = min(mine.low, theirs.low)
            mine.high = max(mine.high, theirs.high)
            if mine.fraction is None:
                mine.fraction = theirs.fraction
            for k, v in theirs.values.items():
                if mine.many:
                    break
                if k not in mine.values:
                    if len(mine.values) >= whole.CAP:
                        mine.many = True
                        break
                    mine.values[k] = v
            mine.many = mine.many or theirs.many
    return into


def whole_reading(
    spec: Spec, head: labels.Reading, hint: bool | None, facts: whole.Facts
) -> tuple[labels.Reading, bool | None] | None:
    """The whole input's reading and scores decision when they differ from those of its
    first rows (``head``, ``hint``); None when they agree: the local engine's rule."""
    settings = replace(spec.settings(), hard_labels=True)  # a reading, not a scoring
    scorer = local.Scorer(settings, hint=hint, reading=head)
    if facts.first is None:
        return None
    scorer._start(facts.first)  # what the first rows' reading asks of the predictions
    check = local._Pass(settings, False, None, None, True)
    check.scorer = scorer
    return check._whole(facts)
