"""``losscli plot``: every kind renders on the sample data as PNG and SVG through the
command line (in this process; the console script draws one, in a child process); the
curves' numbers equal scikit-learn's; a few pictures match committed reference images; bad
inputs are exit 2 / 3 with one ``error:`` line and nothing written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from losscli.report import curves as C  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# (kind, input files, extra flags): every kind on the sample data it is for
CASES = [
    ("roc", ["binary.csv"], []),
    ("roc", ["binary_margin.csv"], ["-l", "hinge"]),
    ("pr", ["binary.csv"], []),
    ("calibration", ["binary.csv"], []),
    ("calibration", ["multiclass_probs.csv"], []),
    ("confusion", ["binary.csv"], []),
    ("confusion", ["multiclass_probs.csv"], []),
    ("loss-hist", ["binary.csv"], []),
    ("loss-hist", ["regression.csv"], []),
    ("loss-hist", ["multiclass_probs.csv"], []),
    ("residuals", ["regression.csv"], []),
    ("margin-losses", [], []),
    ("margin-losses", [], ["-l", "hinge", "-l", "logistic", "--range", "-2,3"]),
]


def check_png(path: Path) -> None:
    from matplotlib.image import imread

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] >= 100 and img.shape[1] >= 100
    assert float(np.var(img[..., :3])) > 1e-3, "a blank picture"


def check_svg(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 50  # paths, not an empty canvas


def no_leftovers(directory: Path, keep: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    assert {p.name for p in directory.iterdir()} <= keep, list(directory.iterdir())


@pytest.mark.parametrize("ext", ["png", "svg"])
@pytest.mark.parametrize(("kind", "files", "extra"), CASES)
def test_every_kind_renders(cli, samples, tmp_path, kind, files, extra, ext) -> None:
    out = tmp_path / "out" / f"{kind}.{ext}"
    out.parent.mkdir()
    res = cli("plot", *[samples / f for f in files], "--kind", kind, "-o", out, *extra)
    assert res.code == 0, res.err
    assert f"wrote {out}" in res.err
    (check_png if ext == "png" else check_svg)(out)
    no_leftovers(out.parent, {out.name})


def test_the_console_script_draws(run_script, samples, tmp_path) -> None:
    out = tmp_path / "roc.png"
    res = run_script("plot", samples / "binary.csv", "--kind", "roc", "-o", out, "--title", "T")
    assert res.code == 0, res.err
    check_png(out)


def test_size_and_dpi(cli, samples, tmp_path) -> None:
    from matplotlib.image import imread

    out = tmp_path / "small.png"
    res = cli("plot", samples / "binary.csv", "-k", "pr", "-o", out, "--size", "4,3", "--dpi", "50")
    assert res.code == 0, res.err
    assert imread(out).shape[:2] == (150, 200)


def test_targets_and_predictions_in_two_files(cli, samples, tmp_path) -> None:
    out = tmp_path / "cal.png"
    res = cli(
        "plot", samples / "multilabel_targets.csv", samples / "multilabel_preds.csv",
        "-k", "calibration", "-o", out,
    )  # fmt: skip
    assert res.code == 0, res.err
    check_png(out)


@pytest.fixture
def models(tmp_path: Path, samples: Path) -> tuple[Path, Path, Path]:
    """Shared targets and two models' probabilities of the same samples."""
    import pandas as pd

    df = pd.read_csv(samples / "binary.csv")
    rng = np.random.default_rng(1)
    (tmp_path / "m").mkdir()
    t, a, b = tmp_path / "m" / "targets.csv", tmp_path / "m" / "a.csv", tmp_path / "m" / "b.csv"
    df[["label"]].to_csv(t, index=False)
    df[["prob"]].to_csv(a, index=False)
    noisy = np.clip(df["prob"] * 0.5 + rng.random(len(df)) * 0.5, 0, 1)
    pd.DataFrame({"prob": noisy}).to_csv(b, index=False)
    return t, a, b


@pytest.mark.parametrize("kind", ["roc", "pr", "calibration"])
def test_several_models_on_one_plot(cli, models, tmp_path, kind) -> None:
    t, a, b = models
    out = tmp_path / f"{kind}.svg"
    res = cli("plot", a, b, "--targets", t, "-k", kind, "-o", out)
    assert res.code == 0, res.err
    text = out.read_text()
    check_svg(out)
    assert res.code == 0
    # the legend names both files (text is drawn as paths: the ids carry no names, so
    # check through the data function instead)
    from losscli.cli.plotdraw import labels
    from losscli.engines.plotdata import gather
    from losscli.options import EvalOptions

    data = [gather(t, p, EvalOptions()) for p in (a, b)]
    assert labels(data) == ["a.csv", "b.csv"]
    assert text.count("<path") > 20


def test_models_with_their_own_targets(cli, samples, tmp_path) -> None:
    out = tmp_path / "roc.png"
    res = cli(
        "plot", "--models", samples / "binary.csv", samples / "binary.csv", "-k", "roc", "-o", out
    )
    assert res.code == 0, res.err
    check_png(out)


# ------------------------------------------------------------------ the numbers


def _binary_sample(samples: Path):
    from losscli.engines.plotdata import gather
    from losscli.options import EvalOptions

    return gather(samples / "binary.csv", None, EvalOptions())


def test_roc_points_are_sklearns(samples) -> None:
    from sklearn.metrics import roc_auc_score, roc_curve

    d = _binary_sample(samples)
    c = C.roc(d.y, d.p)
    fpr, tpr, thr = roc_curve(d.y, d.p)
    np.testing.assert_array_equal(c.x, fpr)
    np.testing.assert_array_equal(c.y, tpr)
    np.testing.assert_array_equal(c.thresholds[1:], thr[1:])
    assert c.value == pytest.approx(roc_auc_score(d.y, d.p), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_and_pr_on_ties_and_weights(seed) -> None:
    from sklearn.metrics import (
        average_precision_score,
        precision_recall_curve,
        roc_auc_score,
        roc_curve,
    )

    rng = np.random.default_rng(seed)
    n = 3000
    y = (rng.random(n) < 0.3).astype(float)
    s = np.round(rng.random(n) + 0.4 * y, 2)  # many ties
    w = rng.random(n) * 3
    for weights in (None, w):
        c = C.roc(y, s, weights)
        fpr, tpr, _ = roc_curve(y, s, sample_weight=weights)
        np.testing.assert_allclose(c.x, fpr, atol=1e-12)
        np.testing.assert_allclose(c.y, tpr, atol=1e-12)
        assert c.value == pytest.approx(roc_auc_score(y, s, sample_weight=weights), abs=1e-12)
        c = C.pr(y, s, weights)
        prec, rec, _ = precision_recall_curve(y, s, sample_weight=weights)
        np.testing.assert_allclose(c.x, rec, atol=1e-12)
        np.testing.assert_allclose(c.y, prec, atol=1e-12)
        ap = average_precision_score(y, s, sample_weight=weights)
        assert c.value == pytest.approx(ap, abs=1e-12)


def test_thinning_keeps_the_shape() -> None:
    rng = np.random.default_rng(3)
    n = 400_000
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.normal(size=n) + y
    full = C.roc(y, s)
    thin = C.roc(y, s, thin_to=C.MAX_POINTS)
    assert len(full.x) > 10 * C.MAX_POINTS and len(thin.x) <= C.MAX_POINTS + 2
    assert (thin.x[0], thin.y[0], thin.x[-1], thin.y[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert thin.value == full.value  # the AUC of every point
    # the thinned polyline is never far from the curve: tpr at every fpr within 1/1000
    between = np.interp(full.x, thin.x, thin.y)
    assert np.max(np.abs(between - full.y)) < 2e-3
    assert np.trapezoid(thin.y, thin.x) == pytest.approx(full.value, abs=1e-3)


def test_calibration_bins_are_sklearns() -> None:
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(4)
    p = rng.random(5000)
    y = (rng.random(5000) < p**1.3).astype(float)
    b = C.calibration("binary", y, p, n_bins=10)
    frac, mean = calibration_curve(y, p, n_bins=10)
    filled = b.counts > 0
    np.testing.assert_allclose(b.observed[filled], frac)
    np.testing.assert_allclose(b.mean_pred[filled], mean)
    assert b.counts.sum() == 5000
    ece = np.sum(b.counts * np.abs(b.mean_pred - b.observed)) / 5000
    assert b.ece == pytest.approx(ece)


def test_confusion_is_sklearns(samples) -> None:
    import pandas as pd
    from sklearn.metrics import confusion_matrix

    from losscli.engines.plotdata import gather
    from losscli.options import EvalOptions

    d = gather(samples / "multiclass_probs.csv", None, EvalOptions())
    m = C.confusion(d.task, d.y, d.p, scores=d.scores)
    df = pd.read_csv(samples / "multiclass_probs.csv")
    ref = confusion_matrix(df["label"], df[["cat", "dog", "bird"]].to_numpy().argmax(axis=1))
    np.testing.assert_array_equal(m, ref)
    d = _binary_sample(samples)
    ref = confusion_matrix(d.y, d.p > 0.5)
    np.testing.assert_array_equal(C.confusion(d.task, d.y, d.p, scores=False), ref)


def test_margin_losses_are_the_closed_forms() -> None:
    m, v = C.margin_losses()
    assert list(v) == list(C.MARGIN_LOSSES)
    np.testing.assert_allclose(v["hinge"], np.maximum(0, 1 - m))
    np.testing.assert_allclose(v["squared_hinge"], np.maximum(0, 1 - m) ** 2)
    np.testing.assert_allclose(v["logistic"], np.log2(1 + np.exp(-m)))
    np.testing.assert_allclose(v["exponential"], np.exp(-m))
    np.testing.assert_allclose(v["perceptron"], np.maximum(0, -m))
    np.testing.assert_array_equal(v["zero_one"], (m <= 0).astype(float))
    _, v = C.margin_losses(("log_loss_margin",) if False else ("hinge",), -1, 1)
    assert list(v) == ["hinge"]


def test_a_wide_spread_gets_a_log_scale() -> None:
    from losscli.report.plots import spread_is_wide

    rng = np.random.default_rng(5)
    assert not spread_is_wide(rng.random(1000))
    assert spread_is_wide(10 ** rng.uniform(-6, 2, 1000))


# ------------------------------------------------------------------ reference images


@pytest.mark.parametrize("name", ["roc", "margin-losses", "confusion", "calibration"])
def test_matches_the_reference_image(cli, tmp_path, name) -> None:
    """Against tests/plots/reference/ (made by ``python tests/plots/make_reference.py``)."""
    from make_reference import CASES as REF  # beside this file (pytest puts it on the path)
    from make_reference import REFERENCE, ROOT, SMALL
    from matplotlib.testing.compare import compare_images

    out = tmp_path / f"{name}.png"
    res = cli("plot", *REF[name], *SMALL, "-o", out, "--no-config", cwd=ROOT)
    assert res.code == 0, res.err
    diff = compare_images(str(REFERENCE / f"{name}.png"), str(out), tol=10)
    assert diff is None, diff


# ------------------------------------------------------------------ bad inputs


def _one_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    return lines[0]


def test_without_matplotlib_names_the_install_command(run, samples, tmp_path) -> None:
    import os

    shadow = tmp_path / "shadow" / "matplotlib"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    path = os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")])
    (tmp_path / "o").mkdir()
    out = tmp_path / "o" / "roc.png"
    res = run("plot", samples / "binary.csv", "-k", "roc", "-o", out, env={"PYTHONPATH": path})
    assert res.code == 2
    assert "pip install 'losscli[plot]'" in _one_error(res.err)
    no_leftovers(out.parent)
    # eval does not need it
    res = run("eval", samples / "binary.csv", "-f", "value", env={"PYTHONPATH": path})
    assert res.code == 0, res.err


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["binary.csv", "-k", "roc", "-o", "{o}/roc.pdf"], 2, ".png or .svg"),
        (["binary.csv", "-k", "roc", "-o", "{o}/roc"], 2, ".png or .svg"),
        (["binary.csv", "-k", "pie", "-o", "{o}/x.png"], 2, "unknown --kind"),
        (["binary.csv", "-o", "{o}/x.png"], 2, "needs --kind"),
        (["binary.csv", "-k", "roc"], 2, "needs -o"),
        (["regression.csv", "-k", "roc", "-o", "{o}/x.png"], 2, "binary"),
        (["binary.csv", "-k", "residuals", "-o", "{o}/x.png"], 2, "regression"),
        (["regression.csv", "-k", "confusion", "-o", "{o}/x.png"], 2, "confusion"),
        (
            ["binary_margin.csv", "-k", "calibration", "-l", "hinge", "-o", "{o}/x.png"],
            2,
            "probabilities",
        ),
        (["-k", "margin-losses", "-l", "mse", "-o", "{o}/x.png"], 2, "margin loss"),
        (["-k", "margin-losses", "--range", "3,1", "-o", "{o}/x.png"], 2, "--range"),
        (["binary.csv", "-k", "margin-losses", "-o", "{o}/x.png"], 2, "no FILE"),
        (["-k", "roc", "-o", "{o}/x.png"], 2, "FILE"),
        (["binary.csv", "-k", "roc", "--size", "4", "-o", "{o}/x.png"], 2, "--size"),
        (
            ["binary.csv", "regression.csv", "binary.csv", "-k", "roc", "-o", "{o}/x.png"],
            2,
            "--targets",
        ),
        (["missing.csv", "-k", "roc", "-o", "{o}/x.png"], 3, "missing.csv"),
        (["binary_margin.csv", "-k", "roc", "-o", "{o}/x.png"], 3, "--from-logits"),
        (["{bad}", "-k", "roc", "-o", "{o}/x.png"], 3, "row 2, column prob"),
        (["{png}", "--input-format", "csv", "-k", "roc", "-o", "{png}"], 2, "an input"),
    ],
)
def test_bad_input(cli, samples, tmp_path, args, code, says) -> None:
    o = tmp_path / "o"
    o.mkdir()
    bad = tmp_path / "bad.csv"
    bad.write_text("label,prob\n1,0.3\n0,oops\n1,0.9\n")
    png = tmp_path / "data.png"  # a CSV file named like a picture
    png.write_bytes((samples / "binary.csv").read_bytes())
    filled = [
        a.format(o=o, bad=bad, png=png)
        if "{" in a
        else (str(samples / a) if a.endswith(".csv") else a)
        for a in args
    ]
    before = (samples / "binary.csv").read_bytes()
    res = cli("plot", *filled)
    assert res.code == code, res.err
    assert says in _one_error(res.err)
    no_leftovers(o)
    assert png.read_bytes() == before


def test_standard_input_and_logits(cli, samples, tmp_path) -> None:
    out = tmp_path / "stdin.png"
    data = (samples / "binary.csv").read_bytes()
    res = cli("plot", "-", "-k", "roc", "-o", out, input=data)
    assert res.code == 0, res.err
    check_png(out)
    out = tmp_path / "logits.svg"
    res = cli(
        "plot", samples / "multiclass_logits.csv", "-k", "calibration", "--from-logits", "-o", out
    )
    assert res.code == 0, res.err
    check_svg(out)


def test_the_threshold_and_the_logits_reach_the_numbers(samples) -> None:
    from losscli.engines.plotdata import gather
    from losscli.options import EvalOptions

    d = gather(samples / "binary.csv", None, EvalOptions(params=("threshold=0.3",)))
    assert d.threshold == 0.3
    m = C.confusion(d.task, d.y, d.p, scores=d.scores, threshold=d.threshold)
    assert m[:, 1].sum() == np.count_nonzero(d.p > 0.3)
    d = gather(samples / "multiclass_logits.csv", None, EvalOptions(from_logits=True))
    p = C.probabilities(d.task, d.p, d.scores, d.from_logits)
    z = np.exp(d.p - d.p.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, z / z.sum(axis=1, keepdims=True))


def test_the_theme_tells_series_apart_in_grey() -> None:
    from losscli.report.plots import style

    looks = [style(i) for i in range(7)]
    assert len({str(s["linestyle"]) for s in looks}) == 7
    assert len({s["marker"] for s in looks}) == 7


def test_the_same_data_give_the_same_svg(cli, samples, tmp_path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (a, b):
        assert cli("plot", samples / "binary.csv", "-k", "roc", "-o", out).code == 0
    assert a.read_bytes() == b.read_bytes()


def test_loss_hist_on_a_wide_spread(cli, tmp_path) -> None:
    rng = np.random.default_rng(6)
    n = 500
    p = 1 - 10 ** rng.uniform(-9, -0.5, n)  # losses -log(p) from 1e-9 to 0.4: a log scale
    path = tmp_path / "wide.csv"
    path.write_text("label,prob\n" + "".join(f"1,{x:.17g}\n" for x in p))
    out = tmp_path / "hist.png"
    res = cli("plot", path, "-k", "loss-hist", "-o", out, "--bins", "30")
    assert res.code == 0, res.err
    check_png(out)
    from losscli.report.plots import spread_is_wide

    assert spread_is_wide(-np.log(p))
