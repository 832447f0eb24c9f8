"""The public Python API: :func:`evaluate`, the one pipeline the CLI also runs.

read -> validate -> per-sample loss -> accumulate -> metrics -> report
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from losscli import __version__, readers, registry
from losscli.accumulate import Accumulator
from losscli.errors import InputError, UsageError
from losscli.registry import Entry
from losscli.validate import Prepared, Raw, infer_task, prepare

PathLike = str | os.PathLike[str]


@dataclass
class Plan:
    """What to compute: resolved entries with their effective parameters."""

    task: str
    losses: list[tuple[Entry, dict[str, Any]]]
    metrics: list[tuple[Entry, dict[str, Any]]]
    nan_policy: str = "error"

    def signature(self, weighted: bool) -> str:
        def fmt(entry: Entry, params: dict[str, Any]) -> str:
            inner = ",".join(
                f"{k}={_fmt_param(v)}" for k, v in sorted(params.items()) if v is not None
            )
            return f"{entry.name}({inner})" if inner else entry.name

        parts = [
            f"losscli:{__version__}",
            f"task:{self.task}",
            "loss:" + "+".join(fmt(e, p) for e, p in self.losses),
            "metric:" + "+".join(fmt(e, p) for e, p in self.metrics),
            f"weights:{'yes' if weighted else 'no'}",
        ]
        if self.nan_policy != "error":
            parts.append(f"nan:{self.nan_policy}")
        return "|".join(parts)


def _fmt_param(v: Any) -> str:
    if isinstance(v, tuple):
        return ":".join(_fmt_param(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


@dataclass
class Check:
    expr: str
    name: str
    op: str
    bound: float
    value: float | None = None
    passed: bool | None = None

    @property
    def margin(self) -> float | None:
        """``value - bound``: how far the figure is from the bound (signed)."""
        return None if self.value is None else self.value - self.bound

    @property
    def message(self) -> str:
        """One line: which check, the value, the bound and by how much it passed or failed."""
        v = self.value
        if v is None:
            return f"{self.expr}: not evaluated"
        if math.isnan(v):
            return f"{self.expr} FAILED: {self.name} is undefined (NaN)"
        gap = abs(v - self.bound)
        if self.op == "==":
            where = "equals the bound" if gap == 0 else f"differs from the bound by {gap:.6g}"
        elif v == self.bound:
            where = "is at the bound"
        else:
            where = f"{gap:.6g} {'above' if v > self.bound else 'below'} the bound"
        status = "passed" if self.passed else "FAILED"
        return f"{self.expr} {status}: {self.name} = {v:.10g}, {where} {self.bound:g}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.expr,
            "value": _json_num(self.value),
            "bound": self.bound,
            "margin": _json_num(self.margin),
            "passed": self.passed,
            "message": self.message,
        }


_OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}
_CHECK_RE = re.compile(r"^\s*([A-Za-z_][\w\-]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$")


def parse_check(expr: str) -> Check:
    m = _CHECK_RE.match(expr)
    if not m:
        raise UsageError(
            f"invalid check {expr!r}: expected NAME OP NUMBER with OP one of < <= > >= =="
        )
    try:
        bound = float(m.group(3))
    except ValueError:
        raise UsageError(f"invalid check {expr!r}: {m.group(3)!r} is not a number") from None
    if not math.isfinite(bound):
        raise UsageError(f"invalid check {expr!r}: the bound must be a finite number")
    return Check(expr.strip(), m.group(1), m.group(2), bound)


@dataclass
class Report:
    """The result of one evaluation; the CLI renders exactly these numbers."""

    task: str
    n_samples: int
    losses: dict[str, dict[str, Any]]
    metrics: dict[str, float]
    signature: str
    warnings: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    per_sample: dict[str, np.ndarray] = field(default_factory=dict)
    ids: np.ndarray | None = None
    baseline: list[dict[str, Any]] = field(default_factory=list)
    directions: dict[str, str] = field(default_factory=dict)
    accumulator: Accumulator | None = field(default=None, repr=False)
    preview: Any = field(default=None, repr=False)
    confusion: dict[str, Any] | None = None
    plan: Plan | None = field(default=None, repr=False)
    n_omitted: int = 0  # samples dropped by --nan-policy omit
    n_unmatched: tuple[int, int] = (0, 0)  # --allow-missing: ids dropped on each side
    config: str | None = None  # the settings file that supplied defaults, if any

    @property
    def passed(self) -> bool:
        """False if a check or the baseline comparison failed."""
        return all(c.passed for c in self.checks) and not any(b["worse"] for b in self.baseline)

    def value(self, name: str) -> float:
        """The mean of a loss or the value of a metric, by canonical name or alias."""
        key = name.strip().lower().replace("-", "_")
        for table, getter in (
            (self.losses, lambda e: registry.get_loss(key)),
            (self.metrics, lambda e: registry.get_metric(key)),
        ):
            try:
                canonical = getter(None).name
            except UsageError:
                continue
            if canonical in table:
                v = table[canonical]
                return float(v["mean"]) if isinstance(v, dict) else float(v)
        raise UsageError(
            f"{name!r} is not a selected loss or metric of this run "
            f"(selected: {', '.join([*self.losses, *self.metrics])})"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": __version__,
            "task": self.task,
            "n_samples": self.n_samples,
            "n_omitted": self.n_omitted,
            "losses": {
                k: {"mean": _json_num(v["mean"]), "sum": _json_num(v["sum"]), "params": v["params"]}
                for k, v in self.losses.items()
            },
            "metrics": {k: _json_num(v) for k, v in self.metrics.items()},
            "signature": self.signature,
            "warnings": list(self.warnings),
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.confusion is not None:
            out["confusion_matrix"] = self.confusion
        if self.baseline:
            out["baseline"] = self.baseline
        if self.config is not None:
            out["config"] = self.config
        if self.n_unmatched != (0, 0):
            out["ids_dropped"] = {
                "targets_without_prediction": self.n_unmatched[0],
                "predictions_without_target": self.n_unmatched[1],
            }
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def _json_num(v: float | None) -> float | str | None:
    """JSON has no NaN/inf: they are written as strings."""
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


# ------------------------------------------------------------------------------ planning


def _resolve(
    task: str,
    losses: Sequence[str] | None,
    metrics: Sequence[str] | None,
    params: Mapping[str, Any],
    lenient: frozenset[str] = frozenset(),
) -> Plan:
    """The entries to compute with their bound parameters.  A key of ``params`` that
    no selected entry takes is a usage error, unless it is in ``lenient`` (defaults
    from a config file, meant for whichever losses take them)."""
    loss_names = list(losses or ["auto"])
    chosen: list[Entry] = []
    for name in loss_names:
        entry = (
            registry.get_loss(registry.DEFAULT_LOSS[task])
            if name == "auto"
            else registry.get_loss(name)
        )
        if task not in entry.tasks:
            raise UsageError(
                f"loss {entry.name} does not apply to a {task} task "
                f"(it takes: {', '.join(entry.tasks)})",
                hint="pass --task to override the inferred task",
            )
        if entry not in chosen:
            chosen.append(entry)
    metric_entries: list[Entry] = []
    for name in metrics if metrics else registry.DEFAULT_METRICS[task]:
        entry = registry.get_metric(name)
        if task not in entry.tasks:
            raise UsageError(
                f"metric {entry.name} does not apply to a {task} task "
                f"(it takes: {', '.join(entry.tasks)})"
            )
        if entry not in metric_entries:
            metric_entries.append(entry)
    everything = chosen + metric_entries
    for key in params:
        if key in lenient and any(key in e.param_names for e in registry.entries()):
            continue
        if not any(key in e.param_names for e in everything):
            takers = sorted({e.name for e in registry.entries() if key in e.param_names})
            raise UsageError(
                f"no selected loss or metric takes parameter {key!r}"
                + (f" (it is taken by: {', '.join(takers)})" if takers else "")
            )

    def bind(entry: Entry) -> dict[str, Any]:
        values = entry.defaults()
        for p in entry.params:
            if p.name in params:
                values[p.name] = p.parse(params[p.name])
        if values.get("average") == "binary" and task != "binary":
            raise UsageError(
                f"--param average=binary needs a binary task, not {task}",
                hint="use macro, micro or weighted",
            )
        if "k" in values and values["k"] != int(values["k"]):
            raise UsageError(f"parameter k must be a whole number, got {values['k']}")
        if "power" in values and 0 < values["power"] < 1:
            raise UsageError(
                f"parameter power={values['power']} is out of range: "
                "Tweedie power must be <= 0 or >= 1"
            )
        return values

    return Plan(task, [(e, bind(e)) for e in chosen], [(e, bind(e)) for e in metric_entries])


def _parse_params(params: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {str(k).strip().lower(): v for k, v in params.items()}
    out: dict[str, Any] = {}
    for item in params:
        if "=" not in item:
            raise UsageError(f"invalid --param {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        out[k.strip().lower()] = v.strip()
    return out


# ------------------------------------------------------------------------------ evaluation


def update(acc: Accumulator, prep: Prepared, plan: Plan) -> dict[str, np.ndarray]:
    """Score one chunk: per-sample losses (returned) into ``acc``, and every metric state."""
    from losscli import metrics as M

    ctx = {"task": prep.task, "scores": prep.scores, "labels": prep.labels}
    loss_values = {}
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for entry, params in plan.losses:
            kw = {"threshold": 0.5, **params, **ctx}
            loss_values[entry.name] = np.asarray(entry.func(prep.y, prep.p, **kw), dtype=np.float64)
    loss_weights = {}
    for entry, params in plan.losses:
        cw = params.get("class_weight")
        if cw is not None:
            if len(cw) != prep.y.shape[1]:
                raise UsageError(f"class_weight has {len(cw)} values for {prep.y.shape[1]} classes")
            factor = prep.y @ np.asarray(cw, dtype=np.float64)
            loss_weights[entry.name] = factor if prep.weights is None else factor * prep.weights
    acc.update_losses(loss_values, prep.weights, prep.n, loss_weights)
    if prep.task != "regression":
        if acc.confusion is None:
            acc.confusion = M.ConfusionState("confusion")
        threshold = next(
            (p["threshold"] for _, p in [*plan.metrics, *plan.losses] if "threshold" in p), 0.5
        )
        acc.confusion.update(
            prep.y, prep.p, prep.weights, M.Ctx(prep.task, prep.scores, {"threshold": threshold})
        )
    probs: np.ndarray | None = None
    for entry, params in plan.metrics:
        p = prep.p
        scores = prep.scores
        if (
            entry.inputs in ("probabilities", "ranking")
            and prep.scores
            and not (entry.inputs == "ranking" and prep.task == "binary")
        ):
            if probs is None:
                probs = M.to_probabilities(prep.task, prep.p)
            p, scores = probs, False
        state = acc.metrics.get(entry.name)
        if state is None:
            state = acc.metrics[entry.name] = M.make_state(entry)
        state.update(prep.y, p, prep.weights, M.Ctx(prep.task, scores, params))
    return loss_values


def finish(acc: Accumulator, plan: Plan, task: str) -> dict[str, float]:
    """Every metric's figure from its state."""
    from losscli import metrics as M

    out = {}
    for entry, params in plan.metrics:
        if acc.nonfinite:  # NaN/inf passed on: no metric is defined
            out[entry.name] = math.nan
            continue
        state = acc.metrics[entry.name]
        out[entry.name] = state.compute(M.Ctx(task, False, params))
    return out


def undefined_metrics(acc: Accumulator, plan: Plan) -> list[str]:
    """A warning for every metric that is undefined for the data (reported as NaN, or as
    scikit-learn's convention), naming the metric and the reason."""
    from losscli import metrics as M

    if acc.nonfinite:  # already said: NaN/inf passed on leave every metric undefined
        return []
    out = []
    for entry, params in plan.metrics:
        state = acc.metrics.get(entry.name)
        if state is not None:
            reason = M.undefined_reason(entry.name, state, M.Ctx(plan.task, False, params))
            if reason:
                out.append(reason)
    return out


def evaluate(
    y_true: Any,
    y_pred: Any = None,
    *,
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
    classes: Sequence[str] | None = None,
    keep_per_sample: bool = True,
    stdin: IO[bytes] | None = None,
    chunk_rows: int | None = None,
    per_sample_sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    nan_policy: str = "error",
    allow_missing: bool = False,
) -> Report:
    """Evaluate predictions against targets.

    ``y_true``/``y_pred`` are arrays (or lists/DataFrames), or paths, globs or
    directories of files; with a single path, it holds both.  Returns a
    :class:`Report` with the mean and sum of every loss, the metrics, and (with
    ``keep_per_sample``) every sample's loss.  Raises :class:`UsageError` for bad
    choices and :class:`InputError` for bad data.

    Inputs are processed in chunks of at most ``chunk_rows`` rows (large files are
    streamed; memory stays bounded when ``keep_per_sample`` is false); each chunk's
    per-sample losses go to ``per_sample_sink(index, values)`` as they are computed.
    The figures do not depend on the chunking.

    ``default_params`` are parameters for whichever selected entries take them (a
    config file's); ``params`` override them, and a key of ``params`` that no selected
    entry takes is an error.

    With ``id_col``, ids present on one side only are an :class:`InputError`; with
    ``allow_missing`` they are dropped and counted (``Report.n_unmatched``).

    ``nan_policy`` says what NaN/inf values do: ``error`` (an :class:`InputError`
    naming the row), ``omit`` (their rows are dropped and counted in
    ``Report.n_omitted``) or ``propagate`` (losses follow IEEE arithmetic; the
    metrics are then undefined and reported as NaN, with a warning).
    """
    settings = make_settings(
        task=task,
        losses=losses,
        metrics=metrics,
        params=params,
        default_params=default_params,
        from_logits=from_logits,
        strict=strict,
        nan_policy=nan_policy,
        classes=classes,
        chunk_rows=chunk_rows,
        input_format=input_format,
    )
    parsed_checks = parse_checks(checks, tolerance, atol)

    from losscli.sources import raw_chunks

    chunks = raw_chunks(
        y_true,
        y_pred,
        target_col=target_col,
        pred_col=pred_col,
        id_col=id_col,
        weights=weights,
        header=header,
        input_format=input_format,
        stdin=stdin,
        classes=classes,
        chunk_rows=chunk_rows,
        allow_missing=allow_missing,
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
        strict=strict,
        weights=weights,
    )
    if keep_per_sample:
        report.per_sample = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
        report.ids = np.concatenate(kept_ids) if kept_ids else None
    return apply_gates(report, parsed_checks, baseline, tolerance, atol)


def make_settings(
    *,
    task: str = "auto",
    losses: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    params: Mapping[str, Any] | Sequence[str] | None = None,
    default_params: Mapping[str, Any] | Sequence[str] | None = None,
    from_logits: bool = False,
    strict: bool = False,
    nan_policy: str = "error",
    classes: Sequence[str] | None = None,
    chunk_rows: int | None = None,
    input_format: str | None = None,
) -> Settings:
    """The options of :func:`evaluate` checked (a :class:`UsageError` before any file is
    read) and resolved: command-line parameters over config-file defaults."""
    from losscli.validate import NAN_POLICIES

    if nan_policy not in NAN_POLICIES:
        raise UsageError(f"unknown --nan-policy {nan_policy!r}: one of {', '.join(NAN_POLICIES)}")
    if chunk_rows is not None and chunk_rows < 1:
        raise UsageError("--chunk-size must be at least 1")
    if task not in ("auto", *registry.TASKS):
        raise UsageError(f"unknown task {task!r}: expected auto, {', '.join(registry.TASKS)}")
    if input_format is not None and input_format not in readers.FORMATS:
        raise UsageError(
            f"unknown input format {input_format!r}: one of {', '.join(readers.FORMATS)}"
        )
    explicit = _parse_params(params)
    defaults = _parse_params(default_params)
    pvals = {**defaults, **explicit}
    if "from_logits" in pvals:
        pvals["from_logits"] = registry.FROM_LOGITS.parse(pvals["from_logits"])
    if from_logits:
        pvals["from_logits"] = True
    return Settings(
        task=task,
        losses=tuple(losses) if losses else None,
        metrics=tuple(metrics) if metrics else None,
        params=pvals,
        lenient=frozenset(defaults) - frozenset(explicit),
        strict=strict,
        nan_policy=nan_policy,
        classes=tuple(classes) if classes else None,
    )


def parse_checks(checks: Sequence[str], tolerance: float, atol: float) -> list[Check]:
    """``--check`` expressions with their names validated, and the tolerances checked."""
    check_tolerances(tolerance, atol)
    parsed = [parse_check(c) for c in checks]
    for c in parsed:
        _check_name_known(c.name)
    return parsed


# ------------------------------------------------------------------ the per-chunk loop


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


@dataclass
class ScoreState:
    """What scoring chunks leaves besides the per-sample values: the accumulator (sums)
    and what the report needs; states of consecutive pieces of one input merge."""

    task: str = "auto"
    raw_rows: int = 0  # rows read, omitted ones included (they number the rows)
    acc: Accumulator = field(default_factory=Accumulator)
    weighted: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # assumptions: never errors under --strict
    n_inf: dict[str, int] = field(default_factory=dict)
    classes: list[str] | None = None  # from the last non-empty chunk
    scores: bool | None = None  # how the first non-empty chunk was taken
    preview: Preview = field(default_factory=lambda: Preview())

    def add_messages(self, warnings: Sequence[str], notes: Sequence[str]) -> None:
        for w in warnings:
            if len(self.warnings) < 20 and w not in self.warnings:
                self.warnings.append(w)
        self.notes += [n for n in notes if n not in self.notes]

    def add_inf(self, counts: Mapping[str, int]) -> None:
        for name, count in counts.items():
            self.n_inf[name] = self.n_inf.get(name, 0) + count


class Scorer:
    """The per-chunk loop of :func:`evaluate` (the Dask engine runs it on workers):
    ``feed`` scores one chunk into :attr:`state` and returns its per-sample losses.

    The task and the raw-scores-or-probabilities decision are taken from the first
    chunk (or given: ``hint``); rows are numbered from ``offset``."""

    def __init__(self, settings: Settings, hint: bool | None = None, offset: int = 0) -> None:
        self.settings = settings
        self.hint = hint
        self.offset = offset
        self.state = ScoreState(task=settings.task, raw_rows=offset)
        self._plan: Plan | None = None

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            raise InputError("no samples (the input has no data rows)")
        return self._plan

    def _start(self, raw: Raw) -> Plan:
        st, s = self.state, self.settings
        if st.task == "auto":
            object_targets = raw.y.dtype == object
            st.task = "multiclass" if object_targets else infer_task(raw.y, raw.p, raw.pred_names)
        plan = make_plan(s, st.task)
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
            )
            _check_domains(plan, prep, raw)
        except InputError as exc:
            if exc.row is not None:
                exc.row += self.offset  # rows are counted over the whole input
            raise
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
        loss_values = update(st.acc, prep, plan)
        st.add_messages(prep.warnings, prep.notes)
        st.add_inf({k: int(np.count_nonzero(np.isinf(v))) for k, v in loss_values.items()})
        if prep.ids is not None:
            index = prep.ids
        elif prep.rows is not None:
            index = first + prep.rows  # rows as numbered in the input, gaps where omitted
        else:
            index = np.arange(first, first + prep.n)
        st.preview.ids = prep.ids is not None
        st.preview.update(loss_values, index)
        return index, loss_values


def make_plan(settings: Settings, task: str) -> Plan:
    """The entries and parameters ``settings`` compute for ``task``."""
    plan = _resolve(task, settings.losses, settings.metrics, settings.params, settings.lenient)
    plan.nan_policy = settings.nan_policy
    return plan


def takes_logits(settings: Settings, plan: Plan) -> bool:
    """Predictions are logits: asked for, and a selected loss takes ``from_logits``."""
    return bool(settings.params.get("from_logits")) and any(
        "from_logits" in e.param_names for e, _ in plan.losses
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
    notes = list(state.notes)
    warnings = list(state.warnings)
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
    warnings += [f"{n}: {c} sample(s) overflowed to inf" for n, c in state.n_inf.items() if c]
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
        acc, plan, weighted=state.weighted, warnings=notes + warnings, classes=state.classes or []
    )
    report.preview = state.preview
    return report


@dataclass
class Preview:
    """The first rows and the worst rows (by the first loss), kept across chunks."""

    rows: int = 5
    ids: bool = False  # the index holds --id-col values
    first_index: np.ndarray | None = None
    first: dict[str, np.ndarray] = field(default_factory=dict)
    worst_index: np.ndarray | None = None
    worst: dict[str, np.ndarray] = field(default_factory=dict)

    def update(self, values: dict[str, np.ndarray], index: np.ndarray) -> None:
        if not values:
            return
        k = self.rows
        if self.first_index is None:
            self.first_index = index[:k]
            self.first = {n: v[:k] for n, v in values.items()}
        key = next(iter(values))
        v = values[key]
        if self.worst_index is not None and len(self.worst_index) == k:
            # only values above the current k-th worst can enter (ties go to earlier rows)
            floor = self.worst[key][-1]
            if not np.isnan(floor):
                pos = np.flatnonzero(v > floor)
                index = index[pos]
                values = {n: x[pos] for n, x in values.items()}
                v = values[key]
        top = _top_k(v, k)  # O(n): no sort of the whole chunk
        index = index[top]
        values = {n: v[top] for n, v in values.items()}
        if self.worst_index is not None:
            index = np.concatenate([self.worst_index, index])
            values = {n: np.concatenate([self.worst[n], v]) for n, v in values.items()}
            top = _top_k(values[key], k)
            index = index[top]
            values = {n: v[top] for n, v in values.items()}
        self.worst_index = index
        self.worst = values


def _top_k(v: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, largest first, ties by position (NaN last)."""
    order = np.where(np.isnan(v), -np.inf, v)
    if order.size > k:
        kth = np.partition(order, order.size - k)[order.size - k]
        above = np.flatnonzero(order > kth)
        ties = np.flatnonzero(order == kth)[: k - above.size]
        cand = np.concatenate([above, ties])
    else:
        cand = np.arange(order.size)
    return cand[np.lexsort((cand, -order[cand]))]


def build_report(
    acc: Accumulator,
    plan: Plan,
    *,
    weighted: bool,
    warnings: Sequence[str] = (),
    classes: Sequence[str] = (),
) -> Report:
    """The figures of an accumulator (one chunk, one file, or many merged)."""
    return Report(
        task=plan.task,
        n_samples=acc.n_samples,
        losses={
            e.name: {
                "mean": acc.losses[e.name].mean,
                "sum": acc.losses[e.name].total,
                "params": _json_params(p),
            }
            for e, p in plan.losses
        },
        metrics=finish(acc, plan, plan.task),
        n_omitted=acc.omitted,
        n_unmatched=acc.unmatched,
        signature=plan.signature(weighted),
        warnings=[*warnings, *undefined_metrics(acc, plan)],
        directions={e.name: e.direction for e, _ in [*plan.losses, *plan.metrics]},
        accumulator=acc,
        plan=plan,
        confusion=_confusion(acc, classes),
    )


def _confusion(acc: Accumulator, classes: Sequence[str]) -> dict[str, Any] | None:
    """The confusion matrix: rows are true classes, columns predicted (multilabel: one
    [[tn, fp], [fn, tp]] per label); weighted counts when weights were given."""
    state = acc.confusion
    if state is None or state.matrix is None:
        return None
    m = state.matrix
    values = m.astype(np.int64).tolist() if np.all(m == np.round(m)) else m.tolist()
    return {"labels": list(classes), "matrix": values}


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def check_tolerances(tolerance: float, atol: float) -> None:
    for flag, v in (("--tolerance", tolerance), ("--atol", atol)):
        if v < 0 or not math.isfinite(v):
            raise UsageError(f"{flag} must be a finite number >= 0, got {v!r}")


def apply_gates(
    report: Report,
    checks: Sequence[Check],
    baseline: PathLike | Mapping[str, Any] | None,
    tolerance: float,
    atol: float = 0.0,
) -> Report:
    """Evaluate ``--check`` expressions and the ``--baseline`` comparison on a report."""
    done = []
    for c in checks:
        c = Check(c.expr, c.name, c.op, c.bound)
        c.value = report.value(c.name)
        c.passed = bool(_OPS[c.op](c.value, c.bound))
        done.append(c)
    report.checks = done
    if baseline is not None:
        report.baseline = compare_baseline(report, baseline, tolerance, atol)
    return report


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


def _check_name_known(name: str) -> None:
    try:
        registry.get_loss(name)
        return
    except UsageError:
        pass
    try:
        registry.get_metric(name)
    except UsageError:
        raise UsageError(
            f"check names unknown loss or metric {name!r}", hint="see `losscli list`"
        ) from None


def load_baseline(path: PathLike) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError("no such baseline file", file=os.fspath(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a JSON report: {exc}", file=os.fspath(path)) from None
    if not isinstance(data, dict) or ("losses" not in data and "metrics" not in data):
        raise InputError("not a losscli JSON report (no losses or metrics)", file=os.fspath(path))
    return data


def compare_baseline(
    report: Report,
    baseline: PathLike | Mapping[str, Any],
    tolerance: float,
    atol: float = 0.0,
) -> list[dict[str, Any]]:
    """The change of every figure present in both reports; ``worse`` when it moved in the
    bad direction by more than ``atol + tolerance * |baseline|`` (as numpy's isclose)."""
    base = dict(baseline) if isinstance(baseline, Mapping) else load_baseline(baseline)
    rows = []
    figures: list[tuple[str, float, Any]] = []
    for name, v in report.losses.items():
        old = (base.get("losses") or {}).get(name)
        figures.append((name, v["mean"], old.get("mean") if isinstance(old, dict) else None))
    for name, value in report.metrics.items():
        figures.append((name, value, (base.get("metrics") or {}).get(name)))
    for name, new, old in figures:
        if not isinstance(old, (int, float)) or isinstance(old, bool):
            continue
        old = float(old)
        direction = report.directions.get(name, "lower")
        delta = new - old
        allowed = atol + tolerance * abs(old)
        worsening = delta if direction == "lower" else -delta
        worse = bool(worsening > allowed) or math.isnan(new)
        if math.isnan(new):
            message = f"{name} is undefined (NaN); baseline {old:.10g}"
        else:
            rel = f", {delta / abs(old):+.3%}" if old else ""
            verdict = "got worse" if worsening > 0 else ("improved" if worsening < 0 else "same")
            message = (
                f"{name} {verdict}: {old:.10g} -> {new:.10g} ({delta:+.6g}{rel}; "
                f"{'lower' if direction == 'lower' else 'higher'} is better; "
                f"allowed {allowed:.6g})"
            )
        rows.append(
            {
                "name": name,
                "baseline": old,
                "value": _json_num(new),
                "change": _json_num(delta),
                "relative_change": _json_num(delta / abs(old)) if old else None,
                "direction": direction,
                "allowed": allowed,
                "worse": worse,
                "message": message,
            }
        )
    if not rows:
        raise InputError(
            "the baseline report shares no loss or metric with this run",
            file=str(baseline) if not isinstance(baseline, Mapping) else None,
        )
    return rows


def gate_failures(report: Report) -> list[str]:
    """One line per failed ``--check`` or baseline figure: what, the value, the bound."""
    lines = [c.message for c in report.checks if not c.passed]
    lines += [f"baseline: {b['message']}" for b in report.baseline if b["worse"]]
    return lines
