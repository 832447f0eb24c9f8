"""The worker side: one part read chunk by chunk and scored by the local engine's
per-chunk loop (:class:`PartScorer`), coming back as a :class:`PartResult`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli import __version__
from losscli.engines import local
from losscli.engines.dask.dataset import Part
from losscli.engines.dask.spec import ReadOptions, Spec
from losscli.errors import Contradiction, InputError, LossCliError, UsageError
from losscli.io import readers
from losscli.io.dialect import comma_decimals
from losscli.io.table import Table, frame_to_table
from losscli.scoring.accumulate import Accumulator
from losscli.validate import labels, sources, whole
from losscli.validate.columns import Raw


@dataclass
class PartResult(local.ScoreState):
    """A scored part: the local loop's state (sums, messages, preview) and what the
    client needs besides."""

    version: str = __version__
    samples: list[tuple[np.ndarray, dict[str, np.ndarray]]] = field(default_factory=list)
    columns: list[list[str] | None] = field(default_factory=lambda: [None, None])
    # the weights' total ("all weights are zero" is judged over the whole input)
    weight_total: sources._WeightTotal = field(default_factory=sources._WeightTotal)
    error: LossCliError | None = None
    error_counted: bool = False  # the error's row is counted over the input
    reading: labels.Reading | None = None  # how the part's rows were read (its first rows')
    # what the part shows about the input's reading (validate/whole.py), and whether it
    # covers every row of the part (not when reading or scoring stopped it early)
    facts: whole.Facts | None = None
    facts_done: bool = False
    refused: bool = False  # its first rows read as hard labels, which the engine does not read


class PartScorer(local.Scorer):
    """The local engine's per-chunk loop (:class:`losscli.api.Scorer`) over one part.

    ``hint`` is the raw-scores-or-probabilities decision of the input's first
    non-empty chunk and ``reading`` the input's reading (task, labels), or None for the
    part to decide as if it began the input (the client checks the decisions, see
    :class:`Carried`).  Rows are counted from 0 within
    the part; the client adds the rows of the parts before it.  ``base`` is that count
    when the part needs it (``--ci``: a bootstrap weight is keyed by the row's position
    in the whole input, :mod:`losscli.stats.resample`).
    """

    def __init__(
        self,
        spec: Spec,
        hint: bool | None,
        keep_samples: bool,
        base: int = 0,
        reading: labels.Reading | None = None,
    ) -> None:
        super().__init__(spec.settings(), hint, row_base=base, reading=reading)
        self.result = PartResult(task=spec.task, ci=spec.ci)
        self.state = self.result
        self.keep_samples = keep_samples

    def feed(self, raw: Raw) -> tuple[np.ndarray | None, dict[str, np.ndarray]] | None:
        try:
            out = super().feed(raw)
        except InputError as exc:
            if exc.row is not None:
                self.result.error_counted = True
            raise
        if out is not None and self.keep_samples:
            index, values = out
            assert index is not None  # numbered, as a Scorer is by default
            self.result.samples.append((index, values))
        return out

    def fail(self, exc: LossCliError) -> PartResult:
        """The result carrying ``exc`` (the accumulator is dropped: nothing is merged)."""
        self.result.error = exc
        self.result.acc = Accumulator()
        self.result.samples = []
        return self.result


def part_raws(part: Part, spec: Spec, frame: Any, res: PartResult) -> Iterator[Raw]:
    """The chunks of a part, as the local engine's sources give them.

    A single-part dataset is read by :func:`losscli.validate.sources.raw_chunks` itself (what the
    local engine does, ``--id-col`` alignment included).  A shard or a partition is read
    table by table here, so that its column names, the rows of its errors and its
    weights are known to the client (which judges "all weights are zero" over the whole
    input, not per shard).
    """
    read = spec.read
    if part.whole:
        yield from sources.raw_chunks(
            part.targets,
            part.predictions,
            target_col=read.target_col,
            pred_col=read.pred_col,
            id_col=read.id_col,
            weights=part.weights_file if part.weights_file is not None else read.weight_col,
            header=read.header,
            input_format=read.input_format,
            delimiter=read.delimiter,
            decimal=read.decimal,
            stdin=None,
            classes=None,
            chunk_rows=read.chunk_rows,
            allow_missing=read.allow_missing,
            group_by=read.group_by,
        )
        return
    tables = _frame_tables(frame, part.label, read) if part.frame else _file_tables(part, read, res)
    yield from _select_chunks(tables, part, read, res)


def _file_tables(part: Part, read: ReadOptions, res: PartResult) -> Iterator[list[Table]]:
    """A shard's files (targets, predictions, weights) read in lockstep chunks."""
    assert part.targets is not None

    def stream(path: str, side: int | None, fmt: str | None) -> Iterator[Table]:
        for table in readers.read_chunks(
            path,
            header=read.header,
            input_format=fmt,
            chunk_rows=read.chunk_rows,
            delimiter=read.delimiter,
            decimal=read.decimal,
            text_cols=None if side is None else read.text_columns(),
        ):
            if side is not None and res.columns[side] is None:
                res.columns[side] = list(table.names)
            yield table

    iters = [stream(part.targets, 0, read.input_format)]
    names = [part.targets]
    if part.predictions is not None:
        iters.append(stream(part.predictions, 1, read.input_format))
        names.append(part.predictions)
    if part.weights_file is not None:
        iters.append(stream(part.weights_file, None, None))
        names.append(part.weights_file)
    yield from sources.zip_aligned(iters, names, weights_last=part.weights_file is not None)


def _frame_tables(frame: Any, label: str, read: ReadOptions) -> Iterator[list[Table]]:
    """A pandas partition in chunks of at most ``chunk_rows`` rows (an empty one: none)."""
    # ids keep the partition's integer or text type (never float); the values are those
    # the Dask reader made of the file (a CSV read by Dask has already made 007 into 7)
    table = frame_to_table(frame, label, True, read.text_columns())
    if read.decimal != ".":  # a column of decimal points under --decimal , : an error
        comma_decimals(table.data, table.names, label, 0)
    rows = read.chunk_rows or readers.DEFAULT_CHUNK_ROWS
    for start in range(0, table.n_rows, rows):
        yield [table.slice(start, start + rows) if table.n_rows > rows else table]


def _select_chunks(
    tables: Iterator[list[Table]], part: Part, read: ReadOptions, res: PartResult
) -> Iterator[Raw]:
    """Columns picked as ``sources.raw_chunks`` picks them, rows of errors counted from
    the part's first row (marked for the client), the weights' total kept for the client."""
    try:
        yield from sources.select_chunks(
            tables,
            has_pred=part.predictions is not None,
            weights_file=part.weights_file is not None,
            target_col=read.target_col,
            pred_col=read.pred_col,
            id_col=read.id_col,
            weight_col=read.weight_col,
            allow_missing=read.allow_missing,
            total=res.weight_total,
            group_col=read.group_by,
        )
    except InputError as exc:
        if exc.row is not None:
            res.error_counted = True
        raise


def score_part(
    part: Part,
    spec: Spec,
    hint: bool | None,
    keep: bool,
    base: int = 0,
    reading: labels.Reading | None = None,
    facts: bool = True,
    frame: Any = None,
) -> PartResult:
    """Worker task: score every chunk of one part (``base``: the rows of the input before
    it, for the bootstrap's weights; ``hint``, ``reading``: the input's decisions, or None
    to take the part's own) and, with ``facts``, gather what the part shows about the
    input's reading (:class:`losscli.validate.whole.Facts`; on through the rest of the part
    when a chunk contradicts the reading, as the local engine does).  The part's first
    rows are gathered as the local engine gathers the input's (:func:`whole.with_head`).
    A losscli error comes back as a value."""
    scorer = PartScorer(spec, hint, keep, base, reading)
    res = scorer.result
    seen = whole.Facts() if facts else None
    chunks = whole.with_head(part_raws(part, spec, frame, res))
    try:
        for raw in chunks:
            if seen is not None:
                seen.add(raw)
            scorer.feed(raw)
    except LossCliError as exc:
        res.reading = scorer.reading
        res.refused = _refused(scorer, exc)
        if seen is not None and (isinstance(exc, Contradiction) or res.refused):
            try:
                for raw in chunks:
                    seen.add(raw)
                res.facts, res.facts_done = seen, True
            except LossCliError:
                pass
        return scorer.fail(exc)
    finally:
        chunks.close()
    res.reading = scorer.reading
    res.facts, res.facts_done = seen, seen is not None
    if res.replicates is not None:  # the part's last rows summed: nothing left pending
        res.replicates.finish(base + res.raw_rows)
    return res


def _refused(scorer: PartScorer, exc: LossCliError) -> bool:
    """The part's first rows read as hard labels, which this engine does not read: the
    whole input may read otherwise (then every part is scored with its reading)."""
    r = scorer.reading
    return isinstance(exc, UsageError) and r is not None and r.hard and scorer._plan is None


def facts_part(part: Part, spec: Spec, frame: Any = None) -> whole.Facts | LossCliError:
    """Worker task: what one part shows about the input's reading (read, not scored); a
    losscli error comes back as a value."""
    seen = whole.Facts()
    try:
        for raw in whole.with_head(part_raws(part, spec, frame, PartResult(task=spec.task))):
            seen.add(raw)
    except LossCliError as exc:
        return exc
    return seen


def count_part(part: Part, spec: Spec, frame: Any = None) -> int | LossCliError:
    """Worker task: the rows of one part, as the scoring loop counts them (read, not
    scored); a losscli error comes back as a value."""
    res = PartResult(task=spec.task)
    rows = 0
    try:
        for raw in part_raws(part, spec, frame, res):
            rows += int(raw.p.shape[0])
    except LossCliError as exc:
        return exc
    return rows
