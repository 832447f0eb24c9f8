"""Messages through the command line (in this process; both entry points for an unknown
option, and the missing-Dask cases, through the real program): "did you mean" for unknown
commands, options, losses, metrics, parameters and choice values (one ``error:`` line,
exit 2, nothing written); ``--check`` and ``--value`` on figures not selected;
``list --task``; and ``--engine dask`` without Dask installed."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losscli.cli import app
from tests.conftest import SAMPLES, Result

BIN = str(SAMPLES / "binary.csv")
REG = str(SAMPLES / "regression.csv")


def invoke(*args: str) -> Result:
    """The command in-process (CliRunner): variations of runs the command line made."""
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Result(r.exit_code, r.stdout, r.stderr)


def one_error_line(r: Result, code: int = 2) -> str:
    """Exit ``code`` and stderr exactly one ``error:`` line; returns it."""
    assert r.code == code, f"exit {r.code}, expected {code}\nstderr:\n{r.err}"
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert r.out == ""
    return lines[0]


UNKNOWN = [
    (["evl", BIN], r"no such command 'evl' \(did you mean eval\?\)"),
    (["frobnicate"], r"no such command 'frobnicate' \(see `losscli --help`\)"),
    (["eval", BIN, "--metrc", "f1"], r"no such option --metrc \(did you mean --metric\?\)"),
    (["eval", BIN, "--los", "mse"], r"no such option --los \(did you mean --loss\?\)"),
    (["eval", BIN, "--zzzzzz"], r"no such option --zzzzzz \(see `losscli eval --help`\)"),
    (["list", "--knd", "loss"], r"no such option --knd \(did you mean --kind\?\)"),
    (["--versoin"], r"no such option --versoin \(did you mean --version\?\)"),
    (
        ["eval", BIN, "-l", "binary_cross_entropi"],
        r"unknown loss 'binary_cross_entropi' \(did you mean binary_cross_entropy\?\)",
    ),
    (["eval", BIN, "-l", "bse"], r"unknown loss 'bse' \(did you mean (bce|mse|sse)\?\)"),
    (["eval", BIN, "-l", "accuracy"], r"unknown loss 'accuracy' \(accuracy is a metric\)"),
    (["eval", BIN, "-m", "acuracy"], r"unknown metric 'acuracy' \(did you mean accuracy\?\)"),
    (["eval", BIN, "-m", "zzzz"], r"unknown metric 'zzzz' \(see `losscli list`"),
    (
        ["eval", BIN, "--param", "gama=1"],
        r"no selected loss or metric takes parameter 'gama' \(did you mean gamma\?\)",
    ),
    (
        ["eval", BIN, "-m", "f1", "--param", "averge=macro"],
        r"parameter 'averge' \(did you mean average\?\)",
    ),
    (
        ["eval", BIN, "-m", "f1", "--param", "average=macor"],
        r"parameter average must be one of .*got 'macor' \(did you mean macro\?\)",
    ),
    (["eval", BIN, "--task", "binray"], r"unknown task 'binray' \(did you mean binary\?\)"),
    (["eval", BIN, "--format", "jsn"], r"unknown format 'jsn' \(did you mean json\?\)"),
    (
        ["eval", BIN, "--nan-policy", "omitt"],
        r"unknown --nan-policy 'omitt' \(did you mean omit\?\)",
    ),
    (["eval", BIN, "--color", "alway"], r"unknown --color 'alway' \(did you mean always\?\)"),
    (["eval", BIN, "--engine", "daks"], r"unknown --engine 'daks' \(did you mean dask\?\)"),
    (
        ["eval", BIN, "--input-format", "csvv"],
        r"unknown input format 'csvv' \(did you mean csv\?\)",
    ),
    (
        ["eval", BIN, "--check", "f11>=0.5"],
        r"check names unknown loss or metric 'f11' \(did you mean f1\?\)",
    ),
    (["eval", BIN, "--value", "acuracy"], r"unknown loss or metric 'acuracy' \(did you mean"),
    (["explain", "hubber"], r"unknown loss or metric 'hubber' \(did you mean huber\?\)"),
    (["list", "--kind", "los"], r"unknown --kind 'los' \(did you mean loss\?\)"),
    (["list", "--task", "binray"], r"unknown --task 'binray' \(did you mean binary\?\)"),
    (["list", "--task", "foo"], r"unknown --task 'foo' \(one of regression, binary, "),
    (["list", "--format", "jsn"], r"unknown list --format 'jsn' \(did you mean json\?\)"),
    (["batch", BIN, "--sort-by", "f11"], r"--sort-by 'f11' .*\(did you mean f1\?\)"),
]


@pytest.mark.parametrize(
    "args,pattern", UNKNOWN, ids=[" ".join(x for x in a if x != BIN) for a, _ in UNKNOWN]
)
def test_unknown_name_gets_one_error_line_with_a_suggestion(
    cli: Callable[..., Result], tmp_path: Path, args: list[str], pattern: str
) -> None:
    extra = ["-o", "out.json"] if args[0] in ("eval", "batch") else []
    r = cli(*args, *extra)
    line = one_error_line(r)
    assert re.search(pattern, line), line
    assert os.listdir(tmp_path) == [], "nothing is written"


def test_unknown_option_both_entry_points(run_any: Callable[..., Result]) -> None:
    line = one_error_line(run_any("eval", BIN, "--metrc", "f1"))
    assert "did you mean --metric?" in line


def test_config_unknown_setting_suggests(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "losscli.toml").write_text('metrcs = ["f1"]\n')
    line = one_error_line(cli("eval", BIN))
    assert re.search(r"unknown setting 'metrcs' \(did you mean metrics\?\)", line), line


# ------------------------------------------------------------- figures asked for by name


def test_check_on_unselected_metric_is_computed(cli: Callable[..., Result]) -> None:
    import numpy as np
    from sklearn.metrics import f1_score

    data = np.genfromtxt(BIN, delimiter=",", names=True)
    y, p = data[data.dtype.names[0]], data[data.dtype.names[1]]
    r = cli("eval", BIN, "--check", "f1>=0.5", "-f", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert list(report["metrics"]) == ["accuracy", "f1"]  # the default first, then f1
    assert report["metrics"]["f1"] == pytest.approx(f1_score(y, p >= 0.5), abs=1e-15)
    assert report["checks"][0]["passed"] is True
    failing = cli("eval", BIN, "--check", "f1>=0.99")
    assert failing.code == 1
    assert "f1>=0.99 FAILED: f1 = " in failing.err


def test_check_on_unselected_loss_is_computed(cli: Callable[..., Result]) -> None:
    r = cli("eval", BIN, "--check", "zero_one<=0.5", "-f", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert list(report["losses"]) == ["binary_cross_entropy", "zero_one"]
    assert report["losses"]["zero_one"]["mean"] == pytest.approx(1 - report["metrics"]["accuracy"])


def test_check_on_figure_of_another_task_is_usage_error(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    line = one_error_line(cli("eval", BIN, "--check", "rmse<=1", "-o", "out.json"))
    assert "metric rmse (named by --check or --value) does not apply to a binary task" in line
    assert os.listdir(tmp_path) == []


def test_batch_check_on_unselected_metric(cli: Callable[..., Result]) -> None:
    r = cli("batch", BIN, "--check", "f1>=0.5", "-f", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert "f1" in report["files"][0]["metrics"] and "f1" in report["overall"]["metrics"]


def test_value_picks_the_figure(cli: Callable[..., Result]) -> None:
    full = json.loads(cli("eval", BIN, "-m", "accuracy", "-m", "f1", "-f", "json").out)
    default = cli("eval", BIN, "-m", "accuracy", "-f", "value")
    assert float(default.out) == full["losses"]["binary_cross_entropy"]["mean"]  # the contract
    # the variations in-process; --value alone stays the command line's (below)
    acc = invoke("eval", BIN, "-m", "accuracy", "-f", "value", "--value", "accuracy")
    assert acc.code == 0, acc.err
    assert float(acc.out) == full["metrics"]["accuracy"]
    # --value alone implies -f value, and computes a figure not selected (by alias too)
    f1 = cli("eval", BIN, "--value", "f1_score")
    assert f1.code == 0, f1.err
    assert float(f1.out) == full["metrics"]["f1"]
    mse = invoke("eval", REG, "--value", "mae")
    assert mse.code == 0 and float(mse.out) > 0


def test_value_with_another_format_is_usage_error(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    r = cli("eval", BIN, "--value", "f1", "-f", "json", "-o", "out.json")
    assert "--value prints one figure: it needs -f value, not -f json" in one_error_line(r)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ list --task


def test_list_task_known_still_filters(cli: Callable[..., Result]) -> None:
    r = cli("list", "--task", "binary", "-f", "json")
    assert r.code == 0, r.err
    names = [e["name"] for e in json.loads(r.out)]
    assert "binary_cross_entropy" in names and "mse" not in names


# ------------------------------------------------------------ --engine dask without Dask


@pytest.mark.parametrize("command", ["eval", "batch"])
def test_engine_dask_without_dask_is_usage_error(
    run_script: Callable[..., Result], tmp_path: Path, command: str
) -> None:
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\nsys.modules['dask'] = None\nsys.modules['distributed'] = None\n"
    )
    path = os.pathsep.join(p for p in (str(hide), os.environ.get("PYTHONPATH", "")) if p)
    r = run_script(command, BIN, "--engine", "dask", "-o", "out.json", env={"PYTHONPATH": path})
    line = one_error_line(r)
    assert "--engine dask needs Dask (dask is not installed)" in line
    assert "pip install 'losscli[dask]'" in line
    assert sorted(os.listdir(tmp_path)) == ["hide"]


def test_dask_api_without_dask_is_usage_error(run: Callable[..., Result]) -> None:
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "import losscli.engines.dask as d\n"
        "from losscli.errors import UsageError\n"
        "try:\n"
        f"    d.evaluate({BIN!r})\n"
        "except UsageError as e:\n"
        "    print(e)\n"
    )
    import subprocess
    import sys

    from tests.conftest import child_env

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60
    )
    assert "pip install 'losscli[dask]'" in out.stdout, out.stderr
