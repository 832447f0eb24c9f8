"""The command line: a thin Typer layer over the library (:func:`losscli.evaluate`).

Library code raises typed errors; :mod:`losscli.cli.exits` alone turns them into
``error:`` messages and exit codes (0 ok, 1 gate failed, 2 usage, 3 input).  Each
command builds one :class:`~losscli.options.EvalOptions` from its flags and the config
file (:mod:`losscli.cli.options`) and hands it to the library.
"""

from __future__ import annotations

# the commands register themselves on `app` as they are imported
from losscli.cli import batch, compare, evaluate, plot, registry, thresholds  # noqa: F401
from losscli.cli.app import app
from losscli.cli.exits import INTERNAL_ERROR, main

__all__ = ["INTERNAL_ERROR", "app", "main"]
