"""Shared fixtures for the command-line tests.

``run`` executes the real program in a child process (``python -m losscli``),
``run_script`` executes the installed console script found on PATH, and
``run_any`` is parametrised over both.  Each returns a :class:`Result`, a named
tuple ``(code, out, err)`` that unpacks as ``(returncode, stdout, stderr)``.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

# Chunks of a few rows exercise the chunk boundaries on small files: the readers' floor on
# the chunk size (losscli.io.limits.min_chunk_rows) is lowered for the suite, here and in
# every child process; tests/io/test_limits.py checks the floor itself.
os.environ.setdefault("LOSSCLI_MIN_CHUNK_ROWS", "1")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
TIMEOUT = 60  # seconds per child process; a hang is a failure, not a stuck suite

# Variables that would change what the program prints; tests opt back in explicitly.
_SCRUB = ("LOSSCLI_DEBUG", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PYTHONWARNINGS")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package's bytecode once, before any child process starts (in the
    controller, before xdist's workers): with ``PYTHONDONTWRITEBYTECODE`` set, as in CI
    images, no run would write it, and every one of the suite's thousands of
    ``python -m losscli`` children would compile every module it imports again (about
    0.25 s each). An installed package has its bytecode compiled by pip, so the children
    start as a user's command does."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has done it
        return
    import compileall

    compileall.compile_dir(str(ROOT / "losscli"), quiet=2, workers=1)


class Result(NamedTuple):
    code: int
    out: str
    err: str


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONIOENCODING"] = "utf-8"
    if extra:
        env.update(extra)
    return env


def _runner(prefix: Sequence[str], default_cwd: Path) -> Callable[..., Result]:
    def run(
        *args: object,
        input: bytes | str | None = None,
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> Result:
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            [*prefix, *map(str, args)],
            input=data,
            # Never inherit the test runner's stdin: the program must not read it unasked.
            stdin=None if data is not None else subprocess.DEVNULL,
            capture_output=True,
            cwd=str(cwd or default_cwd),
            env=child_env(env),
            timeout=timeout,
        )
        return Result(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    return run


MODULE_CMD = (sys.executable, "-m", "losscli")


def script_cmd() -> tuple[str, ...] | None:
    path = shutil.which("losscli")
    return (path,) if path else None


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Result]:
    """Run ``python -m losscli ARGS...`` (cwd: the test's tmp_path)."""
    return _runner(MODULE_CMD, tmp_path)


@pytest.fixture
def run_script(tmp_path: Path) -> Callable[..., Result]:
    """Run the ``losscli`` console script from PATH (cwd: the test's tmp_path)."""
    cmd = script_cmd()
    if cmd is None:
        pytest.skip("the losscli console script is not on PATH")
    return _runner(cmd, tmp_path)


@pytest.fixture(params=["module", "script"])
def run_any(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Result]:
    """Both entry points: ``python -m losscli`` and the console script."""
    if request.param == "module":
        return _runner(MODULE_CMD, tmp_path)
    cmd = script_cmd()
    if cmd is None:
        pytest.skip("the losscli console script is not on PATH")
    return _runner(cmd, tmp_path)


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def run_in_samples() -> Callable[..., Result]:
    """Session-scoped ``python -m losscli`` with cwd sample_data/ (for cached runs)."""
    return _runner(MODULE_CMD, SAMPLES)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``write_csv(name, header, rows, sep=",")`` -> path in tmp_path.

    ``header`` may be None for a file without a header row; cells are written
    with ``str`` (floats therefore as ``repr``, exactly round-tripping).
    """

    def make(
        name: str,
        header: Sequence[object] | None,
        rows: Iterable[Sequence[object]],
        sep: str = ",",
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=sep, lineterminator="\n")
            if header is not None:
                w.writerow([str(h) for h in header])
            for row in rows:
                w.writerow([str(c) for c in row])
        return path

    return make


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[[str, str], Path]:
    """Factory: ``write_text(name, text)`` -> path in tmp_path."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of one LocalCluster (two single-threaded worker processes) shared by the
    session: a test passes ``--engine dask --scheduler ADDRESS`` to the real command instead
    of each run starting (and stopping) a cluster of its own.  Starting a LocalCluster when
    no --scheduler is given is tested once, in tests/engines/test_dask.py."""
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address
