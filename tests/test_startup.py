"""Start-up of the one-liner (issue 19: ``losscli eval tiny.csv -f value`` within 1.5x
``python -c "import numpy"``): what it does not import, and the console script's command
table, whose commands Typer converts when they are looked up, against Typer's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from conftest import child_env

from losscli.cli import app, exits

# never on the -f value path: the heavy readers, and what is imported only when asked for
LAZY = {
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "polars",
    "fsspec",
    "json",  # a report written as JSON, a --baseline
    "hashlib",  # the roc_auc / average_precision shared sort
    "losscli.scoring.calibration",  # ece / mce
    "losscli.report.html",
    "losscli.report.plots",
}


def _imports_of_the_one_liner(path: Path) -> set[str]:
    """The modules ``losscli eval PATH -f value`` imports (its targets 1, 2, 3 against
    1.5, 2, 2.5), from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "losscli", "eval", str(path), "-f", "value"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0.16666666666666666"
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()[1:]}
    assert "numpy" in imported and "losscli.cli" in imported  # the listing is read right
    return imported


def test_the_value_one_liner_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("target,prediction\n1,1.5\n2,2\n3,2.5\n")
    imported = _imports_of_the_one_liner(tiny)
    assert not imported & LAZY, sorted(imported & LAZY)


def _shape(cmd: object) -> object:
    """What a click command parses and shows: its parameters (names, flags, types,
    defaults, help) and its help text."""
    params = [
        (p.name, tuple(p.opts), tuple(p.secondary_opts), repr(p.type), repr(p.default),
         getattr(p, "help", None), p.required, p.nargs, p.multiple)
        for p in cmd.params  # type: ignore[attr-defined]
    ]  # fmt: skip
    return cmd.name, cmd.help, cmd.hidden, params  # type: ignore[attr-defined]


def test_the_command_table_converts_as_typer_does() -> None:
    eager = typer.main.get_command(app)
    lazy = exits.command_of_app()
    assert isinstance(lazy.commands, exits._Commands)  # type: ignore[attr-defined]
    assert list(lazy.commands) == list(eager.commands)  # type: ignore[attr-defined]
    assert lazy.commands._built == {}  # type: ignore[attr-defined]  # nothing converted yet
    ctx = typer.Context(lazy)  # type: ignore[arg-type]
    assert lazy.get_command(ctx, "eval") is not None  # type: ignore[attr-defined]
    assert list(lazy.commands._built) == ["eval"]  # type: ignore[attr-defined]
    assert lazy.get_command(ctx, "no-such") is None  # type: ignore[attr-defined]
    for name in eager.commands:  # type: ignore[attr-defined]
        assert _shape(lazy.commands[name]) == _shape(eager.commands[name])  # type: ignore[attr-defined]
    assert _shape(lazy) == _shape(eager)


def test_help_and_a_mistyped_command_through_the_console_script(run_script: object) -> None:
    r = run_script("--help")  # type: ignore[operator]
    assert r.code == 0
    for name in ("eval", "batch", "compare", "plot", "thresholds", "list", "explain"):
        assert f"  {name} " in r.out, name
    r = run_script("evl", "x.csv")  # type: ignore[operator]
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == "error: no such command 'evl' (did you mean eval?)"


def test_a_small_parquet_file_is_read_without_pandas(tmp_path: Path) -> None:
    """A small Parquet file is read whole as the streamed ones are, by pyarrow alone
    (``read_table(...).to_pandas()`` cost half a second of a one-liner)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tiny = tmp_path / "tiny.parquet"
    pq.write_table(pa.table({"target": [1.0, 2.0, 3.0], "prediction": [1.5, 2.0, 2.5]}), tiny)
    imported = _imports_of_the_one_liner(tiny)
    assert "pyarrow._parquet" in imported  # the reader, without pyarrow.parquet's layers
    unused = {"pandas", "pyarrow.parquet", "pyarrow.fs", "pyarrow.dataset", "scipy"}
    assert not imported & unused, imported & unused
