"""Hardening (issue #7): every bad input gives a clean typed error, nothing is written.

The table ``CASES`` is the issue's list of bad inputs, each run through the command line in
this process (conftest's ``cli``; five of them also through the installed console script
``losscli`` in a child process) with ``-o report.json --per-sample ps.csv``
while a report from an earlier run sits at ``report.json``.  Every case asserts the exact
exit code (3 input, 2 usage), a message starting with ``error:`` that names the file (and
the row, column and value where they apply) and suggests the fixing flag, no traceback, the
old report byte-identical, no per-sample file and no temporary files.

Variations of the same paths run in-process (CliRunner or the library), which is ~100x
cheaper than a child process.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Result
from typer.testing import CliRunner

import losscli
from losscli.cli import app
from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import compressed, delimited, readers
from losscli.scoring import metrics as M

OLD_REPORT = b'{"note": "a report from an earlier run"}\n'
MARKER = "PICKLE_WAS_LOADED"


class _Payload:
    """Unpickling this creates the file ``self.path``: proof that a pickle was executed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (self.path, "w"))


# ----------------------------------------------------------------------------- file makers

Maker = Callable[[Path], None]


def text(name: str, content: str) -> Maker:
    return lambda d: (d / name).write_text(content, encoding="utf-8")


def data(name: str, content: bytes) -> Maker:
    return lambda d: (d / name).write_bytes(content)


def npy(name: str, arr: Any, **kw: Any) -> Maker:
    def make(d: Path) -> None:
        np.save(d / name, arr, **kw)

    return make


def npz(name: str, **arrays: Any) -> Maker:
    def make(d: Path) -> None:
        np.savez(d / name, **arrays)

    return make


def parquet(name: str, **columns: list[Any]) -> Maker:
    return lambda d: pq.write_table(pa.table(columns), d / name)


def pickled_npy(name: str) -> Maker:
    def make(d: Path) -> None:
        arr = np.array([_Payload(str(d / MARKER)), 1], dtype=object)
        np.save(d / name, arr, allow_pickle=True)

    return make


def pickled_npz(name: str) -> Maker:
    def make(d: Path) -> None:
        arr = np.array([_Payload(str(d / MARKER)), 1], dtype=object)
        np.savez(d / name, y_true=arr, y_pred=np.array([0.2, 0.7]))

    return make


def empty_dir(name: str) -> Maker:
    return lambda d: (d / name).mkdir()


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"label": [1, 0], "prob": [0.2, 0.7]}), buf)
    return buf.getvalue()


GOOD = "label,prob\n1,0.2\n0,0.4\n1,0.7\n"


@dataclass
class Case:
    id: str
    files: list[Maker]
    args: list[str]
    code: int
    patterns: list[str]
    stdin: bytes | None = None
    marks: list[Any] = field(default_factory=list)


CASES = [
    # ------------------------------------------------------------------------- files
    Case("missing", [], ["missing.csv"], 3, [r"missing\.csv", "no such file"]),
    Case("directory-empty", [empty_dir("shards")], ["shards"], 3, ["shards", "no data files"]),
    Case("empty", [text("empty.csv", "")], ["empty.csv"], 3, [r"empty\.csv", "empty"]),
    Case(
        "header-only",
        [text("head.csv", "label,prob\n")],
        ["head.csv"],
        3,
        [r"head\.csv", "no samples"],
    ),
    Case(
        "binary-garbage",
        [data("junk.csv", bytes(range(256)) * 4)],
        ["junk.csv"],
        3,
        [r"junk\.csv", "does not hold CSV text", "binary"],
    ),
    Case(
        "parquet-named-csv",
        [data("pq.csv", _parquet_bytes())],
        ["pq.csv"],
        3,
        [r"pq\.csv", "looks like Parquet", r"rename it to \.parquet"],
    ),
    Case(
        "csv-named-npy",
        [text("table.npy", GOOD)],
        ["table.npy"],
        3,
        [r"table\.npy", "looks like CSV text", r"rename it to \.csv"],
    ),
    Case(
        "corrupt-gz",
        [data("bad.csv.gz", gzip.compress(GOOD.encode())[:-12] + b"\x00" * 4)],
        ["bad.csv.gz"],
        3,
        [r"bad\.csv\.gz", "gzip"],
    ),
    Case(
        "truncated-npy",
        [data("cut.npy", _npy_bytes(np.linspace(0, 1, 100).reshape(50, 2))[:300])],
        ["cut.npy"],
        3,
        [r"cut\.npy", "truncated", r"\(50, 2\)"],
    ),
    Case(
        "npy-scalar",
        [npy("scalar.npy", np.float64(0.5))],
        ["scalar.npy"],
        3,
        [r"scalar\.npy", r"1-D .* or 2-D", r"shape \(\)"],
    ),
    Case(
        "npy-3d",
        [npy("cube.npy", np.zeros((2, 2, 2)))],
        ["cube.npy"],
        3,
        [r"cube\.npy", r"\(2, 2, 2\)"],
    ),
    Case(
        "pickled-npy",
        [pickled_npy("obj.npy")],
        ["obj.npy"],
        3,
        [r"obj\.npy", "pickles are never loaded"],
    ),
    Case(
        "pickled-npz",
        [pickled_npz("obj.npz")],
        ["obj.npz"],
        3,
        [r"obj\.npz", "y_true", "pickles are never loaded"],
    ),
    Case(
        "npz-without-expected-arrays",
        [npz("ab.npz", a=np.array([1, 0]), b=np.array([0.2, 0.3]))],
        ["ab.npz"],
        3,
        [r"ab\.npz", "which array holds the targets", "a, b", "--target-col"],
    ),
    Case(
        "parquet-wrong-columns",
        [parquet("w.parquet", foo=[1, 0], bar=[0.2, 0.3])],
        ["w.parquet"],
        3,
        [r"w\.parquet", "'foo', 'bar'", "--target-col"],
    ),
    Case(
        "stdin-parquet-as-csv",
        [],
        ["-"],
        3,
        ["looks like Parquet", "--input-format parquet"],
        stdin=_parquet_bytes(),
    ),
    # ------------------------------------------------------------------------- tables
    Case(
        "ragged-rows",
        [text("rag.csv", "label,prob\n1,0.2\n0,0.3,0.4\n")],
        ["rag.csv"],
        3,
        [r"rag\.csv", r"row 2\b", "3 fields, expected 2"],
    ),
    Case(
        "non-numeric-cell",
        [text("txt.csv", "label,prob\n1,0.2\n0,abc\n1,0.7\n")],
        ["txt.csv"],
        3,
        [r"txt\.csv", r"row 2\b", r"column prob\b", "'abc'"],
    ),
    Case(
        "duplicate-column-names",
        [text("dup.csv", "label,prob,prob\n1,0.2,0.3\n")],
        ["dup.csv"],
        3,
        [r"dup\.csv", "duplicate column names: 'prob'"],
    ),
    Case(
        "headerless-without-no-header",
        [text("nohead.csv", "1,0.2\n0,0.4\n")],
        ["nohead.csv"],
        3,
        [r"nohead\.csv", "--no-header"],
    ),
    Case(
        "target-col-missing",
        [text("ok.csv", GOOD)],
        ["ok.csv", "--target-col", "truth"],
        3,
        [r"ok\.csv", "no column named 'truth'", "label, prob", "--target-col"],
    ),
    Case(
        "pred-col-out-of-range",
        [text("ok.csv", GOOD)],
        ["ok.csv", "--pred-col", "7"],
        3,
        [r"ok\.csv", "index 7 is out of range", r"0 to 1", "--pred-col"],
    ),
    Case(
        "target-col-empty-list",
        [text("ok.csv", GOOD)],
        ["ok.csv", "--target-col", ","],
        2,
        ["empty column list"],
    ),
    Case(
        "id-duplicated",
        [
            text("t.csv", "id,label\na,1\nb,0\nc,1\n"),
            text("p.csv", "id,prob\na,0.2\nb,0.4\na,0.5\n"),
        ],
        ["t.csv", "p.csv", "--id-col", "id"],
        3,
        [r"p\.csv", "duplicate id 'a'", "rows 1 and 3", r"column id\b"],
    ),
    Case(
        "id-missing",
        [
            text("t.csv", "id,label\na,1\nb,0\nc,1\n"),
            text("p.csv", "id,prob\na,0.2\nb,0.4\nd,0.5\n"),
        ],
        ["t.csv", "p.csv", "--id-col", "id"],
        3,
        [r"p\.csv", "no prediction", "'c'"],
    ),
    Case(
        "id-blank",
        [
            text("t.csv", "id,label\na,1\nb,0\nc,1\n"),
            text("p.csv", "id,prob\na,0.2\n,0.4\nc,0.5\n"),
        ],
        ["t.csv", "p.csv", "--id-col", "id"],
        3,
        [r"p\.csv", r"row 2\b", "missing id"],
    ),
    # ------------------------------------------------------------------------- values
    Case(
        "nan-error",
        [text("nan.csv", "label,prob\n1,0.2\n0,nan\n1,0.7\n")],
        ["nan.csv"],
        3,
        [r"nan\.csv", r"row 2\b", r"column prob\b", "NaN", "--nan-policy omit"],
    ),
    Case(
        "inf-error",
        [text("inf.csv", "y,pred\n1.5,0.2\n0.3,inf\n1,0.7\n")],
        ["inf.csv"],
        3,
        [r"inf\.csv", r"row 2\b", r"column pred\b", r"\binf\b", "--nan-policy omit"],
    ),
    Case(
        "minus-inf-error",
        [text("ninf.csv", "y,pred\n1.5,0.2\n-inf,3\n1,0.7\n")],
        ["ninf.csv"],
        3,
        [r"ninf\.csv", r"row 2\b", r"column y\b", r"-inf"],
    ),
    Case(
        "probability-above-1",
        [text("p13.csv", "label,prob\n1,0.2\n0,1.3\n1,0.7\n")],
        ["p13.csv"],
        3,
        [r"p13\.csv", r"row 2\b", r"column prob\b", r"1\.3", "--from-logits"],
    ),
    Case(
        "label-outside-classes",
        [text("mc.csv", "label,a,b,c\n0,.2,.3,.5\n7,.1,.1,.8\n")],
        ["mc.csv"],
        3,
        [r"mc\.csv, row 2, column label: class label 7\.0", r"\[0, 2\]", "--pred-col"],
    ),
    Case(
        "label-fractional",
        [text("mcf.csv", "label,a,b,c\n0,.2,.3,.5\n1.5,.1,.1,.8\n")],
        ["mcf.csv", "--task", "multiclass"],
        3,
        [r"mcf\.csv", r"row 2\b", r"column label\b", r"1\.5", "not an integer"],
    ),
    Case(
        "widths-disagree",
        [text("t2.csv", "a,b\n1,0\n0,1\n"), text("p3.csv", "a,b,c\n.2,.3,.5\n.1,.1,.8\n")],
        ["t2.csv", "p3.csv"],
        3,
        [
            r"p3\.csv",
            "width mismatch",
            r"2 target column\(s\) in t2\.csv",
            "3 prediction",
            "--pred-col",
        ],
    ),
    Case(
        "weights-wrong-length",
        [text("ok.csv", GOOD), text("w.csv", "w\n1\n2\n")],
        ["ok.csv", "--weights", "w.csv"],
        3,
        [r"w\.csv", "2 weights for 3 samples", "one row per sample"],
    ),
    Case(
        "weights-negative",
        [text("wn.csv", "label,prob,w\n1,0.2,1\n0,0.4,-1\n1,0.7,1\n")],
        ["wn.csv", "--weights", "w"],
        3,
        [r"wn\.csv, row 2, column w: negative weight -1\.0", ">= 0"],
    ),
    Case(
        "weights-all-zero",
        [text("wz.csv", "label,prob,w\n1,0.2,0\n0,0.4,0\n")],
        ["wz.csv", "--weights", "w"],
        3,
        [r"wz\.csv, column w: all weights are zero", "positive weight"],
    ),
    # ------------------------------------------------------------------------- sizes
    Case(
        "zero-samples-npy",
        [npy("none.npy", np.zeros((0, 2)))],
        ["none.npy"],
        3,
        [r"none\.npy", "no samples"],
    ),
]


def assert_error(r: Result, code: int, patterns: list[str]) -> str:
    """Exit ``code``, ``error:`` first, every pattern in the message, no traceback."""
    assert r.code == code, f"exit {r.code}, expected {code}\nstderr:\n{r.err}"
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    if lines and lines[0].startswith("Usage:"):
        lines = lines[1:]
    assert lines and lines[0].startswith("error:"), r.err
    message = "\n".join(lines)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in:\n{message}"
    return message


def check_bad_input(run: Callable[..., Result], tmp_path: Path, case: Case) -> None:
    for make in case.files:
        make(tmp_path)
    report = tmp_path / "report.json"
    report.write_bytes(OLD_REPORT)
    before = sorted(os.listdir(tmp_path))
    r = run(
        "eval",
        "-o",
        "report.json",
        "--per-sample",
        "ps.csv",
        "-f",
        "json",
        *case.args,
        input=case.stdin,
    )
    assert_error(r, case.code, case.patterns)
    assert r.out == ""
    assert report.read_bytes() == OLD_REPORT, "the earlier report was changed"
    assert not (tmp_path / "ps.csv").exists(), "a per-sample file was written"
    assert not (tmp_path / MARKER).exists(), "a pickle was loaded"
    assert sorted(os.listdir(tmp_path)) == before, "files were left behind"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_through_the_command(
    cli: Callable[..., Result], tmp_path: Path, case: Case
) -> None:
    """In this process (a pickle loaded would run its payload here too)."""
    check_bad_input(cli, tmp_path, case)


REAL_PROCESS = ("missing", "binary-garbage", "pickled-npy", "stdin-parquet-as-csv", "nan-error")


@pytest.mark.parametrize("case", [c for c in CASES if c.id in REAL_PROCESS], ids=lambda c: c.id)
def test_bad_input_through_the_console_script(
    run_script: Callable[..., Result], tmp_path: Path, case: Case
) -> None:
    """A few of the cases through the installed console script, in a child process."""
    check_bad_input(run_script, tmp_path, case)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file whatever its mode"
)
def test_unreadable_file_through_the_command(
    run_script: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "secret.csv"
    path.write_text(GOOD)
    path.chmod(0)
    try:
        r = run_script("eval", "secret.csv")
    finally:
        path.chmod(0o644)
    assert_error(r, 3, [r"secret\.csv", "permission denied"])


def test_unreadable_file_is_an_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The mapping tested in-process (the command's own test is skipped under root)."""
    path = tmp_path / "secret.csv"
    path.write_text(GOOD)

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(compressed, "open_bytes", denied)
    with pytest.raises(InputError, match="permission denied") as exc:
        losscli.evaluate(str(path))
    assert exc.value.file == str(path)


def test_the_pickle_payload_is_live(tmp_path: Path) -> None:
    """The payload of the pickle cases does run when loaded with pickles allowed: so the
    marker's absence in the cases above proves that losscli never loaded it."""
    pickled_npy("obj.npy")(tmp_path)
    np.load(tmp_path / "obj.npy", allow_pickle=True)
    assert (tmp_path / MARKER).exists()


# ----------------------------------------------------------------------- values and sizes (ok)


def _json(r: Result) -> dict[str, Any]:
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    return json.loads(r.out)


def _bce(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_nan_omit_through_the_command(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "nan.csv").write_text("label,prob\n1,0.2\n0,nan\n1,0.7\n0,-inf\n")
    d = _json(cli("eval", "nan.csv", "-f", "json", "--nan-policy", "omit"))
    assert d["n_samples"] == 2 and d["n_omitted"] == 2
    expected = _bce(np.array([1.0, 1.0]), np.array([0.2, 0.7])).mean()
    assert d["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(expected, rel=1e-12)
    assert any("omitted" in n for n in d["notes"]) and d["warnings"] == []


def test_nan_propagate_through_the_command(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "nan.csv").write_text("y,pred\n1.5,0.2\n0.3,nan\n1,inf\n")
    r = cli("eval", "nan.csv", "-f", "json", "--nan-policy", "propagate")
    d = _json(r)
    assert d["n_samples"] == 3
    assert d["losses"]["mse"]["mean"] == "nan"
    assert d["metrics"]["rmse"] == "nan"
    assert "warning:" in r.err and "propagate" in r.err


def test_thousands_of_columns(cli: Callable[..., Result], tmp_path: Path) -> None:
    """5000 class columns: the right number (checked against numpy), in seconds."""
    rng = np.random.default_rng(7)
    n, c = 20, 5000
    p = rng.random((n, c)) + 0.01
    p /= p.sum(axis=1, keepdims=True)
    y = rng.integers(0, c, size=n)
    lines = ["label," + ",".join(f"c{i}" for i in range(c))]
    lines += [f"{y[i]}," + ",".join(repr(float(v)) for v in p[i]) for i in range(n)]
    (tmp_path / "wide.csv").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    d = _json(cli("eval", "wide.csv", "-f", "json"))
    assert time.perf_counter() - start < 90  # a bound on a hang; the suite runs in parallel
    assert d["task"] == "multiclass"
    expected = -np.log(p[np.arange(n), y]).mean()
    assert d["losses"]["categorical_cross_entropy"]["mean"] == pytest.approx(expected, rel=1e-12)


def test_one_sample_through_the_command(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("label,prob\n1,0.25\n")
    d = _json(cli("eval", "one.csv", "-f", "json", "-m", "accuracy", "-m", "roc_auc"))
    assert d["n_samples"] == 1
    assert d["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(-math.log(0.25))
    assert d["metrics"]["accuracy"] == 0.0
    assert d["metrics"]["roc_auc"] == "nan"


# ----------------------------------------------------------------------- undefined metrics

UNDEFINED = [
    pytest.param(
        [1, 1, 1],
        [0.2, 0.8, 0.6],
        "binary",
        "roc_auc",
        math.nan,
        "roc_auc is undefined: only one class present in the targets; reported as NaN",
        id="roc_auc-one-class",
    ),
    pytest.param(
        [1, 1, 1],
        [0.2, 0.8, 0.6],
        "binary",
        "mcc",
        0.0,
        "mcc is undefined: only one class present in the targets",
        id="mcc-one-class",
    ),
    pytest.param(
        [1, 0, 1],
        [0.2, 0.3, 0.1],
        "binary",
        "mcc",
        0.0,
        "mcc is undefined: every prediction is the same class",
        id="mcc-one-prediction",
    ),
    pytest.param(
        [1, 0, 1],
        [0.2, 0.3, 0.1],
        "binary",
        "precision",
        0.0,
        "precision is undefined: no positive predictions; reported as 0.0",
        id="precision-no-positive-predictions",
    ),
    pytest.param(
        [0, 0, 0],
        [0.2, 0.3, 0.9],
        "binary",
        "recall",
        0.0,
        "recall is undefined: no positive targets",
        id="recall-no-positive-targets",
    ),
    pytest.param(
        [0, 0, 0],
        [0.2, 0.3, 0.1],
        "binary",
        "f1",
        0.0,
        "f1 is undefined: no positive targets or predictions",
        id="f1-no-positives",
    ),
    pytest.param(
        [2.0, 2.0, 2.0],
        [2.0, 2.5, 1.0],
        "regression",
        "r2",
        0.0,
        "r2 is undefined: the targets are constant and the predictions not exact",
        id="r2-constant-targets",
    ),
    pytest.param(
        [2.0, 2.0],
        [2.0, 2.0],
        "regression",
        "explained_variance",
        1.0,
        "explained_variance is undefined: the targets are constant and so are the "
        "errors; reported as 1.0",
        id="explained-variance-constant-exact",
    ),
    pytest.param(
        [1.0],
        [3.0],
        "regression",
        "r2",
        math.nan,
        "r2 is undefined: R² needs at least two samples (it has one); reported as NaN",
        id="r2-one-sample",
    ),
    pytest.param(
        [0, 0, 1],
        [[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.2, 0.5, 0.3]],
        "multiclass",
        "roc_auc",
        math.nan,
        "roc_auc is undefined: one-vs-rest needs targets in and out of every "
        "class, and class 2 has only one kind",
        id="roc_auc-class-absent",
    ),
    pytest.param(
        [0, 1, 2, 0],
        [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.7, 0.2, 0.1]],
        "multiclass",
        "precision",
        (2 / 3 + 1 + 0) / 3,
        "precision is undefined for 1 of 3 classes (no predictions of them)",
        id="precision-macro-class-never-predicted",
    ),
]


def _reason(report: losscli.Report, name: str) -> str | None:
    assert report.plan is not None and report.accumulator is not None
    params = next(p for e, p in report.plan.metrics if e.name == name)
    state = report.accumulator.metrics[name]
    return M.undefined_reason(name, state, M.Ctx(report.task, False, params))


@pytest.mark.parametrize("y,p,task,metric,value,reason", UNDEFINED)
def test_undefined_metric_has_a_value_and_a_reason(
    y: list[Any], p: list[Any], task: str, metric: str, value: float, reason: str
) -> None:
    """Policy: never a crash, never a silent NaN.  The figure is scikit-learn's (NaN for
    ROC AUC; zero_division=0 and force_finite otherwise) and the reason names the metric."""
    r = losscli.evaluate(y, p, task=task, metrics=[metric])
    got = r.metrics[metric]
    assert (math.isnan(got) and math.isnan(value)) or got == pytest.approx(value), got
    text = _reason(r, metric)
    assert text is not None and text.startswith(reason), text


@pytest.mark.parametrize(
    "metric",
    ["roc_auc", "precision", "recall", "f1", "mcc", "balanced_accuracy", "accuracy", "brier"],
)
def test_defined_metric_has_no_reason(metric: str) -> None:
    r = losscli.evaluate([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6], metrics=[metric])
    assert math.isfinite(r.metrics[metric])
    assert _reason(r, metric) is None


def test_overflow_is_explained_not_warned(capfd: pytest.CaptureFixture[str]) -> None:
    r = losscli.evaluate([1.0, 2.0], [1e308, -1e308], task="regression", metrics=["r2", "rmse"])
    assert r.metrics["rmse"] == math.inf
    assert "overflowed" in (_reason(r, "r2") or "")
    assert "RuntimeWarning" not in capfd.readouterr().err


def test_undefined_metric_warning_reaches_the_report(tmp_path: Path) -> None:
    """api.build_report adds metrics.undefined_reason() to the report's warnings."""
    path = tmp_path / "oneclass.csv"
    path.write_text("label,prob\n1,0.2\n1,0.8\n1,0.6\n")
    r = CliRunner().invoke(app, ["eval", str(path), "-m", "roc_auc", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert any(
        w.startswith("roc_auc is undefined: only one class")
        for w in json.loads(r.stdout)["warnings"]
    )


# ----------------------------------------------------------------------- in-process variations


def _invoke(args: list[str], cwd: Path) -> tuple[int, str]:
    """CliRunner in ``cwd``: (exit code, stderr); an uncaught exception fails the test."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(app, ["eval", *args])
    finally:
        os.chdir(old)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stderr


POLICY_CASES = [
    # (file text, policy, exit code, patterns)
    ("label,prob\n1,0.2\n0,nan\n1,0.7\n", "error", 3, [r"row 2\b", "column prob", "NaN"]),
    ("label,prob\n1,0.2\n0,nan\n1,0.7\n", "omit", 0, []),
    ("label,prob\n1,0.2\n0,nan\n1,0.7\n", "propagate", 0, []),
    ("label,prob\n1,0.2\nnan,0.3\n1,0.7\n", "error", 3, [r"row 2\b", "column label"]),
    ("label,prob\n1,0.2\nnan,0.3\n1,0.7\n", "omit", 0, []),
    ("label,prob\n1,0.2\n0,inf\n1,0.7\n", "error", 3, [r"row 2\b", r"\binf\b"]),
    ("label,prob\n1,0.2\n0,inf\n1,0.7\n", "omit", 0, []),
    ("label,prob\n1,0.2\n0,inf\n1,0.7\n", "propagate", 3, ["not a probability", "--from-logits"]),
    ("label,a,b\n0,0.2,0.8\n1,-inf,0.5\n", "error", 3, [r"row 2\b", r"column a\b", "-inf"]),
    ("label,a,b\n0,0.2,0.8\n1,-inf,0.5\n", "omit", 0, []),
    ("y,pred\n1.5,2\n3,-inf\n2.5,1\n", "propagate", 0, []),
    ("y,pred\n1.5,2\n3,-inf\n2.5,1\n", "omit", 0, []),
    ("label,prob,w\n1,0.2,1\n0,0.4,nan\n", "error", 3, [r"row 2\b", "not a finite number"]),
    ("label,prob,w\n1,0.2,1\n0,0.4,nan\n", "omit", 0, []),
]


@pytest.mark.parametrize("content,policy,code,patterns", POLICY_CASES)
def test_nan_and_inf_under_each_policy(
    tmp_path: Path, content: str, policy: str, code: int, patterns: list[str]
) -> None:
    (tmp_path / "d.csv").write_text(content)
    args = ["d.csv", "--nan-policy", policy, "-f", "json"]
    if ",w\n" in content:
        args += ["--weights", "w"]
    got, err = _invoke(args, tmp_path)
    assert got == code, err
    if code:
        assert err.startswith("error: d.csv"), err
        for pattern in patterns:
            assert re.search(pattern, err), err


CONTENTS: dict[str, Callable[[], bytes]] = {
    "csv": lambda: GOOD.encode(),
    "parquet": _parquet_bytes,
    "npy": lambda: _npy_bytes(np.array([[1.0, 0.2], [0.0, 0.4]])),
    "gzip": lambda: gzip.compress(GOOD.encode()),
}
EXPECT = {"csv": r"CSV text", "parquet": "Parquet", "npy": r"NumPy \.npy", "gzip": "gzip"}
RENAME = {
    "csv": r"rename it to \.csv",
    "parquet": r"rename it to \.parquet",
    "npy": r"rename it to \.npy",
    "gzip": r"\.gz suffix",
}


MISNAMED = [
    (kind, ext)
    for kind in CONTENTS
    for ext in ("csv", "tsv", "npy", "npz", "parquet", "jsonl")
    if kind != ext and (kind, ext) != ("csv", "tsv")
]


@pytest.mark.parametrize("kind,ext", MISNAMED)
def test_wrong_extension_names_the_content(tmp_path: Path, kind: str, ext: str) -> None:
    path = tmp_path / f"data.{ext}"
    path.write_bytes(CONTENTS[kind]())
    with pytest.raises(InputError) as exc:
        readers.read(str(path))
    message = str(exc.value)
    assert message.startswith(str(path)), message
    if kind == "csv" and ext == "jsonl":  # text, parsed as JSON: the parser's complaint
        assert "rename it to .csv" in message, message
        return
    assert re.search(EXPECT[kind], message), message
    assert re.search(RENAME[kind], message), message
    assert "pickle" not in message, message


def test_stdin_with_the_wrong_input_format_suggests_the_flag() -> None:
    with pytest.raises(InputError, match="--input-format npy"):
        readers.read("-", stdin=io.BytesIO(_npy_bytes(np.zeros((2, 2)))))


def test_pickle_refused_on_every_path(tmp_path: Path) -> None:
    """.npy whole and memory-mapped (> 1 MiB), .npz, gzipped, stdin: never unpickled."""
    payload = np.array([_Payload(str(tmp_path / MARKER)), b"x" * 2_000_000], dtype=object)
    np.save(tmp_path / "big.npy", payload, allow_pickle=True)
    assert (tmp_path / "big.npy").stat().st_size > delimited.SMALL_TEXT
    pickled_npy("small.npy")(tmp_path)
    pickled_npz("obj.npz")(tmp_path)
    (tmp_path / "small.npy.gz").write_bytes(gzip.compress((tmp_path / "small.npy").read_bytes()))
    raw_pickle = b"\x80\x04" + b"\x95" + b"\x00" * 20
    (tmp_path / "raw.npy").write_bytes(raw_pickle)
    for name in ("big.npy", "small.npy", "obj.npz", "small.npy.gz", "raw.npy"):
        with pytest.raises(InputError, match="pickle"):
            losscli.evaluate(str(tmp_path / name))
    with pytest.raises(InputError, match="pickle"):
        losscli.evaluate(
            "-", input_format="npy", stdin=io.BytesIO((tmp_path / "small.npy").read_bytes())
        )
    assert not (tmp_path / MARKER).exists()


def _npy_header_only(shape: tuple[int, ...], extra: int = 64) -> bytes:
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (118 - len(header) - 1) + "\n"
    return (
        b"\x93NUMPY\x01\x00"
        + len(header).to_bytes(2, "little")
        + header.encode()
        + (b"\x00" * extra)
    )


@pytest.mark.parametrize("name", ["huge.npy", "huge.npy.gz", "huge.npz"])
def test_npy_header_claiming_terabytes_is_refused_before_allocating(
    tmp_path: Path, name: str
) -> None:
    body = _npy_header_only((10**12,))
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(body))
    elif name.endswith(".npz"):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("y_true.npy", body)
            z.writestr("y_pred.npy", body)
    else:
        path.write_bytes(body)
    with pytest.raises(InputError, match="truncated: the header says shape"):
        readers.read(str(path))


def test_big_npy_header_lie_on_the_memory_mapped_path(tmp_path: Path) -> None:
    path = tmp_path / "big.npy"
    path.write_bytes(_npy_header_only((10**12,), extra=delimited.SMALL_TEXT + 10))
    with pytest.raises(InputError, match="truncated"):
        losscli.evaluate(str(path))


@pytest.mark.parametrize(
    "content,pattern",
    [
        (lambda: b"PK\x03\x04" + b"\x00" * 40, "not a valid .npz archive"),
        (lambda: _zip({"y_true.npy": b"hello", "y_pred.npy": b"world"}), "does not hold a NumPy"),
        (lambda: _zip({"notes.txt": b"x"}), "is not a .npy array"),
        (lambda: _corrupt_compressed_npz(), "not a valid .npz archive"),
        (lambda: _zip({}), "holds no arrays"),
        # found by fuzzing: crashes (IndexError, ValueError) or a silent NaN before
        (lambda: _nameless_member_zip(), "is not a .npy array"),
        (
            lambda: _zip(
                {"y_true.npy": _npy_bytes(np.zeros(1)), "y_pred.npy": _npy_bytes(np.zeros(0))}
            ),
            r"array 'y_pred' is empty \(shape \(0,\)\)",
        ),
        (
            lambda: _zip({"y_true.npy": _npy_bytes(np.zeros((1, 0))), "y_pred.npy": b""}),
            r"array 'y_true' is empty \(shape \(1, 0\)\)",
        ),
    ],
    ids=[
        "truncated-zip",
        "member-not-npy",
        "member-not-named-npy",
        "corrupt-deflate",
        "empty",
        "member-without-name",
        "empty-member",
        "zero-column-member",
    ],
)
def test_bad_npz_archives(tmp_path: Path, content: Callable[[], bytes], pattern: str) -> None:
    path = tmp_path / "d.npz"
    path.write_bytes(content())
    with pytest.raises(InputError, match=pattern):
        readers.read(str(path))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def _nameless_member_zip() -> bytes:
    """A zip whose one member has an empty name (zipfile will not write one: edit it in)."""
    b = bytearray(_zip({"Q": b"x"}))
    central = b.index(b"PK\x01\x02")
    end = b.index(b"PK\x05\x06")
    b[end + 12 : end + 16] = (int.from_bytes(b[end + 12 : end + 16], "little") - 1).to_bytes(
        4, "little"
    )
    b[end + 16 : end + 20] = (int.from_bytes(b[end + 16 : end + 20], "little") - 1).to_bytes(
        4, "little"
    )
    b[central + 28 : central + 30] = b"\x00\x00"  # central directory: name length 0
    del b[central + 46]
    b[26:28] = b"\x00\x00"  # local header: name length 0
    del b[30]
    return bytes(b)


def _corrupt_compressed_npz() -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, y_true=np.arange(5000) % 2, y_pred=np.linspace(0, 1, 5000))
    b = bytearray(buf.getvalue())
    b[200:260] = b"\xff" * 60
    return bytes(b)


def test_gzip_expanding_beyond_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.npy.gz"
    path.write_bytes(gzip.compress(_npy_bytes(np.zeros((5000, 2)))))
    monkeypatch.setenv(compressed.MAX_DECOMPRESSED_ENV, "10000")
    with pytest.raises(InputError, match="decompresses to more than 10000 bytes") as exc:
        readers.read(str(path))
    assert compressed.MAX_DECOMPRESSED_ENV in str(exc.value)
    monkeypatch.setenv(compressed.MAX_DECOMPRESSED_ENV, "lots")
    with pytest.raises(UsageError):
        readers.read(str(path))
    monkeypatch.delenv(compressed.MAX_DECOMPRESSED_ENV)
    assert readers.read(str(path)).n_rows == 5000


def test_npz_compressed_beyond_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.npz"
    np.savez_compressed(path, y_true=np.zeros(10_000), y_pred=np.zeros(10_000))
    monkeypatch.setenv(compressed.MAX_DECOMPRESSED_ENV, "50000")
    with pytest.raises(InputError, match="more than the limit"):
        readers.read(str(path))


STREAMED = 200_000  # rows: a file over 1 MiB takes the streaming (pyarrow) path


def _big_csv(path: Path, bad_line: str, at: int) -> None:
    rows = ["1,0.25", "0,0.5"] * (STREAMED // 2)
    rows.insert(at, bad_line)
    path.write_text("label,prob\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size >= delimited.SMALL_TEXT


@pytest.mark.parametrize(
    "bad,pattern",
    [
        ("1,0.2,9", r"row 150001: has 3 fields, expected 2 \(line 150002\)"),
        ("1,abc", r"row 150001, column prob: non-numeric value 'abc'"),
    ],
    ids=["ragged", "text"],
)
@pytest.mark.parametrize("block", [None, 64 << 10], ids=["one-block", "many-blocks"])
def test_streamed_csv_errors_name_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str, pattern: str, block: int | None
) -> None:
    """One block: the bad cell makes its column text (found per chunk); many blocks: pyarrow
    fails on a later block and the row is found by re-scanning the file."""
    if block is not None:
        monkeypatch.setattr(delimited, "CSV_BLOCK_BYTES", block)
    path = tmp_path / "big.csv"
    _big_csv(path, bad, 150_000)
    with pytest.raises(InputError, match=pattern):
        losscli.evaluate(str(path), keep_per_sample=False, chunk_rows=70_000)


def test_bad_cell_in_a_later_chunk_names_its_row(tmp_path: Path) -> None:
    """A text column cut in chunks: the chunks before the bad cell are numbers."""
    (tmp_path / "d.csv").write_text("label,prob\n" + "1,0.5\n" * 9 + "0,oops\n")
    with pytest.raises(InputError, match=r"row 10, column prob: non-numeric value 'oops'"):
        losscli.evaluate(str(tmp_path / "d.csv"), chunk_rows=4)


def test_binary_named_csv_on_the_streaming_path(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"PAR1" + os.urandom(delimited.SMALL_TEXT + 100))
    with pytest.raises(InputError, match="looks like Parquet"):
        losscli.evaluate(str(path))


def test_not_gzip_despite_the_name_on_the_streaming_path(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    _big_csv(path, "1,0.5", 0)
    with pytest.raises(InputError, match="not gzip-compressed"):
        losscli.evaluate(str(path))


@pytest.mark.parametrize(
    "content,pattern",
    [
        (b'label,prob\n1,"0.2\n0,0.4\n', r"quote opened on line 2 is never closed"),
        (b"label,prob\n1,0.2\n0,0.4\xe9\n", r"not UTF-8 text: byte 0xe9 on line 3"),
        (b"label,prob\n1,0\x002\n", "binary data"),
        ("label,prob\n1,0.2\n".encode("utf-16"), "binary data"),
        (b"label\tprob\n1\t0.2\n0\t0.4\n", r"separated by tabs"),
        (b"label,prob\n1_000,0.2\n3,0.4\n", r"row 1, column label: non-numeric target '1_000'"),
        (b"label\n1\n0\n", "no prediction columns"),
        (b"label,prob\n1,[0.2]\n", r"row 1, column prob"),
    ],
    ids=[
        "unclosed-quote",
        "latin-1",
        "nul",
        "utf-16",
        "tsv-as-csv",
        "underscore-number",
        "target-only",
        "bracketed-number",
    ],
)
def test_csv_text_problems(tmp_path: Path, content: bytes, pattern: str) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        losscli.evaluate(str(path))


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbflabel,prob\r\n1,0.2\r\n0,0.4\r\n")
    r = losscli.evaluate(str(path))
    expected = _bce(np.array([1.0, 0.0]), np.array([0.2, 0.4])).mean()
    assert r.losses["binary_cross_entropy"]["mean"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "y,p,kwargs,pattern",
    [
        (1, 0.5, {}, "got the scalar 1"),
        ([1, 0], [[0.2], [0.3, 0.4]], {}, "not a rectangular array"),
        ([1, 0], ["a", "b"], {}, r"row 1: non-numeric value 'a'"),
        ([1, 0], np.zeros((2, 2, 2)), {}, r"shape \(2, 2, 2\)"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2)), {}, r"shape \(2, 2, 2\)"),
        ([1, 0], [0.2, 0.3], {"weights": ["a", "b"]}, "non-numeric value 'a'"),
        ([1, 0], [0.2, 0.3], {"weights": [0, 0]}, "all weights are zero"),
        ([1, 0], [0.2, 0.3], {"weights": [1, 2, 3]}, "3 weights for 2 samples"),
        (np.array([1j, 0]), [0.2, 0.3], {}, "unsupported dtype complex128"),
        ([], [], {}, "no samples"),
        ("no_such_file.csv", ["a"], {}, r"no_such_file\.csv: no such file"),
    ],
    ids=[
        "scalar",
        "ragged",
        "text",
        "3d-pred",
        "3d-target",
        "text-weights",
        "zero-weights",
        "weights-length",
        "complex",
        "empty",
        "path-beside-text-list",
    ],
)
def test_api_arrays(y: Any, p: Any, kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        losscli.evaluate(y, p, **kwargs)


@pytest.mark.parametrize("spec", ["\u00b2", "\u0661", "-1", "99", " "])
def test_odd_column_specs_are_input_errors(tmp_path: Path, spec: str) -> None:
    (tmp_path / "d.csv").write_text(GOOD)
    with pytest.raises(LossCliError) as exc:
        losscli.evaluate(str(tmp_path / "d.csv"), target_col=spec)
    assert exc.value.exit_code == (2 if not spec.strip() else 3)


def test_numeric_ids_match_across_files(tmp_path: Path) -> None:
    """Ids 1, 2, 3 read as numbers in one file and as text in the other still align."""
    (tmp_path / "t.csv").write_text("id,label\n1,1\n2,0\n3,1\n")
    (tmp_path / "p.csv").write_text("id,prob\n3,0.7\nx,0.5\n1,0.2\n2,0.4\n")
    with pytest.raises(InputError, match=r"1 prediction id\(s\) have no target, e.g. 'x'"):
        losscli.evaluate(str(tmp_path / "t.csv"), str(tmp_path / "p.csv"), id_col="id")
    (tmp_path / "p.csv").write_text("id,prob\n3,0.7\n1,0.2\n2,0.4\n")
    r = losscli.evaluate(str(tmp_path / "t.csv"), str(tmp_path / "p.csv"), id_col="id")
    expected = _bce(np.array([1.0, 0.0, 1.0]), np.array([0.2, 0.4, 0.7])).mean()
    assert r.losses["binary_cross_entropy"]["mean"] == pytest.approx(expected, rel=1e-12)


def test_long_cell_is_cut_short_in_the_message(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("label,prob\n1,0.2\n0," + "x" * 10_000 + "\n")
    with pytest.raises(InputError) as exc:
        losscli.evaluate(str(tmp_path / "d.csv"))
    assert len(str(exc.value)) < 300
