"""The regression metrics of the registry: rmse, r2 and the other reporting figures.

In the order ``losscli list`` shows them.
"""

from __future__ import annotations

import math

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import Entry
from losscli.scoring.registry.params import FORCE_FINITE, N_FEATURES, POWER, QUANTILE, Param

_D2 = (
    "keeps every target and prediction (16 bytes a value, 24 with weights): the constant "
    "of the denominator needs the whole input",
    "fewer than two samples: NaN, as scikit-learn; constant targets: 1.0 if the "
    "predictions are exact, else 0.0 (scikit-learn's force_finite)",
)

# scikit-learn's multioutput; none (the default) is uniform_average and stays out of the
# signature.  raw_values: the per-output values in the report's per_output breakdown
MULTIOUTPUT = Param(
    "multioutput",
    None,
    "several outputs: uniform_average (the default: the mean over outputs) or raw_values "
    "(the per-output values too, in the report's per_output breakdown)",
    kind="choice",
    choices=("raw_values", "uniform_average"),
    optional=True,
)
MULTIOUTPUT_VARIANCE = Param(
    "multioutput",
    None,
    "several outputs: uniform_average (the default), variance_weighted (outputs weighted by "
    "the variance of their targets) or raw_values (the per-output values too, in the "
    "report's per_output breakdown)",
    kind="choice",
    choices=("raw_values", "uniform_average", "variance_weighted"),
    optional=True,
)

REGRESSION_METRICS: tuple[Entry, ...] = (
    Entry(
        name="rmse",
        kind="metric",
        func=L.squared_error,
        tasks=("regression",),
        inputs="values",
        formula="√(mean of (ŷ − y)²)",
        summary="Root mean squared error, in the units of the target.",
        use_when="The usual reporting metric for regression.",
        aliases=("root_mean_squared_error",),
        finalize=math.sqrt,
        reference="sklearn.metrics.root_mean_squared_error",
        params=(MULTIOUTPUT,),
    ),
    Entry(
        name="mae",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="mean of |ŷ − y|",
        summary="Mean absolute error, in the units of the target.",
        use_when="Reporting typical error size robustly.",
        aliases=("mean_absolute_error",),
        reference="sklearn.metrics.mean_absolute_error",
        params=(MULTIOUTPUT,),
    ),
    Entry(
        name="r2",
        kind="metric",
        func=L.mse,
        tasks=("regression",),
        inputs="values",
        formula="1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)², averaged over outputs",
        summary="Coefficient of determination: the share of the target's variance explained.",
        use_when="Comparing regressors across targets of different scale.",
        aliases=("r2_score", "r_squared"),
        direction="higher",
        state="moments",
        params=(FORCE_FINITE, MULTIOUTPUT_VARIANCE),
        reference="sklearn.metrics.r2_score (force_finite: a constant target gives 1 or 0)",
    ),
    Entry(
        name="adjusted_r2",
        kind="metric",
        func=L.mse,
        tasks=("regression",),
        inputs="values",
        formula="1 − (1 − R²)·(n − 1)/(n − p − 1), n rows, p = n_features",
        summary="Adjusted R²: R² penalised for the number of features of the model.",
        use_when="Comparing linear models with different numbers of features.",
        aliases=("r2_adjusted",),
        direction="higher",
        state="moments",
        params=(N_FEATURES, FORCE_FINITE),
        notes=(
            "n is the number of rows (weights do not change it); n − p − 1 <= 0 is "
            "undefined: NaN with a warning (torchmetrics' R2Score(adjusted=p) warns and "
            "returns the plain R² there)",
            "multi-output: the adjustment of the uniform average of the outputs' R²",
        ),
        reference="torchmetrics R2Score(adjusted=n_features)",
    ),
    Entry(
        name="explained_variance",
        kind="metric",
        func=L.mse,
        tasks=("regression",),
        inputs="values",
        formula="1 − Var(y − ŷ) / Var(y), averaged over outputs",
        summary="Explained variance: like r2, but blind to a constant bias.",
        use_when="Checking how much variance is captured when bias is corrected separately.",
        aliases=("explained_variance_score",),
        direction="higher",
        state="moments",
        params=(FORCE_FINITE, MULTIOUTPUT_VARIANCE),
        reference="sklearn.metrics.explained_variance_score",
    ),
    Entry(
        name="max_error",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="max |y − ŷ| (over outputs and samples)",
        summary="The worst absolute error.",
        use_when="Guarantees on the worst case.",
        state="max",
        reference="sklearn.metrics.max_error",
    ),
    Entry(
        name="median_absolute_error",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="median of |y − ŷ| (weighted median with weights), averaged over outputs",
        summary="Median absolute error: very robust to outliers. Keeps 8 bytes per sample.",
        use_when="Typical error when a few samples are wildly off.",
        aliases=("medae",),
        state="samples",
        reference="sklearn.metrics.median_absolute_error",
    ),
    Entry(
        name="rmsle",
        kind="metric",
        func=L.squared_log_error,
        tasks=("regression",),
        inputs="values",
        formula="√(mean of (log(1 + ŷ) − log(1 + y))²), per output, then averaged",
        summary="Root mean squared logarithmic error.",
        use_when="Relative errors of positive, skewed targets, in log units.",
        aliases=("root_mean_squared_log_error",),
        finalize=math.sqrt,
        domain=L.domain_msle,
        reference="sklearn.metrics.root_mean_squared_log_error",
    ),
    Entry(
        name="d2_absolute_error_score",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="1 − Σ w·|y − ŷ| / Σ w·|y − median_w(y)|, per output, then averaged",
        summary="D² absolute error: the share of the absolute error of the median explained.",
        use_when="A robust r2: how much better than predicting the median.",
        aliases=("d2_absolute_error", "d2_mae"),
        direction="higher",
        state="d2",
        notes=_D2,
        reference="sklearn.metrics.d2_absolute_error_score",
    ),
    Entry(
        name="d2_pinball_score",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="1 − pinball(y, ŷ) / pinball(y, q_α(y)), q_α the weighted α-quantile",
        summary="D² pinball: the share of the pinball loss of the α-quantile explained.",
        use_when="Quantile regression: how much better than the constant α-quantile.",
        aliases=("d2_pinball",),
        direction="higher",
        state="d2",
        params=(QUANTILE,),
        notes=(
            *_D2,
            "the quantile as scikit-learn >= 1.8 (averaged inverted CDF: the mean of the "
            "lower and upper weighted quantiles, the median for α = 0.5)",
        ),
        reference="sklearn.metrics.d2_pinball_score",
    ),
    Entry(
        name="d2_tweedie_score",
        kind="metric",
        func=L.mae,
        tasks=("regression",),
        inputs="values",
        formula="1 − D_p(y, ŷ) / D_p(y, ȳ_w), D_p the mean Tweedie deviance of power p",
        summary="D² Tweedie: the share of the Tweedie deviance of the mean explained.",
        use_when="GLMs (Poisson, gamma, Tweedie): a deviance-based r2 (power 0 is r2).",
        aliases=("d2_tweedie",),
        direction="higher",
        state="d2",
        params=(POWER,),
        domain=L.domain_tweedie,
        notes=(
            _D2[0],
            "fewer than two samples: NaN; constant targets: NaN or -inf (scikit-learn's "
            "plain 1 − num/den here, no force_finite); multi-output: per output, then "
            "averaged (scikit-learn refuses several outputs)",
        ),
        reference="sklearn.metrics.d2_tweedie_score",
    ),
)
