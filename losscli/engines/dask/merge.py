"""The parts' results folded in order into one report, as the local engine folds its
chunks: sums merged, messages kept in order, row numbers (and errors' rows) shifted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli.engines import local
from losscli.engines.dask.cluster import check_version
from losscli.engines.dask.dataset import Part
from losscli.engines.dask.parts import PartResult
from losscli.errors import InputError, LossCliError
from losscli.report import gates
from losscli.report.checks import Check
from losscli.report.gates import PathLike
from losscli.report.model import Preview, Report
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.groups import Groups
from losscli.scoring.plan import Plan
from losscli.scoring.replicates import CiSettings, Replicates
from losscli.validate import sources


def _rebased(res: PartResult, base: int) -> LossCliError:
    """A part's error with its row counted over the whole input, as the local engine does."""
    exc = res.error
    assert exc is not None
    if res.error_counted and exc.row is not None:
        exc.row += base
    return exc


def _shifted(index: np.ndarray, shift: int) -> np.ndarray:
    """Row numbers of a part counted over the whole input (ids: ``shift`` is 0)."""
    return index + shift if shift else index


class Merger:
    """Folds the parts' results in order into one report, as the local engine folds its
    chunks: sums merged, warnings and notes in order, preview and row numbers shifted."""

    def __init__(self, keep: bool, ci: CiSettings | None = None) -> None:
        self.ci = ci
        self.keep = keep
        self.acc = Accumulator()
        self.preview = Preview()
        self.messages = local.ScoreState()  # warnings and notes, rows over the input
        self.weighted = False
        self.classes: list[str] = []
        self.base = 0  # rows of the parts merged so far
        self.count = 0  # parts merged
        self.weight_total = sources._WeightTotal()
        self.kept: list[dict[str, np.ndarray]] = []
        self.kept_ids: list[np.ndarray] = []
        self.first: tuple[Part, PartResult] | None = None
        self.replicates: Replicates | None = None
        self.groups: Groups | None = None

    def add(self, part: Part, res: PartResult, sink: Any = None) -> None:
        """Merge the next part (in order); its error, if any, is raised."""
        check_version(res.version, part.label)
        self._check_columns(part, res)
        if res.error is not None:
            raise _rebased(res, self.base)
        self.acc.merge(res.acc)
        remap = None
        if res.groups is not None:  # --group-by: the part's codes mapped to the input's
            if self.groups is None:
                self.groups = res.groups
                remap = np.arange(len(res.groups.values))
            else:
                remap = self.groups.merge(res.groups).remapped
        if res.replicates is not None:  # --ci: summed on the worker at the input's rows
            if self.replicates is None:
                self.replicates = res.replicates
            else:
                self.replicates.merge(res.replicates, remap)
        self.weighted = self.weighted or res.weighted
        if res.classes is not None:
            self.classes = res.classes
        # a part's rows are numbered from its own start (a whole-input part: from 0 too)
        self.messages.merge_messages(res, self.base)
        shift = 0 if res.preview.ids else self.base  # ids are kept as they are
        self._merge_preview(res.preview, shift)
        for index, values in res.samples:
            index = _shifted(index, shift)
            if sink is not None:
                sink(index, values)
            if self.keep:
                self.kept.append(values)
                if res.preview.ids:
                    self.kept_ids.append(index)
        theirs = res.weight_total
        if theirs.seen:  # as if the part's chunks had been added here
            mine = self.weight_total
            mine.seen, mine.source = True, theirs.source
            mine.total += theirs.total
        self.base += res.raw_rows
        self.count += 1

    def _check_columns(self, part: Part, res: PartResult) -> None:
        """Shards of one dataset have the same columns (the local reader's check)."""
        if part.whole or part.frame:
            return
        if self.first is None:
            self.first = (part, res)
            return
        first_part, first_res = self.first
        for side in (0, 1):
            names, expected = res.columns[side], first_res.columns[side]
            path = part.targets if side == 0 else part.predictions
            first_path = first_part.targets if side == 0 else first_part.predictions
            if names is not None and expected is not None and names != expected:
                raise InputError(
                    f"shard has columns {names}, but {first_path} has {expected}", file=path
                )

    def _merge_preview(self, pv: Preview, shift: int) -> None:
        if pv.first_index is None or pv.worst_index is None:
            return
        if self.preview.first_index is None:
            self.preview.first_index = _shifted(pv.first_index, shift)
            self.preview.first = pv.first
        self.preview.ids = pv.ids
        self.preview.update(pv.worst, _shifted(pv.worst_index, shift))

    def report(
        self,
        plan: Plan,
        *,
        source: str | None,
        strict: bool,
        weights: Any,
        checks: Sequence[Check],
        baseline: PathLike | Mapping[str, Any] | None,
        tolerance: float,
        atol: float,
    ) -> Report:
        """The report of everything merged: the local engine's end-of-input steps."""
        self.weight_total.check()  # what sources.raw_chunks checks at the end of the input
        state = local.ScoreState(
            task=plan.task,
            acc=self.acc,
            weighted=self.weighted,
            warnings=self.messages.warnings,
            notes=self.messages.notes,
            pending=self.messages.pending,
            pending_against=self.messages.pending_against,
            classes=self.classes,
            preview=self.preview,
            raw_rows=self.base,
            ci=self.ci,
            replicates=self.replicates,
            groups=self.groups,
        )
        report = local.conclude(state, plan, source=source, strict=strict, weights=weights)
        if self.keep and self.kept:
            report.per_sample = {k: np.concatenate([c[k] for c in self.kept]) for k in self.kept[0]}
            report.ids = np.concatenate(self.kept_ids) if self.kept_ids else None
        return gates.apply_gates(report, checks, baseline, tolerance, atol)
