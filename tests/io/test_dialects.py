"""Dialects of delimited text (``--delimiter``, ``--decimal``, ``--input-format`` over the
extension) through the installed command: a zoo of files as spreadsheets and scripts write
them, each with its outcome (the number, checked against numpy, or the exit code and a
fragment of the ``error:`` line, with nothing written at ``-o``)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import Result

from losscli.errors import InputError, UsageError
from losscli.io import dialect, readers

Y = np.array([1, 0, 1, 0, 1, 1])
P = np.array([0.25, 0.5, 0.875, 0.125, 0.625, 0.0625])
BCE = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))
YR = np.array([1.5, -2.25, 3.0, 10.125])
PR = np.array([1.0, -2.0, 3.5, 9.0])
MSE = float(np.mean((YR - PR) ** 2))


def _rows(sep: str, dec: str, y: np.ndarray, p: np.ndarray, header: str) -> list[str]:
    def cell(v: float) -> str:
        return repr(float(v)).replace(".", dec) if float(v) != int(v) else str(int(v))

    return [header, *(f"{cell(a)}{sep}{cell(b)}" for a, b in zip(y, p))]


# what Excel writes in a European locale: a BOM, CRLF, ';' and decimal commas
EXCEL = ("\ufeff" + "\r\n".join(_rows(";", ",", Y, P, "y;p")) + "\r\n").encode()
PIPES = ("\n".join(_rows("|", ".", YR, PR, "y|p")) + "\n").encode()
TABS = ("\n".join(_rows("\t", ".", YR, PR, "y\tp")) + "\n").encode()
COMMAS = ("\n".join(_rows(",", ".", YR, PR, "y,p")) + "\n").encode()
SEMI_DOTS = ("\n".join(_rows(";", ".", Y, P, "y;p")) + "\n").encode()

BCE_ARGS = ["-l", "bce", "-m", "accuracy"]
MSE_ARGS = ["-l", "mse", "-m", "mae"]

# (name, file, content, flags, expected): a float is the loss's mean; a tuple is
# (exit code, fragments of the error line)
EU = ["--delimiter", ";", "--decimal", ","]
NOT_SEP = (2, ["cannot separate fields"])
ONE_CHAR = (2, ["--delimiter", "one character"])

ZOO: list[tuple[str, str, bytes, list[str], float | tuple[int, list[str]]]] = [
    ("excel", "export.csv", EXCEL, EU, BCE),
    ("excel-gz", "export.csv.gz", gzip.compress(EXCEL), EU, BCE),
    ("excel-no-flags", "export.csv", EXCEL, [],
     (3, ["separated by semicolons", "--delimiter ';'", "--decimal ,"])),
    ("excel-no-decimal", "export.csv", EXCEL, ["--delimiter", ";"], (3, ["'0,25'", "--decimal ,"])),
    ("excel-decimal-only", "export.csv", EXCEL, ["--decimal", ","],
     (2, ["--decimal ,", "--delimiter"])),
    ("tsv-decimal-commas", "export.tsv", EXCEL.replace(b";", b"\t"), ["--decimal", ","], BCE),
    ("semicolon-dots", "semi.csv", SEMI_DOTS, [], (3, ["--delimiter ';'"])),
    ("semicolon-dots-ok", "semi.csv", SEMI_DOTS, ["--delimiter", ";"], BCE),
    ("dots-under-decimal-comma", "semi.csv", SEMI_DOTS, ["--delimiter", ";", "--decimal", ","],
     (3, ["row 1, column p", "'0.25'", "decimal point"])),
    ("pipes", "pipes.csv", PIPES, ["--delimiter", "|"], MSE),
    ("pipes-no-flag", "pipes.csv", PIPES, [], (3, ["separated by pipes", "--delimiter '|'"])),
    ("tab-backslash-t", "tabs.csv", TABS, ["--delimiter", "\\t"], MSE),
    ("tab-word", "tabs.csv", TABS, ["--delimiter", "tab"], MSE),
    ("tab-char", "tabs.csv", TABS, ["--delimiter", "\t"], MSE),
    ("tsv-named-csv", "tabs.csv", TABS, ["--input-format", "tsv"], MSE),
    ("tsv-named-csv-no-flag", "tabs.csv", TABS, [],
     (3, ["separated by tabs", "--delimiter '\\t'"])),
    ("tsv-named-txt", "tabs.txt", TABS, ["--input-format", "tsv"], MSE),
    ("csv-named-dat", "data.dat", COMMAS, ["--input-format", "csv"], MSE),
    ("csv-named-dat-no-flag", "data.dat", COMMAS, [], (3, ["'.dat'", "--input-format"])),
    ("csv-named-tsv", "data.tsv", COMMAS, ["--input-format", "csv"], MSE),
    ("csv-read-as-parquet", "data.csv", COMMAS, ["--input-format", "parquet"],
     (3, ["does not hold Parquet", "drop --input-format"])),
    ("tsv-over-delimiter", "pipes.tsv", PIPES, ["--delimiter", "|"], MSE),
    ("delimiter-empty", "pipes.csv", PIPES, ["--delimiter", ""], ONE_CHAR),
    ("delimiter-two", "pipes.csv", PIPES, ["--delimiter", ";;"], ONE_CHAR),
    ("delimiter-quote", "pipes.csv", PIPES, ["--delimiter", '"'], NOT_SEP),
    ("delimiter-digit", "pipes.csv", PIPES, ["--delimiter", "1"], NOT_SEP),
    ("delimiter-dot", "pipes.csv", PIPES, ["--delimiter", "."], NOT_SEP),
    ("delimiter-minus", "pipes.csv", PIPES, ["--delimiter=-"], NOT_SEP),
    ("delimiter-newline", "pipes.csv", PIPES, ["--delimiter", "\n"], NOT_SEP),
    ("delimiter-letter", "pipes.csv", PIPES, ["--delimiter", "x"], NOT_SEP),
    ("decimal-bad", "export.csv", EXCEL, ["--delimiter", ";", "--decimal", ";"],
     (2, ["--decimal must be"])),
    ("comma-both", "export.csv", EXCEL, ["--delimiter", ",", "--decimal", ","],
     (2, ["--delimiter , and --decimal ,"])),
]  # fmt: skip


@pytest.mark.parametrize(
    "name,content,flags,expected", [z[1:] for z in ZOO], ids=[z[0] for z in ZOO]
)
def test_zoo(
    run_script: Callable[..., Result],
    tmp_path: Path,
    name: str,
    content: bytes,
    flags: list[str],
    expected: float | tuple[int, list[str]],
) -> None:
    (tmp_path / name).write_bytes(content)
    out = tmp_path / "report.json"
    regression = expected == MSE
    args = MSE_ARGS if regression else BCE_ARGS
    r = run_script("eval", name, *flags, *args, "-f", "json", "-o", out, "--no-config")
    if isinstance(expected, float):
        assert r.code == 0, r.err
        report = json.loads(out.read_text())
        loss = "mse" if regression else "binary_cross_entropy"
        assert report["losses"][loss]["mean"] == pytest.approx(expected, rel=1e-12)
        assert report["n_samples"] == (len(YR) if regression else len(Y))
        return
    code, fragments = expected
    assert r.code == code, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    assert "Traceback" not in r.err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary files


def test_stdin_with_semicolons_and_decimal_commas(run: Callable[..., Result]) -> None:
    r = run("eval", "-", "--delimiter", ";", "--decimal", ",", "-l", "bce", "-f", "value",
            "--no-config", input=EXCEL)  # fmt: skip
    assert r.code == 0, r.err
    assert float(r.out) == pytest.approx(BCE, rel=1e-12)
    r = run("eval", "-", "-l", "bce", "--no-config", input=EXCEL)
    assert r.code == 3 and "--delimiter ';'" in r.err


def test_batch_takes_the_dialect(run: Callable[..., Result], tmp_path: Path) -> None:
    for i in range(2):
        (tmp_path / f"part-{i}.csv").write_bytes(EXCEL)
    r = run("batch", "part-0.csv", "part-1.csv", "--delimiter", ";", "--decimal", ",",
            "-l", "bce", "-f", "json", "--no-config")  # fmt: skip
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["overall"]["n_samples"] == 2 * len(Y)
    assert report["overall"]["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(BCE)
    r = run("batch", "part-0.csv", "--delimiter", "ab", "--no-config")
    assert r.code == 2 and "--delimiter" in r.err


def _big(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """The same >1 MiB file with decimal points and with decimal commas (and ';')."""
    rng = np.random.default_rng(7)
    n = 90_000
    y = rng.integers(0, 2, n)
    p = np.round(rng.uniform(0.01, 0.99, n), 6)
    dots = "y;p\n" + "".join(f"{a};{float(b)!r}\n" for a, b in zip(y, p))
    dot_path, comma_path = tmp_path / "dots.csv", tmp_path / "commas.csv"
    dot_path.write_text(dots)
    comma_path.write_bytes(b"\xef\xbb\xbf" + dots.replace(".", ",").replace("\n", "\r\n").encode())
    assert comma_path.stat().st_size > readers.SMALL_TEXT  # the pyarrow fast path
    return dot_path, comma_path, y, p


def test_big_file_with_decimal_commas_equals_decimal_points(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    dot_path, comma_path, y, p = _big(tmp_path)
    common = ["--delimiter", ";", "-l", "bce", "-m", "accuracy", "-f", "json", "--no-config"]
    a = run("eval", dot_path, *common)
    b = run("eval", comma_path, *common, "--decimal", ",")
    c = run("eval", "-", *common, "--decimal", ",", "--chunk-size", "7000",
            input=comma_path.read_bytes())  # fmt: skip
    assert a.code == b.code == c.code == 0, (a.err, b.err, c.err)
    ja, jb, jc = json.loads(a.out), json.loads(b.out), json.loads(c.out)
    assert ja["losses"] == jb["losses"] and ja["metrics"] == jb["metrics"]
    # stdin in other chunks: the same numbers (the sums' order differs by the last bit)
    assert jc["metrics"] == ja["metrics"]
    for name, loss in ja["losses"].items():
        assert jc["losses"][name]["mean"] == pytest.approx(loss["mean"], rel=1e-14)
    assert ja["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(
        float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), rel=1e-12
    )
    # a point in the decimal-comma file, far past the first block: named by its row
    lines = comma_path.read_bytes().split(b"\r\n")
    lines[80_001] = lines[80_001].split(b";")[0] + b";0.5"
    comma_path.write_bytes(b"\r\n".join(lines))
    out = tmp_path / "r.json"
    d = run("eval", comma_path, *common, "--decimal", ",", "-o", out)
    assert d.code == 3, d.err
    assert "row 80001" in d.err and "column p" in d.err and "'0.5'" in d.err
    assert not out.exists()


def test_every_read_path_honours_the_dialect(tmp_path: Path) -> None:
    """The csv-module path, pandas (a whole big file), pyarrow (streamed, plain and gzip)."""
    dot_path, comma_path, _, p = _big(tmp_path)
    whole = readers.read(str(comma_path), delimiter=";", decimal=",")  # pandas
    np.testing.assert_array_equal(whole.data["p"], p)
    gz = tmp_path / "commas.csv.gz"
    gz.write_bytes(gzip.compress(comma_path.read_bytes()))
    for path in (comma_path, gz):
        parts = list(readers.read_chunks(str(path), delimiter=";", decimal=",", chunk_rows=10_000))
        np.testing.assert_array_equal(np.concatenate([t.data["p"] for t in parts]), p)
    small = tmp_path / "small.csv"
    small.write_bytes(EXCEL)
    np.testing.assert_array_equal(readers.read(str(small), delimiter=";", decimal=",").data["p"], P)
    with pytest.raises(InputError, match="decimal point"):
        readers.read(str(dot_path), delimiter=";", decimal=",")


def test_api_takes_the_dialect(tmp_path: Path) -> None:
    import losscli

    path = tmp_path / "export.csv"
    path.write_bytes(EXCEL)
    report = losscli.evaluate(str(path), delimiter=";", decimal=",", losses=["bce"])
    assert report.to_dict()["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(BCE)
    with pytest.raises(UsageError, match="--decimal"):
        losscli.evaluate(str(path), decimal=",")


def test_dask_engine_takes_the_dialect(run: Callable[..., Result], tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    _, comma_path, _, _ = _big(tmp_path)
    args = ["--delimiter", ";", "--decimal", ",", "-l", "bce", "-f", "json", "--no-config"]
    local = run("eval", comma_path, *args)
    dask = run("eval", comma_path, *args, "--engine", "dask", timeout=180)
    assert local.code == dask.code == 0, (local.err, dask.err)
    a, b = json.loads(local.out)["losses"], json.loads(dask.out)["losses"]
    assert a.keys() == b.keys()
    for name in a:  # sums over other partitions: equal to the last bit or two
        assert b[name]["params"] == a[name]["params"]
        assert b[name]["mean"] == pytest.approx(a[name]["mean"], rel=1e-12)
        assert b[name]["sum"] == pytest.approx(a[name]["sum"], rel=1e-12)


@pytest.mark.parametrize(
    "text,sep", [(";", ";"), ("|", "|"), ("\\t", "\t"), ("tab", "\t"), ("\t", "\t"), (" ", " ")]
)
def test_delimiter_spellings(text: str, sep: str) -> None:
    assert dialect.make(text).sep("csv") == sep
    assert dialect.make(None).sep("tsv") == "\t"
    assert dialect.make(None).sep("csv") == ","


def test_config_file_sets_the_dialect(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_bytes(EXCEL)
    (tmp_path / "losscli.toml").write_text('delimiter = ";"\ndecimal = ","\nloss = ["bce"]\n')
    r = run("eval", "export.csv", "-f", "value")
    assert r.code == 0, r.err
    assert float(r.out) == pytest.approx(BCE, rel=1e-12)
    (tmp_path / "losscli.toml").write_text('delimiter = "::"\n')
    r = run("eval", "export.csv")
    assert r.code == 2 and "--delimiter" in r.err


@pytest.mark.parametrize("command", ["eval", "batch"])
def test_help_names_the_dialect_flags(command: str) -> None:
    from typer.testing import CliRunner

    from losscli.cli import app

    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0, r.output
    for flag in ("--delimiter", "--decimal", "--input-format"):
        assert flag in r.stdout
