"""Readers keep the ``text_cols`` columns (ids) exactly as written."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.io import readers
from losscli.io.delimited import SMALL_TEXT
from losscli.io.table import text_names

BIG = 2**53 + 1


def _whole(path: Path, **kw: object) -> dict[str, np.ndarray]:
    tables = list(readers.read_chunks(str(path), **kw))  # type: ignore[arg-type]
    return {n: np.concatenate([t.data[n] for t in tables]) for n in tables[0].names}


def test_text_names_resolves_names_case_and_indices_and_predicates() -> None:
    names = ["ID", "target", "pred"]
    assert text_names({"ID"}, names) == {"ID"}
    assert text_names({"id"}, names) == {"ID"}
    assert text_names({"2"}, names) == {"pred"}
    assert text_names({"nope"}, names) == set()
    assert text_names(lambda n: n.lower().endswith("id"), names) == {"ID"}
    assert text_names(None, names) == set()


@pytest.mark.parametrize("spec", [{"id"}, lambda name: name == "id"])
def test_small_csv_keeps_the_text(tmp_path: Path, spec: object) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"id,target\n007,1\n7,0\n{BIG},1\n")
    table = readers.read(str(path), text_cols=spec)  # type: ignore[arg-type]
    assert table.data["id"].tolist() == ["007", "7", str(BIG)]
    assert table.data["target"].dtype == np.float64
    plain = readers.read(str(path))
    assert plain.data["id"].dtype == np.float64  # without text_cols: numbers as before


def _big_csv(path: Path, opener: object = open) -> list[str]:
    ids = [f"{i:07d}" if i % 3 == 0 else str(BIG + i) for i in range(80_000)]
    with opener(path, "wt") as fh:  # type: ignore[operator]
        fh.write("id,target,pred\n")
        for i, k in enumerate(ids):
            fh.write(f"{k},{i % 2},0.25\n")
    return ids


def test_streamed_csv_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    ids = _big_csv(path)
    assert path.stat().st_size >= SMALL_TEXT
    data = _whole(path, text_cols={"id"}, chunk_rows=10_000)
    assert data["id"].tolist() == ids
    assert data["pred"].dtype == np.float64
    whole = readers.read(str(path), text_cols={"id"})  # the pandas path
    assert whole.data["id"].tolist() == ids
    assert whole.data["target"].dtype == np.float64


def test_streamed_gzip_csv_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    ids = _big_csv(path, gzip.open)
    assert _whole(path, text_cols={"id"})["id"].tolist() == ids


def test_stdin_csv_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    ids = _big_csv(path)
    data = path.read_bytes()
    tables = list(
        readers.read_chunks("-", input_format="csv", stdin=io.BytesIO(data), text_cols={"id"})
    )
    assert [v for t in tables for v in t.data["id"].tolist()] == ids
    small = b"id,target\n007,1\n7,0\n"
    t = readers.read("-", input_format="csv", stdin=io.BytesIO(small), text_cols={"id"})
    assert t.data["id"].tolist() == ["007", "7"]


def test_headerless_tsv_by_index(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("007\t1\n7\t0\n")
    table = readers.read(str(path), header=False, text_cols={"0"})
    assert table.data["0"].tolist() == ["007", "7"]


def test_comma_decimals_leave_ids_alone(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id;target;pred\n007;1;0,5\n7;0;0,25\n")
    table = readers.read(str(path), delimiter=";", decimal=",", text_cols={"id"})
    assert table.data["id"].tolist() == ["007", "7"]
    assert table.data["pred"].tolist() == [0.5, 0.25]


def test_jsonl_numbers_as_their_literal_text(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [{"id": "007", "target": 1}, {"id": 7, "target": 0}, {"id": BIG, "target": 1}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = readers.read(str(path), text_cols={"id"})
    assert table.data["id"].tolist() == ["007", "7", str(BIG)]


@pytest.mark.parametrize("streamed", [False, True])
def test_parquet_keeps_int64_and_strings(tmp_path: Path, streamed: bool) -> None:
    n = 200_000 if streamed else 3
    ints = [BIG + i for i in range(n)]
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array(ints, pa.int64()),
                "key": pa.array([f"{i:03d}" for i in range(n)]),
                "target": [i % 2 for i in range(n)],
            }
        ),
        path,
    )
    if streamed:
        assert path.stat().st_size >= SMALL_TEXT
    data = _whole(path, text_cols={"id", "key"}, chunk_rows=50_000)
    assert data["id"].dtype == np.int64 and data["id"].tolist() == ints
    assert data["key"].tolist()[:2] == ["000", "001"]
    assert data["target"].dtype == np.float64


def test_parquet_int_ids_with_nulls_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": pa.array([BIG, None], pa.int64()), "target": [1, 0]}), path)
    table = readers.read(str(path), text_cols={"id"})
    assert table.data["id"].tolist() == [BIG, None]


def test_npz_and_npy_keep_integers(tmp_path: Path) -> None:
    npz = tmp_path / "t.npz"
    np.savez(npz, ids=np.array([BIG, 7], dtype=np.int64), y_true=np.array([1, 0]))
    table = readers.read(str(npz), text_cols={"ids"})
    assert table.data["ids"].dtype == np.int64 and table.data["ids"].tolist() == [BIG, 7]
    assert table.data["y_true"].dtype == np.float64
    names = tmp_path / "n.npz"
    np.savez(names, ids=np.array(["007", "7"]), y_true=np.array([1, 0]))
    assert readers.read(str(names), text_cols={"ids"}).data["ids"].tolist() == ["007", "7"]
    npy = tmp_path / "t.npy"
    np.save(npy, np.array([[BIG, 1], [7, 0]], dtype=np.int64))
    t = readers.read(str(npy), text_cols={"0"})
    assert t.data["0"].tolist() == [BIG, 7] and t.data["1"].dtype == np.float64


def test_api_dataframes_keep_integer_ids() -> None:
    import pandas as pd

    import losscli

    t = pd.DataFrame({"id": [2**53 + 1, 2**53], "target": [1, 0]})
    p = pd.DataFrame({"id": [2**53, 2**53 + 1], "pred": [0.25, 0.75]})
    r = losscli.evaluate(t, p, id_col="id")
    assert r.ids is not None and r.ids.tolist() == [2**53 + 1, 2**53]
    assert r.losses["binary_cross_entropy"]["mean"] == pytest.approx(-np.log(0.75))


def test_parquet_per_sample_keeps_the_first_chunks_id_type(tmp_path: Path) -> None:
    from losscli.errors import UsageError
    from losscli.io.persample import PerSampleWriter

    path = tmp_path / "l.parquet"
    with open(path, "wb") as fh:
        w = PerSampleWriter(fh, "parquet")
        w.write(np.array(["007", "a"], dtype=object), {"mse": np.array([0.5, 1.0])})
        w.write(np.array([BIG, 7], dtype=np.int64), {"mse": np.array([2.0, 3.0])})
        w.close()
    assert pq.read_table(path).column("index").to_pylist() == ["007", "a", str(BIG), "7"]
    with open(tmp_path / "m.parquet", "wb") as fh:
        w = PerSampleWriter(fh, "parquet")
        w.write(np.array([1, 2], dtype=np.int64), {"mse": np.array([0.5, 1.0])})
        with pytest.raises(UsageError, match="ids of a later chunk"):
            w.write(np.array(["x"], dtype=object), {"mse": np.array([2.0])})
        w.abandon()  # closes the Parquet writer too
