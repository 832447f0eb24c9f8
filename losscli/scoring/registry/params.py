"""Parameters of losses and metrics: :class:`Param` (range, parsing) and the shared definitions.

A :class:`Param` is one ``--param name=value`` a registry entry accepts, with its
default and allowed range; the constants below are the parameters the entries share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from losscli.errors import UsageError, did_you_mean


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    doc: str
    kind: str = "float"  # float | bool | choice | floats | ints
    choices: tuple[str, ...] = ()
    low: float | None = None  # exclusive bounds unless *_inclusive
    high: float | None = None
    low_inclusive: bool = False
    high_inclusive: bool = False
    optional: bool = False  # may be "none" (the default then means: not used)
    integer: bool = False  # a whole number (float kind): kept and shown as an int
    required: bool = False  # no default: the entry cannot be computed without it

    def __post_init__(self) -> None:
        # an integer parameter's default is an int whatever it was written as, so that
        # `list`, `explain`, JSON and the report signature show 15, not 15.0
        if self.integer and isinstance(self.default, float) and self.default.is_integer():
            object.__setattr__(self, "default", int(self.default))

    def show(self, value: Any) -> str:
        """A value as `list`, `explain` and the report signature print it."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None:
            return "required" if self.required else "none"
        if self.integer and isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def range_text(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "floats":
            return "comma-separated numbers >= 0, one per class, or none"
        if self.kind == "ints":
            return "comma-separated 0-based class indices, or none"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        lo_op = "<=" if self.low_inclusive else "<"
        hi_op = "<=" if self.high_inclusive else "<"
        lo = "" if self.low is None else f"{_num(self.low)} {lo_op} "
        hi = "" if self.high is None else f" {hi_op} {_num(self.high)}"
        text = f"{lo}{self.name}{hi}" if (lo or hi) else "any number"
        if self.integer:
            text = "an integer " + text
        return text + (", or none" if self.optional and not self.required else "")

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
        if self.kind == "ints":
            items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
            try:
                ints = tuple(int(str(v).strip()) for v in items)
            except ValueError:
                raise UsageError(
                    f"parameter {self.name} must be comma-separated class indices (0-based), "
                    f"got {raw!r}"
                ) from None
            if not ints or min(ints) < 0 or len(set(ints)) != len(ints):
                raise UsageError(
                    f"parameter {self.name} needs distinct class indices >= 0, got {raw!r}"
                )
            return ints
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
                raise UsageError(
                    f"parameter {self.name} must be {self.range_text()}, got {raw!r}",
                    hint=did_you_mean(text, self.choices),
                )
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
        if ok and self.integer:
            ok = value.is_integer()
        if not ok:
            raise UsageError(
                f"parameter {self.name}={raw} is out of range: needs {self.range_text()}"
            )
        return int(value) if self.integer else value


def _num(x: float) -> str:
    """A bound as written: 1, not 1.0; 1e6 as 1000000."""
    return str(int(x)) if float(x).is_integer() else str(x)


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

AVERAGE = Param(
    "average",
    "auto",
    "how per-class figures are combined: auto (binary for a binary task, macro otherwise), "
    "binary, macro, micro, weighted (by support) or samples (multilabel: per sample over "
    "its labels, then the weighted mean over samples)",
    kind="choice",
    choices=("auto", "binary", "macro", "micro", "weighted", "samples"),
)
# --- classification metrics (issue 17): scikit-learn's parameters, its spellings
ZERO_DIVISION = Param(
    "zero_division",
    "warn",
    "an undefined ratio (a zero denominator): warn (0, with a warning), 0, 1 or nan (left "
    "out of the average)",
    kind="choice",
    choices=("warn", "0", "1", "nan"),
)
LABELS = Param(
    "labels",
    None,
    "the classes (0-based indices, the prediction columns' order) that enter a macro, "
    "micro, weighted or samples average, present or not; none: every class that occurs",
    kind="ints",
    optional=True,
)
BETA = Param(
    "beta",
    1.0,
    "weight of recall against precision: F_β = (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP)",
    low=0.0,
    low_inclusive=True,
)
KAPPA_WEIGHTS = Param(
    "weights",
    "none",
    "disagreement weights (not sample weights): none, linear |i − j| or quadratic (i − j)², "
    "i and j ranks among the classes that occur",
    kind="choice",
    choices=("none", "linear", "quadratic"),
)
ADJUSTED = Param(
    "adjusted",
    False,
    "rescale so that chance scores 0 and perfect 1: (score − 1/C) / (1 − 1/C)",
    kind="bool",
)
ROC_AVERAGE = Param(
    "average",
    "macro",
    "one-vs-rest average over classes or labels: macro, weighted (by the weighted count of "
    "positives), micro (every cell one sample) or samples (multilabel: per sample over its "
    "labels); auto and binary mean macro; a binary task has one AUC",
    kind="choice",
    choices=("auto", "binary", "macro", "micro", "weighted", "samples"),
)
MULTI_CLASS = Param(
    "multi_class",
    "ovr",
    "multiclass: ovr (each class against the rest) or ovo (Hand & Till: every pair of classes)",
    kind="choice",
    choices=("ovr", "ovo"),
)
MAX_FPR = Param(
    "max_fpr",
    None,
    "partial AUC up to this false positive rate, McClish-standardised (0.5 random, 1 "
    "perfect); none: the whole curve",
    low=0.0,
    high=1.0,
    high_inclusive=True,
    optional=True,
)
SETWISE = (THRESHOLD, AVERAGE, ZERO_DIVISION, LABELS)
TOP_K = Param(
    "k",
    2,
    "a sample counts as right when its class is among the k highest scores",
    low=1.0,
    low_inclusive=True,
    integer=True,
)

N_BINS = Param(
    "n_bins",
    15,
    "number of calibration bins",
    low=1.0,
    high=1e6,
    low_inclusive=True,
    high_inclusive=True,
    integer=True,
)
STRATEGY = Param(
    "strategy",
    "uniform",
    "calibration bins: uniform (equal widths over [0, 1]) or quantile (equal counts)",
    kind="choice",
    choices=("uniform", "quantile"),
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

# ---- helper "losses" (issue 17): regression metrics, losses' new parameters
FORCE_FINITE = Param(
    "force_finite",
    True,
    "constant targets: 1.0 for exact predictions, else 0.0 (scikit-learn's default); "
    "false: the plain formula, NaN or -inf",
    kind="bool",
)
N_FEATURES = Param(
    "n_features",
    None,
    "the number of features (regressors) p of the model: 1 − (1 − R²)·(n − 1)/(n − p − 1)",
    low=0.0,
    low_inclusive=True,
    integer=True,
    optional=True,
    required=True,
)
POS_LABEL = Param(
    "pos_label",
    "1",
    "the class the scores (probabilities) are for: 1 (class 1, +1 or the --pos-label "
    "value) or 0 / -1 (the other class: the targets are flipped for this figure only)",
    kind="choice",
    choices=("1", "+1", "0", "-1"),
)
SCALE_BY_HALF = Param(
    "scale_by_half",
    "auto",
    "halve Σ_c (p_c − t_c)²: auto for two classes (binary), true, or false (scikit-learn)",
    kind="choice",
    choices=("auto", "true", "false"),
)
IGNORE_INDEX = Param(
    "ignore_index",
    None,
    "rows whose class index is this one leave the loss's mean (PyTorch's ignore_index)",
    low=0.0,
    low_inclusive=True,
    integer=True,
    optional=True,
)
SQUARED = Param("squared", False, "square the hinge (torchmetrics' squared=True)", kind="bool")
TVERSKY_ALPHA = Param(
    "alpha", 0.5, "weight of the false positives Σ (1 − y)·ŷ", low=0.0, low_inclusive=True
)
TVERSKY_BETA = Param(
    "beta", 0.5, "weight of the false negatives Σ y·(1 − ŷ)", low=0.0, low_inclusive=True
)
OVERLAP_EPS = Param(
    "eps",
    1e-7,
    "added to the denominator (Keras' backend.epsilon())",
    low=0.0,
    low_inclusive=True,
)
