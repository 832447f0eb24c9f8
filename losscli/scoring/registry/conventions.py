"""The conventions ``losscli explain`` states: by input kind, and for every entry.

Text data, like the entries themselves.
"""

from __future__ import annotations

# Conventions stated by `losscli explain`, by input kind (data, like the entries).
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "probabilities": (
        "computed in float64 (float32 input is upcast: in float32 1 − 1e-15 rounds to 1)",
        "values outside [0, 1] are an input error naming row and column, unless --from-logits",
        "multiclass rows that do not sum to 1 (scikit-learn's tolerance, rtol √ε_float64 + "
        "1e-8) are computed as given with a warning; --param normalize=true rescales them "
        "(Keras); --strict makes it an error",
    ),
    "scores": (
        "labels in {0, 1} or {−1, +1}; scores are raw decision values, m = y·f(x) with y "
        "mapped to ±1",
        "a margin of exactly 0 is a violation: hinge = 1, perceptron = 0, logistic = log 2",
    ),
    "labels": (
        "binary decision, one rule for the whole report (accuracy, precision, recall, f1, "
        "balanced accuracy, mcc, the confusion matrix, zero_one, hamming): probabilities "
        "are class 1 when p > threshold (0.5: scikit-learn's predict_proba argmax, ties to "
        "class 0; strict, as Keras and torchmetrics); raw scores (margins, logits, "
        "--from-logits, values outside [0, 1], or a margin loss such as -l hinge asked "
        "for) are class 1 when score > 0 (scikit-learn's decision_function rule)",
        "multiclass decision: argmax, ties go to the lowest class index",
    ),
    "ranking": (
        (
            "only the order of the scores matters; ties are counted exactly (ROC AUC: a "
            "tie counts half; average precision: tied scores are one threshold)"
        ),
    ),
    "values": ("multi-output: per sample the mean over outputs (scikit-learn's uniform_average)",),
}
# Stated only for the entries that take a log of the probabilities (those that clip them:
# ``Entry.clipped``); ece, mce and brier have no log.
LOG_CONVENTIONS = (
    "probabilities are clipped before the log, to [eps, 1 − eps] (binary) or [eps, 1] "
    "(categorical), eps = 1e-15 by default",
    "--from-logits: log-softmax / log-sigmoid through log-sum-exp, stable for logits "
    "of ±1000 and beyond",
)
GENERAL = (
    "weights (--weights): Σ w·l / Σ w, scikit-learn's sample_weight (not Keras' division "
    "by N); finite, non-negative, not all zero",
    "weights are relative: sums are kept scaled by a power of two (exact), so w and "
    "w·2^k give the same figures, from subnormal weights to 1e308; a weighted sum shown "
    "in the report beyond the float range, or weights spanning more than it, is an input "
    "error",
    "a loss's 'sum' in reports is Σ w·l; its 'mean' is Σ w·l / Σ w",
)
