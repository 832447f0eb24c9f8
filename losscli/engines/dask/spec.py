"""What every part computes: the options validated as the local engine validates
them (:func:`make_spec`), and how the parts' files are read (:class:`ReadOptions`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from losscli.engines import local
from losscli.engines.dask.urls import is_url
from losscli.errors import UsageError
from losscli.options import EvalOptions
from losscli.scoring.replicates import CiSettings
from losscli.validate import sources


@dataclass(frozen=True)
class ReadOptions:
    """How a part's files are read and which columns are used."""

    target_col: str | None = None
    pred_col: str | None = None
    id_col: str | None = None
    weight_col: str | None = None  # a weights column (a weights *file* is a Part field)
    header: bool = True
    input_format: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    chunk_rows: int | None = None
    allow_missing: bool = False  # --id-col: drop ids found on one side only
    group_by: str | None = None  # --group-by: a column (a file: a single-part input only)

    def text_columns(self) -> set[str] | None:
        """Columns read as written: the ids and the groups (007 is not 7)."""
        names = {n for n in (self.id_col, self.group_by) if n is not None}
        return names or None


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
    extra: tuple[str, ...] = ()  # --check names and --value: computed when not selected
    pos_label: str | None = None  # --pos-label: every part encodes its targets the same way
    per_class: bool = False  # --per-class: the breakdown's sums merge as the others
    ci: CiSettings | None = None  # --ci: replicates keyed by the rows over the whole input
    grouped: bool = False  # --group-by

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
            extra=self.extra,
            pos_label=self.pos_label,
            ci=self.ci,
            grouped=self.grouped,
            columns_given=self.read.target_col is not None or self.read.pred_col is not None,
            # each part would take its own classes from its first chunk: not yet
            hard_labels=False,
            per_class=self.per_class,
        )


def make_spec(o: EvalOptions) -> Spec:
    """Validate the options as :func:`losscli.api.evaluate` does, before any file is read."""
    settings = local.make_settings(o)
    if o.classes is not None:
        raise UsageError(
            "the Dask engine takes the class names from the prediction column headers",
            hint="use the local engine to pass classes",
        )
    if o.group_by is not None and not isinstance(o.group_by, (str, os.PathLike)):
        raise UsageError("the Dask engine takes --group-by as a column name or a file")
    if o.weights is not None and not isinstance(o.weights, (str, os.PathLike)):
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
        extra=settings.extra,
        pos_label=settings.pos_label,
        per_class=settings.per_class,
        ci=settings.ci,
        grouped=settings.grouped,
        read=ReadOptions(
            target_col=o.target_col,
            pred_col=o.pred_col,
            id_col=o.id_col,
            weight_col=weight_column(o.weights),
            header=o.header,
            input_format=o.input_format,
            delimiter=o.delimiter,
            decimal=o.decimal,
            chunk_rows=o.chunk_rows,
            allow_missing=o.allow_missing,
            group_by=None if o.group_by is None else os.fspath(o.group_by),
        ),
    )


def weight_column(weights: Any) -> str | None:
    """``--weights`` names a column unless it looks like a file (the local engine's rule)."""
    if isinstance(weights, str) and not sources.looks_like_file(weights) and not is_url(weights):
        return weights
    return None


def weight_file(weights: Any) -> str | None:
    if weights is None or weight_column(weights) is not None:
        return None
    return os.fspath(weights)
