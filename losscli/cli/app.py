"""The Typer application, its root options (``--version``, ``--help``) and shell
completion.

Completion for bash, zsh and fish: ``losscli completion SHELL`` prints the script; the
shell then runs ``losscli`` with ``_LOSSCLI_COMPLETE=complete_SHELL`` (and the words typed
so far) to ask for candidates: commands, options, the registry's loss and metric names
(and aliases) for ``--loss`` / ``--metric`` / ``--check`` / ``--value`` / ``--sort-by``,
the choices of ``--task``, ``--format`` and the like; file paths are left to the shell.
A normal run imports nothing for it: the completers are plain functions here, and the
registry and Typer's completion classes load only when a shell asks."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from losscli import __version__

app = typer.Typer(
    name="losscli",
    help="Loss calculator and model evaluator: per-sample losses, their mean and the "
    "metrics people report, from files of targets and predictions.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"losscli {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Loss calculator and model evaluator."""


SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_LOSSCLI_COMPLETE"


def init() -> None:
    """Typer's completion classes for bash, zsh and fish (only when a shell asks)."""
    from typer.completion import completion_init

    completion_init()


def _names(kind: str) -> list[str]:
    """Canonical names, then aliases (``binary_cross_entropy``, ..., ``bce``)."""
    from losscli.scoring import registry

    entries = (registry.LOSSES if kind == "loss" else registry.METRICS).values()
    names = [e.name for e in entries] + [a for e in entries for a in e.aliases]
    return list(dict.fromkeys(names))


def losses(incomplete: str) -> list[str]:
    return [n for n in _names("loss") if n.startswith(incomplete)]


def metrics(incomplete: str) -> list[str]:
    return [n for n in _names("metric") if n.startswith(incomplete)]


def figures(incomplete: str) -> list[str]:
    """Loss and metric names, once each."""
    return [n for n in dict.fromkeys(_names("loss") + _names("metric")) if n.startswith(incomplete)]


def checks(incomplete: str) -> list[str]:
    """``--check``: ``NAME>=`` / ``NAME<=`` for every loss and metric (the bound is typed)."""
    if any(op in incomplete for op in "<>="):
        return []
    return [f"{n}{op}" for n in figures(incomplete) for op in (">=", "<=")]


def choices(*values: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


@app.command("completion")
def completion_cmd(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh or fish.",
            autocompletion=choices(*SHELLS),
            show_default=False,
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish. Install it with e.g.
    `losscli completion bash > ~/.local/share/bash-completion/completions/losscli`
    (zsh: a file `_losscli` in your $fpath; fish: ~/.config/fish/completions/losscli.fish)."""
    from losscli.cli.exits import errors
    from losscli.errors import unknown_choice

    with errors():
        if shell not in SHELLS:
            raise unknown_choice("shell", shell, SHELLS)
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name="losscli", complete_var=COMPLETE_VAR, shell=shell)
    typer.echo(script)


if os.environ.get(COMPLETE_VAR):  # a shell asks for candidates: Typer's classes for it
    init()
