"""losscli benchmarks: ``python benchmarks/bench.py`` (``--quick`` for a smaller run).

Generates its own seeded data in a temporary directory, measures every figure
side by side with its reference in the same run (fresh processes for anything
that includes start-up), and prints a Markdown table of
(figure, losscli, reference, ratio, target).  Nothing here is a unit test: this
is where speed and memory are checked.  The README's table is this output.

Needs polars and scikit-learn for the references (``pip install polars
scikit-learn``); a missing one leaves its rows out.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

PY = sys.executable
Row = tuple[str, str, str, str, str, bool | None]
# Children run as installed software does: with bytecode caches (pip compiles them at
# install time).  A PYTHONDONTWRITEBYTECODE=1 environment would otherwise recompile
# losscli's modules from source on every start (about 50 ms).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def losscli_cmd() -> list[str]:
    """The installed console script beside this Python (not a version-manager shim)."""
    exe = os.path.join(os.path.dirname(PY), "losscli")
    if os.path.isfile(exe):
        return [exe]
    found = shutil.which("losscli")
    return [found] if found else [PY, "-m", "losscli"]


def wall(cmd: Sequence[str], repeat: int, stdin: str | None = None) -> float:
    """Median wall time of ``cmd`` in a fresh process (after one warm-up run)."""
    times = []
    for i in range(repeat + 1):
        fh = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stdin=fh, env=ENV)
            if i:  # the first run warms the page cache and the .pyc files
                times.append(time.perf_counter() - t0)
        finally:
            if stdin:
                fh.close()  # type: ignore[union-attr]
    return statistics.median(times)


def walls(cmds: dict[str, Sequence[str]], repeat: int) -> dict[str, float]:
    """Median wall times of several commands measured round-robin (after a warm-up
    round), so that a machine slowing down or speeding up weighs on all of them alike.
    Each starts on a settled machine: what the kernel still does for the last command
    once it has exited (writing back, freeing the blocks of a file it replaced) is not
    billed to the next one."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(repeat + 1):
        for name, cmd in cmds.items():
            os.sync()
            time.sleep(0.3)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
            if i:
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_rss_mb(cmd: Sequence[str], stdin: str | None = None) -> float:
    """Peak resident set size of a child process, in MB (Linux ru_maxrss is KiB)."""
    code = (
        "import resource,subprocess,sys\n"
        f"fh=open({stdin!r},'rb') if {stdin!r} else subprocess.DEVNULL\n"
        f"subprocess.run({list(cmd)!r},check=True,stdout=subprocess.DEVNULL,stdin=fh)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True, env=ENV)
    return int(out.stdout.strip()) / 1024


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Fastest of ``repeat`` in-process runs (compute kernels, no start-up)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ----------------------------------------------------------------------------- data


def write_regression_csv(path: str, n: int, seed: int = 0) -> None:
    """Two columns, six decimals (about 19 bytes a row), written by pyarrow in blocks."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    opts = pcsv.WriteOptions(include_header=True, quoting_style="none")
    schema = pa.schema([("target", pa.float64()), ("prediction", pa.float64())])
    with pcsv.CSVWriter(path, schema, write_options=opts) as w:
        for start in range(0, n, 5_000_000):
            m = min(5_000_000, n - start)
            y = np.round(rng.normal(size=m), 6)
            p = np.round(y + rng.normal(scale=0.1, size=m), 6)
            w.write_table(pa.table({"target": y, "prediction": p}))


# ----------------------------------------------------------------------------- figures


def startup(tmp: str, repeat: int) -> list[Row]:
    tiny = os.path.join(tmp, "tiny.csv")
    with open(tiny, "w") as fh:
        fh.write("target,prediction\n1,1.5\n2,2\n3,2.5\n")
    cli = losscli_cmd()
    labels = {
        "eval": "start-up: `eval tiny.csv -f value` (3 rows)",
        "help": "start-up: `--help`",
        "version": "start-up: `--version`",
    }
    t = walls(
        {
            "numpy": [PY, "-c", "import numpy"],
            "eval": [*cli, "eval", tiny, "-f", "value"],
            "help": [*cli, "--help"],
            "version": [*cli, "--version"],
        },
        repeat,
    )
    t_np = t["numpy"]
    rows: list[Row] = [
        (
            label,
            f"{t[k]:.3f} s",
            f"{t_np:.3f} s (`python -c 'import numpy'`)",
            f"{t[k] / t_np:.2f}x",
            "<= 2x",
            t[k] / t_np <= 2,
        )
        for k, label in labels.items()
    ]
    if has("sklearn") and has("pandas"):
        code = (
            "import sys, pandas as pd, sklearn.metrics as m; d = pd.read_csv(sys.argv[1]); "
            "print(m.mean_squared_error(d.target, d.prediction))"
        )
        t_ref = wall([PY, "-c", code, tiny], max(3, repeat // 3))
        rows.append(
            (
                "start-up: the same as a pandas + scikit-learn one-liner",
                f"{t['eval']:.3f} s",
                f"{t_ref:.3f} s",
                f"{t_ref / t['eval']:.1f}x faster",
                "-",
                None,
            )
        )
    return rows


def throughput(big: str, n: int, repeat: int) -> tuple[list[Row], float]:
    cli = losscli_cmd()
    size = os.path.getsize(big) / 1e6
    cmds: dict[str, Sequence[str]] = {"losscli": [*cli, "eval", big, "-f", "value"]}
    if has("polars"):
        cmds["polars"] = [PY, "-c", f"import polars as pl; pl.read_csv({big!r})"]
    if has("sklearn") and has("pandas"):
        code = (
            "import pandas as pd, sklearn.metrics as m; "
            f"d = pd.read_csv({big!r}); "
            "print(m.mean_squared_error(d.target, d.prediction), "
            "m.root_mean_squared_error(d.target, d.prediction))"
        )
        cmds["pandas"] = [PY, "-c", code]
    t = walls(cmds, repeat)
    t_cli = t["losscli"]
    rows: list[Row] = []
    if "polars" in t:
        rows.append(
            (
                f"throughput: {n / 1e6:g}M-row CSV ({size:.0f} MB), `eval -f value`",
                f"{t_cli:.2f} s",
                f"{t['polars']:.2f} s (`polars.read_csv` alone)",
                f"{t_cli / t['polars']:.2f}x",
                "<= 1.2x",
                t_cli / t["polars"] <= 1.2,
            )
        )
    if "pandas" in t:
        rows.append(
            (
                "throughput: the same, against pandas + scikit-learn",
                f"{t_cli:.2f} s",
                f"{t['pandas']:.2f} s (`pd.read_csv` + `sklearn.metrics`)",
                f"{t['pandas'] / t_cli:.1f}x faster",
                ">= 3x faster",
                t["pandas"] / t_cli >= 3,
            )
        )
    return rows, t_cli


def per_sample(big: str, n: int, tmp: str, repeat: int) -> list[Row]:
    cli = losscli_cmd()
    plain = [*cli, "eval", big, "-f", "value"]
    cmds: dict[str, Sequence[str]] = {"plain": plain}
    formats = ("csv", "parquet", "jsonl")
    for ext in formats:
        cmds[ext] = [*plain, "--per-sample", os.path.join(tmp, f"per_sample.{ext}")]
    t = walls(cmds, repeat)
    mb = {ext: os.path.getsize(cmds[ext][-1]) / 1e6 for ext in formats}
    return [
        (
            f"per-sample: {n / 1e6:g}M rows to `.{ext}` ({mb[ext]:.0f} MB)",
            f"{t[ext]:.2f} s",
            f"{t['plain']:.2f} s (the same eval without it)",
            f"{t[ext] / t['plain']:.2f}x",
            "<= 2x",
            t[ext] / t["plain"] <= 2,
        )
        for ext in formats
    ]


def memory(tmp: str, sizes: Sequence[int], csvs: dict[int, str]) -> list[Row]:
    """Peak RSS against the row count, for every streamed input kind."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cli = losscli_cmd()
    rows: list[Row] = []
    largest = max(sizes)
    for n in sizes:
        path = csvs[n]
        rss = peak_rss_mb([*cli, "eval", path, "-f", "value"])
        ok = rss <= 250 if n == largest else None
        rows.append(
            (
                f"memory: {n / 1e6:g}M-row CSV ({os.path.getsize(path) / 1e6:.0f} MB), peak RSS",
                f"{rss:.0f} MB",
                "-",
                "-",
                "<= 250 MB, flat" if n == largest else "flat",
                ok,
            )
        )
    n = largest
    rng = np.random.default_rng(1)
    npy = os.path.join(tmp, "big.npy")
    arr = np.lib.format.open_memmap(npy, mode="w+", dtype=np.float64, shape=(n, 2))
    for start in range(0, n, 5_000_000):
        m = min(5_000_000, n - start)
        y = rng.normal(size=m)
        arr[start : start + m, 0] = y
        arr[start : start + m, 1] = y + rng.normal(scale=0.1, size=m)
    arr.flush()
    del arr
    rss = peak_rss_mb([*cli, "eval", npy, "-f", "value"])
    rows.append(
        (f"memory: {n / 1e6:g}M-row `.npy` (memory map), peak RSS", f"{rss:.0f} MB", "-", "-",
         "<= 250 MB", rss <= 250)
    )  # fmt: skip
    parquet = os.path.join(tmp, "big.parquet")
    mm = np.load(npy, mmap_mode="r")
    with pq.ParquetWriter(
        parquet, pa.schema([("target", pa.float64()), ("prediction", pa.float64())])
    ) as w:
        for start in range(0, n, 1_000_000):
            block = np.asarray(mm[start : start + 1_000_000])
            w.write_table(pa.table({"target": block[:, 0], "prediction": block[:, 1]}))
    del mm
    rss = peak_rss_mb([*cli, "eval", parquet, "-f", "value"])
    rows.append(
        (f"memory: {n / 1e6:g}M-row Parquet (by row group), peak RSS", f"{rss:.0f} MB", "-", "-",
         "<= 250 MB", rss <= 250)
    )  # fmt: skip
    rss = peak_rss_mb([*cli, "eval", "-", "-f", "value"], stdin=csvs[largest])
    rows.append(
        (f"memory: {n / 1e6:g}M-row CSV on stdin, peak RSS", f"{rss:.0f} MB", "-", "-",
         "<= 250 MB", rss <= 250)
    )  # fmt: skip
    os.remove(npy)
    os.remove(parquet)
    return rows


def multiclass(n: int, classes: int, repeat: int) -> list[Row]:
    import losscli
    from losscli.scoring import registry

    rng = np.random.default_rng(2)
    logits = rng.normal(size=(n, classes))
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = rng.integers(0, classes, n)
    onehot = np.zeros((n, classes))
    onehot[np.arange(n), labels] = 1.0
    cce = registry.get_loss("cce")
    # as evaluate calls it: targets that are class indices arrive as labels too
    kw = {**cce.defaults(), "task": "multiclass", "scores": False, "labels": labels}
    t_loss = best_of(lambda: cce.func(onehot, probs, **kw).mean(), repeat)
    t_eval = best_of(
        lambda: losscli.evaluate(labels, probs, losses=["cce"], metrics=[], keep_per_sample=False),
        repeat,
    )
    rows: list[Row] = []
    if has("sklearn"):
        from sklearn.metrics import log_loss

        t_sk = best_of(lambda: log_loss(labels, probs, labels=list(range(classes))), repeat)
        mine = float(cce.func(onehot, probs, **kw).mean())
        ref = float(log_loss(labels, probs, labels=list(range(classes))))
        assert math.isclose(mine, ref, rel_tol=1e-12), (mine, ref)
        rows.append(
            (
                f"multiclass: cross-entropy of {n / 1e6:g}M x {classes} probabilities (loss)",
                f"{t_loss * 1e3:.0f} ms",
                f"{t_sk * 1e3:.0f} ms (`sklearn.metrics.log_loss`)",
                f"{t_sk / t_loss:.0f}x faster",
                ">= 10x faster",
                t_sk / t_loss >= 10,
            )
        )
        rows.append(
            (
                "multiclass: the same through `losscli.evaluate` (checks, accumulators)",
                f"{t_eval * 1e3:.0f} ms",
                f"{t_sk * 1e3:.0f} ms",
                f"{t_sk / t_eval:.1f}x faster",
                "-",
                None,
            )
        )
    return rows


def exactness(big: str, n: int) -> list[Row]:
    """Streamed (many chunks) against whole (one chunk) and against an exact sum."""
    import pyarrow.csv as pcsv

    import losscli

    whole_table = pcsv.read_csv(big)  # read independently of losscli's readers
    y = whole_table.column("target").to_numpy()
    p = whole_table.column("prediction").to_numpy()
    exact = math.fsum(((y - p) ** 2).tolist()) / n
    whole = losscli.evaluate(y, p, losses=["mse", "mae"], chunk_rows=n, keep_per_sample=False)
    streamed = losscli.evaluate(
        big, losses=["mse", "mae"], chunk_rows=100_003, keep_per_sample=False
    )
    rel = abs(streamed.losses["mse"]["mean"] - whole.losses["mse"]["mean"]) / abs(exact)
    rel_mae = abs(streamed.losses["mae"]["mean"] - whole.losses["mae"]["mean"]) / abs(
        whole.losses["mae"]["mean"]
    )
    rel_exact = abs(streamed.losses["mse"]["mean"] - exact) / abs(exact)
    worst = max(rel, rel_mae)
    rows: list[Row] = [
        (
            f"exactness: {n / 1e6:g}M-row CSV streamed in 100,003-row chunks vs one chunk",
            f"{worst:.1e} rel",
            f"{rel_exact:.1e} rel to `math.fsum`",
            "-",
            "<= 1e-12",
            worst <= 1e-12,
        )
    ]
    # metrics that need every value keep a compact state: measure its cost per sample
    rng = np.random.default_rng(3)
    m = 1_000_000
    labels = rng.integers(0, 2, m)
    scores = np.clip(labels * 0.3 + rng.random(m) * 0.7, 0, 1)
    rep = losscli.evaluate(labels, scores, metrics=["roc_auc"], keep_per_sample=False)
    assert rep.accumulator is not None
    state = rep.accumulator.metrics["roc_auc"]
    nbytes = sum(
        getattr(a, "nbytes", 0) for v in vars(state).values() if isinstance(v, list) for a in v
    )
    rows.append(
        (
            "state: `roc_auc` / medians keep every sample (merged by concatenation)",
            f"{nbytes / m:.0f} B/sample",
            "-",
            "-",
            "stated",
            None,
        )
    )
    return rows


# ----------------------------------------------------------------------------- main


def uncertainty(big: str, n: int, tmp: str, repeat: int) -> list[Row]:
    """``--ci``: closed-form intervals against the plain run; the Poisson bootstrap against
    ``scipy.stats.bootstrap`` of the mean loss alone (1,000 replicates, 200k rows)."""
    cli = losscli_cmd()
    t = walls(
        {
            "plain": [*cli, "eval", big, "-f", "value"],
            "ci": [*cli, "eval", big, "-f", "value", "--ci"],
        },
        repeat,
    )
    rows: list[Row] = [
        (
            f"`--ci` (closed forms: mse, rmse by Student's t) on {n / 1e6:g}M rows",
            f"{t['ci']:.2f} s",
            f"{t['plain']:.2f} s (the same eval without it)",
            f"{t['ci'] / t['plain']:.2f}x",
            "<= 1.2x",
            t["ci"] / t["plain"] <= 1.2,
        )
    ]
    if not has("scipy"):
        return rows
    m = 200_000
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, m)
    p = np.clip(rng.random(m), 0.001, 0.999)
    path = os.path.join(tmp, "boot.csv")
    with open(path, "w") as fh:
        fh.write("y,p\n")
        fh.writelines(f"{a},{b:.6f}\n" for a, b in zip(y, p))
    code = (
        "import numpy as np, scipy.stats as st; "
        f"d = np.loadtxt({path!r}, delimiter=',', skiprows=1); y, p = d[:, 0], d[:, 1]; "
        "l = -(y * np.log(p) + (1 - y) * np.log(1 - p)); "
        "st.bootstrap((l,), np.mean, n_resamples=1000, method='percentile', batch=50, "
        "random_state=1)"
    )
    boot = [
        *cli,
        "eval",
        path,
        "-l",
        "bce",
        "-m",
        "accuracy",
        "--ci",
        "--ci-method",
        "bootstrap",
        "-f",
        "value",
    ]
    tb = walls({"losscli": boot, "scipy": [PY, "-c", code]}, max(1, repeat // 2))
    rows.append(
        (
            "bootstrap: 1,000 replicates, 200k rows, `bce` + `accuracy`",
            f"{tb['losscli']:.2f} s",
            f"{tb['scipy']:.2f} s (`scipy.stats.bootstrap`, the mean loss alone)",
            f"{tb['losscli'] / tb['scipy']:.2f}x",
            "<= 0.5x",
            tb["losscli"] / tb["scipy"] <= 0.5,
        )
    )
    rows.append(compare_row(tmp, max(n // 5, 10_000), max(1, repeat // 2)))
    return rows


def write_binary_pair(tmp: str, n: int, seed: int = 2) -> tuple[str, str]:
    """Two binary prediction files of the same targets (B a little better), six decimals."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    paths = []
    for name, signal in (("a", 1.0), ("b", 1.2)):
        z = (2 * y - 1) * signal + rng.normal(size=n)
        p = np.round(np.clip(1 / (1 + np.exp(-z)), 0.001, 0.999), 6)
        paths.append(os.path.join(tmp, f"cmp_{name}.csv"))
        opts = pcsv.WriteOptions(include_header=True, quoting_style="none")
        pcsv.write_csv(pa.table({"y": y, "p": p}), paths[-1], write_options=opts)
    return paths[0], paths[1]


def compare_row(tmp: str, n: int, repeat: int) -> Row:
    """``compare A B --test auto`` (bce by the paired bootstrap, 1,000 replicates;
    accuracy by McNemar) against one ``eval`` of A."""
    a, b = write_binary_pair(tmp, n)
    cli = losscli_cmd()
    cmds = {"eval": [*cli, "eval", a, "-f", "value"], "compare": [*cli, "compare", a, b]}
    t = walls(cmds, repeat)
    return (
        f"`compare A B --test auto` of two {n / 1e6:g}M-row binary files (1,000 replicates)",
        f"{t['compare']:.2f} s",
        f"{t['eval']:.2f} s (`eval A`)",
        f"{t['compare'] / t['eval']:.1f}x",
        "<= 3x",
        t["compare"] / t["eval"] <= 3,
    )


def breakdowns(tmp: str, n: int, repeat: int) -> list[Row]:
    """``--per-class``, ``-m ece``, ``-m average_precision`` and ``losscli thresholds`` on
    a binary CSV of ``n`` rows (label, probability), each against the plain run of the
    same file."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(7)
    path = os.path.join(tmp, f"binary_{n}.csv")
    opts = pcsv.WriteOptions(include_header=True, quoting_style="none")
    schema = pa.schema([("label", pa.int64()), ("prob", pa.float64())])
    with pcsv.CSVWriter(path, schema, write_options=opts) as w:
        for start in range(0, n, 5_000_000):
            m = min(5_000_000, n - start)
            p = np.round(rng.random(m), 6)
            y = (rng.random(m) < p).astype(np.int64)
            w.write_table(pa.table({"label": y, "prob": p}))
    cli = [*losscli_cmd(), "eval", path, "-f", "json"]
    t = walls(
        {
            "plain": cli,
            "per_class": [*cli, "--per-class"],
            "ece": [*cli, "-m", "ece"],
            "average_precision": [*cli, "-m", "average_precision"],
            # the sweep over every distinct prediction (table of 20 rows and the best)
            "thresholds": [*losscli_cmd(), "thresholds", path],
        },
        repeat,
    )
    what = {
        "per_class": "`--per-class`",
        "ece": "`-m ece` (reliability bins)",
        "average_precision": "`-m average_precision` (one sort)",
        "thresholds": "`losscli thresholds` (the sweep, one sort)",
    }
    return [
        (
            f"{label} on a {n / 1e6:g}M-row binary CSV",
            f"{t[k]:.2f} s",
            f"{t['plain']:.2f} s (the plain eval: bce + accuracy)",
            f"{t[k] / t['plain']:.2f}x",
            "<= 1.5x",
            t[k] / t["plain"] <= 1.5,
        )
        for k, label in what.items()
    ]


def table(rows: Sequence[Row]) -> str:
    header = ("figure", "losscli", "reference", "ratio", "target", "met")
    cells = [(*r[:5], "-" if r[5] is None else ("yes" if r[5] else "**no**")) for r in rows]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    out += ["| " + " | ".join(c) + " |" for c in cells]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the throughput CSV")
    ap.add_argument(
        "--memory-rows", type=int, default=30_000_000, help="rows of the largest memory test"
    )
    ap.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    ap.add_argument("--quick", action="store_true", help="1M / 3M rows, fewer repeats")
    ap.add_argument(
        "--only",
        metavar="GROUPS",
        help="comma-separated groups to run: startup, throughput, per-sample, memory, "
        "multiclass, uncertainty, scripts, breakdowns, exactness (default: all)",
    )
    args = ap.parse_args()
    if args.quick:
        args.rows, args.memory_rows, args.repeat = 1_000_000, 3_000_000, 3
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return only is None or name in only

    rows: list[Row] = []
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="losscli-bench-") as tmp:
        if wanted("startup"):
            rows += startup(tmp, max(11, args.repeat))
        csvs: dict[int, str] = {}
        sizes = sorted({args.rows // 10, args.rows, args.memory_rows})
        for n in sizes if wanted("memory") else [args.rows]:
            csvs[n] = os.path.join(tmp, f"reg_{n}.csv")
            write_regression_csv(csvs[n], n)
        big = csvs[args.rows]
        if wanted("throughput"):
            rows += throughput(big, args.rows, args.repeat)[0]
        if wanted("per-sample"):  # the noisiest figure (hundreds of MB written): more rounds
            rows += per_sample(big, args.rows, tmp, args.repeat + 2)
        if wanted("memory"):
            rows += memory(tmp, sizes, csvs)
        if wanted("multiclass"):
            rows += multiclass(1_000_000, 10, args.repeat)
        if wanted("uncertainty"):
            rows += uncertainty(big, args.rows, tmp, args.repeat)
        if wanted("scripts"):
            import scripts

            rows += scripts.rows(tmp, big, args.rows, args.repeat, 200 if args.quick else 1000)
        if wanted("breakdowns"):
            rows += breakdowns(tmp, args.rows // 5, args.repeat)  # 2M rows of the default 10M
        if wanted("exactness"):
            rows += exactness(big, args.rows)
    print(table(rows))
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(
        f"\n{py}, numpy {np.__version__}, {os.cpu_count()} CPU(s), {platform.machine()}; "
        f"{time.time() - t_start:.0f} s in all"
    )


if __name__ == "__main__":
    main()
