"""Runs on the cluster: an evaluation (every part submitted, fetched in order,
rescored if needed, merged, per-sample losses written as they come) and a batch
of files (each scored on a worker by the local engine's per-file job)."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from losscli.engines import batch, local
from losscli.engines.dask.carried import Carried, merge_facts, whole_reading
from losscli.engines.dask.cluster import (
    FETCH_WINDOW,
    DaskEngineError,
    check_version,
    connect,
    fetch,
    fetch_in_order,
    require,
)
from losscli.engines.dask.dataset import Dataset, build_dataset
from losscli.engines.dask.merge import Merger
from losscli.engines.dask.parts import PartResult, count_part, facts_part, score_part
from losscli.engines.dask.spec import Spec, make_spec
from losscli.engines.dask.urls import expand_url, is_url
from losscli.errors import Contradiction, InputError, LossCliError, UsageError
from losscli.io import atomic, persample
from losscli.options import EvalOptions, make_options
from losscli.report.checks import Check, parse_checks
from losscli.report.gates import PathLike
from losscli.report.model import Report
from losscli.validate import whole


@contextlib.contextmanager
def _sample_sink(path: str | None) -> Iterator[Any]:
    """Per-sample losses as one ordered file, written by the client as the parts arrive in
    order (atomically: nothing is left when the run fails); ``-`` is stdout.  The writer
    is the sink (``reset()`` starts a file again when the input is read a second time)."""
    if path is None:
        yield None
        return
    fmt = persample.per_sample_format(path)
    if path == "-":
        writer = persample.PerSampleWriter(sys.stdout.buffer, fmt)
        yield writer
        writer.close()
        sys.stdout.buffer.flush()
        return
    with atomic.atomic_writer(path) as fh:
        writer = persample.PerSampleWriter(fh, fmt, resettable=True)
        yield writer
        writer.close()


class _Widen(Exception):
    """The whole input reads otherwise than its first rows: the reading and decision to
    score every part again with, and the error when the losses written cannot be undone."""

    def __init__(self, found: tuple[Any, bool | None], error: LossCliError) -> None:
        self.found, self.error = found, error


class _Run:
    """One evaluation on the cluster: the parts scored, checked against the input's
    first rows' reading and merged in order; read again with the whole input's reading
    when it differs (:func:`losscli.engines.local.run`'s rule)."""

    def __init__(self, client: Any, ds: Dataset, spec: Spec, keep: bool) -> None:
        self.client, self.ds, self.spec, self.keep = client, ds, spec, keep
        self.run = uuid.uuid4().hex[:12]
        self.futures: list[Any] = []  # every future submitted (cancelled on failure)
        self.labels = [part.label for part in ds.parts]
        self.window = 4 if keep else FETCH_WINDOW  # per-sample losses: fewer parts at once

    def submit(self, name: str, func: Any, indices: Sequence[int], *args: Any) -> list[Any]:
        """``func(part, ..., frame)`` for the parts ``indices`` (``args`` per part: a
        callable of the index gives its value)."""
        ds = self.ds
        frames = None if ds.frames is None else self.client.compute([ds.frames[i] for i in indices])
        out = [
            self.client.submit(
                func,
                ds.parts[i],
                *[a(i) if callable(a) else a for a in args],
                frame=None if frames is None else frames[k],
                key=f"losscli-{name}-{self.run}-{i}",
            )
            for k, i in enumerate(indices)
        ]
        self.futures += out
        return out

    def cancel(self) -> None:
        self.client.cancel([f for f in self.futures if f.status != "finished"])

    def first_pass(self, bases: list[int], count_error: LossCliError | None, sink: Any) -> Any:
        """Every part scored with its own reading, scored again when it reads otherwise
        than the input's first rows; merged in order.  Raises :class:`_Widen` when the
        whole input (the facts of every part) reads otherwise than its first rows."""
        spec, n = self.spec, len(bases)
        futures = self.submit(
            "part", score_part, range(n), spec, None, self.keep, lambda i: bases[i], None, True
        )
        carried = Carried(spec)
        merger = Merger(self.keep, spec.ci)
        facts: whole.Facts | None = None
        fetched = fetch_in_order(self.client, futures, self.labels[:n], self.window)
        for i, own in enumerate(fetched):
            part, res = self.ds.parts[i], own
            if not carried.agrees(own):
                res = self._rescore(i, carried, bases[i], not own.facts_done)
            head = carried.reading or res.reading
            if (isinstance(res.error, Contradiction) or res.refused) and head is not None:
                error: LossCliError | None = None
                try:
                    merger.add(part, res, sink)  # raises the error, its row over the input
                except LossCliError as exc:
                    if exc is not res.error:  # the shard's columns, the worker's version
                        raise
                    error = exc
                assert error is not None
                rest = None if count_error is not None else self._rest(i, own, res, fetched)
                found = None
                if rest is not None:
                    hint = carried.scores if carried.scores is not None else res.scores
                    found = whole_reading(spec, head, hint, merge_facts(facts, rest))
                if found is None:
                    raise error
                raise _Widen(found, error)
            merger.add(part, res, sink)
            carried.learn(res)
            more = self._facts(i, own, res)
            if more is None:  # it was scored, but cannot be read again
                raise DaskEngineError("could not read the part again", file=part.label)
            facts = merge_facts(facts, more)
        if count_error is not None:  # scoring the part did not meet its reading's error
            raise count_error
        self._check_count(merger)
        if carried.task == "auto":  # not one row in any part
            raise InputError("no samples (the input has no data rows)", file=self.ds.source)
        assert carried.reading is not None and facts is not None
        found = whole_reading(spec, carried.reading, carried.scores, facts)
        if found is not None:
            source = None if facts.first is None else facts.first.pred_source
            raise _Widen(found, whole.reread_error(carried.reading, found[0], source))
        return merger, carried.task

    def again(self, bases: list[int], found: tuple[Any, bool | None], sink: Any) -> Any:
        """Every part scored again with the whole input's reading and decision."""
        reading, hint = found
        n = len(bases)
        futures = self.submit(
            "again", score_part, range(n), self.spec, hint, self.keep, lambda i: bases[i],
            reading, False,
        )  # fmt: skip
        merger = Merger(self.keep, self.spec.ci)
        for i, res in enumerate(fetch_in_order(self.client, futures, self.labels, self.window)):
            merger.add(self.ds.parts[i], res, sink)
        self._check_count(merger)
        return merger, reading.task

    def _check_count(self, merger: Merger) -> None:
        if merger.count != len(self.ds.parts):
            raise DaskEngineError(
                f"merged {merger.count} of {len(self.ds.parts)} parts; no result",
                file=self.ds.source,
            )

    def _rescore(self, i: int, carried: Carried, base: int, facts: bool) -> PartResult:
        """Part ``i`` scored again with the carried reading and raw-scores decision (a
        partition is read again from its source)."""
        (future,) = self.submit(
            f"rescore{i}", score_part, [i], carried.settled(), carried.scores, self.keep,
            base, carried.reading, facts,
        )  # fmt: skip
        return cast(PartResult, fetch(future, self.ds.parts[i].label))

    def _facts(self, i: int, own: PartResult, res: PartResult) -> whole.Facts | None:
        """Part ``i``'s facts (read again when neither scoring gathered them all); None
        when the part cannot be read."""
        for r in (own, res):
            if r.facts_done and r.facts is not None:
                return r.facts
        (future,) = self.submit(f"facts{i}", facts_part, [i], self.spec)
        got = fetch(future, self.ds.parts[i].label)
        return None if isinstance(got, LossCliError) else cast(whole.Facts, got)

    def _rest(
        self, i: int, own: PartResult, res: PartResult, fetched: Iterator[PartResult]
    ) -> whole.Facts | None:
        """The facts of part ``i`` and every part after it (None: one cannot be read)."""
        facts = self._facts(i, own, res)
        for j, later in enumerate(fetched, start=i + 1):
            more = self._facts(j, later, later)
            if facts is None or more is None:
                return None
            facts = merge_facts(facts, more)
        return facts


def evaluate_dataset(
    client: Any,
    ds: Dataset,
    spec: Spec,
    *,
    checks: Sequence[Check] = (),
    baseline: PathLike | Mapping[str, Any] | None = None,
    tolerance: float = 0.0,
    atol: float = 0.0,
    per_sample: str | None = None,
    keep_per_sample: bool = False,
    weights: Any = None,
) -> Report:
    """Score every part of ``ds`` on the cluster and merge them, in order, into one report."""
    keep = per_sample is not None or keep_per_sample
    job = _Run(client, ds, spec, keep)
    bases, count_error = _bases(client, ds, spec, job.run)
    try:
        with _sample_sink(per_sample) as sink:
            try:
                merger, task = job.first_pass(bases, count_error, sink)
            except _Widen as w:
                job.cancel()
                if sink is not None and sink.rows and not sink.reset():
                    w.error.hint = (
                        "the per-sample losses already written cannot be taken back: write "
                        "them to a file (--per-sample FILE), or " + (w.error.hint or "pass --task")
                    )
                    raise w.error from None
                merger, task = job.again(bases, w.found, sink)
            return merger.report(
                local.make_plan(spec.settings(), task),
                source=ds.source,
                strict=spec.strict,
                weights=weights,
                checks=checks,
                baseline=baseline,
                tolerance=tolerance,
                atol=atol,
            )
    except BaseException:
        job.cancel()
        raise


def _bases(client: Any, ds: Dataset, spec: Spec, run: str) -> tuple[list[int], LossCliError | None]:
    """The row of the input where every part begins, and the error that stops counting.

    Only ``--ci`` needs them (a bootstrap weight is keyed by the row's position in the
    whole input) and only with several parts: then a first pass reads every part on the
    cluster and counts its rows (read, not scored; a partition is computed for it and
    dropped, so memory stays that of one pass).  When a part cannot be read, the parts
    up to it are scored (the earliest error is the one the local engine meets) and its
    reading error is the result if scoring meets none before."""
    if spec.ci is None or len(ds.parts) == 1:
        return [0] * len(ds.parts), None
    frames = None if ds.frames is None else client.compute(ds.frames)
    futures = [
        client.submit(
            count_part,
            part,
            spec,
            None if frames is None else frames[i],
            key=f"losscli-count-{run}-{i}",
        )
        for i, part in enumerate(ds.parts)
    ]
    frames = None
    bases: list[int] = []
    row = 0
    labels = [part.label for part in ds.parts]
    try:
        for rows in fetch_in_order(client, futures, labels, FETCH_WINDOW):
            bases.append(row)
            if isinstance(rows, LossCliError):
                client.cancel([f for f in futures if f.status != "finished"])
                return bases, rows
            row += rows
    except BaseException:
        client.cancel([f for f in futures if f.status != "finished"])
        raise
    return bases, None


def evaluate(
    y_true: Any,
    y_pred: Any = None,
    options: EvalOptions | None = None,
    *,
    scheduler: str | None = None,
    per_sample: str | None = None,
    keep_per_sample: bool = False,
    **overrides: Any,
) -> Report:
    """:func:`losscli.evaluate` on a Dask cluster: the same options and figures.

    ``y_true`` (with ``y_pred`` in two-file mode) is a path, glob or directory of shards
    (one dataset, in sorted-name order), an fsspec URL (read by Dask's readers) or a
    Dask DataFrame.  ``scheduler`` is the address of a running scheduler; without it a
    LocalCluster is started for the run.  ``per_sample`` writes every sample's losses
    to one ordered file (format from the extension, ``-`` for stdout).
    """
    o = make_options(options, overrides)
    require()
    spec = make_spec(o)
    parsed = parse_checks(o.checks, o.tolerance, o.atol)
    if per_sample is not None:
        persample.per_sample_format(per_sample)
    ds = build_dataset(y_true, y_pred, o.weights, spec)
    with connect(scheduler) as client:
        return evaluate_dataset(
            client,
            ds,
            spec,
            checks=parsed,
            baseline=o.baseline,
            tolerance=o.tolerance,
            atol=o.atol,
            per_sample=per_sample,
            keep_per_sample=keep_per_sample,
            weights=o.weights,
        )


def batch_files(specs: Sequence[str], targets: str | None) -> list[str]:
    """The files of ``specs`` in order (local globs/directories and URLs expanded),
    without duplicates and without the shared targets file."""
    files: list[str] = []
    for spec in specs:
        files += expand_url(spec) if is_url(spec) else batch.expand_inputs([spec])
    files = list(dict.fromkeys(files))
    if targets is not None:
        files = [f for f in files if is_url(f) or os.path.abspath(f) != os.path.abspath(targets)]
    if not files:
        raise InputError("no prediction files to score")
    return files


def _score_url_file(client: Any, path: str, options: EvalOptions) -> batch.FileResult:
    """One batch file given as a URL: its partitions scored on the cluster."""
    try:
        spec = make_spec(options)
        ds = build_dataset(path, None, options.weights, spec)
        report = evaluate_dataset(client, ds, spec, weights=options.weights)
    except LossCliError as exc:
        if exc.file is None:
            exc.file = path
        return batch.FileResult(path, error=exc)
    return batch.FileResult(path, report=report)


def evaluate_batch(
    specs: Sequence[str],
    options: EvalOptions | None = None,
    *,
    targets: str | None = None,
    scheduler: str | None = None,
    sort_by: str | None = None,
    skip_errors: bool = False,
    **overrides: Any,
) -> batch.BatchReport:
    """:func:`losscli.engines.batch.evaluate_batch` on a Dask cluster: each file is scored on a
    worker by the local engine's per-file job, and ``overall`` merges their accumulators
    (:func:`losscli.engines.batch.assemble`).  A URL file is scored partition by partition."""
    o = make_options(options, overrides)
    require()
    parsed = parse_checks(o.checks, o.tolerance, o.atol)
    if sort_by is not None:
        batch._direction(sort_by)
    if targets is not None and is_url(targets):
        raise UsageError("the Dask engine takes --targets as a local path, not a URL")
    files = batch_files(specs, targets)
    if targets is not None and any(is_url(f) for f in files):
        raise UsageError("--targets cannot be used with URL prediction files on Dask")
    base = batch.load_base(o.baseline)
    with connect(scheduler) as client:
        results = _score_files(client, files, targets, batch.per_file(o), skip_errors)
    return batch.assemble(
        results,
        parsed,
        base,
        o.tolerance,
        sort_by,
        leaderboard=targets is not None,
        skip_errors=skip_errors,
        atol=o.atol,
    )


def _score_files(
    client: Any, files: list[str], targets: str | None, options: EvalOptions, skip: bool
) -> list[batch.FileResult]:
    """Every file's result, in file order; the first error raised unless ``skip``."""
    run = uuid.uuid4().hex[:12]
    futures = [
        None
        if is_url(f)
        else client.submit(batch._score_one, (f, targets, options), key=f"losscli-file-{run}-{i}")
        for i, f in enumerate(files)
    ]
    results: list[batch.FileResult] = []
    try:
        submitted = [(f, fut) for f, fut in zip(files, futures) if fut is not None]
        fetched = fetch_in_order(client, [fut for _, fut in submitted], [f for f, _ in submitted])
        for f, future in zip(files, futures):
            res = _score_url_file(client, f, options) if future is None else next(fetched)
            if res.report is not None:
                check_version(res.report.signature.split("|")[0].removeprefix("losscli:"), f)
            results.append(res)
            if res.error is not None and not skip:
                raise res.error
    except BaseException:
        client.cancel([f for f in futures if f is not None and f.status != "finished"])
        raise
    if len(results) != len(files):
        raise DaskEngineError(f"scored {len(results)} of {len(files)} files; no result")
    return results
