"""The public Python API: :func:`evaluate`, the one pipeline the CLI also runs.

read -> validate -> per-sample loss -> accumulate -> metrics -> report
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import numpy as np

from losscli.engines.local import run
from losscli.errors import InputError, show
from losscli.options import EvalOptions, make_options
from losscli.report.model import Report


def evaluate(
    y_true: Any,
    y_pred: Any = None,
    options: EvalOptions | None = None,
    *,
    keep_per_sample: bool = True,
    stdin: IO[bytes] | None = None,
    per_sample_sink: Callable[[np.ndarray, dict[str, np.ndarray]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    collect: Any = None,
    preview: bool = True,
    **overrides: Any,
) -> Report:
    """Evaluate predictions against targets.

    ``y_true``/``y_pred`` are arrays (or lists/DataFrames), or paths, globs or
    directories of files; with a single path, it holds both.  The choices are an
    :class:`~losscli.options.EvalOptions` (``options``) or its fields as keywords
    (``losses=["mse"], weights="w.csv"``; keywords override ``options``).  Returns a
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

    ``collect`` (a :class:`losscli.engines.plotdata.Collector`) gathers, chunk by chunk,
    what the pictures of an HTML report need (:func:`losscli.report.html.report_html`).

    ``preview=False`` leaves out ``Report.preview`` (the first and worst rows and the
    histogram of the table output): a little faster, the same figures.
    """
    return run(
        _targets(y_true),
        y_pred,
        make_options(options, overrides),
        keep_per_sample=keep_per_sample,
        stdin=stdin,
        per_sample_sink=per_sample_sink,
        progress=progress,
        collect=collect,
        preview=preview,
    )


def _targets(y: Any) -> Any:
    """In-memory targets given as lists of Python objects, made what the pipeline reads:
    ``None`` among numbers is a missing value (NaN, for ``nan_policy``), a column vector
    of class names is one column; ``None`` among class names, or class names in several
    columns, are an :class:`InputError` (not a ``TypeError`` from deep inside)."""
    import os

    if y is None or isinstance(y, (str, os.PathLike)) or hasattr(y, "columns"):
        return y
    if not isinstance(y, (list, tuple)) and getattr(getattr(y, "dtype", None), "kind", "") != "O":
        return y
    try:
        arr = np.asarray(y, dtype=object)
    except (ValueError, TypeError):
        return y  # ragged: reported by the pipeline
    if arr.ndim not in (1, 2) or arr.size == 0:
        return y
    flat = arr.reshape(-1)
    texts = [isinstance(v, (str, bytes)) for v in flat]
    if not any(texts):
        if any(v is None for v in flat):  # missing among numbers: NaN
            try:
                return np.array([np.nan if v is None else v for v in flat], float).reshape(
                    arr.shape
                )
            except (TypeError, ValueError):
                return y
        return y
    width = arr.shape[1] if arr.ndim == 2 else 1
    for i, v in enumerate(flat):
        if not isinstance(v, (str, bytes, int, float, np.number)) or v is None:
            raise InputError(
                f"{show(v)} among class names: every target must be a class name",
                file="y_true",
                row=i // width + 1,
            )
    if width != 1:
        raise InputError(
            f"class names in {width} columns: text targets are one column", file="y_true"
        )
    return arr.reshape(-1)
