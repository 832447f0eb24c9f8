"""Issue 19's Parquet and CSV speed work: the next row group read while this one is scored
(``io.parquet._ahead``), the whole-input facts of a side whose kept values are full
(``validate.whole._holds_new``), and the console script.  The figures
stay those of the whole input read at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import losscli
from losscli.io import parquet
from losscli.validate import whole


def test_ahead_keeps_order_and_raises_where_the_failing_read_is() -> None:
    calls: list[int] = []

    def read(i: int) -> Callable[[], int]:
        def run() -> int:
            calls.append(i)
            if i == 3:
                raise ValueError("bad page")
            return i * 10

        return run

    assert list(parquet._ahead(read(i) for i in range(3))) == [0, 10, 20]
    got = []
    with pytest.raises(ValueError, match="bad page"):
        for x in parquet._ahead(read(i) for i in range(6)):
            got.append(x)
    assert got == [0, 10, 20]  # every result before the failing read came out first
    assert list(parquet._ahead(iter([]))) == []


def test_ahead_holds_at_most_the_result_and_one_read() -> None:
    started: list[int] = []
    seen: list[tuple[int, int]] = []

    def read(i: int) -> Callable[[], int]:
        def run() -> int:
            started.append(i)
            return i

        return run

    for x in parquet._ahead(read(i) for i in range(5)):
        seen.append((x, max(started)))
    assert all(top <= x + 1 for x, top in seen), seen


def test_ahead_stops_when_the_reader_is_closed_early() -> None:
    started: list[int] = []

    def read(i: int) -> Callable[[], int]:
        def run() -> int:
            started.append(i)
            return i

        return run

    gen = parquet._ahead(read(i) for i in range(100))
    assert next(gen) == 0
    gen.close()
    assert max(started) <= 1


def _parquet(path: Path, n: int, group: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.round(rng.normal(size=n), 6)
    p = np.round(y + rng.normal(scale=0.1, size=n), 6)
    pq.write_table(pa.table({"target": y, "prediction": p}), path, row_group_size=group)
    return y, p


@pytest.mark.parametrize("chunk", [997, 4096, 100_000])
def test_parquet_read_ahead_gives_the_figures_of_reading_in_turn(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.parquet"
    y, p = _parquet(path, 30_011, 3_000)
    ahead = losscli.evaluate(str(path), losses=["mse", "mae"], chunk_rows=chunk)
    monkeypatch.setattr(parquet, "_ahead", lambda reads: (read() for read in reads))
    in_turn = losscli.evaluate(str(path), losses=["mse", "mae"], chunk_rows=chunk)
    assert (ahead.losses, ahead.metrics) == (in_turn.losses, in_turn.metrics)  # to the bit
    whole_run = losscli.evaluate(y, p, losses=["mse", "mae"], chunk_rows=len(y))
    for name in ("mse", "mae"):
        assert ahead.losses[name]["mean"] == pytest.approx(
            whole_run.losses[name]["mean"], rel=1e-12
        )


def test_a_bad_row_group_is_an_input_error_naming_the_file(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    _parquet(path, 20_000, 2_000)
    data = bytearray(path.read_bytes())
    meta = pq.ParquetFile(path).metadata
    col = meta.row_group(6).column(1)
    start = col.data_page_offset
    data[start + 40 : start + 4000] = b"\xff" * (4000 - 40)  # a page of row group 6 broken
    path.write_bytes(bytes(data))
    out = tmp_path / "out.json"
    r = run("eval", path, "-o", out)
    assert r.code == 3, r.err
    lines = [ln for ln in r.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and str(path) in lines[0], r.err
    assert not out.exists()


def _brute(f: np.ndarray, values: dict[Any, Any], text: bool) -> bool:
    keys = [k for k in values if isinstance(k, float)] if text else list(values)
    return bool(np.any(~np.isin(f, np.asarray(keys, dtype=float)))) if keys else f.size > 0


def test_holds_new_is_isin() -> None:
    rng = np.random.default_rng(5)
    evens = {float(v): float(v) for v in range(0, 2000, 2)}
    assert not whole._holds_new(np.array([0.0, -0.0, 1998.0, 4.0]), evens, False)
    assert whole._holds_new(np.array([0.0, 3.0]), evens, False)  # inside the range
    assert whole._holds_new(np.array([2000.0]), evens, False)  # above it
    assert whole._holds_new(np.array([-2.0]), evens, False)  # below it
    mixed = {"a": "a", 1.0: 1.0, 2.0: 2.0}
    assert not whole._holds_new(np.array([1.0, 2.0]), mixed, True)
    assert whole._holds_new(np.array([1.5]), mixed, True)
    assert whole._holds_new(np.array([1.0]), {"a": "a"}, True)
    for _ in range(300):
        keys = np.unique(rng.integers(-50, 50, rng.integers(1, 60))).astype(float)
        f = rng.integers(-60, 60, rng.integers(1, 50)).astype(float)
        values = {float(k): float(k) for k in keys}
        assert whole._holds_new(f, values, False) == _brute(f, values, False)


def test_facts_of_many_values_are_those_of_one_chunk() -> None:
    """A side is full after its first chunks: the later ones only say whether a value is
    new; the facts (and so the reading) equal those of the input in one piece."""
    rng = np.random.default_rng(3)
    for values in (np.arange(1000.0), np.arange(1001.0), np.round(rng.normal(size=5000), 3)):
        x = np.concatenate([values, rng.choice(values, 20_000)])
        one, many = whole._Side(), whole._Side()
        one.add(x)
        for part in np.array_split(x, [1000, 1500, 9000, 9001]):
            many.add(part)
        assert (one.many, one.low, one.high, one.fraction) == (
            many.many,
            many.low,
            many.high,
            many.fraction,
        )
        assert one.many == (values.size > 1000)


def test_the_console_script_gives_the_apis_figures(run: Any, tmp_path: Path) -> None:
    """Through the console script (the read-ahead) and through the
    API: the same figures to the last bit."""
    path = tmp_path / "r.parquet"
    _parquet(path, 50_000, 4_000, seed=9)
    r = run("eval", path, "-f", "json", "--chunk-size", "3000")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    api = losscli.evaluate(str(path))
    assert report["losses"]["mse"]["mean"] == api.losses["mse"]["mean"]
    assert report["metrics"]["rmse"] == api.metrics["rmse"]


def test_mse_and_mae_of_one_column_are_numpys_means_to_the_bit() -> None:
    from losscli.scoring import losses as L

    rng = np.random.default_rng(11)
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308])
    for k in (1, 3):
        y = rng.normal(size=(500, k)) * 10.0 ** rng.integers(-200, 200, (500, k))
        p = rng.normal(size=(500, k)) * 10.0 ** rng.integers(-200, 200, (500, k))
        y[:7, 0], p[:7, 0] = special, special[::-1]
        with np.errstate(all="ignore"):  # as scoring calls them
            d = p - y
            mse, mae = L.mse(y, p), L.mae(y, p)
            assert mse.tobytes() == np.mean(d * d, axis=1).tobytes()
            assert mae.tobytes() == np.mean(np.abs(d), axis=1).tobytes()
