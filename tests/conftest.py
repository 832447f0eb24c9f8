"""Shared fixtures for the command-line tests.

``run`` executes the real program in a child process (``python -m losscli``),
``run_script`` executes the installed console script found on PATH, and
``run_any`` is parametrised over both.  ``cli`` runs the same command line in the test's
own process (:func:`in_process`: the CLI's ``main`` with its own standard streams,
environment, working directory and warnings), about 50 times faster than a child: for
what a flag does and what an error says.  What only a fresh process shows stays on
``run``: the console script's exit and signals, pipes, the modules a start-up imports,
``nothing written`` by a process that dies.  Each returns a :class:`Result`, a named
tuple ``(code, out, err)`` that unpacks as ``(returncode, stdout, stderr)``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
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

# the warnings filters of a fresh interpreter without -W (what a child process starts with)
_FRESH_FILTERS = [
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
]


def _feed(fd: int, data: bytes) -> None:
    """Write ``data`` into a pipe and close it (a reader that stops early: a quiet end)."""
    with contextlib.suppress(OSError), open(fd, "wb") as fh:
        fh.write(data)


@contextlib.contextmanager
def _process_state(
    args: Sequence[str], cwd: Path | str, env: dict[str, str], data: bytes | None
) -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    """The state a child process would start with, for one in-process run, restored after:
    ``os.environ`` (exactly ``env``), the working directory, ``sys.argv``, standard input
    (/dev/null, or a pipe fed ``data`` by a thread, as subprocess does), stdout and stderr
    (text over temporary files: real descriptors, not terminals, UTF-8 as
    PYTHONIOENCODING=utf-8 sets them), the warnings filters of a fresh interpreter with
    warnings printed on that stderr, the interrupt flag of losscli.interrupts, and no
    filesystem kept by fsspec."""
    from losscli import interrupts

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_argv = sys.argv
    feeder: threading.Thread | None = None
    if data is None:
        stdin_raw: io.BufferedReader = open(os.devnull, "rb")  # noqa: SIM115 - closed below
    else:
        rfd, wfd = os.pipe()
        stdin_raw = open(rfd, "rb")  # noqa: SIM115 - closed below
        feeder = threading.Thread(target=_feed, args=(wfd, data), daemon=True)
        feeder.start()
    out_raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    err_raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    stdout = io.TextIOWrapper(out_raw, encoding="utf-8", errors="strict")
    stderr = io.TextIOWrapper(
        err_raw, encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv = ["losscli", *args]
        sys.stdin = io.TextIOWrapper(stdin_raw, encoding="utf-8")
        sys.stdout, sys.stderr = stdout, stderr
        interrupts._received = None
        _forget_filesystems()
        with warnings.catch_warnings():
            warnings.filters[:] = list(_FRESH_FILTERS)
            warnings._filters_mutated()  # type: ignore[attr-defined]

            def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
                sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

            warnings.showwarning = show
            yield stdout, stderr
    finally:
        _forget_filesystems()
        interrupts._received = None
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        stdin_raw.close()
        if feeder is not None:
            feeder.join()


def _forget_filesystems() -> None:
    """fsspec keeps the filesystems it made (s3fs's with their credentials and endpoint,
    read from the environment when made): each run makes its own, as a process would."""
    spec = sys.modules.get("fsspec.spec")
    if spec is None:
        return
    todo = [spec.AbstractFileSystem]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        with contextlib.suppress(Exception):
            cls.clear_instance_cache()


def _text(stream: io.TextIOWrapper) -> str:
    with contextlib.suppress(Exception):
        stream.flush()
    raw = stream.buffer
    raw.seek(0)
    text = raw.read().decode("utf-8", "replace")
    stream.close()
    return text


_COMMANDS: dict[int, object] = {}


def _command_once(build: Callable[[object], object]) -> Callable[[object], object]:
    """``typer.main.get_command``, keeping the click command it builds from the app (75 ms
    each time, the same command every time: click's commands keep no state of a run)."""

    def get_command(typer_instance: object) -> object:
        key = id(typer_instance)
        if key not in _COMMANDS:
            _COMMANDS[key] = (typer_instance, build(typer_instance))
        return _COMMANDS[key][1]  # type: ignore[index]

    get_command.__wrapped__ = build  # type: ignore[attr-defined]
    return get_command


def in_process(default_cwd: Path) -> Callable[..., Result]:
    """``run``'s interface (``*args, input=, cwd=, env=``) over the CLI's ``main`` called in
    this process (:func:`losscli.cli.exits.main`, what the console script calls once it
    has set its signal handlers): the exit code of its ``SystemExit``, and what it wrote
    on its standard streams.  ``timeout`` is accepted and ignored."""

    def run(
        *args: object,
        input: bytes | str | None = None,
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> Result:
        import typer.main

        from losscli.cli.exits import main

        data = input.encode() if isinstance(input, str) else input
        argv = [str(a) for a in args]
        if "--jobs" in argv and argv[argv.index("--jobs") + 1 :][:1] != ["1"]:
            # worker processes would be forked from the test's process (its threads,
            # Dask's loop among them): a run with processes belongs to ``run``
            pytest.fail("--jobs other than 1 starts processes: run it with `run`, not `cli`")
        with _process_state(argv, cwd or default_cwd, child_env(env), data) as (out, err):
            build = typer.main.get_command
            typer.main.get_command = _command_once(build)  # type: ignore[assignment]
            try:
                main(argv)
                code = 0
            except SystemExit as exc:
                if exc.code is None:
                    code = 0
                elif isinstance(exc.code, int):
                    code = exc.code
                else:  # as the interpreter does with a message
                    sys.stderr.write(f"{exc.code}\n")
                    code = 1
            finally:
                typer.main.get_command = build  # type: ignore[assignment]
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            with contextlib.suppress(Exception):
                sys.stderr.flush()
        return Result(code, _text(out), _text(err))

    return run


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


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """``run``'s command line in this process (:func:`in_process`; cwd: the test's
    tmp_path): what a flag does, what an error says, what is written."""
    return in_process(tmp_path)


@pytest.fixture(params=["in-process", "script"])
def run_both(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Result]:
    """The command line in this process (``cli``) and through the console script: a
    behaviour shown by the real program as well, at one child process instead of
    ``run_any``'s two (``python -m losscli`` and the script agree: tests/cli/test_cli.py)."""
    if request.param == "in-process":
        return in_process(tmp_path)
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


@pytest.fixture(scope="session")
def cli_in_samples() -> Callable[..., Result]:
    """Session-scoped in-process runner with cwd sample_data/ (for cached runs)."""
    return in_process(SAMPLES)


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
