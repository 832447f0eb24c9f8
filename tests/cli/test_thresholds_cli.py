"""``losscli thresholds`` through the command line (in this process; the JSON against
scikit-learn also through the installed console script)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(31)
    n = 120
    p = np.round(rng.random(n), 2)
    y = (rng.random(n) < p).astype(int)
    w = np.round(rng.random(n) * 3, 3)
    f = tmp_path / "d.csv"
    f.write_text(
        "y,p,w\n" + "".join(f"{a},{float(b)!r},{float(c)!r}\n" for a, b, c in zip(y, p, w))
    )
    return f, y, p, w


def one_error(err: str) -> str:
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_json_vs_sklearn(run_both: Callable[..., Any], data: Any) -> None:
    from sklearn.metrics import roc_curve

    f, y, p, w = data
    r = run_both("thresholds", f, "--target-col", "y", "--pred-col", "p", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["n_samples"] == 120 and "version" in d
    rows = d["thresholds"]
    assert [x["threshold"] for x in rows] == sorted(set(p.tolist()))
    fpr, tpr, _ = roc_curve(y, p, drop_intermediate=False)
    assert [x["tpr"] for x in rows] == pytest.approx(tpr[1:][::-1].tolist(), rel=1e-12)
    assert [x["fpr"] for x in rows] == pytest.approx(fpr[1:][::-1].tolist(), rel=1e-12)
    best = max(rows, key=lambda x: (x["f1"], x["threshold"]))
    assert d["best"]["threshold"] == best["threshold"] and d["best"]["optimize"] == "f1"


def test_weights_and_youden(cli: Callable[..., Any], data: Any) -> None:
    from sklearn.metrics import roc_curve

    f, y, p, w = data
    r = cli(
        "thresholds",
        f,
        "--target-col",
        "y",
        "--pred-col",
        "p",
        "--weights",
        "w",
        "--optimize",
        "youden",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    d = json.loads(r.out)
    fpr, tpr, thr = roc_curve(y, p, sample_weight=w, drop_intermediate=False)
    j = tpr - fpr
    assert d["best"]["threshold"] == pytest.approx(thr[np.flatnonzero(j == j.max())[0]])


def test_table_csv_and_output(cli: Callable[..., Any], data: Any, tmp_path: Path) -> None:
    f = data[0]
    r = cli("thresholds", f, "--pred-col", "p", "--target-col", "y", "--max-rows", "5")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert "positive when prediction >= threshold" in lines[0]
    assert sum(line.startswith("*") for line in lines) == 2  # the best row, and its summary
    assert len(lines) <= 1 + 1 + 6 + 1
    r = cli("thresholds", f, "--pred-col", "p", "--target-col", "y", "-f", "csv")
    assert r.out.splitlines()[0] == "threshold,precision,recall,f1,tpr,fpr,accuracy,best"
    assert sum(x.endswith(",true") for x in r.out.splitlines()) == 1
    out = tmp_path / "t.json"
    r = cli("thresholds", f, "--pred-col", "p", "--target-col", "y", "-f", "json", "-o", out)
    assert r.code == 0 and r.out == ""
    assert json.loads(out.read_text())["thresholds"]


def test_two_files(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("y\n0\n1\n1\n0\n")
    (tmp_path / "s.csv").write_text("score\n-1.5\n2.0\n0.5\n0.5\n")
    r = cli("thresholds", tmp_path / "t.csv", tmp_path / "s.csv", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert [x["threshold"] for x in d["thresholds"]] == [-1.5, 0.5, 2.0]
    assert d["thresholds"][1]["precision"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("content", "args", "code", "needle"),
    [
        ("y,p\n0,0.1\n0,0.7\n", [], 3, "both classes"),
        ("y,p\n0,0.1\n1,x\n", [], 3, "row"),
        ("y,p\n0,0.1\n1,0.7\n", ["--optimize", "auc"], 2, "--optimize"),
        ("y,p\n0,0.1\n1,0.7\n", ["-f", "markdown"], 2, "format"),
        ("y,p\n0,0.1\n1,0.7\n", ["--max-rows", "0"], 2, "--max-rows"),
        ("y,a,b,c\n0,0.2,0.3,0.5\n2,0.1,0.1,0.8\n1,0.3,0.4,0.3\n", [], (2, 3), "error"),
    ],
)
def test_bad_input(
    cli: Callable[..., Any],
    tmp_path: Path,
    content: str,
    args: list[str],
    code: Any,
    needle: str,
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(content)
    out = tmp_path / "out.json"
    r = cli("thresholds", f, "-o", out, *args)
    assert r.code in (code if isinstance(code, tuple) else (code,)), r.err
    assert needle in one_error(r.err)
    assert not out.exists()
    assert r.out == ""
