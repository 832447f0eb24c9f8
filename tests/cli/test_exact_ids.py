"""``--id-col`` values kept exactly as written, through the command line (in this
process; the alignment of colliding ids through the real program): in
alignment (``007`` is not ``7``, integers beyond 2^53 stay exact, Parquet int64 and string
ids), in ``--per-sample`` output of every format (read back with pyarrow) and in the
preview; ids common to neither side and 2-D id arrays are input errors."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.conftest import Result

BIG = 2**53


def bce(y: int, p: float) -> float:
    return -math.log(p if y else 1 - p)


def ok(r: Result) -> Result:
    assert r.code == 0, r.err
    return r


def fails(r: Result, code: int, *fragments: str) -> None:
    assert r.code == code, (r.code, r.out, r.err)
    lines = [line for line in r.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, r.err
    for f in fragments:
        assert f in lines[0], lines[0]
    assert "Traceback" not in r.err


# ids that collide through float64: 007 and 7, 2^53 and 2^53 + 1
IDS = ["007", "7", str(BIG), str(BIG + 1), "a b", "x,y"]
Y = [1, 0, 1, 0, 1, 0]
P = [0.9, 0.2, 0.6, 0.4, 0.7, 0.35]


def _csv_cell(text: str) -> str:
    return f'"{text}"' if "," in text else text


@pytest.fixture
def keyed(tmp_path: Path) -> tuple[Path, Path]:
    """Targets and a shuffled predictions file keyed by ids that collide as floats."""
    t = tmp_path / "targets.csv"
    t.write_text("id,target\n" + "".join(f"{_csv_cell(i)},{y}\n" for i, y in zip(IDS, Y)))
    rows = list(zip(IDS, P))
    random.Random(5).shuffle(rows)
    p = tmp_path / "preds.csv"
    p.write_text("id,pred\n" + "".join(f"{_csv_cell(i)},{v}\n" for i, v in rows))
    return t, p


EXPECTED = sum(bce(y, p) for y, p in zip(Y, P)) / len(Y)


def test_colliding_ids_align_exactly(run: Callable[..., Result], keyed: tuple[Path, Path]) -> None:
    t, p = keyed
    out = ok(run("eval", t, p, "--id-col", "id", "-f", "value")).out
    assert math.isclose(float(out), EXPECTED, rel_tol=1e-12)


def test_per_sample_csv_tsv_keep_the_ids_as_written(
    cli: Callable[..., Result], keyed: tuple[Path, Path], tmp_path: Path
) -> None:
    t, p = keyed
    for ext, sep in (("csv", ","), ("tsv", "\t")):
        out = tmp_path / f"losses.{ext}"
        ok(cli("eval", t, p, "--id-col", "id", "--per-sample", out))
        table = pcsv.read_csv(
            out,
            parse_options=pcsv.ParseOptions(delimiter=sep),
            convert_options=pcsv.ConvertOptions(column_types={"index": pa.string()}),
        )
        assert table.column("index").to_pylist() == IDS  # in the targets' order
        losses = table.column(table.column_names[1]).to_pylist()
        assert losses == pytest.approx([bce(y, v) for y, v in zip(Y, P)], rel=1e-15)
    raw = (tmp_path / "losses.csv").read_text().splitlines()
    assert raw[1].startswith("007,") and raw[6].startswith('"x,y",')


def test_per_sample_jsonl_and_parquet_keep_text_ids(
    cli: Callable[..., Result], keyed: tuple[Path, Path], tmp_path: Path
) -> None:
    t, p = keyed
    ok(cli("eval", t, p, "--id-col", "id", "--per-sample", tmp_path / "l.jsonl"))
    rows = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == IDS
    ok(cli("eval", t, p, "--id-col", "id", "--per-sample", tmp_path / "l.parquet"))
    table = pq.read_table(tmp_path / "l.parquet")
    assert table.schema.field("index").type == pa.string()
    assert table.column("index").to_pylist() == IDS


def _parquet_targets(path: Path, ids: pa.Array, y: list[int]) -> Path:
    pq.write_table(pa.table({"id": ids, "target": y}), path)
    return path


def test_parquet_int64_ids_match_csv_text_and_stay_int64(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    ints = [BIG + 1, 7, BIG, 12]
    t = _parquet_targets(tmp_path / "t.parquet", pa.array(ints, pa.int64()), [1, 0, 1, 0])
    preds = {BIG: 0.6, BIG + 1: 0.9, 7: 0.3, 12: 0.2}
    p = tmp_path / "p.csv"
    p.write_text("id,pred\n" + "".join(f"{k},{v}\n" for k, v in preds.items()))
    out = tmp_path / "l.parquet"
    ok(cli("eval", t, p, "--id-col", "id", "--per-sample", out))
    table = pq.read_table(out)
    assert table.schema.field("index").type == pa.int64()
    assert table.column("index").to_pylist() == ints
    got = table.column(table.column_names[1]).to_pylist()
    assert got == pytest.approx([bce(y, preds[k]) for k, y in zip(ints, [1, 0, 1, 0])])
    ok(cli("eval", t, p, "--id-col", "id", "--per-sample", tmp_path / "l.jsonl"))
    rows = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == ints  # JSON integers, exact


def test_parquet_int_ids_do_not_match_leading_zeros(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    t = _parquet_targets(tmp_path / "t.parquet", pa.array([7, 8], pa.int64()), [1, 0])
    p = tmp_path / "p.csv"
    p.write_text("id,pred\n007,0.9\n8,0.1\n")
    out = tmp_path / "report.json"
    r = cli("eval", t, p, "--id-col", "id", "-f", "json", "-o", out)
    fails(r, 3, "1 id(s) have no prediction, e.g. '7'", "--allow-missing")
    assert not out.exists()


def test_parquet_string_ids(cli: Callable[..., Result], tmp_path: Path) -> None:
    t = _parquet_targets(tmp_path / "t.parquet", pa.array(["007", "7"]), [1, 0])
    p = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": pa.array(["7", "007"]), "pred": [0.25, 0.75]}), p)
    out = tmp_path / "l.parquet"
    value = ok(cli("eval", t, p, "--id-col", "id", "-f", "value", "--per-sample", out)).out
    assert math.isclose(float(value), (bce(1, 0.75) + bce(0, 0.25)) / 2, rel_tol=1e-12)
    assert pq.read_table(out).column("index").to_pylist() == ["007", "7"]


def test_preview_shows_ids_as_written(cli: Callable[..., Result], tmp_path: Path) -> None:
    f = tmp_path / "f.parquet"
    pq.write_table(pa.table({"id": [7.0, 2.0], "target": [1, 0], "pred": [0.3, 0.4]}), f)
    out = tmp_path / "l.csv"
    table = ok(cli("eval", f, "--id-col", "id", "--per-sample", out)).out
    assert "7.0" not in table and "\n 7 " in table.replace("  ", " ")
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == ["index", "7", "2"]
    c = tmp_path / "c.csv"
    c.write_text("id,target,pred\n007,1,0.1\n[b]x,0,0.2\n")
    shown = ok(cli("eval", c, "--id-col", "id")).out
    assert "007" in shown and "[b]x" in shown


def test_float_ids_beyond_2_53_are_an_input_error(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    t = _parquet_targets(tmp_path / "t.parquet", pa.array([float(BIG), 1.0]), [1, 0])
    p = tmp_path / "p.csv"
    p.write_text(f"id,pred\n{BIG},0.9\n1,0.1\n")
    out = tmp_path / "l.csv"
    fails(
        cli("eval", t, p, "--id-col", "id", "--per-sample", out),
        3,
        "t.parquet",
        "row 1",
        "precision was lost",
    )
    assert not out.exists()


def test_duplicate_and_missing_ids_are_named_as_written(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    t = tmp_path / "t.csv"
    t.write_text("id,target\n007,1\n7,0\n007,1\n")
    p = tmp_path / "p.csv"
    p.write_text("id,pred\n007,0.9\n7,0.1\n")
    fails(cli("eval", t, p, "--id-col", "id"), 3, "duplicate id '007' (rows 1 and 3)")
    t.write_text("id,target\n007,1\n0007,0\n")
    fails(cli("eval", t, p, "--id-col", "id"), 3, "no prediction, e.g. '0007'")
    t.write_text("id,target\n007,1\n,0\n")
    fails(cli("eval", t, p, "--id-col", "id"), 3, "missing id", "row 2")


def test_no_common_id_is_an_input_error(cli: Callable[..., Result], tmp_path: Path) -> None:
    t = tmp_path / "t.csv"
    t.write_text("id,target\n1,0\n2,1\n")
    p = tmp_path / "p.csv"
    p.write_text("id,pred\n3,0.2\n4,0.8\n")
    out = tmp_path / "report.json"
    per = tmp_path / "l.csv"
    r = cli("eval", t, p, "--id-col", "id", "--allow-missing", "-o", out, "--per-sample", per)
    fails(r, 3, "no id is common to both files")
    assert not out.exists() and not per.exists()
    fails(cli("eval", t, p, "--id-col", "id"), 3, "no id is common to both files")


def test_no_common_id_in_batch_skip_errors(cli: Callable[..., Result], tmp_path: Path) -> None:
    t = tmp_path / "t.csv"
    t.write_text("id,target\n1,0\n2,1\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,pred\n3,0.2\n4,0.8\n")
    good = tmp_path / "good.csv"
    good.write_text("id,pred\n2,0.8\n1,0.2\n")
    common = ("--targets", t, "--id-col", "id", "--allow-missing")
    r = cli("batch", bad, good, *common, "--skip-errors", "-f", "json")
    assert r.code == 3, r.err
    errors = [line for line in r.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "bad.csv" in errors[0] and "no id is common" in errors[0]
    assert "Traceback" not in r.err
    report = json.loads(r.out)
    assert [Path(f["file"]).name for f in report["files"]] == ["good.csv"]
    fails(cli("batch", bad, good, *common), 3, "no id is common to both files")


def test_npz_with_a_2d_id_array(cli: Callable[..., Result], tmp_path: Path) -> None:
    one = tmp_path / "a.npz"
    ids = np.array([[1, 2], [3, 4]])
    np.savez(one, y_true=np.array([0, 1]), y_pred=np.array([0.2, 0.8]), ids=ids)
    fails(cli("eval", one, "--id-col", "ids"), 3, "a.npz", "'ids'", "(2, 2)")
    t = tmp_path / "t.npz"
    np.savez(t, y_true=np.array([0, 1]), ids=ids)
    p = tmp_path / "p.npz"
    np.savez(p, y_pred=np.array([0.2, 0.8]), ids=ids)
    fails(cli("eval", t, p, "--id-col", "ids"), 3, "t.npz", "'ids'")


def test_npz_integer_ids_stay_exact(cli: Callable[..., Result], tmp_path: Path) -> None:
    t = tmp_path / "t.npz"
    np.savez(t, y_true=np.array([1, 0]), ids=np.array([BIG + 1, BIG], dtype=np.int64))
    p = tmp_path / "p.npz"
    np.savez(p, y_pred=np.array([0.3, 0.9]), ids=np.array([BIG, BIG + 1], dtype=np.int64))
    out = tmp_path / "l.parquet"
    value = ok(cli("eval", t, p, "--id-col", "ids", "-f", "value", "--per-sample", out)).out
    assert math.isclose(float(value), (bce(1, 0.9) + bce(0, 0.3)) / 2, rel_tol=1e-12)
    assert pq.read_table(out).column("index").to_pylist() == [BIG + 1, BIG]


def test_npy_per_sample_takes_plain_integer_ids_only(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    c = tmp_path / "c.csv"
    c.write_text("id,target,pred\n12,1,0.9\n5,0,0.1\n")
    out = tmp_path / "l.npy"
    ok(cli("eval", c, "--id-col", "id", "--per-sample", out))
    assert np.load(out)[:, 0].tolist() == [12.0, 5.0]
    c.write_text("id,target,pred\n012,1,0.9\n5,0,0.1\n")
    bad = tmp_path / "bad.npy"
    fails(cli("eval", c, "--id-col", "id", "--per-sample", bad), 2, "--per-sample .npy")
    assert not bad.exists()


def test_dask_shards_keep_ids_as_written(
    cli: Callable[..., Result], tmp_path: Path, dask_scheduler: str
) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    ids = [["007", str(BIG + 1), "a"], ["7", str(BIG), "b"]]
    for i, part in enumerate(ids):
        (shards / f"part-{i}.csv").write_text(
            "id,target,pred\n" + "".join(f"{k},{j % 2},0.{j + 3}\n" for j, k in enumerate(part))
        )
    local, dask = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    ok(cli("eval", shards, "--id-col", "id", "--per-sample", local))
    ok(cli("eval", shards, "--id-col", "id", "--per-sample", dask, "--engine", "dask",
           "--scheduler", dask_scheduler))  # fmt: skip
    for out in (local, dask):
        table = pq.read_table(out)
        assert table.schema.field("index").type == pa.string()
        assert table.column("index").to_pylist() == [*ids[0], *ids[1]]
