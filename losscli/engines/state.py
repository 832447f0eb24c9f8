"""What scoring an input leaves (:class:`ScoreState`) and the end of the input
(:func:`conclude`): the figures and what only the whole input shows."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from losscli import phases
from losscli.errors import InputError
from losscli.report.model import Preview, Report, build_report
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.plan import Plan
from losscli.validate.messages import Message, Messages

if TYPE_CHECKING:  # loaded by --ci and --group-by only (the start-up of a plain eval)
    from losscli.scoring.groups import Groups
    from losscli.scoring.replicates import CiSettings, Replicates


@dataclass
class ScoreState:
    """What scoring chunks leaves besides the per-sample values: the accumulator (sums)
    and what the report needs; states of consecutive pieces of one input merge."""

    task: str = "auto"
    raw_rows: int = 0  # rows read, omitted ones included (they number the rows)
    acc: Accumulator = field(default_factory=Accumulator)
    weighted: bool = False
    # one record per kind, rows counted over the input (see losscli.validate.messages)
    warnings: Messages = field(default_factory=Messages)
    notes: Messages = field(default_factory=Messages)  # assumptions: never errors under --strict
    classes: list[str] | None = None  # from the last non-empty chunk
    scores: bool | None = None  # how the first non-empty chunk was taken
    preview: Preview = field(default_factory=lambda: Preview())
    ci: CiSettings | None = None
    replicates: Replicates | None = None  # --ci: bootstrap replicates, Student's t moments
    groups: Groups | None = None  # --group-by: sums per group
    # a note said at the end when no prediction of the input contradicts it (see
    # labels.Reading.pending), and the count of the predictions that do
    pending: str | None = None
    pending_against: int = 0

    def add_messages(
        self, warnings: Sequence[Message | str], notes: Sequence[Message | str], offset: int = 0
    ) -> None:
        """A chunk's messages, its rows shifted by ``offset`` (the rows before it)."""
        for w in warnings:
            self.warnings.add(w, offset)
        for n in notes:
            self.notes.add(n, offset)

    def merge_messages(self, other: ScoreState, offset: int = 0) -> None:
        """The messages of the piece of input after this one (rows numbered from its own
        start: ``offset`` is the rows before it)."""
        self.warnings.merge(other.warnings, offset)
        self.notes.merge(other.notes, offset)
        self.pending = self.pending or other.pending
        self.pending_against += other.pending_against


LOOK_LIKE_PROBABILITIES = (
    "--from-logits: every prediction lies in [0, 1]{rows}: these look like probabilities, "
    "not logits; drop --from-logits if they are"
)


def conclude(
    state: ScoreState,
    plan: Plan,
    *,
    source: str | None,
    strict: bool,
    weights: Any,
    figures: bool = True,
) -> Report:
    """The end of the input: judge what only the whole input shows (no samples left,
    overflow counts, --strict, weights summing to zero) and build the report."""
    phases.phase("scoring")
    acc = state.acc
    if acc.n_samples == 0:
        raise InputError(
            f"no samples left: all {acc.omitted} row(s) have NaN/inf values (--nan-policy omit)",
            file=source,
        )
    notes = state.notes.lines()
    if state.pending is not None and not state.pending_against:
        notes.insert(0, state.pending)
    warnings = state.warnings.lines()
    if acc.logit_rows and not acc.logit_not_probabilities:  # judged over the whole input
        rows = " (rows summing to 1)" if plan.task == "multiclass" else ""
        warnings.append(LOOK_LIKE_PROBABILITIES.replace("{rows}", rows))
    if acc.omitted:
        notes.append(f"{acc.omitted} sample(s) with NaN/inf values omitted (--nan-policy omit)")
    if acc.nonfinite:
        notes.append(
            f"{acc.nonfinite} sample(s) with NaN/inf values passed on (--nan-policy "
            "propagate): their losses are NaN/inf and the metrics are undefined (NaN)"
        )
    if acc.unmatched != (0, 0):
        notes.append(
            f"--allow-missing: {acc.unmatched[0]} target id(s) without a prediction and "
            f"{acc.unmatched[1]} prediction id(s) without a target were dropped"
        )
    if strict and warnings:
        raise InputError(f"{warnings[0]} (an error under --strict)")
    if state.weighted and all(a.weight.value <= 0 for a in acc.losses.values()):
        dropped = f" after {acc.omitted} row(s) were omitted for NaN/inf" if acc.omitted else ""
        is_file = isinstance(weights, os.PathLike) or (
            isinstance(weights, str) and os.path.exists(weights)
        )
        raise InputError(
            f"the weights sum to zero{dropped}: no sample counts",
            file=os.fspath(weights) if is_file else source,
            column=weights if isinstance(weights, str) and not is_file else None,
            hint="give some samples a positive weight",
        )
    report = build_report(
        acc,
        plan,
        weighted=state.weighted,
        warnings=warnings,
        notes=notes,
        classes=state.classes or [],
        figures=figures,
    )
    report.preview = state.preview
    if state.ci is not None and state.ci.show:
        add_intervals(report, state, plan)
    elif state.replicates is not None:
        state.replicates.finish(state.raw_rows)
    if state.groups is not None:
        add_groups(report, state, plan)
    return report


def add_groups(report: Report, state: ScoreState, plan: Plan) -> None:
    """``--group-by``: every group's figures (and intervals with ``--ci``), with a warning
    for the groups too small for a figure."""
    from losscli.scoring.replicates import group_intervals

    assert state.groups is not None
    groups = state.groups.figures(state.acc)
    if state.ci is not None and state.ci.show:
        warnings = group_intervals(
            groups, state.groups, plan, state.ci, state.weighted, state.replicates
        )
        report.warnings += warnings
    small = [g for g in groups if any(_undefined(v) for v in g["metrics"].values())]
    if small:
        names = ", ".join(repr(g["group"]) for g in small[:5]) + (" ..." if len(small) > 5 else "")
        report.warnings.append(
            f"{len(small)} group(s) too small for some of their figures (reported as NaN): {names}"
        )
    report.groups = groups


def _undefined(v: float) -> bool:
    return isinstance(v, float) and v != v


def add_intervals(report: Report, state: ScoreState, plan: Plan) -> None:
    """``--ci``: the interval of every loss mean and metric, with what makes one
    undefined or degenerate said, and the settings in the signature."""
    from losscli.scoring.replicates import intervals

    assert state.ci is not None
    phases.phase("bootstrap")
    if state.replicates is not None:
        state.replicates.finish(state.raw_rows)
    figures = {**{k: v["mean"] for k, v in report.losses.items()}, **report.metrics}
    found, warnings, notes = intervals(
        state.acc, state.replicates, plan, figures, state.ci, state.weighted
    )
    report.intervals = found
    report.warnings += warnings
    report.notes += notes
    if report.per_class:  # --per-class: every class's figures get theirs (closed forms)
        from losscli.scoring.perclass import intervals as per_class_intervals

        more, said = per_class_intervals(
            report.per_class, state.acc, state.ci.level, state.weighted
        )
        report.warnings += more
        report.notes += said
    report.signature += "|" + state.ci.signature()
