"""Remote inputs (losscli.io.remote): every format read from a real S3-compatible server
(moto) and an HTTP server on 127.0.0.1 gives the local file's numbers, small files read
whole and large ones streamed; globs over a prefix; failures named by the URL."""

# ruff: noqa: F811 - the server fixtures are imported, then named as arguments
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import losscli
from losscli.errors import InputError, UsageError
from losscli.io import formats, readers, remote
from tests.io.remote_servers import BUCKET, HTTP, S3, http_server, s3, s3_server  # noqa: F401

BIG = 20_000  # rows: over the (lowered) size under which a file is read whole


def _frame(n: int, seed: int = 0) -> Any:
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({"label": rng.integers(0, 2, n), "prob": rng.uniform(0.01, 0.99, n)})


def _write(path: Path, n: int, seed: int = 0) -> Path:
    """A binary-classification file of ``n`` rows in the format of ``path``'s name."""
    df = _frame(n, seed)
    name = path.name.removesuffix(".gz")
    buf = io.BytesIO()
    if name.endswith(".csv"):
        buf.write(df.to_csv(index=False).encode())
    elif name.endswith(".tsv"):
        buf.write(df.to_csv(index=False, sep="\t").encode())
    elif name.endswith(".jsonl"):
        buf.write(df.to_json(orient="records", lines=True).encode())
    elif name.endswith(".parquet"):
        df.to_parquet(buf, index=False)
    elif name.endswith(".npy"):
        np.save(buf, df.to_numpy(dtype=np.float64))
    elif name.endswith(".npz"):
        np.savez(buf, y_true=df["label"].to_numpy(), y_pred=df["prob"].to_numpy())
    data = buf.getvalue()
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def _figures(spec: str, **kw: Any) -> dict[str, Any]:
    d = losscli.evaluate(spec, losses=["bce"], metrics=["accuracy", "roc_auc"], **kw).to_dict()
    return {k: d[k] for k in ("task", "n_samples", "losses", "metrics", "warnings", "notes")}


def _stream_from(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files from ``size`` bytes streamed (1 MiB in use): the streamed paths on small data."""
    from losscli.io import jsonl

    monkeypatch.setattr(readers, "SMALL_TEXT", size)
    monkeypatch.setattr(readers, "JSONL_BLOCK", size)
    monkeypatch.setattr(jsonl, "JSONL_BLOCK", size)


NAMES = [
    "a.csv",
    "a.tsv",
    "a.csv.gz",
    "a.jsonl",
    "a.jsonl.gz",
    "a.parquet",
    "a.npy",
    "a.npy.gz",
    "a.npz",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("rows", [50, BIG], ids=["small", "big"])
def test_s3_equals_local(
    s3: S3, tmp_path: Path, name: str, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stream_from(64 << 10, monkeypatch)
    local = _write(tmp_path / name, rows)
    if rows == BIG and not name.endswith(".gz"):
        assert local.stat().st_size > readers.SMALL_TEXT  # streamed, not read whole
    url = s3.put(f"{s3.prefix()}/{name}", local)
    assert _figures(url) == _figures(str(local))


@pytest.mark.parametrize("name", ["a.csv", "a.csv.gz", "a.parquet", "a.npy"])
def test_http_equals_local(
    http_server: HTTP,
    tmp_path: Path,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stream_from(64 << 10, monkeypatch)
    local = _write(tmp_path / name, BIG, seed=1)
    url = http_server.put(f"h{tmp_path.name}/{name}", local)
    assert _figures(url) == _figures(str(local))


def test_two_remote_files_and_chunks(s3: S3, tmp_path: Path) -> None:
    """Targets and predictions in two objects, zipped chunk by chunk as local files are."""
    df = _frame(3000, 2)
    p = s3.prefix()
    t_url = s3.put(f"{p}/y.csv", df[["label"]].to_csv(index=False).encode())
    p_url = s3.put(f"{p}/p.csv", df[["prob"]].to_csv(index=False).encode())
    (tmp_path / "y.csv").write_text(df[["label"]].to_csv(index=False))
    (tmp_path / "p.csv").write_text(df[["prob"]].to_csv(index=False))
    local = losscli.evaluate(str(tmp_path / "y.csv"), str(tmp_path / "p.csv"), chunk_rows=700)
    got = losscli.evaluate(t_url, p_url, chunk_rows=700)
    assert got.to_dict()["losses"] == local.to_dict()["losses"]
    assert got.n_samples == 3000


def test_glob_and_prefix_expand_sorted(s3: S3) -> None:
    p = s3.prefix()
    for name in ("b.csv", "a.csv", "_SUCCESS", ".hidden.csv", "sub/c.csv", "x.parquet"):
        s3.put(f"{p}/{name}", b"label,prob\n1,0.5\n")
    base = f"s3://{BUCKET}/{p}"
    assert formats.expand(f"{base}/*.csv") == [f"{base}/a.csv", f"{base}/b.csv"]
    assert formats.expand(f"{base}/**/c.csv") == [f"{base}/sub/c.csv"]
    assert formats.expand(base) == [f"{base}/a.csv", f"{base}/b.csv", f"{base}/x.parquet"]
    assert formats.expand(f"{base}/a.csv") == [f"{base}/a.csv"]
    with pytest.raises(InputError, match="no file matches this pattern"):
        formats.expand(f"{base}/*.npy")


def test_glob_reads_as_one_dataset(s3: S3, tmp_path: Path) -> None:
    p = s3.prefix()
    for i in range(3):
        local = _write(tmp_path / f"part{i}.csv", 40, seed=i)
        s3.put(f"{p}/part{i}.csv", local)
    assert _figures(f"s3://{BUCKET}/{p}/part*.csv") == _figures(str(tmp_path / "part*.csv"))


def test_remote_file_reads_ahead_a_few_mib(s3: S3) -> None:
    url = s3.put(f"{s3.prefix()}/a.csv", b"label,prob\n1,0.5\n")
    with remote.open_url(url) as fh:
        assert fh.blocksize == remote.BLOCK_SIZE <= 8 << 20  # type: ignore[attr-defined]
        assert fh.read() == b"label,prob\n1,0.5\n"


def test_missing_object_and_bucket(s3: S3) -> None:
    with pytest.raises(InputError, match="no such file") as err:
        list(readers.read_chunks(f"s3://{BUCKET}/nothing/here.csv"))
    assert err.value.file == f"s3://{BUCKET}/nothing/here.csv"
    with pytest.raises(InputError, match="no such bucket"):
        readers.read("s3://no-such-bucket-losscli/a.csv")


def test_wrong_content_named_by_url(s3: S3) -> None:
    url = s3.put(f"{s3.prefix()}/a.csv.gz", b"label,prob\n1,0.5\n")
    with pytest.raises(InputError, match="is not gzip-compressed") as err:
        list(readers.read_chunks(url))
    assert err.value.file == url
    url = s3.put(f"{s3.prefix()}/a.parquet", b"label,prob\n1,0.5\n" * 100_000)
    with pytest.raises(InputError, match="does not hold Parquet"):
        list(readers.read_chunks(url))


def test_http_errors(http_server: HTTP) -> None:
    with pytest.raises(InputError, match="no such file"):
        readers.read(f"{http_server.base}/missing.csv")
    http_server.put("private/a.csv", b"label,prob\n1,0.5\n")
    with pytest.raises(InputError, match="access denied"):
        readers.read(f"{http_server.base}/private/a.csv")


def test_display_masks_credentials() -> None:
    assert remote.display("https://user:pw@host/a.csv") == "https://user:***@host/a.csv"
    assert remote.display("https://tok@host/a.csv") == "https://***@host/a.csv"
    shown = remote.display("https://h/a.csv?X-Amz-Signature=abc&X-Amz-Credential=k&v=2")
    assert "abc" not in shown and "=k" not in shown and "v=2" in shown
    assert remote.display("s3://bucket/a.csv") == "s3://bucket/a.csv"


def test_errors_are_translated() -> None:
    url = "s3://bkt/a.csv"

    class NoCredentialsError(Exception):
        pass

    cases: list[tuple[BaseException, type, str]] = [
        (FileNotFoundError("The specified bucket does not exist"), InputError, "no such bucket"),
        (FileNotFoundError("bkt/a.csv"), InputError, "no such file"),
        (PermissionError("Forbidden"), InputError, "access denied"),
        (NoCredentialsError("Unable to locate credentials"), InputError, "no credentials"),
        (ConnectionRefusedError(111, "refused"), InputError, "cannot reach the host"),
        (ImportError("Install s3fs to access S3"), UsageError, "s3fs is not installed"),
        (ValueError("Protocol not known: zz"), UsageError, "unknown URL protocol"),
    ]
    for exc, kind, text in cases:
        got = remote.as_error(exc, url)
        assert type(got) is kind and text in str(got), (exc, got)
    assert 'pip install "losscli[cloud]"' in str(remote.as_error(ImportError("x"), url))
    assert "pip install gcsfs" in str(remote.as_error(ImportError("gcsfs"), "gs://b/a.csv"))


def test_is_url() -> None:
    assert remote.is_url("s3://b/a.csv") and remote.is_url("https://h/a.csv")
    assert not remote.is_url("a.csv") and not remote.is_url("-") and not remote.is_url(3)
    assert not remote.is_url("dir/s3://x")
    assert formats.detect_format("https://h/a.csv.gz?sig=1") == ("csv", True)


def test_dask_engine_reuses_the_expansion() -> None:
    pytest.importorskip("dask")
    from losscli.engines.dask import urls

    assert urls.expand_url is remote.expand_url and urls.is_url is remote.is_url


def test_json_report_is_unchanged_by_the_url(s3: S3, tmp_path: Path) -> None:
    local = _write(tmp_path / "a.csv", 30)
    url = s3.put(f"{s3.prefix()}/a.csv", local)
    a = json.loads(losscli.evaluate(url).to_json())
    b = json.loads(losscli.evaluate(str(local)).to_json())
    assert a["losses"] == b["losses"] and a["metrics"] == b["metrics"]
