"""Batch scoring: many prediction files in one run, one result per file plus ``overall``.

``overall`` is pooled over every sample of every file by merging the files'
accumulators (never a mean of means).  ``jobs > 1`` scores files in parallel
processes; each returns its report with its accumulator, and the parent merges
them in file order, so the numbers do not depend on ``jobs``.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from losscli import __version__
from losscli.engines.alike import Alike
from losscli.engines.local import run
from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import formats
from losscli.io.table import fast_cells, fast_cells_on
from losscli.options import EvalOptions, make_options
from losscli.report.checks import Check, parse_checks
from losscli.report.gates import PathLike, apply_gates, compare_baseline, load_baseline
from losscli.report.model import Report, build_report
from losscli.scoring import registry
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.metrics import MeanState


@dataclass
class FileResult:
    file: str
    report: Report | None = None
    error: LossCliError | None = None


@dataclass
class BatchReport:
    files: list[FileResult]
    overall: Report
    sort_by: str | None = None
    skipped: list[FileResult] = field(default_factory=list)
    # several models against shared targets: `overall` pools different models'
    # predictions of the same samples, a figure of no model: not shown, not gated
    leaderboard: bool = False
    # --ci on a leaderboard: every model's paired test against the best, by file
    versus_best: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        reports = [f.report for f in self.files if f.report is not None]
        if not self.leaderboard:
            reports.append(self.overall)
        return all(r.passed for r in reports) and not self.skipped

    def ranked(self) -> list[tuple[int, FileResult]]:
        """Files by the sort figure, best first (direction from the registry)."""
        ok = [f for f in self.files if f.report is not None]
        if not self.sort_by or not ok:
            return list(enumerate(ok, 1))
        name = self.sort_by
        direction = _direction(name)
        ordered = sorted(ok, key=lambda f: _key(f.report, name, direction))  # type: ignore[arg-type]
        return list(enumerate(ordered, 1))

    def to_dict(self) -> dict[str, Any]:
        rank = {id(f): i for i, f in self.ranked()} if self.sort_by else {}
        files = []
        for f in self.files:
            if f.report is None:
                continue
            d = {"file": f.file, **f.report.to_dict()}
            if self.sort_by:
                d["rank"] = rank[id(f)]
            if f.file in self.versus_best:
                d["versus_best"] = self.versus_best[f.file]
            files.append(d)
        out: dict[str, Any] = {
            "version": __version__,
            "files": files,
            "overall": self.overall.to_dict(),
        }
        if self.sort_by:
            out["sort_by"] = self.sort_by
        if self.skipped:
            out["skipped"] = [
                {
                    "file": f.file,
                    "error": str(f.error),
                    "exit_code": f.error.exit_code if f.error else 3,
                }
                for f in self.skipped
            ]
        return out


def _losses(report: Report) -> str:
    return ", ".join(report.losses) or "no loss"


def _direction(name: str) -> str:
    try:
        return registry.lookup(name)[0].direction
    except UsageError as exc:
        raise UsageError(f"--sort-by {name!r} is not a loss or metric", hint=exc.hint) from None


def _key(report: Report, name: str, direction: str) -> float:
    v = report.value(name)
    return v if direction == "lower" else -v


_ALIKE: list[Alike] = []  # this process's fast path, for the options of its batch


def alike(options: EvalOptions) -> Alike:
    """The fast path of files scored with ``options`` in this process (kept while the
    options stay the same: one batch)."""
    if not _ALIKE or _ALIKE[0].options != options:
        _ALIKE[:] = [Alike(options)]
    return _ALIKE[0]


def _score_one(job: tuple[str, str | None, EvalOptions]) -> FileResult:
    """One file's result (its error caught): what a process or a Dask worker runs."""
    path, targets, options = job
    fast = targets is None and fast_cells_on()
    if fast:
        report = alike(options).report(path)
        if report is not None:
            return FileResult(path, report=report)
    try:
        if targets is None:
            report = run(path, None, options, keep_per_sample=False, preview=False)
        else:
            report = run(targets, path, options, keep_per_sample=False, preview=False)
    except LossCliError as exc:
        if exc.file is None:
            exc.file = path
        return FileResult(path, error=exc)
    if fast:
        alike(options).learn(path, report)
    return FileResult(path, report=report)


_WORKER: list[Any] = []  # a worker process's (targets, options) for its blocks of files


def _start_worker(targets: str | None, options: EvalOptions, many: bool) -> None:
    _WORKER[:] = [targets, options]
    if many:
        fast_cells()


def _score_block(paths: list[str]) -> list[FileResult]:
    """The results of consecutive files, in a worker process (one task, one reply)."""
    targets, options = _WORKER
    return [_score_one((path, targets, options)) for path in paths]


def _blocks(files: list[str], processes: int) -> list[list[str]]:
    """Consecutive files in about eight blocks a process: each block a worker scores is one
    task and one reply (no hand-off between its files: each costs a scheduling delay on a
    busy machine), and the blocks still balance the processes."""
    size = max(1, -(-len(files) // (processes * 8)))
    return [files[i : i + size] for i in range(0, len(files), size)]


def _score_parallel(
    files: list[str],
    targets: str | None,
    options: EvalOptions,
    workers: int,
    many: bool,
    progress: Callable[[int, int], None] | None,
) -> list[FileResult]:
    """Every file's result, in order, scored by this process and ``workers`` others: this
    one takes blocks of files from the front, the workers from the back (two blocks queued
    for each, so that none waits while this one scores), until they meet.  This process
    scores the first file before the workers start, so that they inherit what it learned
    (:mod:`losscli.engines.alike`'s template); its own results are never pickled."""
    from concurrent.futures import Future, ProcessPoolExecutor

    blocks = _blocks(files, workers + 1)
    done: dict[int, list[FileResult]] = {}
    count = 0

    def finished(i: int, block: list[FileResult]) -> None:
        nonlocal count
        done[i] = block
        count += len(block)
        if progress:
            progress(count, len(files))

    first = _score_one((files[0], targets, options))
    front, back = 0, len(blocks)
    queued: dict[Future[list[FileResult]], int] = {}
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(targets, options, many)
    ) as pool:

        def top_up() -> None:
            nonlocal back
            while back > front + 1 and len(queued) < 2 * workers:
                back -= 1
                queued[pool.submit(_score_block, blocks[back])] = back

        try:
            top_up()
            while front < back:
                i, front = front, front + 1
                paths = blocks[i][1:] if i == 0 else blocks[i]
                mine = [_score_one((path, targets, options)) for path in paths]
                finished(i, [first, *mine] if i == 0 else mine)
                for future in [f for f in queued if f.done()]:
                    finished(queued.pop(future), future.result())
                top_up()
            for future, i in queued.items():
                finished(i, future.result())
        except BaseException:  # an interrupt, a worker gone: the blocks not begun are dropped
            for future in queued:
                future.cancel()
            raise
    return [res for i in range(len(blocks)) for res in done[i]]


def expand_inputs(specs: Sequence[str]) -> list[str]:
    files: list[str] = []
    for spec in specs:
        if spec == "-":
            raise UsageError("batch does not read standard input; name the files")
        files.extend(formats.expand(spec))
    seen: set[str] = set()
    unique = []
    for f in files:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique


def per_file(options: EvalOptions) -> EvalOptions:
    """What each file is evaluated with: the gates are applied by :func:`assemble` (the
    checks stay, so that the figures they name are computed for every file)."""
    return options.replace(baseline=None)


def load_base(baseline: PathLike | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return dict(baseline) if isinstance(baseline, Mapping) else load_baseline(baseline)


AUTO_FILES = 16  # from this many files, --jobs 0 scores them on every idle core


def auto_jobs(files: Sequence[str]) -> int:
    """``--jobs 0``: one process an idle core (at most 8) for ``AUTO_FILES`` files or more,
    else one; the figures are the same whatever the number.  A core is idle unless another
    process is running on it right now (Linux: ``/proc/loadavg``): on a machine whose cores
    are all busy, a second process of small files only adds its own costs."""
    if len(files) < AUTO_FILES:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(8, cores - _others_running()))


def _others_running() -> int:
    """Processes other than this one running or ready to run now (0 when unknown)."""
    try:
        with open("/proc/loadavg") as fh:
            running = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, running - 1)


def evaluate_batch(
    specs: Sequence[str],
    options: EvalOptions | None = None,
    *,
    targets: str | None = None,
    jobs: int = 1,
    sort_by: str | None = None,
    skip_errors: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **overrides: Any,
) -> BatchReport:
    """Score every file of ``specs`` (paths, globs, directories) with ``options`` (or its
    fields as keywords; see :func:`losscli.evaluate`), one report each plus ``overall``.
    ``jobs``: processes scoring files at once; ``0`` is :func:`auto_jobs`'s choice.
    Raises the first file's error unless ``skip_errors``."""
    o = make_options(options, overrides)
    if jobs < 0:
        raise UsageError("--jobs must be at least 1 (or 0: one per core for many files)")
    parsed = parse_checks(o.checks, o.tolerance, o.atol)
    if sort_by is not None:
        _direction(sort_by)
    files = expand_inputs(specs)
    if targets is not None:
        files = [f for f in files if os.path.abspath(f) != os.path.abspath(targets)]
    if not files:
        raise InputError("no prediction files to score")
    base = load_base(o.baseline)
    each = per_file(o)
    job_list = [(f, targets, each) for f in files]
    results: list[FileResult] = []
    if jobs == 0:
        jobs = auto_jobs(files)
    many = len(files) >= AUTO_FILES
    if many:  # pyarrow's import pays for itself over many small CSV files
        fast_cells()
    if jobs == 1 or len(files) == 1:
        for i, job in enumerate(job_list):
            results.append(_score_one(job))
            if progress:
                progress(i + 1, len(files))
            if results[-1].error is not None and not skip_errors:
                raise results[-1].error
    else:
        workers = min(jobs, len(files)) - 1  # processes beside this one
        results = _score_parallel(files, targets, each, workers, many, progress)
        if not skip_errors:
            for res in results:
                if res.error is not None:
                    raise res.error
    report = assemble(
        results,
        parsed,
        base,
        o.tolerance,
        sort_by,
        atol=o.atol,
        leaderboard=targets is not None,
        skip_errors=skip_errors,
    )
    if report.leaderboard and o.ci and targets is not None:
        report.versus_best = versus_best(report, o, targets)
    return report


def versus_best(report: BatchReport, o: EvalOptions, targets: str) -> dict[str, dict[str, Any]]:
    """Each model's paired test against the best one on the ranking figure (``compare``'s
    ``auto`` test), Holm-adjusted over the models: which are statistically tied with it."""
    from losscli.engines.compare import compare
    from losscli.report.numbers import json_num
    from losscli.stats.paired import holm

    ranked = [f for _, f in report.ranked()]
    name = report.sort_by
    if name is None or len(ranked) < 2:
        return {}
    canonical = registry.lookup(name)[0].name
    best = ranked[0]
    found: dict[str, dict[str, Any]] = {best.file: {"best": True}}
    rows = []
    for f in ranked[1:]:
        c = compare(best.file, f.file, o.replace(checks=(), baseline=None), targets=targets)
        d = c.differences[canonical]
        rows.append((f.file, d))
    adjusted = holm([d.p_value for _, d in rows])
    for (file, d), p_holm in zip(rows, adjusted):
        found[file] = {
            "best": False,
            "figure": canonical,
            "delta": json_num(-d.delta),  # this model minus the best
            "low": json_num(-d.high),
            "high": json_num(-d.low),
            "p_value": json_num(d.p_value),
            "p_holm": json_num(p_holm),
            "test": d.test,
            "tied": not (p_holm < 0.05),
        }
    return found


def _for_merge(merged: Accumulator, acc: Accumulator) -> Accumulator:
    """``acc`` as ``merged.merge`` may take it without touching the file's own sums: a copy
    (merge adopts the states it lacks, then adds to them; a pickle's round trip copies as
    deepcopy does, in a tenth the time), or ``acc`` itself when ``merged`` has every state
    it holds and they are plain sums, whose merge only reads them."""
    plain = (
        acc.breakdown is None
        and (acc.confusion is None or merged.confusion is not None)
        and acc.losses.keys() <= merged.losses.keys()
        and acc.metrics.keys() <= merged.metrics.keys()
        and all(type(m) is MeanState for m in acc.metrics.values())
    )
    if plain:
        return acc
    return pickle.loads(pickle.dumps(acc, protocol=pickle.HIGHEST_PROTOCOL))


def assemble(
    results: list[FileResult],
    checks: Sequence[Check],
    base: Mapping[str, Any] | None,
    tolerance: float,
    sort_by: str | None,
    leaderboard: bool = False,
    skip_errors: bool = False,
    atol: float = 0.0,
) -> BatchReport:
    """Pool the per-file accumulators into ``overall`` and apply the gates."""
    ok = [r for r in results if r.report is not None]
    if not ok:
        errors = [r.error for r in results if r.error is not None]
        raise errors[0] if errors else InputError("no prediction files to score")
    first = ok[0].report
    assert first is not None and first.plan is not None
    plan = first.plan
    for r in ok[1:]:
        assert r.report is not None and r.report.plan is not None
        if r.report.signature.split("|weights")[0] != first.signature.split("|weights")[0]:
            r.error = InputError(
                f"scored as {r.report.task} with {_losses(r.report)}, unlike {ok[0].file} "
                f"({first.task} with {_losses(first)}): files cannot be pooled",
                file=r.file,
                hint="pass --task and --loss to use the same for every file",
            )
            r.report = None
            if not skip_errors:
                raise r.error
    ok = [r for r in results if r.report is not None]
    skipped = [r for r in results if r.error is not None]
    merged = Accumulator()
    warnings: list[str] = []
    notes: list[str] = []
    for r in ok:
        rep = r.report
        assert rep is not None and rep.accumulator is not None
        merged.merge(_for_merge(merged, rep.accumulator))
        # one line per kind and file; a line that names its file already is kept as it is
        warnings += [w if w.startswith(f"{r.file}: ") else f"{r.file}: {w}" for w in rep.warnings]
        notes += [f"{r.file}: {n}" for n in rep.notes]
    weighted = "weights:yes" in first.signature
    labels = first.confusion["labels"] if first.confusion else ()
    overall = build_report(
        merged, plan, weighted=weighted, warnings=warnings, notes=notes, classes=labels
    )
    file_base: dict[str, Any] = {}
    overall_base = None
    if base is not None:
        if "files" in base:
            file_base = {
                str(f.get("file")): f for f in base.get("files", []) if isinstance(f, dict)
            }
            overall_base = base.get("overall")
        else:
            overall_base = base
    several = leaderboard and len(ok) > 1
    if several:
        overall.warnings.insert(
            0,
            "several models against the same targets: overall pools different models' "
            "predictions of the same samples and is the figure of no model (not gated)",
        )
    for r in ok:
        assert r.report is not None
        apply_gates(r.report, checks, None, tolerance, atol)
        fb = file_base.get(r.file)
        if fb is not None:
            r.report.baseline = compare_baseline(r.report, fb, tolerance, atol)
    if not several:
        apply_gates(overall, checks, None, tolerance, atol)
        if overall_base is not None:
            overall.baseline = compare_baseline(overall, overall_base, tolerance, atol)
    if sort_by is None and several and plan.losses:
        sort_by = plan.losses[0][0].name  # shared targets: rank by the first loss
    return BatchReport(results, overall, sort_by, skipped, leaderboard=several)
