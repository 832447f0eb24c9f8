"""``losscli plot`` on big inputs keeps only what its picture needs (one sort for roc / pr,
binned counts otherwise), and the confusion picture counts the sample weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from losscli.engines.plotdata import gather
from losscli.options import EvalOptions
from losscli.report import curves as C

pytest.importorskip("matplotlib")


@pytest.fixture
def weighted_multiclass(tmp_path: Path) -> Path:
    rng = np.random.default_rng(13)
    n = 120
    y = rng.integers(0, 3, n)
    p = rng.dirichlet([1, 1, 1], n) * 0.6
    p[np.arange(n), y] += 0.4
    w = rng.integers(1, 5, n)
    path = tmp_path / "wm.csv"
    rows = "".join(
        f"{a},{b[0]:.6f},{b[1]:.6f},{1 - b[0] - b[1]:.6f},{c}\n" for a, b, c in zip(y, p, w)
    )
    path.write_text("label,p0,p1,p2,weight\n" + rows)
    return path


def test_confusion_counts_the_weights(weighted_multiclass) -> None:
    d = gather(weighted_multiclass, None, EvalOptions(weights="weight"), kind="confusion")
    raw = np.loadtxt(weighted_multiclass, delimiter=",", skiprows=1)
    y, p, w = raw[:, 0].astype(int), raw[:, 1:4], raw[:, 4]
    expected = np.zeros((3, 3))
    np.add.at(expected, (y, p.argmax(axis=1)), w)
    assert d.pictures is not None and d.pictures.weighted
    np.testing.assert_allclose(d.pictures.confusion, expected)
    # the report's own (weighted) confusion matrix agrees
    np.testing.assert_allclose(np.array(d.report.confusion["matrix"]), expected)


def test_plot_confusion_with_weights(cli, weighted_multiclass, tmp_path) -> None:
    out = tmp_path / "cm.svg"
    res = cli("plot", weighted_multiclass, "-k", "confusion", "--weights", "weight", "-o", out)
    assert res.code == 0, res.err
    assert out.read_text().startswith("<?xml")


def test_kinds_keep_only_what_they_draw(samples) -> None:
    hist = gather(samples / "binary.csv", None, EvalOptions(), kind="loss-hist")
    assert hist.y.size == 0 and hist.p.size == 0 and hist.losses == {}
    assert hist.pictures is not None and hist.pictures.hist is not None
    assert hist.pictures.hist.counts.sum() == hist.report.n_samples == 200
    roc = gather(samples / "binary.csv", None, EvalOptions(), kind="roc")
    assert roc.y.size == 200 and roc.losses == {} and roc.pictures is None
    every = gather(samples / "binary.csv", None, EvalOptions())  # the API: everything
    assert every.y.size == 200 and set(every.losses) == {"binary_cross_entropy"}


def test_counts_from_plain_sorts_equal_the_argsort(samples) -> None:
    rng = np.random.default_rng(17)
    s = np.round(rng.random(5000), 2)  # many ties
    y = (rng.random(5000) < s).astype(np.float64)
    fast = C.counts(y, s, None)
    slow = C.counts(y, s, np.ones_like(s))  # the weighted path: one stable argsort
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


def test_streamed_calibration_equals_the_whole(samples) -> None:
    d = gather(samples / "binary.csv", None, EvalOptions(chunk_rows=7), kind="calibration")
    whole = gather(samples / "binary.csv", None, EvalOptions())
    ref = C.calibration("binary", whole.y, whole.p, None, 10)
    assert d.pictures is not None and d.pictures.calibration is not None
    got = d.pictures.calibration
    np.testing.assert_array_equal(got.counts, ref.counts)
    np.testing.assert_allclose(got.observed, ref.observed, rtol=1e-12)
    np.testing.assert_allclose(got.mean_pred, ref.mean_pred, rtol=1e-12)
    assert got.ece == pytest.approx(ref.ece, rel=1e-12)
