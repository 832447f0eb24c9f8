"""The Typer application and its root options (``--version``, ``--help``)."""

from __future__ import annotations

import sys
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
