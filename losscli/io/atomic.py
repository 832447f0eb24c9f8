"""Files written atomically: a reader never sees a half-written file, and a failed run
leaves the old file (or none) in place."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from typing import IO

from losscli.errors import InputError


def _final_mode(path: str) -> int:
    """An existing file keeps its mode; a new one gets 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_writer(path: str) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                yield fh
            except OSError as exc:
                if getattr(exc, "errno", None) in _WRITE_ERRNOS:  # a write into fh failed
                    raise _cannot_write(path, exc) from None
                raise
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _final_mode(path))  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except OSError as exc:  # flush, fsync, close, rename: the disk said no
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _cannot_write(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _cannot_write(path: str, exc: OSError) -> InputError:
    hint = (
        "free some space or write elsewhere" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None
    )
    return InputError(
        f"cannot write: {exc.strerror or exc}; nothing was written", file=path, hint=hint
    )
