"""Errors to messages and exit codes: the one place where a typed error of the library
becomes an ``error:`` line and 0 ok, 1 gate failed, 2 usage, 3 input, 4 internal error."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from typing import Any, NoReturn

import typer

from losscli.cli.app import app
from losscli.errors import LossCliError, did_you_mean


def _debug() -> bool:
    return os.environ.get("LOSSCLI_DEBUG", "") not in ("", "0")


def fail(exc: LossCliError) -> NoReturn:
    if _debug():
        traceback.print_exc()
    sys.stderr.write(f"error: {exc}\n")
    raise typer.Exit(exc.exit_code)


@contextlib.contextmanager
def errors() -> Iterator[None]:
    try:
        yield
    except LossCliError as exc:
        fail(exc)


class _Commands(MutableMapping[str, Any]):
    """The app's commands by name, each converted by Typer from its function the first
    time it is looked up: a run converts the command it runs, not all eight (about 30 ms
    of ``inspect.signature`` and type hints).  ``--help`` and a mistyped command name
    list them all, and so convert them all, as Typer would have."""

    def __init__(self, infos: list[Any]) -> None:
        name = typer.main.get_command_name
        self._infos = {i.name or name(i.callback.__name__): i for i in infos}
        self._built: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._built:
            info = self._infos[key]  # KeyError: no such command
            self._built[key] = typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
        return self._built[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._infos.setdefault(key, None)
        self._built[key] = value

    def __delitem__(self, key: str) -> None:
        del self._infos[key]
        self._built.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


def command_of_app() -> Any:
    """The click group of :data:`app`, as ``typer.main.get_command(app)`` builds it, with
    its commands converted when looked up (:class:`_Commands`)."""
    infos = app.registered_commands
    app.registered_commands = []  # the root group alone: its callback and options
    try:
        group = typer.main.get_group(app)
    finally:
        app.registered_commands = infos
    group.commands = _Commands(infos)
    return group


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: click usage errors as `error:` lines, exit 2."""
    command = command_of_app()
    try:
        rv = command.main(args=argv, prog_name="losscli", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        from losscli.interrupts import interrupted

        if interrupted():  # typer turns KeyboardInterrupt into a silent exit 130
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        from losscli.interrupts import interrupted

        sys.stderr.write("\ninterrupted\n")
        code = 128 + (interrupted() or 2)  # 130 for Ctrl-C, 143 for SIGTERM
    except BrokenPipeError:
        code = broken_pipe()
    except SystemExit as exc:
        # click answers a closed pipe (EPIPE) itself, with exit 1 and stdout wrapped so
        # that later flushes are quiet; a closed pipe is a normal ending here: exit 0
        if type(sys.stdout).__name__ != "PacifyFlushWrapper":
            raise
        sys.stdout = getattr(sys.stdout, "wrapped", sys.__stdout__)
        code = broken_pipe() if exc.code == 1 else exc.code  # type: ignore[assignment]
    except OSError as exc:
        from losscli.interrupts import interrupted

        if interrupted():  # Ctrl-C surfaced as an OSError (a write cut short)
            raise KeyboardInterrupt from None
        code = stdout_error(exc) if output_failed(exc) else _internal_error(exc)
    except LossCliError as exc:  # pragma: no cover - commands handle their own
        sys.stderr.write(f"error: {exc}\n")
        code = exc.exit_code
    except MemoryError:
        sys.stderr.write(
            "error: out of memory\n  (stream large inputs: drop --per-sample - or lower "
            "--chunk-size)\n"
        )
        code = 3
    except Exception as exc:
        from losscli.interrupts import interrupted

        if interrupted():  # Ctrl-C surfaced as another exception (an import cut short)
            raise KeyboardInterrupt from None
        # typer vendors click in recent releases: match its exceptions by shape, not class.
        try:
            code = _click_exception(exc)
        except Exception as bug:  # noqa: BLE001 - the last line of defence
            code = _internal_error(bug)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = broken_pipe()
    except OSError as exc:  # a full device, an I/O error: the report did not get out
        code = stdout_error(exc)
    sys.exit(code)


# errors of a write into a stream (no file name: an open() failure would carry one)
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EBADF}


def output_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a write into standard output that the system refused.  Every
    output file goes through :mod:`losscli.io.atomic`, which reports its own failures as
    input errors naming the file; what reaches here without a file name is stdout."""
    return (
        isinstance(exc, OSError)
        and not isinstance(exc, BrokenPipeError)
        and exc.errno in _OUTPUT_ERRNOS
        and exc.filename is None
    )


def stdout_error(exc: OSError) -> int:
    """``error: cannot write to standard output: ...`` and exit 3 (an output that cannot
    be written, as for ``-o``); stdout is then pointed at devnull so that the
    interpreter's last flush of what is still buffered cannot fail a second time."""
    if _debug():
        traceback.print_exception(exc)
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"error: cannot write to standard output: {exc.strerror or exc}\n")
        sys.stderr.flush()
    _stdout_to_devnull()
    return 3


def _click_exception(exc: Exception) -> int:
    name = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    if name == "NoArgsIsHelpError" and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        return 0
    if name in ("Exit",) and hasattr(exc, "exit_code"):
        return int(exc.exit_code)
    if name == "Abort":
        sys.stderr.write("\naborted\n")
        return 130
    unknown = _unknown_name(exc, ctx)
    if unknown is not None:
        sys.stderr.write(f"error: {unknown}\n")
        return 2
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
        if ctx is not None:
            sys.stderr.write(ctx.get_usage() + "\n")
        sys.stderr.write(f"error: {exc.format_message()}\n")
        return int(exc.exit_code) if exc.exit_code else 2
    raise exc


def _unknown_name(exc: Exception, ctx: Any) -> str | None:
    """click's "No such option" / "No such command" as one line with the closest name."""
    if ctx is None or getattr(exc, "exit_code", None) != 2:
        return None
    if type(exc).__name__ == "NoSuchOption":
        name = str(exc.option_name)  # type: ignore[attr-defined]
        names = [o for p in ctx.command.params for o in (*p.opts, *p.secondary_opts)]
        what = f"no such option {name}"
    else:
        m = re.match(r"No such command '(.+?)'", str(getattr(exc, "message", "")))
        if m is None or not hasattr(ctx.command, "list_commands"):
            return None
        name = m.group(1)
        names = list(ctx.command.list_commands(ctx))
        what = f"no such command {name!r}"
    names += ["--help"] if name.startswith("-") else []
    hint = did_you_mean(name, names) or f"see `{ctx.command_path} --help`"
    return f"{what} ({hint})"


INTERNAL_ERROR = 4  # a bug in losscli: never confused with 1 (gate failed) or 3 (input)


def _internal_error(exc: BaseException) -> int:
    if _debug():
        traceback.print_exception(exc)
    sys.stderr.write(
        f"error: internal error: {type(exc).__name__}: {exc}\n"
        "  this is a bug in losscli; please report it with the command line "
        "(LOSSCLI_DEBUG=1 shows the traceback)\n"
    )
    return INTERNAL_ERROR


def broken_pipe() -> int:
    """A closed pipe (``| head -1``): the reader has what it wanted; end quietly, 0."""
    _stdout_to_devnull()
    return 0


def _stdout_to_devnull() -> None:
    # Point stdout at devnull so the interpreter's final flush cannot raise again.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
