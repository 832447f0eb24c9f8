"""The peers' own test cases for losses and regression metrics, run through losscli.

Every row is a case with literal inputs and a literal expected value (or the peer test's
own expression for it) from:

* scikit-learn 1.9: ``sklearn/metrics/tests/test_regression.py`` (installed) and the
  docstring examples of ``sklearn/metrics/_regression.py``;
* Keras 3 (git 3422977a): ``keras/src/losses/losses_test.py`` and the docstring examples of
  ``keras/src/losses/losses.py``;
* torchmetrics (git dab03339): the docstring examples of
  ``src/torchmetrics/functional/regression/*.py`` and ``.../classification/hinge.py``.

Each row names its source (file::test), the conversion where the peer reduces otherwise
than losscli (see ``REDUCE``), and its tolerance: the peer's own assertion (scikit-learn's
``assert_almost_equal(decimal=d)`` and Keras' ``assertAlmostEqual(decimal=d)`` pass below
1.5·10^−d; Keras' ``assertAllClose`` at atol = rtol = 1e-6, widened where Keras computes in
float32; a torchmetrics docstring prints 4 decimals: 5e-5).  Rows losscli does not compute
are in ``UNSUPPORTED``, each with why; ``test_unsupported_is_exactly`` pins that list.

Keras' conventions and their conversions:

* ``sum_over_batch_size`` with sample weights is Σ w·l / N (not Σ w·l / Σ w): the row
  compares the report's ``sum`` divided by the number of samples (``sum/n``);
* a scalar ``sample_weight`` s is the weight s on every sample;
* per-element ("timestep") weights on a (2, 3, 1) tensor are six samples of one output;
* probabilities are clipped to [1e-7, 1 − 1e-7] computed in float32, where 1 − 1e-7 is
  1 − 2^−23: ``eps=2**-23`` where a prediction is exactly 0 or 1;
* ``MeanAbsolutePercentageError`` is a percentage: losscli's fraction × 100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from scipy.special import factorial, softmax, xlogy

import losscli
from losscli.errors import InputError, UsageError
from losscli.scoring import registry

SK = "sklearn/metrics/tests/test_regression.py"
SKDOC = "sklearn/metrics/_regression.py (docstring)"
KT = "keras/src/losses/losses_test.py"
KDOC = "keras/src/losses/losses.py (docstring)"
KMT = "keras/src/metrics/hinge_metrics_test.py"
TM = "torchmetrics/functional/regression"
TMH = "torchmetrics/functional/classification/hinge.py (docstring)"

# how the peer's figure is read from losscli's report
REDUCE = {
    "mean": "the report's figure (Σ w·l / Σ w)",
    "sum": "the report's sum Σ w·l (Keras reduction='sum')",
    "sum/n": "Σ w·l / N (Keras' sum_over_batch_size with sample weights)",
    "per_sample": "w·l per sample (Keras reduction=None)",
    "raw_values": "one figure per output: each output column evaluated alone",
    "outputs": "Σ_k c_k·(figure of output k), the peer's multioutput weights c",
}


@dataclass(frozen=True)
class Row:
    id: str
    source: str
    name: str
    y: Any
    p: Any
    expected: Any
    tol: float
    task: str = "regression"
    params: dict[str, Any] = field(default_factory=dict)
    weights: Any = None
    reduce: str = "mean"
    scale: float = 1.0  # the peer's unit (Keras' MAPE: a percentage)
    kind: str = ""  # "loss" or "metric" where the name is both (mae)
    outputs: tuple[float, ...] = ()  # reduce="outputs": the peer's multioutput weights
    conversion: str = ""  # what else the row changes to get the peer's number
    rel: float = 0.0
    transform: str = ""  # "row_sum": predictions divided by their row sums (Keras' focal)


A = np.arange(50, dtype=float)  # test_regression_metrics
B = np.arange(1, 51, dtype=float)
N50 = 50
MO_Y = [[1, 0, 0, 1], [0, 1, 1, 1], [1, 1, 0, 1]]  # test_multioutput_regression
MO_P = [[0, 0, 0, 1], [1, 0, 1, 1], [0, 0, 0, 1]]
AR_Y = [[1, 2], [2.5, -1], [4.5, 3], [5, 7]]  # test_regression_multioutput_array
AR_P = [[1, 1], [2, -1], [5, 4], [5, 6.5]]


def _pinball(y: np.ndarray, p: Any, alpha: float) -> np.ndarray:  # the peer test's lambda
    return alpha * np.maximum(y - p, 0) + (1 - alpha) * np.maximum(p - y, 0)


def _raw_d2(y: Any, p: Any) -> list[float]:  # test_multioutput_regression's expression
    y, p = np.asarray(y, float), np.asarray(p, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = [
            1 - np.abs(y[:, i] - p[:, i]).sum() / np.abs(y[:, i] - np.median(y[:, i])).sum()
            for i in range(y.shape[1])
        ]
    return list(np.where(np.isnan(out), 1, out))


SKLEARN: list[Row] = [
    # test_regression_metrics: y = 0..49, ŷ = y + 1 (and y − 1)
    Row("sk-mse", f"{SK}::test_regression_metrics", "mse", A, A + 1, 1.0, 1.5e-7),
    Row(
        "sk-msle",
        f"{SK}::test_regression_metrics",
        "msle",
        A,
        A + 1,
        float(np.mean((np.log(1 + A) - np.log(2 + A)) ** 2)),
        1.5e-7,
    ),
    Row("sk-mae", f"{SK}::test_regression_metrics", "mae", A, A + 1, 1.0, 1.5e-7, kind="loss"),
    Row("sk-pinball", f"{SK}::test_regression_metrics", "pinball", A, A + 1, 0.5, 1.5e-7),
    Row("sk-pinball-2", f"{SK}::test_regression_metrics", "pinball", A, A - 1, 0.5, 1.5e-7),
    Row(
        "sk-pinball-a.4",
        f"{SK}::test_regression_metrics",
        "pinball",
        A,
        A + 1,
        0.6,
        1.5e-7,
        params={"alpha": 0.4},
    ),
    Row(
        "sk-pinball-a.4-2",
        f"{SK}::test_regression_metrics",
        "pinball",
        A,
        A - 1,
        0.4,
        1.5e-7,
        params={"alpha": 0.4},
    ),
    Row(
        "sk-medae", f"{SK}::test_regression_metrics", "median_absolute_error", A, A + 1, 1.0, 1.5e-7
    ),
    Row("sk-max", f"{SK}::test_regression_metrics", "max_error", A, A + 1, 1.0, 1.5e-7),
    Row("sk-r2", f"{SK}::test_regression_metrics", "r2", A, A + 1, 0.995, 1.5e-2),
    Row(
        "sk-r2-ff",
        f"{SK}::test_regression_metrics",
        "r2",
        A,
        A + 1,
        0.995,
        1.5e-2,
        params={"force_finite": False},
    ),
    Row("sk-ev", f"{SK}::test_regression_metrics", "explained_variance", A, A + 1, 1.0, 1.5e-7),
    Row(
        "sk-ev-ff",
        f"{SK}::test_regression_metrics",
        "explained_variance",
        A,
        A + 1,
        1.0,
        1.5e-7,
        params={"force_finite": False},
    ),
    Row(
        "sk-tweedie-0",
        f"{SK}::test_regression_metrics",
        "tweedie_deviance",
        A,
        A + 1,
        1.0,  # = mean_squared_error(y, ŷ)
        1.5e-7,
        params={"power": 0},
    ),
    Row(
        "sk-d2-tweedie-0",
        f"{SK}::test_regression_metrics",
        "d2_tweedie_score",
        A,
        A + 1,
        1 - 50 / (N50 * (N50**2 - 1) / 12),  # = r2_score(y, ŷ)
        1.5e-7,
        params={"power": 0},
    ),
    Row(
        "sk-d2-abs",
        f"{SK}::test_regression_metrics",
        "d2_absolute_error_score",
        A,
        A + 1,
        1 - np.abs(A - (A + 1)).sum() / np.abs(A - np.median(A)).sum(),
        1.5e-6,
    ),
    Row(
        "sk-d2-pinball-a.2",
        f"{SK}::test_regression_metrics",
        "d2_pinball_score",
        A,
        A + 1,
        1 - _pinball(A, A + 1, 0.2).sum() / _pinball(A, np.percentile(A, q=20), 0.2).sum(),
        1.5e-7,
        params={"alpha": 0.2},
    ),
    Row(
        "sk-d2-pinball-a.5",
        f"{SK}::test_regression_metrics",
        "d2_pinball_score",
        A,
        A + 1,
        1 - 50 / np.abs(A - np.median(A)).sum(),  # = d2_absolute_error_score
        1.5e-7,
        params={"alpha": 0.5},
    ),
    # Tweedie, "results evaluated by sympy": y = 1..50, ŷ = 2y
    *(
        Row(
            f"sk-tweedie-{power}",
            f"{SK}::test_regression_metrics",
            "tweedie_deviance",
            B,
            2 * B,
            value,
            1.5e-7 * max(1.0, abs(value)),
            params={"power": power},
        )
        for power, value in (
            (-1, 5 / 12 * N50 * (N50**2 + 2 * N50 + 1)),
            (1, (N50 + 1) * (1 - np.log(2))),
            (2, 2 * np.log(2) - 1),
            (1.5, ((6 * np.sqrt(2) - 8) / N50) * np.sqrt(B).sum()),
            (3, np.sum(1 / B) / (4 * N50)),
        )
    ),
    Row(
        "sk-d2-tweedie-1",
        f"{SK}::test_regression_metrics",
        "d2_tweedie_score",
        B,
        2 * B,
        1 - (N50 + 1) * (1 - np.log(2)) / (2 * np.mean(xlogy(B, 2 * B / (N50 + 1)))),
        1.5e-7,
        params={"power": 1},
    ),
    Row(
        "sk-d2-tweedie-2",
        f"{SK}::test_regression_metrics",
        "d2_tweedie_score",
        B,
        2 * B,
        1
        - (2 * np.log(2) - 1)
        / (2 * np.log((N50 + 1) / 2) - 2 / N50 * np.log(float(factorial(N50)))),
        1.5e-7,
        params={"power": 2},
    ),
    # test_multioutput_regression (uniform average over 4 outputs)
    Row(
        "sk-mo-mse",
        f"{SK}::test_multioutput_regression",
        "mse",
        MO_Y,
        MO_P,
        (1 / 3 + 2 / 3 + 2 / 3) / 4,
        1.5e-7,
    ),
    Row("sk-mo-rmse", f"{SK}::test_multioutput_regression", "rmse", MO_Y, MO_P, 0.454, 1.5e-2),
    Row("sk-mo-msle", f"{SK}::test_multioutput_regression", "msle", MO_Y, MO_P, 0.200, 1.5e-2),
    Row("sk-mo-rmsle", f"{SK}::test_multioutput_regression", "rmsle", MO_Y, MO_P, 0.315, 1.5e-2),
    Row(
        "sk-mo-mae",
        f"{SK}::test_multioutput_regression",
        "mae",
        MO_Y,
        MO_P,
        (1 + 2 / 3) / 4,
        1.5e-7,
        kind="metric",
    ),
    Row(
        "sk-mo-pinball",
        f"{SK}::test_multioutput_regression",
        "pinball",
        MO_Y,
        MO_P,
        (1 + 2 / 3) / 8,
        1.5e-7,
    ),
    Row(
        "sk-mo-medae",
        f"{SK}::test_multioutput_regression",
        "median_absolute_error",
        MO_Y,
        MO_P,
        (1 + 1) / 4,
        1.5e-7,
    ),
    Row("sk-mo-r2", f"{SK}::test_multioutput_regression", "r2", MO_Y, MO_P, -0.875, 1.5e-7),
    Row(
        "sk-mo-d2-pinball",
        f"{SK}::test_multioutput_regression",
        "d2_pinball_score",
        MO_Y,
        MO_P,
        float(np.mean(_raw_d2(MO_Y, MO_P))),
        1.5e-7,
    ),
    Row(
        "sk-mo-d2-pinball-raw",
        f"{SK}::test_multioutput_regression",
        "d2_pinball_score",
        MO_Y,
        MO_P,
        _raw_d2(MO_Y, MO_P),
        1.5e-6,
        reduce="raw_values",
    ),
    Row(
        "sk-mo-r2-ff",
        f"{SK}::test_multioutput_regression",
        "r2",
        MO_Y,
        MO_P,
        math.nan,  # the 4th output is constant: NaN propagates
        0.0,
        params={"force_finite": False},
    ),
    # one output: variance_weighted is the plain figure
    Row(
        "sk-const-r2",
        f"{SK}::test_multioutput_regression",
        "r2",
        [5.0, 5.0],
        [5.0, 5.0],
        1.0,
        1.5e-7,
    ),
    Row(
        "sk-const-r2-2",
        f"{SK}::test_multioutput_regression",
        "r2",
        [5.0, 5.0],
        [5.0, 5.1],
        0.0,
        1.5e-7,
    ),
    Row(
        "sk-const-r2-ff",
        f"{SK}::test_multioutput_regression",
        "r2",
        [5.0, 5.0],
        [5.0, 5.0],
        math.nan,
        0.0,
        params={"force_finite": False},
    ),
    Row(
        "sk-const-r2-ff-2",
        f"{SK}::test_multioutput_regression",
        "r2",
        [5.0, 5.0],
        [5.0, 6.0],
        -math.inf,
        0.0,
        params={"force_finite": False},
    ),
    # test_regression_metrics_at_limits
    *(
        Row(
            f"sk-limit-{name}",
            f"{SK}::test_regression_metrics_at_limits",
            name,
            [0.0],
            [0.0],
            0.0,
            1.5e-7,
        )
        for name in (
            "mse",
            "rmse",
            "msle",
            "mae",
            "pinball",
            "mape",
            "median_absolute_error",
            "max_error",
        )
    ),
    Row(
        "sk-limit-ev",
        f"{SK}::test_regression_metrics_at_limits",
        "explained_variance",
        [0.0],
        [0.0],
        1.0,
        1.5e-7,
    ),
    Row(
        "sk-limit-r2-perfect",
        f"{SK}::test_regression_metrics_at_limits",
        "r2",
        [0.0, 1],
        [0.0, 1],
        1.0,
        1.5e-7,
    ),
    Row(
        "sk-limit-d2-pinball-perfect",
        f"{SK}::test_regression_metrics_at_limits",
        "d2_pinball_score",
        [0.0, 1],
        [0.0, 1],
        1.0,
        1.5e-7,
    ),
    *(
        Row(
            f"sk-limit-{name}-{'ff' if not ff else 'default'}-{y[0]}",
            f"{SK}::test_regression_metrics_at_limits",
            name,
            y,
            p,
            value,
            1.5e-7 if math.isfinite(value) else 0.0,
            params={} if ff else {"force_finite": False},
        )
        for name in ("r2", "explained_variance")
        for y, p, ff, value in (
            ([0, 0], [1, -1], True, 0.0),
            ([0, 0], [1, -1], False, -math.inf),
            ([1, 1], [1, 1], True, 1.0),
            ([1, 1], [1, 1], False, math.nan),
        )
    ),
    Row(
        "sk-limit-tweedie--1.2",
        f"{SK}::test_regression_metrics_at_limits",
        "tweedie_deviance",
        [0.0],
        [1.0],
        2 / (2 + 1.2),
        0.0,
        rel=1e-3,
        params={"power": -1.2},
    ),
    Row(
        "sk-limit-tweedie-0",
        f"{SK}::test_regression_metrics_at_limits",
        "tweedie_deviance",
        [0.0],
        [0.0],
        0.0,
        1.5e-2,
        params={"power": 0},
    ),
    Row(
        "sk-limit-tweedie-1.5",
        f"{SK}::test_regression_metrics_at_limits",
        "tweedie_deviance",
        [0.0],
        [1.0],
        2 / (2 - 1.5),
        0.0,
        rel=1e-7,
        params={"power": 1.5},
    ),
    *(
        Row(
            f"sk-limit-tweedie-{power}-one",
            f"{SK}::test_regression_metrics_at_limits",
            "tweedie_deviance",
            [1.0],
            [1.0],
            0.0,
            1e-8,
            params={"power": power},
        )
        for power in (2.0, 3.0)
    ),
    # test_regression_multioutput_array: raw values, one output at a time
    *(
        Row(
            f"sk-array-{name}{'-ff' if 'force_finite' in params else ''}",
            f"{SK}::test_regression_multioutput_array",
            name,
            AR_Y,
            AR_P,
            value,
            1.5e-2,
            params=params,
            reduce="raw_values",
            kind="metric" if name == "mae" else "",
        )
        for name, value, params in (
            ("mse", [0.125, 0.5625], {}),
            ("mae", [0.25, 0.625], {}),
            ("pinball", [0.25 / 2, 0.625 / 2], {}),
            ("mape", [0.0778, 0.2262], {}),
            ("r2", [0.95, 0.93], {}),
            ("explained_variance", [0.95, 0.93], {}),
            ("d2_pinball_score", [0.833, 0.722], {"alpha": 0.5}),
            ("explained_variance", [0.95, 0.93], {"force_finite": False}),
        )
    ),
    *(
        Row(
            f"sk-array-ones-{name}",
            f"{SK}::test_regression_multioutput_array",
            name,
            [[0, 0]] * 4,
            [[1, 1]] * 4,
            value,
            1.5e-2,
            reduce="raw_values",
        )
        for name, value in (
            ("mse", [1.0, 1.0]),
            ("pinball", [0.5, 0.5]),
            ("r2", [0.0, 0.0]),
            ("d2_pinball_score", [0.0, 0.0]),
        )
    ),
    *(
        Row(
            f"sk-array-{tag}",
            f"{SK}::test_regression_multioutput_array",
            name,
            y,
            p,
            value,
            1.5e-2,
            params=params,
            reduce=reduce,
        )
        for tag, name, y, p, value, params, reduce in (
            ("r2-raw", "r2", [[0, -1], [0, 1]], [[2, 2], [1, 1]], [0, -3.5], {}, "raw_values"),
            ("r2-mean", "r2", [[0, -1], [0, 1]], [[2, 2], [1, 1]], -1.75, {}, "mean"),
            (
                "ev-raw",
                "explained_variance",
                [[0, -1], [0, 1]],
                [[2, 2], [1, 1]],
                [0, -1.25],
                {},
                "raw_values",
            ),
            (
                "ev-ff-raw",
                "explained_variance",
                [[0, -1], [0, 1]],
                [[2, 2], [1, 1]],
                [-math.inf, -1.25],
                {"force_finite": False},
                "raw_values",
            ),
            (
                "r2-zero-raw",
                "r2",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                [1.0, -3.0],
                {},
                "raw_values",
            ),
            (
                "r2-zero-ff-raw",
                "r2",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                [math.nan, -3.0],
                {"force_finite": False},
                "raw_values",
            ),
            (
                "ev-zero-raw",
                "explained_variance",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                [1.0, -3.0],
                {},
                "raw_values",
            ),
            (
                "ev-zero-mean",
                "explained_variance",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                -1.0,
                {},
                "mean",
            ),
            (
                "d2p-zero-raw",
                "d2_pinball_score",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                [1.0, -1.0],
                {},
                "raw_values",
            ),
            (
                "ev-zero-ff-raw",
                "explained_variance",
                [[1, 3], [1, 2]],
                [[1, 4], [1, 1]],
                [math.nan, -3.0],
                {"force_finite": False},
                "raw_values",
            ),
        )
    ),
    # test_regression_custom_weights: multioutput=[0.4, 0.6]
    *(
        Row(
            f"sk-custom-{name}{'-ff' if 'force_finite' in params else ''}",
            f"{SK}::test_regression_custom_weights",
            name,
            AR_Y,
            AR_P,
            value,
            1.5 * 10.0**-decimal,
            params=params,
            reduce="outputs",
            outputs=(0.4, 0.6),
            kind="metric" if name == "mae" else "",
        )
        for name, value, decimal, params in (
            ("mse", 0.39, 2, {}),
            ("rmse", 0.59, 2, {}),
            ("mae", 0.475, 3, {}),
            ("mape", 0.1668, 2, {}),
            ("r2", 0.94, 2, {}),
            ("explained_variance", 0.94, 2, {}),
            ("d2_pinball_score", 0.766, 2, {"alpha": 0.5}),
            ("explained_variance", 0.94, 2, {"force_finite": False}),
        )
    ),
    # test_regression_single_sample: NaN below two samples
    *(
        Row(
            f"sk-single-{name}",
            f"{SK}::test_regression_single_sample",
            name,
            [0.0],
            [1.0],
            math.nan,
            0.0,
        )
        for name in ("r2", "d2_tweedie_score", "d2_pinball_score")
    ),
    # the docstring examples (ELLIPSIS: the digits shown)
    Row(
        "sk-doc-d2t",
        f"{SKDOC}::d2_tweedie_score",
        "d2_tweedie_score",
        [0.5, 1, 2.5, 7],
        [1, 1, 5, 3.5],
        0.285,
        1e-3,
    ),
    Row(
        "sk-doc-d2t-1",
        f"{SKDOC}::d2_tweedie_score",
        "d2_tweedie_score",
        [0.5, 1, 2.5, 7],
        [1, 1, 5, 3.5],
        0.487,
        1e-3,
        params={"power": 1},
    ),
    Row(
        "sk-doc-d2t-2",
        f"{SKDOC}::d2_tweedie_score",
        "d2_tweedie_score",
        [0.5, 1, 2.5, 7],
        [1, 1, 5, 3.5],
        0.630,
        1e-3,
        params={"power": 2},
    ),
    Row(
        "sk-doc-d2t-perfect",
        f"{SKDOC}::d2_tweedie_score",
        "d2_tweedie_score",
        [0.5, 1, 2.5, 7],
        [0.5, 1, 2.5, 7],
        1.0,
        1e-12,
        params={"power": 2},
    ),
    Row(
        "sk-doc-d2p",
        f"{SKDOC}::d2_pinball_score",
        "d2_pinball_score",
        [1, 2, 3],
        [1, 3, 3],
        0.5,
        1e-12,
    ),
    Row(
        "sk-doc-d2p-.9",
        f"{SKDOC}::d2_pinball_score",
        "d2_pinball_score",
        [1, 2, 3],
        [1, 3, 3],
        0.666,
        1e-3,
        params={"alpha": 0.9},
    ),
    Row(
        "sk-doc-d2p-.1",
        f"{SKDOC}::d2_pinball_score",
        "d2_pinball_score",
        [1, 2, 3],
        [1, 3, 3],
        -1.999,
        1e-3,
        params={"alpha": 0.1},
    ),
    Row(
        "sk-doc-d2p-perfect",
        f"{SKDOC}::d2_pinball_score",
        "d2_pinball_score",
        [1, 2, 3],
        [1, 2, 3],
        1.0,
        1e-12,
        params={"alpha": 0.1},
    ),
    Row(
        "sk-doc-d2a-raw",
        f"{SKDOC}::d2_absolute_error_score",
        "d2_absolute_error_score",
        [[0.5, 1], [-1, 1], [7, -6]],
        [[0, 2], [-1, 2], [8, -5]],
        [0.8125, 0.57142857],
        1e-8,
        reduce="raw_values",
    ),
    *(
        Row(
            f"sk-doc-d2a-{value}",
            f"{SKDOC}::d2_absolute_error_score",
            "d2_absolute_error_score",
            [1, 2, 3],
            p,
            value,
            1e-12,
        )
        for p, value in (([1, 2, 3], 1.0), ([2, 2, 2], 0.0), ([3, 2, 1], -1.0))
    ),
]

KERAS_Y = [[1, 9, 2], [-5, -2, 6]]
KERAS_P = [[4, 8, 12], [8, 1, 3]]
STEP_Y = [[1], [9], [2], [-5], [-2], [6]]  # (2, 3, 1) with per-element weights: 6 samples
STEP_P = [[4], [8], [12], [8], [1], [3]]
STEP_W = [3, 6, 5, 0, 4, 2]
HINGE_Y = [[0.0, 1.0], [0.0, 0.0]]
HINGE_P = [[0.6, 0.4], [0.4, 0.6]]
CAT_HINGE_Y = [[0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]]
CAT_HINGE_P = [[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 1, 1, 1, 1]]
HUBER_P = np.array([[0.9, 0.2, 0.2], [0.8, 0.4, 0.6]])
HUBER_Y = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
CCE_Y = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
CCE_P = [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]]
CCE_Z = [[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]]
F32_EPS = 2.0**-23  # Keras: 1 − 1e-7 in float32 is 1 − 2^−23
KERAS_CCE = {"normalize": True, "eps": 1e-7}  # Keras divides each row by its sum


def _huber(y: np.ndarray, p: np.ndarray, delta: float = 1.0) -> np.ndarray:  # HuberLossTest
    a = np.abs(p - y)
    q = np.minimum(a, delta)
    return 0.5 * q * q + delta * (a - q)


def _logcosh(y: Any, p: Any) -> np.ndarray:  # LogCoshTest
    e = np.asarray(p, np.float32) - np.asarray(y, np.float32)
    return np.log((np.exp(e) + np.exp(-e)) / 2)


def _cos(y: Any, p: Any) -> np.ndarray:  # CosineSimilarityTest.l2_norm
    def norm(x: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=1, keepdims=True), 1e-12))

    return np.sum(norm(np.asarray(y, float)) * norm(np.asarray(p, float)), axis=1)


KERAS: list[Row] = [
    # MeanSquaredErrorTest / MeanAbsoluteErrorTest / MeanAbsolutePercentageErrorTest
    *(
        Row(
            f"keras-{name}-{tag}",
            f"{KT}::{cls}.{test}",
            name,
            y,
            p,
            value,
            tol,
            weights=w,
            reduce=reduce,
            scale=100.0 if name == "mape" else 1.0,
            kind="loss",
        )
        for name, cls, cases in (
            (
                "mse",
                "MeanSquaredErrorTest",
                (
                    ("unweighted", 49.5, None, "mean", 1.5e-3),
                    ("scalar_weighted", 113.85, [2.3, 2.3], "sum/n", 1.5e-3),
                    ("sample_weighted", 767.8 / 6, [1.2, 3.4], "sum/n", 1.5e-3),
                    ("timestep_weighted", 97.833336, STEP_W, "sum/n", 1.5e-3),
                    ("no_reduction", [84.3333, 143.3666], [2.3, 2.3], "per_sample", 1.5e-3),
                    ("sum_reduction", 227.69998, [2.3, 2.3], "sum", 1.5e-3),
                    (
                        "mean_with_sample_weight_reduction",
                        (110 / 3 * 1.2 + 187 / 3 * 3.4) / (1.2 + 3.4),
                        [1.2, 3.4],
                        "mean",
                        1.5e-3,
                    ),
                ),
            ),
            (
                "mae",
                "MeanAbsoluteErrorTest",
                (
                    ("unweighted", 5.5, None, "mean", 1.5e-3),
                    ("scalar_weighted", 12.65, [2.3, 2.3], "sum/n", 1.5e-3),
                    ("sample_weighted", 81.4 / 6, [1.2, 3.4], "sum/n", 1.5e-3),
                    ("timestep_weighted", 13.833333, STEP_W, "sum/n", 1.5e-3),
                    ("no_reduction", [10.7333, 14.5666], [2.3, 2.3], "per_sample", 1.5e-3),
                    ("sum_reduction", 25.29999, [2.3, 2.3], "sum", 1.5e-3),
                    (
                        "mean_with_sample_weight_reduction",
                        (14 / 3 * 1.2 + 19 / 3 * 3.4) / (1.2 + 3.4),
                        [1.2, 3.4],
                        "mean",
                        1.5e-3,
                    ),
                ),
            ),
            (
                "mape",
                "MeanAbsolutePercentageErrorTest",
                (
                    ("unweighted", 211.8518, None, "mean", 1.5e-3),
                    ("scalar_weighted", 487.259, [2.3, 2.3], "sum/n", 1.5e-3),
                    ("sample_weighted", 422.8888, [1.2, 3.4], "sum/n", 1.5e-3),
                    ("timestep_weighted", 694.4444, STEP_W, "sum/n", 1.5e-3),
                    ("no_reduction", [621.8518, 352.6666], [2.3, 2.3], "per_sample", 1.5e-3),
                    ("mean_with_sample_weight_reduction", 183.865, [1.2, 3.4], "mean", 1.5e-3),
                ),
            ),
        )
        for tag, value, w, reduce, tol in cases
        for test in [f"test_{tag}"]
        for y, p in [(STEP_Y, STEP_P) if tag == "timestep_weighted" else (KERAS_Y, KERAS_P)]
    ),
    # HingeTest / SquaredHingeTest: (2, 2) targets, the mean over the last axis
    *(
        Row(
            f"keras-{name}-{tag}",
            f"{KT}::{cls}.{test}",
            name,
            HINGE_Y,
            HINGE_P,
            value,
            1.5e-3 if reduce != "per_sample" or w else 1e-6,
            task="multilabel",
            weights=w,
            reduce=reduce,
        )
        for name, cls, cases in (
            (
                "hinge",
                "HingeTest",
                (
                    ("unweighted", "test_unweighted", 1.3, None, "mean"),
                    ("unweighted-sum", "test_unweighted", 2.6, None, "sum"),
                    ("unweighted-none", "test_unweighted", [1.1, 1.5], None, "per_sample"),
                    ("weighted", "test_weighted", 0.55, [1, 0], "sum/n"),
                    ("weighted-sum", "test_weighted", 1.1, [1, 0], "sum"),
                    ("weighted-none", "test_weighted", [1.1, 0.0], [1, 0], "per_sample"),
                ),
            ),
            (
                "squared_hinge",
                "SquaredHingeTest",
                (
                    ("unweighted", "test_unweighted", 1.86, None, "mean"),
                    ("unweighted-sum", "test_unweighted", 3.72, None, "sum"),
                    ("unweighted-none", "test_unweighted", [1.46, 2.26], None, "per_sample"),
                    ("weighted", "test_weighted", 0.73, [1, 0], "sum/n"),
                    ("weighted-sum", "test_weighted", 1.46, [1, 0], "sum"),
                    ("weighted-none", "test_weighted", [1.46, 0.0], [1, 0], "per_sample"),
                ),
            ),
        )
        for tag, test, value, w, reduce in cases
    ),
    # CategoricalHingeTest: the row [0, 0] has no class (multi-hot targets, or none, are
    # the multilabel task; Keras' formula, pos = 0 there): per sample 1.2 and 1.6
    *(
        Row(
            f"keras-categorical-hinge-{tag}",
            f"{KT}::CategoricalHingeTest.{test}",
            "categorical_hinge",
            HINGE_Y,
            HINGE_P,
            value,
            1.5e-3 if reduce != "per_sample" else 1e-6,
            task="multilabel",
            weights=w,
            reduce=reduce,
            conversion="multi-hot / all-zero target rows: --task multilabel (inferred)",
        )
        for tag, test, value, w, reduce in (
            ("unweighted", "test_unweighted", 1.4, None, "mean"),
            ("unweighted-sum", "test_unweighted", 2.8, None, "sum"),
            ("unweighted-none", "test_unweighted", [1.2, 1.6], None, "per_sample"),
            ("weighted", "test_weighted", 0.6, [1, 0], "sum/n"),
            ("weighted-sum", "test_weighted", 1.2, [1, 0], "sum"),
            ("weighted-none", "test_weighted", [1.2, 0.0], [1, 0], "per_sample"),
        )
    ),
    # keras/src/metrics/hinge_metrics_test.py::CategoricalHingeTest: multi-hot rows; the
    # metric is the weighted mean Σ w·l / Σ w (per sample 1, 0, 0, 1)
    *(
        Row(
            f"keras-categorical-hinge-metric-{tag}",
            f"{KMT}::CategoricalHingeTest.test_{tag}",
            "categorical_hinge",
            CAT_HINGE_Y,
            CAT_HINGE_P,
            0.5,
            1e-5,
            task="multilabel",
            weights=w,
            conversion="multi-hot target rows: --task multilabel (inferred)",
        )
        for tag, w in (("unweighted", None), ("weighted", [1.0, 1.5, 2.0, 2.5]))
    ),
    # CosineSimilarityTest: the test's own numpy expression
    Row(
        "keras-cosine-unweighted",
        f"{KT}::CosineSimilarityTest.test_unweighted",
        "cosine_similarity",
        KERAS_Y,
        KERAS_P,
        float(-np.mean(_cos(KERAS_Y, KERAS_P))),
        1.5e-3,
    ),
    Row(
        "keras-cosine-axis",
        f"{KT}::CosineSimilarityTest.test_axis",
        "cosine_similarity",
        KERAS_Y,
        KERAS_P,
        float(-np.mean(_cos(KERAS_Y, KERAS_P))),
        1.5e-3,
    ),
    Row(
        "keras-cosine-scalar",
        f"{KT}::CosineSimilarityTest.test_scalar_weighted",
        "cosine_similarity",
        KERAS_Y,
        KERAS_P,
        float(-np.mean(_cos(KERAS_Y, KERAS_P) * 2.3)),
        1.5e-3,
        weights=[2.3, 2.3],
        reduce="sum/n",
    ),
    Row(
        "keras-cosine-sample",
        f"{KT}::CosineSimilarityTest.test_sample_weighted",
        "cosine_similarity",
        KERAS_Y,
        KERAS_P,
        float(-np.mean(_cos(KERAS_Y, KERAS_P) * np.array([1.2, 3.4]))),
        1.5e-3,
        weights=[1.2, 3.4],
        reduce="sum/n",
    ),
    Row(
        "keras-cosine-timestep",
        f"{KT}::CosineSimilarityTest.test_timestep_weighted",
        "cosine_similarity",
        STEP_Y,
        STEP_P,
        float(-np.mean(_cos(STEP_Y, STEP_P) * np.array(STEP_W))),
        1.5e-3,
        weights=STEP_W,
        reduce="sum/n",
    ),
    Row(
        "keras-cosine-doc",
        f"{KDOC}::cosine_similarity",
        "cosine_similarity",
        [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
        [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]],
        [-0.0, -0.99999994, 0.99999994],
        1e-6,
        reduce="per_sample",
    ),
    # HuberLossTest (batch_size 6: the mean over every element)
    *(
        Row(
            f"keras-huber-{tag}",
            f"{KT}::HuberLossTest.test_{tag.split('@')[0]}",
            "huber",
            y,
            p,
            value,
            1.5e-3,
            weights=w,
            reduce=reduce,
            params={"delta": delta},
        )
        for tag, y, p, w, reduce, delta, value in (
            ("all_correct", HUBER_Y, HUBER_Y, None, "mean", 1.0, 0.0),
            ("unweighted", HUBER_Y, HUBER_P, None, "mean", 1.0, _huber(HUBER_Y, HUBER_P).sum() / 6),
            (
                "scalar_weighted",
                HUBER_Y,
                HUBER_P,
                [2.3, 2.3],
                "sum/n",
                1.0,
                2.3 * _huber(HUBER_Y, HUBER_P).sum() / 6,
            ),
            (
                "sample_weighted",
                HUBER_Y,
                HUBER_P,
                [1.2, 3.4],
                "sum/n",
                1.0,
                np.sum(_huber(HUBER_Y, HUBER_P) * np.array([[1.2], [3.4]])) / 6,
            ),
            (
                "timestep_weighted",
                HUBER_Y.reshape(6, 1),
                HUBER_P.reshape(6, 1),
                STEP_W,
                "sum/n",
                1.0,
                np.sum(_huber(HUBER_Y, HUBER_P).reshape(6) * np.array(STEP_W)) / 6,
            ),
            (
                "non_default_delta",
                HUBER_Y,
                HUBER_P,
                [2.3, 2.3],
                "sum/n",
                0.8,
                2.3 * _huber(HUBER_Y, HUBER_P, 0.8).sum() / 6,
            ),
        )
    ),
    # LogCoshTest
    *(
        Row(
            f"keras-logcosh-{tag}",
            f"{KT}::LogCoshTest.test_{tag}",
            "log_cosh",
            y,
            p,
            value,
            1.5e-3,
            weights=w,
            reduce=reduce,
        )
        for tag, y, p, w, reduce, value in (
            ("unweighted", KERAS_Y, KERAS_P, None, "mean", _logcosh(KERAS_Y, KERAS_P).sum() / 6),
            (
                "scalar_weighted",
                KERAS_Y,
                KERAS_P,
                [2.3, 2.3],
                "sum/n",
                2.3 * _logcosh(KERAS_Y, KERAS_P).sum() / 6,
            ),
            (
                "sample_weighted",
                KERAS_Y,
                KERAS_P,
                [1.2, 3.4],
                "sum/n",
                np.sum(_logcosh(KERAS_Y, KERAS_P) * np.array([[1.2], [3.4]])) / 6,
            ),
            (
                "timestep_weighted",
                STEP_Y,
                STEP_P,
                STEP_W,
                "sum/n",
                np.sum(_logcosh(STEP_Y, STEP_P).reshape(6) * np.array(STEP_W)) / 6,
            ),
        )
    ),
    # PoissonTest: Keras' ŷ − y·log(ŷ + 1e-7)
    *(
        Row(
            f"keras-poisson-{tag}",
            f"{KT}::PoissonTest.test_{tag}",
            "poisson",
            y,
            p,
            value,
            1.5e-3,
            weights=w,
            reduce=reduce,
            params={"eps": 1e-7},
        )
        for tag, y, p, w, reduce, value in (
            (
                "unweighted",
                [[4, 8, 12], [8, 1, 3]],
                [[1, 9, 2], [5, 2, 6]],
                None,
                "mean",
                float(
                    np.mean(
                        np.array([[1, 9, 2], [5, 2, 6]])
                        - np.array([[4, 8, 12], [8, 1, 3]])
                        * np.log(np.array([[1, 9, 2], [5, 2, 6]]))
                    )
                ),
            ),
            (
                "sample_weighted",
                [[4, 8, 12], [8, 1, 3]],
                [[1, 9, 2], [5, 2, 6]],
                [1.2, 3.4],
                "sum/n",
                float(
                    np.sum(
                        (
                            np.array([[1, 9, 2], [5, 2, 6]])
                            - np.array([[4, 8, 12], [8, 1, 3]])
                            * np.log(np.array([[1, 9, 2], [5, 2, 6]]))
                        )
                        * np.array([[1.2], [3.4]])
                    )
                    / 6
                ),
            ),
        )
    ),
    # BinaryCrossentropyTest: (n, C) targets, the mean over the last axis (multilabel)
    Row(
        "keras-bce-unweighted",
        f"{KT}::BinaryCrossentropyTest.test_unweighted",
        "binary_cross_entropy",
        CCE_Y,
        [[0.9, 0.1, 0.2], [0.3, 0.8, 0.1], [0.1, 0.2, 0.7]],
        0.20046903,
        2e-6,
        task="multilabel",
    ),
    Row(
        "keras-bce-clipped",
        f"{KT}::BinaryCrossentropyTest.test_unweighted",
        "binary_cross_entropy",
        [[1, 0], [1, 0]],
        [[1.0, 1.0], [1.0, 0.0]],
        3.98559,
        1.5e-3,
        task="multilabel",
        params={"eps": F32_EPS},
    ),
    Row(
        "keras-bce-logits",
        f"{KT}::BinaryCrossentropyTest.test_unweighted",
        "binary_cross_entropy",
        [[1, 0, 1], [0, 1, 1]],
        [[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]],
        3.3333,
        1.5e-3,
        task="multilabel",
        params={"from_logits": True},
    ),
    Row(
        "keras-bce-scalar",
        f"{KT}::BinaryCrossentropyTest.test_scalar_weighted",
        "binary_cross_entropy",
        [[1, 0], [1, 0]],
        [[1.0, 1.0], [1.0, 0.0]],
        9.1668,
        1.5e-3,
        task="multilabel",
        params={"eps": F32_EPS},
        weights=[2.3, 2.3],
        reduce="sum/n",
    ),
    Row(
        "keras-bce-logits-scalar",
        f"{KT}::BinaryCrossentropyTest.test_scalar_weighted",
        "binary_cross_entropy",
        [[1, 0, 1], [0, 1, 1]],
        [[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]],
        7.666,
        1.5e-3,
        task="multilabel",
        params={"from_logits": True},
        weights=[2.3, 2.3],
        reduce="sum/n",
    ),
    Row(
        "keras-bce-sample",
        f"{KT}::BinaryCrossentropyTest.test_sample_weighted",
        "binary_cross_entropy",
        [[1, 0], [1, 0]],
        [[1.0, 1.0], [1.0, 0.0]],
        4.7827,
        1.5e-3,
        task="multilabel",
        params={"eps": F32_EPS},
        weights=[1.2, 3.4],
        reduce="sum/n",
    ),
    Row(
        "keras-bce-logits-sample",
        f"{KT}::BinaryCrossentropyTest.test_sample_weighted",
        "binary_cross_entropy",
        [[1, 0, 1], [0, 1, 1]],
        [[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]],
        10.0,
        1.5e-3,
        task="multilabel",
        params={"from_logits": True},
        weights=[4, 3],
        reduce="sum/n",
    ),
    Row(
        "keras-bce-logits-none",
        f"{KT}::BinaryCrossentropyTest.test_no_reduction",
        "binary_cross_entropy",
        [[1, 0, 1], [0, 1, 1]],
        [[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]],
        [0.0, 6.666],
        1e-3,
        task="multilabel",
        params={"from_logits": True},
        reduce="per_sample",
    ),
    Row(
        "keras-bce-smoothing",
        f"{KT}::BinaryCrossentropyTest.test_label_smoothing",
        "binary_cross_entropy",
        [[1, 0, 1]],
        [[10.0, -10.0, -10.0]],
        (10.0 + 5.0 * 0.1) / 3.0,
        1.5e-3,
        task="multilabel",
        params={"from_logits": True, "label_smoothing": 0.1},
    ),
    # CategoricalCrossentropyTest and SparseCategoricalCrossentropyTest (the same figures)
    *(
        Row(
            f"keras-{'s' if sparse else ''}cce-{tag}",
            f"{KT}::{'Sparse' if sparse else ''}CategoricalCrossentropyTest.test_{test}",
            "categorical_cross_entropy",
            [0, 1, 2] if sparse else CCE_Y,
            p,
            value,
            1.5e-3 if reduce != "per_sample" else 2e-6,
            task="multiclass",
            params={"from_logits": True} if logits else dict(KERAS_CCE),
            weights=w,
            reduce=reduce,
        )
        for sparse in (False, True)
        for tag, test, p, logits, w, reduce, value in (
            ("unweighted", "unweighted", CCE_P, False, None, "mean", 0.3239),
            ("logits", "unweighted", CCE_Z, True, None, "mean", 0.0573),
            ("scalar", "scalar_weighted", CCE_P, False, [2.3] * 3, "sum/n", 0.7449),
            ("logits-scalar", "scalar_weighted", CCE_Z, True, [2.3] * 3, "sum/n", 0.1317),
            ("sample", "sample_weighted", CCE_P, False, [1.2, 3.4, 5.6], "sum/n", 1.0696),
            ("logits-sample", "sample_weighted", CCE_Z, True, [1.2, 3.4, 5.6], "sum/n", 0.31829),
            (
                "none",
                "no_reduction",
                CCE_Z,
                True,
                None,
                "per_sample",
                [0.001822, 0.000459, 0.169846],
            ),
        )
    ),
    Row(
        "keras-cce-smoothing",
        f"{KT}::CategoricalCrossentropyTest.test_label_smoothing",
        "categorical_cross_entropy",
        [[1, 0, 0]],
        [[100.0, -100.0, -100.0]],
        400.0 * 0.1 / 3.0,
        1.5e-3,
        task="multiclass",
        params={"from_logits": True, "label_smoothing": 0.1},
    ),
    Row(
        "keras-scce-ignore-class",
        f"{KT}::SparseCategoricalCrossentropyTest.test_ignore_class",
        "categorical_cross_entropy",
        [2],
        [[0.088, 0.86, 0.018]],
        [1.480129],
        2e-6,
        task="multiclass",
        params={"from_logits": True},
        reduce="per_sample",
        conversion="the ignored row (class -1) is left out: losscli's ignore_index is a "
        "class index 0..C-1, and a row outside the classes is an input error",
    ),
    # BinaryFocalCrossentropyTest: (1 − p_t)^γ·BCE, mean over the last axis
    *(
        Row(
            f"keras-bfocal-{tag}",
            f"{KT}::BinaryFocalCrossentropyTest.test_{test}",
            "focal",
            [[1, 0], [1, 0]] if not logits else [[1, 0, 1], [0, 1, 0]],
            [[0.9, 0.8], [0.7, 0.2]] if not logits else [[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]],
            value,
            1.5e-3 if reduce != "per_sample" else 2e-6,
            task="multilabel",
            params={"gamma": gamma, "from_logits": logits},
            weights=w,
            reduce=reduce,
        )
        for tag, test, logits, gamma, w, reduce, value in (
            ("unweighted", "unweighted", False, 2.0, None, "mean", 0.268),
            ("scalar", "scalar_weighted", False, 2.0, [1.23, 1.23], "sum/n", 0.3296),
            ("sample", "sample_weighted", False, 2.0, [1.2, 3.4], "sum/n", 0.34415),
            ("none", "no_reduction", False, 2.0, None, "per_sample", [0.515547, 0.020513]),
        )
    ),
    # CategoricalFocalCrossentropyTest: Keras' alpha = 0.25, eps 1e-7, rows divided by sums
    *(
        Row(
            f"keras-cfocal-{tag}",
            f"{KT}::CategoricalFocalCrossentropyTest.test_{test}",
            "categorical_focal",
            CCE_Y,
            p,
            value,
            tol,
            task="multiclass",
            params={"alpha": 0.25, "from_logits": logits, "eps": 1e-7},
            weights=w,
            reduce=reduce,
            conversion=""
            if logits
            else "the predictions divided by their row sums first (Keras does; row 2 sums to 1.99)",
            transform="" if logits else "row_sum",
        )
        for tag, test, p, logits, w, reduce, value, tol in (
            ("unweighted", "unweighted", CCE_P, False, None, "mean", 0.02059, 1.5e-3),
            ("logits", "unweighted", CCE_Z, True, None, "mean", 0.000345, 1.5e-3),
            ("scalar", "scalar_weighted", CCE_P, False, [2.3] * 3, "sum/n", 0.047368, 1.5e-3),
            ("logits-scalar", "scalar_weighted", CCE_Z, True, [2.3] * 3, "sum/n", 0.000794, 1.5e-4),
            ("sample", "sample_weighted", CCE_P, False, [1.2, 3.4, 5.6], "sum/n", 0.06987, 1.5e-3),
            (
                "logits-sample",
                "sample_weighted",
                CCE_Z,
                True,
                [1.2, 3.4, 5.6],
                "sum/n",
                0.001933,
                1.5e-3,
            ),
            (
                "none",
                "no_reduction",
                CCE_Z,
                True,
                None,
                "per_sample",
                [1.5096224e-09, 2.4136547e-11, 1.0360638e-03],
                2e-6,
            ),
        )
    ),
    Row(
        "keras-cfocal-smoothing",
        f"{KT}::CategoricalFocalCrossentropyTest.test_label_smoothing",
        "categorical_focal",
        [[1, 0, 0]],
        [[4.9, -0.5, 2.05]],
        0.06685,
        1.5e-3,
        task="multiclass",
        params={"alpha": 0.25, "from_logits": True, "label_smoothing": 0.1, "eps": 1e-7},
    ),
    Row(
        "keras-cfocal-doc",
        f"{KDOC}::categorical_focal_crossentropy",
        "categorical_focal",
        [[0, 1, 0], [0, 0, 1]],
        [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]],
        [2.63401289e-04, 6.75912094e-01],
        2e-6,
        task="multiclass",
        params={"alpha": 0.25, "eps": 1e-7},
        reduce="per_sample",
    ),
    # DiceTest / TverskyTest with axis over a sample's values (per-sample losses)
    *(
        Row(
            f"keras-{name}-axis{'-' + str(params) if params else ''}",
            f"{KT}::{cls}.{test}",
            name,
            [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],
            [[0.0, 1.0, 0.0, 1.0], [0.4, 0.0, 0.0, 0.9]],
            value,
            1e-6,
            task="multilabel",
            params=params,
            reduce="per_sample",
        )
        for name, cls, test, params, value in (
            ("dice", "DiceTest", "test_binary_segmentation_with_axis", {}, [0.5, 0.75757575]),
            ("tversky", "TverskyTest", "test_binary_segmentation_with_axis", {}, [0.5, 0.75757575]),
            (
                "tversky",
                "TverskyTest",
                "test_binary_segmentation_custom_coefficients_with_axis",
                {"alpha": 0.2, "beta": 0.8},
                [0.5, 0.78494626],
            ),
        )
    ),
    Row(
        "keras-dice-doc-axis",
        f"{KDOC}::dice",
        "dice",
        [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],
        [[0.0, 1.0, 0.0, 1.0], [0.4, 0.0, 0.0, 0.9]],
        [0.5, 0.75757575],
        1e-6,
        task="multilabel",
        reduce="per_sample",
    ),
]

TORCHMETRICS: list[Row] = [
    Row(
        "tm-mse",
        f"{TM}/mse.py::mean_squared_error",
        "mse",
        [0.0, 1, 2, 2],
        [0.0, 1, 2, 3],
        0.25,
        5e-5,
    ),
    Row(
        "tm-mae",
        f"{TM}/mae.py::mean_absolute_error",
        "mae",
        [0.0, 1, 2, 2],
        [0.0, 1, 2, 3],
        0.25,
        5e-5,
        kind="metric",
    ),
    Row(
        "tm-msle",
        f"{TM}/log_mse.py::mean_squared_log_error",
        "msle",
        [0.0, 1, 2, 2],
        [0.0, 1, 2, 3],
        0.0207,
        5e-5,
    ),
    Row(
        "tm-mape",
        f"{TM}/mape.py::mean_absolute_percentage_error",
        "mape",
        [1, 10, 1e6],
        [0.9, 15, 1.2e6],
        0.2667,
        5e-5,
    ),
    Row(
        "tm-log-cosh",
        f"{TM}/log_cosh.py::log_cosh_error",
        "log_cosh",
        [2.5, 5.0, 4.0, 8.0],
        [3.0, 5.0, 2.5, 7.0],
        0.3523,
        5e-5,
    ),
    Row(
        "tm-log-cosh-raw",
        f"{TM}/log_cosh.py::log_cosh_error",
        "log_cosh",
        [[2.5, 5.0, 1.3], [0.3, 4.0, 8.0]],
        [[3.0, 5.0, 1.2], [-2.1, 2.5, 7.0]],
        [0.9176, 0.4277, 0.2194],
        5e-5,
        reduce="raw_values",
    ),
    Row(
        "tm-ev",
        f"{TM}/explained_variance.py::explained_variance",
        "explained_variance",
        [3, -0.5, 2, 7],
        [2.5, 0.0, 2, 8],
        0.9572,
        5e-5,
    ),
    Row(
        "tm-ev-raw",
        f"{TM}/explained_variance.py::explained_variance",
        "explained_variance",
        [[0.5, 1], [-1, 1], [7, -6]],
        [[0, 2], [-1, 2], [8, -5]],
        [0.9677, 1.0000],
        5e-5,
        reduce="raw_values",
    ),
    Row("tm-r2", f"{TM}/r2.py::r2_score", "r2", [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.9486, 5e-5),
    Row(
        "tm-r2-raw",
        f"{TM}/r2.py::r2_score",
        "r2",
        [[0.5, 1], [-1, 1], [7, -6]],
        [[0, 2], [-1, 2], [8, -5]],
        [0.9654, 0.9082],
        5e-5,
        reduce="raw_values",
    ),
    Row(
        "tm-tweedie",
        f"{TM}/tweedie_deviance.py::tweedie_deviance_score",
        "tweedie_deviance",
        [1.0, 2.0, 3.0, 4.0],
        [4.0, 3.0, 2.0, 1.0],
        1.2083,
        5e-5,
        params={"power": 2},
    ),
    Row(
        "tm-kl",
        f"{TM}/kl_divergence.py::kl_divergence",
        "kl_divergence",
        [[0.36, 0.48, 0.16]],
        [[1 / 3, 1 / 3, 1 / 3]],
        0.0853,
        5e-5,
        task="multiclass",
    ),
    Row(
        "tm-cosine",
        f"{TM}/cosine_similarity.py::cosine_similarity",
        "cosine_similarity",
        [[1, 2, 3, 4], [1, 2, 3, 4]],
        [[1, 2, 3, 4], [-1, -2, -3, -4]],
        [1.0, -1.0],
        5e-5,
        reduce="per_sample",
        conversion="torchmetrics gives +cos; the Keras-signed loss is −cos",
        scale=-1.0,
    ),
    Row(
        "tm-binary-hinge",
        f"{TMH}::binary_hinge_loss",
        "hinge",
        [0, 0, 1, 1, 1],
        [0.25, 0.25, 0.55, 0.75, 0.75],
        0.6900,
        5e-5,
        task="binary",
    ),
    Row(
        "tm-binary-hinge-squared",
        f"{TMH}::binary_hinge_loss",
        "squared_hinge",
        [0, 0, 1, 1, 1],
        [0.25, 0.25, 0.55, 0.75, 0.75],
        0.6905,
        5e-5,
        task="binary",
    ),
    Row(
        "tm-hinge-binary",
        f"{TMH}::hinge_loss",
        "hinge",
        [0, 1, 1],
        [0.5, 0.7, 0.1],
        0.9000,
        5e-5,
        task="binary",
    ),
    Row(
        "tm-multiclass-hinge",
        f"{TMH}::multiclass_hinge_loss",
        "multiclass_hinge",
        [0, 1, 2, 0],
        [[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]],
        0.9125,
        5e-5,
        task="multiclass",
    ),
    Row(
        "tm-multiclass-hinge-squared",
        f"{TMH}::multiclass_hinge_loss",
        "multiclass_hinge",
        [0, 1, 2, 0],
        [[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]],
        1.1131,
        5e-5,
        task="multiclass",
        params={"squared": True},
    ),
    Row(
        "tm-hinge-multiclass-softmax",
        f"{TMH}::hinge_loss",
        "multiclass_hinge",
        [0, 1, 2],
        softmax(np.array([[-1.0, 0.9, 0.2], [0.5, -1.1, 0.8], [2.2, -0.5, 0.3]]), axis=1),
        1.5551,
        5e-5,
        task="multiclass",
        conversion="torchmetrics softmaxes scores outside [0, 1] first: the row gives losscli "
        "softmax(preds)",
    ),
]

ROWS = [*SKLEARN, *KERAS, *TORCHMETRICS]

# Peer cases losscli does not reproduce, each with why.  test_unsupported_is_exactly pins
# this list; test_unsupported_rows_are_refused shows that losscli refuses those it can read
# rather than give another number silently.
UNSUPPORTED: dict[str, str] = {
    f"{SK}::test_multioutput_regression (variance_weighted)": "multioutput='variance_weighted' "
    "is --param multioutput (helper perclass); the registry averages outputs uniformly",
    f"{KT}::*.test_zero_weighted": "sample_weight=0 on every sample: Keras returns 0, losscli "
    "refuses all-zero weights (no figure is defined)",
    f"{KT}::MeanSquaredLogarithmicErrorTest.*": "targets of −5 and −2: Keras clips them to "
    "1e-7 before log1p; losscli refuses values ≤ −1 (input error) rather than change them",
    f"{KT}::KLDivergenceTest.*": "target rows [0.5, 0.8, 0.12] and [0.7, 0.43, 0.8] (and "
    "the predictions) are not distributions: Keras' Σ t·log(t/p) on them is no divergence "
    "(it can be negative); losscli refuses such rows (input error: one-hot or a "
    "distribution expected) rather than give it",
    f"{KT}::DiceTest.test_correctness / test_binary_segmentation": "Keras' default axis=None "
    "pools the whole batch into one ratio; losscli's dice is per sample over its outputs",
    f"{KT}::TverskyTest.test_correctness* / test_binary_segmentation*": "Keras' default "
    "axis=None pools the whole batch into one ratio, as for Dice; losscli's tversky is per "
    "sample over its outputs",
    f"{KT}::*.test_label_smoothing_with_axis": "the class axis is 1 of a (2, 3, 2) tensor: "
    "losscli's classes are the columns of a row (transpose the input to get it)",
    f"{KT}::SparseCategoricalCrossentropyTest.test_*segmentation*": "per-pixel (n, h, w, C) "
    "tensors: losscli scores rows of a table (flatten them to one row a pixel)",
    f"{TMH}::multiclass_hinge_loss (one-vs-all)": "multiclass_mode='one-vs-all' gives one "
    "figure per class; losscli has the Crammer–Singer form only",
    f"{TM}/r2.py (adjusted > n − 1)": "torchmetrics falls back to the plain R² with a warning; "
    "losscli reports NaN with the reason (a wrong number is never given)",
}

# The rows that show losscli refusing a case above, with the error it gives.
REFUSED: list[tuple[str, Row, type[Exception]]] = [
    (
        f"{KT}::*.test_zero_weighted",
        Row("keras-zero-weighted", KT, "mse", KERAS_Y, KERAS_P, 0.0, 0.0, weights=[0, 0]),
        InputError,
    ),
    (
        f"{KT}::MeanSquaredLogarithmicErrorTest.*",
        Row("keras-msle", KT, "msle", KERAS_Y, KERAS_P, 1.4370, 1.5e-3),
        InputError,
    ),
    (
        f"{KT}::KLDivergenceTest.*",
        Row(
            "keras-kl",
            KT,
            "kl_divergence",
            [[0.5, 0.8, 0.12], [0.7, 0.43, 0.8]],
            [[0.4, 0.9, 0.12], [0.36, 0.3, 0.4]],
            0.5960738398643668,
            1.5e-3,
            task="multiclass",
        ),
        InputError,
    ),
    (
        f"{SK}::test_regression_metrics_at_limits (errors)",
        Row("sk-msle-negative", SK, "msle", [-1.0], [-1.0], 0.0, 0.0),
        InputError,
    ),
    (
        f"{SK}::test_regression_metrics_at_limits (errors)",
        Row(
            "sk-tweedie-zero",
            SK,
            "tweedie_deviance",
            [0.0],
            [0.0],
            0.0,
            0.0,
            params={"power": -1.2},
        ),
        InputError,
    ),
    (
        f"{SK}::test_regression_metrics_at_limits (errors)",
        Row(
            "sk-d2-tweedie-zero",
            SK,
            "d2_tweedie_score",
            [0.0, 0.0],
            [0.0, 0.0],
            0.0,
            0.0,
            params={"power": 1.0},
        ),
        InputError,
    ),
    (
        f"{SK}::test_regression_metrics_at_limits (errors)",
        Row(
            "sk-d2-tweedie-zero-2",
            SK,
            "d2_tweedie_score",
            [0.0, 0.0],
            [0.0, 0.0],
            0.0,
            0.0,
            params={"power": 2.0},
        ),
        InputError,
    ),
]


def _figure(
    row: Row, y: Any, p: Any, weights: Any, reduce: str
) -> tuple[float, np.ndarray | None, Any]:
    """(the figure, its per-sample values for a loss, the report) for ``row``'s entry."""
    is_loss = row.kind == "loss" or (not row.kind and row.name in registry.LOSSES)
    kw: dict[str, Any] = {"task": row.task, "params": row.params, "weights": weights}
    if is_loss:
        r = losscli.evaluate(y, p, losses=[row.name], **kw)
        entry = registry.get_loss(row.name).name
        loss = r.losses[entry]
        value = loss["sum"] if reduce == "sum" else loss["mean"]
        if reduce == "sum/n":
            value = loss["sum"] / len(np.asarray(y))
        return float(value), r.per_sample[entry], r
    r = losscli.evaluate(
        y, p, losses=["mse"] if row.task == "regression" else None, metrics=[row.name], **kw
    )
    return float(r.metrics[registry.get_metric(row.name).name]), None, r


def run_row(row: Row) -> Any:
    """losscli's number for the peer's figure, by the row's conversion."""
    y, p = np.asarray(row.y, dtype=float), np.asarray(row.p, dtype=float)
    if row.transform == "row_sum":
        p = p / p.sum(axis=1, keepdims=True)
    w = None if row.weights is None else np.asarray(row.weights, dtype=float)
    if row.reduce in ("raw_values", "outputs"):
        per = [_figure(row, y[:, k], p[:, k], w, "mean")[0] for k in range(y.shape[1])]
        if row.reduce == "outputs":
            return row.scale * float(np.dot(row.outputs, per))
        return [row.scale * v for v in per]
    value, per_sample, _ = _figure(row, y, p, w, row.reduce)
    if row.reduce == "per_sample":
        assert per_sample is not None
        ww = np.ones(len(per_sample)) if w is None else w
        return list(row.scale * ww * per_sample)
    return row.scale * value


def _close(got: float, want: float, tol: float, rel: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want
    return abs(got - want) <= tol + rel * abs(want)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_peer_case(row: Row) -> None:
    assert row.reduce in REDUCE, row.reduce
    got = run_row(row)
    want = row.expected
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want), (got, want)
        for g, e in zip(got, want):
            assert _close(g, float(e), row.tol, row.rel), (row.source, got, want)
    else:
        assert _close(float(got), float(want), row.tol, row.rel), (row.source, got, want)


def test_row_ids_are_unique_and_sourced() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids))
    assert all("::" in r.source for r in ROWS)
    assert len(ROWS) >= 200


def test_every_new_figure_has_a_peer_row() -> None:
    named = {r.name for r in ROWS} | {r.name for _, r, _ in REFUSED}
    for name in (
        "rmsle",
        "d2_absolute_error_score",
        "d2_pinball_score",
        "d2_tweedie_score",
        "cosine_similarity",
        "dice",
        "tversky",
        "categorical_focal",
        "multiclass_hinge",
        "hinge",
        "squared_hinge",
        "kl_divergence",
        "categorical_hinge",
    ):
        assert name in named, name


def test_unsupported_is_exactly() -> None:
    assert set(UNSUPPORTED) == {
        f"{SK}::test_multioutput_regression (variance_weighted)",
        f"{KT}::*.test_zero_weighted",
        f"{KT}::MeanSquaredLogarithmicErrorTest.*",
        f"{KT}::KLDivergenceTest.*",
        f"{KT}::DiceTest.test_correctness / test_binary_segmentation",
        f"{KT}::TverskyTest.test_correctness* / test_binary_segmentation*",
        f"{KT}::*.test_label_smoothing_with_axis",
        f"{KT}::SparseCategoricalCrossentropyTest.test_*segmentation*",
        f"{TMH}::multiclass_hinge_loss (one-vs-all)",
        f"{TM}/r2.py (adjusted > n − 1)",
    }
    assert all(len(why) > 40 for why in UNSUPPORTED.values())


@pytest.mark.parametrize("key,row,error", REFUSED, ids=[r.id for _, r, _ in REFUSED])
def test_unsupported_rows_are_refused(key: str, row: Row, error: type[Exception]) -> None:
    """Where losscli differs on purpose it says so: an error, never the other number."""
    assert key in UNSUPPORTED or key.endswith("(errors)")
    with pytest.raises(error):
        run_row(row)


def test_mape_with_zero_targets_is_huge_and_finite() -> None:
    """test_regression_metrics and test_multioutput_regression: an inequality, not a value."""
    for y, p in ((A, A + 1), (MO_Y, MO_P)):
        value = run_row(Row("mape", SK, "mape", y, p, 0.0, 0.0))
        assert math.isfinite(value) and value > 1e6


def test_adjusted_r2_undefined_where_torchmetrics_falls_back() -> None:
    r = losscli.evaluate(
        [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], metrics=["adjusted_r2"], params={"n_features": 3}
    )
    assert math.isnan(r.metrics["adjusted_r2"])
    assert any("adjusted_r2 is undefined" in w for w in r.warnings), r.warnings
    # below the bound: torchmetrics' 1 − (1 − R²)(n − 1)/(n − p − 1)
    r = losscli.evaluate(
        [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], metrics=["adjusted_r2"], params={"n_features": 1}
    )
    r2 = 1 - (0.25 + 0.25 + 0 + 1) / np.sum((np.array([3, -0.5, 2, 7]) - 2.875) ** 2)
    assert r.metrics["adjusted_r2"] == pytest.approx(1 - (1 - r2) * 3 / 2, rel=1e-12)


def test_adjusted_r2_needs_n_features() -> None:
    with pytest.raises(UsageError, match="n_features"):
        losscli.evaluate([1.0, 2, 3], [1.0, 2, 4], metrics=["adjusted_r2"])


def test_cli_keras_target_conventions(tmp_path: Any, run: Any) -> None:
    """Through the real command: Keras' CategoricalHingeTest rows (a row without a class)
    score as multilabel, 1.2 and 1.6; Keras' KLDivergenceTest rows are refused (exit 3,
    one error line naming the row, nothing written)."""
    import json

    targets, preds = tmp_path / "t.csv", tmp_path / "p.csv"
    targets.write_text("a,b\n0,1\n0,0\n")
    preds.write_text("a,b\n0.6,0.4\n0.4,0.6\n")
    res = run("eval", targets, preds, "-l", "categorical_hinge", "-f", "json")
    assert res.code == 0, res.err
    report = json.loads(res.out)
    assert report["task"] == "multilabel"
    assert report["losses"]["categorical_hinge"]["mean"] == pytest.approx(1.4, abs=1e-12)
    targets.write_text("a,b,c\n0.5,0.8,0.12\n0.7,0.43,0.8\n")
    preds.write_text("a,b,c\n0.3,0.6,0.1\n0.4,0.3,0.3\n")
    out = tmp_path / "r.json"
    res = run("eval", targets, preds, "-l", "kl_divergence", "--task", "multiclass", "-o", out)
    assert res.code == 3, res.err
    assert res.err.startswith("error:") and res.err.count("\n") == 1
    assert "row 1" in res.err and "one-hot or a distribution expected" in res.err
    assert not out.exists()
