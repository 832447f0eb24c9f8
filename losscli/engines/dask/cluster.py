"""Talking to the cluster: connecting (or starting a LocalCluster, Ctrl-C held back
while it starts, Dask's logs quietened), fetching results in order, the workers'
losscli version checked, and the :class:`DaskEngineError` of a cluster that fails."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

from losscli import __version__
from losscli.errors import InputError, LossCliError, UsageError
from losscli.io.table import short

#: Seconds to wait for a scheduler to answer, and for it to have at least one worker.
CONNECT_TIMEOUT = 10.0
WORKER_WAIT = 60.0
#: Results fetched per round trip to the scheduler (sequential fetches cost ~1.6 ms each).
FETCH_WINDOW = 32


class DaskEngineError(InputError):
    """The cluster could not produce a result (scheduler unreachable, no workers, a task
    lost beyond Dask's retries, a worker running another losscli): exit code 3."""


def require() -> None:
    """A :class:`UsageError` naming the ``pip install`` command when Dask is missing."""
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"--engine dask needs Dask ({exc.name or 'dask'} is not installed)",
            hint="pip install 'losscli[dask]'",
        ) from None


@contextlib.contextmanager
def connect(scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler``, or to a LocalCluster sized to this
    machine (one single-threaded process per core, no dashboard) that is shut down on
    exit, errors and Ctrl-C included."""
    require()
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_logs())
        if scheduler is None:
            import dask

            # Nannies give workers MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
            # adaptive mmap threshold: every chunk-sized array is then mapped and faulted
            # in afresh (1.4x slower scoring here).  A cluster that lives for one run does
            # not need the trimming.
            stack.enter_context(
                dask.config.set(
                    {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
                )
            )
            try:
                with _deferred_interrupts():
                    cluster = stack.enter_context(
                        LocalCluster(
                            n_workers=os.cpu_count() or 1,
                            threads_per_worker=1,
                            processes=True,
                            dashboard_address=None,
                            # no dashboard; the scheduler's HTTP endpoint (metrics) on any free
                            # local port, never the default 8787 another cluster may hold
                            scheduler_kwargs={
                                "dashboard": False,
                                "dashboard_address": "127.0.0.1:0",
                            },
                            silence_logs=logging.ERROR,
                        )
                    )
                    client = stack.enter_context(Client(cluster))
            except (OSError, RuntimeError, TimeoutError) as exc:
                raise DaskEngineError(f"cannot start a local Dask cluster: {short(exc)}") from exc
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise DaskEngineError(
                    f"cannot connect to the Dask scheduler at {scheduler}: {short(exc)}",
                    hint="check the address (tcp://HOST:8786), or drop --scheduler to start "
                    "a local cluster",
                ) from None
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT)
            except TimeoutError:
                raise DaskEngineError(
                    f"the Dask scheduler at {scheduler} has no workers",
                    hint=f"start some with `dask worker {scheduler}`",
                ) from None
        yield client


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) back while a local cluster starts, and deliver it once
    the cluster can be shut down cleanly (one cut short in its start-up cannot be)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread
        return
    signals = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous: dict[int, Any] = {int(s): signal.getsignal(s) for s in signals}
    held: list[tuple[int, Any]] = []

    def hold(signum: int, frame: Any) -> None:
        held.append((signum, frame))

    for sig in signals:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if held:
        signum, frame = held[0]
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)  # losscli's: remembers the signal, raises KeyboardInterrupt
        elif handler != signal.SIG_IGN:
            os.kill(os.getpid(), signum)  # the default action


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Dask's client-side chatter off for the run (errors still show).  After a failure or
    Ctrl-C they stay off: the cluster's tasks cut short are reported by asyncio as they
    are collected, after this block, and would print tracebacks."""
    quiet = {"distributed": logging.ERROR, "asyncio": logging.CRITICAL}
    loggers = {name: logging.getLogger(name) for name in quiet}
    levels = {name: lg.level for name, lg in loggers.items()}
    for name, lg in loggers.items():
        lg.setLevel(quiet[name])
    yield
    for name, lg in loggers.items():  # not reached when the run failed
        lg.setLevel(levels[name])


def fetch(future: Any, label: str) -> Any:
    """A task's result; the cluster's own failures become a :class:`DaskEngineError`."""
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise DaskEngineError(
            "Dask workers kept dying while scoring this part (beyond Dask's retries); "
            "no result was produced",
            file=label,
            hint="see the workers' logs (memory limits?)",
        ) from exc
    except ModuleNotFoundError as exc:
        raise DaskEngineError(
            f"a Dask worker cannot import {exc.name}",
            file=label,
            hint=f"install losscli[dask]=={__version__} on every worker",
        ) from exc
    except LossCliError:
        raise
    except Exception as exc:
        raise DaskEngineError(
            f"failed on a Dask worker: {type(exc).__name__}: {short(exc)}", file=label
        ) from exc


def fetch_in_order(
    client: Any, futures: Sequence[Any], labels: Sequence[str], window: int = FETCH_WINDOW
) -> Iterator[Any]:
    """The results of ``futures`` in order, ``window`` at a time (one round trip each
    rather than one per result); each is released on the workers once fetched."""
    for start in range(0, len(futures), window):
        chunk = futures[start : start + window]
        try:
            results = client.gather(list(chunk))
        except Exception:  # find the first failed one in order, and say which
            results = [fetch(f, labels[start + j]) for j, f in enumerate(chunk)]
        for future in chunk:
            future.release()
        yield from results


def check_version(found: str, label: str) -> None:
    if found != __version__:
        raise DaskEngineError(
            f"a Dask worker runs losscli {found}, this client {__version__}",
            file=label,
            hint=f"install losscli[dask]=={__version__} on every worker",
        )
