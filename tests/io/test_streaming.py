"""The streaming engine: chunked runs equal the whole-file run; large files stream."""

from __future__ import annotations

import gzip
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losscli
from losscli.errors import InputError
from losscli.io import delimited, readers

CASES = {
    "regression": dict(
        losses=["mse", "mae", "huber", "log_cosh"],
        metrics=["rmse", "r2", "mae", "max_error", "median_absolute_error"],
    ),
    "binary": dict(
        losses=["bce", "zero_one", "focal"], metrics=["accuracy", "f1", "mcc", "roc_auc", "brier"]
    ),
    "multiclass": dict(
        losses=["cce", "kl_divergence", "multiclass_hinge"],
        metrics=["accuracy", "f1", "balanced_accuracy", "roc_auc", "top_k_accuracy"],
    ),
}


def _data(task: str, n: int, rng: np.random.Generator):
    if task == "regression":
        y = rng.normal(size=n)
        return y, y + rng.normal(size=n)
    if task == "binary":
        return rng.integers(0, 2, n), rng.uniform(size=n)
    z = rng.normal(size=(n, 4))
    return rng.integers(0, 4, n), np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("task", list(CASES))
@pytest.mark.parametrize("chunk", [1, 7, 333])
def test_chunked_equals_whole(task: str, chunk: int) -> None:
    rng = np.random.default_rng(11)
    y, p = _data(task, 1000, rng)
    w = rng.uniform(0, 2, 1000)
    whole = losscli.evaluate(y, p, task=task, weights=w, **CASES[task])
    parts = losscli.evaluate(y, p, task=task, weights=w, chunk_rows=chunk, **CASES[task])
    for name, v in whole.losses.items():
        assert math.isclose(parts.losses[name]["mean"], v["mean"], rel_tol=1e-12), name
    for name, v in whole.metrics.items():
        assert math.isclose(parts.metrics[name], v, rel_tol=1e-12, abs_tol=1e-15), name
    np.testing.assert_array_equal(
        parts.per_sample[next(iter(parts.losses))], whole.per_sample[next(iter(whole.losses))]
    )


def _big_csv(path: Path, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n).astype(float)
    p = rng.uniform(0.01, 0.99, n)
    text = "label,prob\n" + "".join(f"{int(a)},{b!r}\n" for a, b in zip(y.tolist(), p.tolist()))
    path.write_text(text)
    return y, p


def test_large_csv_streams_and_matches_arrays(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "big.csv"
    y, p = _big_csv(path, 120_000, rng)  # > 1 MiB: the pyarrow streaming reader
    assert path.stat().st_size > delimited.SMALL_TEXT
    chunks = list(readers.read_chunks(str(path), chunk_rows=50_000))
    assert [c.n_rows for c in chunks] == [50_000, 50_000, 20_000]
    ref = losscli.evaluate(y, p, metrics=["accuracy", "roc_auc"])
    got = losscli.evaluate(str(path), chunk_rows=50_000, metrics=["accuracy", "roc_auc"])
    assert got.n_samples == 120_000
    assert math.isclose(
        got.losses["binary_cross_entropy"]["mean"],
        ref.losses["binary_cross_entropy"]["mean"],
        rel_tol=1e-12,
    )
    assert got.metrics == pytest.approx(ref.metrics, rel=1e-12)
    gz = tmp_path / "big.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    got_gz = losscli.evaluate(str(gz), chunk_rows=50_000)
    assert got_gz.losses["binary_cross_entropy"]["mean"] == pytest.approx(
        ref.losses["binary_cross_entropy"]["mean"], rel=1e-12
    )


def test_streamed_error_names_the_global_row(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    path = tmp_path / "big.csv"
    _big_csv(path, 100_000, rng)
    lines = path.read_text().splitlines()
    lines[90_001] = "1,1.5"  # data row 90001 (header is line 0)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        losscli.evaluate(str(path), chunk_rows=10_000)
    assert err.value.row == 90_001
    assert err.value.column == "prob"


def test_two_files_stream_in_lockstep_and_detect_length_mismatch(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(size=2000)
    p = y + rng.normal(size=2000)
    np.save(tmp_path / "y.npy", y)
    (tmp_path / "p.csv").write_text("pred\n" + "".join(f"{v!r}\n" for v in p.tolist()))
    got = losscli.evaluate(str(tmp_path / "y.npy"), str(tmp_path / "p.csv"), chunk_rows=300)
    assert got.losses["mse"]["mean"] == pytest.approx(np.mean((y - p) ** 2), rel=1e-12)
    np.save(tmp_path / "short.npy", y[:1999])
    with pytest.raises(InputError, match="length mismatch"):
        losscli.evaluate(str(tmp_path / "short.npy"), str(tmp_path / "p.csv"), chunk_rows=300)


def test_npy_memory_map_and_parquet_batches(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(9)
    n = 150_000  # > 1 MiB as .npy: read through a memory map
    y = rng.normal(size=n)
    p = y + rng.normal(size=n)
    np.save(tmp_path / "d.npy", np.column_stack([y, p]))
    pq.write_table(
        pa.table({"target": y, "pred": p}), tmp_path / "d.parquet", row_group_size=40_000
    )
    expect = float(np.mean((y - p) ** 2))
    for name in ("d.npy", "d.parquet"):
        r = losscli.evaluate(str(tmp_path / name), chunk_rows=25_000)
        assert r.n_samples == n
        assert r.losses["mse"]["mean"] == pytest.approx(expect, rel=1e-12), name


def test_parquet_row_groups_and_record_batches_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups read whole (one empty among them), or record batch by record batch
    when a row group is over the cell cap: the same rows, the same figure."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from losscli.io import parquet

    rng = np.random.default_rng(12)
    y = rng.normal(size=90_000)
    p = y + rng.normal(size=90_000)
    path = tmp_path / "g.parquet"
    schema = pa.schema([("target", pa.float64()), ("pred", pa.float64())])
    with pq.ParquetWriter(path, schema) as w:
        for a, b in ((0, 50_000), (50_000, 50_000), (50_000, 90_000)):
            w.write_table(pa.table({"target": y[a:b], "pred": p[a:b]}, schema=schema))
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    got = [np.concatenate([t.data["pred"] for t in parquet.stream_parquet(str(path), 7_000)])]
    monkeypatch.setattr(parquet, "GROUP_CELLS", 1_000)
    got.append(np.concatenate([t.data["pred"] for t in parquet.stream_parquet(str(path), 7_000)]))
    for g in got:
        assert np.array_equal(g, p)
    r = losscli.evaluate(str(path))
    assert r.losses["mse"]["mean"] == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-12)


def test_cli_chunk_size_and_per_sample_stream(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    path = tmp_path / "big.csv"
    y, p = _big_csv(path, 60_000, rng)
    out = tmp_path / "ps.parquet"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "losscli",
            "eval",
            str(path),
            "--chunk-size",
            "7000",
            "--per-sample",
            str(out),
            "-f",
            "value",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.column_names == ["index", "binary_cross_entropy"]
    assert table.num_rows == 60_000
    assert table.column("index").to_pylist()[:3] == [0, 1, 2]
    mean = float(np.mean(table.column("binary_cross_entropy").to_numpy()))
    assert mean == pytest.approx(float(proc.stdout), rel=1e-12)
    bad = subprocess.run(
        [sys.executable, "-m", "losscli", "eval", str(path), "--chunk-size", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error:")


def test_large_stdin_streams_in_bounded_memory_and_matches_the_file(tmp_path: Path) -> None:
    """CSV on stdin over 1 MiB goes through the parallel block reader (plain and gzip)."""
    import gzip
    import subprocess
    import sys

    rng = np.random.default_rng(11)
    n = 120_000
    y, p = rng.normal(size=n), rng.normal(size=n)
    text = "y,p\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(y.tolist(), p.tolist()))
    path = tmp_path / "d.csv"
    path.write_text(text)
    expect = float(np.mean((y - p) ** 2))
    for data in (text.encode(), gzip.compress(text.encode())):
        out = subprocess.run(
            [sys.executable, "-m", "losscli", "eval", "-", "-f", "value", "-l", "mse"],
            input=data, capture_output=True, check=True,
        )  # fmt: skip
        assert float(out.stdout) == pytest.approx(expect, rel=1e-12)
    bad = text + "1,oops\n"
    out = subprocess.run(
        [sys.executable, "-m", "losscli", "eval", "-", "-l", "mse"],
        input=bad.encode(), capture_output=True,
    )  # fmt: skip
    assert out.returncode == 3 and out.stderr.decode().startswith("error: -")


def test_per_sample_text_write_back_keeps_the_page_cache_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 32 MiB the kernel is asked to start writing the new text out, and to drop
    what was written two steps before, so the page cache reuses a few dozen MiB."""
    from losscli.io import persample

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, off, n, advice: calls.append((off, n)))
    mib = 1 << 20
    with open(tmp_path / "ps.csv", "wb") as fh:
        writer = persample.PerSampleWriter(fh, "csv")
        try:
            for _ in range(5):
                fh.write(b"x" * (33 * mib))
                writer._start_writeback()
        finally:
            writer.abandon()
    step = 33 * mib
    assert calls == [
        (0, step), (step, step), (2 * step, step), (0, step), (3 * step, step), (step, step),
        (4 * step, step), (2 * step, step),
    ]  # fmt: skip


def test_per_sample_to_a_pipe_skips_write_back(tmp_path: Path) -> None:
    from losscli.io import persample

    read, write = os.pipe()
    with os.fdopen(write, "wb") as fh, os.fdopen(read, "rb") as rd:
        writer = persample.PerSampleWriter(fh, "csv")
        writer.write(np.arange(3), {"mse": np.array([0.5, 1.0, 2.0])})
        writer.close()
        assert writer._marks is None  # a pipe has no page cache to manage
        fh.close()
        assert rd.read() == b"index,mse\n0,0.5\n1,1.0\n2,2.0\n"
