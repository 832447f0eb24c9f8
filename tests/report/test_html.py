"""``--format html`` (eval, batch, compare): one self-contained page, escaped names, the
intervals and the gates; the pictures' data (engines/plotdata.Collector, curves.Sketch);
markdown's intervals and gate marks.  The real browser is tests/browser/."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from losscli.api import evaluate
from losscli.engines.plotdata import Collector
from losscli.report import curves as C
from losscli.report.html import report_html
from losscli.report.render import render

EVIL = "<script>alert(1)</script>"


def self_contained(page: str) -> None:
    """No script, nothing from the network, one document."""
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page), re.search(r".{40}https?://.{40}", page)
    # only references into the page, and images inline (imshow's heat map)
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|data:image/png;base64,)""", page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page


def ids_unique(page: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


@pytest.fixture
def binary_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 300
    y = rng.integers(0, 2, n)
    p = np.clip(0.35 * y + 0.65 * rng.random(n), 0.001, 0.999)
    path = tmp_path / "scores & more.csv"  # a name to escape
    path.write_text("label,prob\n" + "".join(f"{a},{b:.6f}\n" for a, b in zip(y, p)))
    return path


@pytest.fixture
def evil_multiclass(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    names = [EVIL, "cat", 'dog"&']
    rows = []
    for _ in range(60):
        k = int(rng.integers(0, 3))
        p = rng.dirichlet([1, 1, 1]) * 0.5
        p[k] += 0.5
        rows.append(
            f'"{names[k].replace(chr(34), chr(34) * 2)}",' + ",".join(f"{x:.6f}" for x in p)
        )
    header = "label," + ",".join(f'"{n.replace(chr(34), chr(34) * 2)}"' for n in names)
    path = tmp_path / "multi.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


# ----------------------------------------------------------------------------- the commands


def test_eval_html_with_intervals_gates_and_pictures(cli, binary_csv, tmp_path) -> None:
    out = tmp_path / "report.html"
    res = cli(
        "eval", binary_csv, "-f", "html", "--ci", "--n-boot", "50", "-o", out,
        "-m", "accuracy", "-m", "roc_auc", "--check", "accuracy>0.99", "--check", "roc_auc>0.5",
    )  # fmt: skip
    assert res.code == 1, res.err  # a gate failed: the page is still written
    assert res.out == ""
    page = out.read_text(encoding="utf-8")
    self_contained(page)
    ids_unique(page)
    assert "scores &amp; more.csv" in page and "scores & more" not in page
    # every figure with its interval: value [low, high]
    assert re.search(r'<td class="n">0\.\d+ <span class="iv">\[0\.\d+, 0\.\d+\]</span>', page)
    assert "value [95% interval]" in page and "delong" in page and "wilson" in page
    assert page.count('<span class="fail">') == 2  # the failed check and the verdict
    assert '<span class="pass">✓ PASS</span>' in page
    assert "accuracy&gt;0.99" in page
    for caption in ("ROC curve", "Precision-recall curve", "Reliability diagram", "Per-sample"):
        assert f"<figcaption>{caption}" in page
    assert page.count("<svg") == 4
    assert "signature <code>losscli:" in page


def test_eval_html_to_stdout_escapes_class_names(cli, evil_multiclass) -> None:
    res = cli("eval", evil_multiclass, "-f", "html")
    assert res.code == 0, res.err
    page = res.out
    self_contained(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "dog&quot;&amp;" in page
    assert "Confusion matrix" in page and page.count("<svg") == 3  # heat map, reliability, hist


def test_batch_html_leaderboard_with_versus_best(cli, tmp_path) -> None:
    rng = np.random.default_rng(5)
    n = 200
    y = rng.integers(0, 2, n)
    (tmp_path / "t.csv").write_text("label\n" + "".join(f"{v}\n" for v in y))
    for name, noise in (("good.csv", 0.3), ("bad.csv", 0.9)):
        p = np.clip(y * (1 - noise) + noise * rng.random(n), 0, 1)
        (tmp_path / name).write_text("prob\n" + "".join(f"{v:.6f}\n" for v in p))
    out = tmp_path / "b.html"
    res = cli(
        "batch", "good.csv", "bad.csv", "--targets", "t.csv", "-f", "html", "--ci", "--n-boot",
        "50", "--sort-by", "binary_cross_entropy", "--check", "accuracy>0.8", "-o", out,
    )  # fmt: skip
    assert res.code == 1, res.err  # bad.csv fails its check
    page = out.read_text(encoding="utf-8")
    self_contained(page)
    assert "<h2>Leaderboard</h2>" in page and "vs best: p (Holm)" in page
    assert '<span class="pass">best</span>' in page and ">worse<" in page
    assert page.index("good.csv") < page.index("bad.csv")  # ranked
    assert '<span class="iv">[' in page
    assert page.count("✗ FAIL") == 2 and page.count("✓ PASS") == 1  # bad, verdict; good


def test_compare_html_differences_and_pictures(cli, binary_csv, tmp_path) -> None:
    lines = binary_csv.read_text().splitlines()
    rng = np.random.default_rng(8)
    other = [lines[0]]
    for ln in lines[1:]:
        label, prob = ln.split(",")
        other.append(f"{label},{float(prob) * 0.5 + rng.random() * 0.5:.6f}")
    b = tmp_path / "b.csv"
    b.write_text("\n".join(other) + "\n")
    res = cli("compare", binary_csv, b, "-f", "html", "--n-boot", "50")
    assert res.code == 0, res.err
    page = res.out
    self_contained(page)
    ids_unique(page)
    assert "B − A [95% interval]" in page and "p (Holm)" in page
    assert "mcnemar" in page and "bootstrap" in page
    assert re.search(r"BETTER IN B|WORSE IN B|no difference", page)
    assert "<figcaption>ROC curve" in page and page.count("<svg") >= 4


def test_bad_input_is_exit_3_and_nothing_written(run, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("label,prob\n1,0.5\n0,oops\n")
    out = tmp_path / "r.html"
    res = run("eval", bad, "-f", "html", "-o", out)
    assert res.code == 3
    assert res.err.count("error:") == 1 and "row" in res.err
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_unknown_format_names_html(cli, binary_csv) -> None:
    res = cli("eval", binary_csv, "-f", "htm")
    assert res.code == 2 and "html" in res.err


# ----------------------------------------------------------------------------- the API


def _page(path: Path, **kw) -> str:
    c = Collector()
    report = evaluate(path, keep_per_sample=False, collect=c, **kw)
    return render(report, "html", pictures=c.pictures(), source=str(path))


def test_api_render_html_regression_residuals(tmp_path) -> None:
    rng = np.random.default_rng(9)
    y = rng.normal(size=500)
    p = y + rng.normal(scale=0.3, size=500)
    path = tmp_path / "reg.csv"
    path.write_text("y,pred\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(y, p)))
    page = _page(path)
    self_contained(page)
    assert "<figcaption>Residuals" in page and "<figcaption>Per-sample mse" in page


def test_without_matplotlib_the_page_names_the_pip_command(monkeypatch, binary_csv) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    page = _page(binary_csv)
    self_contained(page)
    assert "pip install &#x27;losscli[plot]&#x27;" in page
    assert "<svg" not in page and "<h2>Figures</h2>" in page


def test_tables_only_without_pictures(binary_csv) -> None:
    report = evaluate(binary_csv, keep_per_sample=False)
    page = report_html(report)
    self_contained(page)
    assert "Pictures" not in page and "binary_cross_entropy" in page


# ----------------------------------------------------------------------------- the numbers


def test_pictures_do_not_depend_on_the_chunking(binary_csv) -> None:
    pics = []
    for rows in (7, 100_000):
        c = Collector()
        evaluate(binary_csv, keep_per_sample=False, collect=c, chunk_rows=rows)
        pics.append(c.pictures())
    a, b = pics
    np.testing.assert_array_equal(a.roc.x, b.roc.x)
    np.testing.assert_array_equal(a.pr.y, b.pr.y)
    np.testing.assert_array_equal(a.confusion, b.confusion)
    np.testing.assert_allclose(a.calibration.observed, b.calibration.observed, rtol=1e-12)
    np.testing.assert_array_equal(a.hist.counts, b.hist.counts)


def test_collector_figures_match_the_report(binary_csv) -> None:
    from sklearn.metrics import roc_auc_score

    c = Collector()
    report = evaluate(binary_csv, keep_per_sample=True, collect=c, metrics=["roc_auc", "ece"])
    pic = c.pictures()
    y, p = np.loadtxt(binary_csv, delimiter=",", skiprows=1, unpack=True)
    assert pic.roc.value == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert pic.hist.mean == pytest.approx(report.losses["binary_cross_entropy"]["mean"])
    assert pic.hist.counts.sum() == pytest.approx(len(y))
    assert pic.confusion.sum() == len(y)


def test_sketch_histogram_from_binned_counts() -> None:
    rng = np.random.default_rng(11)
    v = rng.gamma(2.0, 1.5, 100_000)
    w = rng.random(v.size)
    s = C.Sketch()
    for part in np.array_split(np.arange(v.size), 7):  # chunk by chunk
        s.add(v[part], w[part])
    h = s.hist(40)
    exact, _ = np.histogram(v, bins=h.edges, weights=w)
    assert h.counts.sum() == pytest.approx(w.sum())
    # a sketch bin is 0.54% wide: bars differ by the few values near their edges
    assert np.abs(h.counts - exact).max() < 0.03 * exact.max()
    assert h.mean == pytest.approx(np.average(v, weights=w), rel=1e-12)
    order = np.argsort(v)
    median = v[order][np.searchsorted(np.cumsum(w[order]), 0.5 * w.sum())]
    assert h.median == pytest.approx(median, rel=0.01)
    assert not h.log
    wide = C.Sketch()
    wide.add(10 ** rng.uniform(-9, 0, 1000))
    assert wide.hist(30).log


def test_residual_sample_stays_bounded() -> None:
    c = Collector(sample=1000)
    from losscli.validate.prepare import Prepared

    rng = np.random.default_rng(2)
    for _ in range(10):
        y = rng.normal(size=5000)
        prep = Prepared(task="regression", y=y, p=y * 0.9, weights=None, classes=[])
        c.add(prep, {"mse": (y * 0.1) ** 2}, from_logits=False)
    pic = c.pictures()
    assert pic.residual_q is not None and 500 < pic.residual_q.size <= 1000
    assert pic.n == 50_000 and pic.residual_hist.counts.sum() == 50_000


# ----------------------------------------------------------------------------- markdown


def test_markdown_batch_marks_gates_and_shows_intervals(cli, tmp_path) -> None:
    for name, p in (("a.csv", "0.9\n0.2\n0.7\n0.4\n"), ("b.csv", "0.1\n0.8\n0.3\n0.6\n")):
        (tmp_path / name).write_text("label,prob\n" + "".join(
            f"{y},{q}\n" for y, q in zip((1, 0, 1, 0), p.split())
        ))  # fmt: skip
    res = cli("batch", "a.csv", "b.csv", "-f", "markdown", "--ci", "--n-boot", "30",
              "--check", "accuracy>0.5")  # fmt: skip
    assert res.code == 1, res.err
    assert "accuracy [95% interval]" in res.out
    assert "| `a.csv` | `accuracy>0.5` | 1 | 0.5 | ✅ pass |" in res.out
    assert "| `b.csv` | `accuracy>0.5` | 0 | 0.5 | ❌ fail |" in res.out
