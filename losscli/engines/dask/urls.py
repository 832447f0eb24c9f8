"""fsspec URLs: recognised, expanded into sorted file URLs, and read by Dask's own
readers into a Dask DataFrame."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from losscli.errors import InputError, LossCliError, UsageError
from losscli.io import formats
from losscli.io.dialect import make as make_dialect
from losscli.io.table import short

if TYPE_CHECKING:
    from losscli.engines.dask.spec import ReadOptions

#: Extensions Dask's readers take for URLs.
_URL_FORMATS = ("csv", "tsv", "parquet", "jsonl")


def is_url(x: Any) -> bool:
    """An fsspec URL (``s3://``, ``gcs://``, ``memory://``, ``file://``, ...)."""
    return isinstance(x, str) and "://" in x


def expand_url(spec: str) -> list[str]:
    """A URL, URL glob or URL directory as sorted file URLs (hidden files skipped)."""
    import fsspec

    try:
        fs, _, paths = fsspec.core.get_fs_token_paths(spec)
        if any(ch in spec.split("://", 1)[1] for ch in "*?["):
            found = [p for p in paths if fs.isfile(p)]
            if not found:
                raise InputError("no file matches this pattern", file=spec)
        elif fs.isdir(paths[0]):
            found = [
                p
                for p in fs.ls(paths[0], detail=False)
                if not os.path.basename(p.rstrip("/")).startswith((".", "_")) and fs.isfile(p)
            ]
            if not found:
                raise InputError("directory has no data files", file=spec)
        elif fs.exists(paths[0]):
            found = [paths[0]]
        else:
            raise InputError("no such file", file=spec)
    except LossCliError:
        raise
    except ImportError as exc:
        raise UsageError(
            f"cannot read {spec}: {short(exc)}",
            hint="install the fsspec package for this protocol (e.g. s3fs, gcsfs)",
        ) from None
    except Exception as exc:  # fsspec backends raise their own types
        raise InputError(f"cannot read: {short(exc)}", file=spec) from None
    return [fs.unstrip_protocol(p) for p in sorted(found)]


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
