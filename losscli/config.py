"""Project configuration: ``[tool.losscli]`` in ``pyproject.toml`` or a ``losscli.toml``.

A CI step can then be just ``losscli eval t.csv p.csv``: the losses, metrics,
parameters and checks live with the project.  Found by ``--config PATH``, else by
looking in the current directory and its parents (stopping at a repository root,
a directory holding ``.git``) for ``losscli.toml`` and then a ``pyproject.toml``
with a ``[tool.losscli]`` table.  ``--no-config`` ignores both.

Precedence: command-line flags override the file.  Lists given on the command line
(``--loss``, ``--metric``, ``--check``) replace the file's; ``--param`` overrides
the file's parameters key by key.  The file's parameters apply to whichever selected
losses take them (``gamma`` is ignored when focal is not selected), while a
``--param`` that no selected loss takes is an error.

Example::

    [tool.losscli]            # in losscli.toml the table may also be top-level
    task = "binary"
    loss = ["bce", "focal"]
    metric = ["accuracy", "roc_auc"]
    check = ["accuracy>=0.9", "bce<=0.35"]
    tolerance = 0.01          # relative, for --baseline
    atol = 0.0                # absolute, for --baseline
    nan_policy = "error"
    baseline = "reports/baseline.json"   # relative to the config file

    [tool.losscli.params]
    gamma = 2.0
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losscli.errors import UsageError, did_you_mean
from losscli.options import EvalOptions

# key in the file -> (setting, kind, field of EvalOptions); plural spellings are accepted too
_KEYS: dict[str, tuple[str, str, str]] = {
    "loss": ("loss", "list", "losses"),
    "losses": ("loss", "list", "losses"),
    "metric": ("metric", "list", "metrics"),
    "metrics": ("metric", "list", "metrics"),
    "check": ("check", "list", "checks"),
    "checks": ("check", "list", "checks"),
    "param": ("param", "table", "default_params"),
    "params": ("param", "table", "default_params"),
    "task": ("task", "str", "task"),
    "tolerance": ("tolerance", "number", "tolerance"),
    "atol": ("atol", "number", "atol"),
    "nan_policy": ("nan_policy", "str", "nan_policy"),
    "baseline": ("baseline", "path", "baseline"),
    "weights": ("weights", "str", "weights"),
    "id_col": ("id_col", "str", "id_col"),
    "target_col": ("target_col", "str", "target_col"),
    "pred_col": ("pred_col", "str", "pred_col"),
    "delimiter": ("delimiter", "str", "delimiter"),
    "decimal": ("decimal", "str", "decimal"),
    "ci_level": ("ci_level", "number", "ci_level"),
    "ci_method": ("ci_method", "str", "ci_method"),
    "n_boot": ("n_boot", "number", "n_boot"),
    "seed": ("seed", "number", "seed"),
    "group_by": ("group_by", "str", "group_by"),
    "pos_label": ("pos_label", "str", "pos_label"),
    "per_class": ("per_class", "bool", "per_class"),
}


@dataclass
class Config:
    """Settings read from a file; ``path`` is None when no file was used."""

    path: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.settings.get(name, default)

    def params(self) -> list[str]:
        """The file's parameters as ``KEY=VALUE`` strings, as ``--param`` takes them."""
        table = self.settings.get("param") or {}
        return [f"{k}={_param_text(v)}" for k, v in table.items()]


def _param_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ",".join(_param_text(x) for x in v)
    return str(v)


def _toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"config file {os.fspath(path)!r} does not exist") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8; a ValueError, not a TOMLDecodeError
        raise UsageError(
            f"config file {os.fspath(path)!r} is not UTF-8 text "
            f"(byte {exc.start}: {exc.reason}); TOML files must be UTF-8"
        ) from None
    except RecursionError:
        raise UsageError(f"config file {os.fspath(path)!r} is nested too deeply") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"config file {os.fspath(path)!r} is not valid TOML: {exc}") from None


def _table(path: Path, data: dict[str, Any], explicit: bool) -> dict[str, Any] | None:
    tool = data.get("tool", {})
    if isinstance(tool, dict) and "losscli" in tool:
        table = tool["losscli"]
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.losscli] must be a table")
        return table
    if path.name == "pyproject.toml":
        if explicit:
            raise UsageError(f"{path} has no [tool.losscli] table")
        return None
    return {k: v for k, v in data.items() if k != "tool"}  # losscli.toml: top level


def discover(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file that applies in ``start`` (default: the current directory)."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / "losscli.toml"
        if candidate.is_file():
            return candidate
        pyproject = d / "pyproject.toml"
        if pyproject.is_file():
            try:
                if _table(pyproject, _toml(pyproject), explicit=False) is not None:
                    return pyproject
            except UsageError:
                pass  # someone else's broken pyproject.toml is not our business
        if (d / ".git").exists():
            break
    return None


def load(path: str | os.PathLike[str] | None = None, *, search: bool = True) -> Config:
    """Read the configuration: ``path`` if given, else the discovered file, else none.

    Raises :class:`UsageError` (exit 2) for a missing or malformed file, unknown keys
    and values of the wrong type, naming the file and the key."""
    if path is None:
        found = discover() if search else None
        if found is None:
            return Config()
        p, explicit = found, False
    else:
        p, explicit = Path(path), True
    table = _table(p, _toml(p), explicit) or {}
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted({name for name, _, _ in _KEYS.values()}))
            hint = did_you_mean(key, _KEYS) or f"known settings: {known}"
            raise UsageError(f"{p}: unknown setting {key!r}", hint=hint)
        name, kind, _ = _KEYS[key]
        if name in settings:
            raise UsageError(f"{p}: {name!r} is set twice (singular and plural spelling)")
        settings[name] = _coerce(p, key, kind, value)
    return Config(os.fspath(p), settings)


def _coerce(path: Path, key: str, kind: str, value: Any) -> Any:
    def bad(expected: str) -> UsageError:
        return UsageError(f"{path}: {key!r} must be {expected}, got {value!r}")

    if kind == "list":
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise bad("a string or a list of strings")
    if kind == "table":
        if not isinstance(value, dict):
            raise bad("a table of KEY = VALUE")
        for k, v in value.items():
            if not isinstance(v, (str, int, float, bool, list)):
                raise UsageError(f"{path}: parameter {k!r} has an unsupported value {v!r}")
        return dict(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if not isinstance(value, str):
        raise bad("a string")
    if kind == "path" and not os.path.isabs(value):
        return os.path.join(os.path.dirname(os.path.abspath(path)), value)
    return value


_FIELDS = {setting: fld for setting, _, fld in _KEYS.values()}


def apply(options: EvalOptions, config: Config, given: Collection[str]) -> EvalOptions:
    """``options`` with the file's settings for every field not in ``given`` (the ones set
    on the command line win); the file's parameters become ``default_params``, for
    whichever selected entries take them."""
    changes: dict[str, Any] = {
        _FIELDS[name]: value
        for name, value in config.settings.items()
        if name != "param" and _FIELDS[name] not in given
    }
    params = config.params()
    if params:
        changes["default_params"] = params
    return options.replace(**changes) if changes else options
