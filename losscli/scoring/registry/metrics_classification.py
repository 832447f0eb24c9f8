"""The classification metrics of the registry: accuracy, the confusion-matrix figures, AUC.

``ACCURACY`` is kept apart: ``losscli list`` shows it first of all metrics, before the
regression ones; the others follow them.
"""

from __future__ import annotations

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import CLASSIFICATION, Entry
from losscli.scoring.registry.params import AVERAGE, DECISION, THRESHOLD, TOP_K
from losscli.scoring.registry.params import POS_LABEL as POS_LABEL  # helper "losses"
from losscli.scoring.registry.params import SCALE_BY_HALF as SCALE_BY_HALF

ACCURACY = Entry(
    name="accuracy",
    kind="metric",
    func=L.correct,
    tasks=CLASSIFICATION,
    inputs="labels",
    needs="decisions",
    formula="mean of [predicted class = true class] (multilabel: all labels right)",
    summary="Fraction of samples classified correctly.",
    use_when="The usual reporting metric for classification.",
    aliases=("acc",),
    params=DECISION,
    direction="higher",
    reference="sklearn.metrics.accuracy_score",
)

CLASSIFICATION_METRICS: tuple[Entry, ...] = (
    Entry(
        name="precision",
        kind="metric",
        func=L.correct,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="TP / (TP + FP) (0 when undefined); averaged per --param average",
        summary="Precision: of the predicted positives, the share that are right.",
        use_when="When false positives are costly.",
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.precision_score (zero_division=0)",
    ),
    Entry(
        name="recall",
        kind="metric",
        func=L.correct,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="TP / (TP + FN) (0 when undefined); averaged per --param average",
        summary="Recall (sensitivity): of the true positives, the share found.",
        use_when="When missing a positive is costly.",
        aliases=("sensitivity", "tpr"),
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.recall_score (zero_division=0)",
    ),
    Entry(
        name="f1",
        kind="metric",
        func=L.correct,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="2·TP / (2·TP + FP + FN); averaged per --param average",
        summary="F1 score: the harmonic mean of precision and recall.",
        use_when="Imbalanced classes, one number balancing precision and recall.",
        aliases=("f1_score", "f_score"),
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.f1_score (zero_division=0)",
    ),
    Entry(
        name="balanced_accuracy",
        kind="metric",
        func=L.correct,
        tasks=("binary", "multiclass"),
        inputs="labels",
        needs="decisions",
        formula="mean over classes present in the targets of the recall",
        summary="Balanced accuracy: accuracy that each class counts for equally.",
        use_when="Imbalanced classes.",
        params=(THRESHOLD,),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.balanced_accuracy_score",
    ),
    Entry(
        name="mcc",
        kind="metric",
        func=L.correct,
        tasks=("binary", "multiclass"),
        inputs="labels",
        needs="decisions",
        formula="(c·s − Σ t_k·p_k) / √((s² − Σ p_k²)(s² − Σ t_k²)) from the confusion matrix",
        summary="Matthews correlation coefficient, in [−1, 1].",
        use_when="Imbalanced classes; a single balanced summary of the confusion matrix.",
        aliases=("matthews_corrcoef",),
        params=(THRESHOLD,),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.matthews_corrcoef",
    ),
    Entry(
        name="brier",
        kind="metric",
        func=L.brier,
        tasks=("binary", "multiclass"),
        inputs="probabilities",
        needs="probabilities",
        formula=(
            "Σ_c (p_c − t_c)² over every class, halved by scale_by_half (auto: for two "
            "classes): binary (p − y)²"
        ),
        summary="Brier score: the mean squared error of the probabilities.",
        use_when="Judging calibration as well as discrimination.",
        aliases=("brier_score", "brier_score_loss"),
        params=(POS_LABEL, SCALE_BY_HALF),  # helper "losses"
        reference="sklearn.metrics.brier_score_loss (scale_by_half='auto')",
    ),
    Entry(
        name="roc_auc",
        kind="metric",
        func=L.mse,
        tasks=CLASSIFICATION,
        inputs="ranking",
        needs="scores",
        formula=(
            "area under the ROC curve, exact with ties; multiclass/multilabel: one-vs-rest, "
            "macro average"
        ),
        summary=(
            "ROC AUC: the probability that a random positive outranks a random negative. "
            "Keeps 8 bytes per value (score, label, weight)."
        ),
        use_when="Ranking quality independent of the threshold.",
        aliases=("auc", "roc_auc_score"),
        direction="higher",
        state="samples",
        reference="sklearn.metrics.roc_auc_score (multi_class='ovr', average='macro')",
    ),
    Entry(
        name="top_k_accuracy",
        kind="metric",
        func=L.top_k_correct,
        tasks=("multiclass",),
        inputs="labels",
        needs="scores",
        formula="mean of [true class among the k highest scores]",
        summary="Top-k accuracy.",
        use_when="Many classes where a short list of guesses is useful.",
        aliases=("top_k",),
        params=(TOP_K,),
        direction="higher",
        reference="sklearn.metrics.top_k_accuracy_score",
    ),
)
