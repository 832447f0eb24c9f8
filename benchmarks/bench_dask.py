"""The Dask engine against the local engine: ``python benchmarks/bench_dask.py``.

Generates a seeded sharded dataset in a temporary directory (default 30 Parquet
shards of 1,000,000 rows, two columns ``target`` and ``pred``: 30M rows), then
times ``losscli eval DIR -f value`` in fresh processes:

* ``--engine local`` (one process, shard after shard);
* ``--engine dask`` with no ``--scheduler``: a LocalCluster sized to the machine
  is started for the run and shut down (start-up included);
* ``--engine dask --scheduler ADDR`` against a cluster already running (a
  ``dask scheduler`` and as many single-threaded ``dask worker`` processes as the
  LocalCluster has, their nannies told not to set ``MALLOC_TRIM_THRESHOLD_``, as
  the README (Scaling out on Dask) recommends), so the steady-state cost shows without the start-up.

Each figure is the median of ``--repeat`` runs after one warm-up run (which also
fills the page cache); the printed values must agree to 1e-12 relative, or the
script exits 1.  Prints a Markdown table (figure, local, dask, ratio).
``--rows`` / ``--shards`` shrink it (e.g. ``--rows 3000000`` for a quick look).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

PY = sys.executable
REL = 1e-12


def losscli_cmd() -> list[str]:
    exe = shutil.which("losscli")
    return [exe] if exe else [PY, "-m", "losscli"]


def make_shards(root: Path, rows: int, shards: int, seed: int = 2026) -> Path:
    """``shards`` Parquet files of (about) ``rows / shards`` rows each, seeded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = root / "shards"
    out.mkdir()
    rng = np.random.default_rng(seed)
    per, extra = divmod(rows, shards)
    for i in range(shards):
        n = per + (1 if i < extra else 0)
        target = rng.normal(size=n)
        pred = target + 0.3 * rng.normal(size=n)
        pq.write_table(pa.table({"target": target, "pred": pred}), out / f"part-{i:05d}.parquet")
    return out


def timed(cmd: Sequence[str], repeat: int) -> tuple[float, str]:
    """Median wall time of ``cmd`` in a fresh process after one warm-up run, and its
    stdout (which must be the same every run)."""
    times, outputs = [], set()
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
        if i:
            times.append(time.perf_counter() - t0)
        outputs.add(proc.stdout.strip())
    if len(outputs) != 1:
        raise SystemExit(f"different outputs from {' '.join(cmd)}: {outputs}")
    return statistics.median(times), outputs.pop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_cluster(n_workers: int) -> Iterator[str]:
    """A ``dask scheduler`` and ``n_workers`` single-threaded ``dask worker`` processes on
    127.0.0.1, torn down on exit.  Their nannies do not set ``MALLOC_TRIM_THRESHOLD_``
    (README, Scaling out on Dask): a Dask config file says so (Dask lowercases the keys
    of environment variables, so ``DASK_...`` variables cannot)."""
    import distributed

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with tempfile.TemporaryDirectory(prefix="losscli-dask-config-") as config_dir:
        Path(config_dir, "losscli-bench.yaml").write_text(
            "distributed:\n  nanny:\n    pre-spawn-environ:\n      MALLOC_TRIM_THRESHOLD_: null\n"
        )
        env = {**os.environ, "DASK_CONFIG": config_dir}
        dask = [PY, "-m", "dask"]
        procs = [
            subprocess.Popen(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--no-dashboard", "--idle-timeout", "3600"],
                **quiet,
            )
        ]  # fmt: skip
        try:
            for _ in range(n_workers):
                procs.append(
                    subprocess.Popen(
                        [*dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                         "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60"],
                        env=env,
                        **quiet,
                    )
                )  # fmt: skip
            with distributed.Client(address, timeout=60) as client:
                client.wait_for_workers(n_workers, timeout=120)
            yield address
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def agree(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    return math.isclose(x, y, rel_tol=REL, abs_tol=0)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=30_000_000, help="total rows (default 30M)")
    ap.add_argument("--shards", type=int, default=30, help="Parquet shards (default 30)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per figure (default 3)")
    ap.add_argument(
        "--no-running-cluster",
        action="store_true",
        help="skip the run against an already running cluster",
    )
    args = ap.parse_args(argv)
    workers = os.cpu_count() or 1
    lc = losscli_cmd()
    with tempfile.TemporaryDirectory(prefix="losscli-bench-dask-") as tmp:
        t0 = time.perf_counter()
        data = make_shards(Path(tmp), args.rows, args.shards)
        gen = time.perf_counter() - t0
        base = [*lc, "eval", str(data), "-f", "value"]
        local_t, local_v = timed(base, args.repeat)
        dask_t, dask_v = timed([*base, "--engine", "dask"], args.repeat)
        rows = [
            ("wall time, s (LocalCluster started per run)", local_t, dask_t),
            ("throughput, M rows/s (LocalCluster)", args.rows / local_t / 1e6,
             args.rows / dask_t / 1e6),
        ]  # fmt: skip
        values = [("mse (value)", local_v, dask_v)]
        if not args.no_running_cluster:
            with running_cluster(workers) as address:
                run_t, run_v = timed(
                    [*base, "--engine", "dask", "--scheduler", address], args.repeat
                )
            rows += [
                ("wall time, s (cluster already running)", local_t, run_t),
                ("throughput, M rows/s (cluster already running)", args.rows / local_t / 1e6,
                 args.rows / run_t / 1e6),
            ]  # fmt: skip
            values.append(("mse (value, running cluster)", local_v, run_v))

    print(
        f"{args.rows:,} rows in {args.shards} Parquet shards (2 float64 columns); "
        f"{platform.machine()}, {workers} cores, Python {platform.python_version()}; "
        f"dask workers: {workers} x 1 thread; median of {args.repeat} runs "
        f"(data generated in {gen:.1f} s)\n"
    )
    print("| figure | local | dask | ratio (dask / local) |")
    print("|---|---:|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {a:.3f} | {b:.3f} | {b / a:.2f} |")
    ok = True
    for name, a, b in values:
        same = agree(a, b)
        ok &= same
        print(f"| {name} | {a} | {b} | {'agree to 1e-12' if same else 'DIFFER'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
