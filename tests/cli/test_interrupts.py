"""Ctrl-C, a full disk and an unwritable path: clear exits, no traceback, old files intact."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli.cli import INTERNAL_ERROR, app
from tests.conftest import child_env


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV that takes a few seconds to score with per-sample output (streamed)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = tmp_path_factory.mktemp("big") / "big.csv"
    rng = np.random.default_rng(0)
    n = 3_000_000
    y = rng.integers(0, 2, n).astype(np.float64)
    p = np.round(rng.random(n), 6)
    pcsv.write_csv(
        pa.table({"y": y, "p": p}),
        path,
        write_options=pcsv.WriteOptions(quoting_style="none"),
    )
    return path


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "losscli", *args],
        cwd=cwd,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_exits_130_quietly_and_leaves_old_files(
    big_csv: Path, tmp_path: Path, signum: int, code: int
) -> None:
    report, per_sample = tmp_path / "r.json", tmp_path / "ps.csv"
    report.write_text("old report")
    args = ["eval", str(big_csv), "-l", "bce", "-l", "focal", "-m", "roc_auc",
            "--per-sample", str(per_sample), "-o", str(report), "-f", "json"]  # fmt: skip
    proc = _start(args, tmp_path)
    # interrupt once the run is under way: its temporary per-sample file exists
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".losscli-") for p in tmp_path.iterdir()):
            break
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    text = err.decode()
    assert "Traceback" not in text and "interrupted" in text
    assert report.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary left


def _can_mount_tmpfs(target: Path) -> bool:
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return False
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)], capture_output=True
    )
    return res.returncode == 0


def test_full_disk_is_exit_3_and_the_old_output_stays(big_csv: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    if not _can_mount_tmpfs(small):
        pytest.skip("cannot mount a small tmpfs here (needs root on Linux)")
    try:
        (small / "ps.csv").write_text("old per-sample\n")
        (small / "r.json").write_text("old report\n")
        res = subprocess.run(
            [sys.executable, "-m", "losscli", "eval", str(big_csv), "--per-sample",
             str(small / "ps.csv"), "-o", str(small / "r.json")],
            capture_output=True, env=child_env(), timeout=120,
        )  # fmt: skip
        err = res.stderr.decode()
        assert res.returncode == 3, err
        assert err.startswith("error: ") and "ps.csv" in err
        assert "No space left on device" in err and "free some space" in err
        assert "Traceback" not in err
        assert (small / "ps.csv").read_text() == "old per-sample\n"
        assert (small / "r.json").read_text() == "old report\n"
        assert sorted(p.name for p in small.iterdir()) == ["ps.csv", "r.json"]
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)


def test_disk_full_mid_write_simulated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same without a tmpfs: every write to the temporary file fails with ENOSPC."""
    import losscli.io.atomic as atomic

    src = tmp_path / "d.csv"
    src.write_text("y,p\n0,0.2\n1,0.7\n1,0.9\n")
    out = tmp_path / "r.json"
    out.write_text("old")
    real = atomic.atomic_writer

    class Full:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self.fh, name)

    from contextlib import contextmanager

    @contextmanager
    def full_writer(path: str):  # type: ignore[no-untyped-def]
        with real(path) as fh:
            yield Full(fh)

    monkeypatch.setattr(atomic, "atomic_writer", full_writer)
    res = CliRunner().invoke(app, ["eval", str(src), "-o", str(out), "-f", "json"])
    assert res.exit_code == 3
    assert "cannot write: No space left on device" in res.stderr
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "r.json"]


def test_unwritable_path_is_exit_3(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_text("y,p\n0,0.2\n1,0.7\n")
    for target in (tmp_path / "no" / "such" / "dir" / "r.json", "/proc/version"):
        res = CliRunner().invoke(app, ["eval", str(src), "-o", str(target)])
        assert res.exit_code == 3, res.stderr
        assert res.stderr.startswith("error: ") and "cannot write" in res.stderr


def test_internal_errors_never_look_like_a_failed_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    import losscli.api as api

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(api, "evaluate", boom)
    from losscli import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(["eval", "whatever.csv"])
    assert exc.value.code == INTERNAL_ERROR == 4


@pytest.mark.parametrize("preset", [None, "4"])
def test_console_script_keeps_blas_to_one_thread_unless_told(
    monkeypatch: pytest.MonkeyPatch, preset: str | None
) -> None:
    from losscli import _entry, cli

    if preset is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", preset)
    monkeypatch.setattr(cli, "main", lambda: None)
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # keep pytest's handlers
    _entry.main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == (preset or "1")


def test_exit_at_once_delivers_all_output_and_the_exit_code(run_any: Any, tmp_path: Path) -> None:
    # the console script ends with os._exit once stdout/stderr are flushed: nothing lost.
    # 20,000 rows are ~0.5 MB of per-sample lines, many times the 64 KiB pipe buffer and
    # the 8 KiB stdio buffer: the writes block on the reader and the tail is what a too
    # early exit would lose (size beyond the buffers is not the point)
    n = 20_000
    rng = np.random.default_rng(3)
    rows = "".join(f"{a:.6f},{b:.6f}\n" for a, b in rng.random((n, 2)).tolist())
    (tmp_path / "d.csv").write_text("y,p\n" + rows)
    res = run_any("eval", "d.csv", "--per-sample", "-", "-f", "json")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0] == "index,mse" and len(lines) == n + 1 and lines[-1].startswith(f"{n - 1},")
    assert f'"n_samples": {n}' in res.err
    missing = run_any("eval", "nope.csv", "-f", "value")
    assert missing.code == 3 and missing.err.startswith("error: ")


HELD = """
import os, signal, sys, threading, time
sys.path.insert(0, sys.argv[1])
from losscli import interrupts
signal.signal(signal.SIGINT, interrupts.handler)
threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    import slow_module  # its code runs for 0.5 s: the interrupt arrives inside it
except KeyboardInterrupt:
    print("interrupted inside the import")
    raise SystemExit(1)
print("imported", slow_module.DONE)
try:
    time.sleep(5)
except KeyboardInterrupt:
    print("interrupted after it", interrupts.interrupted() == signal.SIGINT)
"""


def test_an_interrupt_during_an_import_waits_for_its_end(tmp_path: Path) -> None:
    """A KeyboardInterrupt raised in the Python code an extension module runs while it
    initializes ended a run in a segmentation fault (orjson's): the interrupt is held
    until the import is over, then raised."""
    (tmp_path / "slow_module.py").write_text(
        "import time\nfor _ in range(50):\n    time.sleep(0.01)\nDONE = True\n"
    )
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", HELD, str(tmp_path)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == ["imported True", "interrupted after it True"]
    assert time.monotonic() - t0 < 4  # delivered once the import was over, not at the end


def test_a_second_ctrl_c_still_stops_at_once() -> None:
    from losscli import interrupts

    code = (
        "import os, signal\nfrom losscli import interrupts\n"
        "signal.signal(signal.SIGINT, interrupts.handler)\n"
        "try:\n    os.kill(os.getpid(), signal.SIGINT)\nexcept KeyboardInterrupt:\n    pass\n"
        "os.kill(os.getpid(), signal.SIGINT)\nimport time; time.sleep(5)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=child_env(), timeout=60)
    assert proc.returncode == 130
    assert not interrupts.importing(None)


def test_a_second_ctrl_c_during_a_hung_import_stops_at_once(tmp_path: Path) -> None:
    (tmp_path / "hung_module.py").write_text("import time\nwhile True:\n    time.sleep(0.01)\n")
    code = (
        "import os, signal, sys, threading\nsys.path.insert(0, sys.argv[1])\n"
        "from losscli import interrupts\nsignal.signal(signal.SIGINT, interrupts.handler)\n"
        "for t in (0.1, 0.3):\n"
        "    threading.Timer(t, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "import hung_module\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=child_env(), timeout=30)
    assert proc.returncode == 130
