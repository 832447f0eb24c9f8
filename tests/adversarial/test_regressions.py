"""Issue 15's reproductions as fixed regression cases, one table: every case sets up its
files, runs the command and checks the promise plus what the case is about.  A case whose
stdout is a device, or that names the console script, runs the real program in a child
process; the others call the CLI's main in this process (conftest's ``in_process``), and
``test_regression_real_process`` runs a few of those through the real program too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from adversarial_promise import SENTINEL, assert_promise, command, leftovers, run_cmd, run_here
from conftest import child_env

CSV = "y,p\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n"


def _files(tmp: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())


@dataclass
class Case:
    name: str
    args: list[str]
    code: int
    files: dict[str, bytes | str] = field(default_factory=dict)
    err: str = ""  # a part of the one error: line
    keep: tuple[str, ...] = ()  # files that must be byte for byte as they were
    stdout: str | None = None  # a device to write stdout into
    script: bool = False  # the console script rather than python -m losscli


def _deep(depth: int) -> str:
    return '{"losses": ' + "[" * depth + "]" * depth + "}"


CASES = [
    # -- internal errors where a usage or input error belongs
    Case(
        "config-not-utf8-found",
        ["eval", "a.csv"],
        2,
        {"a.csv": CSV, "losscli.toml": b'task = "\xff"\n'},
        "losscli.toml' is not UTF-8",
    ),
    Case(
        "config-not-utf8-given",
        ["eval", "a.csv", "--config", "c.toml"],
        2,
        {"a.csv": CSV, "c.toml": b"\xfe\xff = 1\n"},
        "c.toml' is not UTF-8",
    ),
    Case(
        "config-nested-deeply",
        ["eval", "a.csv", "--config", "c.toml"],
        2,
        {"a.csv": CSV, "c.toml": "a = " + "[" * 5000 + "]" * 5000},
        "c.toml",
    ),
    *[
        Case(
            f"baseline-shape-{i}",
            ["eval", "a.csv", "--baseline", "b.json"],
            3,
            {"a.csv": CSV, "b.json": text},
            "b.json: not a",
        )
        for i, text in enumerate(
            [
                '{"metrics": "x"}',
                '{"losses": "abc"}',
                '{"losses": [1, 2]}',
                '{"losses": {"log_loss": [1]}}',
                '{"losses": {"log_loss": {"mean": "0.1"}}}',
                '{"metrics": {"accuracy": "0.5"}}',
                '{"metrics": {"accuracy": [0.5]}}',
                '{"losses": {}, "files": "x"}',
                '{"losses": {}, "overall": []}',
                '[{"losses": {}}]',
                '"losses"',
                "[" * 100_000 + "]" * 100_000,
                _deep(50_000),
            ]
        )
    ],
    # -- outputs that destroy what they should not: refused before reading (exit 2)
    Case(
        "o-is-input",
        ["eval", "a.csv", "-o", "a.csv"],
        2,
        {"a.csv": CSV},
        "-o a.csv is an input",
        keep=("a.csv",),
    ),
    Case(
        "per-sample-is-input",
        ["eval", "a.csv", "--per-sample", "./a.csv"],
        2,
        {"a.csv": CSV},
        "--per-sample ./a.csv is an input",
        keep=("a.csv",),
    ),
    Case(
        "junit-is-second-input",
        ["eval", "t.csv", "p.csv", "--junit", "p.csv"],
        2,
        {"t.csv": "y\n1\n0\n", "p.csv": "p\n0.9\n0.1\n"},
        "is an input",
        keep=("p.csv",),
    ),
    Case(
        "o-is-per-sample",
        ["eval", "a.csv", "-o", "x.csv", "--per-sample", "x.csv"],
        2,
        {"a.csv": CSV, "x.csv": SENTINEL},
        "both name x.csv",
        keep=("x.csv",),
    ),
    Case(
        "o-is-weights",
        ["eval", "a.csv", "--weights", "w.csv", "-o", "w.csv"],
        2,
        {"a.csv": CSV, "w.csv": "w\n1\n1\n1\n1\n"},
        "the --weights file",
        keep=("w.csv",),
    ),
    Case(
        "batch-o-in-directory",
        ["batch", "d", "-o", "d/m.csv"],
        2,
        {"d/m.csv": CSV},
        "is an input",
        keep=("d/m.csv",),
    ),
    Case(
        "batch-o-matches-glob",
        ["batch", "d/*.csv", "-o", "d/m.csv"],
        2,
        {"d/m.csv": CSV},
        "is an input",
        keep=("d/m.csv",),
    ),
    Case(
        "batch-junit-is-targets",
        ["batch", "p.csv", "--targets", "t.csv", "--junit", "t.csv"],
        2,
        {"t.csv": "y\n1\n0\n", "p.csv": "p\n0.9\n0.1\n"},
        "the --targets file",
        keep=("t.csv",),
    ),
    # -- a file name holding a newline: one error line, the name escaped
    Case("newline-in-name", ["eval", "x\ny.csv"], 3, {}, "x\\ny.csv: no such file"),
    Case("escape-in-name", ["eval", "x\x1b[31my.csv"], 3, {}, "x\\x1b[31my.csv"),
    # -- stdout that cannot take the output
    *[
        Case(
            f"stdout-full-{'-'.join(a)}{'-script' if s else ''}",
            a,
            3,
            {"a.csv": CSV},
            "cannot write to standard output",
            stdout="/dev/full",
            script=s,
        )
        for a in (
            ["list"],
            ["explain", "mse"],
            ["eval", "a.csv"],
            ["--help"],
            ["--version"],
            ["eval", "--help"],
        )
        for s in (False, True)
    ],
    Case("stdout-null-is-fine", ["eval", "a.csv"], 0, {"a.csv": CSV}, stdout="/dev/null"),
    # -- outputs that are devices
    Case(
        "o-dev-full",
        ["eval", "a.csv", "-o", "/dev/full"],
        3,
        {"a.csv": CSV},
        "/dev/full: cannot write",
    ),
    Case(
        "o-dev-null",
        ["eval", "a.csv", "-o", "/dev/null", "--junit", "/dev/null"],
        0,
        {"a.csv": CSV},
    ),
]


def check_case(case: Case, tmp_path: Path, real: bool) -> None:
    if case.stdout is not None and not os.path.exists(case.stdout):
        pytest.skip(f"no {case.stdout} here")
    _files(tmp_path, case.files)
    before = {k: (tmp_path / k).read_bytes() for k in case.keep}
    if case.stdout is not None:
        with open(case.stdout, "wb") as out:
            res = run_cmd(case.args, tmp_path, stdout=out, script=case.script)
    elif real or case.script:
        res = run_cmd(case.args, tmp_path, script=case.script)
    else:
        res = run_here(case.args, tmp_path)
    assert res.code == case.code, res.err
    assert_promise(res, where=tmp_path, what=case.name)
    if case.err:
        assert case.err in res.err, res.err
    for k, data in before.items():
        assert (tmp_path / k).read_bytes() == data


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_regression(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path, real=False)


REAL_PROCESS = ("config-not-utf8-found", "baseline-shape-11", "o-is-input", "newline-in-name")


@pytest.mark.parametrize("case", [c for c in CASES if c.name in REAL_PROCESS], ids=lambda c: c.name)
def test_regression_real_process(case: Case, tmp_path: Path) -> None:
    """A few of the in-process cases through ``python -m losscli`` as well."""
    check_case(case, tmp_path, real=True)


# -- cases that need more than a command line -------------------------------------------


@pytest.mark.parametrize("args", [["list"], ["list", "-f", "json"], ["explain", "mse"], ["--help"]])
def test_closed_pipe_ends_quietly_with_0(args: list[str], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=child_env(),
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def _late_bad_row(path: Path, rows: int) -> None:
    with open(path, "w") as fh:
        fh.write("y,p\n")
        fh.writelines(f"{i % 2},0.{i % 9 + 1}\n" for i in range(rows))
        fh.write("1,abc\n")


def test_bad_row_late_with_a_parquet_writer_open(tmp_path: Path) -> None:
    _late_bad_row(tmp_path / "late.csv", 3000)
    (tmp_path / "ps.parquet").write_bytes(SENTINEL)
    args = ["eval", "late.csv", "--chunk-size", "100", "--per-sample", "ps.parquet"]
    res = run_cmd(args, tmp_path)
    assert res.code == 3
    assert_promise(res, [tmp_path / "ps.parquet"], tmp_path)


def test_sigterm_during_a_parquet_write(tmp_path: Path) -> None:
    with open(tmp_path / "big.csv", "w") as fh:
        fh.write("y,p\n")
        fh.writelines(f"{i % 2},0.{i % 9 + 1}\n" for i in range(400_000))
    (tmp_path / "ps.parquet").write_bytes(SENTINEL)
    proc = subprocess.Popen(
        [*command(), "eval", "big.csv", "--chunk-size", "1000", "--per-sample", "ps.parquet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=child_env(),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 30
    while not leftovers(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the run ended before a signal could reach it")
    time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    if proc.returncode == 0:
        pytest.skip("the run ended before the signal")
    assert proc.returncode == 143, text
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert (tmp_path / "ps.parquet").read_bytes() == SENTINEL
    assert leftovers(tmp_path) == []


def test_symlink_output_is_written_through(tmp_path: Path) -> None:
    _files(tmp_path, {"a.csv": CSV, "real.json": SENTINEL})
    (tmp_path / "link.json").symlink_to("real.json")
    res = run_cmd(["eval", "a.csv", "-f", "json", "-o", "link.json"], tmp_path)
    assert res.code == 0, res.err
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())["task"] == "binary"
    assert leftovers(tmp_path) == []


def test_symlink_to_an_input_is_refused(tmp_path: Path) -> None:
    _files(tmp_path, {"a.csv": CSV})
    (tmp_path / "link.csv").symlink_to("a.csv")
    res = run_cmd(["eval", "a.csv", "-o", "link.csv"], tmp_path)
    assert res.code == 2 and "is an input" in res.err
    assert (tmp_path / "a.csv").read_text() == CSV


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_output_is_written_directly(tmp_path: Path) -> None:
    _files(tmp_path, {"a.csv": CSV})
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = run_cmd(["eval", "a.csv", "-f", "json", "-o", str(fifo)], tmp_path)
    reader.join(30)
    assert res.code == 0, res.err
    assert json.loads(got[0])["task"] == "binary"
    assert fifo.exists() and not fifo.is_file()  # still the FIFO
    assert leftovers(tmp_path) == []


def test_stale_temporary_files_of_ours_are_removed(tmp_path: Path) -> None:
    _files(tmp_path, {"a.csv": CSV})
    old = time.time() - 2 * 3600
    names = {
        ".losscli-abcdefgh.tmp": old,  # ours, stale: removed
        ".losscli-abcdefg_.tmp": time.time(),  # ours, young (a run may be writing it)
        ".losscli-abc.tmp": old,  # not our pattern
        ".losscli-abcdefgh.tmp.keep": old,
        "losscli-abcdefgh.tmp": old,
    }
    for n, t in names.items():
        (tmp_path / n).write_bytes(b"x")
        os.utime(tmp_path / n, (t, t))
    res = run_cmd(["eval", "a.csv", "-o", "r.txt"], tmp_path)
    assert res.code == 0, res.err
    left = set(os.listdir(tmp_path))
    assert ".losscli-abcdefgh.tmp" not in left
    assert {n for n in names if n != ".losscli-abcdefgh.tmp"} <= left


def test_batch_skip_errors_writes_the_report_listing_the_skipped(tmp_path: Path) -> None:
    # (a lone text prediction would be class names: the bad cell sits among numbers)
    _files(tmp_path, {"d/good.csv": CSV, "d/bad.csv": "y,p\n1,0.5\n0,x\n"})
    res = run_cmd(
        ["batch", "d", "--skip-errors", "-f", "json", "-o", "r.json", "--junit", "j.xml"],
        tmp_path,
    )
    assert res.code == 3
    assert_promise(res, where=tmp_path)  # one error: line, for the one bad file
    report = json.loads((tmp_path / "r.json").read_text())
    assert [s["file"] for s in report["skipped"]] == [os.path.join("d", "bad.csv")]
    assert "bad.csv" in (tmp_path / "j.xml").read_text()


def test_batch_skip_errors_with_no_file_scored_writes_nothing(tmp_path: Path) -> None:
    _files(tmp_path, {"d/bad.csv": "y,p\n1,0.5\n0,x\n", "r.json": SENTINEL})
    res = run_cmd(["batch", "d", "--skip-errors", "-f", "json", "-o", "r.json"], tmp_path)
    assert res.code == 3
    assert_promise(res, [tmp_path / "r.json"], tmp_path)


@pytest.mark.parametrize(
    "y_true", [[[None]], [None], [None, 1.0], [[None, 1]], ["a", None], [["a", "b"]]]
)
def test_api_targets_of_python_objects_are_typed_errors(y_true: object) -> None:
    import losscli
    from losscli.errors import InputError

    with pytest.raises(InputError):
        losscli.evaluate(y_true, [0.0] * (len(y_true) if isinstance(y_true, list) else 1))


def test_api_none_targets_follow_the_nan_policy() -> None:
    import losscli

    rep = losscli.evaluate([None, 1.0, 0.0], [0.5, 0.9, 0.1], nan_policy="omit")
    assert rep.n_omitted == 1


def test_api_targets_of_numbers_and_number_text_beside_one_column_are_a_typed_error() -> None:
    """Found by the fuzz (tests/io/test_fuzz.py::test_api_arrays) in a fresh clone: targets
    mixing floats and number text beside one prediction column raised a ValueError out of
    the message's search for a non-number cell; it is the input error of string labels."""
    import losscli
    from losscli.errors import InputError

    for y in ([0.0, 0.0, "1"], ["0", "0", "1"]):
        with pytest.raises(InputError, match="one prediction column per class"):
            losscli.evaluate(y, [0.0, 0.0, 0.0])
