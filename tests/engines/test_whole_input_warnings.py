"""Warnings are about the whole input (issue 14, item 9): one line per kind, the count over
all rows, the first row numbered from the start of the input, whatever --chunk-size,
--jobs or --engine (the Dask case is in test_dask.py)."""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losscli
from losscli.engines.batch import evaluate_batch
from losscli.errors import LossCliError
from losscli.report.render import render
from losscli.validate.messages import Message, Messages

# ----------------------------------------------------------------------------- the records


def test_messages_sum_counts_and_keep_the_first_row_and_its_example() -> None:
    kind, text = "k", "{count} bad row(s) (first: row {first}, value {example})"
    later = Messages([Message(kind, text, count=2, first=3, example="b")])
    m = Messages([Message(kind, text, count=1, first=5, example="a")])
    m.merge(later, offset=0)
    m.add(Message(kind, text, count=1_000, first=1, example="z"), offset=10)
    assert m.lines() == ["1,003 bad row(s) (first: row 3, value b)"]
    m.add("said once")
    m.add("said once")
    assert len(m) == 2 and m.lines()[1] == "said once"


def test_kinds_are_ordered_by_their_first_row() -> None:
    m = Messages()
    m.add(Message("late", "late at {first}", first=2), offset=10)
    m.add(Message("early", "early at {first}", first=4))
    m.add("no row")
    assert m.lines() == ["early at 4", "late at 12", "no row"]


# ----------------------------------------------------------------------------- property


def _cell(v: float) -> str:
    return "" if math.isnan(v) else repr(float(v))


@st.composite
def inputs(draw: Any) -> tuple[str, list[str], list[str]]:
    """A CSV file (as text) and its flags that raise several kinds of warning and note:
    multiclass rows not summing to 1 and omitted NaN rows; or binary raw scores that
    overflow the exponential loss, with omitted rows."""
    kind = draw(st.sampled_from(["multiclass", "binary"]))
    n = draw(st.integers(1, 30))
    lines: list[str] = []
    if kind == "multiclass":
        lines.append("target,a,b,c")
        for _ in range(n):
            w = [draw(st.integers(1, 9)) for _ in range(3)]
            row = [x / sum(w) for x in w]
            if draw(st.booleans()):
                row = [x * 1.25 for x in row]  # does not sum to 1
            y = float("nan") if draw(st.integers(0, 5)) == 0 else float(draw(st.integers(0, 2)))
            lines.append(",".join(["" if math.isnan(y) else str(int(y)), *map(_cell, row)]))
        flags = ["--task", "multiclass", "-l", "cce", "-m", "accuracy"]
    else:
        lines.append("target,score")
        for _ in range(n):
            f = draw(st.sampled_from([-1000.0, -3.0, -1.5, 2.0, 5.0, 1000.0, float("nan")]))
            y = draw(st.integers(0, 1))
            lines.append(f"{y},{_cell(f)}")
        flags = ["--task", "binary", "-l", "exponential", "-l", "hinge", "-m", "accuracy"]
    return "\n".join(lines) + "\n", flags, ["--nan-policy", "omit"]


def _json_report(path: Path, flags: list[str], chunk: int | None) -> str:
    opts: dict[str, Any] = {"nan_policy": "omit", "chunk_rows": chunk}
    i = 0
    while i < len(flags):
        flag, value = flags[i], flags[i + 1]
        if flag == "--task":
            opts["task"] = value
        elif flag == "-l":
            opts.setdefault("losses", []).append(value)
        elif flag == "-m":
            opts.setdefault("metrics", []).append(value)
        i += 2
    try:
        return render(losscli.evaluate(str(path), **opts), "json")
    except LossCliError as exc:
        return f"error {type(exc).__name__}: {exc}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs())
def test_the_whole_json_report_does_not_depend_on_the_chunking(
    case: tuple[str, list[str], list[str]],
) -> None:
    text, flags, _ = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "input.csv"
        path.write_text(text)
        n = text.count("\n") - 1
        reports = {c: _json_report(path, flags, c) for c in (1, 2, 7, n)}
    want = reports[n]
    for c, got in reports.items():
        if want.startswith("error"):
            assert got == want, f"--chunk-size {c}"
        else:
            same_json(json.loads(got), json.loads(want), f"--chunk-size {c}")


def same_json(got: Any, want: Any, where: str) -> None:
    """Equal documents: every string (the warnings), count and key identical; sums of
    floating-point numbers to 1e-12 relative (a chunk's sum is rounded on its own)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for k in want:
            same_json(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            same_json(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert isinstance(got, float), (where, got, want)
        assert (math.isnan(got) and math.isnan(want)) or math.isclose(
            got, want, rel_tol=1e-12, abs_tol=1e-300
        ), (where, got, want)
    else:
        assert got == want, (where, got, want)


# ----------------------------------------------------------------------------- CLI

ROWS = 100
OFF = [11, 12, 40, 41, 42, 77, 99]  # 0-based rows whose probabilities do not sum to 1
BIG = [23, 64, 65]  # 0-based rows whose margin overflows the exponential loss


def _multiclass(path: Path) -> Path:
    rng = np.random.default_rng(5)
    p = rng.dirichlet([1.0, 1.0, 1.0], ROWS)
    p[OFF] = np.minimum(p[OFF] * 1.2, 1.0)
    y = rng.integers(0, 3, ROWS)
    with open(path, "w") as fh:
        fh.write("target,a,b,c\n")
        for yi, row in zip(y, p, strict=True):
            fh.write(",".join([str(yi), *(repr(float(x)) for x in row)]) + "\n")
    return path


def _warning_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


@pytest.mark.parametrize("chunk", ["1", "7", "30", "1000"])
def test_cli_one_line_per_kind_whatever_the_chunk_size(
    run_script: Callable[..., Any], tmp_path: Path, chunk: str
) -> None:
    f = _multiclass(tmp_path / "mc.csv")
    r = run_script("eval", f, "-f", "json", "--chunk-size", chunk)
    assert r.code == 0, r.err
    warnings = json.loads(r.out)["warnings"]
    sums = [w for w in warnings if "do not sum to 1" in w]
    assert len(sums) == 1, warnings
    assert re.fullmatch(
        rf"{re.escape(str(f))}: {len(OFF)} probability row\(s\) do not sum to 1 "
        rf"\(first: row {OFF[0] + 1}, sum 1\.2\d*\); computed as given .*",
        sums[0],
    ), sums[0]
    assert len([w for w in _warning_lines(r.err) if "do not sum to 1" in w]) == 1


def test_cli_overflow_counted_over_the_input_and_strict_names_the_first_row(
    run_script: Callable[..., Any], tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    f = rng.choice([-3.0, 2.0, 4.0], ROWS)
    f[BIG] = -1000.0
    path = tmp_path / "scores.csv"
    path.write_text("target,score\n" + "".join(f"1,{float(v)!r}\n" for v in f))
    out = tmp_path / "out.json"
    flags = ["--task", "binary", "-l", "exponential", "-f", "json"]
    for chunk in ("1", "10", "1000"):
        r = run_script("eval", path, *flags, "--chunk-size", chunk, "-o", out)
        assert r.code == 0, r.err
        lines = [w for w in json.loads(out.read_text())["warnings"] if "overflowed" in w]
        assert lines == [f"exponential: {len(BIG)} sample(s) overflowed to inf (first: row 24)"]
    out.unlink()
    r = run_script("eval", path, *flags, "--chunk-size", "10", "--strict", "-o", out)
    assert r.code == 3
    assert r.err.startswith("error:") and "first: row 24" in r.err and "--strict" in r.err
    assert not out.exists()


@pytest.mark.parametrize("chunk", ["1", "8", "1000"])
def test_cli_strict_names_the_first_bad_row_of_the_input(
    run_script: Callable[..., Any], tmp_path: Path, chunk: str
) -> None:
    f = _multiclass(tmp_path / "mc.csv")
    out = tmp_path / "out.json"
    r = run_script("eval", f, "--strict", "--chunk-size", chunk, "-o", out)
    assert r.code == 3
    assert re.search(rf"mc\.csv, row {OFF[0] + 1}: probability row does not sum to 1", r.err)
    assert not out.exists()


# ----------------------------------------------------------------------------- batch


def test_batch_jobs_give_the_same_warnings(tmp_path: Path) -> None:
    files = [_multiclass(tmp_path / f"mc{i}.csv") for i in range(3)]
    one = evaluate_batch([str(f) for f in files], jobs=1, chunk_rows=9).to_dict()
    two = evaluate_batch([str(f) for f in files], jobs=2, chunk_rows=9).to_dict()
    assert one == two
    for f, entry in zip(files, one["files"], strict=True):
        sums = [w for w in entry["warnings"] if "do not sum to 1" in w]
        assert len(sums) == 1 and sums[0].startswith(f"{f}: {len(OFF)} probability row(s)")


def test_cli_batch_jobs_give_the_same_output(
    run_script: Callable[..., Any], tmp_path: Path
) -> None:
    files = [_multiclass(tmp_path / f"mc{i}.csv") for i in range(3)]
    outs = []
    for jobs in ("1", "2"):
        r = run_script("batch", *files, "-f", "json", "--jobs", jobs)
        assert r.code == 0, r.err
        outs.append(json.loads(r.out))
    assert outs[0] == outs[1]
    overall = [w for w in outs[0]["overall"]["warnings"] if "do not sum to 1" in w]
    assert len(overall) == len(files)


def test_batch_overall_names_each_file_once(tmp_path: Path) -> None:
    files = [_multiclass(tmp_path / f"mc{i}.csv") for i in range(2)]
    overall = evaluate_batch([str(f) for f in files]).to_dict()["overall"]["warnings"]
    sums = [w for w in overall if "do not sum to 1" in w]
    assert [w.split(": ")[0] for w in sums] == [str(f) for f in files]
    assert all(w.count(str(f)) == 1 for w, f in zip(sums, files, strict=True))


def test_where_goes_with_the_first_row() -> None:
    m = Messages()
    text = "{where}: {count} (first: row {first})"
    m.add(Message("k", text, first=5, where="b.csv"), offset=10)
    m.add(Message("k", text, first=2, where="a.csv"))
    assert m.lines() == ["a.csv: 2 (first: row 2)"]
