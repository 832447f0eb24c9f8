"""Property tests (hypothesis) of the losses, the weights and the accumulators.

* every loss is non-negative on valid input (except ``poisson``, documented as
  the negative log-likelihood *up to a constant*);
* losses that have one are zero at a perfect prediction;
* sample weights behave as in scikit-learn's ``test_common``: no weights equal
  unit weights, integer weights equal repeated rows, a zero weight equals a
  dropped row, and scaling every weight changes nothing;
* chunked-then-merged accumulators equal the whole to 1e-12 relative.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losscli
from losscli.scoring import plan as planning
from losscli.scoring import registry
from losscli.scoring import score as scoring
from losscli.scoring.accumulate import Accumulator, WeightedSum
from losscli.validate import columns, prepare

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NOT_NON_NEGATIVE = {"poisson"}  # ŷ − y·log ŷ: the Poisson NLL without its constant
POSITIVE_DOMAIN = {"msle", "mape", "poisson", "poisson_deviance", "gamma_deviance"}
# issue 17 (helper "losses"): −cos is in [−1, 1]; Dice and Tversky are for values in [0, 1]
# (the multilabel case draws those); rmsle needs values > −1; adjusted_r2 needs a parameter
# and counts rows (weights do not change n), so it is not weight-invariant by definition
SIGNED_REGRESSION = {"cosine_similarity", "dice", "tversky"}
POSITIVE_METRICS = {"rmsle"}
NOT_GENERIC_METRICS = {"adjusted_r2"}


def losses_for(task: str, *, inputs: tuple[str, ...] | None = None) -> list[str]:
    return [
        e.name
        for e in registry.LOSSES.values()
        if task in e.tasks and (inputs is None or e.inputs in inputs)
    ]


def metrics_for(task: str) -> list[str]:
    return [e.name for e in registry.METRICS.values() if task in e.tasks]


# ----------------------------------------------------------------------------- strategies


@st.composite
def regression_data(
    draw: st.DrawFn, positive: bool = False, min_n: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_n, 12))
    k = draw(st.integers(1, 3))
    lo, hi = (0.01, 100.0) if positive else (-100.0, 100.0)
    # a grid of values as well as free floats: ties and exact zeros matter
    value = st.one_of(
        st.integers(int(lo * 10) + 1, int(hi)).map(lambda v: v / 10),
        st.floats(lo, hi, allow_subnormal=False),
    )
    y = np.array(draw(st.lists(value, min_size=n * k, max_size=n * k))).reshape(n, k)
    p = np.array(draw(st.lists(value, min_size=n * k, max_size=n * k))).reshape(n, k)
    return y, p


@st.composite
def binary_data(
    draw: st.DrawFn, scores: bool = False, min_n: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_n, 12))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if scores:  # raw scores outside [0, 1], so that the decision rule never depends on rows
        mag = st.floats(1.01, 30.0, allow_subnormal=False)
        p = np.array(
            draw(st.lists(st.tuples(st.sampled_from([-1.0, 1.0]), mag), min_size=n, max_size=n))
        )
        p = p[:, 0] * p[:, 1]
    else:
        prob = st.one_of(st.integers(0, 10).map(lambda v: v / 10), st.floats(0.0, 1.0))
        p = np.array(draw(st.lists(prob, min_size=n, max_size=n)))
    return y, p


@st.composite
def multiclass_data(
    draw: st.DrawFn, logits: bool = False, min_n: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_n, 12))
    c = draw(st.integers(2, 4))
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    if logits:
        z = draw(
            st.lists(st.floats(-30.0, 30.0, allow_subnormal=False), min_size=n * c, max_size=n * c)
        )
        return y, np.array(z).reshape(n, c)
    counts = draw(st.lists(st.integers(0, 6), min_size=n * c, max_size=n * c))
    m = np.array(counts, dtype=float).reshape(n, c) + 0.01
    return y, m / m.sum(axis=1, keepdims=True)


@st.composite
def multilabel_data(draw: st.DrawFn, min_n: int = 1) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_n, 12))
    c = draw(st.integers(2, 4))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n * c, max_size=n * c)))
    prob = st.one_of(st.integers(0, 10).map(lambda v: v / 10), st.floats(0.0, 1.0))
    p = np.array(draw(st.lists(prob, min_size=n * c, max_size=n * c)))
    return y.reshape(n, c), p.reshape(n, c)


# What each case selects: (task, data strategy, losses, metrics, kwargs)
def _cases() -> dict[str, tuple[str, Any, list[str], list[str], dict[str, Any]]]:
    reg_losses = [
        n
        for n in losses_for("regression")
        if n not in POSITIVE_DOMAIN and n != "tweedie_deviance" and n not in SIGNED_REGRESSION
    ]
    pos_losses = [n for n in losses_for("regression") if n in POSITIVE_DOMAIN]
    reg_metrics = [
        m for m in metrics_for("regression") if m not in POSITIVE_METRICS | NOT_GENERIC_METRICS
    ]
    return {
        "regression": ("regression", regression_data, reg_losses, reg_metrics, {}),
        "regression_positive": (
            "regression",
            lambda **kw: regression_data(positive=True, **kw),
            pos_losses or ["mse"],
            ["rmse", *(m for m in POSITIVE_METRICS if m in registry.METRICS)],
            {},
        ),
        "binary": (
            "binary",
            binary_data,
            losses_for("binary", inputs=("probabilities", "labels")),
            metrics_for("binary"),
            {},
        ),
        "binary_scores": (
            "binary",
            lambda **kw: binary_data(scores=True, **kw),
            losses_for("binary", inputs=("scores", "labels")),
            [m for m in metrics_for("binary") if registry.METRICS[m].inputs != "probabilities"],
            {},
        ),
        "binary_logits": (
            "binary",
            lambda **kw: binary_data(scores=True, **kw),
            [
                n
                for n in losses_for("binary")
                if "from_logits" in registry.LOSSES[n].param_names
                or registry.LOSSES[n].inputs in ("scores", "labels")
            ],
            metrics_for("binary"),
            {"from_logits": True},
        ),
        "multiclass": (
            "multiclass",
            multiclass_data,
            losses_for("multiclass", inputs=("probabilities", "labels")),
            metrics_for("multiclass"),
            {},
        ),
        "multiclass_logits": (
            "multiclass",
            lambda **kw: multiclass_data(logits=True, **kw),
            losses_for("multiclass"),
            [m for m in metrics_for("multiclass")],
            {"from_logits": True},
        ),
        "multilabel": (
            "multilabel",
            multilabel_data,
            losses_for("multilabel"),
            metrics_for("multilabel"),
            {},
        ),
    }


CASES = _cases()


def _close(a: float, b: float, rel: float, abs_: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# r2 and explained variance of a constant target are 1 or 0 by an exact test of a
# rounded quantity (scikit-learn's force_finite): rounding decides, in scikit-learn too.
VARIANCE_RATIOS = {
    "r2",
    "explained_variance",
    # the d² scores: the same force_finite rule, and NaN below two rows whatever the weights
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
}


def constant_target(y: np.ndarray) -> bool:
    yc = y.reshape(y.shape[0], -1)
    return bool(np.any(np.all(yc == yc[:1], axis=0)))


def assert_same_figures(
    a: losscli.Report,
    b: losscli.Report,
    rel: float = 1e-9,
    abs_: float = 1e-12,
    y: np.ndarray | None = None,
    also_skip: frozenset[str] = frozenset(),
) -> None:
    """Same loss means and metrics; ``y``: the rows that carry weight (for r2's edge case);
    ``also_skip``: metrics whose definition differs between the two on purpose."""
    assert a.losses.keys() == b.losses.keys()
    for name in a.losses:
        x, y_ = a.losses[name]["mean"], b.losses[name]["mean"]
        assert _close(x, y_, rel, abs_), (name, x, y_)
    assert a.metrics.keys() == b.metrics.keys()
    skip = (
        VARIANCE_RATIOS
        if y is not None and a.task == "regression" and constant_target(y)
        else set()
    ) | also_skip
    for name in a.metrics:
        if name in skip:
            continue
        x, y = a.metrics[name], b.metrics[name]
        assert _close(x, y, rel, abs_), (name, x, y)


def run(case: str, y: np.ndarray, p: np.ndarray, **kw: Any) -> losscli.Report:
    task, _, losses, metrics, extra = CASES[case]
    return losscli.evaluate(y, p, task=task, losses=losses, metrics=metrics, **extra, **kw)


def case_data(case: str, **kw: Any) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    return CASES[case][1](**kw)


# ----------------------------------------------------------------------------- non-negative


@pytest.mark.parametrize("case", list(CASES))
@SETTINGS
@given(data=st.data())
def test_losses_are_non_negative(case: str, data: st.DataObject) -> None:
    y, p = data.draw(case_data(case))
    r = run(case, y, p)
    for name, values in r.per_sample.items():
        if name in NOT_NON_NEGATIVE:
            continue
        assert values.shape == (y.shape[0],)
        assert not np.any(np.isnan(values)), name
        assert np.all(values >= 0.0), (name, values)
        assert r.losses[name]["mean"] >= 0.0, name


@SETTINGS
@given(data=st.data(), power=st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0]))
def test_tweedie_deviance_non_negative(data: st.DataObject, power: float) -> None:
    if "tweedie_deviance" not in registry.LOSSES:
        pytest.skip("no tweedie_deviance")
    y, p = data.draw(regression_data(positive=True))
    r = losscli.evaluate(
        y, p, task="regression", losses=["tweedie_deviance"], params={"power": power}
    )
    # mathematically >= 0; allow the rounding of a difference of large terms
    scale = np.max(np.abs(y)) + np.max(np.abs(p)) + 1.0
    assert np.all(r.per_sample["tweedie_deviance"] >= -1e-12 * scale ** max(2 - power, 1))


# ----------------------------------------------------------------------------- zero when perfect


PERFECT_REGRESSION = [
    "mse",
    "mae",
    "sse",
    "huber",
    "log_cosh",
    "pinball",
    "msle",
    "mape",
    "poisson_deviance",
    "gamma_deviance",
    "tweedie_deviance",
]


@SETTINGS
@given(data=regression_data(positive=True))
def test_regression_losses_zero_at_perfect_prediction(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, _ = data
    names = [n for n in PERFECT_REGRESSION if n in registry.LOSSES]
    r = losscli.evaluate(
        y,
        y.copy(),
        task="regression",
        losses=names,
        metrics=[
            m
            for m in ("rmse", "mae", "max_error", "median_absolute_error")
            if m in registry.METRICS
        ],
    )
    for name in names:
        assert np.all(r.per_sample[name] == 0.0), (name, r.per_sample[name])
        assert r.losses[name]["mean"] == 0.0
    assert all(v == 0.0 for v in r.metrics.values()), r.metrics


@SETTINGS
@given(data=regression_data())
def test_mse_mae_sse_zero_at_perfect_prediction_any_sign(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    y, _ = data
    r = losscli.evaluate(y, y.copy(), task="regression", losses=["mse", "mae", "sse"])
    for name in ("mse", "mae", "sse"):
        assert r.losses[name]["mean"] == 0.0
    assert r.metrics["rmse"] == 0.0


@SETTINGS
@given(data=st.data(), task=st.sampled_from(["binary", "multiclass", "multilabel"]))
def test_zero_one_zero_at_perfect_prediction(data: st.DataObject, task: str) -> None:
    if task == "binary":
        y, _ = data.draw(binary_data())
        p = y.astype(float)
    elif task == "multiclass":
        y, q = data.draw(multiclass_data())
        p = np.eye(q.shape[1])[y]
    else:
        y, _ = data.draw(multilabel_data())
        p = y.astype(float)
    losses = ["zero_one"] + (
        ["hamming"] if task == "multilabel" and "hamming" in registry.LOSSES else []
    )
    r = losscli.evaluate(y, p, task=task, losses=losses, metrics=["accuracy"])
    for name in losses:
        assert np.all(r.per_sample[name] == 0.0)
        assert r.losses[name]["mean"] == 0.0
    assert r.metrics["accuracy"] == 1.0


@SETTINGS
@given(data=multiclass_data())
def test_kl_divergence_zero_when_prediction_is_target(data: tuple[np.ndarray, np.ndarray]) -> None:
    _, p = data
    r = losscli.evaluate(p, p.copy(), task="multiclass", losses=["kl_divergence"])
    np.testing.assert_allclose(r.per_sample["kl_divergence"], 0.0, atol=1e-14)


# ----------------------------------------------------------------------------- weights


MACRO = frozenset({"precision", "recall", "f1", "fbeta", "jaccard"})
WEIGHT_CASES = [
    "regression",
    "regression_positive",
    "binary",
    "binary_scores",
    "binary_logits",
    "multiclass",
    "multiclass_logits",
    "multilabel",
]
weight = st.floats(0.1, 10.0, allow_subnormal=False)


@pytest.mark.parametrize("case", WEIGHT_CASES)
@SETTINGS
@given(data=st.data())
def test_no_weights_equal_unit_weights(case: str, data: st.DataObject) -> None:
    y, p = data.draw(case_data(case))
    assert_same_figures(
        run(case, y, p), run(case, y, p, weights=np.ones(y.shape[0])), rel=1e-12, y=y
    )


@pytest.mark.parametrize("case", WEIGHT_CASES)
@SETTINGS
@given(data=st.data())
def test_integer_weights_equal_repeated_rows(case: str, data: st.DataObject) -> None:
    y, p = data.draw(case_data(case))
    w = np.array(data.draw(st.lists(st.integers(1, 4), min_size=y.shape[0], max_size=y.shape[0])))
    weighted = run(case, y, p, weights=w)
    repeated = run(case, np.repeat(y, w, axis=0), np.repeat(p, w, axis=0))
    assert_same_figures(weighted, repeated, y=y)
    assert weighted.n_samples == y.shape[0]
    assert repeated.n_samples == int(w.sum())


@pytest.mark.parametrize("case", WEIGHT_CASES)
@SETTINGS
@given(data=st.data())
def test_zero_weight_equals_dropped_row(case: str, data: st.DataObject) -> None:
    y, p = data.draw(case_data(case, min_n=2))
    n = y.shape[0]
    w = np.array(data.draw(st.lists(weight, min_size=n, max_size=n)))
    drop = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if drop.all():
        drop[data.draw(st.integers(0, n - 1))] = False
    wz = np.where(drop, 0.0, w)
    keep = ~drop
    zero, dropped = run(case, y, p, weights=wz), run(case, y[keep], p[keep], weights=w[keep])
    # Except: a class that occurs only in rows of weight 0 still counts in macro averages
    # (scikit-learn's label set: the classes present in targets or predictions, whatever
    # the weights), so dropping those rows changes the class set and the average.
    seen = [
        r.accumulator.confusion.seen if r.accumulator.confusion else None for r in (zero, dropped)
    ]
    same = seen[0] is None or seen[1] is None or np.array_equal(seen[0], seen[1])
    assert_same_figures(zero, dropped, y=y[keep], also_skip=frozenset() if same else MACRO)


@pytest.mark.parametrize("case", WEIGHT_CASES)
@SETTINGS
@given(data=st.data(), scale=st.sampled_from([1e-3, 0.5, 3.0, 1e4]))
def test_scaling_weights_changes_nothing(case: str, data: st.DataObject, scale: float) -> None:
    y, p = data.draw(case_data(case))
    w = np.array(data.draw(st.lists(weight, min_size=y.shape[0], max_size=y.shape[0])))
    assert_same_figures(run(case, y, p, weights=w), run(case, y, p, weights=w * scale), y=y)


# ----------------------------------------------------------------------------- accumulators


def _cuts(draw: st.DrawFn, n: int) -> list[tuple[int, int]]:
    """Contiguous chunks covering 0..n (some may be empty)."""
    inner = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    bounds = [0, *inner, n]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


@SETTINGS
@given(data=st.data())
def test_weighted_sum_chunked_equals_whole(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 200))
    values = np.array(
        data.draw(
            st.lists(
                st.one_of(st.floats(0.0, 1e6, allow_subnormal=False), st.floats(0.0, 1e-6)),
                min_size=n,
                max_size=n,
            )
        )
    )
    weighted = data.draw(st.booleans())
    w = (
        np.array(
            data.draw(
                st.lists(st.floats(0.0, 100.0, allow_subnormal=False), min_size=n, max_size=n)
            )
        )
        if weighted
        else None
    )
    if w is not None and not np.any(w > 0):
        w[0] = 1.0
    whole = WeightedSum()
    whole.update(values, w)
    parts = []
    for a, b in _cuts(data.draw, n):
        s = WeightedSum()
        s.update(values[a:b], None if w is None else w[a:b])
        parts.append(s)
    # left fold
    left = WeightedSum()
    for s in parts:
        left.merge(s)
    # right fold (merging is order-independent up to rounding)
    right = WeightedSum()
    for s in reversed(parts):
        right.merge(s)
    for merged in (left, right):
        assert merged.count == whole.count == n
        assert _close(merged.total, whole.total, 1e-12), (merged.total, whole.total)
        assert _close(merged.mean, whole.mean, 1e-12), (merged.mean, whole.mean)
    ref_total = math.fsum(values * (1.0 if w is None else w))
    assert _close(whole.total, ref_total, 1e-12, 1e-300)


def _prepared(
    case: str, y: np.ndarray, p: np.ndarray, w: np.ndarray | None
) -> tuple[prepare.Prepared, planning.Plan]:
    task, _, losses, metrics, extra = CASES[case]
    plan = planning.Plan(
        task,
        [(registry.get_loss(n), registry.get_loss(n).defaults()) for n in losses],
        [(registry.get_metric(n), registry.get_metric(n).defaults()) for n in metrics],
    )
    if extra.get("from_logits"):
        for _, params in plan.losses:
            if "from_logits" in params:
                params["from_logits"] = True
    raw = columns.Raw(
        y=y,
        p=p.reshape(p.shape[0], -1),
        pred_names=[str(i) for i in range(p.reshape(p.shape[0], -1).shape[1])],
        target_names=["y"],
        weights=w,
    )
    prep = prepare.prepare(
        raw,
        task=task,
        needs_probabilities=any(
            e.inputs == "probabilities" and not q.get("from_logits") for e, q in plan.losses
        ),
        from_logits=bool(extra.get("from_logits")),
        normalize=False,
        strict=False,
    )
    return prep, plan


@pytest.mark.parametrize("case", WEIGHT_CASES)
@SETTINGS
@given(data=st.data())
def test_accumulator_chunked_then_merged_equals_whole(case: str, data: st.DataObject) -> None:
    y, p = data.draw(case_data(case))
    n = y.shape[0]
    w = (
        np.array(data.draw(st.lists(weight, min_size=n, max_size=n)))
        if data.draw(st.booleans())
        else None
    )
    prep, plan = _prepared(case, y, p, w)

    whole = Accumulator()
    whole_values = scoring.update(whole, prep, plan)
    merged = Accumulator()
    pieces = []
    for a, b in _cuts(data.draw, n):
        if a == b:
            continue
        part = dataclasses.replace(
            prep,
            y=prep.y[a:b],
            p=prep.p[a:b],
            weights=None if prep.weights is None else prep.weights[a:b],
            labels=None if prep.labels is None else prep.labels[a:b],
        )
        acc = Accumulator()
        pieces.append(scoring.update(acc, part, plan))
        merged.merge(acc)

    assert merged.n_samples == whole.n_samples == n
    for name, ws in whole.losses.items():
        assert _close(merged.losses[name].total, ws.total, 1e-12), name
        assert _close(merged.losses[name].mean, ws.mean, 1e-12), name
        np.testing.assert_array_equal(np.concatenate([v[name] for v in pieces]), whole_values[name])
    a_metrics = scoring.finish(whole, plan, plan.task)
    b_metrics = scoring.finish(merged, plan, plan.task)
    skip = VARIANCE_RATIOS if plan.task == "regression" and constant_target(y) else set()
    for name in a_metrics:
        if name in skip:
            continue
        assert _close(b_metrics[name], a_metrics[name], 1e-12, 1e-12), (
            name,
            b_metrics[name],
            a_metrics[name],
        )
    # and the one-shot pipeline gives the same figures
    r = run(case, y, p, weights=w)
    for name, ws in whole.losses.items():
        assert _close(r.losses[name]["mean"], ws.mean, 1e-12), name
    for name in a_metrics:
        assert _close(r.metrics[name], a_metrics[name], 1e-12, 1e-12), name


# ----------------------------------------------------------------------------- other invariants


@SETTINGS
@given(data=multiclass_data(logits=True), shift=st.floats(-100.0, 100.0))
def test_cce_from_logits_invariant_to_row_shift(
    data: tuple[np.ndarray, np.ndarray], shift: float
) -> None:
    y, z = data
    a = losscli.evaluate(y, z, losses=["cce"], from_logits=True)
    b = losscli.evaluate(y, z + shift, losses=["cce"], from_logits=True)
    np.testing.assert_allclose(
        b.per_sample["categorical_cross_entropy"],
        a.per_sample["categorical_cross_entropy"],
        rtol=1e-9,
        atol=1e-9,
    )


@SETTINGS
@given(data=binary_data(scores=True))
def test_bce_from_logits_equals_logistic(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, z = data
    r = losscli.evaluate(y, z, task="binary", losses=["bce"], from_logits=True)
    s = losscli.evaluate(y, z, task="binary", losses=["logistic"])
    np.testing.assert_allclose(
        r.per_sample["binary_cross_entropy"], s.per_sample["logistic"], rtol=1e-12, atol=1e-15
    )


@SETTINGS
@given(data=st.data())
def test_row_order_does_not_matter(data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(WEIGHT_CASES))
    y, p = data.draw(case_data(case))
    perm = np.array(data.draw(st.permutations(range(y.shape[0]))))
    a = run(case, y, p)
    b = run(case, y[perm], p[perm])
    assert_same_figures(a, b, rel=1e-12, y=y)
    for name in a.per_sample:
        np.testing.assert_array_equal(a.per_sample[name][perm], b.per_sample[name])
