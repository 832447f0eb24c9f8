"""``compare --engine dask``: the paired comparison of :mod:`losscli.engines.compare` with
A and B read shard by shard on the workers.

Shard ``i`` of A is paired with shard ``i`` of B (and of ``--targets``).  Three steps:

1. every pair of shards is read (not scored) on a worker: its rows, and what each side
   shows about its reading (:class:`losscli.validate.whole.Facts`); the first pair's
   first rows are scored for the first rows' readings, as the local compare takes them;
2. the client decides each side's reading once for the whole input (the first rows', or
   the whole input's when they differ: the local compare's rule, without a second read);
3. every pair is scored on a worker with those readings by the local compare's own loop
   (rows numbered from the row where the pair begins, so the bootstrap's weights, the
   randomization's sign flips and the messages' rows are those of the whole input), and
   the client merges the states of A and B and the paired sums in order.

The figures, intervals and p-values equal the local compare's: bit for bit with one shard
a side; to rounding with several (a sum split at a shard is summed in two parts).
``--id-col`` (alignment over the whole input) and ``-f html`` (pictures) are not done here
yet: usage errors naming the flag.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from losscli.engines import compare as C
from losscli.engines import local
from losscli.engines.dask.carried import merge_facts
from losscli.engines.dask.cluster import connect, fetch, fetch_in_order, require
from losscli.engines.dask.dataset import Part, build_dataset
from losscli.engines.dask.spec import make_spec
from losscli.engines.dask.urls import is_url
from losscli.engines.state import ScoreState, conclude
from losscli.errors import InputError, LossCliError, UsageError
from losscli.options import EvalOptions
from losscli.report.model import Preview
from losscli.validate import whole
from losscli.validate.columns import Raw


def _chunks(part: Part, options: EvalOptions) -> Iterator[Raw]:
    """One side's shard as the local compare reads its input (its first rows gathered)."""
    weights = part.weights_file if part.weights_file is not None else options.weights
    o = replace(options, weights=weights)
    return whole.with_head(local.input_chunks(part.targets, part.predictions, o, None))


def survey_pair(pa: Part, pb: Part, options: EvalOptions) -> Any:
    """Worker task: the rows of a pair of shards and the facts of each side (read, not
    scored); a losscli error comes back as a value."""
    facts = whole.Facts(), whole.Facts()
    rows = 0
    try:
        for raw in _chunks(pa, options):
            facts[0].add(raw)
            rows += int(raw.p.shape[0])
        for raw in _chunks(pb, options):
            facts[1].add(raw)
    except LossCliError as exc:
        return exc
    return rows, facts


def head_pair(pa: Part, pb: Part, options: EvalOptions, settings: Any, args: Any) -> Any:
    """Worker task: the first pair's first rows scored as the local compare scores them
    first: the scorers that hold each side's first rows' reading and scores decision."""
    ci, names, targets, test = args
    try:
        ha, hb = next(_chunks(pa, options), None), next(_chunks(pb, options), None)
        first_a = iter([] if ha is None else [ha])
        first_b = iter([] if hb is None else [hb])
        sa, sb, _ = C._score_pair(first_a, first_b, settings, ci, names, targets, None, test)
    except C._Reread as r:
        return r.error
    except LossCliError as exc:
        return exc
    return sa, sb


def compare_pair(
    pa: Part, pb: Part, options: EvalOptions, settings: Any, args: Any, given: Any, base: int
) -> Any:
    """Worker task: a pair of shards scored by the local compare's loop with the input's
    readings ``given``, rows numbered from ``base``; a losscli error comes back as a value."""
    ci, names, targets, test = args
    try:
        sa, sb, pairs = C._score_pair(
            _chunks(pa, options), _chunks(pb, options), settings, ci, names, targets, given,
            test, None, base,
        )  # fmt: skip
    except LossCliError as exc:
        return exc
    for st in (sa.state, sb.state):
        if st.replicates is not None:  # the pair's last rows summed: nothing pending
            st.replicates.finish(st.raw_rows)
    return sa.state, sb.state, pairs


def _merge_state(into: ScoreState | None, st: ScoreState) -> ScoreState:
    """The states of consecutive pieces of one side (rows numbered over the input)."""
    if into is None:
        return st
    into.acc.merge(st.acc)
    if into.replicates is not None and st.replicates is not None:
        into.replicates.merge(st.replicates)
    into.weighted = into.weighted or st.weighted
    into.classes = st.classes if st.classes is not None else into.classes
    into.scores = into.scores if into.scores is not None else st.scores
    into.task = st.task if into.task == "auto" else into.task
    into.merge_messages(st, 0)
    _merge_preview(into.preview, st.preview)
    into.raw_rows = st.raw_rows
    return into


def _merge_preview(mine: Preview, pv: Preview) -> None:
    if pv.first_index is None or pv.worst_index is None:
        return
    if mine.first_index is None:
        mine.first_index, mine.first = pv.first_index, pv.first
    mine.ids = pv.ids
    mine.update(pv.worst, pv.worst_index)
    if pv.hist is not None:
        for name, h in pv.hist.items():
            got = (mine.hist or {}).get(name)
            if got is None:
                mine.hist = {**(mine.hist or {}), name: h}
            else:
                got.merge(h)


def _merge_pairs(into: C._Pairs | None, p: C._Pairs) -> C._Pairs:
    if into is None:
        return p
    for name, m in p.d.items():
        into.d[name] = into.d[name].merge(m) if name in into.d else m
    for name, v in p.flipped.items():
        into.flipped[name] = into.flipped.get(name, 0.0) + v
    into.wsum += p.wsum
    into.only_a += p.only_a
    into.only_b += p.only_b
    return into


def _checks(options: EvalOptions, a: Any, b: Any, targets: Any) -> None:
    """What this engine does not do yet (usage errors)."""
    if options.id_col is not None:
        raise UsageError(
            "compare --engine dask does not align by --id-col yet", hint="use --engine local"
        )
    for x in (a, b, targets):
        if x is not None and (not isinstance(x, (str, os.PathLike)) or is_url(os.fspath(x))):
            raise UsageError(
                "compare --engine dask reads local files, globs or directories of shards",
                hint="use --engine local for URLs and standard input",
            )
        if x is not None and os.fspath(x) == "-":
            raise UsageError("compare --engine dask cannot read standard input")


def compare(
    a: Any,
    b: Any,
    options: EvalOptions,
    *,
    targets: Any = None,
    test: str = "auto",
    alpha: float = 0.05,
    scheduler: str | None = None,
) -> C.Comparison:
    """:func:`losscli.engines.compare.compare` on a Dask cluster: the same options and
    numbers, A and B (each a file or a directory/glob of shards, shard ``i`` of A beside
    shard ``i`` of B) read and scored on the workers."""
    settings = C.check_request(options, test, alpha, a, b)
    _checks(options, a, b, targets)
    require()
    spec = make_spec(options)
    ci = settings.ci
    sides = []
    for pred in (a, b):
        sides.append(
            build_dataset(
                targets if targets is not None else pred,
                pred if targets is not None else None,
                options.weights,
                spec,
            ).parts
        )
    parts_a, parts_b = sides
    if len(parts_a) != len(parts_b):
        raise UsageError(
            f"compare --engine dask pairs the shards of A and B one to one: A has "
            f"{len(parts_a)}, B has {len(parts_b)}",
            hint="give both sides the same shards, or use --engine local",
        )
    names = (C._name(a, "A"), C._name(b, "B"))
    args = (ci, names, targets, test)
    labels = [pa.label for pa in parts_a]
    run = uuid.uuid4().hex[:12]
    with connect(scheduler) as client:
        futures: list[Any] = []
        try:
            job = (parts_a, parts_b, options, settings, args, labels)
            return _run(client, run, futures, job, alpha)
        except BaseException:
            client.cancel([f for f in futures if f.status != "finished"])
            raise


def _run(
    client: Any,
    run: str,
    futures: list[Any],
    job: tuple[list[Part], list[Part], EvalOptions, Any, Any, list[str]],
    alpha: float,
) -> C.Comparison:
    parts_a, parts_b, options, settings, args, labels = job
    ci, names, _, test = args
    head_f = client.submit(
        head_pair, parts_a[0], parts_b[0], options, settings, args, key=f"losscli-head-{run}"
    )
    survey = [
        client.submit(survey_pair, pa, pb, options, key=f"losscli-survey-{run}-{i}")
        for i, (pa, pb) in enumerate(zip(parts_a, parts_b))
    ]
    futures += [head_f, *survey]
    head = fetch(head_f, labels[0])
    if isinstance(head, LossCliError):
        raise head
    sa0, sb0 = head
    bases: list[int] = []
    row = 0
    facts: list[whole.Facts | None] = [None, None]
    survey_error: LossCliError | None = None
    for got in fetch_in_order(client, survey, labels):
        if isinstance(got, LossCliError):  # the pairs before it are scored first
            survey_error = got
            client.cancel([f for f in survey if f.status != "finished"])
            break
        bases.append(row)
        rows, (fa, fb) = got
        row += rows
        facts = [merge_facts(facts[0], fa), merge_facts(facts[1], fb)]
    given = [(sa0.reading, sa0.hint), (sb0.reading, sb0.hint)]
    if survey_error is None and facts[0] is not None and facts[1] is not None:
        found, _ = C._whole_readings(settings, (sa0, sb0), (facts[0], facts[1]))
        given = found if found is not None else given
    if any(r is not None and r.hard for r, _ in given):
        raise UsageError(
            "compare --engine dask does not read hard-label predictions (class ids or names) yet",
            hint="use --engine local",
        )
    scored = [
        client.submit(
            compare_pair,
            parts_a[i],
            parts_b[i],
            options,
            settings,
            args,
            given,
            bases[i],
            key=f"losscli-compare-{run}-{i}",
        )  # fmt: skip
        for i in range(len(bases))
    ]
    futures += scored
    sta: ScoreState | None = None
    stb: ScoreState | None = None
    pairs: C._Pairs | None = None
    for got in fetch_in_order(client, scored, labels[: len(bases)]):
        if isinstance(got, LossCliError):
            raise got
        a_state, b_state, p = got
        sta, stb = _merge_state(sta, a_state), _merge_state(stb, b_state)
        pairs = _merge_pairs(pairs, p)
    if survey_error is not None:
        raise survey_error
    if sta is None or stb is None or pairs is None:
        raise InputError("no samples (the input has no data rows)", file=names[0])
    scorers = []
    for st, (reading, _) in zip((sta, stb), given):
        scorer = local.Scorer(settings)
        scorer.state = st
        scorer._plan = local.make_plan(settings, st.task, reading)
        scorers.append(scorer)
    sa, sb = scorers
    rep_a = conclude(sta, sa.plan, source=names[0], strict=options.strict, weights=None)
    rep_b = conclude(stb, sb.plan, source=names[1], strict=options.strict, weights=None)
    if sa.plan.task != sb.plan.task:
        raise InputError(
            f"{names[0]} is scored as a {sa.plan.task} task but {names[1]} as {sb.plan.task}",
            hint="pass --task to score both alike",
        )
    return C._conclude(rep_a, rep_b, sa, sb, pairs, test, alpha, ci, names)
