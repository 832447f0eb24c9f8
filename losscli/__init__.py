"""losscli: loss calculator and model evaluator.

The public API is :func:`evaluate`; the command line is a thin layer over it.
Heavy modules are imported lazily so that ``import losscli`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "evaluate",
    "EvalOptions",
    "Report",
    "InputError",
    "UsageError",
    "LossCliError",
]

if TYPE_CHECKING:  # pragma: no cover
    from losscli.api import evaluate
    from losscli.errors import InputError, LossCliError, UsageError
    from losscli.options import EvalOptions
    from losscli.report.model import Report


def __getattr__(name: str) -> Any:
    if name in ("evaluate", "Report"):
        from losscli import api

        return getattr(api, name)
    if name == "EvalOptions":
        from losscli.options import EvalOptions

        return EvalOptions
    if name in ("InputError", "UsageError", "LossCliError"):
        from losscli import errors

        return getattr(errors, name)
    raise AttributeError(name)
