"""The report of one evaluation (:class:`Report`) and how it is built from accumulated sums."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli import __version__
from losscli.errors import UsageError
from losscli.report import jsontext
from losscli.report.checks import Check
from losscli.report.numbers import json_num
from losscli.scoring import registry
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.plan import Plan
from losscli.scoring.score import clipping_warnings, finish, undefined_metrics


@dataclass
class Report:
    """The result of one evaluation; the CLI renders exactly these numbers."""

    task: str
    n_samples: int
    losses: dict[str, dict[str, Any]]
    metrics: dict[str, float]
    signature: str
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was assumed; never an error
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
    # --ci: {figure: Interval (low, high, level, method)}
    intervals: dict[str, Any] = field(default_factory=dict)
    # --group-by: per group {group, n_samples, losses, metrics, intervals}, first seen first
    groups: list[dict[str, Any]] | None = None
    # ece / mce: {metric: [{low, high, count, confidence, frequency, gap}]}, non-empty bins
    reliability: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # --per-class: {class: {precision, recall, f1, support, count, losses: {name: {mean,
    # share}}}}; a regression's per output {mse, mae, r2, raw_values metrics} (perclass)
    per_class: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_output: dict[str, dict[str, Any]] = field(default_factory=dict)

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
                k: {"mean": json_num(v["mean"]), "sum": json_num(v["sum"]), "params": v["params"]}
                for k, v in self.losses.items()
            },
            "metrics": {k: json_num(v) for k, v in self.metrics.items()},
            "signature": self.signature,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.intervals:
            out["intervals"] = {k: interval_dict(iv) for k, iv in self.intervals.items()}
        if self.groups is not None:
            out["groups"] = [_group_dict(g) for g in self.groups]
        if self.confusion is not None:
            out["confusion_matrix"] = self.confusion
        if self.reliability:
            out["reliability"] = {
                k: [{c: json_num(v) for c, v in row.items()} for row in rows]
                for k, rows in self.reliability.items()
            }
        if self.per_class:
            out["per_class"] = _breakdown_dict(self.per_class)
        if self.per_output:
            out["per_output"] = _breakdown_dict(self.per_output)
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
        import json  # only when a report is written as JSON

        if indent is None:
            return json.dumps(self.to_dict(), allow_nan=False)
        return jsontext.dumps(self.to_dict(), indent=indent)


@dataclass
class Preview:
    """The first rows and the worst rows (by the first loss), kept across chunks."""

    rows: int = 5
    ids: bool = False  # the index holds --id-col values
    first_index: np.ndarray | None = None
    first: dict[str, np.ndarray] = field(default_factory=dict)
    worst_index: np.ndarray | None = None
    worst: dict[str, np.ndarray] = field(default_factory=dict)
    # every sample's losses counted in bins (the table's one-line histogram); None where
    # not counted (the Dask engine)
    hist: dict[str, Any] | None = None

    def count(self, values: dict[str, np.ndarray]) -> None:
        """Count a chunk's per-sample values of the first loss (the one the worst rows
        are ranked by) into its histogram (~6 ms of CPU a 250,000-row chunk)."""
        from losscli.report.histogram import LossHistogram

        if not values:
            return
        if self.hist is None:
            self.hist = {}
        name = next(iter(values))
        self.hist.setdefault(name, LossHistogram()).add(values[name])

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
    notes: Sequence[str] = (),
    figures: bool = True,
) -> Report:
    """The figures of an accumulator (one chunk, one file, or many merged); without
    ``figures``, the losses only (the metrics' states stay in the accumulator)."""
    from losscli.scoring import perclass

    key, breakdown, breakdown_warnings, breakdown_notes = perclass.figures(acc, plan, list(classes))
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
        metrics=finish(acc, plan, plan.task) if figures else {},
        n_omitted=acc.omitted,
        n_unmatched=acc.unmatched,
        signature=plan.signature(weighted),
        warnings=[
            *warnings,
            *clipping_warnings(acc, plan),
            *(undefined_metrics(acc, plan) if figures else ()),
            *breakdown_warnings,
        ],
        notes=[*notes, *breakdown_notes],
        directions={e.name: e.direction for e, _ in [*plan.losses, *plan.metrics]},
        accumulator=acc,
        plan=plan,
        confusion=_confusion(acc, classes),
        reliability=_reliability(acc, plan),
        per_class=breakdown if key == "per_class" else {},
        per_output=breakdown if key == "per_output" else {},
    )


def _reliability(acc: Accumulator, plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The reliability table of every ece / mce of the plan (bins with samples)."""
    if not any(e.state == "calibration" for e, _ in plan.metrics):
        return {}  # and no import of the binning
    from losscli.scoring.calibration import reliability
    from losscli.scoring.metrics import Ctx

    if acc.nonfinite:
        return {}
    return {
        e.name: reliability(acc.metrics[e.name], Ctx(plan.task, False, p))
        for e, p in plan.metrics
        if e.state == "calibration" and e.name in acc.metrics
    }


def _confusion(acc: Accumulator, classes: Sequence[str]) -> dict[str, Any] | None:
    """The confusion matrix: rows are true classes, columns predicted (multilabel: one
    [[tn, fp], [fn, tp]] per label); weighted counts when weights were given."""
    state = acc.confusion
    if state is None or state.matrix is None:
        return None
    m = state.counts()  # int64 counts without weights; weighted counts (float) with them
    assert m is not None
    values = m.tolist()
    return {"labels": list(classes), "matrix": values}


def interval_dict(iv: Any) -> dict[str, Any]:
    return {
        "low": json_num(iv.low),
        "high": json_num(iv.high),
        "level": iv.level,
        "method": iv.method,
    }


def _group_dict(g: dict[str, Any]) -> dict[str, Any]:
    value = g["group"]
    out: dict[str, Any] = {
        "group": value if isinstance(value, (str, int, bool)) else json_num(value),
        "n_samples": g["n_samples"],
        "losses": {
            k: {"mean": json_num(v["mean"]), "sum": json_num(v["sum"])}
            for k, v in g["losses"].items()
        },
        "metrics": {k: json_num(v) for k, v in g["metrics"].items()},
    }
    if "intervals" in g:
        out["intervals"] = {k: interval_dict(iv) for k, iv in g["intervals"].items()}
    return out


def _breakdown_dict(table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def conv(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v if isinstance(v, int) else json_num(v)

    return {name: conv(row) for name, row in table.items()}


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
