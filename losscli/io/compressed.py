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
from losscli.io.formats import sniff, wrong_content
from losscli.io.limits import read_capped
from losscli.io.table import short

MAX_DECOMPRESSED_ENV = "LOSSCLI_MAX_DECOMPRESSED"
DEFAULT_MAX_DECOMPRESSED = 2 << 30  # 2 GiB


def max_decompressed() -> int:
    """How many bytes compressed input (``.gz`` read whole, compressed ``.npz`` members) may
    expand to, and standard input of a format read whole may hold:
    ``$LOSSCLI_MAX_DECOMPRESSED`` or 2 GiB.  CSV/TSV (``.gz`` too) are streamed and
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


_MAGIC_OF = {"npy": (b"\x93NUMPY",), "npz": (b"PK\x03\x04", b"PK\x05\x06"), "parquet": (b"PAR1",)}


def check_head(head: bytes, path: str, fmt: str | None) -> None:
    """Refuse bytes that cannot be ``fmt`` from their first block, before reading the
    rest (``/dev/zero`` on standard input is refused at once, not after gigabytes)."""
    if fmt is None or not head:
        return
    magics = _MAGIC_OF.get(fmt)
    if magics is not None:
        if not head.startswith(magics):
            raise wrong_content(path, fmt, head[:4096])
    elif b"\x00" in head[:4096] or sniff(head[:4096]) in (
        "pickle",
        *_MAGIC_OF,
        *(("binary",) if fmt == "jsonl" else ()),
    ):
        raise wrong_content(path, fmt, head[:4096])


def _gunzip(src: IO[bytes], path: str, fmt: str | None = None) -> io.BytesIO:
    """Decompress a whole gzip stream into memory, at most :func:`max_decompressed` bytes;
    its first block is checked to be ``fmt`` before the rest is read."""
    limit = max_decompressed()
    out = io.BytesIO()
    total = 0
    try:
        with gzip.GzipFile(fileobj=src, mode="rb") as g:
            while True:
                block = g.read(1 << 20)
                if not block:
                    break
                if not total:
                    check_head(block, path, fmt)
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


def open_bytes(path: str, gz: bool, stdin: IO[bytes] | None, fmt: str | None = None) -> IO[bytes]:
    """The bytes of ``path`` for a reader of ``fmt``.  Standard input is read whole (it
    cannot seek), within :func:`max_decompressed` bytes, its first block checked first."""
    if path == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        first = raw.read(1 << 16)
        if first[:2] == b"\x1f\x8b":
            from losscli.io.csvfast import Chain

            return _gunzip(io.BufferedReader(Chain([first], raw)), path, fmt)  # type: ignore[arg-type]
        check_head(first, path, fmt)
        return io.BytesIO(read_capped(raw, path, max_decompressed(), MAX_DECOMPRESSED_ENV, first))
    if gz:
        with open(path, "rb") as fh:
            return _gunzip(fh, path, fmt)
    return open(path, "rb")
