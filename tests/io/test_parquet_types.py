"""Parquet's column types, read whole (a small file, standard input) and streamed (row group
by row group) to the same numbers; cells that are neither a number nor a class name (a
list, a JSON object, a date) are an input error naming the row and column, in Parquet and
JSON Lines alike."""

from __future__ import annotations

import datetime
import decimal
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import losscli
from losscli.errors import InputError
from losscli.io import readers

WHOLE = 1 << 40  # every file below it is read whole
STREAMED = 0  # every file is streamed


def _write(path: Path, **cols: Any) -> Path:
    pq.write_table(pa.table(cols), path, row_group_size=2)  # several groups when streamed
    return path


def _report(path: Path, monkeypatch: pytest.MonkeyPatch, small: int, **kw: Any) -> Any:
    monkeypatch.setattr(readers, "SMALL_TEXT", small)
    return losscli.evaluate(str(path), **kw)


TYPES = {
    "decimal predictions are numbers": dict(
        target=pa.array([0.5, 1.0, 2.0, 4.0, 8.0]),
        prediction=pa.array([decimal.Decimal(x) for x in ("0.25", "1.5", "2", "3.75", "8.125")]),
    ),
    "float32 and int8": dict(
        target=pa.array([1, 2, 3, 4, 5], pa.int8()),
        prediction=pa.array([1.5, 2.0, 2.5, 4.5, 5.5], pa.float32()),
    ),
    "booleans with a null are targets with a missing value": dict(
        target=pa.array([True, None, False, True, False]),
        prediction=pa.array([0.9, 0.2, 0.1, 0.8, 0.3]),
    ),
    "dictionary-encoded class names": dict(
        target=pa.array(["cat", "dog", "cat", "bird", "dog"]).dictionary_encode(),
        prediction=pa.array(["cat", "cat", "cat", "bird", "dog"]).dictionary_encode(),
    ),
    "integer targets with a null": dict(
        target=pa.array([0, 1, None, 1, 0], pa.int64()),
        prediction=pa.array([0.2, 0.7, 0.5, 0.9, 0.4]),
    ),
    "decimal(38, 30) predictions and decimal256 targets are numbers (a82bcb8 scored 1.0)": dict(
        target=pa.array([decimal.Decimal(x) for x in range(5)], pa.decimal256(76, 0)),
        prediction=pa.array(
            [decimal.Decimal(x) for x in ("0.5", "1.5", "2", "2.5", "4.25")], pa.decimal128(38, 30)
        ),
    ),
    "float16 predictions and uint64 targets": dict(
        target=pa.array([0, 1, 2, 3, 4], pa.uint64()),
        prediction=pa.array(np.array([0.5, 1.5, 2.0, 2.5, 4.25], dtype=np.float16)),
    ),
}


@pytest.mark.parametrize("name", TYPES)
def test_whole_and_streamed_read_a_type_alike(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "t.parquet", **TYPES[name])
    kw = {"nan_policy": "omit"}
    whole = _report(path, monkeypatch, WHOLE, **kw).to_dict()
    streamed = _report(path, monkeypatch, STREAMED, **kw).to_dict()
    assert whole == streamed


def test_decimal_predictions_agree_with_their_float_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cols = TYPES["decimal predictions are numbers"]
    path = _write(tmp_path / "d.parquet", **cols)
    report = _report(path, monkeypatch, WHOLE)
    y = np.array(cols["target"].to_pylist())
    p = np.array([float(v) for v in cols["prediction"].to_pylist()])
    assert report.task == "regression"
    assert math.isclose(report.losses["mse"]["mean"], float(np.mean((p - y) ** 2)), rel_tol=1e-15)


def test_decimal_ids_stay_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An id column of decimals keeps its values (``7`` is an id, not 7.0 rounded)."""
    ids = pa.array([decimal.Decimal(x) for x in ("10000000000000000001", "2", "3")])
    t = _write(tmp_path / "t.parquet", id=ids, target=pa.array([0.0, 1.0, 2.0]))
    p = _write(
        tmp_path / "p.parquet",
        id=pa.array(ids.to_pylist()[::-1]),
        prediction=pa.array([2.0, 1.0, 0.5]),
    )
    for small in (WHOLE, STREAMED):
        monkeypatch.setattr(readers, "SMALL_TEXT", small)
        report = losscli.evaluate(str(t), str(p), id_col="id")
        assert report.losses["mse"]["mean"] == pytest.approx(0.25 / 3)


BAD_CELLS = {
    "list": (pa.array([[0.1, 0.9], [0.5, 0.5], [0.2, 0.8]]), "a list ([0.1, 0.9])"),
    "timestamp": (
        pa.array([datetime.datetime(2020, 1, 1), None, datetime.datetime(2021, 1, 1)]),
        "a datetime value",
    ),
    "date": (pa.array([datetime.date(2020, 1, 1)] * 3), "a date value"),
    "struct": (pa.array([{"a": 1}, {"a": 2}, {"a": 3}]), "a JSON object"),
}


@pytest.mark.parametrize("kind", BAD_CELLS)
@pytest.mark.parametrize("small", [WHOLE, STREAMED], ids=["whole", "streamed"])
def test_a_cell_that_is_not_a_scalar_is_an_input_error(
    kind: str, small: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, said = BAD_CELLS[kind]
    path = _write(tmp_path / "x.parquet", target=pa.array([0, 1, 1]), prediction=values)
    with pytest.raises(InputError) as err:
        _report(path, monkeypatch, small)
    assert said in str(err.value) and "in the prediction column" in str(err.value)
    assert err.value.row == 1 and err.value.column == "prediction"


def test_such_a_column_beside_the_scores_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path / "x.parquet",
        target=pa.array([0.0, 1.0, 2.0]),
        prediction=pa.array([0.5, 1.0, 2.0]),
        when=BAD_CELLS["timestamp"][0],
        tags=BAD_CELLS["list"][0],
    )
    for small in (WHOLE, STREAMED):
        assert _report(path, monkeypatch, small).losses["mse"]["mean"] == pytest.approx(0.25 / 3)


@pytest.mark.parametrize("small", [WHOLE, STREAMED], ids=["whole", "streamed"])
def test_duplicate_column_names_are_named(
    small: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = pa.Table.from_arrays([pa.array([0.1, 0.2]), pa.array([0.3, 0.4])], names=["a", "a"])
    pq.write_table(table, tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="duplicate column names: 'a'"):
        _report(tmp_path / "dup.parquet", monkeypatch, small)


@pytest.mark.parametrize(
    ("cell", "said"),
    [("[0.1, 0.9]", "a list ([0.1, 0.9])"), ('{"a": 1}', "a JSON object ({'a': 1})")],
)
def test_json_lines_cells_that_are_not_scalars(
    cli: Any, tmp_path: Path, cell: str, said: str
) -> None:
    (tmp_path / "x.jsonl").write_text(
        f'{{"target": 0, "prediction": 0.2}}\n{{"target": 1, "prediction": {cell}}}\n'
    )
    r = cli("eval", "x.jsonl", "-o", "out.json")
    assert r.code == 3, r.err
    assert r.err.startswith("error: x.jsonl, row 2, column prediction: " + said), r.err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("name", [None, "sample"], ids=["unnamed", "named"])
@pytest.mark.parametrize("small", [WHOLE, STREAMED], ids=["whole", "streamed"])
def test_a_pandas_index_is_not_a_prediction(
    name: str | None, small: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DataFrame.to_parquet`` stores a non-default index as a column (named
    ``__index_level_0__`` or after the index): pandas reads it back as the index, and so is
    it left out here, unless it is named as the ids."""
    import pandas as pd

    y, p = [0.1, 0.2, 0.3, 0.4], [0.1, 0.25, 0.3, 0.5]
    frame = pd.DataFrame(
        {"target": y, "prediction": p}, index=pd.Index([40, 10, 30, 20], name=name)
    )
    frame.to_parquet(tmp_path / "f.parquet", row_group_size=2)
    expected = float(np.mean((np.array(p) - np.array(y)) ** 2))
    report = _report(tmp_path / "f.parquet", monkeypatch, small)
    assert report.losses["mse"]["mean"] == pytest.approx(expected, rel=1e-15)
    assert report.notes == []
    if name is not None:
        by_id = _report(tmp_path / "f.parquet", monkeypatch, small, id_col=name)
        assert by_id.ids.tolist() == [40, 10, 30, 20]


def test_the_installed_command_refuses_a_list_of_scores(run: Any, tmp_path: Path) -> None:
    """Through the real program: exit 3, one ``error:`` line naming the row and column,
    and no report written."""
    pq.write_table(
        pa.table({"target": [0, 1, 1], "prediction": BAD_CELLS["list"][0]}), tmp_path / "x.parquet"
    )
    r = run("eval", "x.parquet", "-o", "out.json", "-f", "json")
    assert r.code == 3, r.err
    assert r.err.splitlines()[0].startswith(
        "error: x.parquet, row 1, column prediction: a list ([0.1, 0.9]) in the prediction column"
    )
    assert "Traceback" not in r.err
    assert not (tmp_path / "out.json").exists()


def test_high_precision_decimal_predictions_score_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "decimal(38, 30) predictions and decimal256 targets are numbers (a82bcb8 scored 1.0)"
    path = _write(tmp_path / "d.parquet", **TYPES[name])
    for small in (WHOLE, STREAMED):
        report = _report(path, monkeypatch, small)
        assert report.task == "regression"
        # errors 0.5, 0.5, 0, 0.5, 0.25
        assert math.isclose(report.losses["mse"]["mean"], 0.8125 / 5, rel_tol=1e-15)
