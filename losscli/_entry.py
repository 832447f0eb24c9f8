"""The console script's entry point: Ctrl-C is handled before anything heavy loads.

``losscli`` (and ``python -m losscli``) start here.  A first SIGINT sets a flag and
raises :class:`KeyboardInterrupt` as Python would; whatever that interrupt turns
into on its way up (a ``SystemError`` out of an extension module's import, say),
the run ends with ``interrupted`` on stderr and exit 130, never a traceback.
SIGTERM ends the same way with 143.  Temporary output files are removed by their
writers on the way out, so earlier outputs stay as they were.  OpenBLAS is kept to one
thread unless ``OPENBLAS_NUM_THREADS`` says otherwise (see :func:`main`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from losscli import interrupts


def _exit_interrupted() -> None:
    try:
        sys.stderr.write("\ninterrupted\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - stderr may be gone
        pass
    os._exit(128 + (interrupts.interrupted() or signal.SIGINT))


def _exit_now(code: object) -> None:
    """End the process at once with ``code`` once stdout and stderr are flushed: every
    output file is already in place, and tearing down numpy's and pyarrow's modules and
    thread pools would add ~30 ms to each run.  A stdout that cannot take the output (a
    full device) is an error, exit 3; a closed pipe is a quiet ending.  Returns (for a
    normal exit, with the same code) when the code is not a number or Dask is loaded
    (its cluster and connections close at exit)."""
    if code is None:
        code = 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head -1`): a normal ending
        _stdout_to_devnull()
    except Exception as exc:  # noqa: BLE001 - a full device: the output did not get out
        _stdout_to_devnull()
        with contextlib.suppress(Exception):
            sys.stderr.write(f"error: cannot write to standard output: {exc}\n")
        code = code or 3
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    if not isinstance(code, int) or "distributed" in sys.modules or "dask" in sys.modules:
        raise SystemExit(code)
    os._exit(code)


def _stdout_to_devnull() -> None:
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main() -> None:
    # losscli's work is element-wise: BLAS threads never pay for themselves here, and
    # OpenBLAS's idle threads spin for about 0.1 s of CPU after numpy is imported (a
    # core the CSV parser wants).  One thread, unless the user chose otherwise.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, interrupts.handler)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupts.handler)
    try:
        from losscli.cli import main as cli_main

        cli_main()
    except SystemExit as exc:  # the run is over (an interrupt included: reported)
        _exit_now(exc.code)
    except BaseException:
        if interrupts.interrupted() is not None:
            _exit_interrupted()
        raise
