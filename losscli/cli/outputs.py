"""Output paths checked before anything is read: an output never replaces an input, and
two outputs never share one file.

``-o``, ``--per-sample`` and ``--junit`` are compared with every input (the files, the
files a glob or a directory stands for, ``--targets`` and a ``--weights`` file) and with
each other: the same file (``os.path.samefile``: hard links and symlinks included) or the
same resolved path is a usage error (exit 2).  ``-`` (standard input or output) is not a
file.  An output is a local file: a URL there (``s3://...``) is a usage error.  The
``--baseline`` file may be an output: it is read whole before anything is
written, so ``-o baseline.json --baseline baseline.json`` updates it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from losscli.errors import InputError, UsageError, show_name
from losscli.io.remote import display, is_url

# a device or a FIFO may be named by several outputs (-o /dev/null --junit /dev/null)
_SHAREABLE = ("/dev/null",)


def _same(a: str, b: str) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _input_files(specs: Iterable[str]) -> list[str]:
    from losscli.io.formats import expand

    files: list[str] = []
    for spec in specs:
        if spec == "-" or is_url(spec):  # a URL is never an output (see check_outputs)
            continue
        try:
            files.extend(expand(spec))
        except InputError:  # reported with its own message when the input is read
            files.append(spec)
    return files


def check_outputs(
    outputs: Sequence[tuple[str, str | None]],
    inputs: Sequence[tuple[str, str | None]],
) -> None:
    """A :class:`UsageError` when an output (``(flag, path)``) names an input
    (``(what, path or glob)``) or another output; None paths and ``-`` are skipped."""
    given = [(flag, path) for flag, path in outputs if path not in (None, "-")]
    if not given:
        return
    for flag, path in given:
        if is_url(path):
            raise UsageError(
                f"{flag} {display(path or '')}: outputs are written to local files only",
                hint=f"give {flag} a local path and copy the file to storage afterwards",
            )
    files = [(what, f) for what, spec in inputs if spec is not None for f in _input_files([spec])]
    for flag, path in given:
        assert path is not None
        for what, f in files:
            if _same(path, f):
                desc = "an input" if what == "input" else f"the {what} file"
                raise UsageError(
                    f"{flag} {show_name(path)} is {desc} ({show_name(f)}): "
                    "writing it would destroy it",
                    hint=f"give {flag} another path",
                )
    for i, (flag, path) in enumerate(given):
        for other, path2 in given[i + 1 :]:
            assert path is not None and path2 is not None
            if _same(path, path2) and os.path.realpath(path) not in _SHAREABLE:
                raise UsageError(
                    f"{flag} and {other} both name {show_name(path)}: one would replace the other",
                    hint="give them different paths",
                )


def weights_file(weights: str | None) -> str | None:
    """``--weights`` when it names an existing file (else it is a column name)."""
    return weights if weights is not None and os.path.isfile(weights) else None
