"""Parquet: a file read whole into a table, or streamed record batch by record batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from losscli.errors import InputError
from losscli.io.formats import wrong_content
from losscli.io.table import Table, arrow_to_table, frame_to_table, short


def read_parquet(fh: IO[bytes], path: str) -> Table:
    import pyarrow.parquet as pq

    head = fh.read(4)
    fh.seek(0)
    if head != b"PAR1":
        raise wrong_content(path, "parquet", head + fh.read(4096)[4:])
    try:
        df = pq.read_table(fh).to_pandas()
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read Parquet: {short(exc)}", file=path) from None
    return frame_to_table(df, path, True)


def stream_parquet(path: str, rows: int) -> Iterator[Table]:
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"PAR1":
        raise wrong_content(path, "parquet", head)
    try:
        # no pre-buffering: pyarrow would otherwise hold whole column chunks (and more)
        # in memory; read in 1 MiB pieces, a batch at a time
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read Parquet: {short(exc)}", file=path) from None
    for batch in pf.iter_batches(batch_size=rows):
        yield arrow_to_table(batch, path, True)
