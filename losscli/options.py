"""The options of one evaluation, as one typed object.

:class:`EvalOptions` is what :func:`losscli.evaluate` (and ``batch``, and the Dask
engine) is given: the CLI builds one from its flags and a config file
(:func:`losscli.config.apply`), a Python caller passes keywords of the same names.
It holds choices only, never data: the inputs, a per-sample sink and a progress
callback are arguments of the call.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, kw_only=True)
class EvalOptions:
    """Every choice of an evaluation; the defaults are the CLI's.

    losses, metrics:
        Registry names or aliases; ``None`` takes the task's defaults (``auto``).
    task:
        ``auto`` (inferred from the data), ``regression``, ``binary``, ``multiclass``
        or ``multilabel``.
    params, default_params:
        ``KEY=VALUE`` strings or a mapping.  ``params`` must each be taken by a
        selected entry; ``default_params`` (a config file's) apply where they fit.
    from_logits:
        Predictions are logits or raw scores (``--param from_logits=true``).
    weights:
        Per-sample weights: an array, a file, or a column of the input.
    strict:
        Data warnings become input errors.
    checks, baseline, tolerance, atol:
        Gates: ``NAME OP NUMBER`` expressions, and an earlier JSON report that no
        figure may be worse than by more than ``atol + tolerance * |baseline|``.
    target_col, pred_col, id_col:
        Column specs (names or 0-based indices, comma-separated); ``id_col`` aligns
        targets and predictions by a key instead of the row order.
    allow_missing:
        With ``id_col``: ids on one side only are dropped and counted.
    header, input_format:
        CSV/TSV files have a header row; the format of every input (stdin, unknown
        extensions, and over the one an extension implies).
    delimiter, decimal:
        The field separator of CSV/TSV input (one character; ``\t`` or ``tab`` for a tab;
        default: the format's) and its decimal mark (``.`` or ``,``).
    pos_label:
        The positive class of binary targets that are neither 0/1 nor -1/+1 (``yes``,
        ``spam``, ``2``, ``True``): it is read as 1, the other value as 0.
    classes:
        Class names in the order of the prediction columns.
    chunk_rows:
        Rows per chunk when streaming (the figures do not depend on it).
    nan_policy:
        ``error``, ``omit`` or ``propagate``.
    value:
        The figure ``-f value`` prints (a loss or metric name or alias; default: the
        first loss).  Like a name in ``checks``, it is computed even when not selected.
    ci, ci_level, ci_method, n_boot, seed:
        A confidence interval of every loss mean and metric (``--ci``) at ``ci_level``,
        by ``ci_method`` (``auto``, ``bootstrap`` or ``analytic``; see
        :mod:`losscli.scoring.replicates`), with ``n_boot`` Poisson bootstrap replicates
        drawn from ``seed``.
    group_by:
        A column of the input, or a file with one value a row (``--group-by``): the
        report is given for every group too (:mod:`losscli.scoring.groups`).
    per_class:
        ``--per-class``: precision, recall, f1, support and the loss per class (per output
        for a regression with several outputs; :mod:`losscli.scoring.perclass`).
    """

    losses: tuple[str, ...] | None = None
    metrics: tuple[str, ...] | None = None
    task: str = "auto"
    params: Mapping[str, Any] | Sequence[str] | None = None
    default_params: Mapping[str, Any] | Sequence[str] | None = None
    from_logits: bool = False
    weights: Any = None
    strict: bool = False
    checks: tuple[str, ...] = ()
    baseline: PathLike | Mapping[str, Any] | None = None
    tolerance: float = 0.0
    atol: float = 0.0
    target_col: str | None = None
    pred_col: str | None = None
    id_col: str | None = None
    allow_missing: bool = False
    header: bool = True
    input_format: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    pos_label: str | None = None
    classes: tuple[str, ...] | None = None
    chunk_rows: int | None = None
    nan_policy: str = "error"
    value: str | None = None
    ci: bool = False
    ci_level: float = 0.95
    ci_method: str = "auto"
    n_boot: int = 1000
    seed: int = 12345
    group_by: Any = None
    per_class: bool = False

    def __post_init__(self) -> None:
        # lists from a caller or a parser become tuples: the options are a value
        for name in ("losses", "metrics", "checks", "classes"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, tuple):
                object.__setattr__(self, name, (v,) if isinstance(v, str) else tuple(v))
        if self.losses == ():
            object.__setattr__(self, "losses", None)
        if self.metrics == ():
            object.__setattr__(self, "metrics", None)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> EvalOptions:
        """A copy with ``changes``; an unknown name is a :class:`TypeError`."""
        return dataclasses.replace(self, **changes)


def make_options(options: EvalOptions | None, overrides: Mapping[str, Any]) -> EvalOptions:
    """``options`` (default: all defaults) with keyword ``overrides`` applied; a keyword
    that is no option is a :class:`TypeError` naming it, as for any Python function."""
    unknown = sorted(set(overrides) - set(EvalOptions.names()))
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
    base = options if options is not None else EvalOptions()
    return base.replace(**overrides) if overrides else base
