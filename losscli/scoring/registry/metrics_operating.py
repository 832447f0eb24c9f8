"""The Brier score's decomposition (Murphy 1973) and the operating-point metrics of the
registry: recall at a minimum precision, precision at a minimum recall, specificity at a
minimum sensitivity (:mod:`losscli.scoring.operating`)."""

from __future__ import annotations

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import Entry
from losscli.scoring.registry.params import N_BINS, Param


def _minimum(name: str, what: str) -> Param:
    return Param(
        name,
        0.5,
        f"the minimum {what} a threshold must reach (default 0.5: name yours)",
        low=0.0,
        high=1.0,
        low_inclusive=True,
        high_inclusive=True,
    )


MIN_PRECISION = _minimum("min_precision", "precision")
MIN_RECALL = _minimum("min_recall", "recall")
MIN_SENSITIVITY = _minimum("min_sensitivity", "sensitivity (recall, tpr)")

_MURPHY = (
    "Murphy (1973) from binned forecasts: uniform bins as ece's ([k/n, (k+1)/n), a "
    "forecast of exactly 1 in a bin of its own; n_bins, default 15); with n_b the weight "
    "of bin b, f_b its mean forecast, o_b its observed frequency and o the overall "
    "frequency: reliability = Σ n_b (f_b − o_b)² / N, resolution = Σ n_b (o_b − o)² / N, "
    "uncertainty = o (1 − o)",
    "brier = reliability − resolution + uncertainty exactly when the forecasts within each "
    "bin are equal; otherwise up to the within-bin terms (small for narrow bins)",
    "binary: the probability of class 1; multiclass: the sum over classes of each class's "
    "one-vs-rest decomposition (halved for two columns, as brier), so the identity holds "
    "against the brier metric; targets count as 0/1 (a soft target above 0.5 as 1)",
    "bin sums, merged across chunks and workers; logits (--from-logits) go through "
    "sigmoid / softmax first",
)
_OPERATING = (
    "torchmetrics' definition over the rules 'positive when score >= t' for every "
    "distinct score t (one sort; tied scores share one threshold); the figure is the best "
    "value among the thresholds that reach the minimum, whichever threshold gives it",
    "a minimum no threshold reaches gives 0.0 with a warning (torchmetrics' value); no "
    "positive targets leave it undefined (NaN, with a warning)",
    "binary only; raw scores rank as they are. Keeps 8 bytes per value (score, label, "
    "weight), as roc_auc",
)


def _brier(name: str, formula: str, summary: str, direction: str) -> Entry:
    return Entry(
        name=name,
        kind="metric",
        func=L.mse,
        tasks=("binary", "multiclass"),
        inputs="probabilities",
        needs="probabilities",
        formula=formula,
        summary=summary,
        use_when="Telling miscalibration (reliability) from lack of discrimination "
        "(resolution) in a Brier score.",
        params=(N_BINS,),
        direction=direction,
        state="brier_decomposition",
        notes=_MURPHY,
        reference="Murphy (1973), J. Appl. Meteor. 12, 595-600 (closed forms in the tests)",
    )


OPERATING_METRICS: tuple[Entry, ...] = (
    _brier(
        "brier_reliability",
        "Σ_b n_b (f_b − o_b)² / N over the forecast bins",
        "Brier reliability: how far the binned forecasts are from the observed frequencies "
        "(0 when calibrated).",
        "lower",
    ),
    _brier(
        "brier_resolution",
        "Σ_b n_b (o_b − o)² / N over the forecast bins",
        "Brier resolution: how far the bins' observed frequencies are from the base rate "
        "(higher: the forecasts tell cases apart).",
        "higher",
    ),
    _brier(
        "brier_uncertainty",
        "o (1 − o), o the frequency of the event (multiclass: summed over classes)",
        "Brier uncertainty: the Brier score of always forecasting the base rate; depends "
        "on the targets only.",
        "lower",
    ),
    Entry(
        name="recall_at_precision",
        kind="metric",
        func=L.mse,
        tasks=("binary",),
        inputs="ranking",
        needs="scores",
        formula="max recall(t) over the thresholds t with precision(t) >= min_precision",
        summary="Recall at a minimum precision: the most positives found while keeping precision.",
        use_when="When false alarms are capped (e.g. precision >= 0.9) and recall is the goal.",
        params=(MIN_PRECISION,),
        direction="higher",
        state="operating_point",
        notes=_OPERATING,
        reference="torchmetrics.classification.BinaryRecallAtFixedPrecision",
    ),
    Entry(
        name="precision_at_recall",
        kind="metric",
        func=L.mse,
        tasks=("binary",),
        inputs="ranking",
        needs="scores",
        formula="max precision(t) over the thresholds t with recall(t) >= min_recall",
        summary="Precision at a minimum recall: the cleanest positives while finding "
        "enough of them.",
        use_when="When a share of the positives must be found (e.g. recall >= 0.8).",
        params=(MIN_RECALL,),
        direction="higher",
        state="operating_point",
        notes=_OPERATING,
        reference="torchmetrics.classification.BinaryPrecisionAtFixedRecall",
    ),
    Entry(
        name="specificity_at_sensitivity",
        kind="metric",
        func=L.mse,
        tasks=("binary",),
        inputs="ranking",
        needs="scores",
        formula="max (1 − fpr(t)) over the thresholds t with tpr(t) >= min_sensitivity "
        "(the rule 'nothing positive' included)",
        summary="Specificity at a minimum sensitivity: the most negatives kept out while "
        "catching enough positives.",
        use_when="Screening: a sensitivity is required, false positives cost.",
        params=(MIN_SENSITIVITY,),
        direction="higher",
        state="operating_point",
        notes=_OPERATING,
        reference="torchmetrics.classification.BinarySpecificityAtSensitivity",
    ),
)
