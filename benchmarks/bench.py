"""losscli benchmarks: python benchmarks/bench.py [--rows N] [--quick]

Generates its own data in a temporary directory and prints a table of
(figure, losscli, reference, ratio, target).  Every ratio is measured side by
side in the same run; nothing here is a unit test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of a command in a fresh process."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak RSS of a child process (Linux ru_maxrss is in KiB)."""
    import resource

    code = (
        "import resource,subprocess,sys;"
        f"subprocess.run({cmd!r},check=True,stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    del resource
    return int(out.stdout.strip()) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the large CSV")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tiny = os.path.join(tmp, "tiny.csv")
        with open(tiny, "w") as fh:
            fh.write("target,prediction\n1,1.5\n2,2\n3,2.5\n")
        t_np = wall([py, "-c", "import numpy"], args.repeat)
        t_tiny = wall([py, "-m", "losscli", "eval", tiny, "-f", "value"], args.repeat)
        rows.append(
            (
                "start-up: eval 3-row CSV -f value",
                f"{t_tiny:.3f} s",
                f"{t_np:.3f} s (import numpy)",
                f"{t_tiny / t_np:.2f}x",
                "<= 2x",
            )
        )
        t_help = wall([py, "-m", "losscli", "--version"], args.repeat)
        rows.append(
            (
                "start-up: --version",
                f"{t_help:.3f} s",
                f"{t_np:.3f} s (import numpy)",
                f"{t_help / t_np:.2f}x",
                "<= 2x",
            )
        )

        rng = np.random.default_rng(0)
        n = args.rows
        big = os.path.join(tmp, "big.csv")
        y = rng.normal(size=n)
        p = y + rng.normal(scale=0.1, size=n)
        np.savetxt(
            big,
            np.column_stack([y, p]),
            delimiter=",",
            fmt="%.6f",
            header="target,prediction",
            comments="",
        )
        size_mb = os.path.getsize(big) / 1e6
        t_big = wall([py, "-m", "losscli", "eval", big, "-f", "value"], 3)
        ref = (
            "import pandas as pd, sklearn.metrics as m;"
            f"d=pd.read_csv({big!r});"
            "print(m.mean_squared_error(d.target, d.prediction))"
        )
        t_ref = wall([py, "-c", ref], 3)
        rows.append(
            (
                f"throughput: {n:,}-row CSV ({size_mb:.0f} MB), mse",
                f"{t_big:.2f} s",
                f"{t_ref:.2f} s (pandas+sklearn)",
                f"{t_ref / t_big:.2f}x faster",
                ">= 3x faster",
            )
        )
        rss = peak_rss_mb([py, "-m", "losscli", "eval", big, "-f", "value"])
        rows.append((f"memory: {n:,}-row CSV peak RSS", f"{rss:.0f} MB", "-", "-", "flat"))

    widths = [
        max(len(r[i]) for r in rows + [("figure", "losscli", "reference", "ratio", "target")])
        for i in range(5)
    ]
    header = ("figure", "losscli", "reference", "ratio", "target")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
