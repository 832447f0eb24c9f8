"""Files written atomically: a reader never sees a half-written file, and a failed run
leaves the old file (or none) in place."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
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
    """Write to a temporary file beside ``path`` and rename it into place on success.

    A symlink is written through: the temporary file goes beside the file it points to,
    which is replaced, and the link stays.  A FIFO or a device (``/dev/null``, a
    terminal) is not a file that can be replaced: it is opened and written directly,
    with no rename.  Temporary files of ours that an earlier run could not remove (it
    was killed with SIGKILL) are removed from the directory once over an hour old."""
    if _is_special(path):  # os.stat follows links: /dev/stdout is written as what it is
        with _direct_writer(path) as fh:
            yield fh
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(os.path.abspath(target))
    remove_stale(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=directory)
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
        os.chmod(tmp, _final_mode(target))  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, target)
    except OSError as exc:  # flush, fsync, close, rename: the disk said no
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _cannot_write(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _is_special(path: str) -> bool:
    """A FIFO, a character or a block device (or a socket): written in place."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def _direct_writer(path: str) -> Iterator[IO[bytes]]:
    try:
        fh = open(path, "wb")  # noqa: SIM115 - closed below, its errors reported
    except OSError as exc:
        raise _cannot_write(path, exc, partial=False) from None
    try:
        try:
            yield fh
        except OSError as exc:
            if getattr(exc, "errno", None) in _WRITE_ERRNOS:
                raise _cannot_write(path, exc, partial=True) from None
            raise
        fh.flush()
    except OSError as exc:
        raise _cannot_write(path, exc, partial=True) from None
    finally:
        with contextlib.suppress(OSError):
            fh.close()


# our temporary files: mkstemp's names are 8 characters of [a-z0-9_]
TMP_PREFIX, TMP_SUFFIX = ".losscli-", ".tmp"
_TMP_NAME = re.compile(r"\.losscli-[a-z0-9_]{8}\.tmp\Z")
STALE_AFTER = 3600.0  # seconds: no run of ours writes one file for that long unseen


def remove_stale(directory: str, *, older_than: float = STALE_AFTER) -> list[str]:
    """Remove the temporary files a killed run left in ``directory``: regular files
    named exactly as ours, owned by this user, not modified for ``older_than`` seconds.
    Anything else is left alone, and a file that cannot be removed too.  Returns the
    names removed."""
    removed: list[str] = []
    now = time.time()
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not _TMP_NAME.match(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            if now - st.st_mtime < older_than:
                continue
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            continue
    return removed


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _cannot_write(path: str, exc: OSError, *, partial: bool = False) -> InputError:
    hint = (
        "free some space or write elsewhere" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None
    )
    said = "what was written before it may have reached it" if partial else "nothing was written"
    return InputError(f"cannot write: {exc.strerror or exc}; {said}", file=path, hint=hint)
