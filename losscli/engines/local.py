"""The local engine: the per-chunk loop (:class:`Scorer`) and the end of the input
(:func:`conclude`); the Dask engine runs the same code on its workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, UsageError, unknown_choice
from losscli.io import dialect, formats
from losscli.options import EvalOptions
from losscli.report.checks import parse_checks
from losscli.report.gates import apply_gates
from losscli.report.model import Preview, Report, build_report
from losscli.scoring import registry
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.groups import Groups
from losscli.scoring.plan import Plan, parse_params, resolve
from losscli.scoring.replicates import CiSettings, Replicates, intervals, make_ci
from losscli.scoring.score import update
from losscli.validate import labels
from losscli.validate.columns import Raw
from losscli.validate.messages import Message, Messages
from losscli.validate.prepare import Prepared, prepare
from losscli.validate.sources import raw_chunks


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
        ci=make_ci(o.ci_level, o.ci_method, o.n_boot, o.seed) if o.ci else None,
        grouped=o.group_by is not None,
        pos_label=o.pos_label,
        columns_given=o.target_col is not None or o.pred_col is not None,
    )


def extra_figures(o: EvalOptions) -> tuple[str, ...]:
    """The figures asked for by name (``--check`` names, ``--value``): computed even when
    not selected, so a check or a value never fails for want of ``-m NAME``."""
    names = [c.name for c in parse_checks(o.checks, o.tolerance, o.atol)]
    if o.value is not None:
        names.append(o.value)
    return tuple(dict.fromkeys(names))


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


class Scorer:
    """The per-chunk loop of :func:`evaluate` (the Dask engine runs it on workers):
    ``feed`` scores one chunk into :attr:`state` and returns its per-sample losses.

    The task and the raw-scores-or-probabilities decision are taken from the first
    chunk (or given: ``hint``); rows are numbered from ``offset``."""

    def __init__(self, settings: Settings, hint: bool | None = None, offset: int = 0) -> None:
        self.settings = settings
        self.hint = hint
        self.offset = offset
        self.state = ScoreState(task=settings.task, raw_rows=offset, ci=settings.ci)
        self._plan: Plan | None = None
        self.last: Prepared | None = None  # the last chunk as prepared (compare reads it)
        self.reading: labels.Reading | None = None

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            raise InputError("no samples (the input has no data rows)")
        return self._plan

    def _start(self, raw: Raw) -> Plan:
        st, s = self.state, self.settings
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
        plan = make_plan(s, st.task, self.reading)
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

    def feed(self, raw: Raw) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        """Score one chunk; its (index, per-sample losses), or None if every row of it
        was omitted.  Input errors name rows counted over the whole input."""
        plan = self._plan or self._start(raw)
        st, s = self.state, self.settings
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
        if self.hint is None:
            self.hint = prep.scores
            if prep.scores and not self.logits:
                for e, _ in plan.metrics:
                    if e.inputs == "probabilities":
                        raise UsageError(
                            f"metric {e.name} needs probabilities, but the predictions are "
                            "raw scores",
                            hint="pass --from-logits if they are logits",
                        )
        st.weighted = st.weighted or prep.weights is not None
        st.classes = prep.classes
        if self.logits:
            st.acc.logit_rows += prep.n
            st.acc.logit_not_probabilities += not_probability_rows(prep)
        loss_values = update(st.acc, prep, plan)
        self.last = prep
        st.add_messages(prep.warnings, prep.notes, first)
        # rows as numbered in the input (0-based), gaps where omitted
        rows = first + prep.rows if prep.rows is not None else np.arange(first, first + prep.n)
        if st.ci is not None:
            if st.replicates is None:
                st.replicates = Replicates.start(plan, st.ci, weighted=prep.weights is not None)
            st.replicates.add(prep, rows, loss_values, self.offset)
        if s.grouped:
            values = getattr(raw, "groups", None)
            if values is None:
                raise UsageError("--group-by: no group values for this input")
            if st.groups is None:
                st.groups = Groups(plan, source=getattr(raw, "group_source", "--group-by"))
            kept = values if prep.rows is None else values[prep.rows]
            st.groups.add(prep, kept, loss_values, first)
        for name, values in loss_values.items():
            inf = np.isinf(values)
            if inf.any():
                st.warnings.add(
                    Message(
                        kind=f"{name}: overflowed to inf",
                        text=f"{name}: {{count}} sample(s) overflowed to inf "
                        "(first: row {first})",
                        count=int(np.count_nonzero(inf)),
                        first=int(rows[int(np.argmax(inf))]) + 1,
                    )
                )
        index = prep.ids if prep.ids is not None else rows
        st.preview.ids = prep.ids is not None
        st.preview.update(loss_values, index)
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
) -> Report:
    """The end of the input: judge what only the whole input shows (no samples left,
    overflow counts, --strict, weights summing to zero) and build the report."""
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
        warnings = group_intervals(groups, state.groups, plan, state.ci, state.weighted)
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
    assert state.ci is not None
    if state.replicates is not None:
        state.replicates.finish(state.raw_rows)
    figures = {**{k: v["mean"] for k, v in report.losses.items()}, **report.metrics}
    found, warnings, notes = intervals(
        state.acc, state.replicates, plan, figures, state.ci, state.weighted
    )
    report.intervals = found
    report.warnings += warnings
    report.notes += notes
    report.signature += "|" + state.ci.signature()


def _check_domains(plan: Plan, prep: Prepared, raw: Raw) -> None:
    """Values a selected loss cannot take are input errors naming the row and column."""
    for entry, params in plan.losses:
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


def run(
    y_true: Any,
    y_pred: Any,
    o: EvalOptions,
    *,
    keep_per_sample: bool = True,
    stdin: IO[bytes] | None = None,
    per_sample_sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """One evaluation on this machine (:func:`losscli.evaluate` documents the arguments):
    the inputs read chunk by chunk, every chunk scored, the end of the input concluded,
    the gates applied."""
    settings = make_settings(o)
    parsed_checks = parse_checks(o.checks, o.tolerance, o.atol)

    chunks = raw_chunks(
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
    scorer = Scorer(settings)
    kept: list[dict[str, np.ndarray]] = []
    kept_ids: list[np.ndarray] = []
    for raw in chunks:
        out = scorer.feed(raw)
        if out is not None:
            index, loss_values = out
            if per_sample_sink is not None:
                per_sample_sink(index, loss_values)
            if keep_per_sample:
                kept.append(loss_values)
                if scorer.state.preview.ids:
                    kept_ids.append(index)
        if progress is not None:
            progress(int(raw.p.shape[0]))
    source = next((x for x in (y_pred, y_true) if isinstance(x, (str, os.PathLike))), None)
    report = conclude(
        scorer.state,
        scorer.plan,
        source=None if source is None else os.fspath(source),
        strict=o.strict,
        weights=o.weights,
    )
    if keep_per_sample:
        report.per_sample = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
        report.ids = np.concatenate(kept_ids) if kept_ids else None
    return apply_gates(report, parsed_checks, o.baseline, o.tolerance, o.atol)
