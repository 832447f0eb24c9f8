"""The input cut into parts: shards of local paths (paired one to one in two-file
mode), or the partitions of a Dask DataFrame (given, or read from a URL)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from losscli.engines.dask.spec import ReadOptions, Spec, weight_file
from losscli.engines.dask.urls import is_url, read_url
from losscli.errors import UsageError
from losscli.io import formats
from losscli.report.gates import PathLike
from losscli.validate import sources


@dataclass(frozen=True)
class Part:
    """One unit of work: a shard (its targets file, its predictions file in two-file mode,
    its weights file), or a DataFrame partition (``frame``: the data come as an argument).

    ``label`` names the part in messages; ``whole``: the part is the whole input (a
    single file or pair), read exactly as the local engine reads it."""

    label: str
    targets: str | None = None
    predictions: str | None = None
    weights_file: str | None = None
    frame: bool = False
    whole: bool = False


@dataclass
class Dataset:
    """The parts of one evaluation, in order; ``frames`` holds the Dask DataFrame's
    partitions (``Delayed``) when the parts are partitions."""

    parts: list[Part]
    frames: list[Any] | None = None
    source: str | None = None  # names the input in "no samples left"


def _is_dask_frame(x: Any) -> bool:
    return hasattr(x, "to_delayed") and hasattr(x, "npartitions")


def build_dataset(y_true: Any, y_pred: Any, weights: Any, spec: Spec) -> Dataset:
    """Cut the input into parts: shards of local paths, or partitions of Dask's readers."""
    ds = _build(y_true, y_pred, weights, spec)
    group = spec.read.group_by
    if group is not None and sources.looks_like_file(group) and not ds.parts[0].whole:
        raise UsageError(
            "--group-by as a file goes with a single input file on the Dask engine",
            hint="put the groups in a column of the shards and name it, or use --engine local",
        )
    return ds


def _build(y_true: Any, y_pred: Any, weights: Any, spec: Spec) -> Dataset:
    if _is_dask_frame(y_true) or is_url(y_true) or is_url(y_pred):
        if y_pred is not None:
            raise UsageError(
                "the Dask engine reads URLs and Dask DataFrames in one-file mode only",
                hint="put targets and predictions in the same files",
            )
        if weight_file(weights) is not None:
            raise UsageError(
                "with a URL or a Dask DataFrame, --weights must name a column of the input"
            )
        if _is_dask_frame(y_true):
            return _frame_dataset(y_true, "dataframe", None)
        return _frame_dataset(read_url(y_true, spec.read), y_true, y_true)
    if not isinstance(y_true, (str, os.PathLike)) or not (
        y_pred is None or isinstance(y_pred, (str, os.PathLike))
    ):
        raise UsageError(
            "the Dask engine scores files, URLs or a Dask DataFrame",
            hint="use losscli.evaluate for arrays and pandas DataFrames",
        )
    return Dataset(
        _file_parts(y_true, y_pred, weight_file(weights), spec.read),
        source=os.fspath(y_pred if y_pred is not None else y_true),
    )


def _file_parts(
    y_true: PathLike, y_pred: PathLike | None, weight_file: str | None, read: ReadOptions
) -> list[Part]:
    """One part per shard; in two-file mode the i-th targets shard with the i-th
    predictions shard (and the i-th weights file), in sorted-name order."""
    t_spec = os.fspath(y_true)
    p_spec = None if y_pred is None else os.fspath(y_pred)
    if "-" in (t_spec, p_spec, weight_file):
        raise UsageError(
            "the Dask engine does not read standard input ('-')",
            hint="name the files, or use --engine local",
        )
    t_files = formats.expand(t_spec)
    p_files = None if p_spec is None else formats.expand(p_spec)
    if len(t_files) == 1 and (p_files is None or len(p_files) == 1):
        # one part: the local engine's reading exactly, whatever the options
        return [Part(p_spec or t_spec, t_spec, p_spec, weight_file, whole=True)]
    if p_files is not None:
        if read.id_col is not None:
            raise UsageError(
                "--id-col with a targets and a predictions dataset aligns by key over the "
                "whole input, which the Dask engine does not do across shards",
                hint="use --engine local, or shards holding targets, predictions and ids",
            )
        if len(p_files) != len(t_files):
            raise UsageError(
                f"{len(t_files)} targets file(s) but {len(p_files)} predictions file(s): the "
                "Dask engine pairs the shards one to one, in sorted-name order",
                hint="shard both alike, or use --engine local",
            )
    w_files = None if weight_file is None else formats.expand(weight_file)
    if w_files is not None and len(w_files) != len(t_files):
        raise UsageError(
            f"{len(w_files)} weights file(s) for {len(t_files)} shards: on Dask weights files "
            "pair with the shards one to one",
            hint="shard the weights alike, or use a weights column",
        )
    return [
        Part(
            label=p_files[i] if p_files is not None else t,
            targets=t,
            predictions=None if p_files is None else p_files[i],
            weights_file=None if w_files is None else w_files[i],
        )
        for i, t in enumerate(t_files)
    ]


def _frame_dataset(ddf: Any, label: str, source: str | None) -> Dataset:
    frames = list(ddf.to_delayed())
    return Dataset([Part(label, frame=True) for _ in frames], frames, source)
