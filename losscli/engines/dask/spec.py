"""What every part computes: the options validated as the local engine validates
them (:func:`make_spec`), and how the parts' files are read (:class:`ReadOptions`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from losscli.engines import local
from losscli.engines.dask.urls import is_url
from losscli.errors import UsageError
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
            weight_col=weight_column(weights),
            header=header,
            input_format=input_format,
            chunk_rows=chunk_rows,
            allow_missing=allow_missing,
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
