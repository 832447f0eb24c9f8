"""Memory stays bounded whatever the input (issue 15, "Memory that is not bounded").

Every case runs the real command in a child process under ``/usr/bin/time -f %M`` (its
peak resident memory) and asserts a ceiling far below what the input grew to before:
standard input read whole, ``.csv.gz`` of one endless line or far larger than its size
says (decompression bombs), 100,000 columns, ``--chunk-size 1``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import MODULE_CMD, Result, child_env

TIME = "/usr/bin/time"
pytestmark = pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="needs /usr/bin/time")
MB = 1024  # /usr/bin/time reports kilobytes


def measured(
    tmp_path: Path, *args: object, stdin: Path | None = None, env: dict[str, str] | None = None
) -> tuple[Result, int]:
    """(the result, peak RSS in KB) of ``losscli ARGS`` with ``stdin`` from a file."""
    out = tmp_path / "rss.txt"
    with open(stdin or os.devnull, "rb") as fh:
        proc = subprocess.run(
            [TIME, "-f", "%M", "-o", str(out), *MODULE_CMD, *map(str, args)],
            stdin=fh,
            capture_output=True,
            env=child_env(env),
            timeout=120,
        )
    result = Result(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )
    return result, int(out.read_text().split()[-1])


def one_error(r: Result, code: int, pattern: str) -> None:
    assert r.code == code, r.err
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert pattern in lines[0], r.err
    assert "Traceback" not in r.err


# --- standard input -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["npy", "npz", "jsonl", "parquet"])
def test_dev_zero_on_stdin_is_refused_at_once(tmp_path: Path, fmt: str) -> None:
    """/dev/zero on stdin grew to 5 GB: now its first block is checked against the format."""
    r, kb = measured(tmp_path, "eval", "-", "--input-format", fmt, stdin=Path("/dev/zero"))
    one_error(r, 3, "-: does not hold")
    assert kb < 200 * MB


def test_stdin_of_a_format_read_whole_is_capped(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "d.parquet"
    n = 50_000
    pq.write_table(pa.table({"y": np.arange(n) % 2, "p": np.linspace(0, 1, n)}), path)
    env = {"LOSSCLI_MAX_DECOMPRESSED": "100000"}
    r, _ = measured(tmp_path, "eval", "-", "--input-format", "parquet", stdin=path, env=env)
    one_error(r, 3, "holds more than 100000 bytes, the limit for this format on standard input")
    assert "save it to a file and pass its path" in r.err
    r, _ = measured(tmp_path, "eval", "-", "--input-format", "parquet", "-f", "json", stdin=path)
    assert r.code == 0, r.err
    assert json.loads(r.out)["n_samples"] == n


def test_npy_on_stdin_streams(tmp_path: Path) -> None:
    """An 80 MB array on stdin took 191 MB (read whole, then copied); now ~70 MB, chunk by
    chunk, with the figures of the same file read by path."""
    rng = np.random.default_rng(3)
    n = 5_000_000
    path = tmp_path / "big.npy"
    np.save(path, np.column_stack([rng.integers(0, 2, n), rng.random(n)]))
    args = ("eval", "-f", "json", "--input-format", "npy")
    r, kb = measured(tmp_path, *args, "-", stdin=path)
    assert r.code == 0, r.err
    assert kb < 140 * MB, kb
    by_path, _ = measured(tmp_path, *args, path)
    assert json.loads(r.out)["losses"] == json.loads(by_path.out)["losses"]
    cut = tmp_path / "cut.npy"
    cut.write_bytes(path.read_bytes()[: 1 << 20])
    r, _ = measured(tmp_path, *args, "-", stdin=cut)
    one_error(r, 3, "-: truncated: the header says shape (5000000, 2)")


def _jsonl(path: Path, n: int, extra_at: int | None = None) -> Path:
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(f'{{"label": {i % 2}, "prob": {(i % 1000) / 1000 + 0.0005}}}\n')
            if i == extra_at:
                fh.write('{"label": 1, "prob": 0.5, "late": 3}\n')
    return path


def test_jsonl_on_stdin_streams_in_blocks(tmp_path: Path) -> None:
    """32 MB of JSON Lines on stdin took 1 GB (read whole, then pandas); now blocks of
    whole lines, with the figures of the same file read whole."""
    path = _jsonl(tmp_path / "big.jsonl", 1_000_000)
    args = ("eval", "-f", "json", "--input-format", "jsonl")
    r, kb = measured(tmp_path, *args, "-", stdin=path)
    assert r.code == 0, r.err
    assert kb < 350 * MB, kb
    report = json.loads(r.out)
    assert report["n_samples"] == 1_000_000
    i = np.arange(1_000_000)
    y, p = i % 2, (i % 1000) / 1000 + 0.0005
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert report["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(bce.mean(), rel=1e-12)
    small = _jsonl(tmp_path / "small.jsonl", 1000)
    r_small, _ = measured(tmp_path, *args, "-", stdin=small)
    by_path, _ = measured(tmp_path, *args, small)
    assert json.loads(r_small.out)["losses"] == json.loads(by_path.out)["losses"]


def test_jsonl_key_first_seen_in_a_later_block_is_an_error(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "late.jsonl", 400_000, extra_at=390_000)
    r, _ = measured(tmp_path, "eval", "-", "--input-format", "jsonl", stdin=path)
    one_error(r, 3, "key 'late' first appears after line")


# --- .csv.gz: endless lines, bombs, memory of the stream ------------------------------


def _gz(path: Path, head: bytes, block: bytes, times: int) -> Path:
    with gzip.open(path, "wb", compresslevel=1) as g:
        g.write(head)
        for _ in range(times):
            g.write(block)
    return path


def test_gz_of_one_endless_line_is_refused(tmp_path: Path) -> None:
    """One line of 200 MB grew without limit (6.2 GB when killed, for a larger one)."""
    path = _gz(tmp_path / "line.csv.gz", b"label,prob\n1,0.5", b"1" * (1 << 20), 200)
    r, kb = measured(tmp_path, "eval", path)
    one_error(r, 3, "a line longer than 64 MiB")
    assert kb < 300 * MB, kb


def test_plain_csv_of_one_endless_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    with open(path, "wb") as fh:
        fh.write(b"label,prob\n1,0.5\n0,")
        for _ in range(100):
            fh.write(b"1" * (1 << 20))
    r, kb = measured(tmp_path, "eval", path)
    one_error(r, 3, "a line longer than 64 MiB")
    assert kb < 300 * MB, kb


@pytest.mark.parametrize("name", ["z.csv.gz", "z.jsonl.gz", "z.npy.gz"])
def test_gz_bomb_of_zeros_is_refused_at_once(tmp_path: Path, name: str) -> None:
    """1 MB expanding to 1 GiB of zeros: refused from the first block, in bounded memory."""
    path = _gz(tmp_path / name, b"", bytes(1 << 20), 1024)
    assert path.stat().st_size < 8 << 20
    r, kb = measured(tmp_path, "eval", path)
    one_error(r, 3, "does not hold")
    assert kb < 200 * MB, kb


def test_gz_bomb_of_one_repeated_row_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A few hundred KB expanding to 100 MB of valid rows is read to the end, as a plain
    file is (it was read with pyarrow's read-ahead: 605 MB for 275 MB)."""
    rows = b"1,0.25\n0,0.75\n" * (1 << 16)
    path = _gz(tmp_path / "rows.csv.gz", b"label,prob\n", rows, 110)
    assert path.stat().st_size < 1 << 20
    r, kb = measured(tmp_path, "eval", path, "-f", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["n_samples"] == 110 * 2 * (1 << 16)
    assert report["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(np.log(4))
    assert kb < 250 * MB, kb


def test_gz_streams_in_the_memory_of_the_plain_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 1_000_000
    plain = tmp_path / "d.csv"
    with open(plain, "w") as fh:
        fh.write("label,prob\n")
        np.savetxt(
            fh, np.column_stack([rng.integers(0, 2, n), rng.random(n)]), fmt="%g", delimiter=","
        )
    gz = tmp_path / "d.csv.gz"
    with open(plain, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
        shutil.copyfileobj(src, dst)
    r_plain, kb_plain = measured(tmp_path, "eval", plain, "-f", "json")
    r_gz, kb_gz = measured(tmp_path, "eval", gz, "-f", "json")
    assert r_plain.code == r_gz.code == 0, r_gz.err
    gz_mean = json.loads(r_gz.out)["losses"]["binary_cross_entropy"]["mean"]
    plain_mean = json.loads(r_plain.out)["losses"]["binary_cross_entropy"]["mean"]
    assert gz_mean == pytest.approx(plain_mean, rel=1e-12)  # other block cuts: last digit
    assert kb_gz < kb_plain * 1.25 + 20 * MB, (kb_gz, kb_plain)


def test_small_gz_that_expands_past_a_mib_is_streamed(tmp_path: Path) -> None:
    """Whole-file reading is decided by what a .gz expands to, not by its size: a bad row
    of a tiny file expanding to megabytes is still found and named."""
    rows = b"1,0.25\n0,0.75\n" * 100_000
    path = _gz(tmp_path / "r.csv.gz", b"label,prob\n", rows + b"1,oops\n", 1)
    assert path.stat().st_size < 64 << 10
    r, _ = measured(tmp_path, "eval", path)
    one_error(r, 3, "row 200001, column prob: non-numeric value 'oops'")
    truncated = tmp_path / "t.csv.gz"
    big = _gz(tmp_path / "b.csv.gz", b"label,prob\n", rows, 20)
    truncated.write_bytes(big.read_bytes()[:-100])
    r, _ = measured(tmp_path, "eval", truncated)
    one_error(r, 3, "corrupt or truncated gzip data")


# --- columns ----------------------------------------------------------------------------


def test_100k_columns_are_refused_naming_the_limit(tmp_path: Path) -> None:
    """100,000 columns x 3 rows (1.9 MB) took 1.1 GB and ended "out of memory"."""
    k = 100_000
    path = tmp_path / "wide.csv"
    cells = ",".join(["0.00001"] * k)
    path.write_text("label," + ",".join(f"c{i}" for i in range(k)) + "\n" + f"0,{cells}\n" * 3)
    r, kb = measured(tmp_path, "eval", path, "-o", tmp_path / "out.json")
    one_error(r, 3, "has 100001 columns, more than the limit of 8192")
    assert "LOSSCLI_MAX_COLUMNS=N" in r.err
    assert not (tmp_path / "out.json").exists()
    assert kb < 200 * MB, kb
    npy = tmp_path / "wide.npy"
    np.save(npy, np.full((3, k), 0.1))
    r, kb = measured(tmp_path, "eval", npy)
    one_error(r, 3, "has 100000 columns, more than the limit of 8192")
    assert kb < 200 * MB, kb


def test_the_column_limit_is_set_by_its_variable(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("label,a,b\n0,0.5,0.5\n1,0.2,0.8\n")
    r, _ = measured(tmp_path, "eval", path, env={"LOSSCLI_MAX_COLUMNS": "2"})
    one_error(r, 3, "has 3 columns, more than the limit of 2")
    r, _ = measured(tmp_path, "eval", path, env={"LOSSCLI_MAX_COLUMNS": "3"})
    assert r.code == 0, r.err
    r, _ = measured(tmp_path, "eval", path, env={"LOSSCLI_MAX_COLUMNS": "lots"})
    one_error(r, 2, "LOSSCLI_MAX_COLUMNS='lots' is not a positive whole number")


# --- chunk size --------------------------------------------------------------------------


def test_chunk_size_one_is_raised_to_the_floor(tmp_path: Path) -> None:
    """--chunk-size 1 on 1M rows ran past a minute (a chunk has a fixed cost); chunks are
    never below 4096 rows now, and the figures are those of the default chunking."""
    rng = np.random.default_rng(5)
    n = 300_000
    path = tmp_path / "d.csv"
    with open(path, "w") as fh:
        fh.write("label,prob\n")
        np.savetxt(
            fh, np.column_stack([rng.integers(0, 2, n), rng.random(n)]), fmt="%g", delimiter=","
        )
    env = {"LOSSCLI_MIN_CHUNK_ROWS": "4096"}  # the default (the suite lowers it to 1)
    args = ("eval", path, "-f", "json", "-m", "roc_auc", "-m", "accuracy")
    small = subprocess.run(
        [*MODULE_CMD, *map(str, args), "--chunk-size", "1"],
        capture_output=True,
        env=child_env(env),
        timeout=30,
    )
    assert small.returncode == 0, small.stderr
    default, _ = measured(tmp_path, *args, env=env)
    a, b = json.loads(small.stdout), json.loads(default.out)
    assert _close(a["losses"], b["losses"]) and _close(a["metrics"], b["metrics"])


def _close(a: object, b: object) -> bool:
    """Equal, numbers to 1e-12 relative (other chunk cuts may move a last digit)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return bool(a == pytest.approx(b, rel=1e-12, nan_ok=True))
    return a == b
