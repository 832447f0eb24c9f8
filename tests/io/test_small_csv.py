"""The small-file CSV path (no pyarrow): the quick cut of unquoted files and the quick
conversion of plain number columns read exactly what the csv module and float() read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.io.delimited import _unquoted_columns
from losscli.io.table import to_float, to_float_cells


@pytest.mark.parametrize(
    "text",
    [
        "y,p\n1,0.2,0.3\n0\n",  # a long line and a short one: the same number of cells
        "y,p\n1\n0,0.2,0.3\n",
        "y,p\n1,2\n3,4,5\n6\n",
    ],
)
def test_ragged_lines_that_even_out_are_not_cut_blindly(text: str) -> None:
    assert _unquoted_columns(text, ",", True) is None  # the csv module path names the line


def test_ragged_lines_that_even_out_are_an_input_error(run: object, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("y_true,y_pred\n1,0.2,0.3\n0\n")
    res = run("eval", "r.csv", "-f", "json", "-o", "out.json")  # type: ignore[operator]
    assert res.code == 3
    assert "has 3 fields, expected 2 (line 2)" in res.err
    assert not (tmp_path / "out.json").exists()


def _slow(cells: list[str]) -> np.ndarray | None:
    try:
        return np.array([to_float(c) for c in cells], dtype=np.float64)
    except ValueError:
        return None


CELL = st.one_of(
    st.floats(allow_nan=False, width=64).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.6f}"),
    st.integers(-(10**20), 10**20).map(str),
    st.text(alphabet="0123456789eE+-. \t", max_size=8),  # plain characters, any order
    st.sampled_from(["", "nan", "NA", "1_000", "\u0663", "0x10", "\x0b1", "+nan", "inf"]),
    st.sampled_from(["0", "1", "7", " 1", "1 ", "+1", "-0", ".5", "5.", "1e5", "00"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=12))
def test_quick_conversion_equals_the_cell_by_cell_rule(cells: list[str]) -> None:
    _same_as_cell_by_cell(cells)


def _same_as_cell_by_cell(cells: list[str]) -> None:
    expected = _slow(cells)
    try:
        got = to_float_cells(cells)
    except ValueError:
        assert expected is None
        return
    assert expected is not None
    np.testing.assert_array_equal(got.view(np.int64), expected.view(np.int64))


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=12))
def test_quick_conversion_by_pyarrow_equals_the_cell_by_cell_rule(cells: list[str]) -> None:
    """What a batch of many files converts with (``fast_cells``): the same bits."""
    import losscli.io.table as table

    old = table._ARROW
    table.fast_cells()
    try:
        _same_as_cell_by_cell(cells)
        _same_as_cell_by_cell(cells * 300)  # long enough that pyarrow's cast is worth it
        digits = [c for c in cells if len(c) == 1 and c in "0123456789"] or ["0"]
        one = to_float_cells(digits)  # one-digit cells: from their bytes
        np.testing.assert_array_equal(one, [float(c) for c in digits])
    finally:
        table._ARROW = old


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(CELL, min_size=1, max_size=3), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_quick_cut_equals_the_csv_module(rows: list[list[str]], end: str, last: bool) -> None:
    lines = ["a,b"] + [",".join(r) for r in rows]
    text = end.join(lines) + (end if last else "")
    parsed = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    cut = _unquoted_columns(text, ",", True)
    if cut is not None:
        names, cols = cut
        assert names == parsed[0]
        assert [list(r) for r in zip(*cols)] == parsed[1:]  # every line has two fields
    else:  # a ragged or blank line, or an unusual line end: the csv module reads it
        assert any(len(r) != 2 for r in parsed) or "" in text.replace("\r\n", "\n").split("\n")[:-1]


def test_pyarrow_cast_of_cells_does_not_import_pandas() -> None:
    """``pa.array`` of a list of cells imports pandas (half a second a process of a batch);
    the cells go to pyarrow as buffers instead, with the same numbers."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from losscli.io.table import fast_cells, to_float_cells\n"
        "fast_cells()\n"
        "got = to_float_cells(['0.25', '1e-3', '-0', '7.5', '0.1'] * 40)\n"
        "assert got.flags.writeable and got[:5].tolist() == [0.25, 0.001, -0.0, 7.5, 0.1]\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
