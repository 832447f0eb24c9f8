"""--per-class, multioutput, the Brier decomposition and the operating-point metrics
against scikit-learn, brute force and closed forms; chunked = whole."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import (
    brier_score_loss,
    classification_report,
    explained_variance_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_recall_curve,
    precision_recall_fscore_support,
    r2_score,
    roc_curve,
)

import losscli
from losscli.scoring.operating import operating_point

REL = 1e-12


def approx(x: object) -> object:
    return pytest.approx(x, rel=1e-9, abs=1e-12)


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(17)


def _multiclass(rng: np.random.Generator, n: int = 120, c: int = 4) -> tuple[np.ndarray, ...]:
    y = rng.integers(0, c, size=n)
    p = rng.dirichlet(np.ones(c), size=n)
    w = rng.uniform(0.1, 3.0, size=n)
    return y, p, w


# ----------------------------------------------------------------------------- per class


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_per_class_equals_sklearn(rng: np.random.Generator, weighted: bool) -> None:
    y, p, w = _multiclass(rng)
    ww = w if weighted else None
    r = losscli.evaluate(y, p, task="multiclass", per_class=True, weights=ww)
    pr, rc, f1, sup = precision_recall_fscore_support(
        y, p.argmax(1), average=None, sample_weight=ww, labels=[0, 1, 2, 3]
    )
    report = classification_report(y, p.argmax(1), sample_weight=ww, output_dict=True)
    assert list(r.per_class) == ["0", "1", "2", "3"]
    for k, row in enumerate(r.per_class.values()):
        assert row["precision"] == approx(pr[k])
        assert row["recall"] == approx(rc[k])
        assert row["f1"] == approx(f1[k])
        assert row["support"] == approx(sup[k])
        assert row["f1"] == approx(report[str(k)]["f1-score"])
        assert row["count"] == int(np.sum(y == k))
        assert isinstance(row["count"], int)
        assert isinstance(row["support"], float if weighted else int)
        # the class's mean loss and share of the loss sum
        mask = y == k
        wk = np.ones(y.size) if ww is None else ww
        per = -np.log(np.clip(p[np.arange(y.size), y], 1e-15, 1))
        loss = row["losses"]["categorical_cross_entropy"]
        assert loss["mean"] == approx(np.sum(per[mask] * wk[mask]) / np.sum(wk[mask]))
        assert loss["share"] == approx(np.sum(per[mask] * wk[mask]) / np.sum(per * wk))
        assert log_loss(y[mask], p[mask], labels=[0, 1, 2, 3], sample_weight=wk[mask]) == approx(
            loss["mean"]
        )
    shares = [row["losses"]["categorical_cross_entropy"]["share"] for row in r.per_class.values()]
    assert math.fsum(shares) == approx(1.0)


def test_binary_both_classes_and_chunks(rng: np.random.Generator) -> None:
    n = 90
    y = rng.integers(0, 2, size=n)
    p = rng.uniform(0.01, 0.99, size=n)
    w = rng.uniform(0.1, 2.0, size=n)
    whole = losscli.evaluate(y, p, task="binary", per_class=True, weights=w)
    chunked = losscli.evaluate(y, p, task="binary", per_class=True, weights=w, chunk_rows=1)
    pr, rc, f1, sup = precision_recall_fscore_support(
        y, (p > 0.5).astype(int), average=None, sample_weight=w
    )
    assert list(whole.per_class) == ["0", "1"]
    for k, (a, b) in enumerate(zip(whole.per_class.values(), chunked.per_class.values())):
        assert (a["precision"], a["recall"], a["f1"], a["support"]) == approx(
            (pr[k], rc[k], f1[k], sup[k])
        )
        for key in ("precision", "recall", "f1", "support", "count"):
            assert b[key] == pytest.approx(a[key], rel=REL)
        for name, v in a["losses"].items():
            assert b["losses"][name]["mean"] == pytest.approx(v["mean"], rel=REL)
            assert b["losses"][name]["share"] == pytest.approx(v["share"], rel=REL)


def test_multilabel_per_label(rng: np.random.Generator) -> None:
    n, k = 80, 3
    y = rng.integers(0, 2, size=(n, k))
    p = rng.uniform(size=(n, k))
    w = rng.uniform(0.5, 2.0, size=n)
    r = losscli.evaluate(y, p, task="multilabel", per_class=True, weights=w)
    pr, rc, f1, sup = precision_recall_fscore_support(
        y, (p > 0.5).astype(int), average=None, sample_weight=w
    )
    rows = list(r.per_class.values())
    assert len(rows) == k
    for j, row in enumerate(rows):
        assert (row["precision"], row["recall"], row["f1"], row["support"]) == approx(
            (pr[j], rc[j], f1[j], sup[j])
        )
        assert row["count"] == int(y[:, j].sum())
        assert "losses" not in row  # a multilabel sample's loss mixes its labels


def test_zero_division_is_zero_with_a_warning() -> None:
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.eye(3)[[0, 0, 0, 0, 0, 0]] * 0.8 + 0.2 / 3  # always class 0
    with pytest.warns(Warning):  # scikit-learn's own UndefinedMetricWarning
        pr, rc, _, _ = precision_recall_fscore_support(y, p.argmax(1), average=None)
    r = losscli.evaluate(y, p, task="multiclass", per_class=True)
    assert [row["precision"] for row in r.per_class.values()] == approx(list(pr))
    assert [row["recall"] for row in r.per_class.values()] == approx(list(rc))
    said = [w for w in r.warnings if w.startswith("per-class precision")]
    assert said and "classes 1, 2 (no predictions" in said[0] and "zero_division" in said[0]
    recall = [w for w in r.warnings if w.startswith("per-class recall")]
    assert not recall  # every class has samples


def test_per_class_off_by_default(rng: np.random.Generator) -> None:
    y, p, _ = _multiclass(rng, n=30)
    r = losscli.evaluate(y, p, task="multiclass")
    assert r.per_class == {} and "per_class" not in r.to_dict()


# ----------------------------------------------------------------------------- per output


def _regression(rng: np.random.Generator, n: int = 60) -> tuple[np.ndarray, ...]:
    y = rng.normal(size=(n, 3)) * [1.0, 5.0, 0.1]
    p = y + rng.normal(size=(n, 3))
    return y, p, rng.uniform(0.1, 3.0, size=n)


def test_per_output_equals_sklearn_and_chunks(rng: np.random.Generator) -> None:
    y, p, w = _regression(rng)
    r = losscli.evaluate(y, p, task="regression", per_class=True, weights=w)
    c = losscli.evaluate(y, p, task="regression", per_class=True, weights=w, chunk_rows=7)
    assert list(r.per_output) == ["0", "1", "2"] and r.per_class == {}
    for j, (row, other) in enumerate(zip(r.per_output.values(), c.per_output.values())):
        assert set(row) == {"mse", "mae", "r2"}
        assert row["mse"] == approx(mean_squared_error(y[:, j], p[:, j], sample_weight=w))
        assert row["mae"] == approx(mean_absolute_error(y[:, j], p[:, j], sample_weight=w))
        assert row["r2"] == approx(r2_score(y[:, j], p[:, j], sample_weight=w))
        assert other == pytest.approx(row, rel=1e-11)


@pytest.mark.parametrize("metric", ["r2", "explained_variance", "rmse", "mae"])
def test_multioutput_raw_values(rng: np.random.Generator, metric: str) -> None:
    y, p, w = _regression(rng)
    ref = {
        "r2": r2_score,
        "explained_variance": explained_variance_score,
        "rmse": lambda a, b, **kw: np.sqrt(mean_squared_error(a, b, **kw)),
        "mae": mean_absolute_error,
    }[metric]
    r = losscli.evaluate(
        y, p, task="regression", metrics=[metric], params={"multioutput": "raw_values"}, weights=w
    )
    raw = ref(y, p, multioutput="raw_values", sample_weight=w)
    assert [row[metric] for row in r.per_output.values()] == approx(list(raw))
    assert r.metrics[metric] == approx(float(np.mean(raw)))  # the figure: uniform average
    assert any("raw_values" in n for n in r.notes)
    u = losscli.evaluate(
        y, p, task="regression", metrics=[metric], params={"multioutput": "uniform_average"}
    )
    assert u.metrics[metric] == approx(float(np.mean(ref(y, p, multioutput="raw_values"))))


@pytest.mark.parametrize("metric", ["r2", "explained_variance"])
def test_multioutput_variance_weighted(rng: np.random.Generator, metric: str) -> None:
    y, p, w = _regression(rng)
    ref = r2_score if metric == "r2" else explained_variance_score
    for ww in (None, w):
        r = losscli.evaluate(
            y,
            p,
            task="regression",
            metrics=[metric],
            params={"multioutput": "variance_weighted"},
            weights=ww,
            chunk_rows=9,
        )
        want = ref(y, p, multioutput="variance_weighted", sample_weight=ww)
        assert r.metrics[metric] == approx(want)


def test_multioutput_variance_weighted_is_not_for_rmse(rng: np.random.Generator) -> None:
    y, p, _ = _regression(rng, n=10)
    with pytest.raises(losscli.UsageError, match="multioutput"):
        losscli.evaluate(
            y, p, task="regression", metrics=["rmse"], params={"multioutput": "variance_weighted"}
        )


# ----------------------------------------------------------------------------- Brier


BRIER = ["brier", "brier_reliability", "brier_resolution", "brier_uncertainty"]


def test_brier_decomposition_closed_form() -> None:
    """Forecasts 0.2 (4 samples, 1 event) and 0.8 (4 samples, 3 events) in their own
    bins: REL = (0.2 − 0.25)², RES = (0.25 − 0.5)², UNC = 0.25, BS = REL − RES + UNC."""
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    p = np.array([0.2] * 4 + [0.8] * 4)
    r = losscli.evaluate(y, p, task="binary", metrics=BRIER, params={"n_bins": 10})
    m = r.metrics
    assert m["brier_reliability"] == approx(0.05**2)
    assert m["brier_resolution"] == approx(0.25**2)
    assert m["brier_uncertainty"] == approx(0.25)
    assert m["brier"] == approx(brier_score_loss(y, p))
    assert m["brier"] == approx(
        m["brier_reliability"] - m["brier_resolution"] + m["brier_uncertainty"]
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_brier_identity_exact_on_bin_values(rng: np.random.Generator, weighted: bool) -> None:
    n = 400
    p = rng.integers(0, 11, size=n) / 10 + 0.5 / 15  # one value inside each of 15 bins
    p = np.clip(p, 0, 1)
    y = (rng.uniform(size=n) < p).astype(int)
    w = rng.uniform(0.2, 2.0, size=n) if weighted else None
    r = losscli.evaluate(y, p, task="binary", metrics=BRIER, weights=w, chunk_rows=13)
    m = r.metrics
    assert m["brier"] == approx(brier_score_loss(y, p, sample_weight=w))
    assert m["brier_reliability"] - m["brier_resolution"] + m["brier_uncertainty"] == approx(
        m["brier"]
    )
    base = np.average(y, weights=w)
    assert m["brier_uncertainty"] == approx(base * (1 - base))


def test_brier_identity_multiclass_sum_over_classes(rng: np.random.Generator) -> None:
    n, c = 300, 3
    levels = rng.integers(0, 4, size=(n, c)) + 1.0
    p = levels / levels.sum(axis=1, keepdims=True)  # few distinct values a column
    y = np.array([rng.choice(c, p=row) for row in p])
    r = losscli.evaluate(y, p, task="multiclass", metrics=BRIER, params={"n_bins": 1000})
    m = r.metrics
    onehot = np.eye(c)[y]
    assert m["brier"] == approx(np.mean(np.sum((p - onehot) ** 2, axis=1)))
    assert m["brier_reliability"] - m["brier_resolution"] + m["brier_uncertainty"] == approx(
        m["brier"]
    )
    freq = onehot.mean(axis=0)
    assert m["brier_uncertainty"] == approx(float(np.sum(freq * (1 - freq))))


def test_brier_identity_approximate_for_continuous_forecasts(rng: np.random.Generator) -> None:
    n = 2000
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    m = losscli.evaluate(y, p, task="binary", metrics=BRIER).metrics
    decomposed = m["brier_reliability"] - m["brier_resolution"] + m["brier_uncertainty"]
    assert abs(decomposed - m["brier"]) < 0.01


# ----------------------------------------------------------------------------- operating points


def _brute(name: str, y: np.ndarray, s: np.ndarray, w: np.ndarray | None, m: float) -> float:
    """Over scikit-learn's curves: the best value among the thresholds reaching m."""
    if name == "specificity_at_sensitivity":
        fpr, tpr, _ = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
        ok = tpr >= m
        return float(np.max(1 - fpr[ok])) if ok.any() else 0.0
    precision, recall, _ = precision_recall_curve(y, s, sample_weight=w)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    if name == "recall_at_precision":
        ok = precision >= m
        return float(np.max(recall[ok])) if ok.any() else 0.0
    ok = recall >= m
    return float(np.max(precision[ok])) if ok.any() else 0.0


OPERATING = {
    "recall_at_precision": "min_precision",
    "precision_at_recall": "min_recall",
    "specificity_at_sensitivity": "min_sensitivity",
}


@pytest.mark.parametrize("name", list(OPERATING))
@pytest.mark.parametrize("weighted", [False, True])
def test_operating_points_equal_brute_force(
    rng: np.random.Generator, name: str, weighted: bool
) -> None:
    n = 150
    y = rng.integers(0, 2, size=n)
    s = np.round(1 / (1 + np.exp(-(rng.normal(size=n) + y))), 2)  # probabilities, with ties
    w = rng.uniform(0.1, 2.0, size=n) if weighted else None
    for m in (0.0, 0.3, 0.5, 0.7, 0.9, 1.0):
        want = _brute(name, y, s, w, m)
        got, _ = operating_point(name, y, s, w, m)
        assert got == approx(want), (m, got, want)
    r = losscli.evaluate(
        y, s, task="binary", metrics=[name], params={OPERATING[name]: 0.7}, weights=w, chunk_rows=11
    )
    assert r.metrics[name] == approx(_brute(name, y, s, w, 0.7))


def test_operating_point_closed_form_and_unreachable() -> None:
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8])
    # thresholds 0.8: P=1 R=.5; 0.4: P=.5 R=.5; 0.35: P=2/3 R=1; 0.1: P=.5 R=1
    assert operating_point("recall_at_precision", y, s, None, 0.6)[0] == approx(1.0)
    assert operating_point("recall_at_precision", y, s, None, 0.7)[0] == approx(0.5)
    assert operating_point("precision_at_recall", y, s, None, 1.0)[0] == approx(2 / 3)
    assert operating_point("specificity_at_sensitivity", y, s, None, 1.0)[0] == approx(0.5)
    y2 = np.array([0, 1, 0, 1])
    s2 = np.array([0.9, 0.1, 0.8, 0.2])  # the top score is a negative: precision < 1 always
    r = losscli.evaluate(
        y2, s2, task="binary", metrics=["recall_at_precision"], params={"min_precision": 0.9}
    )
    assert r.metrics["recall_at_precision"] == 0.0
    assert any("no threshold reaches a precision of 0.9" in w for w in r.warnings)


def test_operating_point_without_positives_is_nan() -> None:
    value, reason = operating_point("recall_at_precision", np.zeros(4), np.arange(4.0), None, 0.5)
    assert math.isnan(value) and reason is not None and "no positive" in reason


def test_no_breakdown_when_nan_is_passed_on() -> None:
    y = np.array([0, 1, 2, 0])
    p = np.array([[0.2, 0.3, 0.5], [np.nan, 0.5, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2]])
    r = losscli.evaluate(
        y, p, task="multiclass", per_class=True, nan_policy="propagate", losses=["zero_one"]
    )
    assert r.per_class == {} and any(n.startswith("no breakdown") for n in r.notes)


# ----------------------------------------------------------------------------- intervals


def _wilson(k: float, n: float, level: float) -> tuple[float, float]:
    """Wilson (1927) from its formula."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_per_class_intervals_closed_forms(rng: np.random.Generator, level: float) -> None:
    """--per-class --ci: Wilson for precision and recall, Wilson of the Jaccard index
    mapped by 2J/(1+J) for f1, Student's t for a class's mean loss, the delta method
    for its share; chunked = whole."""
    from scipy.stats import norm, t

    y, p, _ = _multiclass(rng, n=150, c=3)
    r = losscli.evaluate(y, p, task="multiclass", per_class=True, ci=True, ci_level=level)
    c = losscli.evaluate(
        y, p, task="multiclass", per_class=True, ci=True, ci_level=level, chunk_rows=17
    )
    pred = p.argmax(1)
    loss = -np.log(p[np.arange(y.size), y])
    z = norm.ppf(0.5 + level / 2)
    for k, (label, row) in enumerate(r.per_class.items()):
        ivs = row["intervals"]
        tp = int(np.sum((pred == k) & (y == k)))
        npred, nsup = int(np.sum(pred == k)), int(np.sum(y == k))
        for fig, n, method in (("precision", npred, "wilson"), ("recall", nsup, "wilson")):
            assert (ivs[fig]["low"], ivs[fig]["high"]) == approx(_wilson(tp, n, level))
            assert ivs[fig]["level"] == level and ivs[fig]["method"] == method
        jl, jh = _wilson(tp, npred + nsup - tp, level)
        assert (ivs["f1"]["low"], ivs["f1"]["high"]) == approx(
            (2 * jl / (1 + jl), 2 * jh / (1 + jh))
        )
        assert ivs["f1"]["low"] <= row["f1"] <= ivs["f1"]["high"]
        assert ivs["f1"]["method"] == "wilson_jaccard"
        x = loss[y == k]
        half = t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        got = ivs["losses"]["categorical_cross_entropy"]
        assert got["mean"]["method"] == "t"
        assert (got["mean"]["low"], got["mean"]["high"]) == approx(
            (max(x.mean() - half, 0.0), x.mean() + half)
        )
        share = x.sum() / loss.sum()
        d = loss * ((y == k) - share)
        half = z * math.sqrt(np.sum(d * d) * y.size / (y.size - 1)) / loss.sum()
        assert got["share"]["method"] == "delta"
        assert (got["share"]["low"], got["share"]["high"]) == approx(
            (max(share - half, 0.0), min(share + half, 1.0))
        )
        other = c.per_class[label]["intervals"]
        assert other["f1"] == ivs["f1"] and other["recall"] == ivs["recall"]
        for s in ("mean", "share"):
            a, b = other["losses"]["categorical_cross_entropy"][s], got[s]
            assert (a["low"], a["high"]) == pytest.approx((b["low"], b["high"]), rel=1e-12)


def test_per_class_intervals_edges_and_weights(rng: np.random.Generator) -> None:
    """A class never predicted: a NaN precision interval, with a warning; a weighted run:
    no per-class intervals, with a note; no --ci: no intervals."""
    y = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    p = np.eye(3)[[0, 0, 1, 1, 0, 1, 0, 1]] * 0.8 + 0.2 / 3
    r = losscli.evaluate(y, p, task="multiclass", per_class=True, ci=True)
    ivs = r.per_class["2"]["intervals"]
    assert math.isnan(ivs["precision"]["low"]) and math.isnan(ivs["precision"]["high"])
    assert ivs["recall"]["low"] == 0.0 and ivs["recall"]["high"] > 0
    assert any("per-class intervals undefined" in w and "2 (precision" in w for w in r.warnings)
    assert "nan" in r.to_json()  # NaN written as JSON's "nan"
    w = losscli.evaluate(y, p, task="multiclass", per_class=True, ci=True, weights=np.ones(8) * 2)
    assert all("intervals" not in row for row in w.per_class.values())
    assert any("weighted run get no interval" in n for n in w.notes)
    plain = losscli.evaluate(y, p, task="multiclass", per_class=True)
    assert all("intervals" not in row for row in plain.per_class.values())
