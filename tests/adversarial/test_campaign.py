"""A seeded campaign of random command lines over random small files, valid and mutated,
with the promise as the assertion (tests/adversarial/adversarial_promise.py).

Every run that reports figures (exit 0, or 1 for a failed gate) on data the generator
wrote unharmed has them cross-checked: the losses and metrics of its JSON (or the number
of ``-f value``) equal numpy's and scikit-learn's from the arrays written, to 1e-9
relative (tests/adversarial/reference.py; the reading a note states is the one checked).
A report in another format is checked through the same command as JSON, and the figures a
CSV/TSV report shows must equal the JSON's digit for digit (markdown's, as rounded).

The suite runs a short campaign (40 command lines, under a minute); a long one is one
command::

    LOSSCLI_ADVERSARIAL_RUNS=large LOSSCLI_ADVERSARIAL_SECONDS=1800 \
        python -m pytest -q -n auto tests/adversarial/test_campaign.py

Every fourth run (``LOSSCLI_ADVERSARIAL_REAL``: every Nth, 1 for all) goes through the real
program in a child process (``python -m losscli``: its exit code, its ending, nothing left
at exit); the others, and the JSON runs of a cross-check, call the CLI's main in this
process (conftest's ``in_process``), 50 times faster, the same code from the parsing of
the command line to the last byte written.

``LOSSCLI_ADVERSARIAL_RUNS`` is ``small`` (40), ``large`` (100,000) or a number;
``LOSSCLI_ADVERSARIAL_SECONDS`` ends the run on time (the runs left are skipped);
``LOSSCLI_ADVERSARIAL_SEED=N`` starts from another seed; ``LOSSCLI_ADVERSARIAL_LOG=FILE``
appends one JSON line a run (exit code, what was cross-checked).  Every run is a test of
its own, named by its number, so a failure names the run, and the test prints the
command line and the files to reproduce it.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from adversarial_promise import SENTINEL, assert_promise, run_cmd, run_here
from conftest import Result
from reference import Written, check_report, close, reading

_SIZES = {"small": 40, "large": 100_000}
_RUNS = os.environ.get("LOSSCLI_ADVERSARIAL_RUNS", "small")
RUNS = _SIZES[_RUNS] if _RUNS in _SIZES else int(_RUNS)
SEED = int(os.environ.get("LOSSCLI_ADVERSARIAL_SEED", "15"))
_SECONDS = os.environ.get("LOSSCLI_ADVERSARIAL_SECONDS")
# the runs left when the time is up are skipped: a long run ends on time, with its summary
DEADLINE = time.monotonic() + float(_SECONDS) if _SECONDS else None
# seconds per run: longer is a hang (a run takes about 1 s of CPU; a loaded machine with
# 5 loads a core stretches that to 5 s, and 30 s was seen: the bound is generous)
TIMEOUT = float(os.environ.get("LOSSCLI_ADVERSARIAL_TIMEOUT", "120"))
REAL = int(os.environ.get("LOSSCLI_ADVERSARIAL_REAL", "4"))


# -- files ------------------------------------------------------------------------------


def _values(rng: random.Random, task: str, n: int) -> tuple[list[object], list[object]]:
    if task == "binary":
        y = [rng.choice([0, 1]) for _ in range(n)]
        p = [round(rng.random(), 4) for _ in range(n)]
    elif task == "labels":
        y = [rng.choice([0, 1]) for _ in range(n)]
        p = [rng.choice([0, 1]) for _ in range(n)]
    elif task == "margin":
        y = [rng.choice([-1, 1]) for _ in range(n)]
        p = [round(rng.uniform(-3, 3), 3) for _ in range(n)]
    else:
        y = [round(rng.gauss(0, 10), 3) for _ in range(n)]
        p = [round(v + rng.gauss(0, 1), 3) for v in y]
    return y, p


def _write(rng: random.Random, path: Path, fmt: str, cols: dict[str, list[object]]) -> None:
    names = list(cols)
    n = len(cols[names[0]])
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(names)] + [sep.join(str(cols[c][i]) for c in names) for i in range(n)]
        path.write_text("\n".join(lines) + "\n")
    elif fmt == "jsonl":
        rows = (json.dumps({c: cols[c][i] for c in names}) + "\n" for i in range(n))
        path.write_text("".join(rows))
    elif fmt == "npy":
        np.save(path, np.column_stack([np.asarray(cols[c], float) for c in names]))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({c: cols[c] for c in names}), path)
    else:  # csv.gz
        import gzip

        text = ",".join(names) + "\n"
        text += "".join(",".join(str(cols[c][i]) for c in names) + "\n" for i in range(n))
        path.write_bytes(gzip.compress(text.encode()))


_CELLS = ["", "nan", "inf", "-inf", "abc", "1e400", "-0", "0x10", "1,5", '"', "None", "é", "\x00"]


def _mutate(rng: random.Random, path: Path) -> str:
    """Damage a file in one of a few ways; returns what was done."""
    data = bytearray(path.read_bytes())
    how = rng.choice(["truncate", "flip", "cell", "insert", "empty", "header", "bom", "latin1"])
    if how == "truncate" and data:
        del data[rng.randrange(len(data)) :]
    elif how == "flip" and data:
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    elif how == "cell" and path.suffix in (".csv", ".tsv"):
        lines = data.decode("utf-8", "replace").split("\n")
        i = rng.randrange(1, max(2, len(lines) - 1))
        sep = "," if path.suffix == ".csv" else "\t"
        cells = lines[i].split(sep) if i < len(lines) else [""]
        cells[rng.randrange(len(cells))] = rng.choice(_CELLS)
        if i < len(lines):
            lines[i] = sep.join(cells)
        data = bytearray("\n".join(lines).encode())
    elif how == "insert":
        i = rng.randrange(len(data) + 1)
        data[i:i] = rng.choice([b"\n", b",", b"\xff\xfe", b"1,2,3\n", b'"', b"\r"])
    elif how == "empty":
        data = bytearray()
    elif how == "header":
        data = bytearray(b"\n".join(data.split(b"\n")[1:]))
    elif how == "bom":
        data[0:0] = b"\xef\xbb\xbf"
    else:
        text = data.decode("utf-8", "replace").replace("0", "\xe9")
        data = bytearray(text.encode("latin-1", "replace"))
    path.write_bytes(bytes(data))
    return how


# -- command lines ----------------------------------------------------------------------

_LOSSES = ["mse", "mae", "log_loss", "hinge", "zero_one", "huber", "focal", "nope", "mse,mae"]
_METRICS = ["accuracy", "roc_auc", "r2", "f1", "rmse", "nope"]
_TASKS = ["auto", "binary", "regression", "multiclass", "multilabel", "bogus"]


def _flags(rng: random.Random, tmp: Path, outputs: list[Path]) -> list[str]:
    args: list[str] = []
    pick = rng.random
    if pick() < 0.3:
        args += ["-l", rng.choice(_LOSSES)]
    if pick() < 0.3:
        args += ["-m", rng.choice(_METRICS)]
    if pick() < 0.25:
        args += ["--task", rng.choice(_TASKS)]
    if pick() < 0.2:
        args += ["--nan-policy", rng.choice(["error", "omit", "propagate", "skip"])]
    if pick() < 0.25:
        args += ["--chunk-size", rng.choice(["1", "2", "3", "1000", "0", "-1", "x"])]
    if pick() < 0.3:
        args += ["-f", rng.choice(["table", "json", "csv", "tsv", "markdown", "value", "xml"])]
    if pick() < 0.15:
        args += ["--check", rng.choice(["mse<=1", "accuracy>=0.5", "nope<1", "mse<<1", "r2>x"])]
    if pick() < 0.15:
        args += ["--param", rng.choice(["delta=2", "gamma=x", "eps=1e-9", "=", "q=0.5"])]
    if pick() < 0.15:
        args += ["--pred-col", rng.choice(["p", "y", "nope", "1"])]
    if pick() < 0.1:
        args += ["--target-col", rng.choice(["y", "p", "nope"])]
    if pick() < 0.1:
        args += ["--id-col", rng.choice(["id", "y", "nope"])]
    if pick() < 0.1:
        args.append("--allow-missing")
    if pick() < 0.1:
        args.append("--strict")
    if pick() < 0.1:
        args.append("--from-logits")
    if pick() < 0.1:
        args.append("--no-header")
    if pick() < 0.15:
        b = tmp / "base.json"
        b.write_text(
            rng.choice(
                [
                    '{"losses": {"mse": {"mean": 0.1}}, "metrics": {"r2": 0.9}}',
                    '{"metrics": "x"}',
                    "[" * 3000,
                    '{"losses": {"log_loss": {"mean": 0.5}}}',
                    "not json",
                ]
            )
        )
        args += ["--baseline", "base.json"]
    if pick() < 0.3:
        out = tmp / rng.choice(["out.txt", "out.json"])
        args += ["-o", out.name]
        outputs.append(out)
    if pick() < 0.25:
        ps = tmp / ("ps" + rng.choice([".csv", ".jsonl", ".parquet", ".npy", ".txt"]))
        args += ["--per-sample", ps.name]
        outputs.append(ps)
    if pick() < 0.1:
        args += ["--junit", "j.xml"]
        outputs.append(tmp / "j.xml")
    return args


# what applies to each kind of data the generator writes: a clean run asks only these
_CLEAN = {
    "binary": (
        ["log_loss", "focal", "zero_one"],
        [
            "accuracy",
            "roc_auc",
            "f1",
            "precision",
            "recall",
            "balanced_accuracy",
            "mcc",
            "average_precision",
            "brier",
        ],
    ),
    "labels": (
        ["zero_one", "log_loss"],
        ["accuracy", "f1", "precision", "recall", "mcc", "roc_auc"],
    ),
    "margin": (
        ["hinge", "squared_hinge", "logistic", "exponential", "perceptron", "zero_one"],
        ["accuracy", "roc_auc", "f1", "balanced_accuracy", "average_precision"],
    ),
    "regression": (
        ["mse", "mae", "huber", "log_cosh", "pinball"],
        ["rmse", "mae", "r2", "explained_variance", "max_error", "median_absolute_error"],
    ),
}
# parameters, by the loss that takes them
_PARAMS = {
    "log_loss": ["eps=1e-9"],
    "focal": ["gamma=1", "alpha=0.25", "eps=1e-6"],
    "huber": ["delta=0.5", "delta=3"],
    "pinball": ["alpha=0.9", "alpha=0.1"],
}


def _clean_flags(rng: random.Random, task: str, tmp: Path, outputs: list[Path]) -> list[str]:
    """Flags that suit the data: a run that should succeed, its figures to check."""
    losses, metrics = _CLEAN[task]
    args: list[str] = []
    if task == "margin" and rng.random() < 0.3:  # the scores as logits
        args.append("--from-logits")
        losses = ["log_loss", "focal"]
    # margin scores need a loss that takes scores (the default loss takes probabilities)
    chosen = rng.sample(losses, rng.randint(1 if task == "margin" else 0, 2))
    for name in chosen:
        args += ["-l", name]
    for name in rng.sample(metrics, rng.randint(0, 3)):
        args += ["-m", name]
    params = [prm for name in chosen for prm in _PARAMS.get(name, [])]
    if params and rng.random() < 0.4:
        args += ["--param", rng.choice(params)]
    if rng.random() < 0.3:
        args += ["--chunk-size", rng.choice(["1", "2", "3", "7"])]
    if rng.random() < 0.2:
        args += ["--nan-policy", "omit"]
    if rng.random() < 0.3:
        out = tmp / "out.json"
        args += ["-o", out.name]
        outputs.append(out)
    if rng.random() < 0.2:
        ps = tmp / ("ps" + rng.choice([".csv", ".jsonl", ".parquet", ".npy"]))
        args += ["--per-sample", ps.name]
        outputs.append(ps)
    return [*args, "-f", "json"] if rng.random() < 0.9 else args


def _scenario(rng: random.Random, tmp: Path) -> tuple[list[str], list[Path], str, Written]:
    task = rng.choice(["binary", "labels", "margin", "regression"])
    n = rng.choice([1, 2, 3, 5, 20, 200])
    y, p = _values(rng, task, n)
    fmt = rng.choice(["csv", "csv", "tsv", "jsonl", "npy", "parquet", "csv.gz"])
    notes = [f"task={task} n={n} fmt={fmt}"]
    files: list[str] = []
    data = Written([float(v) for v in y], [float(v) for v in p], fmt=fmt)  # type: ignore[arg-type]
    if rng.random() < 0.5:  # one file holding both
        cols: dict[str, list[object]] = {"y": y, "p": p}
        if rng.random() < 0.2:
            cols = {"id": list(range(n)), **cols}
            data.has_id = True
        name = f"data.{fmt}"
        _write(rng, tmp / name, fmt, cols)
        files.append(name)
    else:
        _write(rng, tmp / f"t.{fmt}", fmt, {"y": y})
        _write(rng, tmp / f"p.{fmt}", fmt, {"p": p})
        files += [f"t.{fmt}", f"p.{fmt}"]
        data.one_file = False
    if rng.random() < 0.45:
        victim = tmp / rng.choice(files)
        notes.append(f"mutated {victim.name}: {_mutate(rng, victim)}")
        data.exact = False
        data.why_not.append(notes[-1])
    outputs: list[Path] = []
    clean = data.exact and rng.random() < 0.5
    if clean:
        notes.append("clean")
        flags = _clean_flags(rng, task, tmp, outputs)
    else:
        flags = _flags(rng, tmp, outputs)
        if data.exact and "-f" not in flags and rng.random() < 0.6:
            flags += ["-f", "json"]  # most exact runs say their figures in full
    if rng.random() < (0.25 if clean else 0.1):  # weights, maybe broken
        choices: list[object] = [1, 2, 0.5, 0, 3, 1e-3] if clean else [1, 2, 0.5, 0, -1, "x", 1e308]
        w = [rng.choice(choices) for _ in range(n)]
        (tmp / "w.csv").write_text("w\n" + "\n".join(map(str, w)) + "\n")
        flags += ["--weights", "w.csv"]
        if all(isinstance(v, (int, float)) for v in w):
            data.w = [float(v) for v in w]  # type: ignore[arg-type]
        else:
            data.exact = False
            data.why_not.append("weights not numbers")
    if rng.random() < 0.15 and (len(files) == 1 or not clean):
        if clean and "--chunk-size" in flags:  # an eval option
            i = flags.index("--chunk-size")
            del flags[i : i + 2]
        cmd = ["batch", *files[-1:], *flags]
        if rng.random() < 0.5:
            cmd.append("--skip-errors")
    else:
        cmd = ["eval", *files, *flags]
    for out in outputs:
        out.write_bytes(SENTINEL)
    return cmd, outputs, "; ".join(notes), data


def _reported(cmd: list[str], res: Result, tmp: Path) -> dict[str, Any] | float | None:
    """The figures the run reported: its JSON (stdout or ``-o``), one eval's part of a
    batch, or the number of ``-f value``; None when they are in another format."""
    fmt = cmd[cmd.index("-f") + 1] if "-f" in cmd else "table"
    text = (tmp / cmd[cmd.index("-o") + 1]).read_text() if "-o" in cmd else res.out
    if fmt == "value":
        return float(text)
    if fmt != "json":
        return None
    report = json.loads(text)
    if cmd[0] == "batch":
        if len(report["files"]) != 1:
            return None
        report = report["files"][0]
    return report


def _cross_check(cmd: list[str], res: Result, tmp: Path, data: Written) -> tuple[str, int]:
    """Assert the figures equal the reference's; returns what was checked (for the log)."""
    read = reading(cmd, data)
    if isinstance(read, str):
        return read, 0
    got = _reported(cmd, res, tmp)
    if got is None:
        return _other_format(cmd, res, tmp, read)
    if isinstance(got, float):  # -f value: the first loss's mean, when -l names it
        loss = cmd[cmd.index("-l") + 1] if "-l" in cmd else None
        if loss is None or any(f in cmd for f in ("--value", "--check")):
            return "value of the default loss", 0
        i = cmd.index("-f")
        as_json = [*cmd[:i], "-f", "json", *cmd[i + 2 :]]
        again = run_here(as_json, tmp)
        assert again.code == res.code, again.err
        report = _reported(as_json, again, tmp)
        assert isinstance(report, dict)
        first = next(iter(report["losses"].values()))["mean"]
        assert close(got, first), f"-f value printed {got!r}, the JSON says {first!r}"
        return "value", 1
    bad, n = check_report(cmd, got, read)
    assert not bad, "\n".join(bad)
    return ("checked" if n else f"no reference for task {got.get('task')}"), n


def _as_json(cmd: list[str]) -> list[str]:
    i = cmd.index("-f") if "-f" in cmd else len(cmd)
    return [*cmd[:i], "-f", "json", *cmd[i + 2 :]]


def _shown(cmd: list[str], text: str) -> dict[str, str] | None:
    """The figures a CSV/TSV or markdown report of one ``eval`` shows, by name (loss
    means and metrics; None for a batch, a table or markdown with intervals)."""
    fmt = cmd[cmd.index("-f") + 1] if "-f" in cmd else "table"
    if cmd[0] != "eval" or fmt not in ("csv", "tsv", "markdown"):
        return None
    shown: dict[str, str] = {}
    if fmt == "markdown":
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[0] in ("loss (mean)", "metric"):
                shown[cells[1]] = cells[2]
        return shown
    sep = "," if fmt == "csv" else "\t"
    lines = text.splitlines()
    assert lines[0].split(sep) == ["kind", "name", "statistic", "value"], lines[0]
    for line in lines[1:]:
        kind, name, stat, value = line.split(sep)
        if (kind, stat) in (("loss", "mean"), ("metric", "value")):
            shown[name] = value
    return shown


def _other_format(cmd: list[str], res: Result, tmp: Path, read: Any) -> tuple[str, int]:
    """A report in another format: the same command as JSON is cross-checked against the
    reference, and the CSV/TSV (every digit) or markdown (as rounded) figures against it."""
    text = (tmp / cmd[cmd.index("-o") + 1]).read_text() if "-o" in cmd else res.out
    shown = _shown(cmd, text)
    again = run_here(_as_json(cmd), tmp)
    assert again.code == res.code, again.err
    report = _reported(_as_json(cmd), again, tmp)
    if not isinstance(report, dict):
        return "not json", 0
    bad, n = check_report(cmd, report, read)
    assert not bad, "\n".join(bad)
    if shown is None:
        return "as json", n
    figures = {k: v["mean"] for k, v in report["losses"].items()} | report["metrics"]
    fmt = cmd[cmd.index("-f") + 1]
    for name, value in figures.items():
        if not isinstance(value, (int, float)) or name not in shown:
            continue
        got = float(shown[name].replace(",", "")) if shown[name] != "nan" else float("nan")
        if fmt == "markdown":  # six significant digits
            assert got == pytest.approx(value, rel=1e-5, abs=1e-9), (name, shown[name], value)
        else:
            assert got == value, f"{fmt} shows {name} = {shown[name]}, the JSON {value!r}"
    assert set(shown) >= {k for k, v in figures.items() if isinstance(v, (int, float))}, shown
    return f"{fmt} and json", n


def _log(entry: dict[str, object]) -> None:
    path = os.environ.get("LOSSCLI_ADVERSARIAL_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps(entry) + "\n")


@pytest.mark.parametrize("run", range(RUNS))
def test_campaign(run: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    if DEADLINE is not None and time.monotonic() > DEADLINE:
        pytest.skip("past LOSSCLI_ADVERSARIAL_SECONDS")  # before a directory is made
    tmp_path = tmp_path_factory.mktemp(f"run{run}")
    rng = random.Random(SEED * 1_000_003 + run)
    cmd, outputs, notes, data = _scenario(rng, tmp_path)
    what = f"run {run} (seed {SEED}): losscli {shlex.join(cmd)}\n{notes}\nin {tmp_path}"
    try:
        res = (
            run_cmd(cmd, tmp_path, timeout=TIMEOUT) if run % REAL == 0 else run_here(cmd, tmp_path)
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no end within {TIMEOUT} s: {what}")
    assert_promise(res, outputs, tmp_path, what)
    if res.code == 0 and "-o" in cmd:
        out = tmp_path / cmd[cmd.index("-o") + 1]
        assert out.read_bytes() != SENTINEL, what
    checked, n = "", 0
    if res.code in (0, 1):  # a failed gate still reports its figures
        try:
            checked, n = _cross_check(cmd, res, tmp_path, data)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{what}\nwritten: {data}") from None
    error = next((x for x in res.err.splitlines() if x.startswith("error:")), "")
    _log(
        {
            "run": run,
            "seed": SEED,
            "code": res.code,
            "clean": "clean" in notes,
            "checked": checked,
            "figures": n,
            "error": error[:200],
            "cmd": shlex.join(cmd),
        }
    )
