"""The classification losses of the registry: binary, margin, multilabel and multiclass.

In the order ``losscli list`` shows them.
"""

from __future__ import annotations

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import CLASSIFICATION, Entry
from losscli.scoring.registry.params import (
    BASE,
    CLASS_WEIGHT,
    DECISION,
    EPS,
    FOCAL_ALPHA,
    FROM_LOGITS,
    GAMMA,
    IGNORE_INDEX,
    LABEL_SMOOTHING,
    NORMALIZE,
    OVERLAP_EPS,
    POS_LABEL,
    POS_WEIGHT,
    PROB,
    REDUCTION,
    SQUARED,
    TVERSKY_ALPHA,
    TVERSKY_BETA,
)

# Said by `explain` for the margin losses that take pos_label.
POS_LABEL_NOTE = (
    "--param pos_label=0 (or -1): the scores are for class 0, so the margin is m = −y·f(x) "
    "for this loss only; --pos-label VALUE instead encodes the targets for every figure "
    "of the report"
)
MULTILABEL_MARGIN_NOTE = (
    "multilabel (0/1 targets per label beside one score per label): the mean over the "
    "labels of a sample (Keras' reduction over the last axis)"
)
# Keras' conventions for targets that are not one-hot (categorical_hinge) or not
# distributions (kl_divergence), and how losscli's differ.
TARGET_ROWS_NOTE = (
    "targets: one-hot rows, class indices or class names, or rows of a distribution "
    "(summing to 1, tolerance 1e-6); any other row is an input error naming it, where "
    "Keras computes on whatever it is given"
)

# How the clipping differs from scikit-learn's log_loss (>= 1.5), and how to match it.
SKLEARN_CLIP_HINT = (
    "scikit-learn >= 1.5 clips at 2.2e-16: --param eps=2.220446049250313e-16 reproduces "
    "its log_loss"
)
SKLEARN_CLIP_NOTE = (
    "clipping: probabilities of exactly 0 or 1 are clipped at eps = 1e-15 (the default, "
    "as scikit-learn < 1.5 did); scikit-learn >= 1.5 clips at the float64 machine epsilon "
    "2.220446049250313e-16, so a confidently wrong prediction costs −log(2.2e-16) = 36.04 "
    "there against −log(1e-15) = 34.54 here. --param eps=2.220446049250313e-16 reproduces "
    "scikit-learn's log_loss; the report warns with the count of clipped probabilities"
)

CLASSIFICATION_LOSSES: tuple[Entry, ...] = (
    # ------------------------------------------------------------------ binary / multilabel
    Entry(
        name="binary_cross_entropy",
        kind="loss",
        func=L.binary_cross_entropy,
        tasks=("binary", "multilabel"),
        inputs="probabilities",
        needs="probabilities",
        formula=(
            "−[y·log p + (1 − y)·log(1 − p)], p clipped to [eps, 1 − eps]; "
            "from logits z: max(z, 0) − z·y + log(1 + e^(−|z|)); multilabel: mean over labels"
        ),
        summary=(
            "Binary cross-entropy (log loss): the negative log-likelihood of a Bernoulli model."
        ),
        use_when="Binary or multilabel classification with probability (sigmoid) outputs.",
        aliases=("bce", "log_loss", "binary_crossentropy"),
        params=(EPS, FROM_LOGITS, LABEL_SMOOTHING, BASE, POS_WEIGHT, REDUCTION),
        reference="sklearn.metrics.log_loss; torch.nn.BCELoss / BCEWithLogitsLoss",
        clipped=L.clipped_both,
        clip_bounds="[{eps}, 1 - {eps}]",
        clip_hint=SKLEARN_CLIP_HINT,
        notes=(SKLEARN_CLIP_NOTE,),
    ),
    Entry(
        name="focal",
        kind="loss",
        func=L.focal,
        tasks=("binary", "multilabel"),
        inputs="probabilities",
        needs="probabilities",
        formula="CE·(1 − p_t)^γ, p_t = p if y = 1 else 1 − p; with α: α_t·CE·(1 − p_t)^γ",
        summary="Binary focal loss: cross-entropy that down-weights easy, well-classified samples.",
        use_when="Heavy class imbalance (dense object detection).",
        aliases=("binary_focal", "sigmoid_focal"),
        params=(GAMMA, FOCAL_ALPHA, EPS, FROM_LOGITS),
        reference="torchvision.ops.sigmoid_focal_loss",
        clipped=L.clipped_both,
        clip_bounds="[{eps}, 1 - {eps}]",
        clip_hint="--param eps sets the bound",
    ),
    Entry(
        name="squared_hinge",
        kind="loss",
        func=L.squared_hinge,
        tasks=("binary", "multilabel"),
        inputs="scores",
        needs="scores",
        formula="max(0, 1 − m)², m = y·f(x)",
        summary="Squared hinge loss: smooth, punishes margin violations quadratically.",
        use_when="Linear SVMs (L2-SVM).",
        params=(POS_LABEL,),
        notes=(POS_LABEL_NOTE, MULTILABEL_MARGIN_NOTE),
        reference="keras.losses.SquaredHinge",
    ),
    Entry(
        name="hamming",
        kind="loss",
        func=L.hamming,
        tasks=("multilabel",),
        inputs="labels",
        needs="decisions",
        formula="share of labels whose decision (p > threshold) is wrong",
        summary="Hamming loss: the fraction of wrong labels.",
        use_when="Multilabel error rate that gives partial credit.",
        aliases=("hamming_loss",),
        params=DECISION,
        reference="sklearn.metrics.hamming_loss",
    ),
    Entry(
        name="hinge",
        kind="loss",
        func=L.hinge,
        tasks=("binary", "multilabel"),
        inputs="scores",
        needs="scores",
        formula="max(0, 1 − m), m = y·f(x), y ∈ {−1, +1}",
        summary="Hinge loss of support vector machines.",
        use_when="Binary classification with raw decision scores (SVM-style margins).",
        params=(POS_LABEL,),
        notes=(POS_LABEL_NOTE, MULTILABEL_MARGIN_NOTE),
        reference="sklearn.metrics.hinge_loss; keras.losses.Hinge (multilabel)",
    ),
    Entry(
        name="logistic",
        kind="loss",
        func=L.logistic,
        tasks=("binary",),
        inputs="scores",
        needs="scores",
        formula="log(1 + e^(−m)), m = y·f(x); base e (default), 2 or 10",
        summary="Logistic loss on margins (equals cross-entropy from logits).",
        use_when="Binary classification with raw scores; a smooth alternative to hinge.",
        params=(BASE, POS_LABEL),
        notes=(POS_LABEL_NOTE,),
    ),
    Entry(
        name="exponential",
        kind="loss",
        func=L.exponential,
        tasks=("binary",),
        inputs="scores",
        needs="scores",
        formula="e^(−m), m = y·f(x)",
        summary=(
            "Exponential loss of AdaBoost; overflows to inf below m ≈ −709 (reported as a warning)."
        ),
        use_when="Boosting analyses; very sensitive to badly misclassified points.",
        params=(POS_LABEL,),
        notes=(POS_LABEL_NOTE,),
    ),
    Entry(
        name="perceptron",
        kind="loss",
        func=L.perceptron,
        tasks=("binary",),
        inputs="scores",
        needs="scores",
        formula="max(0, −m), m = y·f(x)",
        summary="Perceptron criterion: zero for every correctly classified point.",
        use_when="Studying linear separability; not a good training objective alone.",
        params=(POS_LABEL,),
        notes=(POS_LABEL_NOTE,),
    ),
    Entry(
        name="zero_one",
        kind="loss",
        func=L.zero_one,
        tasks=CLASSIFICATION,
        inputs="labels",
        needs="decisions",
        formula="1 if the predicted class differs from the true class, else 0",
        summary="0-1 loss: the misclassification rate (1 − accuracy).",
        use_when="Reporting error rate; not differentiable, so not for training.",
        aliases=("01", "misclassification"),
        params=DECISION,
        reference="sklearn.metrics.zero_one_loss",
    ),
    # ------------------------------------------------------------------ multiclass
    Entry(
        name="categorical_cross_entropy",
        kind="loss",
        func=L.categorical_cross_entropy,
        tasks=("multiclass",),
        inputs="probabilities",
        needs="probabilities",
        formula=(
            "−Σ_c t_c·log p_c, p clipped to [eps, 1]; from logits: log p = z − logsumexp(z); "
            "label smoothing t' = (1 − s)·t + s/C"
        ),
        summary="Categorical cross-entropy: the negative log-likelihood of a categorical model.",
        use_when="Multiclass classification with softmax probabilities or logits.",
        aliases=("cce", "cross_entropy", "categorical_crossentropy", "nll"),
        params=(*PROB, CLASS_WEIGHT, IGNORE_INDEX),
        reference="sklearn.metrics.log_loss; torch.nn.CrossEntropyLoss",
        clipped=L.clipped_low,
        clip_bounds="[{eps}, 1]",
        clip_hint=SKLEARN_CLIP_HINT,
        notes=(
            SKLEARN_CLIP_NOTE,
            "ignore_index=k (PyTorch): rows of class k weigh 0 in this loss's mean (their "
            "per-sample loss is 0), with class weights Σ w_y·l / Σ w_y over the other rows; "
            "k is a class index 0..C−1 (PyTorch's default −100, a target outside the "
            "classes, is an input error here: give those rows weight 0 with --weights); "
            "the metrics still count every row",
        ),
    ),
    Entry(
        name="categorical_hinge",
        kind="loss",
        func=L.categorical_hinge,
        tasks=("multiclass", "multilabel"),
        inputs="scores",
        needs="scores",
        formula="max(0, max_c (1 − t_c)·ŷ_c − Σ_c t_c·ŷ_c + 1)",
        summary="Keras' categorical hinge loss.",
        use_when="Multiclass margin classifiers.",
        notes=(
            "Keras' formula on the targets as given, pos = Σ_c t_c·ŷ_c and neg = max_c "
            "(1 − t_c)·ŷ_c (the masked true class counts as 0 there, as in Keras): for a "
            "one-hot row, max(0, 1 + max(0, the highest other score) − the true class's "
            "score); for a distribution, pos is the target-weighted mean score and neg the "
            "highest (1 − t_c)-scaled score",
            "multiclass " + TARGET_ROWS_NOTE,
            "multi-hot 0/1 targets (several true classes, or none) are the multilabel task "
            "(inferred, or --task multilabel): Keras' formula again, pos summing the scores "
            "of every true label; a row without a true label gives max(0, 1 + max_c ŷ_c), "
            "as in Keras. Other rows (neither 0/1 nor a distribution) are an input error",
        ),
        reference="keras.losses.CategoricalHinge",
    ),
    Entry(
        name="multiclass_hinge",
        kind="loss",
        func=L.multiclass_hinge,
        tasks=("multiclass",),
        inputs="scores",
        needs="scores",
        formula="max(0, 1 − (ŷ_y − max_{c≠y} ŷ_c))",
        summary="Crammer–Singer multiclass hinge loss.",
        use_when="Multiclass SVM decision scores; matches scikit-learn's hinge_loss.",
        aliases=("crammer_singer",),
        params=(SQUARED,),
        notes=(
            "squared=true: max(0, 1 − (ŷ_y − max_{c≠y} ŷ_c))², torchmetrics' "
            "MulticlassHingeLoss(squared=True, multiclass_mode='crammer-singer'). PyTorch's "
            "MultiMarginLoss(p=2) is another loss (Weston–Watkins): Σ_{c≠y} max(0, 1 − ŷ_y "
            "+ ŷ_c)² / C, every violating class counted and divided by C; not this one",
        ),
        reference="sklearn.metrics.hinge_loss (multiclass); torchmetrics MulticlassHingeLoss",
    ),
    Entry(
        name="categorical_focal",
        kind="loss",
        func=L.categorical_focal,
        tasks=("multiclass",),
        inputs="probabilities",
        needs="probabilities",
        formula="−Σ_c α·t_c·(1 − p_c)^γ·log p_c",
        summary="Categorical focal loss.",
        use_when="Multiclass with heavy imbalance.",
        aliases=("focal_multiclass",),
        params=(GAMMA, FOCAL_ALPHA, EPS, FROM_LOGITS, LABEL_SMOOTHING),
        notes=(
            "Keras' defaults differ: alpha=0.25 (here none, i.e. 1) and probabilities "
            "clipped to [1e-7, 1 − 1e-7] after dividing each row by its sum: --param "
            "alpha=0.25 --param eps=1e-7 reproduces it for rows that sum to 1 (and "
            "probabilities up to 1 − 1e-7)",
            "label_smoothing=s: t' = (1 − s)·t + s/C before the loss (Keras), so every class "
            "enters it",
        ),
        reference="keras.losses.CategoricalFocalCrossentropy (alpha none = 1)",
        clipped=L.clipped_low,
        clip_bounds="[{eps}, 1]",
        clip_hint="--param eps sets the bound",
    ),
    Entry(
        name="kl_divergence",
        kind="loss",
        func=L.kl_divergence,
        tasks=("multiclass",),
        inputs="probabilities",
        needs="probabilities",
        formula="Σ_c t_c·log(t_c / p_c), with 0·log 0 = 0",
        summary="Kullback–Leibler divergence of the prediction from the target distribution.",
        use_when="Soft targets (distillation, label distributions).",
        aliases=("kld", "kl"),
        params=(EPS, FROM_LOGITS, BASE, NORMALIZE),
        notes=(
            TARGET_ROWS_NOTE + ". Keras' tests compute Σ t·log(t/p) on rows that are not "
            "distributions (summing to 1.42, say): that is no divergence (it can be "
            "negative), so losscli refuses such rows rather than give it; divide the rows by "
            "their sums to get the divergence of the distributions they are proportional to",
            "0·log 0 = 0: a class with zero target mass adds nothing; Keras clips the "
            "targets to [1e-7, 1] too, so there it adds 1e-7·log(1e-7 / p_c) (at most "
            "about 1.6e-6 a class)",
        ),
        reference="torch.nn.KLDivLoss(reduction='batchmean'); keras.losses.KLDivergence",
        clipped=L.clipped_low,
        clip_bounds="[{eps}, 1]",
        clip_hint="--param eps sets the bound",
    ),
    # ------------------------------------------------------------------ overlap (Keras 3)
    Entry(
        name="dice",
        kind="loss",
        func=L.dice,
        tasks=("multilabel", "regression"),
        inputs="probabilities",
        needs="probabilities",
        formula="1 − 2·Σ_c y_c·ŷ_c / (Σ_c y_c + Σ_c ŷ_c + eps), per sample over its outputs",
        summary="Dice loss: one minus the soft Dice coefficient (F1 of soft masks).",
        use_when="Segmentation masks (one row a mask, a column a pixel), imbalanced labels.",
        aliases=("dice_loss",),
        params=(OVERLAP_EPS,),
        notes=(
            "per sample over its outputs, then the mean over samples: Keras' "
            "Dice(axis=(1, ...)); Keras' default axis=None pools the whole batch into one "
            "ratio, not a mean of per-sample losses",
        ),
        reference="keras.losses.Dice (Keras 3)",
    ),
    Entry(
        name="tversky",
        kind="loss",
        func=L.tversky,
        tasks=("multilabel", "regression"),
        inputs="probabilities",
        needs="probabilities",
        formula=(
            "1 − TP / (TP + α·FP + β·FN + eps), TP = Σ y·ŷ, FP = Σ (1 − y)·ŷ, "
            "FN = Σ y·(1 − ŷ), per sample over its outputs"
        ),
        summary="Tversky loss: Dice with separate weights for false positives and negatives.",
        use_when="Segmentation where missed pixels (β) cost more than false alarms (α).",
        aliases=("tversky_loss",),
        params=(TVERSKY_ALPHA, TVERSKY_BETA, OVERLAP_EPS),
        notes=(
            "α = β = 0.5 is the Dice loss; per sample over its outputs, then the mean over "
            "samples: Keras' Tversky(axis=(1, ...)) (its default axis=None pools the batch)",
        ),
        reference="keras.losses.Tversky (Keras 3)",
    ),
)
