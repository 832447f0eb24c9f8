"""Remote inputs: fsspec URLs (``s3://``, ``gs://``, ``az://``, ``http(s)://``, ...).

A URL is recognised by its ``scheme://`` prefix; a glob or a "directory" (a bucket prefix)
expands into sorted file URLs, as a local glob or directory does.  A remote file is opened
as a seekable binary file object with a small read-ahead buffer, so the readers stream it
in bounded memory as they stream a local file.  fsspec and its backends (s3fs, aiohttp,
gcsfs, adlfs: the ``losscli[cloud]`` extra) are imported only when a URL is read.

Credentials and endpoints come from where each backend looks for them: for S3 the usual
AWS environment variables and files (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``,
``~/.aws/credentials``; ``AWS_ENDPOINT_URL`` for an S3-compatible server), and for any
protocol fsspec's own configuration (``FSSPEC_S3_ENDPOINT_URL``, ``FSSPEC_S3_ANON``, ...).
Failures (a missing object or bucket, a refused credential, a host that cannot be
reached, a missing backend) become one :class:`InputError` or :class:`UsageError`
naming the URL, with any password or signature in it masked.
"""

from __future__ import annotations

import os
import re
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from losscli.errors import InputError, LossCliError, UsageError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
CLOUD_PIP = 'pip install "losscli[cloud]"'
#: the backend package of each protocol that the ``cloud`` extra does not install
_BACKENDS = {"gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs"}
#: read-ahead of a remote file: a few MiB a request (s3fs would buffer 50 MiB)
BLOCK_SIZE = 4 << 20
_SECRET = re.compile(r"sig|token|key|secret|credential|password|auth", re.IGNORECASE)


def is_url(x: Any) -> bool:
    """A URL with a ``scheme://`` prefix (``s3://``, ``https://``, ``memory://``, ...)."""
    return isinstance(x, str) and _SCHEME.match(x) is not None


def protocol(url: str) -> str:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else "file"


def display(url: str) -> str:
    """``url`` as printed in messages: a password and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else f"***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if _SECRET.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _fs(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path in it."""
    try:
        import fsspec
    except ImportError:
        raise missing_extra(url, "fsspec") from None
    return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]


def missing_extra(url: str, what: str) -> UsageError:
    backend = _BACKENDS.get(protocol(url))
    pip = f"pip install {backend}" if backend and what != "fsspec" else CLOUD_PIP
    return UsageError(
        f"cannot read {display(url)}: {what} is not installed (remote inputs need it)",
        hint=f"install it with: {pip}",
    )


def as_error(exc: BaseException, url: str) -> LossCliError:
    """An exception raised by fsspec or a backend on ``url`` as a losscli error naming the
    URL (never the exception's own text where it may hold a credential)."""
    name = display(url)
    if isinstance(exc, LossCliError):
        return exc
    if isinstance(exc, ImportError):
        missing = getattr(exc, "name", None) or _module_in(str(exc)) or "a backend"
        return missing_extra(url, missing)
    kind = type(exc).__name__
    text = str(exc)
    if isinstance(exc, ValueError) and "Protocol not known" in text:
        return UsageError(
            f"cannot read {name}: unknown URL protocol {protocol(url)}://",
            hint="use s3://, gs://, az://, http:// or https:// (or a local path)",
        )
    if isinstance(exc, FileNotFoundError):
        if "bucket" in text.lower():
            return InputError("no such bucket", file=name, hint="check the bucket name")
        return InputError("no such file", file=name)
    if isinstance(exc, IsADirectoryError):
        return InputError("is a directory, expected a file", file=name)
    if kind == "NoCredentialsError" or "credentials" in text.lower() and "locate" in text.lower():
        return InputError(
            "no credentials found to read it",
            file=name,
            hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE "
            "(or FSSPEC_S3_ANON=true for a public bucket)",
        )
    if isinstance(exc, PermissionError) or _status(exc) in (401, 403):
        return InputError(
            "access denied (a missing, wrong or expired credential?)",
            file=name,
            hint="check the credentials in the environment or the backend's configuration",
        )
    if _status(exc) == 404:
        return InputError("no such file", file=name)
    if _unreachable(exc):
        return InputError(
            "cannot reach the host",
            file=name,
            hint="check the URL, the network and AWS_ENDPOINT_URL for an S3-compatible server",
        )
    if isinstance(exc, MemoryError):
        return InputError("too large to load into memory", file=name)
    return InputError(f"cannot read: {kind}", file=name)


def _module_in(text: str) -> str | None:
    m = re.search(r"[Ii]nstall (\w+)|No module named '([\w.]+)'", text)
    if not m:
        return None
    return (m.group(1) or m.group(2)).split(".")[0]


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None) or getattr(exc, "code", None)
    return status if isinstance(status, int) else None


def _unreachable(exc: BaseException) -> bool:
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(
        names
        & {
            "EndpointConnectionError",
            "ConnectTimeoutError",
            "ClientConnectorError",
            "ServerDisconnectedError",
            "ConnectionError",
            "TimeoutError",
            "ServerTimeoutError",
            "ClientOSError",
        }
    ) or isinstance(exc, (ConnectionError, TimeoutError))


def expand_url(spec: str) -> list[str]:
    """A URL, a URL glob or a URL "directory" (a bucket prefix) as sorted file URLs
    (hidden names, ``.x`` and ``_x``, skipped in a directory as locally)."""
    try:
        fs, path = _fs(spec)
        if any(ch in spec.split("://", 1)[1] for ch in "*?["):
            dotted = os.path.basename(path).startswith(".")  # as glob.glob: `*` skips .x
            found = [
                p
                for p in fs.glob(path)
                if (dotted or not os.path.basename(p).startswith(".")) and fs.isfile(p)
            ]
            if not found:
                raise InputError("no file matches this pattern", file=display(spec))
        elif fs.isfile(path):
            return [spec]  # as written: the URL the user gave is the one named
        elif fs.isdir(path):
            found = [
                p
                for p in fs.ls(path, detail=False)
                if not os.path.basename(p.rstrip("/")).startswith((".", "_")) and fs.isfile(p)
            ]
            if not found:
                raise InputError("directory has no data files", file=display(spec))
        else:
            fs.info(path)  # the backend's own error: a missing bucket, a refused credential
            raise InputError("no such file", file=display(spec))
    except Exception as exc:
        raise as_error(exc, spec) from None
    return [fs.unstrip_protocol(p) for p in sorted(found)]


def size(url: str) -> int:
    """The size in bytes of the file at ``url``; an input error when it is missing or is
    not a file."""
    try:
        fs, path = _fs(url)
        info = fs.info(path)
    except Exception as exc:
        raise as_error(exc, url) from None
    if info.get("type") == "directory":
        raise InputError("is a directory, expected a file", file=display(url))
    value = info.get("size")
    return int(value) if value is not None else -1


def open_url(url: str) -> IO[bytes]:
    """The file at ``url`` as a seekable binary file object, read ahead :data:`BLOCK_SIZE`
    bytes at a time (bounded memory, few requests)."""
    try:
        fs, path = _fs(url)
        return fs.open(path, "rb", block_size=BLOCK_SIZE, cache_type="readahead")  # type: ignore[no-any-return]
    except Exception as exc:
        raise as_error(exc, url) from None


def is_remote_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from fsspec, a backend or its network client."""
    root = type(exc).__module__.split(".")[0]
    return root in {"fsspec", "s3fs", "botocore", "aiobotocore", "aiohttp", "gcsfs", "adlfs"}
