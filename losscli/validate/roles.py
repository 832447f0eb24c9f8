"""Column roles by name: the rules that decide, from a header, what a column is.

:func:`losscli.validate.columns.decide` applies them once per input, from the headers and
the first rows (:data:`SAMPLE_ROWS`, whatever ``--chunk-size``), and keeps the roles for
every chunk.  Only files with a header are read this way (headerless files and NPZ arrays
keep their positional rules).  Headers are compared stripped and case-insensitively.

- **target**: ``--target-col``, or the first header among :data:`TARGET_NAMES`.
- **id**: a header in :data:`ID_NAMES` or ending in one of :data:`ID_SUFFIXES` (``id``,
  ``sample_id``, ``user key``...).  One file: the first id column holds the sample ids (as
  ``--id-col`` does: per-sample output, the preview); two files: an id column present in
  both aligns their rows by key (as ``--id-col NAME`` would).  Never a prediction.
- **pandas index**: an empty header or ``Unnamed: N`` (what ``DataFrame.to_csv`` writes
  for its index): ignored.
- **group**: a header in :data:`GROUP_NAMES` (``fold``, ``split``...): ignored.
- **weight-like**: a header in :data:`WEIGHT_NAMES`.  Without ``--weights`` an input
  error naming ``--weights COL`` (to weigh by it) and ``--pred-col`` (to choose the
  predictions); with ``--weights`` naming another source, or with ``--pred-col``, ignored.
- **text** columns (no numbers) are ignored, unless the header is a prediction name
  (:data:`PRED_NAMES`) or the column is the only candidate left: then it holds the
  predictions as class names (hard labels).
- a **row counter**: a numeric column, not named as a prediction, whose values are the
  consecutive integers 0..n-1 or 1..n (n >= 3; an index written without a name): an input
  error naming ``--id-col`` and ``--pred-col``.
- every other numeric column is a prediction.  ``--pred-col`` turns the guessing of
  predictions off (the id alignment of two files still applies unless ``--id-col``).

Every role taken without a flag saying so is stated in the report's ``notes``.
"""

from __future__ import annotations

import re

import numpy as np

TARGET_NAMES = ("target", "y_true", "y", "label", "truth", "labels", "targets")

PRED_NAMES = (
    "y_pred",
    "pred",
    "preds",
    "prediction",
    "predictions",
    "p",
    "proba",
    "probs",
    "probabilities",
    "scores",
    "logits",
    "y_score",
    "yhat",
    "y_hat",
)

ID_NAMES = frozenset({"id", "ids", "key", "index", "idx", "row", "uid", "uuid"})
ID_SUFFIXES = ("_id", "_key", " id")
GROUP_NAMES = frozenset({"fold", "group", "split", "cv_fold", "partition"})
WEIGHT_NAMES = frozenset({"weight", "weights", "sample_weight", "sample_weights", "w"})

SAMPLE_ROWS = 1000  # rows the roles are decided from (the first chunks, gathered)
MIN_COUNTER_ROWS = 3  # fewer rows than this never look like a row counter

_UNNAMED = re.compile(r"unnamed: \d+")


def _key(name: str) -> str:
    return str(name).strip().lower()


def is_id_name(name: str) -> bool:
    key = _key(name)
    return key in ID_NAMES or (key.endswith(ID_SUFFIXES) and key not in ID_SUFFIXES)


def is_pandas_index(name: str) -> bool:
    key = _key(name)
    return key == "" or _UNNAMED.fullmatch(key) is not None


def is_group_name(name: str) -> bool:
    return _key(name) in GROUP_NAMES


def is_weight_name(name: str) -> bool:
    return _key(name) in WEIGHT_NAMES


def is_pred_name(name: str) -> bool:
    return _key(name) in PRED_NAMES


def is_target_name(name: str) -> bool:
    return _key(name) in TARGET_NAMES


def row_counter(col: np.ndarray) -> tuple[int, int] | None:
    """(first, last) when the numeric column ``col`` counts its rows 0..n-1 or 1..n."""
    n = col.shape[0]
    if col.ndim != 1 or n < MIN_COUNTER_ROWS or col.dtype.kind not in "iuf":
        return None
    start = col[0]
    if start not in (0, 1):
        return None
    if not np.array_equal(col, np.arange(start, start + n, dtype=np.float64)):
        return None
    return int(start), int(start) + n - 1
