"""Reference tests of the issue-17 losses and regression metrics (helper "losses"):
scikit-learn where it has the figure, closed forms otherwise; PyTorch conventions are in
test_golden.py (the committed golden values), the peers' own cases in
tests/peers/test_peers_losses.py.  Relative tolerance 1e-9 unless said."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import softmax
from sklearn import metrics as skm

import losscli
from losscli.errors import UsageError

REL = 1e-9

# the entries these tests cover (test_reference.py's COVERED sets include them)
COVERED_LOSSES = {"cosine_similarity", "dice", "tversky"}
COVERED_METRICS = {
    "rmsle",
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "adjusted_r2",
}


def approx(x: float) -> object:
    return pytest.approx(x, rel=REL, abs=1e-12)


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(17)


def _positive(rng: np.random.Generator, n: int = 40, k: int = 2) -> tuple[np.ndarray, ...]:
    y = rng.gamma(2.0, 2.0, size=(n, k))
    p = y * rng.uniform(0.5, 1.5, size=(n, k))
    return y, p, rng.uniform(0.1, 3.0, size=n)


# ----------------------------------------------------------------------------- regression


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [1, 2])
def test_rmsle_and_d2_vs_sklearn(rng: np.random.Generator, weighted: bool, k: int) -> None:
    y, p, w = _positive(rng, k=k)
    ww = w if weighted else None
    yy, pp = (y[:, 0], p[:, 0]) if k == 1 else (y, p)
    for alpha in (0.1, 0.5, 0.83):
        r = losscli.evaluate(
            yy,
            pp,
            metrics=["rmsle", "d2_absolute_error_score", "d2_pinball_score"],
            params={"alpha": alpha},
            weights=ww,
            task="regression",
        )
        assert r.metrics["rmsle"] == approx(
            skm.root_mean_squared_log_error(yy, pp, sample_weight=ww)
        )
        assert r.metrics["d2_absolute_error_score"] == approx(
            skm.d2_absolute_error_score(yy, pp, sample_weight=ww)
        )
        assert r.metrics["d2_pinball_score"] == approx(
            skm.d2_pinball_score(yy, pp, alpha=alpha, sample_weight=ww)
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("power", [0.0, 1.0, 1.5, 2.0, 3.0, -1.0])
def test_d2_tweedie_vs_sklearn(rng: np.random.Generator, weighted: bool, power: float) -> None:
    y, p, w = _positive(rng, k=1)
    ww = w if weighted else None
    r = losscli.evaluate(
        y[:, 0], p[:, 0], metrics=["d2_tweedie_score"], params={"power": power}, weights=ww
    )
    ref = skm.d2_tweedie_score(y[:, 0], p[:, 0], power=power, sample_weight=ww)
    assert r.metrics["d2_tweedie_score"] == pytest.approx(ref, rel=1e-9)


def test_d2_chunked_equals_whole(rng: np.random.Generator) -> None:
    y, p, w = _positive(rng, n=300)
    names = ["d2_absolute_error_score", "d2_pinball_score", "d2_tweedie_score"]
    whole = losscli.evaluate(y, p, metrics=names, weights=w, params={"power": 1.5})
    parts = losscli.evaluate(y, p, metrics=names, weights=w, params={"power": 1.5}, chunk_rows=7)
    for name in names:
        assert parts.metrics[name] == approx(whole.metrics[name])


def test_d2_one_sample_and_constant_targets() -> None:
    r = losscli.evaluate([1.0], [2.0], metrics=["d2_absolute_error_score"], task="regression")
    assert math.isnan(r.metrics["d2_absolute_error_score"])
    assert any("at least two samples" in w for w in r.warnings)
    r = losscli.evaluate([3.0, 3.0], [3.0, 4.0], metrics=["d2_pinball_score"], task="regression")
    assert r.metrics["d2_pinball_score"] == 0.0  # force_finite, as scikit-learn
    assert skm.d2_pinball_score([3.0, 3.0], [3.0, 4.0]) == 0.0


@pytest.mark.parametrize("n_features", [0, 1, 3])
def test_adjusted_r2_closed_form(rng: np.random.Generator, n_features: int) -> None:
    y, p, w = _positive(rng, n=25)
    r = losscli.evaluate(y, p, metrics=["adjusted_r2", "r2"], params={"n_features": n_features})
    r2 = skm.r2_score(y, p)
    assert r.metrics["r2"] == approx(r2)
    assert r.metrics["adjusted_r2"] == approx(1 - (1 - r2) * 24 / (24 - n_features))


def test_adjusted_r2_param_checked() -> None:
    with pytest.raises(UsageError, match="needs --param n_features"):
        losscli.evaluate([1.0, 2, 3], [1.0, 2, 4], metrics=["adjusted_r2"])
    with pytest.raises(UsageError, match="integer"):
        losscli.evaluate(
            [1.0, 2, 3], [1.0, 2, 4], metrics=["adjusted_r2"], params={"n_features": 1.5}
        )


@pytest.mark.parametrize("name", ["r2", "explained_variance"])
def test_force_finite_false_vs_sklearn(name: str) -> None:
    fn = skm.r2_score if name == "r2" else skm.explained_variance_score
    y = np.array([[1.0, 3], [1, 2], [1, 5]])
    p = np.array([[1.0, 4], [1, 1], [2, 5]])
    for ff in (True, False):
        r = losscli.evaluate(y, p, metrics=[name], params={"force_finite": ff})
        with np.errstate(all="ignore"):
            ref = fn(y, p, force_finite=ff)
        got = r.metrics[name]
        assert (math.isnan(got) and math.isnan(ref)) or got == approx(ref), (ff, got, ref)
    r = losscli.evaluate([2.0, 2.0], [1.0, 3.0], metrics=[name], params={"force_finite": False})
    with np.errstate(all="ignore"):
        ref = fn([2.0, 2.0], [1.0, 3.0], force_finite=False)
    assert r.metrics[name] == -math.inf == ref
    assert any(f"{name} is undefined" in w for w in r.warnings)


# ----------------------------------------------------------------------------- Keras losses


def test_cosine_similarity_closed_form(rng: np.random.Generator) -> None:
    y = rng.normal(size=(30, 4))
    p = y + rng.normal(size=(30, 4))
    r = losscli.evaluate(y, p, losses=["cosine_similarity"], task="regression")
    cos = np.sum(y * p, axis=1) / (np.linalg.norm(y, axis=1) * np.linalg.norm(p, axis=1))
    np.testing.assert_allclose(r.per_sample["cosine_similarity"], -cos, rtol=REL)
    z = losscli.evaluate(np.zeros((2, 3)), np.ones((2, 3)), losses=["cosine"], task="regression")
    assert list(z.per_sample["cosine_similarity"]) == [0.0, 0.0]  # a zero vector


@pytest.mark.parametrize("alpha,beta", [(0.5, 0.5), (0.2, 0.8), (1.0, 0.0)])
def test_dice_and_tversky_closed_form(rng: np.random.Generator, alpha: float, beta: float) -> None:
    y = (rng.uniform(size=(20, 6)) > 0.5).astype(float)
    y[:, 0] = 1.0
    p = rng.uniform(size=(20, 6))
    r = losscli.evaluate(
        y,
        p,
        losses=["dice", "tversky"],
        task="multilabel",
        params={"alpha": alpha, "beta": beta, "eps": 0.0},
    )
    tp = np.sum(y * p, axis=1)
    fp = np.sum((1 - y) * p, axis=1)
    fn = np.sum(y * (1 - p), axis=1)
    np.testing.assert_allclose(r.per_sample["tversky"], 1 - tp / (tp + alpha * fp + beta * fn))
    np.testing.assert_allclose(r.per_sample["dice"], 1 - 2 * tp / (y.sum(1) + p.sum(1)))
    if alpha == beta == 0.5:  # Tversky(0.5, 0.5) is Dice
        np.testing.assert_allclose(r.per_sample["tversky"], r.per_sample["dice"], rtol=1e-12)


# ----------------------------------------------------------------------------- parameters


def _binary(rng: np.random.Generator, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]
    return y, rng.uniform(0.02, 0.98, size=n)


@pytest.mark.parametrize("pos_label", ["0", "1"])
@pytest.mark.parametrize("scale", ["auto", "true", "false"])
def test_brier_pos_label_and_scale_by_half_vs_sklearn(
    rng: np.random.Generator, pos_label: str, scale: str
) -> None:
    y, p = _binary(rng)
    w = rng.uniform(0.1, 3, size=y.size)
    r = losscli.evaluate(
        y, p, metrics=["brier"], weights=w, params={"pos_label": pos_label, "scale_by_half": scale}
    )
    half = {"auto": "auto", "true": True, "false": False}[scale]
    ref = skm.brier_score_loss(y, p, pos_label=int(pos_label), sample_weight=w, scale_by_half=half)
    assert r.metrics["brier"] == approx(ref)


@pytest.mark.parametrize("scale", ["auto", "true", "false"])
def test_brier_multiclass_scale_by_half_vs_sklearn(rng: np.random.Generator, scale: str) -> None:
    y = rng.integers(0, 3, size=30)
    y[:3] = [0, 1, 2]
    p = rng.dirichlet(np.ones(3), size=30)
    r = losscli.evaluate(y, p, metrics=["brier"], params={"scale_by_half": scale})
    half = {"auto": "auto", "true": True, "false": False}[scale]
    assert r.metrics["brier"] == approx(skm.brier_score_loss(y, p, scale_by_half=half))
    with pytest.raises(UsageError, match="binary"):
        losscli.evaluate(y, p, metrics=["brier"], params={"pos_label": "0"})


@pytest.mark.parametrize(
    "name", ["hinge", "squared_hinge", "logistic", "exponential", "perceptron"]
)
@pytest.mark.parametrize("labels", ["01", "pm1"])
def test_margin_losses_pos_label_flips_the_targets(
    rng: np.random.Generator, name: str, labels: str
) -> None:
    y, _ = _binary(rng)
    f = rng.normal(size=y.size)
    yy = y if labels == "01" else 2 * y - 1
    flipped = losscli.evaluate(
        yy, f, losses=[name], task="binary", params={"pos_label": "0" if labels == "01" else "-1"}
    )
    other = losscli.evaluate(1 - y, f, losses=[name], task="binary")
    np.testing.assert_allclose(flipped.per_sample[name], other.per_sample[name], rtol=1e-15)
    if name == "hinge":  # scikit-learn: the scores of class 0 are −f for class 1
        assert flipped.losses[name]["mean"] == approx(skm.hinge_loss(y, -f))


def test_hinge_multilabel_is_the_mean_over_labels(rng: np.random.Generator) -> None:
    y = (rng.uniform(size=(20, 3)) > 0.5).astype(float)
    f = rng.normal(size=(20, 3))
    r = losscli.evaluate(y, f, losses=["hinge", "squared_hinge"], task="multilabel")
    h = np.maximum(0, 1 - (2 * y - 1) * f)
    np.testing.assert_allclose(r.per_sample["hinge"], h.mean(axis=1), rtol=REL)
    np.testing.assert_allclose(r.per_sample["squared_hinge"], (h * h).mean(axis=1), rtol=REL)


def test_multiclass_hinge_squared_closed_form(rng: np.random.Generator) -> None:
    y = rng.integers(0, 4, size=30)
    y[:4] = np.arange(4)
    s = rng.normal(size=(30, 4))
    plain = losscli.evaluate(y, s, losses=["multiclass_hinge"], task="multiclass")
    sq = losscli.evaluate(
        y, s, losses=["multiclass_hinge"], task="multiclass", params={"squared": True}
    )
    assert plain.losses["multiclass_hinge"]["mean"] == approx(skm.hinge_loss(y, s))
    np.testing.assert_allclose(
        sq.per_sample["multiclass_hinge"], plain.per_sample["multiclass_hinge"] ** 2, rtol=REL
    )


def test_categorical_focal_label_smoothing_closed_form(rng: np.random.Generator) -> None:
    y = rng.integers(0, 3, size=20)
    z = rng.normal(size=(20, 3))
    s, gamma = 0.2, 2.0
    r = losscli.evaluate(
        y,
        z,
        losses=["categorical_focal"],
        from_logits=True,
        params={"label_smoothing": s, "gamma": gamma},
    )
    q = softmax(z, axis=1)
    t = (1 - s) * np.eye(3)[y] + s / 3
    ref = -np.sum(t * (1 - q) ** gamma * np.log(q), axis=1)
    np.testing.assert_allclose(r.per_sample["categorical_focal"], ref, rtol=REL)


def test_ignore_index_weights_and_errors(rng: np.random.Generator) -> None:
    y = np.array([0, 1, 2, 1, 0])
    p = rng.dirichlet(np.ones(3), size=5)
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    r = losscli.evaluate(y, p, losses=["cce"], weights=w, params={"ignore_index": 1})
    per = -np.log(p[np.arange(5), y])
    keep = y != 1
    assert r.losses["categorical_cross_entropy"]["mean"] == approx(
        np.sum(w[keep] * per[keep]) / np.sum(w[keep])
    )
    assert r.per_sample["categorical_cross_entropy"][1] == 0.0
    with pytest.raises(UsageError, match="not a class index"):
        losscli.evaluate(y, p, losses=["cce"], params={"ignore_index": 3})
    soft = rng.dirichlet(np.ones(3), size=5)
    with pytest.raises(UsageError, match="class probabilities"):
        losscli.evaluate(soft, p, losses=["cce"], task="multiclass", params={"ignore_index": 0})


def test_integer_params_are_integers() -> None:
    from losscli.scoring import registry

    ece = registry.get_metric("ece")
    n_bins = next(p for p in ece.params if p.name == "n_bins")
    assert n_bins.default == 15 and isinstance(n_bins.default, int)
    assert n_bins.parse("20") == 20 and isinstance(n_bins.parse("20"), int)
    k = next(p for p in registry.get_metric("top_k_accuracy").params if p.name == "k")
    assert k.show(k.default) == "2"
    assert ece.to_json()["params"]["n_bins"] == 15
