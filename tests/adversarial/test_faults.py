"""Faults of the system around a run, through the real command: a full disk, a read-only
directory, two runs writing one path at once, FIFOs and devices as inputs and outputs,
decompression bombs.  Each ends with its exit code, one ``error:`` line, and the outputs
as they were (tests/adversarial/adversarial_promise.py).

They run without root and as root alike: a full disk is ``RLIMIT_FSIZE`` in the child
(writes past it fail with EFBIG), a read-only directory is mode 0555 with the child's
CAP_DAC_OVERRIDE dropped when it runs as root (root ignores modes otherwise).  Signals
during a write are tests/cli/test_interrupts.py and test_regressions.py; a full tmpfs
(root only) is tests/cli/test_interrupts.py.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from adversarial_promise import SENTINEL, assert_promise, leftovers, run_cmd
from conftest import Result, child_env

CSV = "y,p\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _rows(n: int) -> str:
    return "y,p\n" + "".join(f"{i % 2},0.{i % 9 + 1}\n" for i in range(n))


def _popen(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "losscli", *args],
        cwd=cwd,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def _finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> Result:
    out, err = proc.communicate(timeout=timeout)
    return Result(proc.returncode, out.decode(), err.decode())


# -- a full disk: RLIMIT_FSIZE -----------------------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    def set_limit() -> None:  # in the child, before exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit: EFBIG, no signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no RLIMIT_FSIZE")
@pytest.mark.parametrize("target", ["--per-sample", "-o"])
def test_full_disk_by_file_size_limit(tmp_path: Path, target: str) -> None:
    (tmp_path / "d.csv").write_text(_rows(3000))
    for name in ("ps.csv", "r.json"):
        (tmp_path / name).write_bytes(SENTINEL)
    args = ["eval", "d.csv", "-f", "json", "-o", "r.json"]
    if target == "--per-sample":
        args += ["--per-sample", "ps.csv"]  # 3000 rows: past 4 KiB
    limit = 4096 if target == "--per-sample" else 256  # the report: about 1 KiB
    res = _finish(_popen(args, tmp_path, preexec_fn=_file_size_limit(limit)))
    assert res.code == 3, res.err
    assert_promise(res, [tmp_path / "ps.csv", tmp_path / "r.json"], tmp_path)
    assert "File too large" in res.err, res.err
    assert sorted(os.listdir(tmp_path)) == ["d.csv", "ps.csv", "r.json"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("flag", ["-o", "--per-sample", "--junit"])
def test_full_device_as_any_output(tmp_path: Path, flag: str) -> None:
    (tmp_path / "a.csv").write_text(CSV)
    # --per-sample takes its format from the name: a link with one, to the device
    (tmp_path / "full.csv").symlink_to("/dev/full")
    res = run_cmd(["eval", "a.csv", flag, "full.csv"], tmp_path)
    assert res.code == 3, res.err
    assert_promise(res, where=tmp_path)
    assert "full.csv: cannot write: No space left on device" in res.err, res.err
    assert (tmp_path / "full.csv").is_symlink()
    assert stat_is_char_device("/dev/full")  # still the device


def stat_is_char_device(path: str) -> bool:
    import stat

    return stat.S_ISCHR(os.stat(path).st_mode)


# -- a read-only directory, for root too -------------------------------------------------

# Runs losscli with the DAC capabilities dropped when root (mode bits then apply to it as
# to anyone); exit 99 when a write into the read-only directory still succeeds.
_UNPRIVILEGED = r"""
import ctypes, os, sys
if os.geteuid() == 0:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    libc = ctypes.CDLL(None, use_errno=True)
    hdr, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(hdr), data) != 0:
        sys.exit(99)
    drop = ~((1 << 1) | (1 << 2) | (1 << 3))  # DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
    data[0].effective &= drop
    if libc.capset(ctypes.byref(hdr), data) != 0:
        sys.exit(99)
try:
    open(os.path.join(sys.argv[1], "probe"), "wb").close()
except PermissionError:
    pass
else:
    os.unlink(os.path.join(sys.argv[1], "probe"))
    sys.exit(99)
sys.argv = ["losscli", *sys.argv[2:]]
from losscli._entry import main
main()
"""


def _run_unprivileged(args: list[str], cwd: Path, readonly: Path) -> Result:
    proc = subprocess.run(
        [sys.executable, "-c", _UNPRIVILEGED, str(readonly), *args],
        cwd=cwd,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    if proc.returncode == 99:
        pytest.skip("cannot make a directory read-only for this user here")
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@linux_only
@pytest.mark.parametrize("flag", ["-o", "--per-sample", "--junit"])
def test_read_only_directory(tmp_path: Path, flag: str) -> None:
    (tmp_path / "a.csv").write_text(CSV)
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "old.csv").write_bytes(SENTINEL)
    ro.chmod(0o555)
    try:
        res = _run_unprivileged(["eval", "a.csv", flag, "ro/old.csv"], tmp_path, ro)
    finally:
        ro.chmod(0o755)
    assert res.code == 3, res.err
    assert_promise(res, [ro / "old.csv"], ro)
    assert "ro/old.csv: cannot write: Permission denied" in res.err, res.err
    assert os.listdir(ro) == ["old.csv"]


@linux_only
def test_unreadable_input_for_root_too(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(CSV)
    (tmp_path / "a.csv").chmod(0)
    (tmp_path / "r.json").write_bytes(SENTINEL)
    ro = tmp_path / "ro"  # the probe of _UNPRIVILEGED
    ro.mkdir(mode=0o555)
    try:
        res = _run_unprivileged(["eval", "a.csv", "-o", "r.json"], tmp_path, ro)
    finally:
        (tmp_path / "a.csv").chmod(0o644)
        ro.chmod(0o755)
    assert res.code == 3, res.err
    assert_promise(res, [tmp_path / "r.json"], tmp_path)
    assert "a.csv" in res.err and "ermission denied" in res.err, res.err


# -- two runs writing one path at once ---------------------------------------------------


def test_concurrent_writers_of_one_path_leave_one_whole_report(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(_rows(20_000))
    (tmp_path / "b.csv").write_text("y,p\n1.5,1.25\n-2,0.5\n3,3.5\n")
    args = ["-f", "json", "-o", "r.json", "--per-sample", "ps.csv"]
    procs = [_popen(["eval", name, *args], tmp_path) for name in ("a.csv", "b.csv")] + [
        _popen(["eval", "a.csv", *args], tmp_path)
    ]
    results = [_finish(p) for p in procs]
    for res in results:
        assert res.code == 0, res.err
        assert_promise(res)
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["task"], report["n_samples"]) in (("binary", 20_000), ("regression", 3))
    rows = (tmp_path / "ps.csv").read_text().splitlines()
    assert len(rows) - 1 in (20_000, 3), len(rows)  # one run's file whole, never a mix
    assert len({r.count(",") for r in rows}) == 1
    assert leftovers(tmp_path) == []


# -- FIFOs -------------------------------------------------------------------------------

fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")


@fifos
@pytest.mark.parametrize("name", ["in.csv", "in.parquet", "in.npy"])
def test_fifo_as_input_is_refused_with_a_way_out(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    (tmp_path / "r.json").write_bytes(SENTINEL)
    res = run_cmd(["eval", name, "-o", "r.json"], tmp_path)  # nothing opens it: no hang
    assert res.code == 3, res.err
    assert_promise(res, [tmp_path / "r.json"], tmp_path)
    assert f"{name}: not a regular file" in res.err and "standard input" in res.err, res.err


def test_stdin_from_a_pipe_is_the_way_to_read_a_stream(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "losscli", "eval", "-", "--input-format", "csv", "-f", "value"],
        input=CSV.encode(),
        capture_output=True,
        env=child_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    y, p = np.array([1, 0, 1, 0.0]), np.array([0.9, 0.2, 0.7, 0.4])
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(proc.stdout) == pytest.approx(want, rel=1e-12)


def _drain(path: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


@fifos
def test_fifo_as_per_sample_output(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(CSV)
    fifo = tmp_path / "ps.csv"  # the name says the format
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    res = run_cmd(["eval", "a.csv", "--per-sample", str(fifo), "-f", "value"], tmp_path)
    reader.join(60)
    assert res.code == 0, res.err
    lines = got[0].decode().splitlines()
    assert lines[0].startswith("index,") and len(lines) == 5
    assert leftovers(tmp_path) == [] and not fifo.is_file()


@fifos
def test_failed_run_never_opens_an_output_fifo(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("y,p\n1,0.5\n0,x\n")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    # a reader that does not block: a writer that opened the FIFO would show as data or
    # as an open that succeeded before the run ended
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        res = run_cmd(["eval", "bad.csv", "-o", str(fifo)], tmp_path)
        assert res.code == 3, res.err
        assert_promise(res, where=tmp_path)
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            data = b""
        assert data == b""
    finally:
        os.close(fd)


# -- decompression bombs through the command ---------------------------------------------


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


# (.csv.gz bombs, endless lines and zeros: tests/io/test_limits.py)
@pytest.mark.parametrize("name", ["bomb.npy.gz", "bomb.npz"])
def test_decompression_bomb_is_one_error(tmp_path: Path, name: str) -> None:
    zeros = np.zeros((200_000, 2))
    if name == "bomb.npz":
        np.savez_compressed(tmp_path / name, y_true=zeros[:, 0], y_pred=zeros[:, 1])
    else:
        (tmp_path / name).write_bytes(gzip.compress(_npy(zeros)))
    (tmp_path / "r.json").write_bytes(SENTINEL)
    res = run_cmd(
        ["eval", name, "-o", "r.json"],
        tmp_path,
        env={"LOSSCLI_MAX_DECOMPRESSED": "1000000"},
    )
    assert res.code == 3, res.err
    assert_promise(res, [tmp_path / "r.json"], tmp_path)
    assert name in res.err and "more than" in res.err, res.err
