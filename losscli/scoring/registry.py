"""The registry of losses and metrics: data, one entry per name.

Each :class:`Entry` names one vectorised function in :mod:`losscli.scoring.losses` and
describes it (aliases, tasks, input kind, parameters with defaults, formula,
direction).  ``losscli list``, ``losscli explain`` and the help text are
generated from these entries; nothing else knows the list of losses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.scoring import losses as L

TASKS = ("regression", "binary", "multiclass", "multilabel")
CLASSIFICATION = ("binary", "multiclass", "multilabel")


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    doc: str
    kind: str = "float"  # float | bool | choice
    choices: tuple[str, ...] = ()
    low: float | None = None  # exclusive bounds unless *_inclusive
    high: float | None = None
    low_inclusive: bool = False
    high_inclusive: bool = False
    optional: bool = False  # may be "none" (the default then means: not used)

    def range_text(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "floats":
            return "comma-separated numbers >= 0, one per class, or none"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        lo = "" if self.low is None else f"{self.low} {'<=' if self.low_inclusive else '<'} "
        hi = "" if self.high is None else f" {'<=' if self.high_inclusive else '<'} {self.high}"
        text = f"{lo}{self.name}{hi}" if (lo or hi) else "any number"
        return text + (", or none" if self.optional else "")

    def parse(self, raw: Any) -> Any:
        """Convert a command-line string (or a Python value) and check its range."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise UsageError(f"parameter {self.name} must be true or false, got {raw!r}")
        if self.optional and (raw is None or str(raw).strip().lower() in ("none", "")):
            return None
        if self.kind == "floats":
            items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
            try:
                values = tuple(float(v) for v in items)
            except ValueError:
                raise UsageError(
                    f"parameter {self.name} must be comma-separated numbers, got {raw!r}"
                ) from None
            if not values or any(not math.isfinite(v) or v < 0 for v in values):
                raise UsageError(f"parameter {self.name} needs finite numbers >= 0, got {raw!r}")
            return values
        if self.kind == "choice":
            text = str(raw).strip()
            if text not in self.choices:
                raise UsageError(f"parameter {self.name} must be {self.range_text()}, got {raw!r}")
            return text
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise UsageError(f"parameter {self.name} must be a number, got {raw!r}") from None
        ok = math.isfinite(value)
        if ok and self.low is not None:
            ok = value >= self.low if self.low_inclusive else value > self.low
        if ok and self.high is not None:
            ok = value <= self.high if self.high_inclusive else value < self.high
        if not ok:
            raise UsageError(
                f"parameter {self.name}={raw} is out of range: needs {self.range_text()}"
            )
        return value


EPS = Param("eps", 1e-15, "probabilities are clipped to [eps, 1 - eps]", low=0.0, high=0.5)
FROM_LOGITS = Param(
    "from_logits", False, "predictions are raw scores/logits, not probabilities", kind="bool"
)
LABEL_SMOOTHING = Param(
    "label_smoothing",
    0.0,
    "targets are smoothed towards uniform: t' = (1 - s)·t + s/C",
    low=0.0,
    high=1.0,
    low_inclusive=True,
)
BASE = Param("base", "e", "logarithm base", kind="choice", choices=("e", "2", "10"))
THRESHOLD = Param(
    "threshold",
    0.5,
    "binary decision: positive when p > threshold (raw scores: when score > 0)",
    low=0.0,
    high=1.0,
    low_inclusive=True,
)
NORMALIZE = Param(
    "normalize", False, "rescale each probability row to sum to 1 before computing", kind="bool"
)


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # "loss" | "metric"
    func: Callable[..., np.ndarray]
    tasks: tuple[str, ...]
    inputs: str  # "values" | "probabilities" | "scores" | "labels" | "ranking"
    formula: str
    summary: str
    use_when: str
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    direction: str = "lower"  # which way is better: "lower" | "higher"
    finalize: Callable[[float], float] | None = None
    reference: str = ""
    domain: Callable[..., list[tuple[str, np.ndarray, str]]] | None = None
    state: str = "mean"  # metrics: mean | confusion | moments | max | samples

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "tasks": list(self.tasks),
            "inputs": self.inputs,
            "params": {p.name: p.default for p in self.params},
            "direction": self.direction,
            "formula": self.formula,
            "summary": self.summary,
        }


AVERAGE = Param(
    "average",
    "auto",
    "how per-class figures are combined: auto (binary for a binary task, macro otherwise), "
    "binary, macro, micro or weighted",
    kind="choice",
    choices=("auto", "binary", "macro", "micro", "weighted"),
)
TOP_K = Param(
    "k",
    2.0,
    "a sample counts as right when its class is among the k highest scores",
    low=1.0,
    low_inclusive=True,
)

DELTA = Param("delta", 1.0, "where the loss turns from quadratic to linear", low=0.0)
QUANTILE = Param("alpha", 0.5, "the quantile", low=0.0, high=1.0)
POWER = Param(
    "power", 0.0, "Tweedie power: 0 normal, 1 Poisson, 2 gamma, 3 inverse Gaussian; not in (0, 1)"
)
GAMMA = Param(
    "gamma",
    2.0,
    "focusing parameter: (1 − p_t)^γ down-weights easy samples",
    low=0.0,
    low_inclusive=True,
)
FOCAL_ALPHA = Param(
    "alpha",
    None,
    "class balance weight α for the positive class (none: off)",
    low=0.0,
    high=1.0,
    low_inclusive=True,
    high_inclusive=True,
    optional=True,
)
POS_WEIGHT = Param("pos_weight", 1.0, "weight of the positive term (PyTorch's pos_weight)", low=0.0)
REDUCTION = Param(
    "reduction",
    "mean",
    "multilabel: combine the labels of a sample by mean or sum",
    kind="choice",
    choices=("mean", "sum"),
)
POISSON_EPS = Param(
    "eps",
    1e-8,
    "added to ŷ inside the log (PyTorch's PoissonNLLLoss eps)",
    low=0.0,
    low_inclusive=True,
    high=0.5,
)

CLASS_WEIGHT = Param(
    "class_weight",
    None,
    "one weight per class, w_y multiplies the sample's weight: mean = Σ w_y·l / Σ w_y "
    "(PyTorch's CrossEntropyLoss(weight=...))",
    kind="floats",
    optional=True,
)

PROB = (EPS, FROM_LOGITS, LABEL_SMOOTHING, BASE, NORMALIZE)
DECISION = (THRESHOLD,)

_ENTRIES: tuple[Entry, ...] = (
    # ------------------------------------------------------------------ regression losses
    Entry(
        "mse",
        "loss",
        L.mse,
        ("regression",),
        "values",
        "mean over outputs k of (ŷₖ − yₖ)²",
        "Mean squared error: the maximum-likelihood loss under Gaussian noise.",
        "Regression with roughly Gaussian errors; punishes large errors heavily.",
        aliases=("mean_squared_error", "l2"),
        reference="sklearn.metrics.mean_squared_error",
    ),
    Entry(
        "sse",
        "loss",
        L.sse,
        ("regression",),
        "values",
        "½ · Σₖ (ŷₖ − yₖ)²",
        "Sum-of-squares error per sample (the ½ makes its gradient ŷ − y).",
        "When the textbook 'sum of squares error' is wanted, e.g. over a 10-output vector.",
        aliases=("sum_of_squares",),
    ),
    Entry(
        "mae",
        "loss",
        L.mae,
        ("regression",),
        "values",
        "mean over outputs k of |ŷₖ − yₖ|",
        "Mean absolute error: robust to outliers (Laplace likelihood).",
        "Regression with outliers you do not want to dominate.",
        aliases=("mean_absolute_error", "l1"),
        reference="sklearn.metrics.mean_absolute_error",
    ),
    Entry(
        "huber",
        "loss",
        L.huber,
        ("regression",),
        "values",
        "½e² if |e| ≤ δ else δ·(|e| − ½δ), e = ŷ − y; mean over outputs",
        "Huber loss: quadratic near zero, linear in the tails.",
        "Regression with some outliers; a compromise between mse and mae.",
        aliases=("smooth_l1",),
        params=(DELTA,),
        reference="torch.nn.HuberLoss; keras.losses.Huber",
    ),
    Entry(
        "log_cosh",
        "loss",
        L.log_cosh,
        ("regression",),
        "values",
        "log(cosh(e)) = |e| + softplus(−2|e|) − log 2 (stable form)",
        "Log-cosh loss: like mse for small errors, like mae for large ones; smooth.",
        "Regression where Huber's kink is unwanted.",
        aliases=("logcosh",),
        reference="keras.losses.LogCosh",
    ),
    Entry(
        "mape",
        "loss",
        L.mape,
        ("regression",),
        "values",
        "|ŷ − y| / max(|y|, machine ε) (a fraction, not a percentage)",
        "Mean absolute percentage error, as a fraction.",
        "Errors relative to the size of the target; beware targets near zero.",
        aliases=("mean_absolute_percentage_error",),
        reference="sklearn.metrics.mean_absolute_percentage_error",
    ),
    Entry(
        "msle",
        "loss",
        L.msle,
        ("regression",),
        "values",
        "(log(1 + ŷ) − log(1 + y))²; values ≤ −1 are an input error",
        "Mean squared logarithmic error: relative errors of positive, skewed targets.",
        "Counts, prices and other targets spanning orders of magnitude.",
        aliases=("mean_squared_log_error",),
        domain=L.domain_msle,
        reference="sklearn.metrics.mean_squared_log_error",
    ),
    Entry(
        "poisson",
        "loss",
        L.poisson,
        ("regression",),
        "values",
        "ŷ − y·log(ŷ + eps) (Keras / PyTorch form, without the constant log y!)",
        "Poisson negative log-likelihood (up to a constant): ŷ is the predicted rate.",
        "Count targets; ŷ must be non-negative.",
        params=(POISSON_EPS,),
        domain=L.domain_poisson,
        reference="torch.nn.PoissonNLLLoss(log_input=False); keras.losses.Poisson",
    ),
    Entry(
        "pinball",
        "loss",
        L.pinball,
        ("regression",),
        "values",
        "max(α·(y − ŷ), (α − 1)·(y − ŷ))",
        "Pinball (quantile) loss for the α-quantile.",
        "Quantile regression, prediction intervals.",
        aliases=("quantile",),
        params=(QUANTILE,),
        reference="sklearn.metrics.mean_pinball_loss",
    ),
    Entry(
        "poisson_deviance",
        "loss",
        L.poisson_deviance,
        ("regression",),
        "values",
        "2·(y·log(y/ŷ) − y + ŷ)",
        "Poisson deviance (scikit-learn): y ≥ 0, ŷ > 0.",
        "Count targets; compare with scikit-learn's mean_poisson_deviance.",
        domain=L.domain_poisson_deviance,
        reference="sklearn.metrics.mean_poisson_deviance",
    ),
    Entry(
        "gamma_deviance",
        "loss",
        L.gamma_deviance,
        ("regression",),
        "values",
        "2·(log(ŷ/y) + y/ŷ − 1)",
        "Gamma deviance (scikit-learn): y > 0, ŷ > 0; scale-invariant.",
        "Positive skewed targets where relative error matters.",
        domain=L.domain_gamma_deviance,
        reference="sklearn.metrics.mean_gamma_deviance",
    ),
    Entry(
        "tweedie_deviance",
        "loss",
        L.tweedie_deviance,
        ("regression",),
        "values",
        "unit Tweedie deviance with power p (0 normal, 1 Poisson, 2 gamma)",
        "Tweedie deviance (scikit-learn).",
        "Insurance-style targets: many zeros and a skewed positive part (1 < p < 2).",
        params=(POWER,),
        domain=L.domain_tweedie,
        reference="sklearn.metrics.mean_tweedie_deviance",
    ),
    # ------------------------------------------------------------------ binary / multilabel
    Entry(
        "binary_cross_entropy",
        "loss",
        L.binary_cross_entropy,
        ("binary", "multilabel"),
        "probabilities",
        "−[y·log p + (1 − y)·log(1 − p)], p clipped to [eps, 1 − eps]; "
        "from logits z: max(z, 0) − z·y + log(1 + e^(−|z|)); multilabel: mean over labels",
        "Binary cross-entropy (log loss): the negative log-likelihood of a Bernoulli model.",
        "Binary or multilabel classification with probability (sigmoid) outputs.",
        aliases=("bce", "log_loss", "binary_crossentropy"),
        params=(EPS, FROM_LOGITS, LABEL_SMOOTHING, BASE, POS_WEIGHT, REDUCTION),
        reference="sklearn.metrics.log_loss; torch.nn.BCELoss / BCEWithLogitsLoss",
    ),
    Entry(
        "focal",
        "loss",
        L.focal,
        ("binary", "multilabel"),
        "probabilities",
        "CE·(1 − p_t)^γ, p_t = p if y = 1 else 1 − p; with α: α_t·CE·(1 − p_t)^γ",
        "Binary focal loss: cross-entropy that down-weights easy, well-classified samples.",
        "Heavy class imbalance (dense object detection).",
        aliases=("binary_focal", "sigmoid_focal"),
        params=(GAMMA, FOCAL_ALPHA, EPS, FROM_LOGITS),
        reference="torchvision.ops.sigmoid_focal_loss",
    ),
    Entry(
        "squared_hinge",
        "loss",
        L.squared_hinge,
        ("binary",),
        "scores",
        "max(0, 1 − m)², m = y·f(x)",
        "Squared hinge loss: smooth, punishes margin violations quadratically.",
        "Linear SVMs (L2-SVM).",
        reference="keras.losses.SquaredHinge",
    ),
    Entry(
        "hamming",
        "loss",
        L.hamming,
        ("multilabel",),
        "labels",
        "share of labels whose decision (p > threshold) is wrong",
        "Hamming loss: the fraction of wrong labels.",
        "Multilabel error rate that gives partial credit.",
        aliases=("hamming_loss",),
        params=DECISION,
        reference="sklearn.metrics.hamming_loss",
    ),
    Entry(
        "hinge",
        "loss",
        L.hinge,
        ("binary",),
        "scores",
        "max(0, 1 − m), m = y·f(x), y ∈ {−1, +1}",
        "Hinge loss of support vector machines.",
        "Binary classification with raw decision scores (SVM-style margins).",
        reference="sklearn.metrics.hinge_loss",
    ),
    Entry(
        "logistic",
        "loss",
        L.logistic,
        ("binary",),
        "scores",
        "log(1 + e^(−m)), m = y·f(x); base e (default), 2 or 10",
        "Logistic loss on margins (equals cross-entropy from logits).",
        "Binary classification with raw scores; a smooth alternative to hinge.",
        params=(BASE,),
    ),
    Entry(
        "exponential",
        "loss",
        L.exponential,
        ("binary",),
        "scores",
        "e^(−m), m = y·f(x)",
        "Exponential loss of AdaBoost; overflows to inf below m ≈ −709 (reported as a warning).",
        "Boosting analyses; very sensitive to badly misclassified points.",
    ),
    Entry(
        "perceptron",
        "loss",
        L.perceptron,
        ("binary",),
        "scores",
        "max(0, −m), m = y·f(x)",
        "Perceptron criterion: zero for every correctly classified point.",
        "Studying linear separability; not a good training objective alone.",
    ),
    Entry(
        "zero_one",
        "loss",
        L.zero_one,
        CLASSIFICATION,
        "labels",
        "1 if the predicted class differs from the true class, else 0",
        "0-1 loss: the misclassification rate (1 − accuracy).",
        "Reporting error rate; not differentiable, so not for training.",
        aliases=("01", "misclassification"),
        params=DECISION,
        reference="sklearn.metrics.zero_one_loss",
    ),
    # ------------------------------------------------------------------ multiclass
    Entry(
        "categorical_cross_entropy",
        "loss",
        L.categorical_cross_entropy,
        ("multiclass",),
        "probabilities",
        "−Σ_c t_c·log p_c, p clipped to [eps, 1]; from logits: log p = z − logsumexp(z); "
        "label smoothing t' = (1 − s)·t + s/C",
        "Categorical cross-entropy: the negative log-likelihood of a categorical model.",
        "Multiclass classification with softmax probabilities or logits.",
        aliases=("cce", "cross_entropy", "categorical_crossentropy", "nll"),
        params=(*PROB, CLASS_WEIGHT),
        reference="sklearn.metrics.log_loss; torch.nn.CrossEntropyLoss",
    ),
    Entry(
        "categorical_hinge",
        "loss",
        L.categorical_hinge,
        ("multiclass",),
        "scores",
        "max(0, max_c (1 − t_c)·ŷ_c − Σ_c t_c·ŷ_c + 1)",
        "Keras' categorical hinge loss.",
        "Multiclass margin classifiers.",
        reference="keras.losses.CategoricalHinge",
    ),
    Entry(
        "multiclass_hinge",
        "loss",
        L.multiclass_hinge,
        ("multiclass",),
        "scores",
        "max(0, 1 − (ŷ_y − max_{c≠y} ŷ_c))",
        "Crammer–Singer multiclass hinge loss.",
        "Multiclass SVM decision scores; matches scikit-learn's hinge_loss.",
        aliases=("crammer_singer",),
        reference="sklearn.metrics.hinge_loss (multiclass)",
    ),
    Entry(
        "categorical_focal",
        "loss",
        L.categorical_focal,
        ("multiclass",),
        "probabilities",
        "−Σ_c α·t_c·(1 − p_c)^γ·log p_c",
        "Categorical focal loss.",
        "Multiclass with heavy imbalance.",
        aliases=("focal_multiclass",),
        params=(GAMMA, FOCAL_ALPHA, EPS, FROM_LOGITS),
        reference="keras.losses.CategoricalFocalCrossentropy (alpha none = 1)",
    ),
    Entry(
        "kl_divergence",
        "loss",
        L.kl_divergence,
        ("multiclass",),
        "probabilities",
        "Σ_c t_c·log(t_c / p_c), with 0·log 0 = 0",
        "Kullback–Leibler divergence of the prediction from the target distribution.",
        "Soft targets (distillation, label distributions).",
        aliases=("kld", "kl"),
        params=(EPS, FROM_LOGITS, BASE, NORMALIZE),
        reference="torch.nn.KLDivLoss(reduction='batchmean')",
    ),
    # ------------------------------------------------------------------ metrics
    Entry(
        "accuracy",
        "metric",
        L.correct,
        CLASSIFICATION,
        "labels",
        "mean of [predicted class = true class] (multilabel: all labels right)",
        "Fraction of samples classified correctly.",
        "The usual reporting metric for classification.",
        aliases=("acc",),
        params=DECISION,
        direction="higher",
        reference="sklearn.metrics.accuracy_score",
    ),
    Entry(
        "rmse",
        "metric",
        L.squared_error,
        ("regression",),
        "values",
        "√(mean of (ŷ − y)²)",
        "Root mean squared error, in the units of the target.",
        "The usual reporting metric for regression.",
        aliases=("root_mean_squared_error",),
        finalize=math.sqrt,
        reference="sklearn.metrics.root_mean_squared_error",
    ),
    Entry(
        "mae",
        "metric",
        L.mae,
        ("regression",),
        "values",
        "mean of |ŷ − y|",
        "Mean absolute error, in the units of the target.",
        "Reporting typical error size robustly.",
        aliases=("mean_absolute_error",),
        reference="sklearn.metrics.mean_absolute_error",
    ),
    Entry(
        "r2",
        "metric",
        L.mse,
        ("regression",),
        "values",
        "1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)², averaged over outputs",
        "Coefficient of determination: the share of the target's variance explained.",
        "Comparing regressors across targets of different scale.",
        aliases=("r2_score", "r_squared"),
        direction="higher",
        state="moments",
        reference="sklearn.metrics.r2_score (force_finite: a constant target gives 1 or 0)",
    ),
    Entry(
        "explained_variance",
        "metric",
        L.mse,
        ("regression",),
        "values",
        "1 − Var(y − ŷ) / Var(y), averaged over outputs",
        "Explained variance: like r2, but blind to a constant bias.",
        "Checking how much variance is captured when bias is corrected separately.",
        aliases=("explained_variance_score",),
        direction="higher",
        state="moments",
        reference="sklearn.metrics.explained_variance_score",
    ),
    Entry(
        "max_error",
        "metric",
        L.mae,
        ("regression",),
        "values",
        "max |y − ŷ| (over outputs and samples)",
        "The worst absolute error.",
        "Guarantees on the worst case.",
        state="max",
        reference="sklearn.metrics.max_error",
    ),
    Entry(
        "median_absolute_error",
        "metric",
        L.mae,
        ("regression",),
        "values",
        "median of |y − ŷ| (weighted median with weights), averaged over outputs",
        "Median absolute error: very robust to outliers. Keeps 8 bytes per sample.",
        "Typical error when a few samples are wildly off.",
        aliases=("medae",),
        state="samples",
        reference="sklearn.metrics.median_absolute_error",
    ),
    Entry(
        "precision",
        "metric",
        L.correct,
        CLASSIFICATION,
        "labels",
        "TP / (TP + FP) (0 when undefined); averaged per --param average",
        "Precision: of the predicted positives, the share that are right.",
        "When false positives are costly.",
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.precision_score (zero_division=0)",
    ),
    Entry(
        "recall",
        "metric",
        L.correct,
        CLASSIFICATION,
        "labels",
        "TP / (TP + FN) (0 when undefined); averaged per --param average",
        "Recall (sensitivity): of the true positives, the share found.",
        "When missing a positive is costly.",
        aliases=("sensitivity", "tpr"),
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.recall_score (zero_division=0)",
    ),
    Entry(
        "f1",
        "metric",
        L.correct,
        CLASSIFICATION,
        "labels",
        "2·TP / (2·TP + FP + FN); averaged per --param average",
        "F1 score: the harmonic mean of precision and recall.",
        "Imbalanced classes, one number balancing precision and recall.",
        aliases=("f1_score", "f_score"),
        params=(THRESHOLD, AVERAGE),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.f1_score (zero_division=0)",
    ),
    Entry(
        "balanced_accuracy",
        "metric",
        L.correct,
        ("binary", "multiclass"),
        "labels",
        "mean over classes present in the targets of the recall",
        "Balanced accuracy: accuracy that each class counts for equally.",
        "Imbalanced classes.",
        params=(THRESHOLD,),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.balanced_accuracy_score",
    ),
    Entry(
        "mcc",
        "metric",
        L.correct,
        ("binary", "multiclass"),
        "labels",
        "(c·s − Σ t_k·p_k) / √((s² − Σ p_k²)(s² − Σ t_k²)) from the confusion matrix",
        "Matthews correlation coefficient, in [−1, 1].",
        "Imbalanced classes; a single balanced summary of the confusion matrix.",
        aliases=("matthews_corrcoef",),
        params=(THRESHOLD,),
        direction="higher",
        state="confusion",
        reference="sklearn.metrics.matthews_corrcoef",
    ),
    Entry(
        "brier",
        "metric",
        L.brier,
        ("binary", "multiclass"),
        "probabilities",
        "binary: (p − y)²; multiclass: Σ_c (p_c − t_c)² (halved when C = 2)",
        "Brier score: the mean squared error of the probabilities.",
        "Judging calibration as well as discrimination.",
        aliases=("brier_score", "brier_score_loss"),
        reference="sklearn.metrics.brier_score_loss (scale_by_half='auto')",
    ),
    Entry(
        "roc_auc",
        "metric",
        L.mse,
        CLASSIFICATION,
        "ranking",
        "area under the ROC curve, exact with ties; multiclass/multilabel: one-vs-rest, "
        "macro average",
        "ROC AUC: the probability that a random positive outranks a random negative. "
        "Keeps 8 bytes per value (score, label, weight).",
        "Ranking quality independent of the threshold.",
        aliases=("auc", "roc_auc_score"),
        direction="higher",
        state="samples",
        reference="sklearn.metrics.roc_auc_score (multi_class='ovr', average='macro')",
    ),
    Entry(
        "top_k_accuracy",
        "metric",
        L.top_k_correct,
        ("multiclass",),
        "labels",
        "mean of [true class among the k highest scores]",
        "Top-k accuracy.",
        "Many classes where a short list of guesses is useful.",
        aliases=("top_k",),
        params=(TOP_K,),
        direction="higher",
        reference="sklearn.metrics.top_k_accuracy_score",
    ),
)

LOSSES: dict[str, Entry] = {e.name: e for e in _ENTRIES if e.kind == "loss"}
METRICS: dict[str, Entry] = {e.name: e for e in _ENTRIES if e.kind == "metric"}

DEFAULT_LOSS = {
    "regression": "mse",
    "binary": "binary_cross_entropy",
    "multiclass": "categorical_cross_entropy",
    "multilabel": "binary_cross_entropy",
}
DEFAULT_METRICS = {
    "regression": ("rmse",),
    "binary": ("accuracy",),
    "multiclass": ("accuracy",),
    "multilabel": ("accuracy",),
}


# Conventions stated by `losscli explain`, by input kind (data, like the entries).
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "probabilities": (
        "probabilities are clipped to [eps, 1 − eps] (eps = 1e-15) before the log; "
        "computed in float64 (float32 input is upcast: in float32 1 − 1e-15 rounds to 1)",
        "values outside [0, 1] are an input error naming row and column, unless --from-logits",
        "multiclass rows that do not sum to 1 (scikit-learn's tolerance, rtol √ε_float64 + "
        "1e-8) are computed as given with a warning; --param normalize=true rescales them "
        "(Keras); --strict makes it an error",
        "--from-logits: log-softmax / log-sigmoid through log-sum-exp, stable for logits "
        "of ±1000 and beyond",
    ),
    "scores": (
        "labels in {0, 1} or {−1, +1}; scores are raw decision values, m = y·f(x) with y "
        "mapped to ±1",
        "a margin of exactly 0 is a violation: hinge = 1, perceptron = 0, logistic = log 2",
    ),
    "labels": (
        "binary decision: positive when p > threshold (strict, as Keras and torchmetrics; "
        "with raw scores, when score > 0)",
        "multiclass decision: argmax, ties go to the lowest class index",
    ),
    "ranking": ("only the order of the scores matters; ties are counted exactly (half)",),
    "values": ("multi-output: per sample the mean over outputs (scikit-learn's uniform_average)",),
}
GENERAL = (
    "weights (--weights): Σ w·l / Σ w, scikit-learn's sample_weight (not Keras' division "
    "by N); finite, non-negative, not all zero",
    "a loss's 'sum' in reports is Σ w·l; its 'mean' is Σ w·l / Σ w",
)


def entries() -> tuple[Entry, ...]:
    return _ENTRIES


def _index(table: dict[str, Entry]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for e in table.values():
        for key in (e.name, *e.aliases):
            out[key] = e
    return out


_LOSS_INDEX = _index(LOSSES)
_METRIC_INDEX = _index(METRICS)


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def get_loss(name: str) -> Entry:
    entry = _LOSS_INDEX.get(_norm(name))
    if entry is None:
        raise UsageError(
            f"unknown loss {name!r}", hint="see `losscli list` for the available losses"
        )
    return entry


def get_metric(name: str) -> Entry:
    entry = _METRIC_INDEX.get(_norm(name))
    if entry is None:
        raise UsageError(
            f"unknown metric {name!r}", hint="see `losscli list` for the available metrics"
        )
    return entry


def lookup(name: str) -> list[Entry]:
    """Every entry (loss and/or metric) known by ``name``; for ``explain``."""
    key = _norm(name)
    found = [idx[key] for idx in (_LOSS_INDEX, _METRIC_INDEX) if key in idx]
    if not found:
        raise UsageError(f"unknown loss or metric {name!r}", hint="see `losscli list`")
    return found
