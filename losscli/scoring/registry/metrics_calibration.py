"""The calibration and ranking-curve metrics of the registry: ece, mce, average precision."""

from __future__ import annotations

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import CLASSIFICATION, Entry
from losscli.scoring.registry.params import N_BINS, STRATEGY

_BINNED = (
    "binary: the predicted probability of class 1 against the frequency of class 1; "
    "multiclass: the confidence of the predicted class (its probability) against its "
    "accuracy; multilabel: every label as a binary problem, all labels pooled in one set "
    "of bins",
    "bins (torchmetrics' convention): uniform bins are [k/n, (k+1)/n), closed on the left, "
    "so a value on an edge falls in the upper bin, and a confidence of exactly 1 is a bin "
    "of its own, [1, 1]; quantile bins have edges at the k/n percentiles of the "
    "confidences (numpy.percentile, unweighted, as scikit-learn's calibration_curve), "
    "closed on the left, the last one also holding the largest value; empty bins are "
    "skipped",
    "logits (--from-logits) are turned into probabilities first (sigmoid; softmax for "
    "multiclass); with weights, a bin's confidence and frequency are weighted means and "
    "its share is its share of the weight",
    "the report gives the reliability table (per bin: count, mean confidence, observed "
    "frequency, gap = confidence − frequency) beside the figure",
    "uniform bins are sums, merged across chunks and workers; quantile bins keep every "
    "value (16 bytes a value, more with weights)",
    "--ci: the bootstrap interval is that of a biased estimator. A bin's |gap| is "
    "positive even for a perfectly calibrated model (the noise of its frequency does not "
    "average out under the absolute value; bins with few samples most), so the figure "
    "sits above the true calibration error, and the resampled figures carry the same "
    "upward bias (resampling repeats rows, which makes the bins noisier still): the "
    "percentile interval is not centred on the true error and can exclude 0 for a "
    "calibrated model. Read it as the sampling spread of the binned figure, not as a "
    "confidence interval for the true calibration error; fewer bins (--param n_bins) "
    "lower the bias",
)

CALIBRATION_METRICS: tuple[Entry, ...] = (
    Entry(
        name="ece",
        kind="metric",
        func=L.mse,
        tasks=CLASSIFICATION,
        inputs="probabilities",
        needs="probabilities",
        formula="Σ_bins (n_b / n)·|mean confidence_b − frequency_b|",
        summary="Expected calibration error: the weighted mean gap of the reliability bins.",
        use_when="Whether predicted probabilities can be taken at face value.",
        aliases=("expected_calibration_error", "calibration_error"),
        params=(N_BINS, STRATEGY),
        direction="lower",
        state="calibration",
        notes=_BINNED,
        reference="torchmetrics' calibration_error (norm='l1')",
    ),
    Entry(
        name="mce",
        kind="metric",
        func=L.mse,
        tasks=CLASSIFICATION,
        inputs="probabilities",
        needs="probabilities",
        formula="max over non-empty bins of |mean confidence_b − frequency_b|",
        summary="Maximum calibration error: the largest gap of the reliability bins.",
        use_when="When the worst-calibrated range of probabilities matters.",
        aliases=("maximum_calibration_error",),
        params=(N_BINS, STRATEGY),
        direction="lower",
        state="calibration",
        notes=_BINNED,
        reference="torchmetrics' calibration_error (norm='max')",
    ),
    Entry(
        name="average_precision",
        kind="metric",
        func=L.mse,
        tasks=CLASSIFICATION,
        inputs="ranking",
        needs="scores",
        formula=(
            "Σ_n (R_n − R_(n−1))·P_n over the distinct scores, highest first (positive when "
            "score >= t); multiclass/multilabel: one-vs-rest, macro average"
        ),
        summary=(
            "Average precision: the step-wise area under the precision-recall curve. "
            "Keeps 8 bytes per value (score, label, weight)."
        ),
        use_when="Ranking quality when positives are rare (precision matters, not TN).",
        aliases=("ap", "average_precision_score"),
        direction="higher",
        state="precision_curve",
        notes=(
            "scikit-learn's step-wise definition (no interpolation, not the trapezoidal "
            "area); ties share one threshold",
            "no positive targets: 0.0 with a warning, as scikit-learn; a class or label "
            "without positives counts as 0 in the macro average",
            "binary: raw scores rank as they are; multiclass logits (--from-logits) are "
            "ranked by their softmax probabilities",
        ),
        reference="sklearn.metrics.average_precision_score (average='macro')",
    ),
)
