"""losscli.io.textrows: per-sample rows as CSV/TSV/JSON Lines text.

Every number must read back as exactly the float (or integer) it was, whatever its size,
sign or class (subnormal, -0.0, nan, inf); text ids must survive separators, quotes and
newlines; the output must not depend on how the rows were cut into pieces.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from losscli.io import textrows


def text(bufs: list[Any]) -> str:
    return b"".join(bytes(b) for b in bufs).decode("utf-8")


def read_csv(body: str, sep: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=sep))


def same_float(a: float, b: float) -> bool:
    """Equal as IEEE values, nan to nan, and -0.0 only to -0.0."""
    if math.isnan(a):
        return math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


floats64 = hnp.arrays(
    np.float64,
    st.integers(0, 300),
    elements=st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
)


@settings(max_examples=300, deadline=None)
@given(values=floats64, sep=st.sampled_from([",", "\t"]))
def test_csv_floats_read_back_exactly(values: np.ndarray, sep: str) -> None:
    index = np.arange(values.shape[0])
    rows = read_csv(text(textrows.csv_rows([index, values], sep)), sep)
    assert len(rows) == values.shape[0]
    for i, (row, v) in enumerate(zip(rows, values.tolist(), strict=True)):
        assert row[0] == str(i)
        assert same_float(float(row[1]), v), (row, v)


@settings(max_examples=200, deadline=None)
@given(values=floats64)
def test_jsonl_floats_read_back_exactly(values: np.ndarray) -> None:
    index = np.arange(values.shape[0])
    body = text(textrows.jsonl_rows(["index", "mse"], [index, values]))
    objs = [json.loads(line) for line in body.splitlines()]
    assert len(objs) == values.shape[0]
    for i, (obj, v) in enumerate(zip(objs, values.tolist(), strict=True)):
        assert list(obj) == ["index", "mse"] and obj["index"] == i
        assert same_float(obj["mse"], v), (obj, v)


@settings(max_examples=200, deadline=None)
@given(
    values=hnp.arrays(
        st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64]),
        st.integers(1, 200),
    )
)
def test_integers_read_back_exactly(values: np.ndarray) -> None:
    rows = read_csv(text(textrows.csv_rows([values, values.astype(np.float64)], ",")))
    assert [int(r[0]) for r in rows] == values.tolist()


def test_extreme_integers() -> None:
    i64 = np.iinfo(np.int64)
    values = np.array([i64.min, i64.min + 1, -(10**18), -10, -9, -1, 0, 9, 10, 99, 100, i64.max])
    rows = read_csv(text(textrows.csv_rows([values], ",")))
    assert [int(r[0]) for r in rows] == values.tolist()
    u = np.array([0, 10**19 - 1, 10**19, 2**64 - 1], dtype=np.uint64)
    assert [int(r[0]) for r in read_csv(text(textrows.csv_rows([u], ",")))] == u.tolist()


def test_special_floats_are_spelled_as_python_does() -> None:
    values = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1e300, 0.1])
    rows = read_csv(text(textrows.csv_rows([np.arange(7), values], ",")))
    assert [r[1] for r in rows[:3]] == ["nan", "inf", "-inf"]
    assert rows[3][1] in ("-0.0", "-0")
    lines = text(textrows.jsonl_rows(["index", "x"], [np.arange(7), values])).splitlines()
    assert lines[0] == '{"index":0,"x":NaN}'
    assert lines[1] == '{"index":1,"x":Infinity}' and lines[2] == '{"index":2,"x":-Infinity}'


def test_float32_shortest_for_float32() -> None:
    values = np.array([0.1, 1 / 3, 3.4e38, 1e-45], dtype=np.float32)
    rows = read_csv(text(textrows.csv_rows([values], ",")))
    assert [np.float32(r[0]) for r in rows] == values.tolist()
    assert rows[0][0] == "0.1"  # shortest for a float32, not 0.10000000149011612


IDS = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "tab\there", "Ünïcødé", "", " pad "]


@pytest.mark.parametrize("sep", [",", "\t"])
def test_text_ids_are_quoted_only_where_needed(sep: str) -> None:
    ids = np.array(IDS, dtype=object)
    values = np.linspace(0, 1, len(IDS))
    body = text(textrows.csv_rows([ids, values], sep))
    rows = read_csv(body, sep)
    assert [r[0] for r in rows] == IDS
    assert [float(r[1]) for r in rows] == values.tolist()
    assert body.startswith('"a,b"' if sep == "," else "a,b\t")  # TSV leaves commas alone
    assert "Ünïcødé" + sep in body  # plain text is not quoted


def test_text_ids_in_json_lines() -> None:
    ids = np.array(IDS, dtype=object)
    body = text(textrows.jsonl_rows(["index", "mse"], [ids, np.arange(len(IDS)) / 2]))
    assert [json.loads(line)["index"] for line in body.splitlines()] == IDS


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_output_does_not_depend_on_the_pieces(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    rng = np.random.default_rng(3)
    n = 1_001
    values = rng.lognormal(size=n) * 10.0 ** rng.integers(-30, 30, size=n)
    values[::97] = np.nan
    columns = [np.arange(n) * 7 - 3000, values, rng.random(n)]

    def render() -> str:
        if fmt == "jsonl":
            return text(textrows.jsonl_rows(["index", "a", "b"], columns))
        return text(textrows.csv_rows(columns, "," if fmt == "csv" else "\t"))

    whole = render()
    monkeypatch.setattr(textrows, "PIECE_ROWS", 64)
    assert render() == whole
    assert whole.count("\n") == n


def test_many_columns_and_empty() -> None:
    cols = [np.arange(3), *(np.full(3, k + 0.5) for k in range(6))]
    assert read_csv(text(textrows.csv_rows(cols, ","))) == [
        [str(i), "0.5", "1.5", "2.5", "3.5", "4.5", "5.5"] for i in range(3)
    ]
    assert text(textrows.csv_rows([np.arange(0), np.zeros(0)], ",")) == ""
    assert text(textrows.jsonl_rows(["index", "x"], [np.arange(0), np.zeros(0)])) == ""


def test_same_numbers_as_pyarrows_writer() -> None:
    """The text differs in spelling only (``1e-7`` against ``1e-07``): the values agree."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(0)
    values = rng.normal(size=20_000) ** 2 * 10.0 ** rng.integers(-12, 12, size=20_000)
    ours = read_csv(text(textrows.csv_rows([np.arange(20_000), values], ",")))
    out = pa.BufferOutputStream()
    pcsv.write_csv(
        pa.table({"i": np.arange(20_000), "v": values}),
        out,
        pcsv.WriteOptions(include_header=False, quoting_style="none"),
    )
    theirs = read_csv(out.getvalue().to_pybytes().decode())
    assert [(int(a), float(b)) for a, b in ours] == [(int(a), float(b)) for a, b in theirs]


MALLOC_DEBUG = Path("/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0")

# every array length up to 2,500 of the longest numbers orjson writes (24 characters for
# a float64): orjson 3.12.0 and 3.13.0 wrote past the end of their buffer on these, and
# the corrupted heap aborted the process later, somewhere else (pyproject caps orjson)
_LONGEST_NUMBERS = """
import numpy as np
from losscli.io import textrows
longest = [-2.2250738585072014e-308, -1.2345678901234567e-300, -9.999999999999999e307]
for n in range(1, 2500):
    for v in longest:
        textrows.csv_rows([np.full(n, v)], ",")
    textrows.jsonl_rows(["x"], [np.full(n, np.float32(-1.1754944e-38))])
    textrows.csv_rows([np.full(n, np.iinfo(np.int64).min)], ",")
print("ok")
"""


@pytest.mark.skipif(not MALLOC_DEBUG.exists(), reason="needs glibc's malloc checker")
def test_number_formatting_keeps_within_its_buffer() -> None:
    # glibc's checker aborts at the first write past a block instead of much later
    env = {**os.environ, "LD_PRELOAD": str(MALLOC_DEBUG), "MALLOC_CHECK_": "3"}
    run = subprocess.run(
        [sys.executable, "-c", _LONGEST_NUMBERS], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_without_orjson_the_same_numbers(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    # an orjson release not known to be safe is not used: the text may be spelled
    # differently (1e-05 for 1e-5) but every number reads back the same
    rng = np.random.default_rng(7)
    f64 = rng.standard_normal(500) * 10.0 ** rng.integers(-300, 300, 500)
    f64[:4] = [-2.2250738585072014e-308, 5e-324, -0.0, 1e-5]
    f32 = rng.standard_normal(500).astype(np.float32)
    ints = rng.integers(-(2**63), 2**63 - 1, 500, dtype=np.int64)
    columns = [ints, f64, f32]

    def parsed() -> list[list[float]]:
        if fmt == "csv":
            rows = read_csv(text(textrows.csv_rows(columns, ",")))
            return [[int(r[0]), float(r[1]), float(r[2])] for r in rows]
        body = text(textrows.jsonl_rows(["i", "a", "b"], columns))
        return [list(json.loads(line).values()) for line in body.splitlines()]

    with_orjson = parsed()
    monkeypatch.setattr(textrows, "_orjson_is_safe", lambda: False)
    without = parsed()
    assert without == with_orjson
    assert [r[0] for r in without] == ints.tolist()
    assert [r[1] for r in without] == f64.tolist()
    # float32 cells are the shortest text for float32 on both paths
    assert [np.float32(r[2]) for r in without] == f32.tolist()


@pytest.mark.parametrize(
    "start, n",
    [(0, 4_096), (0, 130_000), (49_999, 50_002), (99_990, 8_200), (123_456_789, 170_001),
     (10**15, 60_000)],
)  # fmt: skip
def test_row_number_runs_are_cut_from_tables(
    monkeypatch: pytest.MonkeyPatch, start: int, n: int
) -> None:
    # consecutive row numbers come from cached tables, not the formatter: the same text
    index = np.arange(start, start + n)
    losses = np.random.default_rng(start % 97).random(n)
    fast = [
        text(textrows.csv_rows([index, losses], ",")),
        text(textrows.csv_rows([index], "\t")),
        text(textrows.jsonl_rows(["index", "mse"], [index, losses])),
    ]
    bounds = textrows._pieces(index, n)
    pieces = [index[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    assert any(textrows._run_cells(p, ",") is not None for p in pieces)
    monkeypatch.setattr(textrows, "_RUN_MIN", n + 1)  # every piece formatted
    slow = [
        text(textrows.csv_rows([index, losses], ",")),
        text(textrows.csv_rows([index], "\t")),
        text(textrows.jsonl_rows(["index", "mse"], [index, losses])),
    ]
    assert fast == slow
    assert fast[1].splitlines() == [str(i) for i in index.tolist()]


def test_row_numbers_with_gaps_are_formatted() -> None:
    # rows dropped by --nan-policy omit leave gaps: not a run, each number formatted
    index = np.delete(np.arange(100_000), [5, 77_777])
    assert not textrows._is_run(index) and textrows._is_run(np.arange(3, 9))
    assert not textrows._is_run(np.arange(-3, 9)) and not textrows._is_run(np.arange(9.0))
    rows = text(textrows.csv_rows([index], ",")).splitlines()
    assert rows == [str(i) for i in index.tolist()]


def test_narrow_integers_that_wrap_are_not_a_run() -> None:
    # 65535 then 0 is a step of +1 in uint16 arithmetic, not in the numbers
    index = np.arange(65_000, 70_000).astype(np.uint16)
    assert not textrows._is_run(index)
    rows = text(textrows.csv_rows([index, np.zeros(index.shape[0])], ",")).splitlines()
    assert [int(r.split(",")[0]) for r in rows] == index.tolist()
