"""The threshold sweep against scikit-learn's roc_curve and precision_recall_curve."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.errors import InputError, UsageError
from losscli.scoring.thresholds import shown_rows, sweep


@pytest.mark.parametrize("weighted", [False, True])
def test_sweep_vs_sklearn(weighted: bool) -> None:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_curve, roc_curve

    rng = np.random.default_rng(21)
    n = 400
    s = np.round(rng.normal(size=n), 1)  # ties; raw scores
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * s))).astype(int)
    w = rng.random(n) * 2 if weighted else None
    sw = sweep(y, s, w)
    assert np.all(np.diff(sw.thresholds) > 0)
    assert set(sw.thresholds) == set(np.unique(s))
    fpr, tpr, thr = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    # scikit-learn: decreasing thresholds, the first one (inf) predicting nothing
    assert thr[1:][::-1] == pytest.approx(sw.thresholds)
    assert sw.figures["tpr"] == pytest.approx(tpr[1:][::-1], rel=1e-12)
    assert sw.figures["fpr"] == pytest.approx(fpr[1:][::-1], rel=1e-12)
    precision, recall, pthr = precision_recall_curve(y, s, sample_weight=w)
    assert pthr == pytest.approx(sw.thresholds)
    assert sw.figures["precision"] == pytest.approx(precision[:-1], rel=1e-12)
    assert sw.figures["recall"] == pytest.approx(recall[:-1], rel=1e-12)
    for i in (0, len(sw) // 3, len(sw) - 1):
        q = (s >= sw.thresholds[i]).astype(int)
        assert sw.figures["f1"][i] == pytest.approx(f1_score(y, q, sample_weight=w), rel=1e-12)
        assert sw.figures["accuracy"][i] == pytest.approx(
            accuracy_score(y, q, sample_weight=w), rel=1e-12
        )


@pytest.mark.parametrize("optimize", ["f1", "youden", "accuracy"])
def test_best(optimize: str) -> None:
    rng = np.random.default_rng(22)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    sw = sweep(y, p, optimize=optimize)
    key = {"f1": sw.figures["f1"], "accuracy": sw.figures["accuracy"]}.get(
        optimize, sw.figures["tpr"] - sw.figures["fpr"]
    )
    assert key[sw.best] == key.max()
    assert sw.best == np.flatnonzero(key == key.max())[-1]  # ties: the highest threshold


def test_one_class_and_bad_criterion() -> None:
    with pytest.raises(InputError, match="both classes"):
        sweep(np.zeros(5), np.linspace(0, 1, 5))
    with pytest.raises(UsageError, match="optimize"):
        sweep(np.r_[0, 1], np.r_[0.2, 0.4], optimize="auc")


def test_shown_rows() -> None:
    assert shown_rows(5, 2, 20) == [0, 1, 2, 3, 4]
    rows = shown_rows(1000, 334, 10)
    assert rows[0] == 0 and rows[-1] == 999 and 334 in rows and len(rows) == 11
    assert shown_rows(1000, 5, 1) == [5]


@pytest.mark.parametrize("weights", ["none", "constant", "varied"])
def test_curve_paths_vs_counting(weights: str) -> None:
    """curve_ascending: the equal-weight path (plain sorts) and the argsort path give the
    counts "score >= t" counted by brute force, on ties, 0.0 beside -0.0, tiny inputs."""
    from losscli.scoring.ranking import curve_ascending

    rng = np.random.default_rng(23)
    for n in (0, 1, 2, 7, 300):
        s = np.round(rng.normal(size=n), 1) * rng.choice([1.0, 0.0, -0.0], n)
        y = rng.integers(0, 2, n)
        w = {"none": None, "constant": np.full(n, 0.75), "varied": rng.random(n) + 0.1}[weights]
        ww = np.ones(n) if w is None else w
        thr = np.unique(s)
        above = s[None, :] >= thr[:, None]
        got_thr, got_tps, got_fps = curve_ascending(y, s, w)
        assert np.array_equal(got_thr, thr)
        assert got_tps == pytest.approx(above @ (ww * (y == 1)), rel=1e-12, abs=1e-12)
        assert got_fps == pytest.approx(above @ (ww * (y == 0)), rel=1e-12, abs=1e-12)


def test_the_run_under_thresholds_keeps_the_samples_without_the_figures() -> None:
    """``thresholds`` runs the evaluation without the metrics' figures (roc_auc's sort):
    the same losses, warnings and kept samples as with them, and no metric figure."""
    from sklearn.metrics import roc_auc_score

    from losscli.engines.local import run
    from losscli.options import EvalOptions

    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 500).astype(float), rng.random(500)
    o = EvalOptions(losses=("zero_one",), metrics=("roc_auc",))
    full = run(y, p, o, keep_per_sample=False)
    bare = run(y, p, o, keep_per_sample=False, figures=False)
    assert bare.metrics == {}
    assert full.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert bare.losses == full.losses and bare.warnings == full.warnings
    kept = bare.accumulator.metrics["roc_auc"]  # type: ignore[union-attr]
    assert np.array_equal(np.concatenate(kept.ps).reshape(-1), p)
    assert np.array_equal(np.concatenate(kept.ys).reshape(-1), y)
