"""#18 the terminal, through the render functions: every table layout fits 60, 80 and 120
columns (no line longer, so no wrapped line), counts are whole numbers with separators,
no ``-0``, the one-line loss histogram merges over chunks, and the progress line names the
phase with a percentage and an ETA (a fake terminal stream)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import losscli
from losscli import phases
from losscli.engines.batch import evaluate_batch
from losscli.engines.compare import compare
from losscli.options import EvalOptions
from losscli.report import layout
from losscli.report.comparison import render_comparison
from losscli.report.histogram import LossHistogram
from losscli.report.numbers import cell, count, fixed, short
from losscli.report.render import render, render_batch
from losscli.report.thresholds import render as render_thresholds
from losscli.scoring.thresholds import sweep

WIDTHS = (60, 80, 120)
RNG = np.random.default_rng(18)
N = 300


def _binary() -> tuple[np.ndarray, np.ndarray]:
    y = RNG.integers(0, 2, N)
    return y, np.clip(0.35 * y + 0.65 * RNG.random(N), 0.001, 0.999)


def _multiclass(k: int) -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, k, N), RNG.dirichlet(np.ones(k), N)


def _names_csv(tmp: Path, k: int) -> Path:
    """``k`` classes with long names sharing a prefix, as a person's file has them."""
    y, p = _multiclass(k)
    names = [f"category_with_a_long_name_{i:02d}" for i in range(k)]
    path = tmp / f"mc{k}.csv"
    lines = ["label," + ",".join(names)]
    lines += [names[a] + "," + ",".join(f"{v:.6f}" for v in row) for a, row in zip(y, p)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _layouts(tmp: Path) -> dict[str, Callable[[], Any]]:
    yb, pb = _binary()
    ym, pm = _multiclass(4)
    groups = np.array(["north", "south", "a_region_with_a_rather_long_name"])[np.arange(N) % 3]
    grouped = tmp / "grouped.csv"
    grouped.write_text(
        "y,p,region\n" + "".join(f"{a},{float(b)!r},{g}\n" for a, b, g in zip(yb, pb, groups))
    )
    many = ["bce", "focal", "zero_one"]
    yl = RNG.integers(0, 2, (N, 3))
    pl = RNG.random((N, 3))
    yr = RNG.normal(size=N)
    pr = yr + RNG.normal(scale=0.3, size=N)
    return {
        "binary": lambda: losscli.evaluate(yb, pb, metrics=["accuracy", "roc_auc"]),
        "binary_ci": lambda: losscli.evaluate(
            yb, pb, metrics=["accuracy", "roc_auc", "f1"], ci=True, n_boot=50
        ),
        "binary_group_by_ci": lambda: losscli.evaluate(
            str(grouped), metrics=["accuracy"], losses=many, group_by="region", ci=True, n_boot=30
        ),
        "reliability": lambda: losscli.evaluate(yb, pb, metrics=["ece", "mce"]),
        "multiclass": lambda: losscli.evaluate(
            ym, pm, losses=["cce", "categorical_hinge", "categorical_focal", "kl_divergence"]
        ),
        "multiclass_10": lambda: losscli.evaluate(str(_names_csv(tmp, 10)), ci=True, n_boot=30),
        "multiclass_30": lambda: losscli.evaluate(str(_names_csv(tmp, 30))),
        "multilabel": lambda: losscli.evaluate(
            yl, pl, task="multilabel", losses=["bce", "hamming"]
        ),
        "regression": lambda: losscli.evaluate(
            yr, pr, losses=["mse", "mae", "huber", "log_cosh"], metrics=["rmse", "r2"], ci=True
        ),
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("terminal")
    return {name: make() for name, make in _layouts(tmp).items()}


def _fits(text: str, width: int) -> None:
    lines = text.splitlines()
    assert lines, "nothing rendered"
    too_long = [(len(x), x) for x in lines if len(x) > width]
    assert not too_long, too_long


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "name",
    [
        "binary",
        "binary_ci",
        "binary_group_by_ci",
        "reliability",
        "multiclass",
        "multiclass_10",
        "multiclass_30",
        "multilabel",
        "regression",
    ],
)
@pytest.mark.parametrize("terminal", [False, True])
def test_eval_table_fits(reports: dict[str, Any], name: str, width: int, terminal: bool) -> None:
    text = render(reports[name], "table", width=width, terminal=terminal)
    _fits(text, width)


@pytest.mark.parametrize("k", [10, 30])
def test_confusion_matrix_keeps_its_header(reports: dict[str, Any], k: int) -> None:
    text = render(reports[f"multiclass_{k}"], "table", width=80)
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("confusion matrix"))
    title = " ".join(" ".join(lines[start : start + 2]).split())  # wrapped at a word
    assert "without their prefix 'category_with_a_long_name_'" in title
    headers = [x for x in lines[start:] if x.startswith("true \\ predicted")]
    shown = [c for h in headers for c in h.split()[3:]]
    assert shown == [f"{i:02d}" for i in range(k)]  # every class has its column, in order
    rows = [x for x in lines[start:] if x.startswith("category_w")]  # perhaps shortened
    assert len(rows) == k * len(headers)  # each block repeats the true classes


def _batch(tmp: Path, ci: bool) -> Any:
    names = [
        "a_model_with_a_very_long_name_trained_on_the_whole_dataset_v12.csv",
        "short.csv",
        "m3.csv",
    ]
    for i, n in enumerate(names):
        y, p = _binary()
        if i == 2:
            p = np.where(np.arange(N) == 0, 1.0, p)  # clipped: a per-file warning
        (tmp / n).write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    opts = EvalOptions(
        metrics=("accuracy", "roc_auc"), losses=("bce", "zero_one"), ci=ci, n_boot=30
    )
    return evaluate_batch([str(tmp / n) for n in names], opts, sort_by="accuracy")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ci", [False, True])
def test_batch_table_fits(tmp_path: Path, width: int, ci: bool) -> None:
    result = _batch(tmp_path, ci)
    text = render_batch(result, "table", width=width, terminal=True)
    _fits(text, width)
    assert "…" in text  # the long file name, shortened from the middle
    assert "_v12.csv" in text  # its end kept


def test_batch_table_shows_per_file_warnings(tmp_path: Path) -> None:
    result = _batch(tmp_path, ci=False)
    text = render_batch(result, "table", width=100)
    marked = [x for x in text.splitlines() if "m3.csv !" in x]
    assert marked, text  # the row is marked
    lines = text.splitlines()
    at = lines.index(next(x for x in lines if x.startswith("! ") and "m3.csv" in x))
    assert "warning:" in lines[at + 1] and "clipped" in text
    assert text.count("clipped") == sum(
        len([w for w in f.report.warnings if "clipped" in w]) for f in result.files
    ) + len([w for w in result.overall.warnings if "clipped" in w])


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_and_thresholds_tables_fit(tmp_path: Path, width: int) -> None:
    y, pa = _binary()
    pb = np.clip(pa + RNG.normal(scale=0.05, size=N), 0.001, 0.999)
    for name, p in (("a.csv", pa), ("b.csv", pb)):
        (tmp_path / name).write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    c = compare(
        str(tmp_path / "a.csv"),
        str(tmp_path / "b.csv"),
        EvalOptions(metrics=("accuracy", "roc_auc", "f1"), n_boot=50),
    )
    _fits(render_comparison(c, "table", width=width), width)
    s = sweep(y.astype(float), pa)
    text = render_thresholds(
        s, "table", n_samples=N, max_rows=20, warnings=[], notes=[], width=width
    )
    _fits(text, width)


# ----------------------------------------------------------------------------- numbers


def test_counts_have_separators_and_zero_has_no_sign() -> None:
    assert count(1869470) == "1,869,470"
    assert cell(1869470.0) == "1,869,470" and cell(np.int64(1869470)) == "1,869,470"
    assert cell(2.5) == "2.5" and cell(1e20) == "1e+20"
    assert short(-0.0) == "0" and short(-1e-300 * 1e-300) == "0"
    assert fixed(-0.00001) == "0.0000" and fixed(-0.5) == "-0.5000"
    assert short(float("-inf")) == "-inf" and short(-2e-7) == "-2e-07"


def test_weighted_counts_print_as_whole_numbers() -> None:
    y, p = _binary()
    w = np.full(N, 6231.0)  # integer weights: cells of about a million
    r = losscli.evaluate(y, p, weights=w, metrics=["accuracy", "ece"])
    text = render(r, "table", width=80)
    assert "e+0" not in text
    cells = np.asarray(r.confusion["matrix"]).ravel()
    for v in cells:
        assert f"{int(v):,}" in text
    assert f"{N:,}" in text


def test_table_has_no_negative_zero() -> None:
    y = np.zeros(50)
    r = losscli.evaluate(y, y, task="regression", losses=["mse"], metrics=["mae"])  # all 0
    text = render(r, "table", width=80)
    assert "-0" not in text


# ----------------------------------------------------------------------------- histogram


def test_histogram_is_the_same_whatever_the_chunking(tmp_path: Path) -> None:
    y, p = _binary()
    path = tmp_path / "b.csv"
    path.write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    whole = losscli.evaluate(str(path), keep_per_sample=False)
    chunked = losscli.evaluate(str(path), keep_per_sample=False, chunk_rows=37)
    hw = whole.preview.hist["binary_cross_entropy"]
    hc = chunked.preview.hist["binary_cross_entropy"]
    assert hw.n == hc.n == N
    assert np.array_equal(hw.positive, hc.positive) and (hw.low, hw.high) == (hc.low, hc.high)
    text = render(whole, "table", width=80)
    line = next(x for x in text.splitlines() if x.startswith("distribution of"))
    bar = text.splitlines()[text.splitlines().index(line) + 1]
    assert short(hw.low) in bar and short(hw.high) in bar
    assert set(bar.split()[1]) <= set("▁▂▃▄▅▆▇█ ")
    assert "distribution of" not in render(whole, "table", width=80, histogram=False)


def test_histogram_counts_merge_and_bin_every_value() -> None:
    values = np.r_[RNG.exponential(size=1000), 0.0, -0.5, np.nan, np.inf]
    one = LossHistogram()
    one.add(values)
    a, b = LossHistogram(), LossHistogram()
    a.add(values[:400])
    b.add(values[400:])
    a.merge(b)
    assert one.n == a.n == 1002 and one.nonfinite == a.nonfinite == 2
    assert np.array_equal(one.positive, a.positive) and one.zero == a.zero == 1
    bar, log = one.blocks(30)
    assert 1 <= len(bar) <= 30 and not log
    spread = LossHistogram()
    spread.add(10.0 ** RNG.uniform(-6, 2, 500))
    assert spread.blocks(30)[1]  # six decades: a logarithmic axis


# ----------------------------------------------------------------------------- layout


def test_layout_helpers() -> None:
    assert layout.middle("abcdefghij", 5) == "ab…ij" and layout.middle("abc", 5) == "abc"
    lines = layout.table(
        ["key", *[f"column_{i}" for i in range(12)]],
        [["a_rather_long_key_name_here_and_more", *["1.23456"] * 12]],
        width=60,
        shrink=(0,),
    )
    assert all(len(x) <= 60 for x in lines) and lines.count("") >= 1
    assert (
        layout.styled("x", "bold", True) == "\x1b[1mx\x1b[0m"
        and layout.styled("x", "bold", False) == "x"
    )


def test_terminal_width_from_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "97")
    assert layout.terminal_width() == 97
    monkeypatch.setenv("COLUMNS", "10")
    assert layout.terminal_width() == layout.MIN_WIDTH


# ----------------------------------------------------------------------------- progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_names_phases_with_percentage_and_eta(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import losscli.cli.progress as P

    monkeypatch.setattr(P, "DELAY", 0.0)
    monkeypatch.setattr(P, "REFRESH", 0.0)
    monkeypatch.setenv("COLUMNS", "100")
    np.save(tmp_path / "x.npy", np.zeros((1000, 2)))
    tty = _Tty()
    with P.Progress("rows", stream=tty, rows_total=P.RowsOf(tmp_path / "x.npy")) as bar:
        bar.rows(250)
        line = bar.line()
        assert line.startswith("reading") and "25%" in line and "250/1,000 rows" in line
        assert "ETA" in line
        with phases.watching(bar):
            phases.phase("sorting for roc_auc")
            assert bar.line().startswith("sorting for roc_auc")
            phases.phase("bootstrap", total=200)
            phases.advance(50)
            assert "25%" in bar.line() and "50/200 steps" in bar.line()
        phases.phase("not watched")  # outside: nobody is told
        assert bar.name == "bootstrap"
    out = tty.getvalue()
    assert "reading" in out and "bootstrap" in out and out.endswith("\r\x1b[K")
    assert all(len(x.replace("\x1b[K", "")) < 100 for x in out.split("\r"))


def test_progress_rows_of_a_csv_is_an_estimate(tmp_path: Path) -> None:
    from losscli.cli.progress import RowsOf

    path = tmp_path / "big.csv"
    path.write_text("y,p\n" + "1,0.123456\n" * 20000)
    rows = RowsOf(path)
    assert rows() == 20000 and rows.estimated  # bigger than the sample: estimated
    small = tmp_path / "s.csv"
    small.write_text("y,p\n1,0.5\n0,0.25\n")
    rows = RowsOf(small)
    assert rows() == 2 and not rows.estimated
    assert RowsOf("-")() is None and RowsOf(tmp_path / "missing.csv")() is None
