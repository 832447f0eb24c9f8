"""The public Python API: :func:`evaluate`, the one pipeline the CLI also runs.

read -> validate -> per-sample loss -> accumulate -> metrics -> report
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import numpy as np

from losscli.engines.local import run
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
    """
    return run(
        y_true,
        y_pred,
        make_options(options, overrides),
        keep_per_sample=keep_per_sample,
        stdin=stdin,
        per_sample_sink=per_sample_sink,
        progress=progress,
    )
