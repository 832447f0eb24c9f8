"""A seeded campaign of random command lines over random small files, valid and mutated,
with the promise as the assertion (tests/adversarial/adversarial_promise.py).

The suite runs a short campaign (``RUNS`` command lines, under a minute); a long one is
one command::

    LOSSCLI_ADVERSARIAL_RUNS=2000 python -m pytest -q tests/adversarial/test_campaign.py

``LOSSCLI_ADVERSARIAL_SEED=N`` starts from another seed.  Every run is a test of its
own, named by its number, so a failure names the run, and the test prints the command
line and the files to reproduce it.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import subprocess
from pathlib import Path

import numpy as np
import pytest
from adversarial_promise import SENTINEL, assert_promise, run_cmd

RUNS = int(os.environ.get("LOSSCLI_ADVERSARIAL_RUNS", "40"))
SEED = int(os.environ.get("LOSSCLI_ADVERSARIAL_SEED", "15"))
TIMEOUT = 30.0  # seconds per run: longer is a hang


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


def _scenario(rng: random.Random, tmp: Path) -> tuple[list[str], list[Path], str]:
    task = rng.choice(["binary", "labels", "margin", "regression"])
    n = rng.choice([1, 2, 3, 5, 20, 200])
    y, p = _values(rng, task, n)
    fmt = rng.choice(["csv", "csv", "tsv", "jsonl", "npy", "parquet", "csv.gz"])
    notes = [f"task={task} n={n} fmt={fmt}"]
    files: list[str] = []
    if rng.random() < 0.5:  # one file holding both
        cols: dict[str, list[object]] = {"y": y, "p": p}
        if rng.random() < 0.2:
            cols = {"id": list(range(n)), **cols}
        name = f"data.{fmt}"
        _write(rng, tmp / name, fmt, cols)
        files.append(name)
    else:
        _write(rng, tmp / f"t.{fmt}", fmt, {"y": y})
        _write(rng, tmp / f"p.{fmt}", fmt, {"p": p})
        files += [f"t.{fmt}", f"p.{fmt}"]
    if rng.random() < 0.45:
        victim = tmp / rng.choice(files)
        notes.append(f"mutated {victim.name}: {_mutate(rng, victim)}")
    outputs: list[Path] = []
    flags = _flags(rng, tmp, outputs)
    if rng.random() < 0.1:  # weights, maybe broken
        w = [rng.choice([1, 2, 0.5, 0, -1, "x", 1e308]) for _ in range(n)]
        (tmp / "w.csv").write_text("w\n" + "\n".join(map(str, w)) + "\n")
        flags += ["--weights", "w.csv"]
    if rng.random() < 0.15:
        cmd = ["batch", *files[-1:], *flags]
        if rng.random() < 0.5:
            cmd.append("--skip-errors")
    else:
        cmd = ["eval", *files, *flags]
    for out in outputs:
        out.write_bytes(SENTINEL)
    return cmd, outputs, "; ".join(notes)


@pytest.mark.parametrize("run", range(RUNS))
def test_campaign(run: int, tmp_path: Path) -> None:
    rng = random.Random(SEED * 1_000_003 + run)
    cmd, outputs, notes = _scenario(rng, tmp_path)
    what = f"run {run} (seed {SEED}): losscli {shlex.join(cmd)}\n{notes}\nin {tmp_path}"
    try:
        res = run_cmd(cmd, tmp_path, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no end within {TIMEOUT} s: {what}")
    assert_promise(res, outputs, tmp_path, what)
    if res.code == 0 and "-o" in cmd:
        out = tmp_path / cmd[cmd.index("-o") + 1]
        assert out.read_bytes() != SENTINEL, what
