"""The plan of an evaluation: the registry entries to compute, with their parameters bound."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from losscli import __version__
from losscli.errors import UsageError, did_you_mean
from losscli.scoring import registry
from losscli.scoring.registry.entry import Entry


@dataclass
class Plan:
    """What to compute: resolved entries with their effective parameters."""

    task: str
    losses: list[tuple[Entry, dict[str, Any]]]
    metrics: list[tuple[Entry, dict[str, Any]]]
    nan_policy: str = "error"
    # how the predictions were read when not as numbers: "labels(a,b,...)" for hard labels
    reading: str = ""
    per_class: bool = False  # --per-class: the breakdown by class or output (scoring/perclass)

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
        if self.reading:
            parts.append(f"predictions:{self.reading}")
        return "|".join(parts)


def _fmt_param(v: Any) -> str:
    if isinstance(v, tuple):
        return ":".join(_fmt_param(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def resolve(
    task: str,
    losses: Sequence[str] | None,
    metrics: Sequence[str] | None,
    params: Mapping[str, Any],
    lenient: frozenset[str] = frozenset(),
    extra: Sequence[str] = (),
    hard: bool = False,
) -> Plan:
    """The entries to compute with their bound parameters.  A key of ``params`` that
    no selected entry takes is a usage error, unless it is in ``lenient`` (defaults
    from a config file, meant for whichever losses take them).  ``extra`` names figures
    asked for outside the selection (``--check`` names, ``--value``): each one not
    selected is computed too, after the selected ones (a loss if the name is a loss).

    ``hard``: the predictions are hard labels (class ids or names): the default loss is
    ``zero_one`` and a figure that needs probabilities or scores is a usage error."""
    loss_names = list(losses or ["auto"])
    chosen: list[Entry] = []
    for name in loss_names:
        entry = (
            registry.get_loss("zero_one" if hard else registry.DEFAULT_LOSS[task])
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
    for name in extra:
        found = registry.lookup(name)
        if any(e in chosen or e in metric_entries for e in found):
            continue
        entry = found[0]
        if task not in entry.tasks:
            raise UsageError(
                f"{entry.kind} {entry.name} (named by --check or --value) does not apply "
                f"to a {task} task (it takes: {', '.join(entry.tasks)})"
            )
        (chosen if entry.kind == "loss" else metric_entries).append(entry)
    everything = chosen + metric_entries
    if hard:
        _check_decisions(everything)
    for key in params:
        if key in lenient and any(key in e.param_names for e in registry.entries()):
            continue
        if not any(key in e.param_names for e in everything):
            _unknown_param(key, everything)

    def bind(entry: Entry) -> dict[str, Any]:
        values = entry.defaults()
        for p in entry.params:
            if p.name in params:
                values[p.name] = p.parse(params[p.name])
            if p.required and values[p.name] is None:
                raise UsageError(
                    f"{entry.name} needs --param {p.name}=VALUE ({p.doc})",
                    hint=f"{p.name}: {p.range_text()}",
                )
        if values.get("average") == "binary" and task != "binary":
            raise UsageError(
                f"--param average=binary needs a binary task, not {task}",
                hint="use macro, micro or weighted",
            )
        if entry.check is not None:
            entry.check(task, values)
        if "k" in values and values["k"] != int(values["k"]):
            raise UsageError(f"parameter k must be a whole number, got {values['k']}")
        if "power" in values and 0 < values["power"] < 1:
            raise UsageError(
                f"parameter power={values['power']} is out of range: "
                "Tweedie power must be <= 0 or >= 1"
            )
        return values

    return Plan(task, [(e, bind(e)) for e in chosen], [(e, bind(e)) for e in metric_entries])


def decisions_only() -> list[str]:
    """The figures hard labels can give (the registry's ``needs == "decisions"``)."""
    return [e.name for e in registry.entries() if e.needs == "decisions"]


def _check_decisions(selected: Sequence[Entry]) -> None:
    """Hard labels give decisions only: a figure that needs more is a usage error."""
    for e in selected:
        if e.needs != "decisions":
            flag = "-l" if e.kind == "loss" else "-m"
            raise UsageError(
                f"{e.kind} {e.name} ({flag} {e.name}) needs "
                f"{registry.NEEDS[e.needs].split(', not ')[0]}, but the predictions are hard "
                "labels (class ids or names, one column)",
                hint="give probabilities (or scores) for it, or choose figures that need only "
                f"decisions: {', '.join(decisions_only())}",
            )


def _unknown_param(key: str, selected: Sequence[Entry]) -> None:
    """A parameter no selected entry takes: the close name of one that does, or who
    takes it."""
    takers = sorted({e.name for e in registry.entries() if key in e.param_names})
    close = did_you_mean(key, sorted({n for e in selected for n in e.param_names}))
    if close is None and not takers:
        close = did_you_mean(key, sorted({n for e in registry.entries() for n in e.param_names}))
    hint = close or (f"it is taken by: {', '.join(takers)}" if takers else None)
    raise UsageError(f"no selected loss or metric takes parameter {key!r}", hint=hint)


def parse_params(params: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
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
