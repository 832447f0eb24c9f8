"""Fuzzing (issue #7): a correct result or a typed error, never another exception.

Hypothesis generates CSV/TSV text (valid and broken: empty cells, NaN, inf, huge numbers,
text, quotes, separators and newlines inside cells, ragged rows, BOM, CRLF, gzip), NumPy
arrays of every shape and dtype (saved as ``.npy``/``.npz`` or passed to the API) and raw
bytes under every extension.  Each input goes through the readers and the whole
:func:`losscli.evaluate` path; a result is checked against numpy where that is cheap and
for consistency otherwise (per-sample losses vs the mean, JSON serialisation).

Runs are derandomized (the same inputs in CI every time) and sized for ~30 s in all;
``tests/io/fuzz/`` holds the atheris harness for long runs of the readers.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import losscli
from losscli.errors import LossCliError
from losscli.io import readers

FUZZ = settings(
    derandomize=True,  # the same inputs on every run: CI is deterministic
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HARNESS = Path(__file__).parent / "fuzz" / "fuzz_readers.py"
# numpy's RuntimeWarnings would reach the user's terminal as noise: none may escape
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="losscli-fuzz-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


_counter = iter(range(10**9))


def _path(workdir: Path, suffix: str) -> Path:
    return workdir / f"f{next(_counter)}{suffix}"


def check_report(report: losscli.Report) -> None:
    """What every successful run must satisfy, whatever the input."""
    assert report.n_samples >= 1
    assert report.n_omitted >= 0
    for name, values in report.per_sample.items():
        assert values.shape[0] == report.n_samples, name
        mean = report.losses[name]["mean"]
        if np.all(np.isfinite(values)) and report.signature.find("weights:yes") < 0:
            assert mean == pytest.approx(float(np.mean(values)), rel=1e-9, abs=1e-12), name
    json.loads(report.to_json())  # always serialisable (NaN/inf as strings)


def evaluate_or_typed_error(*args: Any, **kwargs: Any) -> losscli.Report | None:
    try:
        report = losscli.evaluate(*args, **kwargs)
    except LossCliError as exc:
        assert exc.exit_code in (2, 3)
        assert str(exc)  # a message, never empty
        return None
    check_report(report)
    return report


# ----------------------------------------------------------------------------- CSV text

SPECIAL_CELLS = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "NA",
    "null",
    "None",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e308",
    "-0",
    "+1",
    ".5",
    "5.",
    "1_000",
    "0x10",
    "1,5",
    "1;5",
    '"',
    '""',
    '"a,b"',
    "'x'",
    "true",
    "\u0663",
    "\u00b2",
    "1e",
    "--1",
    "\t",
    "\n",
    "\r",
    "\x00",
    "\ufeff",
    "0",
    "1",
    "-1",
    "2",
    "0.5",
]
cells = st.one_of(
    st.sampled_from(SPECIAL_CELLS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=6),
)
NAMES = ["label", "target", "y", "y_true", "prob", "pred", "p", "a", "b", "id", "w", ""]
headers = st.lists(st.one_of(st.sampled_from(NAMES), st.text(max_size=4)), min_size=1, max_size=6)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    """(file bytes, suffix, header?) of CSV/TSV text, often broken."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".csv.gz", ".tsv.gz"]))
    sep = "\t" if ".tsv" in suffix else ","
    header = draw(st.booleans())
    width = draw(st.integers(1, 5))
    ragged = draw(st.booleans())
    rows = draw(
        st.lists(
            st.lists(
                cells, min_size=0 if ragged else width, max_size=width + 1 if ragged else width
            ),
            max_size=8,
        )
    )
    if header:
        rows.insert(0, draw(headers))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    if draw(st.booleans()):  # quoted properly by the csv module
        buf = io.StringIO()
        csv.writer(buf, delimiter=sep, lineterminator=eol).writerows(rows)
        text = buf.getvalue()
    else:  # joined raw: quotes and separators inside cells break the structure
        text = eol.join(sep.join(r) for r in rows) + draw(st.sampled_from(["", eol]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    raw = (
        text.encode("utf-8", "surrogatepass")
        if draw(st.booleans())
        else text.encode("utf-8", "replace")
    )
    if suffix.endswith(".gz"):
        raw = gzip.compress(raw)
    return raw, suffix, header


column_specs = st.one_of(
    st.none(), st.sampled_from(["label", "prob", "0", "1", "-1", "9", "a,b", ",", "\u00b2"])
)


@settings(FUZZ, max_examples=1000)
@given(
    f=csv_files(),
    policy=st.sampled_from(["error", "omit", "propagate"]),
    target_col=column_specs,
    pred_col=column_specs,
)
def test_csv_text(
    workdir: Path,
    f: tuple[bytes, str, bool],
    policy: str,
    target_col: str | None,
    pred_col: str | None,
) -> None:
    raw, suffix, header = f
    path = _path(workdir, suffix)
    path.write_bytes(raw)
    try:
        table = readers.read(str(path), header=header)
    except LossCliError:
        pass
    else:
        assert table.n_rows >= 1 and len(set(table.names)) == len(table.names)
    evaluate_or_typed_error(
        str(path), header=header, nan_policy=policy, target_col=target_col, pred_col=pred_col
    )


finite = st.floats(-1e100, 1e100, allow_nan=False, allow_infinity=False)
nonfinite = st.sampled_from([math.nan, math.inf, -math.inf])


@settings(FUZZ, max_examples=300)
@given(
    rows=st.lists(
        st.tuples(st.one_of(finite, nonfinite), st.one_of(finite, nonfinite)),
        min_size=1,
        max_size=30,
    ),
    crlf=st.booleans(),
)
def test_regression_csv_matches_numpy(
    workdir: Path, rows: list[tuple[float, float]], crlf: bool
) -> None:
    """Valid files: mse equals numpy's over the rows kept by --nan-policy omit."""
    eol = "\r\n" if crlf else "\n"
    path = _path(workdir, ".csv")
    path.write_text("y,pred" + eol + eol.join(f"{a!r},{b!r}" for a, b in rows) + eol)
    y, p = np.array(rows).T
    keep = np.isfinite(y) & np.isfinite(p)
    report = evaluate_or_typed_error(
        str(path), task="regression", losses=["mse", "mae"], nan_policy="omit"
    )
    if not keep.any():
        assert report is None  # no samples left: an input error
        return
    assert report is not None
    assert report.n_samples == int(keep.sum()) and report.n_omitted == int((~keep).sum())
    with np.errstate(over="ignore"):
        d = y[keep] - p[keep]
        mse, mae = float(np.mean(d * d)), float(np.mean(np.abs(d)))
    assert report.losses["mse"]["mean"] == pytest.approx(mse, rel=1e-9)
    assert report.losses["mae"]["mean"] == pytest.approx(mae, rel=1e-9)


@settings(FUZZ, max_examples=300)
@given(
    rows=st.lists(st.tuples(st.sampled_from([0, 1]), st.floats(0, 1)), min_size=1, max_size=30),
    weights=st.one_of(st.none(), st.lists(st.floats(0, 100), min_size=30, max_size=30)),
)
def test_binary_csv_matches_numpy(
    workdir: Path, rows: list[tuple[int, float]], weights: list[float] | None
) -> None:
    """Valid binary files: weighted binary cross-entropy as numpy computes it."""
    y, p = (np.array(c, dtype=np.float64) for c in zip(*rows))
    w = None if weights is None else np.array(weights[: len(rows)])
    path = _path(workdir, ".csv")
    lines = ["label,prob" + (",w" if w is not None else "")]
    for i, (a, b) in enumerate(rows):
        lines.append(f"{a},{b!r}" + (f",{float(w[i])!r}" if w is not None else ""))
    path.write_text("\n".join(lines) + "\n")
    # -l binary_cross_entropy: predictions that are all 0/1 are probabilities, not hard labels
    report = evaluate_or_typed_error(
        str(path), weights="w" if w is not None else None, losses=["binary_cross_entropy"]
    )
    if w is not None and not np.any(w > 0):
        assert report is None  # all weights zero: an input error
        return
    if w is not None:
        pos = w[w > 0]
        if np.frexp(pos.max())[1] - np.frexp(pos.min())[1] > 1024:
            assert report is None  # weights spanning more than the float range: refused
            return
        w = w / pos.max()  # weights are relative; numpy would round subnormal products
    assert report is not None and report.task == "binary"
    q = np.clip(p, 1e-15, 1 - 1e-15)
    loss = -(y * np.log(q) + (1 - y) * np.log1p(-q))
    expected = float(np.average(loss, weights=w))
    assert report.losses["binary_cross_entropy"]["mean"] == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


# ----------------------------------------------------------------------------- arrays

DTYPES = [
    np.float64,
    np.float32,
    np.int64,
    np.int8,
    np.uint8,
    np.bool_,
    np.complex64,
    "U3",
    "S2",
    "f2",
]


@st.composite
def any_arrays(draw: st.DrawFn, max_dims: int = 3) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=5))
    if dtype.kind == "f":
        elements = st.floats(
            width=8 * dtype.itemsize if dtype.itemsize < 8 else 64,
            allow_nan=True,
            allow_infinity=True,
        )
        return draw(hnp.arrays(dtype, shape, elements=elements))
    return draw(hnp.arrays(dtype, shape))


@settings(FUZZ, max_examples=400)
@given(arr=any_arrays(), gz=st.booleans(), fortran=st.booleans())
def test_npy_files(workdir: Path, arr: np.ndarray, gz: bool, fortran: bool) -> None:
    if fortran:
        arr = np.asfortranarray(arr) if arr.ndim else arr  # (asfortranarray makes 0-d 1-D)
    buf = io.BytesIO()
    np.save(buf, arr)
    path = _path(workdir, ".npy.gz" if gz else ".npy")
    path.write_bytes(gzip.compress(buf.getvalue()) if gz else buf.getvalue())
    try:
        table = readers.read(str(path))
    except LossCliError:
        assert (
            arr.ndim not in (1, 2)
            or arr.shape[0] == 0
            or arr.dtype.kind in "cSU"
            or (arr.ndim == 2 and arr.shape[1] == 0)
        )
        return
    assert arr.dtype.kind in "biufSU" and arr.ndim in (1, 2)
    flat = arr.reshape(arr.shape[0], -1)
    if arr.dtype.kind in "biuf":  # the numbers as saved, column by column
        got = np.column_stack([table.data[n] for n in table.names])
        np.testing.assert_array_equal(got, flat.astype(np.float64))
    evaluate_or_typed_error(str(path))


@settings(FUZZ, max_examples=300)
@given(
    arrays=st.dictionaries(
        st.sampled_from(["y_true", "y_pred", "target", "pred", "logits", "x", "a b", "w"]),
        any_arrays(max_dims=2),
        max_size=3,
    ),
    compressed=st.booleans(),
)
def test_npz_files(workdir: Path, arrays: dict[str, np.ndarray], compressed: bool) -> None:
    path = _path(workdir, ".npz")
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    try:
        readers.read(str(path))
    except LossCliError:
        pass
    evaluate_or_typed_error(str(path))


def _lists(draw: st.DrawFn) -> Any:
    """Nested lists as users pass them: ragged, text, None, bools."""
    leaf = st.one_of(
        st.floats(),
        st.integers(-3, 3),
        st.none(),
        st.booleans(),
        st.sampled_from(["a", "1", "nan"]),
    )
    return draw(
        st.one_of(
            leaf, st.lists(leaf, max_size=4), st.lists(st.lists(leaf, max_size=3), max_size=4)
        )
    )


@settings(FUZZ, max_examples=800)
@given(
    y=st.one_of(any_arrays(), st.none(), st.composite(_lists)()),
    p=st.one_of(any_arrays(), st.composite(_lists)()),
    task=st.sampled_from(["auto", "regression", "binary", "multiclass", "multilabel"]),
    weights=st.one_of(st.none(), any_arrays(max_dims=1)),
    policy=st.sampled_from(["error", "omit", "propagate"]),
)
def test_api_arrays(y: Any, p: Any, task: str, weights: Any, policy: str) -> None:
    evaluate_or_typed_error(y, p, task=task, weights=weights, nan_policy=policy)


@settings(FUZZ, max_examples=200)
@given(
    y=hnp.arrays(np.float64, st.integers(1, 40), elements=finite),
    noise=st.floats(-1e3, 1e3),
    weights=st.booleans(),
)
def test_api_regression_matches_numpy(y: np.ndarray, noise: float, weights: bool) -> None:
    p = y[::-1] + noise
    w = np.linspace(0.5, 2.0, y.shape[0]) if weights else None
    report = evaluate_or_typed_error(y, p, task="regression", losses=["mse"], weights=w)
    assert report is not None
    with np.errstate(over="ignore"):
        expected = float(np.average((y - p) ** 2, weights=w))
    assert report.losses["mse"]["mean"] == pytest.approx(expected, rel=1e-9)


# ----------------------------------------------------------------------------- raw bytes

SUFFIXES = [".csv", ".tsv", ".npy", ".npz", ".parquet", ".jsonl", ".csv.gz", ".npy.gz"]
MAGIC = [
    b"",
    b"\x93NUMPY\x01\x00",
    b"PK\x03\x04",
    b"PAR1",
    b"\x1f\x8b\x08\x00",
    b"\x80\x04",
    b"\xef\xbb\xbf",
    b'{"a": ',
]


@settings(FUZZ, max_examples=1000)
@given(suffix=st.sampled_from(SUFFIXES), magic=st.sampled_from(MAGIC), body=st.binary(max_size=300))
def test_raw_bytes(workdir: Path, suffix: str, magic: bytes, body: bytes) -> None:
    """Arbitrary bytes behind a plausible magic number, under every extension."""
    path = _path(workdir, suffix)
    path.write_bytes(magic + body)
    try:
        readers.read(str(path))
    except LossCliError:
        return
    evaluate_or_typed_error(str(path))


@settings(FUZZ, max_examples=400)
@given(data=st.data())
def test_mutated_valid_files(workdir: Path, data: st.DataObject) -> None:
    """Valid files of every format with a few bytes flipped, cut or inserted."""
    seeds = _seed_files()
    name = data.draw(st.sampled_from(sorted(seeds)))
    raw = bytearray(seeds[name])
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        i = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[i] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del raw[i:]
        else:
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    path = _path(workdir, name[name.index(".") :])
    path.write_bytes(bytes(raw))
    try:
        readers.read(str(path))
    except LossCliError:
        return
    evaluate_or_typed_error(str(path))


def _harness() -> Any:
    """tests/io/fuzz/fuzz_readers.py as a module (it imports atheris only to fuzz)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_readers", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SEEDS: dict[str, bytes] = {}


def _seed_files() -> dict[str, bytes]:
    """The atheris seed corpus as {name + suffix: file bytes}."""
    if not _SEEDS:
        decode = _harness().decode
        for f in sorted((HARNESS.parent / "corpus").iterdir()):
            suffix, _, payload = decode(f.read_bytes())
            _SEEDS[f.name + suffix] = payload
    return _SEEDS


def test_seed_corpus_is_valid() -> None:
    """Every seed reads and evaluates: the fuzzer starts from files that get far."""
    harness = _harness()
    corpus = sorted((HARNESS.parent / "corpus").iterdir())
    assert len(corpus) >= 10
    for f in corpus:
        suffix, header, payload = harness.decode(f.read_bytes())
        path = Path(harness._DIR) / ("seed" + suffix)
        path.write_bytes(payload)
        report = losscli.evaluate(str(path), header=header, nan_policy="omit")
        check_report(report)
        harness.one_input(f.read_bytes())


# ----------------------------------------------------------------------------- atheris


def test_atheris_short_run(tmp_path: Path) -> None:
    """The atheris harness, bounded: a crash (any exception but LossCliError) fails it."""
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    shutil.copytree(HARNESS.parent / "corpus", corpus)
    proc = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=10000", "-seed=1", "-max_total_time=60", str(corpus)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    tail = (proc.stdout + proc.stderr)[-3000:]
    assert proc.returncode == 0, tail
    assert "Done" in proc.stderr, tail
