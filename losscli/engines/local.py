"""The local engine: the per-chunk loop (:class:`Scorer`) and the end of the input
(:func:`conclude`, in :mod:`.state`); the Dask engine runs the same code on its workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from losscli import phases
from losscli.engines import heap
from losscli.engines.state import LOOK_LIKE_PROBABILITIES, ScoreState, conclude
from losscli.errors import Contradiction, InputError, UsageError, unknown_choice
from losscli.io import dialect, formats
from losscli.options import EvalOptions
from losscli.report.checks import parse_checks
from losscli.report.gates import apply_gates
from losscli.report.model import Report
from losscli.scoring import perclass, registry
from losscli.scoring.plan import Plan, parse_params, resolve
from losscli.scoring.score import margins, update
from losscli.validate import labels, whole
from losscli.validate.columns import Raw
from losscli.validate.messages import Message
from losscli.validate.prepare import SCORES_NOTE, Prepared, prepare
from losscli.validate.sources import raw_chunks
from losscli.validate.sources import rereadable as _rereadable

if TYPE_CHECKING:  # --ci and --group-by load their machinery when asked for
    from losscli.scoring.replicates import CiSettings

__all__ = ["LOOK_LIKE_PROBABILITIES", "Scorer", "ScoreState", "Settings", "conclude", "run"]


@dataclass(frozen=True, eq=False)
class Settings:
    """What every chunk is scored with (resolved options of :func:`evaluate`)."""

    task: str
    losses: tuple[str, ...] | None
    metrics: tuple[str, ...] | None
    params: Mapping[str, Any]
    lenient: frozenset[str] = frozenset()  # config-file parameters: where they apply
    strict: bool = False
    nan_policy: str = "error"
    classes: tuple[str, ...] | None = None
    extra: tuple[str, ...] = ()  # --check names and --value: computed when not selected
    ci: CiSettings | None = None  # --ci: intervals of every figure
    grouped: bool = False  # --group-by: the report of every group too
    pos_label: str | None = None
    columns_given: bool = False  # --target-col / --pred-col: no guess about swapped files
    hard_labels: bool = True  # the engine can read hard-label predictions
    per_class: bool = False  # --per-class


def make_settings(o: EvalOptions) -> Settings:
    """The options of :func:`evaluate` checked (a :class:`UsageError` before any file is
    read) and resolved: command-line parameters over config-file defaults."""
    from losscli.validate.prepare import NAN_POLICIES

    if o.nan_policy not in NAN_POLICIES:
        raise unknown_choice("--nan-policy", o.nan_policy, NAN_POLICIES)
    if o.chunk_rows is not None and o.chunk_rows < 1:
        raise UsageError("--chunk-size must be at least 1")
    if o.task not in ("auto", *registry.TASKS):
        raise unknown_choice("task", o.task, ("auto", *registry.TASKS))
    if o.input_format is not None and o.input_format not in formats.FORMATS:
        raise unknown_choice("input format", o.input_format, tuple(formats.FORMATS))
    dialect.make(o.delimiter, o.decimal)  # checked before any file is read
    explicit = parse_params(o.params)
    defaults = parse_params(o.default_params)
    pvals = {**defaults, **explicit}
    if "from_logits" in pvals:
        pvals["from_logits"] = registry.FROM_LOGITS.parse(pvals["from_logits"])
    if o.from_logits:
        pvals["from_logits"] = True
    return Settings(
        task=o.task,
        losses=tuple(o.losses) if o.losses else None,
        metrics=tuple(o.metrics) if o.metrics else None,
        params=pvals,
        lenient=frozenset(defaults) - frozenset(explicit),
        strict=o.strict,
        nan_policy=o.nan_policy,
        classes=tuple(o.classes) if o.classes else None,
        extra=extra_figures(o),
        ci=_ci(o),
        grouped=o.group_by is not None,
        pos_label=o.pos_label,
        columns_given=o.target_col is not None or o.pred_col is not None,
        per_class=o.per_class,
    )


def _ci(o: EvalOptions) -> CiSettings | None:
    if not o.ci:
        return None
    from losscli.scoring.replicates import make_ci

    return make_ci(o.ci_level, o.ci_method, o.n_boot, o.seed)


def extra_figures(o: EvalOptions) -> tuple[str, ...]:
    """The figures asked for by name (``--check`` names, ``--value``): computed even when
    not selected, so a check or a value never fails for want of ``-m NAME``."""
    names = [c.name for c in parse_checks(o.checks, o.tolerance, o.atol)]
    if o.value is not None:
        names.append(o.value)
    return tuple(dict.fromkeys(names))


class Scorer:
    """The per-chunk loop of :func:`evaluate` (the Dask engine runs it on workers):
    ``feed`` scores one chunk into :attr:`state` and returns its per-sample losses.

    The reading of the input (task, hard labels, classes) and the raw-scores-or-
    probabilities decision are taken from the first chunk (:func:`run` makes it the first
    rows of the input, :data:`losscli.validate.whole.HEAD_ROWS`), or given: ``reading``,
    ``hint`` (the whole input's, when it is read again); rows are numbered from
    ``offset``; ``row_base``: the rows of the input before this piece, for the
    bootstrap's weights only (a Dask part numbers its rows from 0)."""

    def __init__(
        self,
        settings: Settings,
        hint: bool | None = None,
        offset: int = 0,
        reading: labels.Reading | None = None,
        row_base: int = 0,
        plan: Plan | None = None,  # given with ``reading``: the plan it makes (a batch's)
    ) -> None:
        self.settings = settings
        self.row_base = row_base
        self.hint = hint
        self.given = reading
        self.offset = offset
        self.state = ScoreState(task=settings.task, raw_rows=offset, ci=settings.ci)
        self._plan: Plan | None = None
        self._given_plan = plan
        self.last: Prepared | None = None  # the last chunk as prepared (compare reads it)
        self.preview = True  # the first and worst rows, the histogram (not for a batch)
        self.numbered = True  # feed returns the chunk's row numbers (None when off)
        self.reading: labels.Reading | None = None

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            raise InputError("no samples (the input has no data rows)")
        return self._plan

    def _start(self, raw: Raw) -> Plan:
        st, s = self.state, self.settings
        if self.given is not None:
            # a copy: it learns a binary "other" value (its other fields are immutable)
            self.reading = replace(self.given, notes=list(self.given.notes))
        else:
            self.reading = labels.read(
                raw,
                task=st.task,
                request=make_request(s),
                pos_label=s.pos_label,
                columns_given=s.columns_given,
            )
        if self.reading.hard and not s.hard_labels:
            raise UsageError(
                "this engine does not read hard-label predictions (class ids or names) yet",
                hint="use --engine local, or request a probability loss such as "
                "-l binary_cross_entropy for 0/1 probabilities",
            )
        st.task = self.reading.task
        plan = self._given_plan or make_plan(s, st.task, self.reading)
        for note in self.reading.notes:
            st.notes.add(note)
        st.pending = self.reading.pending
        self.needs_prob = any(
            e.inputs == "probabilities" and not p.get("from_logits", False) for e, p in plan.losses
        )
        self.normalize = any(p.get("normalize", False) for _, p in plan.losses)
        self.logits = takes_logits(s, plan)
        self._plan = plan
        return plan

    def feed(self, raw: Raw) -> tuple[np.ndarray | None, dict[str, np.ndarray]] | None:
        """Score one chunk; its (index, per-sample losses), or None if every row of it
        was omitted.  Input errors name rows counted over the whole input."""
        plan = self._plan or self._start(raw)
        st, s = self.state, self.settings
        heap.keep_chunk_memory(int(raw.p.shape[0]))
        try:
            prep = prepare(
                raw,
                task=st.task,
                needs_probabilities=self.needs_prob,
                from_logits=self.logits,
                normalize=self.normalize,
                strict=s.strict,
                classes=list(s.classes) if s.classes else None,
                scores_hint=self.hint,
                nan_policy=s.nan_policy,
                reading=self.reading,
            )
            _check_domains(plan, prep, raw)
        except InputError as exc:
            if exc.row is not None:
                exc.row += self.offset  # rows are counted over the whole input
            raise
        if st.pending is not None and raw.p.dtype != object:
            st.pending_against += labels.not_01(raw.p)
        for note in raw.notes:  # the roles of the columns: the same on every chunk
            st.notes.add(note)
        st.acc.omitted += prep.omitted
        st.acc.nonfinite += prep.nonfinite
        if raw.unmatched != (0, 0):
            a, b = st.acc.unmatched
            st.acc.unmatched = (a + raw.unmatched[0], b + raw.unmatched[1])
        first = self.offset
        self.offset += int(raw.p.shape[0])
        st.raw_rows = self.offset
        if prep.n == 0:  # every row of this chunk omitted
            return None
        if st.scores is None:
            st.scores = prep.scores
            if prep.scores and not self.logits:
                for e, _ in plan.metrics:
                    if e.inputs == "probabilities":
                        raise UsageError(
                            f"metric {e.name} needs probabilities, but the predictions are "
                            "raw scores",
                            hint="pass --from-logits if they are logits",
                        )
                if self.hint and prep.task == "binary" and not prep.hard:
                    # given by the whole input: said as a chunk outside [0, 1] says it
                    st.notes.add(SCORES_NOTE)
            elif margins(prep, plan) and any(
                e.needs == "decisions" for e, _ in [*plan.losses, *plan.metrics]
            ):
                st.notes.add(MARGINS_NOTE)
        if self.hint is None:
            self.hint = prep.scores
        st.weighted = st.weighted or prep.weights is not None
        st.classes = prep.classes
        if self.logits:
            st.acc.logit_rows += prep.n
            st.acc.logit_not_probabilities += not_probability_rows(prep)
        loss_values = update(st.acc, prep, plan)
        if perclass.wanted(plan):
            perclass.check(plan, prep.y.shape[1] if prep.y.ndim == 2 else 1)
            perclass.update(st.acc, prep, plan, loss_values, raw.pred_names)
        self.last = prep
        st.add_messages(prep.warnings, prep.notes, first)
        # rows as numbered in the input (0-based), gaps where omitted; made only when asked
        # for (a 250,000-row chunk's numbers are 2 MB to fault in)
        rows = first + prep.rows if prep.rows is not None else None

        def numbered() -> np.ndarray:
            return rows if rows is not None else np.arange(first, first + prep.n)

        codes = None
        if s.grouped:
            values = getattr(raw, "groups", None)
            if values is None:
                raise UsageError("--group-by: no group values for this input")
            if st.groups is None:
                from losscli.scoring.groups import Groups

                st.groups = Groups(plan, source=getattr(raw, "group_source", "--group-by"))
            kept = values if prep.rows is None else values[prep.rows]
            codes = st.groups.add(prep, kept, loss_values, first)
        if st.ci is not None:
            if st.replicates is None:
                from losscli.scoring.replicates import Replicates

                st.replicates = Replicates.start(
                    plan,
                    st.ci,
                    weighted=prep.weights is not None,
                    first_row=self.row_base,
                    grouped=s.grouped,
                )
            base, read = self.row_base, self.offset + self.row_base
            at = numbered()
            st.replicates.add(prep, at + base if base else at, loss_values, read, codes)
        for name, values in loss_values.items():
            inf = np.isinf(values)
            if inf.any():
                st.warnings.add(
                    Message(
                        kind=f"{name}: overflowed to inf",
                        text=f"{name}: {{count}} sample(s) overflowed to inf "
                        "(first: row {first})",
                        count=int(np.count_nonzero(inf)),
                        first=int(numbered()[int(np.argmax(inf))]) + 1,
                    )
                )
        st.preview.ids = prep.ids is not None
        index = prep.ids if prep.ids is not None else None
        if index is None and (self.numbered or self.preview):
            index = numbered()  # else None: nobody reads them
        if self.preview and index is not None:
            st.preview.update(loss_values, index)
            st.preview.count(loss_values)  # the table's histogram (report/histogram.py)
        return index, loss_values


def make_plan(settings: Settings, task: str, reading: labels.Reading | None = None) -> Plan:
    """The entries and parameters ``settings`` compute for ``task`` (with hard-label
    predictions when ``reading`` says so)."""
    hard = reading is not None and reading.hard
    plan = resolve(
        task,
        settings.losses,
        settings.metrics,
        settings.params,
        settings.lenient,
        settings.extra,
        hard=hard,
    )
    plan.nan_policy = settings.nan_policy
    plan.per_class = settings.per_class
    if reading is not None and hard:
        plan.reading = "labels(" + ",".join(reading.classes or ("0", "1")) + ")"
    return plan


def make_request(settings: Settings) -> labels.Request:
    """What the figures named in ``settings`` ask of the input, for the reading of the
    first chunk: the tasks they all take, and what they need from the predictions."""
    named = [registry.get_loss(n) for n in settings.losses or () if n != "auto"]
    named += [registry.get_metric(n) for n in settings.metrics or ()]
    for name in settings.extra:
        named += registry.lookup(name)[:1]
    if not named:
        return labels.Request()
    tasks = frozenset.intersection(*(frozenset(e.tasks) for e in named))
    wanting = next(
        (
            f"{'-l' if e.kind == 'loss' else '-m'} {e.name}"
            for e in named
            if e.needs in ("probabilities", "scores")
        ),
        None,
    )
    return labels.Request(tasks, frozenset(e.needs for e in named), wanting)


def takes_logits(settings: Settings, plan: Plan) -> bool:
    """Predictions are logits: asked for, and a selected loss takes ``from_logits``."""
    return bool(settings.params.get("from_logits")) and any(
        "from_logits" in e.param_names for e, _ in plan.losses
    )


def not_probability_rows(prep: Prepared) -> int:
    """Rows of ``prep`` that cannot be probabilities: a value outside [0, 1], or (multiclass)
    a row not summing to 1 within 1e-6.  NaN (``--nan-policy propagate``) counts as neither."""
    p = prep.p.reshape(prep.n, -1)
    bad = ((p < 0) | (p > 1)).any(axis=1)
    if prep.task == "multiclass":
        bad |= np.abs(p.sum(axis=1) - 1.0) > 1e-6
    return int(np.count_nonzero(bad))


def _check_domains(plan: Plan, prep: Prepared, raw: Raw) -> None:
    """Values a selected loss cannot take are input errors naming the row and column."""
    for entry, params in [*plan.losses, *plan.metrics]:
        if entry.domain is None:
            continue
        for role, bad, requirement in entry.domain(prep.y, prep.p, **params):
            if not np.any(bad):
                continue
            cells = bad.reshape(bad.shape[0], -1)
            r, k = (int(i) for i in np.argwhere(cells)[0])
            values = (prep.y if role == "target" else prep.p).reshape(bad.shape[0], -1)
            names = raw.target_names if role == "target" else raw.pred_names
            raise InputError(
                f"{entry.name} needs every {role} {requirement}, got {float(values[r, k])!r}",
                file=raw.target_source if role == "target" else raw.pred_source,
                row=r + 1,
                column=names[k] if k < len(names) else k,
            )


def input_chunks(y_true: Any, y_pred: Any, o: EvalOptions, stdin: IO[bytes] | None) -> Any:
    """The inputs as :class:`Raw` chunks, read and validated by ``o``'s reading options."""
    return raw_chunks(
        y_true,
        y_pred,
        target_col=o.target_col,
        pred_col=o.pred_col,
        id_col=o.id_col,
        weights=o.weights,
        header=o.header,
        input_format=o.input_format,
        delimiter=o.delimiter,
        decimal=o.decimal,
        stdin=stdin,
        classes=o.classes,
        chunk_rows=o.chunk_rows,
        allow_missing=o.allow_missing,
        group_by=o.group_by,
    )


def run(
    y_true: Any,
    y_pred: Any,
    o: EvalOptions,
    *,
    keep_per_sample: bool = True,
    stdin: IO[bytes] | None = None,
    per_sample_sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    collect: Any = None,
    preview: bool = True,
    figures: bool = True,
) -> Report:
    """One evaluation on this machine (:func:`losscli.evaluate` documents the arguments):
    the inputs read chunk by chunk, every chunk scored, the end of the input concluded,
    the gates applied.  ``preview=False``: no first and worst rows nor histogram (a
    batch's files, whose rows are not shown).  ``figures=False``: the metrics' states
    without their figures (``thresholds`` reads the samples ``roc_auc`` keeps).

    The reading of the input is taken on its first rows and checked against what the
    whole input shows (:mod:`losscli.validate.whole`); when they differ, an input that
    can be read again is read once more with the whole input's reading (a per-sample
    sink is reset first: its ``reset()``), so the outcome does not depend on the
    chunking; one that cannot (stdin, an iterator) is an error naming the flag."""
    settings = make_settings(o)
    parsed_checks = parse_checks(o.checks, o.tolerance, o.atol)

    def chunks() -> Generator[Raw, None, None]:
        return whole.with_head(input_chunks(y_true, y_pred, o, stdin), whole=True)

    again = stdin is None and all(_rereadable(x) for x in (y_true, y_pred, o.weights, o.group_by))
    emitted = [False]

    def sink(index: np.ndarray, values: dict[str, np.ndarray]) -> None:
        emitted[0] = True
        assert per_sample_sink is not None
        per_sample_sink(index, values)

    passes = _Pass(settings, keep_per_sample, per_sample_sink and sink, progress, again)
    passes.collect = collect  # the pictures' data (--format html): add(prep, losses), reset()
    passes.preview = preview
    first = chunks()
    try:
        passes.score(first, None)
    except _Widen as w:
        first.close()  # the files of the first pass, closed before they are opened again
        if not again:
            raise w.error from None
        if emitted[0]:
            reset = getattr(per_sample_sink, "reset", None)
            if reset is None or not reset():
                w.error.hint = (
                    "the per-sample losses already written cannot be taken back: write "
                    "them to a file (--per-sample FILE), or " + (w.error.hint or "pass --task")
                )
                raise w.error from None
        passes.score(chunks(), w)
    scorer = passes.scorer
    source = next((x for x in (y_pred, y_true) if isinstance(x, (str, os.PathLike))), None)
    report = conclude(
        scorer.state,
        scorer.plan,
        source=None if source is None else os.fspath(source),
        strict=o.strict,
        weights=o.weights,
        figures=figures,
    )
    if keep_per_sample:
        kept = passes.kept
        report.per_sample = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
        report.ids = np.concatenate(passes.kept_ids) if passes.kept_ids else None
    return apply_gates(report, parsed_checks, o.baseline, o.tolerance, o.atol)


# predictions within [0, 1] that only margin losses read: the one decision rule is theirs
MARGINS_NOTE = (
    "the margin losses asked for read the predictions as decision scores: every decision "
    "(accuracy, zero_one, the confusion matrix, ...) is score > 0, not p > 0.5; ask for a "
    "probability loss too (e.g. -l binary_cross_entropy) to read them as probabilities"
)


class _Widen(Exception):
    """The whole input reads otherwise than its first rows: the reading and the
    scores-or-probabilities decision to read it again with, and the error to give when
    it cannot be read again."""

    def __init__(self, reading: labels.Reading, hint: bool | None, error: InputError) -> None:
        self.reading, self.hint, self.error = reading, hint, error


@dataclass
class _Pass:
    """One pass of :func:`run` over the input."""

    settings: Settings
    keep: bool
    sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None
    progress: Callable[[int], None] | None
    again: bool  # the input can be read again
    scorer: Scorer = field(init=False)
    kept: list[dict[str, np.ndarray]] = field(default_factory=list)
    kept_ids: list[np.ndarray] = field(default_factory=list)
    collect: Any = None
    preview: bool = True

    def score(self, chunks: Iterator[Raw], widen: _Widen | None) -> None:
        """Score every chunk; the first pass (``widen`` None) also gathers the facts of
        the whole input and raises :class:`_Widen` when they read it otherwise."""
        s = self.settings
        phases.phase("reading" if widen is None else "reading again")
        self.kept, self.kept_ids = [], []
        if self.collect is not None:
            self.collect.reset()
        if widen is None:
            self.scorer = scorer = Scorer(s)
        else:
            self.scorer = scorer = Scorer(s, hint=widen.hint, reading=widen.reading)
        scorer.preview = self.preview
        scorer.numbered = self.sink is not None  # the per-sample output's row numbers
        facts = whole.Facts() if widen is None else None
        try:
            for whole_raw in chunks:
                if facts is not None:
                    facts.add(whole_raw)  # a whole small file: its facts in one pass
                for raw in whole.parts(whole_raw):  # its first rows, then the rest
                    self._feed(scorer, raw)
        except Contradiction as exc:  # the first rows' reading, contradicted
            if facts is None or scorer.reading is None or not self.again:
                raise
            try:  # what the rest of the input shows, to read it all again
                for raw in chunks:
                    facts.add(raw)
            except InputError:
                raise exc from None
            found = self._whole(facts)
            if found is not None:
                raise _Widen(*found, exc) from None
            raise
        if facts is not None and scorer.reading is not None:
            found = self._whole(facts)
            if found is not None:
                head = scorer.reading
                source = None if facts.first is None else facts.first.pred_source
                raise _Widen(*found, whole.reread_error(head, found[0], source))

    def _feed(self, scorer: Scorer, raw: Raw) -> None:
        out = scorer.feed(raw)
        if out is not None:
            index, loss_values = out
            if self.sink is not None:
                assert index is not None  # scorer.numbered
                self.sink(index, loss_values)
            if self.collect is not None and scorer.last is not None:
                self.collect.add(scorer.last, loss_values, from_logits=scorer.logits)
            if self.keep:
                self.kept.append(loss_values)
                if scorer.state.preview.ids:
                    assert index is not None  # the ids
                    self.kept_ids.append(index)
        if self.progress is not None:
            self.progress(int(raw.p.shape[0]))

    def _whole(self, facts: whole.Facts) -> tuple[labels.Reading, bool | None] | None:
        """The whole input's reading and scores decision, when it differs from the first
        rows' (None: they agree)."""
        s, scorer = self.settings, self.scorer
        assert scorer.reading is not None
        found = facts.reading(
            task=s.task,
            request=make_request(s),
            pos_label=s.pos_label,
            columns_given=s.columns_given,
        )
        reading = scorer.reading if found is None else found
        numbers = not reading.hard and reading.task != "regression"
        # probabilities asked for: a value outside [0, 1] is an error, not scores
        hint = True if facts.outside and numbers and not scorer.needs_prob else None
        same = whole.key(reading) == whole.key(scorer.reading)
        if same and not (hint and scorer.hint is False):
            return None
        return reading, hint
