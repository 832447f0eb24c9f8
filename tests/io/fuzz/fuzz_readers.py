"""atheris harness: losscli's readers (and the validation behind them) on arbitrary bytes.

An input is ``[format selector][flags][file bytes]``: the selector picks the extension the
bytes are written under (``.csv``, ``.tsv``, ``.npy``, ``.npz``, ``.parquet``, ``.jsonl``,
``.gz`` variants), bit 0 of the flags reads CSV/TSV without a header.  The file is read by
:func:`losscli.io.readers.read` and, when that succeeds, evaluated by :func:`losscli.evaluate`.
A :class:`losscli.errors.LossCliError` is the expected refusal; any other exception is a
crash.  See ``README.md`` here for short and long runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

SUFFIXES = (
    ".csv",
    ".tsv",
    ".npy",
    ".npz",
    ".parquet",
    ".jsonl",
    ".csv.gz",
    ".tsv.gz",
    ".npy.gz",
    ".jsonl.gz",
    ".parquet.gz",
    ".ndjson",
)
_DIR = tempfile.mkdtemp(prefix="losscli-atheris-")


def encode(suffix: str, payload: bytes, header: bool = True) -> bytes:
    """A fuzzer input for ``payload`` read as ``suffix`` (for seed corpus files)."""
    return bytes([SUFFIXES.index(suffix), 0 if header else 1]) + payload


def decode(data: bytes) -> tuple[str, bool, bytes]:
    """(suffix, header, file bytes) of a fuzzer input."""
    suffix = SUFFIXES[data[0] % len(SUFFIXES)] if data else ".csv"
    flags = data[1] if len(data) > 1 else 0
    return suffix, not flags & 1, data[2:]


def one_input(data: bytes) -> None:
    from losscli import evaluate
    from losscli.errors import LossCliError
    from losscli.io import readers

    suffix, header, payload = decode(data)
    path = os.path.join(_DIR, "input" + suffix)
    with open(path, "wb") as fh:
        fh.write(payload)
    try:
        readers.read(path, header=header)
    except LossCliError:
        return
    try:
        evaluate(path, header=header, keep_per_sample=False)
    except LossCliError:
        return


def main() -> None:
    import atheris

    warnings.simplefilter("ignore")  # numpy's RuntimeWarnings are not crashes
    with atheris.instrument_imports(include=["losscli"]):
        import losscli.io.readers  # noqa: F401
        import losscli.validate.align  # noqa: F401
        import losscli.validate.columns  # noqa: F401
        import losscli.validate.prepare  # noqa: F401
        import losscli.validate.sources  # noqa: F401
        import losscli.validate.targets  # noqa: F401
        import losscli.validate.tasks  # noqa: F401
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
