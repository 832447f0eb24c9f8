"""Servers for the remote-input tests, on 127.0.0.1: an S3-compatible one (moto's server
mode) and a static HTTP server that honours ``Range`` (as S3, nginx and most hosts do).

The tests skip when the ``cloud`` extra or moto is missing, except under ``CI``, where a
missing package is a failure: CI installs ``.[test]``, which holds both.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

NEEDED = ("fsspec", "s3fs", "aiohttp", "moto", "boto3")
MISSING = [m for m in NEEDED if importlib.util.find_spec(m) is None]
BUCKET = "losscli-test"
SECRET = "s3cr3t-never-printed"


def require_cloud() -> None:
    """Skip without the packages (fail under CI, which must run these tests)."""
    if MISSING:
        message = f"remote-input tests need {', '.join(MISSING)} (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3:
    endpoint: str
    client: Any
    env: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, data: bytes | Path) -> str:
        body = data.read_bytes() if isinstance(data, Path) else data
        self.client.put_object(Bucket=BUCKET, Key=key, Body=body)
        return f"s3://{BUCKET}/{key}"

    def prefix(self) -> str:
        """A fresh key prefix: tests share the bucket, never each other's keys."""
        return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3]:
    require_cloud()
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        # the standard variable botocore (and so s3fs) reads for an S3-compatible server
        "AWS_ENDPOINT_URL": endpoint,
        # no instance-metadata lookups, no user files, no retries: errors come at once
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3(endpoint, client, env)
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: S3, monkeypatch: pytest.MonkeyPatch) -> S3:
    """The S3 server with its environment set in this process (for the library tests)."""
    for key, value in s3_server.env.items():
        monkeypatch.setenv(key, value)
    return s3_server


class _RangeHandler(SimpleHTTPRequestHandler):
    """Files of a directory with ``Range: bytes=a-b`` answered by 206; ``/private/``
    answers 403 (a refused credential)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        if self.path.startswith("/private/"):
            self.send_error(403)
            return
        path = self.translate_path(self.path.split("?", 1)[0])
        if not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start, end = 0, size - 1
        ranged = self.headers.get("Range")
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", ranged or "")
        if m:
            if m[1]:
                start, end = int(m[1]), min(int(m[2]) if m[2] else size - 1, size - 1)
            else:
                start = max(size - int(m[2]), 0)
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return
        self.send_response(206 if m else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if m:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if body:
            with open(path, "rb") as fh:
                fh.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = fh.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)


@dataclass
class HTTP:
    base: str
    root: Path

    def put(self, name: str, data: bytes | Path) -> str:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            shutil.copyfile(data, target)
        else:
            target.write_bytes(data)
        return f"{self.base}/{name}"


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HTTP]:
    require_cloud()
    root = tmp_path_factory.mktemp("http-root")
    handler = functools.partial(_RangeHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HTTP(f"http://127.0.0.1:{server.server_address[1]}", root)
    finally:
        server.shutdown()
        server.server_close()
