"""Parameters added by different entries' authors, combined: each combination equals
scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import explained_variance_score, r2_score

import losscli


@pytest.mark.parametrize("force_finite", [True, False])
@pytest.mark.parametrize("multioutput", ["uniform_average", "variance_weighted"])
@pytest.mark.parametrize("constant", [False, True])
def test_r2_force_finite_with_multioutput(
    force_finite: bool, multioutput: str, constant: bool
) -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 2))
    p = y + rng.normal(size=(50, 2)) * 0.5
    if constant:
        y[:, 1] = 3.0
    report = losscli.evaluate(
        y,
        p,
        task="regression",
        metrics=("r2", "explained_variance"),
        params={"force_finite": force_finite, "multioutput": multioutput},
        keep_per_sample=False,
    )
    kw = {"force_finite": force_finite, "multioutput": multioutput}
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (r2_score(y, p, **kw), explained_variance_score(y, p, **kw))
    np.testing.assert_allclose(
        [report.metrics["r2"], report.metrics["explained_variance"]], expected, rtol=1e-12
    )
