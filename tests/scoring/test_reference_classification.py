"""The classification metrics of issue 17 against scikit-learn: fbeta, jaccard, cohen_kappa,
the likelihood ratios, average=samples, zero_division, labels, balanced accuracy's
adjusted, roc_auc's average / multi_class=ovo / max_fpr, top-k on binary scores.

Each with and without sample weights, binary / multiclass / multilabel where it applies;
relative tolerance 1e-9.  (Listed in test_reference.py's COVERED_METRICS.)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import losscli
from losscli.errors import UsageError

REL = 1e-9


def approx(x: float) -> object:
    return pytest.approx(x, rel=REL, abs=1e-12, nan_ok=True)


def quiet(f, *args, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


def data(task: str, seed: int = 17, n: int = 60):  # type: ignore[no-untyped-def]
    """(y, p, decisions) as losscli reads them and as scikit-learn takes them."""
    rng = np.random.default_rng(seed)
    if task == "binary":
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        p = np.round(rng.uniform(0.02, 0.98, n), 2)
        return y, p, (p > 0.5).astype(int)
    if task == "multiclass":
        y = rng.integers(0, 4, n)
        y[:4] = np.arange(4)
        p = rng.dirichlet(np.ones(4), n)
        return y, p, p.argmax(axis=1)
    y = rng.integers(0, 2, (n, 4))
    y[0], y[1] = [0, 1, 0, 1], [1, 0, 1, 0]
    p = np.round(rng.uniform(0.0, 1.0, (n, 4)), 1)
    return y, p, (p > 0.5).astype(int)


def weights(weighted: bool, n: int = 60) -> np.ndarray | None:
    return np.random.default_rng(3).uniform(0.1, 3.0, n) if weighted else None


def run(y, p, task, metrics, w=None, **params):  # type: ignore[no-untyped-def]
    return losscli.evaluate(y, p, metrics=metrics, task=task, weights=w, params=params)


# ----------------------------------------------------------------------------- set-wise

SK = {
    "precision": skm.precision_score,
    "recall": skm.recall_score,
    "f1": skm.f1_score,
    "fbeta": skm.fbeta_score,
    "jaccard": skm.jaccard_score,
}
AVERAGES = {
    "binary": ["auto", "macro", "micro", "weighted"],
    "multiclass": ["macro", "micro", "weighted"],
    "multilabel": ["macro", "micro", "weighted", "samples"],
}
CASES = [(t, a) for t, avgs in AVERAGES.items() for a in avgs]


@pytest.mark.parametrize(("task", "average"), CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_fbeta_jaccard_vs_sklearn(task: str, average: str, weighted: bool) -> None:
    y, p, q = data(task)
    w = weights(weighted)
    sk_avg = "binary" if average == "auto" else average
    params = {} if average == "auto" else {"average": average}
    for beta in (0.5, 2.0, 0.0):
        r = run(y, p, task, ["fbeta", "jaccard"], w, beta=beta, **params)
        ref = quiet(skm.fbeta_score, y, q, beta=beta, average=sk_avg, sample_weight=w)
        assert r.metrics["fbeta"] == approx(ref), beta
    assert r.metrics["jaccard"] == approx(
        quiet(skm.jaccard_score, y, q, average=sk_avg, sample_weight=w)
    )


def test_fbeta_one_is_f1() -> None:
    y, p, _ = data("multiclass")
    r = run(y, p, "multiclass", ["fbeta", "f1"], average="weighted")
    assert r.metrics["fbeta"] == approx(r.metrics["f1"])


@pytest.mark.parametrize("weighted", [False, True])
def test_samples_average_precision_recall_f1_vs_sklearn(weighted: bool) -> None:
    y, p, q = data("multilabel")
    y[5] = 0  # a sample without targets: recall undefined there
    p[6] = 0.0  # and one without predictions: precision undefined there
    w = weights(weighted)
    names = ["precision", "recall", "f1", "fbeta", "jaccard"]
    r = run(y, p, "multilabel", names, w, average="samples")
    q = (p > 0.5).astype(int)
    for name in names:
        ref = quiet(SK[name], y, q, average="samples", sample_weight=w, **_beta(name))
        assert r.metrics[name] == approx(ref), name
    said = [m for m in r.warnings if m.startswith("recall is undefined for ")]
    assert said and "of 60 samples (no true labels); they count as 0" in said[0]


def _beta(name: str) -> dict[str, float]:
    return {"beta": 1.0} if name == "fbeta" else {}


def _undefined_data():  # type: ignore[no-untyped-def]
    """Multiclass decisions where class 3 is never predicted and class 2 never a target."""
    y = np.array([0, 0, 1, 1, 3, 3, 0, 1])
    q = np.array([0, 1, 1, 2, 0, 1, 0, 2])
    return y, np.eye(4)[q] * 0.7 + 0.075, q


@pytest.mark.parametrize("zd", ["warn", "0", "1", "nan"])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_zero_division_vs_sklearn(zd: str, average: str, weighted: bool) -> None:
    y, p, q = _undefined_data()
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7, 1.1]) if weighted else None
    names = ["precision", "recall", "f1", "fbeta", "jaccard"]
    r = run(y, p, "multiclass", names, w, average=average, zero_division=zd)
    sk_zd = {"warn": "warn", "0": 0.0, "1": 1.0, "nan": np.nan}[zd]
    for name in names:
        if name == "jaccard" and zd == "nan":
            continue  # scikit-learn's jaccard_score does not take nan
        ref = quiet(
            SK[name], y, q, average=average, sample_weight=w, zero_division=sk_zd, **_beta(name)
        )
        assert r.metrics[name] == approx(ref), name
    if zd in ("0", "1"):
        assert not [m for m in r.warnings if " is undefined" in m]


def test_zero_division_warn_says_so_and_nan_is_left_out() -> None:
    y, p, _ = _undefined_data()
    r = run(y, p, "multiclass", ["precision"], average="macro")
    assert any("precision is undefined for 1 of 4 classes" in m for m in r.warnings)
    r = run(y, p, "multiclass", ["precision"], average="macro", zero_division="nan")
    assert any("left out of the average (zero_division=nan)" in m for m in r.warnings)


@pytest.mark.parametrize("zd", ["warn", "1", "nan"])
@pytest.mark.parametrize("weighted", [False, True])
def test_zero_division_samples_vs_sklearn(zd: str, weighted: bool) -> None:
    y, p, _ = data("multilabel")
    y[3], p[4], y[8], p[8] = 0, 0.0, 0, 0.0  # undefined samples
    q = (p > 0.5).astype(int)
    w = weights(weighted)
    sk_zd = {"warn": "warn", "1": 1.0, "nan": np.nan}[zd]
    for name in ("precision", "recall", "f1"):
        r = run(y, p, "multilabel", [name], w, average="samples", zero_division=zd)
        ref = quiet(SK[name], y, q, average="samples", sample_weight=w, zero_division=sk_zd)
        assert r.metrics[name] == approx(ref), name


@pytest.mark.parametrize("labels", [(0, 2), (1,), (3, 0), (0, 1, 2, 3)])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_labels_subset_multiclass_vs_sklearn(labels, average: str, weighted: bool) -> None:  # type: ignore[no-untyped-def]
    y, p, q = _undefined_data()  # class 2 never a target, 3 never predicted
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7, 1.1]) if weighted else None
    names = ["precision", "recall", "f1", "fbeta", "jaccard"]
    r = run(y, p, "multiclass", names, w, average=average, labels=",".join(map(str, labels)))
    for name in names:
        kw = _beta(name)
        ref = quiet(SK[name], y, q, average=average, labels=list(labels), sample_weight=w, **kw)
        assert r.metrics[name] == approx(ref), (name, labels)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", "samples"])
def test_labels_subset_multilabel_vs_sklearn(average: str) -> None:
    y, p, q = data("multilabel")
    w = weights(True)
    names = ["precision", "recall", "f1", "jaccard"]
    r = run(y, p, "multilabel", names, w, average=average, labels="0,3")
    for name in names:
        ref = quiet(SK[name], y, q, average=average, labels=[0, 3], sample_weight=w)
        assert r.metrics[name] == approx(ref), name


def test_labels_binary_macro_vs_sklearn() -> None:
    y, p, q = data("binary")
    r = run(y, p, "binary", ["precision", "recall"], average="macro", labels="0")
    assert r.metrics["precision"] == approx(skm.precision_score(y, q, average="macro", labels=[0]))
    assert r.metrics["recall"] == approx(skm.recall_score(y, q, average="macro", labels=[0]))


@pytest.mark.parametrize(
    ("task", "params", "message"),
    [
        ("multiclass", {"average": "samples"}, "average=samples needs a multilabel task"),
        ("binary", {"labels": "0"}, "--param labels chooses the classes"),
        ("multiclass", {"labels": "0,7"}, "names class 7, but there are 4 classes"),
        ("multiclass", {"labels": "0,0"}, "distinct class indices"),
        ("multiclass", {"zero_division": "2"}, "zero_division must be one of"),
        ("multiclass", {"beta": "-1"}, "beta=-1 is out of range"),
    ],
)
def test_setwise_usage_errors(task: str, params: dict[str, str], message: str) -> None:
    y, p, _ = data(task)
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        run(y, p, task, ["f1", "fbeta"], **params)


# ----------------------------------------------------------------------------- kappa, LR, BA


@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("kw", ["none", "linear", "quadratic"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cohen_kappa_vs_sklearn(task: str, kw: str, weighted: bool) -> None:
    y, p, q = data(task)
    w = weights(weighted)
    r = run(y, p, task, ["cohen_kappa"], w, weights=kw)
    ref = skm.cohen_kappa_score(y, q, weights=None if kw == "none" else kw, sample_weight=w)
    assert r.metrics["cohen_kappa"] == approx(ref)


@pytest.mark.parametrize("kw", ["linear", "quadratic"])
def test_cohen_kappa_distances_over_the_classes_that_occur(kw: str) -> None:
    """Class 2 of 4 never occurs: scikit-learn's labels are 0, 1, 3 (ranks 0, 1, 2)."""
    y = np.array([0, 1, 3, 3, 1, 0, 3])
    q = np.array([0, 3, 3, 1, 1, 0, 0])
    r = run(y, np.eye(4)[q], "multiclass", ["cohen_kappa"], weights=kw)
    assert r.metrics["cohen_kappa"] == approx(skm.cohen_kappa_score(y, q, weights=kw))


def test_cohen_kappa_undefined_is_nan_with_reason() -> None:
    y = np.zeros(5, dtype=int)
    r = run(y, np.full(5, 0.1), "binary", ["cohen_kappa"])
    assert math.isnan(r.metrics["cohen_kappa"])
    assert math.isnan(quiet(skm.cohen_kappa_score, y, np.zeros(5, dtype=int)))
    assert any(m.startswith("cohen_kappa is undefined") for m in r.warnings)


@pytest.mark.parametrize("weighted", [False, True])
def test_likelihood_ratios_vs_sklearn(weighted: bool) -> None:
    y, p, q = data("binary")
    w = weights(weighted)
    names = ["positive_likelihood_ratio", "negative_likelihood_ratio"]
    r = run(y, p, "binary", names, w)
    lr_pos, lr_neg = skm.class_likelihood_ratios(y, q, sample_weight=w)
    assert r.metrics[names[0]] == approx(lr_pos)
    assert r.metrics[names[1]] == approx(lr_neg)


@pytest.mark.parametrize(
    ("y", "q", "undefined"),
    [
        ([0, 0, 1, 1], [0, 0, 1, 0], "positive_likelihood_ratio"),  # FP = 0
        ([0, 0, 1, 1], [1, 1, 1, 0], "negative_likelihood_ratio"),  # TN = 0
        ([0, 0, 0, 0], [0, 1, 0, 0], "both"),  # no positive targets
    ],
)
def test_likelihood_ratios_division_by_zero(y, q, undefined: str) -> None:  # type: ignore[no-untyped-def]
    """NaN with a warning where scikit-learn (replace_undefined_by=np.nan) gives NaN."""
    y, q = np.array(y), np.array(q)
    names = ["positive_likelihood_ratio", "negative_likelihood_ratio"]
    r = run(y, q * 0.8 + 0.1, "binary", names)
    ref = quiet(skm.class_likelihood_ratios, y, q)
    for name, value in zip(names, ref):
        assert r.metrics[name] == approx(value), name
        bad = undefined in (name, "both")
        assert math.isnan(r.metrics[name]) == bad
        assert any(m.startswith(f"{name} is undefined") for m in r.warnings) == bad


@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_balanced_accuracy_adjusted_vs_sklearn(task: str, weighted: bool) -> None:
    y, p, q = data(task)
    w = weights(weighted)
    r = run(y, p, task, ["balanced_accuracy"], w, adjusted="true")
    ref = skm.balanced_accuracy_score(y, q, sample_weight=w, adjusted=True)
    assert r.metrics["balanced_accuracy"] == approx(ref)


# ----------------------------------------------------------------------------- roc_auc


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", "samples"])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_multilabel_average_vs_sklearn(average: str, weighted: bool) -> None:
    y, p, _ = data("multilabel")
    y[:, 0] = 1 - y[:, 1]  # every sample has both kinds of labels (samples: defined)
    w = weights(weighted)
    r = run(y, p, "multilabel", ["roc_auc"], w, average=average)
    ref = skm.roc_auc_score(y, p, average=average, sample_weight=w)
    assert not math.isnan(ref)
    assert r.metrics["roc_auc"] == approx(ref)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_multiclass_ovr_average_vs_sklearn(average: str, weighted: bool) -> None:
    y, p, _ = data("multiclass")
    y[4:20] = 2  # unequal prevalences: weighted differs from macro
    w = weights(weighted)
    r = run(y, p, "multiclass", ["roc_auc"], w, average=average)
    ref = skm.roc_auc_score(y, p, multi_class="ovr", average=average, sample_weight=w)
    assert r.metrics["roc_auc"] == approx(ref)


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_roc_auc_ovo_vs_sklearn(average: str) -> None:
    y, p, _ = data("multiclass")
    y[4:20] = 2
    p = np.round(p, 1) + 0.01  # ties
    p = p / p.sum(axis=1, keepdims=True)
    r = run(y, p, "multiclass", ["roc_auc"], multi_class="ovo", average=average)
    ref = skm.roc_auc_score(y, p, multi_class="ovo", average=average)
    assert r.metrics["roc_auc"] == approx(ref)


def test_roc_auc_ovo_integer_weights_equal_repeated_rows() -> None:
    """scikit-learn refuses sample_weight with ovo; losscli's weights equal repetition."""
    y, p, _ = data("multiclass")
    w = np.random.default_rng(5).integers(0, 4, y.size).astype(float)
    r = run(y, p, "multiclass", ["roc_auc"], w, multi_class="ovo", average="weighted")
    rep = np.repeat(np.arange(y.size), w.astype(int))
    ref = skm.roc_auc_score(y[rep], p[rep], multi_class="ovo", average="weighted")
    assert r.metrics["roc_auc"] == approx(ref)


@pytest.mark.parametrize("max_fpr", [0.05, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_max_fpr_vs_sklearn(max_fpr: float, weighted: bool) -> None:
    y, p, _ = data("binary")
    w = weights(weighted)
    r = run(y, p, "binary", ["roc_auc"], w, max_fpr=max_fpr)
    ref = skm.roc_auc_score(y, p, max_fpr=max_fpr, sample_weight=w)
    assert r.metrics["roc_auc"] == approx(ref)
    yl, pl, _ = data("multilabel")
    yl[:, 0] = 1 - yl[:, 1]
    r = run(yl, pl, "multilabel", ["roc_auc"], w, max_fpr=max_fpr, average="samples")
    ref = skm.roc_auc_score(yl, pl, max_fpr=max_fpr, sample_weight=w, average="samples")
    assert not math.isnan(ref)
    assert r.metrics["roc_auc"] == approx(ref)


def test_roc_auc_samples_undefined_sample_is_nan_with_reason() -> None:
    y = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 0]])
    p = np.array([[0.9, 0.2, 0.3], [0.1, 0.5, 0.2], [0.4, 0.6, 0.8]])
    r = run(y, p, "multilabel", ["roc_auc"], average="samples")
    assert math.isnan(r.metrics["roc_auc"])
    assert math.isnan(quiet(skm.roc_auc_score, y, p, average="samples"))
    assert any("1 of 3 samples have only one kind" in m for m in r.warnings)


@pytest.mark.parametrize(
    ("task", "params", "message"),
    [
        ("binary", {"multi_class": "ovo"}, "multi_class=ovo needs a multiclass task"),
        ("multiclass", {"multi_class": "ovo", "average": "micro"}, "takes average=macro or"),
        ("multiclass", {"average": "samples"}, "average=samples needs a multilabel task"),
        ("multiclass", {"max_fpr": "0.5"}, "max_fpr \\(partial AUC\\) is not defined"),
        ("binary", {"max_fpr": "0"}, "max_fpr=0 is out of range"),
    ],
)
def test_roc_auc_usage_errors(task: str, params: dict[str, str], message: str) -> None:
    y, p, _ = data(task)
    with pytest.raises(UsageError, match=message):
        run(y, p, task, ["roc_auc"], **params)


# ----------------------------------------------------------------------------- top-k binary


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_accuracy_binary_vs_sklearn(k: int, scores: bool, weighted: bool) -> None:
    y, p, _ = data("binary")
    if scores:
        p = (p - 0.5) * 6  # raw scores: threshold 0
    w = weights(weighted)
    r = losscli.evaluate(
        y, p, metrics=["top_k_accuracy"], params={"k": k}, weights=w, from_logits=scores
    )
    ref = quiet(skm.top_k_accuracy_score, y, p, k=k, sample_weight=w)
    assert r.metrics["top_k_accuracy"] == approx(ref)


# ----------------------------------------------------------------------------- mergeable


@pytest.mark.parametrize(
    ("task", "metric", "params"),
    [
        ("multilabel", "f1", {"average": "samples", "zero_division": "nan"}),
        ("multilabel", "jaccard", {"average": "samples"}),
        ("multiclass", "fbeta", {"beta": 2.0, "labels": "1,3", "average": "micro"}),
        ("multiclass", "cohen_kappa", {"weights": "quadratic"}),
        ("multilabel", "roc_auc", {"average": "weighted", "max_fpr": 0.4}),
        ("multiclass", "roc_auc", {"multi_class": "ovo", "average": "weighted"}),
    ],
)
def test_chunked_equals_whole(task: str, metric: str, params: dict[str, object]) -> None:
    y, p, _ = data(task)
    w = weights(True)
    whole = losscli.evaluate(y, p, metrics=[metric], task=task, weights=w, params=params)
    chunked = losscli.evaluate(
        y, p, metrics=[metric], task=task, weights=w, params=params, chunk_rows=7
    )
    assert chunked.metrics[metric] == pytest.approx(whole.metrics[metric], rel=1e-12)


def test_partial_auc_interval_is_the_bootstrap_not_delong() -> None:
    """DeLong's interval is the whole curve's: with max_fpr the bootstrap is used."""
    y, p, _ = data("binary")
    whole = losscli.evaluate(y, p, metrics=["roc_auc"], ci=True, n_boot=50)
    part = losscli.evaluate(y, p, metrics=["roc_auc"], ci=True, n_boot=50, params={"max_fpr": 0.3})
    assert whole.to_dict()["intervals"]["roc_auc"]["method"] == "delong"
    assert part.to_dict()["intervals"]["roc_auc"]["method"] == "bootstrap"


def test_baseline_from_before_the_new_params_stays_comparable() -> None:
    """A baseline whose signature predates zero_division / roc_auc's params (their defaults
    unspelled) compares; one with another value does not."""
    import json

    from losscli.report.gates import compare_baseline

    y, p, _ = data("binary")
    r = losscli.evaluate(y, p, metrics=["f1", "roc_auc"])
    base = json.loads(json.dumps(r.to_dict(), default=str))
    sig = base["signature"]
    assert ",zero_division=warn" in sig and "roc_auc(average=macro,multi_class=ovr)" in sig
    base["signature"] = sig.replace(",zero_division=warn", "").replace(
        "roc_auc(average=macro,multi_class=ovr)", "roc_auc"
    )
    assert all(row["comparable"] for row in compare_baseline(r, base, 0.0))
    base["signature"] = sig.replace("zero_division=warn", "zero_division=1")
    rows = {row["name"]: row for row in compare_baseline(r, base, 0.0)}
    assert not rows["f1"]["comparable"] and rows["roc_auc"]["comparable"]
