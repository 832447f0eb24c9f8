"""From the command line to one :class:`~losscli.options.EvalOptions`.

Each command's parsed parameters (click's ``ctx.params``) are mapped to the fields of
the options object by :data:`FIELDS`, the one table that says which flag sets which
option; flags not given (``None``, or no value of a repeatable one) are filled from the
config file, then from the defaults of :class:`EvalOptions`.  A test checks that every
flag of ``eval`` is either an option here or one of the command's own (files, outputs,
formats, engine).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.errors import UsageError
from losscli.options import EvalOptions

# command-line parameter -> field of EvalOptions
FIELDS: dict[str, str] = {
    "loss": "losses",
    "metric": "metrics",
    "task": "task",
    "param": "params",
    "from_logits": "from_logits",
    "weights": "weights",
    "strict": "strict",
    "check": "checks",
    "baseline": "baseline",
    "tolerance": "tolerance",
    "atol": "atol",
    "target_col": "target_col",
    "pred_col": "pred_col",
    "id_col": "id_col",
    "allow_missing": "allow_missing",
    "input_format": "input_format",
    "delimiter": "delimiter",
    "decimal": "decimal",
    "pos_label": "pos_label",
    "chunk_size": "chunk_rows",
    "nan_policy": "nan_policy",
    "value": "value",
    "ci": "ci",
    "ci_level": "ci_level",
    "ci_method": "ci_method",
    "n_boot": "n_boot",
    "seed": "seed",
    "group_by": "group_by",
    "per_class": "per_class",
}


def build_options(params: Mapping[str, Any]) -> tuple[EvalOptions, str | None]:
    """The options of a command from its parameters and the config file it names or
    finds (``--config`` / ``--no-config``); and the path of that file, if any."""
    from losscli import config

    given = {FIELDS[k]: v for k, v in params.items() if k in FIELDS and _given(v)}
    if params.get("no_header"):
        given["header"] = False
    path, no_config = params.get("config"), bool(params.get("no_config"))
    if path is not None and no_config:
        raise UsageError("--config and --no-config exclude each other")
    cfg = config.load(path, search=not no_config)
    return config.apply(EvalOptions(**given), cfg, given=set(given)), cfg.path


def _given(value: Any) -> bool:
    """A flag left out is None, or an empty tuple for a repeatable one."""
    return value is not None and value != ()
