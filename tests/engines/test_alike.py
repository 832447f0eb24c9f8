"""The fast path of a batch of alike small CSV files (losscli/engines/alike.py): a file it
scores gets the very report ``run`` gives (every figure, message and sum, to the bit); any
other file -- another header, a bad cell, a reading that could differ -- is left to ``run``,
so its error is the ordinary one."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.engines import alike as A
from losscli.engines import batch as B
from losscli.engines.local import run
from losscli.errors import LossCliError
from losscli.io.plaincsv import plain_columns
from losscli.io.table import fast_cells
from losscli.options import EvalOptions

OPTIONS = B.per_file(EvalOptions(losses=("bce",), metrics=("accuracy", "roc_auc")))
GOOD = "target,prediction\n" + "".join(
    f"{i % 2},{(i * 37 % 100) / 100 + 0.001:.6f}\n" for i in range(1200)
)


def _general(path: str, o: EvalOptions) -> Any:
    try:
        return run(path, None, o, keep_per_sample=False, preview=False)
    except LossCliError as exc:
        return exc


def _learned(folder: str, o: EvalOptions, text: str = GOOD) -> A.Alike:
    fast_cells()
    a = A.Alike(o)
    path = os.path.join(folder, "template.csv")
    Path(path).write_text(text)
    report = _general(path, o)
    assert not isinstance(report, LossCliError), report
    a.learn(path, report)
    return a


def _check(a: A.Alike, path: str, o: EvalOptions) -> bool:
    """The fast path's report of ``path`` is None or the ordinary one; True if it took it."""
    fast = a.report(path)
    general = _general(path, o)
    if fast is None:
        return False
    assert not isinstance(general, LossCliError), f"fast path scored a file run refuses: {general}"
    assert A.same(fast, general)
    return True


def test_a_template_is_learned_and_checked(tmp_path: Path) -> None:
    a = _learned(str(tmp_path), OPTIONS)
    assert a.mismatched == 0
    assert list(a.templates.values())[0] is not None
    (tmp_path / "f.csv").write_text(GOOD.replace("0.011000", "0.5"))
    assert _check(a, str(tmp_path / "f.csv"), OPTIONS)


CELLS_P = st.one_of(
    st.floats(0, 1).map(repr),
    st.floats(0, 1).map(lambda v: f"{v:.6f}"),
    st.floats(0, 1).map(lambda v: f"{v:.3e}"),
    st.sampled_from(["0", "1", "0.0", "1.0", "-0", "1.5", "-0.2", "", "nan", "x", "1e", ".5"]),
)
CELLS_Y = st.sampled_from(["0", "1", "0", "1", "1.0", "-0", "2", "", "nan", "0.5", " 1"])


@st.composite
def bodies(draw: Any) -> str:
    n = draw(st.sampled_from([1, 3, 999, 1000, 1001, 1100]))
    cell = st.floats(0.001, 0.999).map(lambda v: f"{v:.4f}")
    base_p = draw(st.lists(cell, min_size=1, max_size=5))
    rows = [(str(i % 2), base_p[i % len(base_p)]) for i in range(n)]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):  # a few odd cells anywhere
        i = draw(st.integers(0, n - 1))
        y, p = rows[i]
        if draw(st.booleans()):
            y = draw(CELLS_Y)
        else:
            p = draw(CELLS_P)
        rows[i] = (y, p)
    if draw(st.sampled_from([False] * 4 + [True])):  # predictions all 0/1 in the first rows
        rows = [(y, "0" if j % 3 else "1") if j < 1000 else (y, p) for j, (y, p) in enumerate(rows)]
    end = draw(st.sampled_from(["\n"] * 4 + ["\r\n"]))
    text = end.join(f"{y},{p}" for y, p in rows)
    tail = draw(st.sampled_from(["", end, end, end + end]))
    return text + tail


HEADERS = st.sampled_from(
    [
        *["target,prediction"] * 6,
        "prediction,target",
        "target,prediction,extra",
        "target,predictions",
        "\ufefftarget,prediction",
        "target,prediction\r",
        '"target",prediction',
        "y,s",
    ]
)


@settings(max_examples=60, deadline=None)
@given(header=HEADERS, body=bodies())
def test_fast_path_is_the_ordinary_path_or_leaves_the_file_to_it(header: str, body: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        a = _learned(folder, OPTIONS)
        path = os.path.join(folder, "f.csv")
        with open(path, "w", newline="") as fh:
            fh.write(header + "\n" + body)
        _check(a, path, OPTIONS)


@settings(max_examples=20, deadline=None)
@given(header=st.sampled_from(["y,s", "prediction,target", "y_true,y_pred"]), body=bodies())
def test_other_templates(header: str, body: str) -> None:
    """Templates of other headers (a prediction column not named as one: the row-counter
    check), each against files of its header."""
    template = header + "\n" + GOOD.split("\n", 1)[1]
    if header.startswith("prediction"):
        template = (
            header
            + "\n"
            + "".join(",".join(reversed(line.split(","))) + "\n" for line in GOOD.split("\n")[1:-1])
        )
    with tempfile.TemporaryDirectory() as folder:
        a = _learned(folder, OPTIONS, template)
        assert a.mismatched == 0 and any(a.templates.values())
        path = os.path.join(folder, "f.csv")
        Path(path).write_text(header + "\n" + body)
        _check(a, path, OPTIONS)


def test_row_counter_is_left_to_run(tmp_path: Path) -> None:
    a = _learned(str(tmp_path), OPTIONS, "y,s\n" + GOOD.split("\n", 1)[1])
    rows = "".join(f"{i % 2},{i}\n" for i in range(3))  # s counts 0, 1, 2: the roles' error
    (tmp_path / "f.csv").write_text("y,s\n" + rows)
    assert a.report(str(tmp_path / "f.csv")) is None
    assert isinstance(_general(str(tmp_path / "f.csv"), OPTIONS), LossCliError)


@pytest.mark.parametrize(
    "options",
    [
        EvalOptions(losses=("bce",), metrics=("accuracy",), strict=True),
        EvalOptions(metrics=("accuracy", "f1", "ece")),
        EvalOptions(losses=("bce", "focal"), metrics=("brier",), checks=("bce<0.9",)),
        EvalOptions(losses=("bce",), task="binary"),
        EvalOptions(losses=("hinge",)),
        EvalOptions(nan_policy="omit", params=("eps=0.01",)),
    ],
)
def test_options(options: EvalOptions, tmp_path: Path) -> None:
    o = B.per_file(options)
    a = _learned(str(tmp_path), o)
    assert a.mismatched == 0
    rng = np.random.default_rng(1)
    for i in range(3):
        y = rng.integers(0, 2, 1500)
        p = rng.random(1500)
        p[: 1 + i] = [0.0, 1.0, 0.5][: 1 + i]
        (tmp_path / f"f{i}.csv").write_text(
            "target,prediction\n" + "".join(f"{a},{b!r}\n" for a, b in zip(y.tolist(), p.tolist()))
        )
        assert _check(a, str(tmp_path / f"f{i}.csv"), o)


def test_ineligible_options_keep_the_ordinary_path() -> None:
    for o in (
        EvalOptions(weights="w"),
        EvalOptions(pos_label="1"),
        EvalOptions(task="regression"),
        EvalOptions(chunk_rows=10),
        EvalOptions(ci=True),
        EvalOptions(target_col="target"),
    ):
        assert not A.eligible(o)
    assert A.eligible(EvalOptions(losses=("bce",)))


@pytest.mark.parametrize(
    "body",
    [
        *("0.5,1\n", "1,2\n3,4\n", "1,2\r\n3,4\r\n", "1,2\r\n3,4", "1e5,-0.25\n"),
        *("-0,+1\n", ".5,5.\n", "0.1,0.2\n0.3,0.4"),
    ],
)
def test_plain_columns_are_float(body: str) -> None:
    cols = plain_columns(body.encode(), b",", 2)
    assert cols is not None
    cells = [line.split(",") for line in body.strip().replace("\r\n", "\n").split("\n")]
    for j in range(2):
        want = np.array([float(c[j]) for c in cells])
        np.testing.assert_array_equal(cols[j].view(np.int64), want.view(np.int64))
        assert cols[j].flags.c_contiguous


@pytest.mark.parametrize(
    "body",
    [
        "",
        "1,2\n\n3,4\n",
        "1,2\n3\n",
        "1,,\n",
        "1,\n",
        "1.2.3,4\n",
        "-,1\n",
        "1,nan\n",
        "1, 2\n",
        "1,2\r",
        "1\r,2\n",
        "1,2\r\r\n",
        '1,"2"\n',
        "\n1,2\n",
        "1e,2\n",
        "1,2,3\n",
    ],
)
def test_plain_columns_refuse(body: str) -> None:
    assert plain_columns(body.encode(), b",", 2) is None


@pytest.fixture
def folder(tmp_path: Path) -> Callable[[int], Path]:
    def make(n: int) -> Path:
        rng = np.random.default_rng(5)
        for i in range(n):
            y = rng.integers(0, 2, 300)
            p = np.clip(rng.random(300), 0.001, 0.999)
            rows = "".join(f"{a},{b:.6f}\n" for a, b in zip(y, p))
            (tmp_path / f"m{i:04d}.csv").write_text("target,prediction\n" + rows)
        return tmp_path

    return make


def test_batch_is_the_same_with_and_without_the_fast_path(
    folder: Callable[[int], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = folder(B.AUTO_FILES + 4)
    (d / "m0007.csv").write_text("prediction,target\n0.25,1\n0.5,0\n")  # another header
    (d / "m0009.csv").write_text("target,prediction\n1,1\n0,0\n")  # 0/1 predictions: a note
    o = EvalOptions(losses=("bce",), metrics=("accuracy",))
    fast = B.evaluate_batch([str(d)], o, jobs=1)
    assert B._ALIKE[0].fast >= B.AUTO_FILES - 1
    monkeypatch.setattr(A, "eligible", lambda o: False)
    B._ALIKE.clear()
    plain = B.evaluate_batch([str(d)], o, jobs=1)
    assert json.dumps(fast.to_dict()) == json.dumps(plain.to_dict())
    assert fast.files[9].report is not None and fast.files[9].report.notes


def test_a_bad_cell_in_one_file_is_the_ordinary_error(
    folder: Callable[[int], Path], run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = folder(B.AUTO_FILES + 4)
    lines = (d / "m0017.csv").read_text().split("\n")
    lines[251] = "1,0.3x"
    (d / "m0017.csv").write_text("\n".join(lines))
    monkeypatch.setattr(A, "eligible", lambda o: False)
    with pytest.raises(LossCliError) as info:
        B.evaluate_batch([str(d)], EvalOptions(losses=("bce",)), jobs=1)
    for jobs in ("1", "2"):
        res = run("batch", ".", "-l", "bce", "--jobs", jobs, "-f", "csv", "-o", "out.csv", cwd=d)
        assert res.code == 3
        assert res.err.strip().splitlines() == [f"error: {info.value}".replace(str(d) + "/", "./")]
        assert not (d / "out.csv").exists()


def test_windows_line_ends(tmp_path: Path) -> None:
    crlf = GOOD.replace("\n", "\r\n")
    a = _learned(str(tmp_path), OPTIONS, crlf)
    assert a.mismatched == 0 and any(a.templates.values())
    (tmp_path / "f.csv").write_bytes(crlf.replace("0.011000", "0.25").encode())
    assert _check(a, str(tmp_path / "f.csv"), OPTIONS)
    (tmp_path / "g.csv").write_bytes(crlf.replace("\r\n1,0.371000", "\r1,0.371000").encode())
    assert not _check(a, str(tmp_path / "g.csv"), OPTIONS)  # a lone \r: read by run
