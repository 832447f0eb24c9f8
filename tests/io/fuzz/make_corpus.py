"""Write the seed corpus (small valid and near-valid files of every format) to corpus/."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_readers import encode  # noqa: E402


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def npz(compressed: bool = False, **arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def parquet(**columns: list) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


BINARY = b"label,prob\n1,0.2\n0,0.4\n1,0.9\n"
SEEDS = {
    "binary_csv": encode(".csv", BINARY),
    "multiclass_csv": encode(".csv", b"label,a,b,c\n0,0.7,0.2,0.1\n2,0.1,0.1,0.8\n1,0.3,0.4,0.3\n"),
    "classnames_csv": encode(".csv", b"label,cat,dog\ncat,0.8,0.2\ndog,0.3,0.7\n"),
    "regression_csv": encode(".csv", b"y,pred\n1.5,1.2\n-0.3,0.1\n2e3,1999.5\n"),
    "ids_csv": encode(".csv", b"id,target,prediction\na,1,0.3\nb,0,0.6\n"),
    "noheader_csv": encode(".csv", b"1,0.2\n0,0.4\n", header=False),
    "quoted_crlf_bom_csv": encode(".csv", b'\xef\xbb\xbf"label","prob"\r\n"1","0.2"\r\n0,""\r\n'),
    "nan_csv": encode(".csv", b"label,prob\n1,nan\n0,inf\n1,\n0,0.3\n"),
    "binary_tsv": encode(".tsv", BINARY.replace(b",", b"\t")),
    "binary_csv_gz": encode(".csv.gz", gzip.compress(BINARY, mtime=0)),
    "binary_tsv_gz": encode(".tsv.gz", gzip.compress(BINARY.replace(b",", b"\t"), mtime=0)),
    "table_npy": encode(".npy", npy(np.array([[1.0, 0.2], [0.0, 0.4], [1.0, 0.9]]))),
    "labels_npy": encode(".npy", npy(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.int8))),
    "table_npy_gz": encode(".npy.gz", gzip.compress(npy(np.array([[1.0, 0.2]])), mtime=0)),
    "arrays_npz": encode(".npz", npz(y_true=np.array([1, 0, 1]), y_pred=np.array([0.2, 0.4, 0.9]))),
    "wide_npz": encode(
        ".npz",
        npz(True, target=np.array([0, 2]), proba=np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])),
    ),
    "binary_parquet": encode(".parquet", parquet(label=[1, 0, 1], prob=[0.2, 0.4, 0.9])),
    "binary_jsonl": encode(".jsonl", b'{"label": 1, "prob": 0.2}\n{"label": 0, "prob": 0.4}\n'),
    "binary_ndjson": encode(".ndjson", b'{"y": 1.5, "pred": 1.0}\n{"y": 2, "pred": null}\n'),
    "binary_jsonl_gz": encode(".jsonl.gz", gzip.compress(b'{"label": 1, "prob": 0.2}\n', mtime=0)),
}


def main() -> None:
    out = Path(__file__).parent / "corpus"
    out.mkdir(exist_ok=True)
    for name, data in SEEDS.items():
        (out / name).write_bytes(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
