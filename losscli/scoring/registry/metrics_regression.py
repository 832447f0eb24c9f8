"""The regression metrics of the registry: rmse, r2 and the other reporting figures.

In the order ``losscli list`` shows them.
"""

from __future__ import annotations

import math

from losscli.scoring import losses as L
from losscli.scoring.registry.entry import Entry
from losscli.scoring.registry.params import Param

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
        reference="sklearn.metrics.r2_score (force_finite: a constant target gives 1 or 0)",
        params=(MULTIOUTPUT_VARIANCE,),
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
        reference="sklearn.metrics.explained_variance_score",
        params=(MULTIOUTPUT_VARIANCE,),
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
)
