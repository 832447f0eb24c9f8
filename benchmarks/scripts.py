"""Rows of ``bench.py`` that measure losscli against the short script a user would write
instead (issue 19): a polars loop over many small files, and a polars or DuckDB
expression over one big Parquet or CSV file.  Every command runs as a fresh process,
round-robin with its references (``bench.walls``), so the ratios are from the same run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import bench as b
import numpy as np

POLARS_LOOP = """
import glob, sys
import numpy as np, polars as pl
for f in sorted(glob.glob(sys.argv[1] + "/*.csv")):
    df = pl.read_csv(f)
    y = df["target"].to_numpy().astype(float)
    p = df["prediction"].to_numpy()
    pc = np.clip(p, 1e-15, 1 - 1e-15)
    bce = float(np.mean(-(y * np.log(pc) + (1 - y) * np.log(1 - pc))))
    acc = float(np.mean((p >= 0.5) == (y == 1)))
    print(f, bce, acc)
"""


def write_small_files(folder: str, files: int, rows: int, seed: int = 0) -> int:
    """``files`` binary CSV files of ``rows`` rows (targets and probabilities); bytes."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    total = 0
    for i in range(files):
        y = rng.integers(0, 2, rows)
        p = np.clip(rng.random(rows) * 0.8 + 0.1 * y, 0.001, 0.999)
        text = "target,prediction\n" + "".join(f"{a},{q:.6f}\n" for a, q in zip(y, p))
        with open(os.path.join(folder, f"m{i:04d}.csv"), "w") as fh:
            fh.write(text)
        total += len(text)
    return total


def small_files(tmp: str, files: int, repeat: int) -> list[b.Row]:
    folder = os.path.join(tmp, "small")
    mb = write_small_files(folder, files, 2000) / 1e6
    cli = b.losscli_cmd()
    batch = [*cli, "batch", folder, "-l", "bce", "-m", "accuracy", "-f", "csv"]
    cmds: dict[str, Sequence[str]] = {
        "losscli": batch,
        "serial": [*batch, "--jobs", "1"],
        "startup": [*cli, "--version"],
    }
    if b.has("polars"):
        cmds["polars"] = [b.PY, "-c", POLARS_LOOP, folder]
    t = b.walls(cmds, repeat)
    each = (t["serial"] - t["startup"]) / files * 1e3
    label = f"batch: {files:,} CSV files of 2,000 binary rows ({mb:.0f} MB), bce + accuracy"
    rows: list[b.Row] = []
    if "polars" in t:
        rows.append(
            (
                label,
                f"{t['losscli']:.2f} s (`--jobs 1`: {t['serial']:.2f} s, {each:.1f} ms a file)",
                f"{t['polars']:.2f} s (a polars loop: `read_csv`, numpy bce and accuracy)",
                f"{t['losscli'] / t['polars']:.2f}x",
                "<= 1.0x",
                t["losscli"] / t["polars"] <= 1.0,
            )
        )
    return rows


def _expressions(path: str, kind: str) -> dict[str, list[str]]:
    cmds: dict[str, list[str]] = {}
    if b.has("polars"):
        scan = f"pl.scan_{kind}({path!r})"
        cmds["polars"] = [
            b.PY,
            "-c",
            "import polars as pl; "
            f"print({scan}.select(((pl.col('prediction') - pl.col('target')) ** 2).mean())"
            ".collect().item())",
        ]
    if b.has("duckdb"):
        sql = f"select avg((prediction - target) ** 2) from read_{kind}('{path}')"
        cmds["duckdb"] = [b.PY, "-c", f"import duckdb; print(duckdb.sql({sql!r}).fetchall())"]
    return cmds


def one_big_file(path: str, n: int, kind: str, repeat: int) -> list[b.Row]:
    """``eval -f value`` (MSE) of one file against the polars and DuckDB expressions."""
    cli = b.losscli_cmd()
    cmds: dict[str, Sequence[str]] = {"losscli": [*cli, "eval", path, "-f", "value"]}
    refs = _expressions(path, kind)
    cmds.update(refs)
    t = b.walls(cmds, repeat)
    mb = os.path.getsize(path) / 1e6
    what = {"polars": f"`pl.scan_{kind}(...)` expression", "duckdb": "DuckDB `avg(...)`"}
    rows: list[b.Row] = []
    for name in refs:
        ratio = t["losscli"] / t[name]
        rows.append(
            (
                f"{n / 1e6:g}M-row {kind.upper()} ({mb:.0f} MB), `eval -f value`, vs {name}",
                f"{t['losscli']:.2f} s",
                f"{t[name]:.2f} s ({what[name]})",
                f"{ratio:.2f}x",
                "<= 1.0x" if name == "polars" else "-",
                ratio <= 1.0 if name == "polars" else None,
            )
        )
    return rows


def write_parquet(csv_path: str, path: str) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    pq.write_table(pcsv.read_csv(csv_path), path)


def rows(tmp: str, big: str, n: int, repeat: int, files: int) -> list[b.Row]:
    out = small_files(tmp, files, repeat)
    parquet = os.path.join(tmp, "big.parquet")
    write_parquet(big, parquet)
    out += one_big_file(parquet, n, "parquet", repeat)
    out += one_big_file(big, n, "csv", repeat)
    return out
