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
from losscli.engines.dask.carried import Carried
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
from losscli.engines.dask.parts import PartResult, count_part, score_part
from losscli.engines.dask.spec import Spec, make_spec
from losscli.engines.dask.urls import expand_url, is_url
from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import atomic, persample
from losscli.options import EvalOptions, make_options
from losscli.report.checks import Check, parse_checks
from losscli.report.gates import PathLike
from losscli.report.model import Report


@contextlib.contextmanager
def _sample_sink(path: str | None) -> Iterator[Any]:
    """Per-sample losses as one ordered file, written by the client as the parts arrive in
    order (atomically: nothing is left when the run fails); ``-`` is stdout."""
    if path is None:
        yield None
        return
    fmt = persample.per_sample_format(path)
    if path == "-":
        writer = persample.PerSampleWriter(sys.stdout.buffer, fmt)
        yield writer.write
        writer.close()
        sys.stdout.buffer.flush()
        return
    with atomic.atomic_writer(path) as fh:
        writer = persample.PerSampleWriter(fh, fmt)
        yield writer.write
        writer.close()


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
    run = uuid.uuid4().hex[:12]
    keep = per_sample is not None or keep_per_sample
    bases, count_error = _bases(client, ds, spec, run)
    frames = None if ds.frames is None else client.compute(ds.frames[: len(bases)])
    futures = [
        client.submit(
            score_part,
            part,
            spec,
            None,
            keep,
            None if frames is None else frames[i],
            bases[i],
            key=f"losscli-part-{run}-{i}",
        )
        for i, part in enumerate(ds.parts[: len(bases)])
    ]
    frames = None  # each partition lives as long as the task that scores it
    try:
        carried = Carried(spec)
        merger = Merger(keep_per_sample, spec.ci)
        with _sample_sink(per_sample) as sink:
            window = 4 if keep else FETCH_WINDOW  # per-sample losses: fewer parts at once
            labels = [part.label for part in ds.parts]
            for i, res in enumerate(fetch_in_order(client, futures, labels, window)):
                part = ds.parts[i]
                if not carried.agrees(res):
                    key = f"losscli-rescore-{run}-{i}"
                    res = _rescore(client, ds, i, carried, keep, key, bases[i])
                merger.add(part, res, sink)
                carried.learn(res)
            if count_error is not None:  # scoring the part did not meet its reading's error
                raise count_error
            if merger.count != len(ds.parts):
                raise DaskEngineError(
                    f"merged {merger.count} of {len(ds.parts)} parts; no result", file=ds.source
                )
            if carried.task == "auto":  # not one row in any part
                raise InputError("no samples (the input has no data rows)", file=ds.source)
            return merger.report(
                local.make_plan(spec.settings(), carried.task),
                source=ds.source,
                strict=spec.strict,
                weights=weights,
                checks=checks,
                baseline=baseline,
                tolerance=tolerance,
                atol=atol,
            )
    except BaseException:
        client.cancel([f for f in futures if f.status != "finished"])
        raise


def _rescore(
    client: Any, ds: Dataset, i: int, carried: Carried, keep: bool, key: str, base: int
) -> PartResult:
    """Score part ``i`` again with the carried task and raw-scores decision (a
    partition is read again from its source)."""
    part = ds.parts[i]
    frame = None if ds.frames is None else client.compute(ds.frames[i])
    future = client.submit(
        score_part, part, carried.settled(), carried.scores, keep, frame, base, key=key
    )
    return cast(PartResult, fetch(future, part.label))


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
