"""The classification metrics of the registry: accuracy, the confusion-matrix figures, AUC.

``ACCURACY`` is kept apart: ``losscli list`` shows it first of all metrics, before the
regression ones; the others follow them.
"""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError
from losscli.scoring import losses as L
from losscli.scoring import metrics as M
from losscli.scoring.registry.entry import CLASSIFICATION, Entry
from losscli.scoring.registry.params import (
    ADJUSTED,
    BETA,
    DECISION,
    KAPPA_WEIGHTS,
    MAX_FPR,
    MULTI_CLASS,
    POS_LABEL,
    ROC_AVERAGE,
    SCALE_BY_HALF,
    SETWISE,
    THRESHOLD,
    TOP_K,
)

SETWISE_NOTES = (
    "the classes averaged are those that occur in the targets or the decisions, whatever "
    "their weights (scikit-learn's labels=None; torchmetrics' macro leaves out the classes "
    "absent from both too); --param labels=0,2 takes exactly those, present or not",
    "zero_division=warn (the default) counts an undefined class as 0 and says so in the "
    "warnings, as scikit-learn; 0 or 1 say nothing; nan leaves it out of the average",
    "pos_label: the positive class is 1 (--pos-label maps other encodings); scikit-learn's "
    "pos_label=0 is the figure of the flipped targets and decisions",
)


def check_setwise(task: str, params: dict[str, Any]) -> None:
    """average=samples is for multilabel; labels choose classes of a macro/micro/weighted/
    samples average (scikit-learn ignores them with average=binary: losscli refuses)."""
    average = params.get("average", "auto")
    if average == "samples" and task != "multilabel":
        raise UsageError(
            f"--param average=samples needs a multilabel task, not {task}",
            hint="use macro, micro or weighted",
        )
    if params.get("labels") is not None and task == "binary" and average in ("auto", "binary"):
        raise UsageError(
            "--param labels chooses the classes of a macro, micro or weighted average; a "
            "binary task's default average (binary) is class 1's figure alone",
            hint="add --param average=macro (or micro, weighted) to average over the labels",
        )


def check_roc_auc(task: str, params: dict[str, Any]) -> None:
    """scikit-learn's combinations: ovo is multiclass, macro or weighted; max_fpr is not
    for multiclass; samples is multilabel."""
    average, ovo = params.get("average", "macro"), params.get("multi_class") == "ovo"
    if ovo and task != "multiclass":
        raise UsageError(f"--param multi_class=ovo needs a multiclass task, not {task}")
    if ovo and average in ("micro", "samples"):
        raise UsageError(f"--param multi_class=ovo takes average=macro or weighted, not {average}")
    if average == "samples" and task != "multilabel":
        raise UsageError(f"--param average=samples needs a multilabel task, not {task}")
    if params.get("max_fpr") is not None and params["max_fpr"] < 1 and task == "multiclass":
        raise UsageError(
            "--param max_fpr (partial AUC) is not defined for a multiclass task "
            "(scikit-learn refuses it too)",
            hint="compute it per class with --task multilabel on one-hot targets",
        )


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
    notes=(
        "torchmetrics' multiclass_accuracy averages per class by default (average='macro'): "
        "that is -m balanced_accuracy; its multilabel_accuracy is per label: 1 − -l hamming; "
        "its multilabel_exact_match is this accuracy",
    ),
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
        params=SETWISE,
        direction="higher",
        state="confusion",
        check=check_setwise,
        notes=SETWISE_NOTES,
        reference="sklearn.metrics.precision_score",
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
        params=SETWISE,
        direction="higher",
        state="confusion",
        check=check_setwise,
        notes=SETWISE_NOTES,
        reference="sklearn.metrics.recall_score",
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
        params=SETWISE,
        direction="higher",
        state="confusion",
        check=check_setwise,
        notes=SETWISE_NOTES,
        reference="sklearn.metrics.f1_score",
    ),
    Entry(
        name="fbeta",
        kind="metric",
        func=L.correct,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="(1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP); averaged per --param average",
        summary="F-beta score: recall counts β times as much as precision (β = 1: F1).",
        use_when="When recall matters more (β > 1) or less (β < 1) than precision.",
        aliases=("fbeta_score", "f_beta"),
        params=(BETA, *SETWISE),
        direction="higher",
        state="confusion",
        check=check_setwise,
        notes=(
            *SETWISE_NOTES,
            "beta is finite: scikit-learn's beta=inf is the recall (-m recall)",
        ),
        reference="sklearn.metrics.fbeta_score",
    ),
    Entry(
        name="jaccard",
        kind="metric",
        func=L.correct,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="TP / (TP + FP + FN) (intersection over union); averaged per --param average",
        summary="Jaccard index (IoU) of the predicted and true positives.",
        use_when="Set overlap, as in segmentation and multilabel tagging.",
        aliases=("jaccard_score", "iou"),
        params=SETWISE,
        direction="higher",
        state="confusion",
        check=check_setwise,
        notes=(
            *SETWISE_NOTES,
            "scikit-learn's jaccard_score takes zero_division 0, 1 or warn; losscli also "
            "takes nan (undefined classes left out of the average, as for precision)",
        ),
        reference="sklearn.metrics.jaccard_score",
    ),
    Entry(
        name="balanced_accuracy",
        kind="metric",
        func=L.correct,
        tasks=("binary", "multiclass"),
        inputs="labels",
        needs="decisions",
        formula=(
            "mean over classes present in the targets of the recall; adjusted: "
            "(score − 1/C) / (1 − 1/C), C those classes"
        ),
        summary="Balanced accuracy: accuracy that each class counts for equally.",
        use_when="Imbalanced classes.",
        params=(THRESHOLD, ADJUSTED),
        direction="higher",
        state="confusion",
        notes=(
            "equals torchmetrics' multiclass_accuracy with its default average='macro' "
            "(the macro recall)",
        ),
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
        notes=(
            "torchmetrics' multilabel_matthews_corrcoef is the MCC of every label cell as "
            "one binary problem: ravel the labels into one column and use --task binary",
        ),
        reference="sklearn.metrics.matthews_corrcoef",
    ),
    Entry(
        name="cohen_kappa",
        kind="metric",
        func=L.correct,
        tasks=("binary", "multiclass"),
        inputs="labels",
        needs="decisions",
        formula="1 − Σ w_ij·C_ij / Σ w_ij·E_ij, E the product of the marginals over N",
        summary="Cohen's kappa: agreement of decisions and targets beyond chance, in [−1, 1].",
        use_when="Agreement on a nominal (weights=none) or ordinal (linear, quadratic) scale.",
        aliases=("kappa", "cohen_kappa_score"),
        params=(THRESHOLD, KAPPA_WEIGHTS),
        direction="higher",
        state="confusion",
        notes=(
            "linear and quadratic distances are between ranks among the classes that occur "
            "in the targets or the decisions (scikit-learn's labels=None); a class that "
            "never occurs does not widen a distance",
            "undefined (one class in all, or no weight): NaN, scikit-learn's default "
            "replace_undefined_by",
        ),
        reference="sklearn.metrics.cohen_kappa_score",
    ),
    Entry(
        name="positive_likelihood_ratio",
        kind="metric",
        func=L.correct,
        tasks=("binary",),
        inputs="labels",
        needs="decisions",
        formula="LR+ = TPR / FPR = (TP / (TP + FN)) / (FP / (FP + TN))",
        summary="Positive likelihood ratio: how much a positive decision raises the odds.",
        use_when="Diagnostic tests, independent of the prevalence.",
        aliases=("lr_plus",),
        params=(THRESHOLD,),
        direction="higher",
        state="confusion",
        notes=(
            "division by zero: NaN with a warning when there are no false positives "
            "(FP = 0) or no positive targets, as scikit-learn's class_likelihood_ratios "
            "with its default replace_undefined_by=np.nan (other replacements: none)",
        ),
        reference="sklearn.metrics.class_likelihood_ratios (its first value)",
    ),
    Entry(
        name="negative_likelihood_ratio",
        kind="metric",
        func=L.correct,
        tasks=("binary",),
        inputs="labels",
        needs="decisions",
        formula="LR− = FNR / TNR = (FN / (TP + FN)) / (TN / (TN + FP))",
        summary="Negative likelihood ratio: how much a negative decision lowers the odds.",
        use_when="Diagnostic tests, independent of the prevalence.",
        aliases=("lr_minus",),
        params=(THRESHOLD,),
        direction="lower",
        state="confusion",
        notes=(
            "division by zero: NaN with a warning when there are no true negatives "
            "(TN = 0) or no positive targets, as scikit-learn's class_likelihood_ratios "
            "with its default replace_undefined_by=np.nan (other replacements: none)",
        ),
        reference="sklearn.metrics.class_likelihood_ratios (its second value)",
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
            "area under the ROC curve, exact with ties; multiclass/multilabel: one-vs-rest "
            "averaged per --param average (macro by default), or multi_class=ovo (Hand & "
            "Till); max_fpr: McClish's standardised partial AUC"
        ),
        summary=(
            "ROC AUC: the probability that a random positive outranks a random negative. "
            "Keeps 8 bytes per value (score, label, weight)."
        ),
        use_when="Ranking quality independent of the threshold.",
        aliases=("auc", "roc_auc_score"),
        params=(ROC_AVERAGE, MULTI_CLASS, MAX_FPR),
        direction="higher",
        state="samples",
        check=check_roc_auc,
        notes=(
            "multiclass scores that are not probabilities (logits, --from-logits) go "
            "through softmax first: scikit-learn needs rows that sum to 1",
            "multi_class=ovo with --weights: each pair's AUC is weighted and pairs weigh "
            "by their weighted share; scikit-learn refuses sample_weight there (integer "
            "weights equal repeated rows)",
            "average=samples: each sample's AUC over its labels is unweighted, the mean over "
            "samples weighted, as scikit-learn",
            "a class (label) without targets on both sides has no AUC: NaN with a warning "
            "(scikit-learn refuses it; torchmetrics counts 0): average=weighted leaves it out",
        ),
        reference="sklearn.metrics.roc_auc_score (multi_class='ovr', average='macro')",
    ),
    Entry(
        name="top_k_accuracy",
        kind="metric",
        func=M.top_k_correct,
        tasks=("binary", "multiclass"),
        inputs="labels",
        needs="scores",
        formula=(
            "mean of [true class among the k highest scores]; binary (one score): k = 1 "
            "is accuracy, k >= 2 is 1"
        ),
        summary="Top-k accuracy.",
        use_when="Many classes where a short list of guesses is useful.",
        aliases=("top_k",),
        params=(TOP_K,),
        direction="higher",
        reference="sklearn.metrics.top_k_accuracy_score",
    ),
)
