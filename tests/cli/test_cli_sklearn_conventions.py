"""Through the command line (in this process, and each ``run_both`` test through the
installed console script too): the clipping warning and its count, `explain`'s statement of
the difference from scikit-learn >= 1.5, r2 of one sample, and macro averages that keep a
class whose samples all weigh 0 (issue 14)."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import Result
from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

Run = Callable[..., Result]
SKLEARN_EPS = "2.220446049250313e-16"
CLIP_WARNING = (
    "binary_cross_entropy: 2 probabilities clipped to [1e-15, 1 - 1e-15] (scikit-learn "
    ">= 1.5 clips at 2.2e-16: --param eps=2.220446049250313e-16 reproduces its log_loss)"
)


@pytest.fixture
def four(tmp_path: Path) -> Path:
    path = tmp_path / "four.csv"
    path.write_text("y,p\n1,0\n0,1\n1,0.9\n0,0.2\n")
    return path


def _json(res: Result) -> dict:  # type: ignore[type-arg]
    assert res.code == 0, res.err
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_clipping_is_stated(run_both: Run, four: Path) -> None:
    res = run_both("eval", four, "-l", "bce")
    assert res.code == 0, res.err
    assert "17.35" in res.out
    assert "binary_cross_entropy: 2 probabilities clipped" in res.err
    report = _json(run_both("eval", four, "-l", "bce", "-f", "json"))
    assert report["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(17.3517, abs=1e-4)
    assert CLIP_WARNING in report["warnings"]


def test_eps_param_reproduces_sklearn(cli: Run, four: Path) -> None:
    report = _json(cli("eval", four, "-l", "bce", "--param", f"eps={SKLEARN_EPS}", "-f", "json"))
    ref = log_loss([1, 0, 1, 0], [0.0, 1.0, 0.9, 0.2])
    assert round(ref, 2) == 18.10
    assert report["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(ref, rel=1e-12)
    assert any("the bound of scikit-learn >= 1.5" in w for w in report["warnings"])


def test_clip_count_whatever_the_chunk_size(
    cli: Run, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    p = rng.uniform(0, 1, 300)
    p[rng.choice(300, 41, replace=False)] = rng.choice([0.0, 1.0], 41)
    path = tmp_path / "many.csv"
    path.write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    whole = _json(cli("eval", path, "-l", "bce", "-f", "json"))
    one = _json(cli("eval", path, "-l", "bce", "-f", "json", "--chunk-size", "1"))
    some = _json(cli("eval", path, "-l", "bce", "-f", "json", "--chunk-size", "17"))
    assert whole["warnings"] == one["warnings"] == some["warnings"]
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        pass
    else:  # the Dask engine merges the parts' counts
        scheduler = request.getfixturevalue("dask_scheduler")  # one cluster for the session
        flags = ["--engine", "dask", "--scheduler", scheduler]
        dask = _json(cli("eval", path, "-l", "bce", "-f", "json", *flags))
        assert dask["warnings"] == whole["warnings"]
    assert [w for w in whole["warnings"] if "clipped" in w] == [
        "binary_cross_entropy: 41 probabilities clipped to [1e-15, 1 - 1e-15] (scikit-learn "
        ">= 1.5 clips at 2.2e-16: --param eps=2.220446049250313e-16 reproduces its log_loss)"
    ]


def test_clip_warning_is_not_an_error_under_strict(cli: Run, four: Path) -> None:
    res = cli("eval", four, "-l", "bce", "--strict")
    assert res.code == 0, res.err
    assert "clipped" in res.err


def test_bad_eps_is_a_usage_error(cli: Run, four: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    res = cli("eval", four, "-l", "bce", "--param", "eps=2", "-o", out)
    assert res.code == 2
    assert res.err.startswith("error:") and "eps" in res.err
    assert not out.exists()


@pytest.mark.parametrize("name", ["binary_cross_entropy", "cce"])
def test_explain_states_the_difference(run_both: Run, name: str) -> None:
    res = run_both("explain", name)
    assert res.code == 0, res.err
    text = " ".join(res.out.split())
    assert "scikit-learn >= 1.5 clips at the float64 machine epsilon" in text
    assert f"--param eps={SKLEARN_EPS} reproduces scikit-learn's log_loss" in text


# ----------------------------------------------------------------------------- r2


def test_r2_of_one_sample_is_nan(run_both: Run, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("y\n3.0\n")
    (tmp_path / "p.csv").write_text("p\n2.0\n")
    res = run_both("eval", "t.csv", "p.csv", "-m", "r2", "-m", "explained_variance", "-f", "json")
    report = _json(res)
    assert math.isnan(float(report["metrics"]["r2"]))
    assert report["metrics"]["explained_variance"] == 1.0
    assert (
        "r2 is undefined: R² needs at least two samples (it has one); reported as NaN"
        in report["warnings"]
    )
    ev = [w for w in report["warnings"] if w.startswith("explained_variance")]
    assert ev and "exact" not in ev[0]
    table = run_both("eval", "t.csv", "p.csv", "-m", "r2")
    assert table.code == 0 and "R² needs at least two samples" in table.err


def test_r2_of_an_empty_file_is_still_an_input_error(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("y\n")
    (tmp_path / "p.csv").write_text("p\n")
    res = cli("eval", "t.csv", "p.csv", "-m", "r2", "-o", "out.json")
    assert res.code == 3 and res.err.startswith("error:")
    assert not (tmp_path / "out.json").exists()


# ----------------------------------------------------------------------------- zero weights


def test_zero_weight_class_kept_in_macro_f1(run_both: Run, tmp_path: Path) -> None:
    y = [0, 1, 2, 2, 1, 0, 2, 0]
    q = [0, 1, 2, 0, 1, 0, 2, 2]
    w = [1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 3.0, 0.5]
    rows = [
        f"{t},{','.join('0.8' if k == c else '0.1' for k in range(3))},{ww}"
        for t, c, ww in zip(y, q, w)
    ]
    (tmp_path / "f.csv").write_text("y,p0,p1,p2,w\n" + "\n".join(rows) + "\n")
    for average in ("macro", "weighted"):
        res = run_both(
            "eval", "f.csv", "--weights", "w", "-m", "precision", "-m", "recall", "-m", "f1",
            "--param", f"average={average}", "-f", "json",
        )  # fmt: skip
        report = _json(res)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = precision_recall_fscore_support(
                y, q, sample_weight=w, average=average, zero_division=0
            )
        for name, value in zip(("precision", "recall", "f1"), ref[:3]):
            assert report["metrics"][name] == pytest.approx(value, rel=1e-12), (average, name)
        matrix = confusion_matrix(y, q, sample_weight=w)
        assert report["confusion_matrix"]["matrix"] == matrix.tolist()
        assert report["confusion_matrix"]["labels"] == ["p0", "p1", "p2"]


def test_batch_overall_counts_every_file(cli: Run, four: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text(four.read_text())
    report = _json(cli("batch", four, other, "-l", "bce", "-f", "json"))
    overall = [w for w in report["overall"]["warnings"] if w.startswith("binary_cross_entropy")]
    assert overall == [CLIP_WARNING.replace("2 probabilities", "4 probabilities")]
    for entry in report["files"]:
        assert CLIP_WARNING in entry["warnings"]
