"""Every decision about the input (task, input kind, logits or not, classes) is the whole
input's, whatever ``--chunk-size`` (issue 15): taken on the first rows (``HEAD_ROWS``,
gathered from as many chunks as it takes), checked against what the rest shows, and the
input read once more with the whole input's reading when they differ; stdin, which cannot
be read again, is an error naming the flag that settles it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losscli
from losscli.errors import Contradiction, LossCliError
from losscli.validate import whole

CHUNKS = ("1", "3", "7", None)  # None: the default chunk size


def _csv(path: Path, y: Sequence[Any], p: Sequence[Any]) -> Path:
    path.write_text("y,p\n" + "".join(f"{a},{b}\n" for a, b in zip(y, p)), encoding="utf-8")
    return path


def _json(r: Any) -> dict[str, Any]:
    assert r.code == 0, r.err
    return json.loads(r.out)


def _outcome(path: Path, chunk: str | None, args: Sequence[str]) -> Any:
    """What the API gives: the report as a dict, or the error (its type and message)."""
    opts: dict[str, Any] = {"chunk_rows": None if chunk is None else int(chunk)}
    if args:
        opts["losses"] = list(args)
    try:
        report = losscli.evaluate(str(path), keep_per_sample=False, **opts).to_dict()
        return json.dumps(_rounded(report), sort_keys=True)  # NaN compares equal as text
    except LossCliError as exc:
        return (type(exc).__name__, str(exc))


def _rounded(x: Any) -> Any:
    """Figures to 12 significant digits: sums of chunks of other sizes may differ in the
    last bit (the accumulators are compensated, not exact); everything else as it is."""
    if isinstance(x, float):
        return float(f"{x:.12g}")
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def _same(reports: Sequence[Any]) -> None:
    texts = [json.dumps(_rounded(r), sort_keys=True) for r in reports]
    assert all(t == texts[-1] for t in texts), texts


def _values(draw: Any, kind: str, n: int) -> tuple[list[Any], list[Any], list[str]]:
    ints = st.integers(0, 1)
    y = draw(st.lists(ints, min_size=n, max_size=n))
    if kind == "probabilities":
        unit = st.floats(0, 1, allow_nan=False).map(lambda v: round(v, 3))
        return y, draw(st.lists(unit, min_size=n, max_size=n)), []
    if kind == "margins":  # inside and outside [0, 1], in any order
        v = st.one_of(st.floats(0, 1), st.floats(-3, 3)).map(lambda v: round(v, 3))
        p = draw(st.lists(v, min_size=n, max_size=n))
        return y, p, draw(st.sampled_from([[], ["hinge"]]))
    if kind == "hard labels":  # 0/1, sometimes with one probability among them
        p = draw(st.lists(ints, min_size=n, max_size=n))
        if draw(st.booleans()):
            p[draw(st.integers(0, n - 1))] = 0.3
        return y, p, []
    k = draw(st.integers(2, 4))  # multiclass indices, predictions maybe beyond the targets
    y = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    p = draw(st.lists(st.integers(0, k), min_size=n, max_size=n))
    return y, p, []


@st.composite
def inputs(draw: Any) -> tuple[list[Any], list[Any], list[str]]:
    kind = draw(st.sampled_from(["probabilities", "margins", "hard labels", "multiclass"]))
    return _values(draw, kind, draw(st.integers(2, 16)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=inputs(), head=st.sampled_from([2, 4, whole.HEAD_ROWS]))
def test_report_does_not_depend_on_the_chunk_size(case: Any, head: int) -> None:
    """The JSON report (figures, task, warnings, notes), or the error, is the same for
    --chunk-size 1, 3, 7 and the default; a small ``HEAD_ROWS`` makes later chunks
    contradict the first rows' reading (the input is then read again)."""
    y, p, losses = case
    old = whole.HEAD_ROWS
    whole.HEAD_ROWS = head
    try:
        with tempfile.TemporaryDirectory() as d:
            f = _csv(Path(d) / "in.csv", y, p)
            outcomes = [_outcome(f, c, losses) for c in CHUNKS]
    finally:
        whole.HEAD_ROWS = old
    assert all(o == outcomes[-1] for o in outcomes), outcomes


def _margins(path: Path, n: int = 1500, inside: int = 1200) -> Path:
    """Margin scores whose first ``inside`` rows lie in [0, 1]."""
    rng = np.random.default_rng(15)
    y = rng.integers(0, 2, n)
    p = np.round(rng.uniform(0, 1, n), 4)
    p[inside:] = np.round(rng.normal(0, 3, n - inside), 4)
    return _csv(path, y, p)


def test_margins_first_rows_in_unit_interval(run: Any, tmp_path: Path) -> None:
    """The issue's example: margin scores whose first chunk lies inside [0, 1]."""
    small = _csv(tmp_path / "m.csv", [1, 0, 1, 0, 1], [0.7, 0.2, 2.5, -1.3, 0.1])
    for f in (small, _margins(tmp_path / "big.csv")):
        got = [
            _json(run("eval", f, "-l", "hinge", "-f", "json", *(["--chunk-size", c] if c else [])))
            for c in CHUNKS
        ]
        _same(got)
        assert "raw decision scores" in " ".join(got[-1]["notes"])
        # with a probability loss, the same error (row and all) whatever the chunk size
        errs = [run("eval", f, *(["--chunk-size", c] if c else [])) for c in CHUNKS]
        assert {(r.code, r.err) for r in errs} == {(3, errs[-1].err)}
        assert errs[-1].err.count("error:") == 1 and "not a probability" in errs[-1].err


def test_margins_through_the_api_read_again(tmp_path: Path) -> None:
    f = _margins(tmp_path / "big.csv")
    a = losscli.evaluate(str(f), losses=["hinge"], chunk_rows=7)
    b = losscli.evaluate(str(f), losses=["hinge"])
    _same([a.to_dict(), b.to_dict()])
    assert np.array_equal(a.per_sample["hinge"], b.per_sample["hinge"])
    assert a.per_sample["hinge"].shape == (1500,)


def _ints(path: Path) -> Path:
    """Integer predictions not all among the first rows' targets (a regression there),
    all among the whole input's (class labels)."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 1500)
    p = y.copy()
    p[5] = 3
    y[1400] = 3
    return _csv(path, y, p)


def _new_class(path: Path) -> Path:
    """Hard class labels with a class first seen after the first rows."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 1500)
    p = y.copy()
    y[1300] = p[1300] = 4
    return _csv(path, y, p)


def _hard_then_probability(path: Path) -> Path:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 1500)
    p = y.astype(float)
    p[1100] = 0.3
    return _csv(path, y, [f"{v:g}" for v in p])


@pytest.mark.parametrize(
    ("make", "task"),
    [(_ints, "multiclass"), (_new_class, "multiclass"), (_hard_then_probability, "binary")],
)
def test_later_rows_change_the_reading(run: Any, tmp_path: Path, make: Any, task: str) -> None:
    f = make(tmp_path / "in.csv")
    got = [_json(run("eval", f, "-f", "json", *(["--chunk-size", c] if c else []))) for c in CHUNKS]
    _same(got)
    assert got[-1]["task"] == task
    if make is _new_class:
        assert "4" in got[-1]["confusion_matrix"]["labels"]
    if make is _hard_then_probability:
        assert "binary_cross_entropy" in got[-1]["losses"]


@pytest.mark.parametrize(
    ("make", "flag"),
    [
        (_margins, "--from-logits"),
        (_ints, "--task"),
        (_new_class, "--task regression"),
        (_hard_then_probability, "-l binary_cross_entropy"),
    ],
)
def test_stdin_cannot_be_read_again(run: Any, tmp_path: Path, make: Any, flag: str) -> None:
    f = make(tmp_path / "in.csv")
    args = ["-l", "hinge"] if make is _margins else []
    out = tmp_path / "out.json"
    for c in ("7", None):
        chunk = ["--chunk-size", c] if c else []
        r = run("eval", "-", *args, "-o", out, *chunk, input=f.read_text())
        assert r.code == 3, r.err
        lines = [ln for ln in r.err.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and flag in lines[0], r.err
        assert not out.exists()


def test_stdin_through_the_api_is_a_contradiction(tmp_path: Path) -> None:
    import io

    f = _margins(tmp_path / "big.csv")
    with pytest.raises(Contradiction, match="--from-logits"):
        losscli.evaluate("-", stdin=io.BytesIO(f.read_bytes()), losses=["hinge"], chunk_rows=7)


@pytest.mark.parametrize("ext", ["csv", "parquet", "npy"])
def test_per_sample_written_once_after_a_restart(run: Any, tmp_path: Path, ext: str) -> None:
    f = _margins(tmp_path / "big.csv")
    a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    r = run("eval", f, "-l", "hinge", "--chunk-size", "7", "--per-sample", a)
    assert r.code == 0, r.err
    r = run("eval", f, "-l", "hinge", "--per-sample", b)
    assert r.code == 0, r.err
    if ext == "parquet":  # one row group a chunk: the same table, other bytes
        import pyarrow.parquet as pq

        assert pq.read_table(a).equals(pq.read_table(b))
        assert pq.read_table(a).num_rows == 1500
    else:
        assert a.read_bytes() == b.read_bytes()
    if ext == "csv":
        lines = a.read_text().splitlines()
        assert lines[0].startswith("index") and len(lines) == 1501
        assert [ln.split(",")[0] for ln in lines[1:]] == [str(i) for i in range(1500)]
    if ext == "npy":
        assert np.load(a).shape == (1500, 2)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_per_sample_sink_reset_through_the_api(tmp_path: Path) -> None:
    """A sink with ``reset()`` is started again; one without it makes the restart an
    error (the rows it was given cannot be taken back)."""
    f = _margins(tmp_path / "big.csv")
    seen: list[np.ndarray] = []

    class Sink:
        resets = 0

        def __call__(self, index: np.ndarray, values: dict[str, np.ndarray]) -> None:
            seen.append(index)

        def reset(self) -> bool:
            self.resets += 1
            seen.clear()
            return True

    sink = Sink()
    losscli.evaluate(str(f), losses=["hinge"], chunk_rows=7, per_sample_sink=sink)
    assert sink.resets == 1
    assert np.array_equal(np.concatenate(seen), np.arange(1500))
    with pytest.raises(Contradiction):
        losscli.evaluate(str(f), losses=["hinge"], chunk_rows=7, per_sample_sink=lambda i, v: None)


def test_per_sample_to_stdout_cannot_restart(run: Any, tmp_path: Path) -> None:
    f = _margins(tmp_path / "big.csv")
    r = run("eval", f, "-l", "hinge", "--chunk-size", "7", "--per-sample", "-")
    assert r.code == 3, r.err
    lines = [ln for ln in r.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "outside [0, 1]" in lines[0], r.err


def test_batch_same_whatever_jobs(run: Any, tmp_path: Path) -> None:
    """Batch runs every file as eval does (read again when the whole file says so), in
    one process or many; batch has no --chunk-size."""
    files = [
        _margins(tmp_path / "a.csv"),
        _ints(tmp_path / "b.csv"),
        _new_class(tmp_path / "c.csv"),
    ]
    got = []
    for jobs in ("1", "2"):
        r = run("batch", *files, "-f", "json", "--jobs", jobs, "--skip-errors")
        got.append((r.code, r.out, r.err))
    assert got[0] == got[1]
    assert got[0][0] == 3 and got[0][2].count("error:") == 1  # a.csv: margins, default bce
    d = json.loads(got[0][1])
    by_file = {Path(f["file"]).name: f for f in d["files"]}
    assert by_file["b.csv"]["task"] == "multiclass"
    assert "4" in by_file["c.csv"]["confusion_matrix"]["labels"]


@pytest.mark.parametrize("row", [2, 5, 1400])
def test_a_bad_cell_is_the_same_error_whatever_the_chunk_size(
    run: Any, tmp_path: Path, row: int
) -> None:
    """A chunk holding only the bad cell is text: not a reading of the input."""
    p: list[Any] = [f"0.{i % 9 + 1}" for i in range(1500)]
    p[row - 1] = "abc"
    f = _csv(tmp_path / "in.csv", [i % 2 for i in range(1500)], p)
    errs = [run("eval", f, *(["--chunk-size", c] if c else [])) for c in CHUNKS]
    assert {(r.code, r.err) for r in errs} == {(3, errs[-1].err)}
    assert f"row {row}, column p: non-numeric value 'abc'" in errs[-1].err


_CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -0.0, 1e308, -1e308, 5e-324]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=40), st.integers(1, 3))
def test_the_whole_input_facts_and_the_finite_check_see_what_a_mask_sees(
    cells: list[float], width: int
) -> None:
    """``outside`` from the extremes (fmin/fmax) and the finite check from a sum (with the
    mask only to name the bad cell) say what the element-wise masks say."""
    from losscli.errors import InputError
    from losscli.validate.columns import Raw
    from losscli.validate.prepare import _check_finite

    n = len(cells) // width or 1
    p = np.resize(np.asarray(cells, dtype=np.float64), (n, width))
    facts = whole.Facts()
    facts.add(
        Raw(y=np.zeros(n), p=p, pred_names=[str(i) for i in range(width)], target_names=["t"])
    )
    with np.errstate(invalid="ignore"):
        assert facts.outside == bool(np.any((p < 0) | (p > 1)))
    finite = bool(np.isfinite(p).all())
    try:
        _check_finite(p, "x.csv", [str(i) for i in range(width)], "prediction")
        assert finite
    except InputError as exc:
        assert not finite
        first = np.argwhere(~np.isfinite(p))[0]
        assert exc.row == int(first[0]) + 1
