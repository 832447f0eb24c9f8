"""The parallel CSV block reader equals pyarrow's whole-file reader, whatever the cuts."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.io import csvfast


def _read_all(path: Path, *, sep: str = ",", header: bool = True, **kw: int) -> dict:
    tables = list(csvfast.stream(str(path), sep=sep, header=header, **kw))
    names = tables[0].column_names
    return {n: np.concatenate([csvfast.to_numpy(t.column(n)) for t in tables]) for n in names}


def _reference(path: Path, *, sep: str = ",", header: bool = True) -> dict:
    t = pcsv.read_csv(
        str(path),
        read_options=pcsv.ReadOptions(autogenerate_column_names=not header),
        parse_options=pcsv.ParseOptions(delimiter=sep),
    )
    return {n: t.column(n).to_numpy(zero_copy_only=False) for n in t.column_names}


def _same(got: dict, ref: dict) -> None:
    assert list(got) == list(ref)
    for n in ref:
        a, b = got[n], ref[n]
        if b.dtype.kind in "fiub":
            np.testing.assert_array_equal(a, b.astype(np.float64))
        else:
            assert a.tolist() == b.tolist()


@pytest.mark.parametrize("block", [7, 64, 1000, 1 << 20])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_blocks_equal_whole_file(tmp_path: Path, block: int, workers: int) -> None:
    rng = np.random.default_rng(block + workers)
    n = 3000
    path = tmp_path / "d.csv"
    y, p = rng.normal(size=n), rng.random(n)
    lines = ["y,p,k"] + [
        f"{a!r},{b!r},{i % 7}" for i, (a, b) in enumerate(zip(y.tolist(), p.tolist()))
    ]
    path.write_text("\n".join(lines) + "\n")
    got = _read_all(path, block_bytes=block, n_workers=workers)
    _same(got, _reference(path))
    np.testing.assert_array_equal(got["y"], y)  # shortest repr round-trips exactly


def test_no_header_tsv_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    rows = [f"{i}\t{i / 7!r}\tcls{i % 3}" for i in range(500)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode())
    got = _read_all(path, sep="\t", header=False, block_bytes=100)
    assert list(got) == ["f0", "f1", "f2"]
    np.testing.assert_array_equal(got["f0"], np.arange(500.0))
    np.testing.assert_array_equal(got["f1"], np.arange(500) / 7)
    assert got["f2"][:4].tolist() == ["cls0", "cls1", "cls2", "cls0"]


def test_quoted_field_with_newline_falls_back_to_the_sequential_reader(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    rows = [f"{i},{i * 0.5!r},plain" for i in range(2000)]
    rows[1500] = '1500,750.0,"two\nlines"'  # a newline inside quotes, far into the file
    path.write_text("y,p,note\n" + "\n".join(rows) + "\n")
    got = _read_all(path, block_bytes=256, n_workers=2)
    _same(got, _reference(path))
    assert got["note"][1500] == "two\nlines"


def test_columns_keep_the_types_of_the_first_block(tmp_path: Path) -> None:
    # integers at first, then fractions: read as float64 throughout, not a type clash
    path = tmp_path / "t.csv"
    path.write_text("y,p\n" + "".join(f"{i},{i}\n" for i in range(200)) + "1,0.5\n")
    got = _read_all(path, block_bytes=64)
    assert got["p"].dtype == np.float64 and got["p"][-1] == 0.5


def test_parse_error_names_the_block_start_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("y,p\n" + "".join(f"{i},0.5\n" for i in range(100)) + "1,2,3\n")
    with pytest.raises(csvfast.BlockError) as info:
        _read_all(path, block_bytes=50)
    assert 1 <= info.value.row <= 101
    assert "Expected 2 columns" in str(info.value.cause)


def test_text_in_a_numeric_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    # beyond the prefix whose types fix the columns' types
    rows = csvfast.PROBE_BYTES // 4
    path.write_text("y,p\n" + "".join(f"{i % 2},0.5\n" for i in range(rows)) + "1,oops\n")
    with pytest.raises(csvfast.BlockError, match="oops"):
        _read_all(path)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False, width=64),
            st.integers(-(10**6), 10**6),
        ),
        min_size=1,
        max_size=300,
    ),
    block=st.integers(1, 400),
)
def test_any_numeric_csv_any_block_size(tmp_path_factory, values, block) -> None:
    path = tmp_path_factory.mktemp("h") / "d.csv"
    path.write_text("a,b\n" + "".join(f"{a!r},{b}\n" for a, b in values))
    got = _read_all(path, block_bytes=block, n_workers=2)
    np.testing.assert_array_equal(got["a"], [a for a, _ in values])
    np.testing.assert_array_equal(got["b"], [float(b) for _, b in values])


def test_to_numpy_nulls_bools_slices_and_no_pandas() -> None:
    import io

    t = pcsv.read_csv(io.BytesIO(b"a,b,c,d,e\n1,1.5,true,x,\n2,,false,y,\n3,2.5,,z,\n"))
    cols = {n: csvfast.to_numpy(t.column(n)) for n in t.column_names}
    np.testing.assert_array_equal(cols["a"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cols["b"], [1.5, np.nan, 2.5])
    np.testing.assert_array_equal(cols["c"], [1.0, 0.0, np.nan])
    assert cols["d"].tolist() == ["x", "y", "z"] and cols["d"].dtype == object
    assert np.isnan(cols["e"]).all()
    s = t.slice(1, 2)
    np.testing.assert_array_equal(csvfast.to_numpy(s.column("b")), [np.nan, 2.5])
    np.testing.assert_array_equal(csvfast.to_numpy(s.column("c")), [0.0, np.nan])
    multi = pa.chunked_array([pa.array([1.0, 2.0]), pa.array([3.0, None])])
    np.testing.assert_array_equal(csvfast.to_numpy(multi), [1.0, 2.0, 3.0, np.nan])


def test_streaming_a_csv_does_not_import_pandas(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "d.csv"
    path.write_text("y,p\n" + "".join(f"{i},{i / 3!r}\n" for i in range(1000)))
    code = (
        "import sys\nfrom losscli.io import csvfast\n"
        f"for t in csvfast.stream({str(path)!r}, sep=',', header=True, block_bytes=512):\n"
        "    [csvfast.to_numpy(c) for c in t.columns]\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_from_numpy_and_strings_match_pyarrow() -> None:
    import pyarrow as pa

    for values in (
        np.array([1.5, -0.0, np.nan, np.inf]),
        np.arange(5, dtype=np.int32)[::2],  # not contiguous
        np.array([2**64 - 1, 0], dtype=np.uint64),
        np.array([True, False, True] * 5),
        np.array(["a", "Ünï", "", "x,y"], dtype=object),
        np.array([1, None, "b"], dtype=object),
    ):
        got = csvfast.from_numpy(values)
        if values.dtype == object:  # text; a missing value stays missing
            want = pa.array([None if v is None else str(v) for v in values.tolist()])
        else:
            want = pa.array(values)
        # repr: nan equals nan, and -0.0 only -0.0
        assert got.type == want.type and got.null_count == want.null_count
        assert repr(got.to_pylist()) == repr(want.to_pylist())
    assert csvfast.strings([]).equals(pa.array([], pa.string()))


@pytest.mark.parametrize("ext", ["csv", "tsv", "jsonl", "parquet"])
def test_per_sample_output_does_not_import_pandas(tmp_path: Path, ext: str) -> None:
    """pyarrow's pa.array and pa.scalar import pandas (a fifth of a second at start and
    more at exit): the per-sample writers build their arrays from buffers instead."""
    import subprocess

    path = tmp_path / "d.csv"
    path.write_text("id,y,p\n" + "".join(f"r{i},{i % 2},{(i % 7) / 7!r}\n" for i in range(900)))
    for ids in ([], ["--id-col", "id"]):
        code = (
            "import sys\nfrom losscli.cli import main\n"
            f"sys.argv = ['losscli', 'eval', {str(path)!r}, '--target-col', 'y',"
            f" '--pred-col', 'p', *{ids!r},"
            f" '--per-sample', {str(tmp_path / ('ps.' + ext))!r}, '-f', 'value']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('pandas' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip().splitlines()[-1] == "False", (ids, out.stderr)


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, read in small pieces (as a pipe is)."""

    def __init__(self, data: bytes, piece: int = 997) -> None:
        self.data, self.pos, self.piece = data, 0, piece

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), self.piece, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def _read_stream(data: bytes, **kw: int) -> dict:
    fh = io.BufferedReader(_Pipe(data))
    tables = list(csvfast.stream_fileobj(fh, sep=",", header=True, **kw))
    names = tables[0].column_names
    return {n: np.concatenate([csvfast.to_numpy(t.column(n)) for t in tables]) for n in names}


@pytest.mark.parametrize("block", [5, 300, 1 << 20])
def test_stream_fileobj_equals_whole_file(tmp_path: Path, block: int) -> None:
    rng = np.random.default_rng(block)
    y, p = rng.normal(size=2000).tolist(), rng.random(2000).tolist()
    text = "y,p\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(y, p))
    got = _read_stream(text.encode(), block_bytes=block, n_workers=2)
    np.testing.assert_array_equal(got["y"], y)
    np.testing.assert_array_equal(got["p"], p)


@pytest.mark.parametrize("block", [64, 256, 4096])
def test_stream_fileobj_quotes_mid_stream(tmp_path: Path, block: int) -> None:
    rows = [f"{i},{i * 0.25!r},plain" for i in range(3000)]
    rows[2100] = '2100,525.0,"a\nb"'
    text = "y,p,note\n" + "\n".join(rows) + "\n"
    path = tmp_path / "q.csv"
    path.write_text(text)
    got = _read_stream(text.encode(), block_bytes=block, n_workers=3)
    _same(got, _reference(path))
    assert got["note"][2100] == "a\nb" and len(got["y"]) == 3000


def test_missing_markers_give_the_same_numbers_in_either_parse(tmp_path: Path) -> None:
    """Blocks are first parsed without null markers (faster), and again with them when
    refused: empty cells, NA, null, nan, inf come out as pyarrow's defaults give them."""
    cells = ["1.5", "", "NA", "nan", "NaN", "inf", "-inf", "null", "2", "N/A", "1e308"]
    path = tmp_path / "n.csv"
    path.write_text("a,b\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells * 40)))
    got = _read_all(path, block_bytes=37)
    ref = pcsv.read_csv(
        str(path),
        convert_options=pcsv.ConvertOptions(column_types={"a": pa.float64(), "b": pa.float64()}),
    )
    np.testing.assert_array_equal(got["b"], csvfast.to_numpy(ref.column("b")))
    assert np.isnan(got["b"][1]) and got["b"][5] == np.inf


def test_from_numpy_keeps_byte_order_types_and_nulls() -> None:
    import datetime

    swapped = np.array([1.5, -2.0, 3.25], dtype=">f8")
    assert csvfast.from_numpy(swapped).to_pylist() == [1.5, -2.0, 3.25]
    dates = csvfast.from_numpy(np.array([datetime.date(2020, 1, 2), None], dtype=object))
    assert dates.type == pa.date32() and dates.to_pylist() == [datetime.date(2020, 1, 2), None]
    text = csvfast.from_numpy(np.array(["a", None, np.nan], dtype=object))
    assert text.type == pa.string() and text.to_pylist() == ["a", None, None]
    with pytest.raises(ValueError, match="1-d"):
        csvfast.from_numpy(np.zeros((2, 2)))


def test_per_sample_parquet_keeps_the_id_type_and_missing_ids(run_any: Any, tmp_path: Path) -> None:
    import datetime

    import pyarrow.parquet as pq

    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(4)]
    names = ["a", None, "c", "d"]
    args = ["eval", "in.parquet", "--target-col", "y", "--pred-col", "p", "--id-col", "id"]
    for ids, want_type in ((days, pa.date32()), (names, pa.string())):
        table = pa.table({"id": ids, "y": [0.0, 1.0, 2.0, 3.0], "p": [0.5] * 4})
        pq.write_table(table, tmp_path / "in.parquet")
        res = run_any(*args, "--per-sample", "ps.parquet", "-f", "value")
        assert res.code == 0, res.err
        got = pq.read_table(tmp_path / "ps.parquet")
        assert got.schema.field("index").type == want_type
        assert got.column("index").to_pylist() == ids
    # the bad case: ids that .npy cannot hold, refused before anything is written
    res = run_any(*args, "--per-sample", "ps.npy", "-f", "value")
    assert res.code == 2 and res.err.startswith("error: --per-sample .npy cannot hold")
    assert not list(tmp_path.glob("ps.npy*"))
