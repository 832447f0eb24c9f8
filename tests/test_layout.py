"""The layout keeps its promises (docs/architecture.md): stages in folders, imports that
flow one way, modules of a readable size, and a CLI that hands the library one options
object."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import losscli

PACKAGE = Path(losscli.__file__).parent

# read -> validate -> per-sample loss/accumulate/metrics -> report, run by the engines,
# exposed by the API and the CLI.  A module imports only from its own rank or below.
RANKS = {
    "losscli": 0,  # the package itself: __version__ (its lazy __getattr__ is the public face)
    "losscli.errors": 0,
    "losscli.interrupts": 0,
    "losscli.options": 0,
    "losscli.config": 0,
    "losscli.io": 1,
    "losscli.validate": 2,
    "losscli.stats": 3,  # numbers only: imports no other stage (test below)
    "losscli.scoring": 3,
    "losscli.report": 4,
    "losscli.engines": 5,
    "losscli.api": 6,
    "losscli.cli": 7,
    "losscli._entry": 7,
    "losscli.__main__": 7,
}
MAX_LINES = 600
# the registry's tables of entries are data, one entry after another
LONG_TABLES: set[str] = set()


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def rank(module: str) -> int:
    while module not in RANKS:
        module = module.rpartition(".")[0]
        assert module, "a module outside every stage"
    return RANKS[module]


def imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every losscli import; lazy ones inside functions included unless
    ``top_level_only``.  ``from losscli.x import y`` counts as ``losscli.x.y`` when that is
    a module."""
    tree = ast.parse(path.read_text())
    known = modules()
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("losscli"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if sub in known else node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("losscli")]
    return found


def test_stats_is_numbers_only() -> None:
    """losscli.stats (intervals, tests, resampling) knows nothing of files, tasks or the
    registry: it imports only itself."""
    for name, path in modules().items():
        if name.startswith("losscli.stats"):
            for line, mod in imports(path):
                assert mod.startswith("losscli.stats"), f"{path}:{line} imports {mod}"


def test_the_stages_are_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {"io", "validate", "scoring", "report", "engines", "cli"} <= folders
    for name in modules():
        rank(name)  # every module belongs to a stage


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_flow_one_way(name: str) -> None:
    if name == "losscli":
        return  # the package's lazy attributes (evaluate, Report, errors) are its public face
    mine = rank(name)
    for line, target in imports(modules()[name]):
        assert rank(target) <= mine, f"{name}:{line} imports {target}, a later stage"


def test_no_import_cycle_at_module_level() -> None:
    graph = {
        name: {t for _, t in imports(path, top_level_only=True)} for name, path in modules().items()
    }

    def visit(node: str, stack: list[str]) -> None:
        for nxt in graph.get(node, ()):
            if nxt == "losscli" or nxt == node:
                continue  # `from losscli import __version__`: the package imports nothing
            assert nxt not in stack, " -> ".join([*stack[stack.index(nxt) :], nxt])
            visit(nxt, [*stack, nxt])

    for name in graph:
        visit(name, [name])


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_readable(name: str) -> None:
    if name in LONG_TABLES:
        return
    n = len(modules()[name].read_text().splitlines())
    assert n <= MAX_LINES, f"{name} has {n} lines: split it by concept"


def test_the_cli_passes_no_locals() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "locals()" not in path.read_text(), path


def test_every_flag_of_eval_is_an_option_or_the_commands_own() -> None:
    """One table maps flags to the fields of EvalOptions; a flag that is neither mapped
    nor the command's own (inputs, outputs, presentation, engine) would be dropped."""
    from losscli.cli.evaluate import eval_cmd
    from losscli.cli.options import FIELDS
    from losscli.options import EvalOptions

    own = {
        "ctx", "files", "fmt", "output", "per_sample", "junit", "color", "engine",
        "scheduler", "config", "no_config", "quiet", "no_header",
    }  # fmt: skip
    flags = set(inspect.signature(eval_cmd).parameters)
    assert flags - own == set(FIELDS), "a flag of eval is not mapped to an option"
    assert set(FIELDS.values()) <= set(EvalOptions.names())
    # what only the Python API sets: class names, and a config file's parameters
    unreachable = set(EvalOptions.names()) - set(FIELDS.values()) - {"header"}
    assert unreachable == {"classes", "default_params"}


def test_options_reach_the_library_as_one_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI builds one EvalOptions from its flags and hands it to losscli.evaluate."""
    from typer.testing import CliRunner

    import losscli.api as api
    from losscli.cli import app
    from losscli.options import EvalOptions

    seen: list[EvalOptions] = []
    real = api.evaluate

    def spy(y_true, y_pred=None, options=None, **kw):  # type: ignore[no-untyped-def]
        seen.append(options)
        return real(y_true, y_pred, options, **kw)

    monkeypatch.setattr(api, "evaluate", spy)
    sample = Path(__file__).parent.parent / "sample_data" / "binary.csv"
    res = CliRunner().invoke(
        app,
        ["eval", str(sample), "-l", "bce", "-m", "f1", "--param", "eps=1e-7", "--no-config"]
        + ["--check", "f1>=0", "--chunk-size", "50", "--no-header", "--target-col", "0"],
    )
    assert res.exit_code in (0, 3), res.stderr  # with --no-header the header row is data
    assert len(seen) == 1 and isinstance(seen[0], EvalOptions)
    o = seen[0]
    assert (o.losses, o.metrics, o.checks, o.chunk_rows) == (("bce",), ("f1",), ("f1>=0",), 50)
    assert o.params == ("eps=1e-7",) and o.header is False and o.target_col == "0"


def test_evaluate_takes_an_options_object_or_its_fields_as_keywords() -> None:
    from losscli.options import EvalOptions

    y, p = [0, 1, 1, 0], [0.2, 0.7, 0.6, 0.4]
    a = losscli.evaluate(y, p, EvalOptions(losses=("mse",), task="regression"))
    b = losscli.evaluate(y, p, losses=["mse"], task="regression")
    c = losscli.evaluate(y, p, EvalOptions(losses=("bce",)), losses=["mse"], task="regression")
    assert a.losses == b.losses == c.losses
    with pytest.raises(TypeError, match="lossses"):
        losscli.evaluate(y, p, lossses=["mse"])


def test_the_architecture_doc_names_real_modules() -> None:
    """docs/architecture.md's table and recipes point at modules that exist."""
    import re

    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:losscli/)?(?:[a-z_]+/)*[a-z_]+\.py)`", doc))
    assert len(named) > 30
    for rel in named:
        path = PACKAGE.parent / rel if rel.startswith("losscli/") else PACKAGE / rel
        if rel.startswith("tests/"):
            path = PACKAGE.parent / rel
        assert path.exists(), f"docs/architecture.md names {rel}, which does not exist"
    for folder in re.findall(r"`((?:losscli/)?[a-z_]+/)`", doc):
        base = PACKAGE.parent if folder.startswith("losscli/") else PACKAGE
        assert (base / folder).is_dir(), folder
