"""The Dask engine (``--engine dask``): the local engine's evaluation spread over a cluster.

A dataset (a glob or directory of shards, or an fsspec URL read by Dask's own
readers) is cut into *parts*: one shard file (paired with its predictions and
weights shards in two-file mode) or one partition of a Dask DataFrame.  Each
part is scored on a worker by :class:`PartScorer`, the per-chunk loop of
:func:`losscli.api.evaluate` (``validate.prepare`` -> ``api.update``), and comes
back as a :class:`PartResult` holding its :class:`~losscli.scoring.accumulate.Accumulator`
(sums, never means).  The client merges the parts in their sorted order with
:meth:`Accumulator.merge` and builds the report with :func:`api.build_report` and
:func:`api.apply_gates`, so the figures equal ``--engine local``.

What the local engine carries from one chunk to the next (the task, inferred
from the input's first chunk, and whether predictions are raw scores or
probabilities, decided by its first non-empty chunk) is learnt from the parts
in order (:class:`Carried`): every part runs at once with its own inference,
and the rare part that decided differently from the input's first one is
scored again with the carried settings, so the result is exactly the local
engine's.  Rows are numbered over the whole input, as locally: each part's
rows are shifted by the rows of the parts before it.

Errors raised by losscli on a worker are returned as values (with their file,
row, column and hint), and the client raises the one of the earliest part, as
the local engine would meet it.  A worker lost mid-run makes Dask recompute its
tasks; if that fails too, the run stops with a :class:`DaskEngineError` (exit 3),
never a partial result: the number of parts merged is checked.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np

from losscli import __version__
from losscli.engines import batch, local
from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import atomic, formats, persample, readers
from losscli.io.table import Table, frame_to_table, short
from losscli.report import gates
from losscli.report.checks import Check, parse_checks
from losscli.report.gates import PathLike
from losscli.report.model import Preview, Report
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.plan import Plan
from losscli.validate import sources
from losscli.validate.columns import Raw

#: Seconds to wait for a scheduler to answer, and for it to have at least one worker.
CONNECT_TIMEOUT = 10.0
WORKER_WAIT = 60.0
#: Results fetched per round trip to the scheduler (sequential fetches cost ~1.6 ms each).
FETCH_WINDOW = 32

#: Extensions Dask's readers take for URLs.
_URL_FORMATS = ("csv", "tsv", "parquet", "jsonl")


class DaskEngineError(InputError):
    """The cluster could not produce a result (scheduler unreachable, no workers, a task
    lost beyond Dask's retries, a worker running another losscli): exit code 3."""


# ----------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class ReadOptions:
    """How a part's files are read and which columns are used."""

    target_col: str | None = None
    pred_col: str | None = None
    id_col: str | None = None
    weight_col: str | None = None  # a weights column (a weights *file* is a Part field)
    header: bool = True
    input_format: str | None = None
    chunk_rows: int | None = None
    allow_missing: bool = False  # --id-col: drop ids found on one side only


@dataclass(frozen=True, eq=False)
class Spec:
    """What every part computes, the same for all parts of a run; ``task`` is ``auto``
    when each part infers it (then checked against the input's first chunk)."""

    task: str
    losses: tuple[str, ...] | None
    metrics: tuple[str, ...] | None
    params: Mapping[str, Any]
    lenient: frozenset[str]  # config-file parameters: for whichever entries take them
    strict: bool
    nan_policy: str
    read: ReadOptions

    def settings(self) -> local.Settings:
        """What the local engine's per-chunk loop is given."""
        return local.Settings(
            task=self.task,
            losses=self.losses,
            metrics=self.metrics,
            params=self.params,
            lenient=self.lenient,
            strict=self.strict,
            nan_policy=self.nan_policy,
        )


@dataclass(frozen=True)
class Part:
    """One unit of work: a shard (its targets file, its predictions file in two-file mode,
    its weights file), or a DataFrame partition (``frame``: the data come as an argument).

    ``label`` names the part in messages; ``whole``: the part is the whole input (a
    single file or pair), read exactly as the local engine reads it."""

    label: str
    targets: str | None = None
    predictions: str | None = None
    weights_file: str | None = None
    frame: bool = False
    whole: bool = False


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


# ----------------------------------------------------------------------------- worker side


class PartScorer(local.Scorer):
    """The local engine's per-chunk loop (:class:`losscli.api.Scorer`) over one part.

    ``hint`` is the raw-scores-or-probabilities decision of the input's first
    non-empty chunk, or None for the part to decide as if it began the input (the
    client checks the decision, see :class:`Carried`).  Rows are counted from 0 within
    the part; the client adds the rows of the parts before it.
    """

    def __init__(self, spec: Spec, hint: bool | None, keep_samples: bool) -> None:
        super().__init__(spec.settings(), hint)
        self.result = PartResult(task=spec.task)
        self.state = self.result
        self.keep_samples = keep_samples

    def feed(self, raw: Raw) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        try:
            out = super().feed(raw)
        except InputError as exc:
            if exc.row is not None:
                self.result.error_counted = True
            raise
        if out is not None and self.keep_samples:
            self.result.samples.append(out)
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
            stdin=None,
            classes=None,
            chunk_rows=read.chunk_rows,
            allow_missing=read.allow_missing,
        )
        return
    tables = _frame_tables(frame, part.label, read) if part.frame else _file_tables(part, read, res)
    yield from _select_chunks(tables, part, read, res)


def _file_tables(part: Part, read: ReadOptions, res: PartResult) -> Iterator[list[Table]]:
    """A shard's files (targets, predictions, weights) read in lockstep chunks."""
    assert part.targets is not None

    def stream(path: str, side: int | None, fmt: str | None) -> Iterator[Table]:
        for table in readers.read_chunks(
            path, header=read.header, input_format=fmt, chunk_rows=read.chunk_rows
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
    table = frame_to_table(frame, label, True)
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
        )
    except InputError as exc:
        if exc.row is not None:
            res.error_counted = True
        raise


def score_part(
    part: Part, spec: Spec, hint: bool | None, keep: bool, frame: Any = None
) -> PartResult:
    """Worker task: score every chunk of one part; a losscli error comes back as a value."""
    scorer = PartScorer(spec, hint, keep)
    try:
        chunks = part_raws(part, spec, frame, scorer.result)
        for raw in chunks:
            scorer.feed(raw)
    except LossCliError as exc:
        return scorer.fail(exc)
    return scorer.result


# ----------------------------------------------------------------------------- client: options


def make_spec(
    *,
    losses: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    task: str = "auto",
    params: Mapping[str, Any] | Sequence[str] | None = None,
    default_params: Mapping[str, Any] | Sequence[str] | None = None,
    from_logits: bool = False,
    weights: Any = None,
    strict: bool = False,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    header: bool = True,
    input_format: str | None = None,
    chunk_rows: int | None = None,
    nan_policy: str = "error",
    allow_missing: bool = False,
) -> Spec:
    """Validate the options as :func:`losscli.api.evaluate` does, before any file is read."""
    settings = local.make_settings(
        task=task,
        losses=losses,
        metrics=metrics,
        params=params,
        default_params=default_params,
        from_logits=from_logits,
        strict=strict,
        nan_policy=nan_policy,
        chunk_rows=chunk_rows,
        input_format=input_format,
    )
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise UsageError(
            "the Dask engine takes --weights as a column name or a file (one per shard)"
        )
    return Spec(
        task=settings.task,
        losses=settings.losses,
        metrics=settings.metrics,
        params=settings.params,
        lenient=settings.lenient,
        strict=settings.strict,
        nan_policy=settings.nan_policy,
        read=ReadOptions(
            target_col=target_col,
            pred_col=pred_col,
            id_col=id_col,
            weight_col=_weight_column(weights),
            header=header,
            input_format=input_format,
            chunk_rows=chunk_rows,
            allow_missing=allow_missing,
        ),
    )


def _weight_column(weights: Any) -> str | None:
    """``--weights`` names a column unless it looks like a file (the local engine's rule)."""
    if isinstance(weights, str) and not sources.looks_like_file(weights) and not is_url(weights):
        return weights
    return None


def _weight_file(weights: Any) -> str | None:
    if weights is None or _weight_column(weights) is not None:
        return None
    return os.fspath(weights)


# ----------------------------------------------------------------------------- client: datasets


@dataclass
class Dataset:
    """The parts of one evaluation, in order; ``frames`` holds the Dask DataFrame's
    partitions (``Delayed``) when the parts are partitions."""

    parts: list[Part]
    frames: list[Any] | None = None
    source: str | None = None  # names the input in "no samples left"


def is_url(x: Any) -> bool:
    """An fsspec URL (``s3://``, ``gcs://``, ``memory://``, ``file://``, ...)."""
    return isinstance(x, str) and "://" in x


def _is_dask_frame(x: Any) -> bool:
    return hasattr(x, "to_delayed") and hasattr(x, "npartitions")


def build_dataset(y_true: Any, y_pred: Any, weights: Any, spec: Spec) -> Dataset:
    """Cut the input into parts: shards of local paths, or partitions of Dask's readers."""
    if _is_dask_frame(y_true) or is_url(y_true) or is_url(y_pred):
        if y_pred is not None:
            raise UsageError(
                "the Dask engine reads URLs and Dask DataFrames in one-file mode only",
                hint="put targets and predictions in the same files",
            )
        if _weight_file(weights) is not None:
            raise UsageError(
                "with a URL or a Dask DataFrame, --weights must name a column of the input"
            )
        if _is_dask_frame(y_true):
            return _frame_dataset(y_true, "dataframe", None)
        return _frame_dataset(read_url(y_true, spec.read), y_true, y_true)
    if not isinstance(y_true, (str, os.PathLike)) or not (
        y_pred is None or isinstance(y_pred, (str, os.PathLike))
    ):
        raise UsageError(
            "the Dask engine scores files, URLs or a Dask DataFrame",
            hint="use losscli.evaluate for arrays and pandas DataFrames",
        )
    return Dataset(
        _file_parts(y_true, y_pred, _weight_file(weights), spec.read),
        source=os.fspath(y_pred if y_pred is not None else y_true),
    )


def _file_parts(
    y_true: PathLike, y_pred: PathLike | None, weight_file: str | None, read: ReadOptions
) -> list[Part]:
    """One part per shard; in two-file mode the i-th targets shard with the i-th
    predictions shard (and the i-th weights file), in sorted-name order."""
    t_spec = os.fspath(y_true)
    p_spec = None if y_pred is None else os.fspath(y_pred)
    if "-" in (t_spec, p_spec, weight_file):
        raise UsageError(
            "the Dask engine does not read standard input ('-')",
            hint="name the files, or use --engine local",
        )
    t_files = formats.expand(t_spec)
    p_files = None if p_spec is None else formats.expand(p_spec)
    if len(t_files) == 1 and (p_files is None or len(p_files) == 1):
        # one part: the local engine's reading exactly, whatever the options
        return [Part(p_spec or t_spec, t_spec, p_spec, weight_file, whole=True)]
    if p_files is not None:
        if read.id_col is not None:
            raise UsageError(
                "--id-col with a targets and a predictions dataset aligns by key over the "
                "whole input, which the Dask engine does not do across shards",
                hint="use --engine local, or shards holding targets, predictions and ids",
            )
        if len(p_files) != len(t_files):
            raise UsageError(
                f"{len(t_files)} targets file(s) but {len(p_files)} predictions file(s): the "
                "Dask engine pairs the shards one to one, in sorted-name order",
                hint="shard both alike, or use --engine local",
            )
    w_files = None if weight_file is None else formats.expand(weight_file)
    if w_files is not None and len(w_files) != len(t_files):
        raise UsageError(
            f"{len(w_files)} weights file(s) for {len(t_files)} shards: on Dask weights files "
            "pair with the shards one to one",
            hint="shard the weights alike, or use a weights column",
        )
    return [
        Part(
            label=p_files[i] if p_files is not None else t,
            targets=t,
            predictions=None if p_files is None else p_files[i],
            weights_file=None if w_files is None else w_files[i],
        )
        for i, t in enumerate(t_files)
    ]


def _frame_dataset(ddf: Any, label: str, source: str | None) -> Dataset:
    frames = list(ddf.to_delayed())
    return Dataset([Part(label, frame=True) for _ in frames], frames, source)


def expand_url(spec: str) -> list[str]:
    """A URL, URL glob or URL directory as sorted file URLs (hidden files skipped)."""
    import fsspec

    try:
        fs, _, paths = fsspec.core.get_fs_token_paths(spec)
        if any(ch in spec.split("://", 1)[1] for ch in "*?["):
            found = [p for p in paths if fs.isfile(p)]
            if not found:
                raise InputError("no file matches this pattern", file=spec)
        elif fs.isdir(paths[0]):
            found = [
                p
                for p in fs.ls(paths[0], detail=False)
                if not os.path.basename(p.rstrip("/")).startswith((".", "_")) and fs.isfile(p)
            ]
            if not found:
                raise InputError("directory has no data files", file=spec)
        elif fs.exists(paths[0]):
            found = [paths[0]]
        else:
            raise InputError("no such file", file=spec)
    except LossCliError:
        raise
    except ImportError as exc:
        raise UsageError(
            f"cannot read {spec}: {short(exc)}",
            hint="install the fsspec package for this protocol (e.g. s3fs, gcsfs)",
        ) from None
    except Exception as exc:  # fsspec backends raise their own types
        raise InputError(f"cannot read: {short(exc)}", file=spec) from None
    return [fs.unstrip_protocol(p) for p in sorted(found)]


def read_url(spec: str, read: ReadOptions) -> Any:
    """A Dask DataFrame over the files of a URL, through Dask's own readers."""
    import dask.dataframe as dd

    paths = expand_url(spec)
    fmt, gz = formats.detect_format(paths[0], read.input_format)
    if fmt not in _URL_FORMATS:
        raise UsageError(
            f"{fmt} files cannot be read from a URL by the Dask engine",
            hint=f"use one of {', '.join(_URL_FORMATS)}",
        )
    try:
        if fmt == "parquet":
            return dd.read_parquet(paths)
        if fmt == "jsonl":
            return dd.read_json(paths, lines=True, blocksize=None)
        return dd.read_csv(
            paths,
            sep="\t" if fmt == "tsv" else ",",
            header=0 if read.header else None,
            assume_missing=True,
            skipinitialspace=True,
            blocksize=None if gz else "64MB",
            compression="gzip" if gz else None,
        )
    except FileNotFoundError:
        raise InputError("no such file", file=spec) from None
    except Exception as exc:
        raise InputError(f"cannot read: {short(exc)}", file=spec) from None


# ----------------------------------------------------------------------------- client: cluster


@contextlib.contextmanager
def connect(scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler``, or to a LocalCluster sized to this
    machine (one single-threaded process per core, no dashboard) that is shut down on
    exit, errors and Ctrl-C included."""
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_logs())
        if scheduler is None:
            import dask

            # Nannies give workers MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
            # adaptive mmap threshold: every chunk-sized array is then mapped and faulted
            # in afresh (1.4x slower scoring here).  A cluster that lives for one run does
            # not need the trimming.
            stack.enter_context(
                dask.config.set(
                    {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
                )
            )
            try:
                with _deferred_interrupts():
                    cluster = stack.enter_context(
                        LocalCluster(
                            n_workers=os.cpu_count() or 1,
                            threads_per_worker=1,
                            processes=True,
                            dashboard_address=None,
                            # no dashboard; the scheduler's HTTP endpoint (metrics) on any free
                            # local port, never the default 8787 another cluster may hold
                            scheduler_kwargs={
                                "dashboard": False,
                                "dashboard_address": "127.0.0.1:0",
                            },
                            silence_logs=logging.ERROR,
                        )
                    )
                    client = stack.enter_context(Client(cluster))
            except (OSError, RuntimeError, TimeoutError) as exc:
                raise DaskEngineError(f"cannot start a local Dask cluster: {short(exc)}") from exc
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise DaskEngineError(
                    f"cannot connect to the Dask scheduler at {scheduler}: {short(exc)}",
                    hint="check the address (tcp://HOST:8786), or drop --scheduler to start "
                    "a local cluster",
                ) from None
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT)
            except TimeoutError:
                raise DaskEngineError(
                    f"the Dask scheduler at {scheduler} has no workers",
                    hint=f"start some with `dask worker {scheduler}`",
                ) from None
        yield client


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) back while a local cluster starts, and deliver it once
    the cluster can be shut down cleanly (one cut short in its start-up cannot be)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread
        return
    signals = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous: dict[int, Any] = {int(s): signal.getsignal(s) for s in signals}
    held: list[tuple[int, Any]] = []

    def hold(signum: int, frame: Any) -> None:
        held.append((signum, frame))

    for sig in signals:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if held:
        signum, frame = held[0]
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)  # losscli's: remembers the signal, raises KeyboardInterrupt
        elif handler != signal.SIG_IGN:
            os.kill(os.getpid(), signum)  # the default action


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Dask's client-side chatter off for the run (errors still show).  After a failure or
    Ctrl-C they stay off: the cluster's tasks cut short are reported by asyncio as they
    are collected, after this block, and would print tracebacks."""
    quiet = {"distributed": logging.ERROR, "asyncio": logging.CRITICAL}
    loggers = {name: logging.getLogger(name) for name in quiet}
    levels = {name: lg.level for name, lg in loggers.items()}
    for name, lg in loggers.items():
        lg.setLevel(quiet[name])
    yield
    for name, lg in loggers.items():  # not reached when the run failed
        lg.setLevel(levels[name])


def fetch(future: Any, label: str) -> Any:
    """A task's result; the cluster's own failures become a :class:`DaskEngineError`."""
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise DaskEngineError(
            "Dask workers kept dying while scoring this part (beyond Dask's retries); "
            "no result was produced",
            file=label,
            hint="see the workers' logs (memory limits?)",
        ) from exc
    except ModuleNotFoundError as exc:
        raise DaskEngineError(
            f"a Dask worker cannot import {exc.name}",
            file=label,
            hint=f"install losscli[dask]=={__version__} on every worker",
        ) from exc
    except LossCliError:
        raise
    except Exception as exc:
        raise DaskEngineError(
            f"failed on a Dask worker: {type(exc).__name__}: {short(exc)}", file=label
        ) from exc


def fetch_in_order(
    client: Any, futures: Sequence[Any], labels: Sequence[str], window: int = FETCH_WINDOW
) -> Iterator[Any]:
    """The results of ``futures`` in order, ``window`` at a time (one round trip each
    rather than one per result); each is released on the workers once fetched."""
    for start in range(0, len(futures), window):
        chunk = futures[start : start + window]
        try:
            results = client.gather(list(chunk))
        except Exception:  # find the first failed one in order, and say which
            results = [fetch(f, labels[start + j]) for j, f in enumerate(chunk)]
        for future in chunk:
            future.release()
        yield from results


def _check_version(found: str, label: str) -> None:
    if found != __version__:
        raise DaskEngineError(
            f"a Dask worker runs losscli {found}, this client {__version__}",
            file=label,
            hint=f"install losscli[dask]=={__version__} on every worker",
        )


def _rebased(res: PartResult, base: int) -> LossCliError:
    """A part's error with its row counted over the whole input, as the local engine does."""
    exc = res.error
    assert exc is not None
    if res.error_counted and exc.row is not None:
        exc.row += base
    return exc


# ----------------------------------------------------------------------------- client: carried


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


# ----------------------------------------------------------------------------- client: merging


def _shifted(index: np.ndarray, shift: int) -> np.ndarray:
    """Row numbers of a part counted over the whole input (ids: ``shift`` is 0)."""
    return index + shift if shift else index


class Merger:
    """Folds the parts' results in order into one report, as the local engine folds its
    chunks: sums merged, warnings and notes in order, preview and row numbers shifted."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.acc = Accumulator()
        self.preview = Preview()
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.n_inf: dict[str, int] = {}
        self.weighted = False
        self.classes: list[str] = []
        self.base = 0  # rows of the parts merged so far
        self.count = 0  # parts merged
        self.weight_total = sources._WeightTotal()
        self.kept: list[dict[str, np.ndarray]] = []
        self.kept_ids: list[np.ndarray] = []
        self.first: tuple[Part, PartResult] | None = None

    def add(self, part: Part, res: PartResult, sink: Any = None) -> None:
        """Merge the next part (in order); its error, if any, is raised."""
        _check_version(res.version, part.label)
        self._check_columns(part, res)
        if res.error is not None:
            raise _rebased(res, self.base)
        self.acc.merge(res.acc)
        self.weighted = self.weighted or res.weighted
        if res.classes is not None:
            self.classes = res.classes
        for w in res.warnings:
            if len(self.warnings) < 20 and w not in self.warnings:
                self.warnings.append(w)
        self.notes += [n for n in res.notes if n not in self.notes]
        for name, count in res.n_inf.items():
            self.n_inf[name] = self.n_inf.get(name, 0) + count
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
            warnings=self.warnings,
            notes=self.notes,
            n_inf=self.n_inf,
            classes=self.classes,
            preview=self.preview,
        )
        report = local.conclude(state, plan, source=source, strict=strict, weights=weights)
        if self.keep and self.kept:
            report.per_sample = {k: np.concatenate([c[k] for c in self.kept]) for k in self.kept[0]}
            report.ids = np.concatenate(self.kept_ids) if self.kept_ids else None
        return gates.apply_gates(report, checks, baseline, tolerance, atol)


# ----------------------------------------------------------------------------- client: running


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
    frames = None if ds.frames is None else client.compute(ds.frames)
    futures = [
        client.submit(
            score_part,
            part,
            spec,
            None,
            keep,
            None if frames is None else frames[i],
            key=f"losscli-part-{run}-{i}",
        )
        for i, part in enumerate(ds.parts)
    ]
    frames = None  # each partition lives as long as the task that scores it
    try:
        carried = Carried(spec)
        merger = Merger(keep_per_sample)
        with _sample_sink(per_sample) as sink:
            window = 4 if keep else FETCH_WINDOW  # per-sample losses: fewer parts at once
            labels = [part.label for part in ds.parts]
            for i, res in enumerate(fetch_in_order(client, futures, labels, window)):
                part = ds.parts[i]
                if not carried.agrees(res):
                    res = _rescore(client, ds, i, carried, keep, f"losscli-rescore-{run}-{i}")
                merger.add(part, res, sink)
                carried.learn(res)
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
    client: Any, ds: Dataset, i: int, carried: Carried, keep: bool, key: str
) -> PartResult:
    """Score part ``i`` again with the carried task and raw-scores decision (a
    partition is read again from its source)."""
    part = ds.parts[i]
    frame = None if ds.frames is None else client.compute(ds.frames[i])
    future = client.submit(
        score_part, part, carried.settled(), carried.scores, keep, frame, key=key
    )
    return cast(PartResult, fetch(future, part.label))


def evaluate(
    y_true: Any,
    y_pred: Any = None,
    *,
    scheduler: str | None = None,
    per_sample: str | None = None,
    losses: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    task: str = "auto",
    params: Mapping[str, Any] | Sequence[str] | None = None,
    from_logits: bool = False,
    weights: Any = None,
    strict: bool = False,
    checks: Sequence[str] = (),
    default_params: Mapping[str, Any] | Sequence[str] | None = None,
    baseline: PathLike | Mapping[str, Any] | None = None,
    tolerance: float = 0.0,
    atol: float = 0.0,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    header: bool = True,
    input_format: str | None = None,
    keep_per_sample: bool = False,
    chunk_rows: int | None = None,
    nan_policy: str = "error",
    allow_missing: bool = False,
) -> Report:
    """:func:`losscli.api.evaluate` on a Dask cluster: the same options and figures.

    ``y_true`` (with ``y_pred`` in two-file mode) is a path, glob or directory of shards
    (one dataset, in sorted-name order), an fsspec URL (read by Dask's readers) or a
    Dask DataFrame.  ``scheduler`` is the address of a running scheduler; without it a
    LocalCluster is started for the run.  ``per_sample`` writes every sample's losses
    to one ordered file (format from the extension, ``-`` for stdout).
    """
    spec = make_spec(
        losses=losses,
        metrics=metrics,
        task=task,
        params=params,
        default_params=default_params,
        from_logits=from_logits,
        weights=weights,
        strict=strict,
        target_col=target_col,
        pred_col=pred_col,
        id_col=id_col,
        header=header,
        input_format=input_format,
        chunk_rows=chunk_rows,
        nan_policy=nan_policy,
        allow_missing=allow_missing,
    )
    parsed = parse_checks(checks, tolerance, atol)
    if per_sample is not None:
        persample.per_sample_format(per_sample)
    ds = build_dataset(y_true, y_pred, weights, spec)
    with connect(scheduler) as client:
        return evaluate_dataset(
            client,
            ds,
            spec,
            checks=parsed,
            baseline=baseline,
            tolerance=tolerance,
            atol=atol,
            per_sample=per_sample,
            keep_per_sample=keep_per_sample,
            weights=weights,
        )


# ----------------------------------------------------------------------------- batch


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


def _score_url_file(client: Any, path: str, options: Mapping[str, Any]) -> batch.FileResult:
    """One batch file given as a URL: its partitions scored on the cluster."""
    try:
        spec = make_spec(**{k: v for k, v in options.items() if k != "keep_per_sample"})
        ds = build_dataset(path, None, options.get("weights"), spec)
        report = evaluate_dataset(client, ds, spec, weights=options.get("weights"))
    except LossCliError as exc:
        if exc.file is None:
            exc.file = path
        return batch.FileResult(path, error=exc)
    return batch.FileResult(path, report=report)


def evaluate_batch(
    specs: Sequence[str],
    *,
    targets: str | None = None,
    scheduler: str | None = None,
    checks: Sequence[str] = (),
    baseline: PathLike | Mapping[str, Any] | None = None,
    tolerance: float = 0.0,
    atol: float = 0.0,
    sort_by: str | None = None,
    skip_errors: bool = False,
    **options: Any,
) -> batch.BatchReport:
    """:func:`losscli.engines.batch.evaluate_batch` on a Dask cluster: each file is scored on a
    worker by the local engine's per-file job, and ``overall`` merges their accumulators
    (:func:`losscli.engines.batch.assemble`).  A URL file is scored partition by partition."""
    parsed = parse_checks(checks, tolerance, atol)
    if sort_by is not None:
        batch._direction(sort_by)
    if targets is not None and is_url(targets):
        raise UsageError("the Dask engine takes --targets as a local path, not a URL")
    files = batch_files(specs, targets)
    if targets is not None and any(is_url(f) for f in files):
        raise UsageError("--targets cannot be used with URL prediction files on Dask")
    options = {**options, "keep_per_sample": False}
    base = None
    if baseline is not None:
        base = dict(baseline) if isinstance(baseline, Mapping) else gates.load_baseline(baseline)
    with connect(scheduler) as client:
        results = _score_files(client, files, targets, options, skip_errors)
    return batch.assemble(
        results,
        parsed,
        base,
        tolerance,
        sort_by,
        leaderboard=targets is not None,
        skip_errors=skip_errors,
        atol=atol,
    )


def _score_files(
    client: Any, files: list[str], targets: str | None, options: dict[str, Any], skip: bool
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
                _check_version(res.report.signature.split("|")[0].removeprefix("losscli:"), f)
            results.append(res)
            if res.error is not None and not skip:
                raise res.error
    except BaseException:
        client.cancel([f for f in futures if f is not None and f.status != "finished"])
        raise
    if len(results) != len(files):
        raise DaskEngineError(f"scored {len(results)} of {len(files)} files; no result")
    return results
