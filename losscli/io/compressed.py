"""Compressed input: the limit on what compressed data may expand to
(``$LOSSCLI_MAX_DECOMPRESSED``), whole gzip streams decompressed within it, and the
bytes of a path or of standard input opened for the in-memory readers.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from typing import IO

from losscli.errors import InputError, UsageError
from losscli.io.table import short

MAX_DECOMPRESSED_ENV = "LOSSCLI_MAX_DECOMPRESSED"
DEFAULT_MAX_DECOMPRESSED = 2 << 30  # 2 GiB


def max_decompressed() -> int:
    """How many bytes compressed input (``.gz`` read whole, compressed ``.npz`` members) may
    expand to: ``$LOSSCLI_MAX_DECOMPRESSED`` or 2 GiB.  Large CSV/TSV are streamed and
    not limited."""
    raw = os.environ.get(MAX_DECOMPRESSED_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_DECOMPRESSED
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{MAX_DECOMPRESSED_ENV}={raw!r} is not a positive number of bytes")
    return value


def _gunzip(src: IO[bytes], path: str) -> io.BytesIO:
    """Decompress a whole gzip stream into memory, at most :func:`max_decompressed` bytes."""
    limit = max_decompressed()
    out = io.BytesIO()
    total = 0
    try:
        with gzip.GzipFile(fileobj=src, mode="rb") as g:
            while True:
                block = g.read(1 << 20)
                if not block:
                    break
                total += len(block)
                if total > limit:
                    raise InputError(
                        f"decompresses to more than {limit} bytes",
                        file=path,
                        hint=f"decompress it first, or raise the limit with "
                        f"{MAX_DECOMPRESSED_ENV}=BYTES",
                    )
                out.write(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"corrupt or truncated gzip data: {short(exc)}", file=path) from None
    out.seek(0)
    return out


def open_bytes(path: str, gz: bool, stdin: IO[bytes] | None) -> IO[bytes]:
    if path == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        data = raw.read()
        if data[:2] == b"\x1f\x8b":
            return _gunzip(io.BytesIO(data), path)
        return io.BytesIO(data)
    if gz:
        with open(path, "rb") as fh:
            return _gunzip(fh, path)
    return open(path, "rb")
