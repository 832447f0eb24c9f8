"""The peer suite for the classification metrics: every case of scikit-learn's own tests
(``sklearn/metrics/tests/test_classification.py`` and ``test_ranking.py``, as installed)
and of torchmetrics' docstring examples (``src/torchmetrics/functional/classification/``)
that has literal inputs and a literal expected value for a figure losscli has, run through
``losscli.evaluate`` on in-memory arrays.

Each row names its source (file and test, or the torchmetrics module and function), the
conversion where the peer reduces differently, and its tolerance (the peer's printed
digits: torchmetrics prints 4 decimals, so 5e-5; scikit-learn's ``assert_almost_equal``
default is 7 decimals).  Rows losscli does not support are in ``UNSUPPORTED``, each with a
one-line reason; the test asserts that list is exactly those.  Left out: ``average=None``
(per-class arrays: ``--per-class``), and expectations computed by another call of the peer
rather than written as numbers (the composed ones are worked out by hand here, marked
"by hand").
"""

# ruff: noqa: E501  (a table: one row a line)
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import losscli

SK_C = "sklearn/metrics/tests/test_classification.py"
SK_R = "sklearn/metrics/tests/test_ranking.py"
TM = "torchmetrics src/torchmetrics/functional/classification/"
SK_TOL = 1.5e-7  # assert_almost_equal's default: 7 decimals
TM_TOL = 5e-5  # torchmetrics' docstrings print 4 decimals
LOSSES = {"zero_one", "hamming"}


@dataclass(frozen=True)
class Row:
    id: str
    source: str
    figure: str  # a losscli metric, or a loss (its mean)
    task: str
    y: Any
    p: Any  # predictions as losscli reads them (decisions as 0/1 or one-hot)
    expected: float
    tol: float = SK_TOL
    params: dict[str, Any] = field(default_factory=dict)
    weights: Any = None
    conversion: str = ""


ROWS: list[Row] = []


def _index(y: Any, q: Any, classes: Any = None) -> tuple[np.ndarray, np.ndarray, int]:
    labels = sorted(set(y) | set(q)) if classes is None else list(classes)
    pos = {c: i for i, c in enumerate(labels)}
    return np.array([pos[v] for v in y]), np.array([pos[v] for v in q]), len(labels)


def add(
    id: str, source: str, figure: str, task: str, y: Any, q: Any, expected: float, **kw: Any
) -> None:  # noqa: A002
    """A row of decisions ``q`` against targets ``y`` as the peer takes them: binary 0/1
    (``-1`` read as 0), multiclass labels (mapped to 0-based indices in sorted order, or
    ``classes``) given to losscli as one-hot predictions, multilabel indicator rows."""
    classes = kw.pop("classes", None)
    if task == "binary":
        yy = (np.asarray(y) == 1).astype(int)
        pp = (np.asarray(q) == 1).astype(float)
    elif task == "multiclass":
        yy, qq, c = _index(list(y), list(q), classes)
        pp = np.eye(c)[qq]
    else:
        yy, pp = np.asarray(y, dtype=int), np.asarray(q, dtype=float)
    ROWS.append(Row(id, source, figure, task, yy, pp, expected, **kw))


def add_scores(
    id: str, source: str, figure: str, task: str, y: Any, s: Any, expected: float, **kw: Any
) -> None:  # noqa: A002
    """A row of scores (probabilities, or raw scores) as the peer takes them."""
    ROWS.append(Row(id, source, figure, task, np.asarray(y), np.asarray(s, float), expected, **kw))


# ============================================================== scikit-learn: test_classification

Y1 = [[0, 1, 1], [1, 0, 1]]
Y2 = [[0, 0, 1], [1, 0, 1]]
NOT = lambda a: (1 - np.asarray(a)).tolist()  # noqa: E731
ZEROS = [[0, 0, 0], [0, 0, 0]]
for i, (a, b, acc) in enumerate(
    [
        (Y1, Y2, 0.5),
        (Y1, Y1, 1),
        (Y2, Y2, 1),
        (Y2, NOT(Y2), 0),
        (Y1, NOT(Y1), 0),
        (Y1, ZEROS, 0),
        (Y2, ZEROS, 0),
    ]
):
    src = f"{SK_C}::test_multilabel_accuracy_score_subset_accuracy"
    add(f"sk-subset-accuracy-{i}", src, "accuracy", "multilabel", a, b, acc)
    src = f"{SK_C}::test_multilabel_zero_one_loss_subset"
    add(f"sk-zero-one-subset-{i}", src, "zero_one", "multilabel", a, b, 1 - acc)

src = f"{SK_C}::test_multilabel_hamming_loss"
for i, (a, b, v, w) in enumerate(
    [
        (Y1, Y2, 1 / 6, None),
        (Y1, Y1, 0, None),
        (Y2, Y2, 0, None),
        (Y2, NOT(Y2), 1, None),
        (Y1, NOT(Y1), 1, None),
        (Y1, ZEROS, 4 / 6, None),
        (Y2, ZEROS, 0.5, None),
        (Y1, Y2, 1 / 12, [1, 3]),
        (Y1, NOT(Y2), 11 / 12, [1, 3]),
        (Y1, ZEROS, 2 / 3, [1, 3]),
    ]
):
    add(f"sk-hamming-{i}", src, "hamming", "multilabel", a, b, v, weights=w)

src = f"{SK_C}::test_precision_recall_f_binary_single_class"
for name, params in [("precision", {}), ("recall", {}), ("f1", {}), ("fbeta", {"beta": 0})]:
    add(f"sk-single-class-pos-{name}", src, name, "binary", [1, 1], [1, 1], 1.0, params=params)
for name in ("precision", "recall", "f1"):
    add(f"sk-single-class-neg-{name}", src, name, "binary", [-1, -1], [-1, -1], 0.0)
add(
    "sk-single-class-neg-fbeta-inf",
    src,
    "recall",
    "binary",
    [-1, -1],
    [-1, -1],
    0.0,
    conversion="fbeta_score(beta=inf) is the recall: -m recall",
)
add(
    "sk-single-class-neg-fbeta-1e5",
    src,
    "fbeta",
    "binary",
    [-1, -1],
    [-1, -1],
    0.0,
    params={"beta": 1e5},
)

src = f"{SK_C}::test_precision_recall_f_extra_labels (micro/weighted/samples by hand)"
YT, YP = [1, 3, 3, 2], [1, 1, 3, 2]
BIN5 = lambda v: np.eye(5, dtype=int)[v].tolist()  # noqa: E731
for kind, (a, b) in {"mc": (YT, YP), "ml": (BIN5(YT), BIN5(YP))}.items():
    task = "multiclass" if kind == "mc" else "multilabel"
    cls = {"classes": range(5)} if kind == "mc" else {}
    all5 = {"labels": "0,1,2,3,4"}
    add(
        f"sk-extra-labels-{kind}-macro",
        src,
        "recall",
        task,
        a,
        b,
        0.5,
        params={**all5, "average": "macro"},
        **cls,
    )
    for avg in ["micro", "weighted"] + (["samples"] if kind == "ml" else []):
        add(
            f"sk-extra-labels-{kind}-{avg}",
            src,
            "recall",
            task,
            a,
            b,
            0.75,
            params={**all5, "average": avg},
            **cls,
        )
src = f"{SK_C}::test_precision_recall_f_extra_labels (issue #10307)"
A, B = [[0, 1, 1], [1, 0, 0]], [[1, 1, 1], [1, 0, 1]]
for name, v in [("precision", 3 / 4), ("recall", 1.0), ("f1", 5 / 6)]:
    add(
        f"sk-10307-{name}",
        src,
        name,
        "multilabel",
        A,
        B,
        v,
        params={"average": "samples", "labels": "0,1"},
    )

src = f"{SK_C}::test_precision_recall_f_ignored_labels"
YT, YP = [1, 1, 2, 3], [1, 3, 3, 3]
for kind, (a, b) in {"mc": (YT, YP), "ml": (BIN5(YT), BIN5(YP))}.items():
    task = "multiclass" if kind == "mc" else "multilabel"
    cls = {"classes": range(5)} if kind == "mc" else {}
    for avg, v in [("macro", 0.75), ("weighted", 2 / 3), ("micro", 2 / 3)]:
        add(
            f"sk-ignored-labels-{kind}-{avg}",
            src,
            "recall",
            task,
            a,
            b,
            v,
            params={"labels": "1,3", "average": avg},
            **cls,
        )

src = f"{SK_C}::test_likelihood_ratios"
YT = [1] * 3 + [0] * 17
YP = [1] * 2 + [0] * 10 + [1] * 8
SW = [1.0] * 15 + [0.0] * 5
add("sk-lr-pos", src, "positive_likelihood_ratio", "binary", YT, YP, 34 / 24)
add("sk-lr-neg", src, "negative_likelihood_ratio", "binary", YT, YP, 17 / 27)
add("sk-lr-pos-perfect", src, "positive_likelihood_ratio", "binary", YT, YT, math.nan)
add("sk-lr-neg-perfect", src, "negative_likelihood_ratio", "binary", YT, YT, 0.0, tol=1e-12)
add("sk-lr-pos-weighted", src, "positive_likelihood_ratio", "binary", YT, YP, 24 / 9, weights=SW)
add("sk-lr-neg-weighted", src, "negative_likelihood_ratio", "binary", YT, YP, 12 / 27, weights=SW)
src = f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_fp[nan-nan]"
add(
    "sk-lr-pos-0-fp-nan", src, "positive_likelihood_ratio", "binary", [1, 1, 0], [1, 0, 0], math.nan
)
src = f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_tn[nan-nan]"
add(
    "sk-lr-neg-0-tn-nan", src, "negative_likelihood_ratio", "binary", [1, 0, 0], [1, 1, 1], math.nan
)

src = f"{SK_C}::test_cohen_kappa"
K1 = [0] * 40 + [1] * 60
K2 = [0] * 20 + [1] * 20 + [0] * 10 + [1] * 50
add("sk-kappa-ap-table1", src, "cohen_kappa", "binary", K1, K2, 0.348, tol=5e-4)
add("sk-kappa-ap-table1-swapped", src, "cohen_kappa", "binary", K2, K1, 0.348, tol=5e-4)
add(
    "sk-kappa-spurious-labels",
    src,
    "cohen_kappa",
    "binary",
    K1,
    K2,
    0.348,
    tol=5e-4,
    conversion="labels=[0, 1] drops the 4 rows of class 2 on both sides: those rows left out",
)
add("sk-kappa-self", src, "cohen_kappa", "multiclass", K1 + [2] * 4, K1 + [2] * 4, 1.0)
M1 = [0] * 46 + [1] * 44 + [2] * 10
add(
    "sk-kappa-ap-table4",
    src,
    "cohen_kappa",
    "multiclass",
    M1,
    [0] * 52 + [1] * 32 + [2] * 16,
    0.8013,
    tol=5e-5,
)
M2 = [0] * 50 + [1] * 40 + [2] * 10
for w, v in [("none", 0.9315), ("linear", 0.9412), ("quadratic", 0.9541)]:
    add(
        f"sk-kappa-weights-{w}",
        src,
        "cohen_kappa",
        "multiclass",
        M1,
        M2,
        v,
        tol=5e-5,
        params={"weights": w},
    )
src = f"{SK_C}::test_cohen_kappa_undefined[nan-test_case1]"
add("sk-kappa-one-label-nan", src, "cohen_kappa", "binary", [-1] * 10, [-1] * 10, math.nan)

src = f"{SK_C}::test_zero_division_nan_no_warning"
for name, params in [("f1", {}), ("fbeta", {"beta": 1}), ("precision", {}), ("recall", {})]:
    for zd, v in [("0", 0.0), ("1", 1.0), ("nan", math.nan)]:
        add(
            f"sk-zd-{name}-{zd}",
            src,
            name,
            "binary",
            [0],
            [0],
            v,
            params={**params, "zero_division": zd},
        )
    src2 = f"{SK_C}::test_zero_division_nan_warning"
    add(
        f"sk-zd-{name}-warn",
        src2,
        name,
        "binary",
        [0],
        [0],
        0.0,
        params={**params, "zero_division": "warn"},
    )

src = f"{SK_C}::test_zero_precision_recall"
for name in ("precision", "recall", "f1"):
    add(
        f"sk-zero-pr-{name}",
        src,
        name,
        "multiclass",
        [0, 1, 2, 0, 1, 2],
        [2, 0, 1, 1, 2, 0],
        0.0,
        tol=5e-3,
        params={"average": "macro"},
    )

src = f"{SK_C}::test_multilabel_jaccard_score"
for i, (a, b, v) in enumerate(
    [
        (Y1, Y2, 0.75),
        (Y1, Y1, 1),
        (Y2, Y2, 1),
        (Y2, NOT(Y2), 0),
        (Y1, NOT(Y1), 0),
        (Y1, ZEROS, 0),
        (Y2, ZEROS, 0),
    ]
):
    add(
        f"sk-jaccard-samples-{i}",
        src,
        "jaccard",
        "multilabel",
        a,
        b,
        v,
        params={"average": "samples"},
    )
A, B = [[0, 1, 1], [1, 0, 0]], [[1, 1, 1], [1, 0, 1]]
for tag, params, v in [
    ("macro", {"average": "macro"}, 2 / 3),
    ("micro", {"average": "micro"}, 3 / 5),
    ("samples", {"average": "samples"}, 7 / 12),
    ("samples-labels-02", {"average": "samples", "labels": "0,2"}, 1 / 2),
    ("samples-labels-12", {"average": "samples", "labels": "1,2"}, 1 / 2),
]:
    add(f"sk-jaccard-{tag}", src, "jaccard", "multilabel", A, B, v, params=params)
A = [[0, 1, 1], [1, 0, 1]]
add("sk-jaccard-macro-2", src, "jaccard", "multilabel", A, B, 5 / 6, params={"average": "macro"})
add(
    "sk-jaccard-weighted-2",
    src,
    "jaccard",
    "multilabel",
    A,
    B,
    7 / 8,
    params={"average": "weighted"},
)
add(
    "sk-jaccard-macro-undefined",
    src,
    "jaccard",
    "multilabel",
    [[0, 1]],
    [[0, 1]],
    0.5,
    params={"average": "macro"},
)
add(
    "sk-jaccard-samples-undefined",
    src,
    "jaccard",
    "multilabel",
    [[0, 0], [1, 1]],
    [[0, 0], [1, 1]],
    0.5,
    params={"average": "samples"},
)

src = f"{SK_C}::test_average_binary_jaccard_score"
add("sk-jaccard-binary-1-0", src, "jaccard", "binary", [1], [0], 0.0)
add("sk-jaccard-binary-00", src, "jaccard", "binary", [0, 0], [0, 0], 0.0)
flip = "pos_label=0: the labels flipped (1 − y), losscli's positive class is 1"
add("sk-jaccard-binary-pos0", src, "jaccard", "binary", [1], [1], 1.0, conversion=flip)
add("sk-jaccard-binary", src, "jaccard", "binary", [1, 0, 1, 1, 0], [1, 0, 1, 1, 1], 3 / 4)
add(
    "sk-jaccard-binary-pos0-2",
    src,
    "jaccard",
    "binary",
    [0, 1, 0, 0, 1],
    [0, 1, 0, 0, 0],
    1 / 2,
    conversion=flip,
)

A, B = [[1, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]
src = f"{SK_C}::test_jaccard_score_zero_division_warning"
add("sk-jaccard-zd-warn", src, "jaccard", "multilabel", A, B, 0.0, params={"average": "samples"})
src = f"{SK_C}::test_jaccard_score_zero_division_set_value"
for zd, v in [("0", 0.0), ("1", 0.5)]:
    add(
        f"sk-jaccard-zd-{zd}",
        src,
        "jaccard",
        "multilabel",
        A,
        B,
        v,
        params={"average": "samples", "zero_division": zd},
    )

src = f"{SK_C}::test_precision_recall_f1_score_multilabel_1 (fbeta macro/weighted by hand)"
A = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]
B = [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0]]
F = 2.5 / 1.5 * 0.25
for avg, p, r, f, f2 in [
    ("macro", 1.5 / 4, 0.5, F, 11 / 24),
    ("micro", 0.5, 0.5, 0.5, 0.5),
    ("weighted", 1.5 / 4, 0.5, F, 11 / 24),
    ("samples", 0.5, 0.5, 0.5, 0.5),
]:
    for name, v, extra in [
        ("precision", p, {}),
        ("recall", r, {}),
        ("f1", f, {}),
        ("fbeta", f2, {"beta": 2}),
    ]:
        add(
            f"sk-ml1-{avg}-{name}",
            src,
            name,
            "multilabel",
            A,
            B,
            v,
            params={"average": avg, **extra},
        )

src = f"{SK_C}::test_precision_recall_f1_score_multilabel_2 (fbeta macro/weighted by hand)"
A = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 1, 0]]
B = [[0, 0, 0, 1], [0, 0, 0, 1], [1, 1, 0, 0]]
for avg, p, r, f, f2, tol in [
    ("micro", 0.25, 0.25, 0.25, 0.25, SK_TOL),
    ("macro", 0.25, 0.125, 2 / 12, 5 / 36, SK_TOL),
    ("weighted", 2 / 4, 1 / 4, 2 / 3 * 2 / 4, 5 / 18, SK_TOL),
    ("samples", 1 / 6, 1 / 6, 2 / 4 * 1 / 3, 0.1666, 5e-3),
]:
    for name, v, extra in [
        ("precision", p, {}),
        ("recall", r, {}),
        ("f1", f, {}),
        ("fbeta", f2, {"beta": 2}),
    ]:
        t = tol if name == "fbeta" else SK_TOL
        add(
            f"sk-ml2-{avg}-{name}",
            src,
            name,
            "multilabel",
            A,
            B,
            v,
            tol=t,
            params={"average": avg, **extra},
        )

src = f"{SK_C}::test_precision_recall_f1_score_with_an_empty_prediction"
A = [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0]]
B = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 1, 0]]
for zd, zv in [("warn", 0.0), ("0", 0.0), ("1", 1.0), ("nan", math.nan)]:
    add_to = 0 if math.isnan(zv) else zv
    n = 3 + (not math.isnan(zv))
    cases = [
        ("macro", "precision", (2 + add_to) / n),
        ("macro", "recall", (1.5 + add_to) / n),
        ("macro", "f1", (2 / 3 + 1) / 4),
        ("micro", "precision", 2 / 3),
        ("micro", "recall", 0.5),
        ("micro", "f1", 2 / 3 / (2 / 3 + 0.5)),
        ("weighted", "precision", 3 / 4 if zv == 0 else 1.0),
        ("weighted", "recall", 0.5),
        ("weighted", "f1", (2 * 2 / 3 + 1) / 4),
    ]
    for avg, name, v in cases:
        add(
            f"sk-empty-pred-{zd}-{avg}-{name}",
            src,
            name,
            "multilabel",
            A,
            B,
            v,
            params={"average": avg, "zero_division": zd},
        )
    add(
        f"sk-empty-pred-{zd}-samples-fbeta",
        src,
        "fbeta",
        "multilabel",
        A,
        B,
        0.333,
        tol=5e-3,
        params={"average": "samples", "zero_division": zd, "beta": 2},
    )
for name in ("precision", "recall", "f1"):
    add(
        f"sk-empty-pred-samples-{name}",
        src,
        name,
        "multilabel",
        A,
        B,
        1 / 3,
        params={"average": "samples"},
    )

Z = [[0, 0, 0]] * 20
src = f"{SK_C}::test_precision_recall_f1_no_labels"
for avg in ("macro", "micro", "weighted", "samples"):
    for zd, v in [("0", 0.0), ("1", 1.0), ("nan", math.nan)]:
        for name, extra in [("precision", {}), ("recall", {}), ("f1", {}), ("fbeta", {"beta": 1})]:
            add(
                f"sk-no-labels-{avg}-{zd}-{name}",
                src,
                name,
                "multilabel",
                Z,
                Z,
                v,
                params={"average": avg, "zero_division": zd, **extra},
            )
    src2 = f"{SK_C}::test_precision_recall_f1_no_labels_check_warnings"
    for name, extra in [("precision", {}), ("recall", {}), ("f1", {}), ("fbeta", {"beta": 1})]:
        add(
            f"sk-no-labels-{avg}-warn-{name}",
            src2,
            name,
            "multilabel",
            Z,
            Z,
            0.0,
            params={"average": avg, **extra},
        )

src = f"{SK_C}::test_f1_for_small_binary_inputs_with_zero_division"
for i, (a, b, v) in enumerate(
    [([0, 1], [1, 0], 0.0), ([0, 1], [0, 1], 1.0), ([0, 1], [0, 0], 0.0), ([0, 0], [0, 0], 1.0)]
):
    add(f"sk-f1-small-zd1-{i}", src, "f1", "binary", a, b, v, params={"zero_division": "1"})

# ============================================================== scikit-learn: test_ranking

src = f"{SK_R}::test_roc_curve_toydata"
for i, (a, s, v) in enumerate(
    [
        ([0, 1], [0, 1], 1.0),
        ([0, 1], [1, 0], 0.0),
        ([1, 0], [1, 1], 0.5),
        ([1, 0], [1, 0], 1.0),
        ([1, 0], [0.5, 0.5], 0.5),
        ([0, 0], [0.25, 0.75], math.nan),
        ([1, 1], [0.25, 0.75], math.nan),
    ]
):
    add_scores(f"sk-roc-toy-{i}", src, "roc_auc", "binary", a, s, v)
for i, (a, s, avgs) in enumerate(
    [
        ([[0, 1], [0, 1]], [[0, 1], [0, 1]], {"samples": 1.0, "micro": 1.0}),
        ([[0, 1], [0, 1]], [[0, 1], [1, 0]], {"samples": 0.5, "micro": 0.5}),
        ([[1, 0], [0, 1]], [[0, 1], [1, 0]], {"macro": 0, "weighted": 0, "samples": 0, "micro": 0}),
        (
            [[1, 0], [0, 1]],
            [[0.5, 0.5], [0.5, 0.5]],
            {"macro": 0.5, "weighted": 0.5, "samples": 0.5, "micro": 0.5},
        ),
    ]
):
    for avg, v in avgs.items():
        add_scores(
            f"sk-roc-toy-ml-{i}-{avg}",
            src,
            "roc_auc",
            "multilabel",
            a,
            s,
            v,
            params={"average": avg},
        )

OVO = [[0.1, 0.8, 0.1], [0.3, 0.4, 0.3], [0.35, 0.5, 0.15], [0, 0.2, 0.8]]
src = f"{SK_R}::test_multiclass_ovo_roc_auc_toydata (pair AUCs by hand: 1/4, 1, 1)"
strings = "labels 'a', 'b', 'c' as 0-based class indices in their sorted order"
for tag, conv in [("int", ""), ("str", strings)]:
    add_scores(
        f"sk-ovo-toy-{tag}-macro",
        src,
        "roc_auc",
        "multiclass",
        [0, 1, 0, 2],
        OVO,
        0.75,
        params={"multi_class": "ovo"},
        conversion=conv,
    )
    add_scores(
        f"sk-ovo-toy-{tag}-weighted",
        src,
        "roc_auc",
        "multiclass",
        [0, 1, 0, 2],
        OVO,
        0.71875,
        params={"multi_class": "ovo", "average": "weighted"},
        conversion=conv,
    )
src = f"{SK_R}::test_multiclass_ovo_roc_auc_toydata_binary (by hand: 1/4)"
OVO_B = [[0.2, 0.0, 0.8], [0.6, 0.0, 0.4], [0.55, 0.0, 0.45], [0.4, 0.0, 0.6]]
for avg in ("macro", "weighted"):
    add_scores(
        f"sk-ovo-toy-binary-{avg}",
        src,
        "roc_auc",
        "multiclass",
        [0, 2, 0, 2],
        OVO_B,
        0.25,
        params={"multi_class": "ovo", "average": avg},
    )
src = f"{SK_R}::test_multiclass_ovr_roc_auc_toydata (by hand: 1, 1, 7/8)"
OVR = [[1.0, 0.0, 0.0], [0.1, 0.5, 0.4], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]
add_scores("sk-ovr-toy-macro", src, "roc_auc", "multiclass", [0, 1, 2, 2], OVR, 2.875 / 3)
add_scores(
    "sk-ovr-toy-weighted",
    src,
    "roc_auc",
    "multiclass",
    [0, 1, 2, 2],
    OVR,
    0.9375,
    params={"average": "weighted"},
)
src = f"{SK_R}::test_perfect_imperfect_chance_multiclass_roc_auc"
PERFECT = [
    [0.0, 0.0, 0.0, 1.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.75, 0.05, 0.05, 0.15],
]
for mc, avg in [("ovr", "macro"), ("ovr", "micro"), ("ovo", "macro")]:
    params = {"multi_class": mc, "average": avg}
    add_scores(
        f"sk-perfect-{mc}-{avg}",
        src,
        "roc_auc",
        "multiclass",
        [3, 1, 2, 0],
        PERFECT,
        1.0,
        params=params,
    )
    add_scores(
        f"sk-chance-{mc}-{avg}",
        src,
        "roc_auc",
        "multiclass",
        [3, 1, 2, 0],
        np.full((4, 4), 0.25),
        0.5,
        params=params,
    )

src = f"{SK_R}::test_partial_roc_auc_score (max_fpr=1 by hand: 5/8)"
add_scores(
    "sk-partial-1", src, "roc_auc", "binary", [0, 0, 1, 1], [0, 0, 1, 1], 1.0, params={"max_fpr": 1}
)
add_scores(
    "sk-partial-0.001",
    src,
    "roc_auc",
    "binary",
    [0, 0, 1, 1],
    [0, 0, 1, 1],
    1.0,
    params={"max_fpr": 0.001},
)
add_scores(
    "sk-partial-scores-1",
    src,
    "roc_auc",
    "binary",
    [0, 0, 1, 1],
    [0.1, 0, 0.1, 0.01],
    0.625,
    params={"max_fpr": 1},
)
add_scores(
    "sk-partial-scores-0.3",
    src,
    "roc_auc",
    "binary",
    [0, 0, 1, 1],
    [0.1, 0, 0.1, 0.01],
    0.5,
    params={"max_fpr": 0.3},
)

TOPK = [[0.4, 0.3, 0.2, 0.1], [0.1, 0.3, 0.4, 0.2], [0.4, 0.1, 0.2, 0.3], [0.3, 0.2, 0.4, 0.1]]
src = f"{SK_R}::test_top_k_accuracy_score"
for k, v in [(1, 0.25), (2, 0.5), (3, 0.75)]:
    add_scores(
        f"sk-topk-{k}", src, "top_k_accuracy", "multiclass", [0, 1, 2, 3], TOPK, v, params={"k": k}
    )
src = f"{SK_R}::test_top_k_accuracy_score_binary"
for i, (s, k, v) in enumerate(
    [
        ([-1, -1, 1, 1], 1, 1),
        ([-1, 1, -1, 1], 1, 0.5),
        ([-1, 1, -1, 1], 2, 1),
        ([0.2, 0.2, 0.7, 0.7], 1, 1),
        ([0.2, 0.7, 0.2, 0.7], 1, 0.5),
        ([0.2, 0.7, 0.2, 0.7], 2, 1),
    ]
):
    add_scores(
        f"sk-topk-binary-{i}", src, "top_k_accuracy", "binary", [0, 0, 1, 1], s, v, params={"k": k}
    )
src = f"{SK_R}::test_top_k_accuracy_score_multiclass_with_labels"
for i, (a, v, conv) in enumerate(
    [
        ([0, 1, 1, 2], 0.75, ""),
        ([0, 1, 1, 1], 0.5, ""),
        ([1, 1, 1, 1], 0.5, ""),
        ([0, 3, 3, 0], 0.75, "labels a, b, d, e as class indices 0 to 3"),
    ]
):
    add_scores(
        f"sk-topk-labels-{i}",
        src,
        "top_k_accuracy",
        "multiclass",
        a,
        TOPK,
        v,
        params={"k": 2},
        conversion=conv,
    )
src = f"{SK_R}::test_top_k_accuracy_score_ties"
TIES = [[5, 5, 7, 0], [1, 5, 5, 5], [0, 0, 3, 3], [1, 1, 1, 1]]
for k, v in [(1, 0.25), (2, 0.5), (3, 1.0)]:
    add_scores(
        f"sk-topk-ties-{k}",
        src,
        "top_k_accuracy",
        "multiclass",
        [0, 1, 2, 3],
        TIES,
        v,
        params={"k": k},
    )

src = f"{SK_R}::test_average_precision_constant_values"
yc = np.zeros(100, dtype=int)
yc[::4] = 1
add_scores("sk-ap-constant", src, "average_precision", "binary", yc, np.ones(100), 0.25, tol=1e-12)
src = f"{SK_C}::test_average_precision_score_duplicate_values"
AP3 = [[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]]
add_scores("sk-ap-duplicates-mc", src, "average_precision", "multiclass", [0, 0, 1, 2], AP3, 1.0)
add_scores(
    "sk-ap-duplicates",
    src,
    "average_precision",
    "binary",
    [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
    [0, 0.1, 0.1, 0.4, 0.5, 0.6, 0.6, 0.9, 0.9, 1, 1],
    1.0,
)
src = f"{SK_R}::test_precision_recall_curve_toydata"
add_scores("sk-ap-toy-no-positive", src, "average_precision", "binary", [0, 0], [0.25, 0.75], 0.0)
add_scores("sk-ap-toy-all-positive", src, "average_precision", "binary", [1, 1], [0.25, 0.75], 1.0)

# ============================================================== torchmetrics docstring examples

BT, BP = [0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 1]
BPROB = [0.11, 0.22, 0.84, 0.73, 0.33, 0.92]
MT, MP = [2, 1, 0, 0], [2, 1, 0, 1]
MPROB = [[0.16, 0.26, 0.58], [0.22, 0.61, 0.17], [0.71, 0.09, 0.20], [0.05, 0.82, 0.13]]
LT, LP = [[0, 1, 0], [1, 0, 1]], [[0, 0, 1], [1, 0, 1]]
LPROB = [[0.11, 0.22, 0.84], [0.73, 0.33, 0.92]]
# binary with extra dimensions (N, 3, 2), multidim_average='samplewise': one value a sample
XT = [[[0, 1], [1, 0], [0, 1]], [[1, 1], [0, 0], [1, 0]]]
XP = [[[0.59, 0.91], [0.91, 0.99], [0.63, 0.04]], [[0.38, 0.04], [0.86, 0.780], [0.45, 0.37]]]
XT2 = np.asarray(XT).reshape(2, 6)
XP2 = np.asarray(XP).reshape(2, 6)
SAMPLEWISE = (
    "binary (N, 3, 2) with multidim_average='samplewise' gives one value a sample: the mean "
    "of that vector is losscli's multilabel average=samples over the 6 flattened cells"
)


def tm(f: str, fn: str) -> str:
    return f"{TM}{f}.py::{fn} (docstring)"


for f, fn, name, extra, v in [
    ("f_beta", "binary_fbeta_score", "fbeta", {"beta": 2.0}, 0.6667),
    ("f_beta", "binary_f1_score", "f1", {}, 0.6667),
    ("precision_recall", "binary_precision", "precision", {}, 0.6667),
    ("precision_recall", "binary_recall", "recall", {}, 0.6667),
    ("accuracy", "binary_accuracy", "accuracy", {}, 0.6667),
]:
    add(f"tm-{fn}", tm(f, fn), name, "binary", BT, BP, v, tol=TM_TOL, params=extra)
    add_scores(f"tm-{fn}-probs", tm(f, fn), name, "binary", BT, BPROB, v, tol=TM_TOL, params=extra)
add(
    "tm-binary_hamming_distance",
    tm("hamming", "binary_hamming_distance"),
    "zero_one",
    "binary",
    BT,
    BP,
    0.3333,
    tol=TM_TOL,
    conversion="binary Hamming distance is the error rate: -l zero_one",
)
add_scores(
    "tm-binary_hamming_distance-probs",
    tm("hamming", "binary_hamming_distance"),
    "zero_one",
    "binary",
    BT,
    BPROB,
    0.3333,
    tol=TM_TOL,
    conversion="binary Hamming distance is the error rate: -l zero_one",
)
for fn, name, extra, vec in [
    ("binary_fbeta_score", "fbeta", {"beta": 2.0}, [0.5882, 0.0]),
    ("binary_f1_score", "f1", {}, [0.5, 0.0]),
    ("binary_precision", "precision", {}, [0.4, 0.0]),
    ("binary_recall", "recall", {}, [0.6667, 0.0]),
]:
    f = "f_beta" if "score" in fn else "precision_recall"
    add_scores(
        f"tm-{fn}-samplewise",
        tm(f, fn),
        name,
        "multilabel",
        XT2,
        XP2,
        float(np.mean(vec)),
        tol=TM_TOL,
        params={"average": "samples", **extra},
        conversion=SAMPLEWISE,
    )
add_scores(
    "tm-binary_accuracy-samplewise",
    tm("accuracy", "binary_accuracy"),
    "hamming",
    "multilabel",
    XT2,
    XP2,
    1 - np.mean([0.3333, 0.1667]),
    tol=TM_TOL,
    conversion=SAMPLEWISE + "; accuracy per cell = 1 − hamming",
)
add_scores(
    "tm-binary_hamming_distance-samplewise",
    tm("hamming", "binary_hamming_distance"),
    "hamming",
    "multilabel",
    XT2,
    XP2,
    np.mean([0.6667, 0.8333]),
    tol=TM_TOL,
    conversion=SAMPLEWISE,
)

for f, fn, name, extra, v, conv in [
    ("f_beta", "multiclass_fbeta_score", "fbeta", {"beta": 2.0}, 0.7963, ""),
    ("f_beta", "multiclass_f1_score", "f1", {}, 0.7778, ""),
    ("precision_recall", "multiclass_precision", "precision", {}, 0.8333, ""),
    ("precision_recall", "multiclass_recall", "recall", {}, 0.8333, ""),
    ("jaccard", "multiclass_jaccard_index", "jaccard", {}, 0.6667, ""),
    ("cohen_kappa", "multiclass_cohen_kappa", "cohen_kappa", {}, 0.6364, ""),
    ("matthews_corrcoef", "multiclass_matthews_corrcoef", "mcc", {}, 0.7, ""),
    (
        "accuracy",
        "multiclass_accuracy",
        "balanced_accuracy",
        {},
        0.8333,
        "average='macro' (its default) is the macro recall: -m balanced_accuracy",
    ),
]:
    add(
        f"tm-{fn}",
        tm(f, fn),
        name,
        "multiclass",
        MT,
        MP,
        v,
        tol=TM_TOL,
        params=extra,
        conversion=conv,
    )
    add_scores(
        f"tm-{fn}-probs",
        tm(f, fn),
        name,
        "multiclass",
        MT,
        MPROB,
        v,
        tol=TM_TOL,
        params=extra,
        conversion=conv,
    )
for src_, y_, p_ in [("", MT, None), ("-probs", MT, MPROB)]:
    fn = "multiclass_hamming_distance"
    conv = "macro Hamming distance is 1 − the macro recall: 1 − balanced_accuracy"
    if p_ is None:
        add(
            f"tm-{fn}{src_}",
            tm("hamming", fn),
            "balanced_accuracy",
            "multiclass",
            MT,
            MP,
            1 - 0.1667,
            tol=TM_TOL,
            conversion=conv,
        )
    else:
        add_scores(
            f"tm-{fn}{src_}",
            tm("hamming", fn),
            "balanced_accuracy",
            "multiclass",
            y_,
            p_,
            1 - 0.1667,
            tol=TM_TOL,
            conversion=conv,
        )

for f, fn, name, extra, v, conv in [
    ("f_beta", "multilabel_fbeta_score", "fbeta", {"beta": 2.0}, 0.6111, ""),
    ("f_beta", "multilabel_f1_score", "f1", {}, 0.5556, ""),
    ("precision_recall", "multilabel_precision", "precision", {}, 0.5, ""),
    ("precision_recall", "multilabel_recall", "recall", {}, 0.6667, ""),
    ("jaccard", "multilabel_jaccard_index", "jaccard", {}, 0.5, ""),
    ("hamming", "multilabel_hamming_distance", "hamming", {}, 0.3333, ""),
    (
        "accuracy",
        "multilabel_accuracy",
        "hamming",
        {},
        1 - 0.6667,
        "macro accuracy of the labels is 1 − the Hamming loss",
    ),
    (
        "exact_match",
        "multilabel_exact_match",
        "accuracy",
        {},
        0.5,
        "exact match is losscli's (subset) multilabel accuracy",
    ),
]:
    add(
        f"tm-{fn}",
        tm(f, fn),
        name,
        "multilabel",
        LT,
        LP,
        v,
        tol=TM_TOL,
        params=extra,
        conversion=conv,
    )
    add_scores(
        f"tm-{fn}-probs",
        tm(f, fn),
        name,
        "multilabel",
        LT,
        LPROB,
        v,
        tol=TM_TOL,
        params=extra,
        conversion=conv,
    )
RAVEL = "multilabel MCC is the MCC of every cell as one binary problem: the columns raveled"
add(
    "tm-multilabel_matthews_corrcoef",
    tm("matthews_corrcoef", "multilabel_matthews_corrcoef"),
    "mcc",
    "binary",
    np.ravel(LT),
    np.ravel(LP),
    0.3333,
    tol=TM_TOL,
    conversion=RAVEL,
)
add_scores(
    "tm-multilabel_matthews_corrcoef-probs",
    tm("matthews_corrcoef", "multilabel_matthews_corrcoef"),
    "mcc",
    "binary",
    np.ravel(LT),
    np.ravel(LPROB),
    0.3333,
    tol=TM_TOL,
    conversion=RAVEL,
)

for fn, name in [
    ("binary_jaccard_index", "jaccard"),
    ("binary_cohen_kappa", "cohen_kappa"),
    ("binary_matthews_corrcoef", "mcc"),
]:
    f = {"jaccard": "jaccard", "cohen_kappa": "cohen_kappa", "mcc": "matthews_corrcoef"}[name]
    v = 0.5774 if name == "mcc" else 0.5
    add(f"tm-{fn}", tm(f, fn), name, "binary", [1, 1, 0, 0], [0, 1, 0, 0], v, tol=TM_TOL)
    add_scores(
        f"tm-{fn}-probs",
        tm(f, fn),
        name,
        "binary",
        [1, 1, 0, 0],
        [0.35, 0.85, 0.48, 0.01],
        v,
        tol=TM_TOL,
    )
for fn, name, v in [("cohen_kappa", "cohen_kappa", 0.5), ("matthews_corrcoef", "mcc", 0.5774)]:
    add(
        f"tm-{fn}-task-multiclass",
        tm(fn, fn),
        name,
        "binary",
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        v,
        tol=TM_TOL,
        conversion="task='multiclass', num_classes=2 is the binary case",
    )
for fn, name, extra, v in [
    ("fbeta_score", "fbeta", {"beta": 0.5, "average": "micro"}, 0.3333),
    ("f1_score", "f1", {"average": "micro"}, 0.3333),
]:
    add(
        f"tm-{fn}",
        tm("f_beta", fn),
        name,
        "multiclass",
        [0, 1, 2, 0, 1, 2],
        [0, 2, 1, 0, 0, 1],
        v,
        tol=TM_TOL,
        params=extra,
        conversion="the task wrapper's default average is micro",
    )
for name, avg, v in [
    ("precision", "macro", 0.1667),
    ("precision", "micro", 0.25),
    ("recall", "macro", 0.3333),
    ("recall", "micro", 0.25),
]:
    add(
        f"tm-{name}-{avg}",
        tm("precision_recall", name),
        name,
        "multiclass",
        [1, 1, 2, 0],
        [2, 0, 2, 1],
        v,
        tol=TM_TOL,
        params={"average": avg},
    )
add(
    "tm-accuracy-multiclass",
    tm("accuracy", "accuracy"),
    "accuracy",
    "multiclass",
    [0, 1, 2, 3],
    [0, 2, 1, 3],
    0.5,
    tol=TM_TOL,
    conversion="the task wrapper's default average is micro: plain accuracy",
)
add_scores(
    "tm-accuracy-top2",
    tm("accuracy", "accuracy"),
    "top_k_accuracy",
    "multiclass",
    [0, 1, 2],
    [[0.1, 0.9, 0], [0.3, 0.1, 0.6], [0.2, 0.5, 0.3]],
    0.6667,
    tol=TM_TOL,
    params={"k": 2},
)
add(
    "tm-hamming_distance-binary-2d",
    tm("hamming", "hamming_distance"),
    "hamming",
    "multilabel",
    [[0, 1], [1, 1]],
    [[0, 1], [0, 1]],
    0.25,
    tol=TM_TOL,
    conversion="binary (N, 2) cells flattened: the multilabel Hamming loss",
)

add_scores(
    "tm-binary_auroc",
    tm("auroc", "binary_auroc"),
    "roc_auc",
    "binary",
    [0, 1, 1, 0],
    [0, 0.5, 0.7, 0.8],
    0.5,
    tol=TM_TOL,
)
MLS = [[0.75, 0.05, 0.35], [0.45, 0.75, 0.05], [0.05, 0.55, 0.75], [0.05, 0.65, 0.05]]
MLT = [[1, 0, 1], [0, 0, 0], [0, 1, 1], [1, 1, 1]]
add_scores(
    "tm-multilabel_auroc",
    tm("auroc", "multilabel_auroc"),
    "roc_auc",
    "multilabel",
    MLT,
    MLS,
    0.6528,
    tol=TM_TOL,
)
add_scores(
    "tm-auroc-binary",
    tm("auroc", "auroc"),
    "roc_auc",
    "binary",
    [0, 0, 1, 1, 1],
    [0.13, 0.26, 0.08, 0.19, 0.34],
    0.5,
    tol=TM_TOL,
)
A5 = [
    [0.90, 0.05, 0.05],
    [0.05, 0.90, 0.05],
    [0.05, 0.05, 0.90],
    [0.85, 0.05, 0.10],
    [0.10, 0.10, 0.80],
]
add_scores(
    "tm-auroc-multiclass",
    tm("auroc", "auroc"),
    "roc_auc",
    "multiclass",
    [0, 1, 1, 2, 2],
    A5,
    0.7778,
    tol=TM_TOL,
)
add_scores(
    "tm-binary_average_precision",
    tm("average_precision", "binary_average_precision"),
    "average_precision",
    "binary",
    [0, 1, 1, 0],
    [0, 0.5, 0.7, 0.8],
    0.5833,
    tol=TM_TOL,
)
add_scores(
    "tm-multilabel_average_precision",
    tm("average_precision", "multilabel_average_precision"),
    "average_precision",
    "multilabel",
    MLT,
    MLS,
    0.75,
    tol=TM_TOL,
)
add_scores(
    "tm-average_precision-binary",
    tm("average_precision", "average_precision"),
    "average_precision",
    "binary",
    [0, 1, 1, 1],
    [0.0, 1.0, 2.0, 3.0],
    1.0,
    tol=TM_TOL,
)


# ============================================================== unsupported, each with a reason

UNSUPPORTED: dict[str, str] = {
    f"{SK_C}::test_likelihood_ratios_replace_undefined_by_worst": "replace_undefined_by=1: losscli reports an undefined ratio as NaN with a warning (scikit-learn's default), no replacement value",
    f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_fp[dicts]": "replace_undefined_by={'LR+': ...}: the same, NaN with a warning",
    f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_tn[dicts]": "replace_undefined_by={'LR-': ...}: the same, NaN with a warning",
    f"{SK_C}::test_cohen_kappa_undefined[0.0-*]": "replace_undefined_by=0.0 for kappa: losscli keeps NaN with a warning",
    f"{SK_C}::test_cohen_kappa_undefined[*-labels]": "labels= for kappa (cases 0, 2, 3): losscli's kappa takes the classes that occur; a labels subset there is not a parameter",
    f"{TM}*::multiclass_*(multidim_average='samplewise')": "a multiclass figure per sample over extra dimensions (images): losscli reads one row a sample, no extra dimensions",
    f"{TM}*::multilabel_*(multidim_average='samplewise')": "a per-label figure per sample over extra dimensions: as above",
    f"{TM}auroc.py/average_precision.py::*(thresholds=5)": "binned curves (5 thresholds) approximate the exact figure; losscli computes it exactly",
    f"{TM}auroc.py::multiclass_auroc(num_classes=5)": "class 4 has no targets: torchmetrics counts its AUC as 0 (macro 0.5333); losscli reports NaN with a warning, as scikit-learn refuses it",
    f"{TM}average_precision.py::multiclass_average_precision(num_classes=5)": "class 4 has no targets: torchmetrics leaves it out (macro 0.6250); losscli counts it as 0 (0.5), as scikit-learn does",
}
# what losscli gives there instead (its convention), checked below: the disagreement is real
# and stated, never a silent wrong number
MC5 = [
    [0.75, 0.05, 0.05, 0.05, 0.05],
    [0.05, 0.75, 0.05, 0.05, 0.05],
    [0.05, 0.05, 0.75, 0.05, 0.05],
    [0.05, 0.05, 0.05, 0.75, 0.05],
]
INSTEAD = [
    ("roc_auc", "multiclass", [0, 1, 3, 2], MC5, math.nan, 0.5333, "roc_auc is undefined"),
    (
        "average_precision",
        "multiclass",
        [0, 1, 3, 2],
        MC5,
        0.5,
        0.6250,
        "average_precision is undefined for 1 of 5 classes",
    ),
    (
        "positive_likelihood_ratio",
        "binary",
        [1, 1, 0],
        [1.0, 0.0, 0.0],
        math.nan,
        1.0,
        "positive_likelihood_ratio is undefined",
    ),
    ("cohen_kappa", "binary", [0] * 10, [0.0] * 10, math.nan, 0.0, "cohen_kappa is undefined"),
]


# ============================================================== the test


def _value(row: Row) -> float:
    p = np.asarray(row.p, dtype=float)
    kw: dict[str, Any] = {"task": row.task, "params": row.params, "weights": row.weights}
    if np.any((p < 0) | (p > 1)):  # raw scores, as the peer takes them
        kw["from_logits"] = True
    if row.figure in LOSSES:
        report = losscli.evaluate(row.y, row.p, losses=[row.figure], metrics=["accuracy"], **kw)
        return float(report.losses[row.figure]["mean"])
    report = losscli.evaluate(row.y, row.p, metrics=[row.figure], **kw)
    return float(report.metrics[row.figure])


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_peer_row(row: Row) -> None:
    got = _value(row)
    if math.isnan(row.expected):
        assert math.isnan(got), (row.source, got)
    else:
        assert abs(got - row.expected) <= row.tol, (row.source, row.conversion, got, row.expected)


def test_rows_are_well_formed() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), "row ids are unique"
    assert len(ROWS) >= 250
    for r in ROWS:
        assert r.source.startswith(("sklearn/", "torchmetrics ")), r.id
        assert r.tol <= 5e-3, r.id


def test_unsupported_are_exactly_these() -> None:
    """The list is exactly these ten cases, each with a one-line reason; where losscli gives
    a figure there, it is its own convention and comes with a warning."""
    assert sorted(UNSUPPORTED) == sorted(
        [
            f"{SK_C}::test_likelihood_ratios_replace_undefined_by_worst",
            f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_fp[dicts]",
            f"{SK_C}::test_likelihood_ratios_replace_undefined_by_0_tn[dicts]",
            f"{SK_C}::test_cohen_kappa_undefined[0.0-*]",
            f"{SK_C}::test_cohen_kappa_undefined[*-labels]",
            f"{TM}*::multiclass_*(multidim_average='samplewise')",
            f"{TM}*::multilabel_*(multidim_average='samplewise')",
            f"{TM}auroc.py/average_precision.py::*(thresholds=5)",
            f"{TM}auroc.py::multiclass_auroc(num_classes=5)",
            f"{TM}average_precision.py::multiclass_average_precision(num_classes=5)",
        ]
    )
    assert all(reason.strip() and "\n" not in reason for reason in UNSUPPORTED.values())
    for figure, task, y, p, ours, theirs, warning in INSTEAD:
        report = losscli.evaluate(np.asarray(y), np.asarray(p), metrics=[figure], task=task)
        got = report.metrics[figure]
        assert (math.isnan(got) and math.isnan(ours)) or got == pytest.approx(ours), figure
        assert not got == pytest.approx(theirs, abs=TM_TOL), figure
        assert any(w.startswith(warning) for w in report.warnings), (figure, report.warnings)


def test_cli_smoke(tmp_path: Any, run: Any) -> None:
    """One row through the real command: fbeta (beta=2) of torchmetrics' binary example."""
    path = tmp_path / "binary.csv"
    path.write_text("target,p\n" + "".join(f"{t},{p}\n" for t, p in zip(BT, BPROB)))
    res = run("eval", str(path), "-m", "fbeta", "--param", "beta=2", "-f", "json")
    assert res.code == 0, res.err
    assert abs(json.loads(res.out)["metrics"]["fbeta"] - 0.6667) <= TM_TOL
    out = tmp_path / "report.json"
    bad = run("eval", path, "-m", "fbeta", "--param", "average=samples", "-o", out)
    assert bad.code == 2
    assert bad.err.startswith("error:") and "average=samples needs a multilabel task" in bad.err
    assert not out.exists()
