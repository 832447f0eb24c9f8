"""Every error path of the contract, through the command line.

For each failing ``eval`` run: the exit code (2 usage, 3 input), a short message
on stderr beginning with ``error:`` that names the file where it applies, no
Python traceback, and nothing written at the ``-o`` / ``--per-sample`` paths (a
report file that already existed is left byte-identical, no temporary files).

Each case runs in this process (conftest's ``cli``); a few of them, each kind of failure
(a usage error of losscli, one of click's parser, a missing file, a bad cell, a corrupt
file), also run through the real program in a child process (``run``).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, Result

B = str(SAMPLES / "binary.csv")
R = str(SAMPLES / "regression.csv")
OLD_REPORT = b"a report from an earlier run\n"


def _weights_file(n: int, bad_row: int | None) -> str:
    w = ["1.5"] * n
    if bad_row is not None:
        w[bad_row] = "-0.5"
    return "weight\n" + "\n".join(w) + "\n"


TEXT_FILES = {
    "short_targets.csv": "label\n1\n0\n1\n",
    "short_preds.csv": "prob\n0.2\n0.4\n",
    "nan.csv": "label,prob\n1,0.2\n0,nan\n1,0.7\n",
    "blank.csv": "label,prob\n1,0.2\n0,\n1,0.7\n",
    "nan_target.csv": "label,prob\n1,0.2\nnan,0.3\n1,0.7\n",
    "over.csv": "label,prob\n1,0.2\n0,1.5\n1,0.7\n",
    "neg_mc.csv": "label,a,b,c\n0,0.2,0.3,0.5\n2,-0.1,0.3,0.8\n",
    "label3.csv": "label,a,b,c\n0,0.2,0.3,0.5\n3,0.1,0.1,0.8\n1,0.3,0.4,0.3\n",
    "label2.csv": "label,prob\n1,0.2\n2,0.5\n0,0.4\n",
    "negw.csv": "label,prob,w\n1,0.2,1\n0,0.4,-1\n1,0.7,1\n",
    "negw_file.csv": _weights_file(200, bad_row=17),
    "w2.csv": "weight\n1\n2\n",
    "ids_t.csv": "id,label\na,1\nb,0\nc,1\n",
    "ids_p.csv": "id,prob\na,0.2\nb,0.4\nd,0.5\n",
    "ids_p_extra.csv": "id,prob\na,0.2\nb,0.4\nc,0.5\nd,0.5\n",
    "ids_dup.csv": "id,prob\na,0.2\nb,0.4\na,0.5\n",
    "rowsum.csv": "label,a,b,c\n0,0.2,0.3,0.4\n2,0.1,0.1,0.8\n",
    "header_only.csv": "label,prob\n",
    "empty.csv": "",
    "ragged.csv": "label,prob\n1,0.2\n0,0.3,0.4\n",
    "text_pred.csv": "label,prob\n1,0.2\n0,abc\n1,0.7\n",
    "data.txt": "label,prob\n1,0.2\n",
    "bad.parquet": "this is not parquet\n",
    "bad_base.json": "{ not json",
    "not_a_report.json": '{"hello": 1}',
}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """All the broken inputs, in tmp_path (the child's working directory)."""
    for name, text in TEXT_FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip at all\n")
    (tmp_path / "trunc.csv.gz").write_bytes(gzip.compress(b"label,prob\n1,0.2\n" * 50)[:40])
    np.save(tmp_path / "pickled.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(tmp_path / "three_d.npy", np.zeros((2, 2, 2)))
    (tmp_path / "emptydir").mkdir()
    return tmp_path


def assert_error(r: Result, code: int, *patterns: str) -> str:
    """Exit ``code``, no traceback, stderr begins with ``error:``; returns the message."""
    assert r.code == code, f"exit {r.code}, expected {code}\nstdout:\n{r.out}\nstderr:\n{r.err}"
    assert "Traceback" not in r.err, r.err
    lines = r.err.splitlines()
    # click's parser errors may be preceded by a one-line usage reminder.
    if lines and lines[0].startswith("Usage:"):
        lines = lines[1:]
    assert lines and lines[0].startswith("error:"), f"stderr must begin with 'error:':\n{r.err}"
    message = "\n".join(lines)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in the message:\n{r.err}"
    return message


EVAL_ERRORS = [
    # ----------------------------------------------------------------- usage errors (2)
    pytest.param([B, "-l", "no_such_loss"], 2, ["no_such_loss"], id="unknown-loss"),
    pytest.param([B, "-m", "no_such_metric"], 2, ["no_such_metric"], id="unknown-metric"),
    pytest.param([B, "--param", "foo=1"], 2, ["foo"], id="unknown-param"),
    pytest.param([R, "--param", "eps=0.1"], 2, ["eps"], id="param-no-selected-loss-takes"),
    pytest.param([B, "--param", "eps=abc"], 2, ["eps"], id="param-not-a-number"),
    pytest.param([B, "--param", "eps=2"], 2, ["eps"], id="param-out-of-range"),
    pytest.param([B, "--param", "from_logits=maybe"], 2, ["from_logits"], id="param-not-bool"),
    pytest.param([B, "--param", "eps"], 2, ["eps"], id="param-without-value"),
    pytest.param([B, "--no-such-option"], 2, ["--no-such-option"], id="unknown-option"),
    pytest.param([B, "--loss"], 2, ["--loss"], id="option-missing-value"),
    pytest.param([B, "--tolerance", "abc"], 2, ["tolerance"], id="option-bad-number"),
    pytest.param([B, B, B], 2, [], id="three-files"),
    pytest.param([B, "-f", "xml"], 2, ["xml"], id="unknown-format"),
    pytest.param([B, "--task", "ranking"], 2, ["ranking"], id="unknown-task"),
    pytest.param([B, "-l", "mse"], 2, ["mse"], id="loss-for-another-task"),
    pytest.param([B, "-m", "rmse"], 2, ["rmse"], id="metric-for-another-task"),
    pytest.param(["-", "--input-format", "xml"], 2, ["xml"], id="unknown-input-format"),
    pytest.param(["-", "-"], 2, [], id="stdin-twice"),
    pytest.param([B, "--check", "no_such_thing>1"], 2, ["no_such_thing"], id="check-unknown"),
    pytest.param([B, "--check", "accuracy=>0.5"], 2, [], id="check-malformed"),
    pytest.param([B, "--check", "accuracy>high"], 2, [], id="check-not-a-number"),
    pytest.param(
        [B, "--weights", "no_such_column"],
        (2, 3),
        ["no_such_column"],
        id="weights-neither-file-nor-column",
    ),
    pytest.param(
        [B, "--target-col", "no_such_col"], (2, 3), ["no_such_col"], id="unknown-target-col"
    ),
    pytest.param([B, "--pred-col", "7"], (2, 3), ["7"], id="pred-col-index-out-of-range"),
    # ----------------------------------------------------------------- input errors (3)
    pytest.param(["no_such.csv"], 3, [r"no_such\.csv"], id="missing-file"),
    pytest.param(
        [B, "no_such_preds.csv"], 3, [r"no_such_preds\.csv"], id="missing-predictions-file"
    ),
    pytest.param(
        ["short_targets.csv", "short_preds.csv"],
        3,
        [r"short_(targets|preds)\.csv"],
        id="length-mismatch",
    ),
    pytest.param(
        ["nan.csv"], 3, [r"nan\.csv", r"\brow\s*[23]\b", r"\bprob\b"], id="nan-prediction"
    ),
    pytest.param(["blank.csv"], 3, [r"blank\.csv", r"\brow\s*[23]\b"], id="empty-cell"),
    pytest.param(["nan_target.csv"], 3, [r"nan_target\.csv", r"\brow\s*[23]\b"], id="nan-target"),
    pytest.param(
        ["over.csv"], 3, [r"over\.csv", r"\brow\s*[23]\b", r"\bprob\b"], id="probability-above-1"
    ),
    pytest.param(
        ["neg_mc.csv"], 3, [r"neg_mc\.csv", r"\brow\s*[23]\b"], id="probability-below-0-multiclass"
    ),
    pytest.param(
        ["label3.csv", "--task", "multiclass"],
        3,
        [r"label3\.csv", r"\brow\s*[23]\b", r"\blabel\b"],
        id="class-label-out-of-range",
    ),
    pytest.param(["label3.csv"], 3, [r"label3\.csv"], id="class-label-out-of-range-auto"),
    pytest.param(
        ["label2.csv", "--task", "binary"],
        3,
        [r"label2\.csv", r"\brow\s*[23]\b"],
        id="binary-label-not-0-1",
    ),
    pytest.param(["negw.csv", "--weights", "w"], 3, [r"negw\.csv"], id="negative-weight-column"),
    pytest.param(
        [B, "--weights", "negw_file.csv"],
        3,
        [r"negw_file\.csv", r"\brow\s*1[89]\b"],
        id="negative-weight-file",
    ),
    pytest.param([B, "--weights", "w2.csv"], 3, [r"w2\.csv"], id="weights-length-mismatch"),
    pytest.param(
        ["ids_t.csv", "ids_p.csv", "--id-col", "id"],
        3,
        [r"ids_(t|p)\.csv"],
        id="id-without-prediction",
    ),
    pytest.param(
        ["ids_t.csv", "ids_p_extra.csv", "--id-col", "id"],
        3,
        [r"ids_(t|p_extra)\.csv"],
        id="id-without-target",
    ),
    pytest.param(
        ["ids_t.csv", "ids_dup.csv", "--id-col", "id"], 3, [r"ids_dup\.csv"], id="duplicate-id"
    ),
    pytest.param(["rowsum.csv", "--strict"], 3, [r"rowsum\.csv"], id="strict-row-sums"),
    pytest.param(["header_only.csv"], 3, [r"header_only\.csv"], id="no-samples"),
    pytest.param(["empty.csv"], 3, [r"empty\.csv"], id="empty-file"),
    pytest.param(["ragged.csv"], 3, [r"ragged\.csv"], id="ragged-rows"),
    pytest.param(
        ["text_pred.csv", "--pred-col", "prob"],
        3,
        [r"text_pred\.csv", r"\brow\s*[23]\b"],
        id="non-numeric-pred-col",
    ),
    pytest.param(["text_pred.csv"], 3, [r"text_pred\.csv"], id="non-numeric-prediction"),
    pytest.param(["data.txt"], 3, [r"data\.txt"], id="unknown-extension"),
    pytest.param(["bad.parquet"], 3, [r"bad\.parquet"], id="corrupt-parquet"),
    pytest.param(["pickled.npy"], 3, [r"pickled\.npy"], id="pickled-npy-refused"),
    pytest.param(["three_d.npy"], 3, [r"three_d\.npy"], id="npy-3d"),
    pytest.param(["bad.csv.gz"], 3, [r"bad\.csv\.gz"], id="not-gzip"),
    pytest.param(["trunc.csv.gz"], 3, [r"trunc\.csv\.gz"], id="truncated-gzip"),
    pytest.param(["nomatch_*.csv"], 3, [r"nomatch_\*\.csv"], id="glob-no-match"),
    pytest.param(["emptydir"], 3, ["emptydir"], id="empty-directory"),
    pytest.param([B, "--baseline", "no_base.json"], 3, [r"no_base\.json"], id="baseline-missing"),
    pytest.param(
        [B, "--baseline", "bad_base.json"], 3, [r"bad_base\.json"], id="baseline-not-json"
    ),
    pytest.param(
        [B, "--baseline", "not_a_report.json"],
        3,
        [r"not_a_report\.json"],
        id="baseline-not-a-report",
    ),
]


def check_eval_error(
    run: Callable[..., Result],
    inputs: Path,
    args: list[str],
    code: int | tuple[int, ...],
    patterns: list[str],
) -> None:
    report = inputs / "report.json"
    report.write_bytes(OLD_REPORT)
    os.chmod(report, 0o644)
    before = sorted(os.listdir(inputs))
    # The output options go first, so that an option missing its value at the end stays so.
    r = run("eval", "-o", "report.json", "--per-sample", "per_sample.csv", *args)
    codes = code if isinstance(code, tuple) else (code,)
    assert r.code in codes, f"exit {r.code}, expected {code}\nstderr:\n{r.err}"
    assert_error(r, r.code, *patterns)
    assert r.out == "", "nothing on stdout when the run fails"
    assert report.read_bytes() == OLD_REPORT, "the existing -o file was changed"
    assert not (inputs / "per_sample.csv").exists(), "a --per-sample file was written"
    assert sorted(os.listdir(inputs)) == before, "files were created (temporary files?)"


@pytest.mark.parametrize("args,code,patterns", EVAL_ERRORS)
def test_eval_error(
    cli: Callable[..., Result],
    inputs: Path,
    args: list[str],
    code: int | tuple[int, ...],
    patterns: list[str],
) -> None:
    check_eval_error(cli, inputs, args, code, patterns)


REAL_PROCESS = (
    "unknown-loss",
    "unknown-option",
    "missing-file",
    "nan-prediction",
    "corrupt-parquet",
)


@pytest.mark.parametrize("args,code,patterns", [p for p in EVAL_ERRORS if p.id in REAL_PROCESS])
def test_eval_error_real_process(
    run: Callable[..., Result],
    inputs: Path,
    args: list[str],
    code: int | tuple[int, ...],
    patterns: list[str],
) -> None:
    """The same cases through ``python -m losscli``: the real process exits with the code,
    prints the one line and leaves the outputs alone."""
    check_eval_error(run, inputs, args, code, patterns)


def test_missing_id_is_named_plainly(cli: Callable[..., Result], inputs: Path) -> None:
    r = cli("eval", "ids_t.csv", "ids_p.csv", "--id-col", "id")
    message = assert_error(r, 3)
    assert "'c'" in message or '"c"' in message, message
    assert "np.str_" not in message and "numpy" not in message, message


def test_strict_control_without_strict_is_a_warning(
    cli: Callable[..., Result], inputs: Path
) -> None:
    r = cli("eval", "rowsum.csv", "-f", "value")
    assert r.code == 0, r.err
    assert "warning" in r.err.lower()
    float(r.out)


# ---------------------------------------------------------------- output-path failures


def test_bad_per_sample_extension_writes_nothing(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(OLD_REPORT)
    r = cli("eval", B, "-o", report, "--per-sample", "per_sample.xyz")
    assert_error(r, 2, r"\.xyz")
    assert report.read_bytes() == OLD_REPORT
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_unwritable_output_writes_no_per_sample_file(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    r = cli(
        "eval", B, "-o", tmp_path / "no_such_dir" / "report.json", "--per-sample", "per_sample.csv"
    )
    assert_error(r, 3, r"report\.json")
    assert r.out == ""
    assert os.listdir(tmp_path) == []


def test_unwritable_per_sample_leaves_report_alone(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(OLD_REPORT)
    r = cli("eval", B, "-o", report, "--per-sample", tmp_path / "no_such_dir" / "ps.csv")
    assert_error(r, 3, r"ps\.csv")
    assert report.read_bytes() == OLD_REPORT
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


# ---------------------------------------------------------------- other commands


@pytest.mark.parametrize(
    "args,code",
    [
        (["frobnicate"], 2),
        (["eval"], 2),
        (["explain"], 2),
        (["explain", "no_such_loss"], 2),
        (["list", "--format", "xml"], 2),
        (["list", "--no-such-option"], 2),
        (["--no-such-option"], 2),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_command_errors(cli: Callable[..., Result], args: list[str], code: int) -> None:
    r = cli(*args)
    assert_error(r, code)
    assert r.out == ""


def test_unknown_option_console_script(run_any: Callable[..., Result]) -> None:
    r = run_any("eval", B, "--no-such-option")
    assert_error(r, 2, "--no-such-option")


def test_debug_shows_traceback(cli: Callable[..., Result]) -> None:
    r = cli("eval", "no_such.csv", env={"LOSSCLI_DEBUG": "1"})
    assert r.code == 3
    assert "Traceback" in r.err
    assert re.search(r"^error: .*no_such\.csv", r.err, re.M), r.err


def test_no_traceback_without_debug(cli: Callable[..., Result]) -> None:
    r = cli("eval", "no_such.csv", env={"LOSSCLI_DEBUG": "0"})
    assert_error(r, 3, r"no_such\.csv")
