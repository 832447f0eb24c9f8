"""Formats: the input formats and their extensions, the format of a path, the files of
a glob or directory, and what a file's first bytes look like (magic numbers), for the
error that says a file does not hold what its name claims.
"""

from __future__ import annotations

import glob as _glob
import os
import re

from losscli.errors import InputError

FORMATS = ("csv", "tsv", "npy", "npz", "parquet", "jsonl")
_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def detect_format(path: str, input_format: str | None = None) -> tuple[str, bool]:
    """Return (format, gzipped) for ``path``: ``input_format`` when given (whatever the
    extension says), else the format of its extension; a ``.gz`` suffix means gzip."""
    if path == "-":
        return (input_format or "csv"), False
    lower = path.lower()
    if "://" in lower:  # a URL: its query (a signature, a version) is not the extension
        lower = lower.split("?", 1)[0].split("#", 1)[0]
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    if input_format:  # --input-format wins over the extension
        return input_format, gz
    ext = os.path.splitext(lower)[1]
    fmt = _EXT.get(ext)
    if fmt is None:
        raise InputError(
            f"cannot tell the format from the extension {ext or '(none)'!r}",
            file=path,
            hint="use one of .csv .tsv .npy .npz .parquet .jsonl .ndjson (optionally .gz) "
            "or pass --input-format",
        )
    return fmt, gz


def expand(spec: str) -> list[str]:
    """A path, a glob or a directory of shards (or a URL, a URL glob or a bucket prefix:
    :func:`losscli.io.remote.expand_url`), as a sorted list of files."""
    if spec == "-":
        return ["-"]
    if "://" in spec:
        from losscli.io import remote  # fsspec only when a URL is read

        if remote.is_url(spec):
            return remote.expand_url(spec)
    if os.path.isdir(spec):
        try:
            entries = os.listdir(spec)
        except OSError as exc:
            raise InputError(
                f"cannot list the directory: {exc.strerror or exc}", file=spec
            ) from None
        found = sorted(
            os.path.join(spec, f)
            for f in entries
            if not f.startswith((".", "_")) and os.path.isfile(os.path.join(spec, f))
        )
        if not found:
            raise InputError("directory has no data files", file=spec)
        return found
    if any(ch in spec for ch in "*?[") and not os.path.exists(spec):
        found = sorted(p for p in _glob.glob(spec, recursive=True) if os.path.isfile(p))
        if not found:
            raise InputError("no file matches this pattern", file=spec)
        return found
    return [spec]


_MAGIC = (
    (b"PAR1", "parquet"),
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "npz"),
    (b"PK\x05\x06", "npz"),
    (b"\x1f\x8b", "gzip"),
)
NAMES = {
    "parquet": "Parquet data",
    "npy": "a NumPy .npy array",
    "npz": "a zip archive (.npz)",
    "gzip": "gzip-compressed data",
    "pickle": "a Python pickle",
    "jsonl": "JSON text",
    "csv": "CSV text",
    "tsv": "tab-separated text",
    "text": "text",
    "binary": "binary data",
}


# control characters that no text file holds (tab, newlines and form feed are allowed)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def sniff(head: bytes) -> str:
    """What the first bytes of a file look like: a format name, ``pickle``, ``gzip``,
    ``text`` or ``binary``."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return "pickle"
    sample = head[:4096]
    if b"\x00" in sample:
        return "binary"
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            return "binary"
        text = sample[: exc.start].decode("utf-8-sig", "replace")
    if _CONTROL.search(text):
        return "binary"
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        return "jsonl"
    first = stripped.split("\n", 1)[0]
    if "\t" in first and "," not in first:
        return "tsv"
    if "," in first:
        return "csv"
    return "text"


EXT_OF = {
    "parquet": ".parquet",
    "npy": ".npy",
    "npz": ".npz",
    "jsonl": ".jsonl",
    "csv": ".csv",
    "tsv": ".tsv",
}


def wrong_content(path: str, expected: str, head: bytes) -> InputError:
    """The error for a file whose bytes are not ``expected``, saying what they look like."""
    kind = sniff(head)
    what = NAMES.get(kind, kind)
    if kind == "pickle":
        return InputError(
            f"is a Python pickle, not {NAMES.get(expected, expected)}; pickles are never loaded",
            file=path,
        )
    message = f"does not hold {NAMES.get(expected, expected)}: it looks like {what}"
    hint: str | None = None
    if kind == "gzip":
        hint = "name it with a .gz suffix" if path != "-" else None
    elif kind in EXT_OF:
        if path == "-":
            hint = f"pass --input-format {kind}"
        elif _EXT.get(os.path.splitext(path.lower().removesuffix(".gz"))[1]) == kind:
            hint = f"its name says {kind}: drop --input-format, which overrides the extension"
        else:
            hint = f"rename it to {EXT_OF[kind]}"
    return InputError(message, file=path, hint=hint)
