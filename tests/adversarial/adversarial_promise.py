"""The promise every run keeps, as one assertion, and a runner with any stdout.

"The right numbers, or one ``error:`` line with exit 2 or 3, and nothing written": exit
code in {0, 1, 2, 3}, no traceback on stderr, exactly one ``error:`` line on failure,
outputs as they were on failure, no temporary file left behind, no hang.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from conftest import MODULE_CMD, Result, child_env, in_process, script_cmd

SENTINEL = b"an earlier run's output\n"


def command(script: bool = False) -> tuple[str, ...]:
    return (script_cmd() or MODULE_CMD) if script else MODULE_CMD


def run_cmd(
    args: Sequence[object],
    cwd: Path,
    *,
    stdout: IO[Any] | int | None = None,
    timeout: float = 60,
    script: bool = False,
    env: dict[str, str] | None = None,
) -> Result:
    """The real program in a child process; ``stdout`` may be any file (``/dev/full``)."""
    proc = subprocess.run(
        [*command(script), *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(cwd),
        env=child_env(env),
        timeout=timeout,
    )
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout is not None else ""
    return Result(proc.returncode, out, proc.stderr.decode("utf-8", "replace"))


def run_here(args: Sequence[object], cwd: Path, *, env: dict[str, str] | None = None) -> Result:
    """The same command line in this process (conftest's ``in_process``): the CLI's main
    with its own streams, environment and working directory."""
    return in_process(cwd)(*args, env=env)


def leftovers(directory: Path) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.startswith(".losscli-"))


def assert_promise(
    res: Result, outputs: Sequence[Path] = (), where: Path | None = None, what: str = ""
) -> None:
    """The promise on one finished run (``outputs`` were filled with SENTINEL before)."""
    label = f"{what}\nexit {res.code}\nstderr:\n{res.err}"
    assert res.code in (0, 1, 2, 3), label
    assert "Traceback" not in res.err, label
    assert "Exception ignored" not in res.err, label
    assert "internal error" not in res.err, label
    errors = [line for line in res.err.splitlines() if line.startswith("error:")]
    if res.code in (2, 3):
        assert len(errors) == 1, label
        for out in outputs:
            assert not out.exists() or out.read_bytes() == SENTINEL, f"{out} changed\n{label}"
    else:
        assert not errors, label
    if where is not None:
        assert leftovers(where) == [], label
