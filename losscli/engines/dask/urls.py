"""fsspec URLs read by Dask's own readers into a Dask DataFrame (recognised and expanded
into sorted file URLs by :mod:`losscli.io.remote`, as for the local engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from losscli.errors import InputError, UsageError
from losscli.io import formats
from losscli.io.dialect import make as make_dialect
from losscli.io.remote import expand_url, is_url  # noqa: F401 - is_url re-exported
from losscli.io.table import short

if TYPE_CHECKING:
    from losscli.engines.dask.spec import ReadOptions

#: Extensions Dask's readers take for URLs.
_URL_FORMATS = ("csv", "tsv", "parquet", "jsonl")


def read_url(spec: str, read: ReadOptions) -> Any:
    """A Dask DataFrame over the files of a URL, through Dask's own readers."""
    import dask.dataframe as dd

    paths = expand_url(spec)
    fmt, gz = formats.detect_format(paths[0], read.input_format)
    if fmt not in _URL_FORMATS:
        raise UsageError(
            f"{fmt} files cannot be read from a URL by the Dask engine",
            hint=f"use one of {', '.join(_URL_FORMATS)}",
        )
    dialect = make_dialect(read.delimiter, read.decimal)
    sep = dialect.sep(fmt) if fmt in ("csv", "tsv") else ","
    try:
        if fmt == "parquet":
            return dd.read_parquet(paths)
        if fmt == "jsonl":
            return dd.read_json(paths, lines=True, blocksize=None)
        return dd.read_csv(
            paths,
            sep=sep,
            decimal=dialect.decimal,
            header=0 if read.header else None,
            assume_missing=True,
            skipinitialspace=True,
            blocksize=None if gz else "64MB",
            compression="gzip" if gz else None,
        )
    except FileNotFoundError:
        raise InputError("no such file", file=spec) from None
    except Exception as exc:
        raise InputError(f"cannot read: {short(exc)}", file=spec) from None
