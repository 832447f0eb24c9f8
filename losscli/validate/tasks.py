"""Task inference: the task ``--task auto`` takes from the targets and predictions.

Task inference (``--task auto``), in order:

1. targets are class names matching the prediction headers -> ``multiclass``;
2. one prediction column: targets all in {0, 1} or all in {-1, +1} -> ``binary``,
   otherwise ``regression``;
3. C > 1 prediction columns and one target column of integers in [0, C) ->
   ``multiclass``;
4. C target columns beside C prediction columns: all targets 0/1 with exactly one
   1 per row, or rows of a probability distribution -> ``multiclass``; all 0/1
   otherwise -> ``multilabel``; anything else -> ``regression`` (multi-output).

Hard labels and label encodings (one target column beside one prediction column,
decided on the first chunk and stated in the report's notes):

- predictions that are text are class names: hard labels, ``multiclass`` over the
  union of the names of targets and predictions, sorted (``binary`` with --pos-label);
- 0/1 predictions beside 0/1 targets (or -1/+1 beside -1/+1) are hard labels, unless
  a requested figure needs probabilities or scores (-l binary_cross_entropy, -m roc_auc):
  then they are probabilities;
- integer predictions beside integer targets are class labels (``multiclass``) when
  every prediction is one of the target values and the targets take at most 20
  distinct values, otherwise a ``regression``; --task multiclass / --task regression
  decide instead;
- hard labels give the decisions-only figures (default loss zero_one); a figure that
  needs probabilities or scores is a usage error;
- binary targets of two values that are not 0/1 or -1/+1 (yes/no, 1/2) beside
  probabilities need --pos-label VALUE; True/False are read as 1/0;
- the losses and metrics asked for inform the task: a classification loss on data that
  does not look like its task gets the data's error (the bad label, the widths);
- two files whose targets look like probabilities and whose predictions look like
  labels are an input error (swapped?), unless --task, --target-col or --pred-col.
"""

from __future__ import annotations

import numpy as np


def is_01(a: np.ndarray) -> bool:
    return bool(np.all((a == 0) | (a == 1)))


def distinct(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D array of numbers without NaN, sorted: what numpy's own does,
    without the import of ``numpy.ma`` it makes on its first call (~15% of numpy's import,
    on the start-up of every small run)."""
    s = np.sort(a)
    if s.size > 1:
        s = s[np.concatenate(([True], s[1:] != s[:-1]))]
    return s


def infer_task(y: np.ndarray, p: np.ndarray, pred_names: list[str]) -> str:
    if y.dtype == object:
        return "multiclass"
    yc = y.reshape(y.shape[0], -1)
    if y.shape[0] == p.shape[0]:  # rows with NaN/inf say nothing about the task
        finite = np.isfinite(yc).all(axis=1) & np.isfinite(p.reshape(p.shape[0], -1)).all(axis=1)
        if not finite.all() and finite.any():
            yc, p = yc[finite], p[finite]
    c = p.shape[1]
    if c == 1:
        if yc.shape[1] == 1 and (is_01(yc) or bool(np.all(np.abs(yc) == 1))):
            return "binary"
        return "regression"
    if yc.shape[1] == 1:
        v = yc[:, 0]
        if np.all(v == np.round(v)) and v.min() >= 0 and v.max() < c:
            return "multiclass"
        return "regression"
    if yc.shape[1] == c:
        sums = yc.sum(axis=1)
        if is_01(yc):
            return "multiclass" if np.all(sums == 1) else "multilabel"
        if np.all((yc >= 0) & (yc <= 1)) and np.allclose(sums, 1.0, rtol=0, atol=1e-6):
            return "multiclass"
    return "regression"
