"""The command line as users and scripts see it (see /work/shared/CONTRACT.md).

Most tests run the command line in this process (conftest's ``cli``: the CLI's main with
its own streams, environment and working directory); what needs the real program runs it
in a child process (``python -m losscli`` or the ``losscli`` console script: the version,
the exit code of a failed gate, stdin left unread, a closed pipe, both entry points
agreeing); a few go through typer's ``CliRunner``.
Expected numbers come from the Python API (``losscli.evaluate``) or closed forms.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import random
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import MODULE_CMD, SAMPLES, Result, child_env, script_cmd
from typer.testing import CliRunner

import losscli
from losscli.cli import app

ANSI = re.compile(r"\x1b\[")
CONTRACT_KEYS = {
    "version",
    "task",
    "n_samples",
    "losses",
    "metrics",
    "signature",
    "warnings",
    "checks",
}
CONTRACT_LOSSES = {
    "regression": {"mse", "mae", "huber", "log_cosh", "mape", "msle", "poisson", "sse"},
    "binary": {
        "binary_cross_entropy",
        "hinge",
        "squared_hinge",
        "logistic",
        "exponential",
        "perceptron",
        "zero_one",
        "focal",
    },
    "multiclass": {"categorical_cross_entropy", "categorical_hinge", "kl_divergence", "zero_one"},
    "multilabel": {"binary_cross_entropy"},
}
CONTRACT_ALIASES = {
    "mse": {"mean_squared_error"},
    "mae": {"mean_absolute_error"},
    "binary_cross_entropy": {"bce", "log_loss"},
    "categorical_cross_entropy": {"cce", "cross_entropy"},
}
CONTRACT_METRICS = {
    "accuracy",
    "rmse",
    "mae",
    "r2",
    "precision",
    "recall",
    "f1",
    "brier",
    "roc_auc",
}
DEFAULT_METRIC = {
    "regression": "rmse",
    "binary": "accuracy",
    "multiclass": "accuracy",
    "multilabel": "accuracy",
}

# id -> (files, extra CLI args, API keyword arguments, task)
SAMPLE_CASES: dict[str, tuple[list[str], list[str], dict[str, Any], str]] = {
    "regression.csv": (["regression.csv"], [], {}, "regression"),
    "regression.npy": (["regression.npy"], [], {}, "regression"),
    "binary.csv": (["binary.csv"], [], {}, "binary"),
    "binary.npy": (["binary.npy"], [], {}, "binary"),
    "binary_margin.csv": (["binary_margin.csv"], ["-l", "hinge"], {"losses": ["hinge"]}, "binary"),
    "binary_margin.npy": (["binary_margin.npy"], ["-l", "hinge"], {"losses": ["hinge"]}, "binary"),
    "multiclass_probs.csv": (["multiclass_probs.csv"], [], {}, "multiclass"),
    "multiclass_probs.npy": (["multiclass_probs.npy"], [], {}, "multiclass"),
    "multiclass_logits.csv": (
        ["multiclass_logits.csv"],
        ["--from-logits"],
        {"from_logits": True},
        "multiclass",
    ),
    "multiclass_logits.npz": (
        ["multiclass_logits.npz"],
        ["--from-logits"],
        {"from_logits": True},
        "multiclass",
    ),
    "multiclass_names.csv": (["multiclass_names.csv"], [], {}, "multiclass"),
    "multilabel.csv(two files)": (
        ["multilabel_targets.csv", "multilabel_preds.csv"],
        [],
        {},
        "multilabel",
    ),
    "multilabel.npy(two files)": (
        ["multilabel_targets.npy", "multilabel_preds.npy"],
        [],
        {},
        "multilabel",
    ),
}


def api_report(files: list[str], **kwargs: Any) -> losscli.Report:
    paths = [str(SAMPLES / f) if not os.path.isabs(f) else f for f in files]
    return losscli.evaluate(paths[0], paths[1] if len(paths) > 1 else None, **kwargs)


def first_mean(report: dict[str, Any]) -> float:
    return float(next(iter(report["losses"].values()))["mean"])


def ok(r: Result) -> Result:
    assert r.code == 0, f"exit {r.code}\nstdout:\n{r.out}\nstderr:\n{r.err}"
    assert "Traceback" not in r.err, r.err
    return r


def value_of(r: Result) -> float:
    """The single line of ``--format value``: repr of a float, nothing else."""
    ok(r)
    assert r.out.endswith("\n") and r.out.count("\n") == 1, repr(r.out)
    line = r.out[:-1]
    v = float(line)
    assert repr(v) == line, f"{line!r} is not Python's repr of a float"
    return v


def read_csv_columns(path: Path) -> dict[str, list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}


@pytest.fixture(scope="session")
def sample_json(cli_in_samples: Callable[..., Result]) -> Callable[[str], dict[str, Any]]:
    """The ``-f json`` report of a sample case, computed once per session (in this process:
    test_python_dash_m_and_console_script_agree shows the real program prints the same)."""
    cache: dict[str, dict[str, Any]] = {}

    def get(case: str) -> dict[str, Any]:
        if case not in cache:
            files, args, _, _ = SAMPLE_CASES[case]
            r = ok(cli_in_samples("eval", *files, *args, "-f", "json"))
            cache[case] = json.loads(r.out)
        return cache[case]

    return get


@pytest.fixture(scope="module")
def binary_rows() -> tuple[list[int], list[float]]:
    cols = read_csv_columns(SAMPLES / "binary.csv")
    return [int(v) for v in cols["label"]], [float(v) for v in cols["prob"]]


@pytest.fixture(scope="module")
def multiclass_rows() -> tuple[list[int], list[list[float]]]:
    cols = read_csv_columns(SAMPLES / "multiclass_probs.csv")
    probs = [
        [float(a), float(b), float(c)]
        for a, b, c in zip(cols["cat"], cols["dog"], cols["bird"], strict=True)
    ]
    return [int(v) for v in cols["label"]], probs


def bce(y: int, p: float) -> float:
    return -math.log(p) if y == 1 else -math.log1p(-p)


# =============================================================================== invocation


def test_version(run_any: Callable[..., Result]) -> None:
    r = ok(run_any("--version"))
    assert losscli.__version__ in r.out
    assert r.out.count("\n") == 1


HELP_COMMANDS = [[], ["eval"], ["list"], ["explain"], ["batch"]]


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help(cli: Callable[..., Result], command: list[str]) -> None:
    r = ok(cli(*command, "--help"))
    assert "Usage:" in r.out
    assert r.err == ""


def test_help_console_script(run_script: Callable[..., Result]) -> None:
    r = ok(run_script("--help"))
    assert "Usage:" in r.out
    for command in ("eval", "list", "explain"):
        assert command in r.out


def test_no_arguments_prints_usage_without_traceback(cli: Callable[..., Result]) -> None:
    r = cli()
    assert "Traceback" not in r.err, r.err
    assert "Usage:" in r.out + r.err
    assert r.code in (0, 2)


EVAL_OPTIONS = [
    "--loss",
    "-l",
    "--metric",
    "-m",
    "--task",
    "--param",
    "--from-logits",
    "--weights",
    "--format",
    "-f",
    "--output",
    "-o",
    "--per-sample",
    "--check",
    "--baseline",
    "--tolerance",
    "--strict",
    "--id-col",
    "--target-col",
    "--pred-col",
    "--no-header",
    "--input-format",
]


def test_eval_help_names_every_contract_option() -> None:
    r = CliRunner().invoke(app, ["eval", "--help"])
    assert r.exit_code == 0, r.output
    for opt in EVAL_OPTIONS:
        assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", r.stdout), opt


# ---- CliRunner (in-process) versions of the basics


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_cli_runner(command: list[str]) -> None:
    r = CliRunner().invoke(app, [*command, "--help"])
    assert r.exit_code == 0, r.output
    assert "Usage:" in r.stdout


def test_version_cli_runner() -> None:
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0
    assert losscli.__version__ in r.stdout


def test_eval_value_and_json_cli_runner() -> None:
    path = str(SAMPLES / "binary.csv")
    expected = api_report(["binary.csv"]).losses["binary_cross_entropy"]["mean"]
    r = CliRunner().invoke(app, ["eval", path, "-f", "value"])
    assert r.exit_code == 0, r.output
    assert r.stdout == repr(expected) + "\n"
    r = CliRunner().invoke(app, ["eval", path, "-f", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert CONTRACT_KEYS <= set(report)
    assert report["losses"]["binary_cross_entropy"]["mean"] == expected


def test_eval_errors_cli_runner() -> None:
    path = str(SAMPLES / "binary.csv")
    r = CliRunner().invoke(app, ["eval", path, "-l", "no_such_loss"])
    assert r.exit_code == 2
    assert r.stderr.startswith("error:")
    r = CliRunner().invoke(app, ["eval", path, "--no-such-option"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["eval", str(SAMPLES / "no_such_file.csv")])
    assert r.exit_code == 3
    assert r.stderr.startswith("error:") and "no_such_file.csv" in r.stderr


def test_check_and_per_sample_cli_runner(tmp_path: Path) -> None:
    path = str(SAMPLES / "binary.csv")
    ps = tmp_path / "ps.csv"
    r = CliRunner().invoke(
        app, ["eval", path, "--check", "accuracy>=0.99", "-f", "json", "--per-sample", str(ps)]
    )
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["checks"][0]["passed"] is False
    expected = api_report(["binary.csv"]).per_sample["binary_cross_entropy"]
    assert [float(v) for v in read_csv_columns(ps)["binary_cross_entropy"]] == expected.tolist()
    r = CliRunner().invoke(app, ["eval", path, "--per-sample", "-", "-f", "value"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "index,binary_cross_entropy"
    assert len(r.stdout.splitlines()) == 201


def test_list_and_explain_cli_runner() -> None:
    r = CliRunner().invoke(app, ["list", "--format", "json"])
    assert r.exit_code == 0, r.output
    names = {e["name"] for e in json.loads(r.stdout)}
    assert {"mse", "binary_cross_entropy", "accuracy"} <= names
    r = CliRunner().invoke(app, ["explain", "bce"])
    assert r.exit_code == 0, r.output
    assert "binary_cross_entropy" in r.stdout
    r = CliRunner().invoke(app, ["explain", "no_such_thing"])
    assert r.exit_code == 2


# =============================================================================== sample files


@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_sample_json_report(case: str, sample_json: Callable[[str], dict[str, Any]]) -> None:
    files, _, kwargs, task = SAMPLE_CASES[case]
    report = sample_json(case)
    assert CONTRACT_KEYS <= set(report)
    assert report["version"] == losscli.__version__
    assert report["task"] == task
    assert report["n_samples"] == 200
    assert isinstance(report["signature"], str) and report["signature"]
    assert "\n" not in report["signature"]
    assert isinstance(report["warnings"], list)
    assert report["checks"] == []
    assert report["losses"], "at least one loss"
    for name, entry in report["losses"].items():
        assert name in CONTRACT_LOSSES[task], name
        assert {"mean", "sum", "params"} <= set(entry)
        assert isinstance(entry["params"], dict)
        assert math.isclose(entry["sum"], entry["mean"] * 200, rel_tol=1e-9)
    if "losses" in kwargs:
        assert list(report["losses"]) == kwargs["losses"]
    assert DEFAULT_METRIC[task] in report["metrics"]
    expected = api_report(files, **kwargs)
    for name, entry in report["losses"].items():
        assert entry["mean"] == expected.losses[name]["mean"]
    for name, value in report["metrics"].items():
        assert value == expected.metrics[name]


@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_sample_value_is_repr_of_json_mean(
    case: str,
    request: pytest.FixtureRequest,
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    """In this process, binary.csv also through the real program."""
    files, args, _, _ = SAMPLE_CASES[case]
    runner = "run_in_samples" if case == "binary.csv" else "cli_in_samples"
    v = value_of(request.getfixturevalue(runner)("eval", *files, *args, "-f", "value"))
    assert v == first_mean(sample_json(case))


def test_class_name_targets_equal_integer_targets(
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    names = sample_json("multiclass_names.csv")
    ints = sample_json("multiclass_probs.csv")
    assert names["losses"] == ints["losses"]
    assert names["metrics"] == ints["metrics"]


def test_class_name_targets_in_any_column_order(
    cli: Callable[..., Result],
    write_csv: Callable[..., Path],
) -> None:
    f = write_csv(
        "names.csv",
        ["label", "dog", "cat"],
        [["cat", 0.3, 0.7], ["dog", 0.6, 0.4], ["cat", 0.5, 0.5], ["dog", 0.9, 0.1]],
    )
    r = ok(cli("eval", f, "-f", "json"))
    report = json.loads(r.out)
    assert report["task"] == "multiclass"
    expected = -(math.log(0.7) + math.log(0.6) + math.log(0.5) + math.log(0.9)) / 4
    assert math.isclose(first_mean(report), expected, rel_tol=1e-12)
    assert report["metrics"]["accuracy"] == 0.75


# =============================================================================== formats


def test_multiple_losses_and_metrics(cli: Callable[..., Result]) -> None:
    r = ok(
        cli(
            "eval",
            SAMPLES / "binary.csv",
            "-l",
            "bce",
            "-l",
            "zero_one",
            "-m",
            "accuracy",
            "-f",
            "json",
        )
    )
    report = json.loads(r.out)
    assert list(report["losses"]) == ["binary_cross_entropy", "zero_one"]
    assert math.isclose(
        report["losses"]["zero_one"]["mean"], 1 - report["metrics"]["accuracy"], rel_tol=1e-12
    )


@pytest.fixture(scope="module")
def binary_expected() -> tuple[float, float]:
    rep = api_report(["binary.csv"])
    return rep.losses["binary_cross_entropy"]["mean"], rep.metrics["accuracy"]


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_csv_tsv_report(
    cli: Callable[..., Result], fmt: str, sep: str, binary_expected: tuple[float, float]
) -> None:
    r = ok(
        cli(
            "eval",
            SAMPLES / "binary.csv",
            "-f",
            fmt,
            env={"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        )
    )
    assert not ANSI.search(r.out)
    rows = list(csv.reader(io.StringIO(r.out), delimiter=sep))
    assert len(rows) >= 3
    assert len({len(row) for row in rows}) == 1, "every row has the same number of fields"
    cells = [c for row in rows for c in row]
    assert "binary_cross_entropy" in cells and "accuracy" in cells
    numbers = set()
    for c in cells:
        try:
            numbers.add(float(c))
        except ValueError:
            pass
    mean, acc = binary_expected
    assert mean in numbers and acc in numbers
    assert 200 in numbers


def test_markdown_report(cli: Callable[..., Result]) -> None:
    r = ok(
        cli(
            "eval",
            SAMPLES / "binary.csv",
            "-f",
            "markdown",
            env={"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        )
    )
    assert not ANSI.search(r.out)
    lines = r.out.splitlines()
    table = [ln for ln in lines if ln.startswith("|")]
    assert len(table) >= 3
    assert any(re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", ln) for ln in table), "separator row"
    assert "binary_cross_entropy" in r.out and "accuracy" in r.out


def test_table_report(cli: Callable[..., Result]) -> None:
    r = ok(
        cli(
            "eval", SAMPLES / "binary.csv", env={"TERM": "xterm-256color", "COLORTERM": "truecolor"}
        )
    )
    assert not ANSI.search(r.out), "no escape codes when stdout is not a terminal"
    assert not ANSI.search(r.err)
    text = r.out
    assert "binary_cross_entropy" in text and "accuracy" in text
    assert re.search(r"\b200\b", text), "number of samples"
    assert "0.50227" in text, "the mean loss"
    assert re.search(r"first", text, re.I) and re.search(r"worst", text, re.I), (
        "a preview of the first and the worst per-sample rows"
    )
    worst = float(np.max(api_report(["binary.csv"]).per_sample["binary_cross_entropy"]))
    assert repr(worst)[:4] in text, "the worst per-sample loss is shown"


def test_value_format_uses_first_selected_loss(
    cli: Callable[..., Result],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    v = value_of(cli("eval", SAMPLES / "binary.csv", "-l", "zero_one", "-l", "bce", "-f", "value"))
    assert v == 1 - sample_json("binary.csv")["metrics"]["accuracy"]


# =============================================================================== inputs


def test_stdin_csv(
    run: Callable[..., Result], sample_json: Callable[[str], dict[str, Any]]
) -> None:
    data = (SAMPLES / "regression.csv").read_bytes()
    assert value_of(run("eval", "-", "-f", "value", input=data)) == first_mean(
        sample_json("regression.csv")
    )


def test_stdin_tsv(
    cli: Callable[..., Result], sample_json: Callable[[str], dict[str, Any]]
) -> None:
    data = (SAMPLES / "binary.csv").read_text().replace(",", "\t")
    v = value_of(cli("eval", "-", "--input-format", "tsv", "-f", "value", input=data))
    assert v == first_mean(sample_json("binary.csv"))


def test_stdin_is_not_read_unless_dash(tmp_path: Path) -> None:
    """With an open, never-closed stdin the run must still finish: it is not read."""
    proc = subprocess.Popen(
        [*MODULE_CMD, "eval", str(SAMPLES / "regression.csv"), "-f", "value"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=child_env(),
    )
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("losscli waited on standard input without '-'")
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()


@pytest.mark.parametrize("name", ["regression.csv.gz", "regression.tsv.gz"])
def test_gzip_input(
    cli: Callable[..., Result],
    tmp_path: Path,
    name: str,
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    text = (SAMPLES / "regression.csv").read_text()
    if ".tsv" in name:
        text = text.replace(",", "\t")
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()))
    v = value_of(cli("eval", path, "-f", "value"))
    assert v == first_mean(sample_json("regression.csv"))


@pytest.mark.parametrize("spec", ["shards", "shards/part-*.csv"], ids=["directory", "glob"])
def test_shards_are_one_dataset(
    cli: Callable[..., Result],
    tmp_path: Path,
    spec: str,
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    lines = (SAMPLES / "binary.csv").read_text().splitlines(keepends=True)
    (tmp_path / "shards").mkdir()
    for i, start in enumerate(range(1, len(lines), 70)):
        (tmp_path / "shards" / f"part-{i}.csv").write_text(
            lines[0] + "".join(lines[start : start + 70])
        )
    r = ok(cli("eval", spec, "--per-sample", "-", "-f", "json"))
    report = json.loads(r.err)
    assert report["n_samples"] == 200
    assert report["losses"] == sample_json("binary.csv")["losses"]
    rows = list(csv.reader(io.StringIO(r.out)))[1:]
    expected = api_report(["binary.csv"]).per_sample["binary_cross_entropy"].tolist()
    assert [float(row[1]) for row in rows] == expected, "in the order of the sorted names"


def test_from_logits_flag_equals_param(
    cli: Callable[..., Result], sample_json: Callable[[str], dict[str, Any]]
) -> None:
    v = value_of(
        cli("eval", SAMPLES / "multiclass_logits.csv", "--param", "from_logits=true", "-f", "value")
    )
    assert v == first_mean(sample_json("multiclass_logits.csv"))


def _write_binary(tmp_path: Path, fmt: str, y: list[int], p: list[float]) -> Path:
    if fmt == "npy":
        path = tmp_path / "data.npy"
        np.save(path, np.column_stack([np.array(y, dtype=np.float64), np.array(p)]))
    elif fmt == "npz":
        path = tmp_path / "data.npz"
        np.savez(path, y_true=np.array(y), y_pred=np.array(p))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "data.parquet"
        pq.write_table(pa.table({"label": y, "prob": p}), path)
    else:  # jsonl / ndjson
        path = tmp_path / f"data.{fmt}"
        path.write_text(
            "".join(json.dumps({"label": a, "prob": b}) + "\n" for a, b in zip(y, p, strict=True))
        )
    return path


def _write_multiclass(tmp_path: Path, fmt: str, y: list[int], p: list[list[float]]) -> Path:
    arr = np.array(p)
    if fmt == "npy":
        path = tmp_path / "data.npy"
        np.save(path, np.column_stack([np.array(y, dtype=np.float64), arr]))
    elif fmt == "npz":
        path = tmp_path / "data.npz"
        np.savez(path, y_true=np.array(y), y_pred=arr)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "data.parquet"
        pq.write_table(
            pa.table({"label": y, "cat": arr[:, 0], "dog": arr[:, 1], "bird": arr[:, 2]}), path
        )
    else:
        path = tmp_path / f"data.{fmt}"
        path.write_text(
            "".join(
                json.dumps({"label": a, "cat": b[0], "dog": b[1], "bird": b[2]}) + "\n"
                for a, b in zip(y, p, strict=True)
            )
        )
    return path


def _report_and_per_sample(
    cli: Callable[..., Result], path: Path
) -> tuple[dict[str, Any], list[float]]:
    """One run: the per-sample losses on stdout (CSV), the JSON report on stderr."""
    r = ok(cli("eval", path, "--per-sample", "-", "-f", "json"))
    rows = list(csv.reader(io.StringIO(r.out)))
    assert len(rows[0]) == 2, rows[0]
    return json.loads(r.err), [float(row[1]) for row in rows[1:]]


@pytest.mark.parametrize("fmt", ["npy", "npz", "parquet", "jsonl", "ndjson"])
def test_binary_formats_give_the_csv_numbers(
    cli: Callable[..., Result],
    tmp_path: Path,
    fmt: str,
    binary_rows: tuple[list[int], list[float]],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    path = _write_binary(tmp_path, fmt, *binary_rows)
    report, per_sample = _report_and_per_sample(cli, path)
    expected = sample_json("binary.csv")
    assert report["task"] == "binary" and report["n_samples"] == 200
    assert report["losses"] == expected["losses"]
    assert report["metrics"] == expected["metrics"]
    assert per_sample == api_report(["binary.csv"]).per_sample["binary_cross_entropy"].tolist()


@pytest.mark.parametrize("fmt", ["npy", "npz", "parquet", "jsonl"])
def test_multiclass_formats_give_the_csv_numbers(
    cli: Callable[..., Result],
    tmp_path: Path,
    fmt: str,
    multiclass_rows: tuple[list[int], list[list[float]]],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    path = _write_multiclass(tmp_path, fmt, *multiclass_rows)
    report, per_sample = _report_and_per_sample(cli, path)
    expected = sample_json("multiclass_probs.csv")
    assert report["task"] == "multiclass" and report["n_samples"] == 200
    assert report["losses"] == expected["losses"]
    assert report["metrics"] == expected["metrics"]
    assert (
        per_sample
        == api_report(["multiclass_probs.csv"]).per_sample["categorical_cross_entropy"].tolist()
    )


def test_no_header(
    cli: Callable[..., Result], tmp_path: Path, sample_json: Callable[[str], dict[str, Any]]
) -> None:
    lines = (SAMPLES / "binary.csv").read_text().splitlines(keepends=True)
    path = tmp_path / "nohead.csv"
    path.write_text("".join(lines[1:]))
    v = value_of(cli("eval", path, "--no-header", "-f", "value"))
    assert v == first_mean(sample_json("binary.csv"))


def test_no_header_with_column_indices(
    cli: Callable[..., Result],
    write_csv: Callable[..., Path],
    binary_rows: tuple[list[int], list[float]],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    y, p = binary_rows
    # the prediction first, then the label
    path = write_csv("swapped.csv", None, zip(p, y, strict=True))
    v = value_of(
        cli("eval", path, "--no-header", "--target-col", "1", "--pred-col", "0", "-f", "value")
    )
    assert v == first_mean(sample_json("binary.csv"))


@pytest.mark.parametrize("target,pred", [("obs", "p2"), ("2", "1")], ids=["names", "indices"])
def test_target_and_pred_columns(
    cli: Callable[..., Result],
    write_csv: Callable[..., Path],
    target: str,
    pred: str,
    binary_rows: tuple[list[int], list[float]],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    y, p = binary_rows
    rnd = random.Random(7)
    decoy = [round(rnd.uniform(0.01, 0.99), 6) for _ in y]
    path = write_csv("cols.csv", ["p1", "p2", "obs"], zip(decoy, p, y, strict=True))
    v = value_of(cli("eval", path, "--target-col", target, "--pred-col", pred, "-f", "value"))
    assert v == first_mean(sample_json("binary.csv"))


@pytest.fixture
def id_files(
    write_csv: Callable[..., Path], binary_rows: tuple[list[int], list[float]]
) -> tuple[Path, Path, Path]:
    y, p = binary_rows
    ids = [f"s{i:03d}" for i in range(len(y))]
    targets = write_csv("targets.csv", ["id", "label"], zip(ids, y, strict=True))
    preds = write_csv("preds.csv", ["id", "prob"], zip(ids, p, strict=True))
    rows = list(zip(ids, p, strict=True))
    random.Random(11).shuffle(rows)
    shuffled = write_csv("preds_shuffled.csv", ["id", "prob"], rows)
    return targets, preds, shuffled


def test_id_col_aligns_a_shuffled_prediction_file(
    cli: Callable[..., Result],
    id_files: tuple[Path, Path, Path],
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    targets, preds, shuffled = id_files
    a = json.loads(ok(cli("eval", targets, preds, "--id-col", "id", "-f", "json")).out)
    b = json.loads(ok(cli("eval", targets, shuffled, "--id-col", "id", "-f", "json")).out)
    assert a["losses"] == b["losses"] == sample_json("binary.csv")["losses"]
    assert a["metrics"] == b["metrics"] == sample_json("binary.csv")["metrics"]


def test_weights_column_and_file(
    cli: Callable[..., Result],
    write_csv: Callable[..., Path],
    binary_rows: tuple[list[int], list[float]],
) -> None:
    y, p = binary_rows
    rnd = random.Random(3)
    w = [round(rnd.uniform(0.1, 2.0), 3) for _ in y]
    expected = sum(wi * bce(a, b) for wi, a, b in zip(w, y, p, strict=True)) / sum(w)
    with_col = write_csv("weighted.csv", ["label", "prob", "w"], zip(y, p, w, strict=True))
    plain = write_csv("plain.csv", ["label", "prob"], zip(y, p, strict=True))
    wfile = write_csv("w.csv", ["weight"], ([x] for x in w))
    v_col = value_of(cli("eval", with_col, "--weights", "w", "-f", "value"))
    v_file = value_of(cli("eval", plain, "--weights", wfile, "-f", "value"))
    assert math.isclose(v_col, expected, rel_tol=1e-12)
    assert math.isclose(v_file, expected, rel_tol=1e-12)
    unweighted = sum(bce(a, b) for a, b in zip(y, p, strict=True)) / len(y)
    assert not math.isclose(v_col, unweighted, rel_tol=1e-6)


# =============================================================================== per-sample


def _read_per_sample(path: Path, fmt: str) -> tuple[list[str], dict[str, list[float]]]:
    if fmt in ("csv", "tsv"):
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh, delimiter="," if fmt == "csv" else "\t"))
        header = rows[0]
        return header, {h: [float(r[i]) for r in rows[1:]] for i, h in enumerate(header)}
    if fmt == "jsonl":
        objs = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
        header = list(objs[0])
        assert all(list(o) == header for o in objs)
        return header, {h: [float(o[h]) for o in objs] for h in header}
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return table.column_names, {
            h: [float(v) for v in table.column(h).to_pylist()] for h in table.column_names
        }
    arr = np.load(path, allow_pickle=False)
    assert arr.ndim == 2
    header = ["index", *[f"col{i}" for i in range(1, arr.shape[1])]]
    return header, {h: arr[:, i].tolist() for i, h in enumerate(header)}


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet", "npy"])
def test_per_sample_file(
    cli: Callable[..., Result],
    tmp_path: Path,
    fmt: str,
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    out = tmp_path / f"per_sample.{fmt}"
    r = cli(
        "eval",
        SAMPLES / "binary.csv",
        "-l",
        "bce",
        "-l",
        "zero_one",
        "--per-sample",
        out,
        "-f",
        "value",
    )
    assert value_of(r) == first_mean(sample_json("binary.csv"))  # the report still prints
    header, cols = _read_per_sample(out, fmt)
    expected = api_report(["binary.csv"], losses=["bce", "zero_one"]).per_sample
    if fmt == "npy":
        assert len(header) == 3
        values = {"binary_cross_entropy": cols["col1"], "zero_one": cols["col2"]}
    else:
        assert header == ["index", "binary_cross_entropy", "zero_one"]
        values = cols
    assert cols["index"] == list(range(200))
    for name in ("binary_cross_entropy", "zero_one"):
        assert values[name] == expected[name].tolist()
    assert sorted(os.listdir(tmp_path)) == [out.name], "no temporary files left behind"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_per_sample_text_ids_with_separators_quotes_and_newlines(
    run_script: Callable[..., Result], tmp_path: Path, fmt: str
) -> None:
    """Ids under --id-col are any text: written so that a reader gets them back exactly
    (RFC 4180 quoting in CSV/TSV, JSON strings in JSON Lines), through the console script."""
    ids = ["a,b", 'say "hi"', "two\nlines", "tab\there", "plain"]
    y, p = [1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.0, 2.0, 4.25, 7.0]
    for name, col, vals in (("y.csv", "target", y), ("p.csv", "prediction", p)):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", col])
            w.writerows(zip(ids, vals, strict=True))
    out = tmp_path / f"ps.{fmt}"
    ok(run_script("eval", "y.csv", "p.csv", "--id-col", "id", "-l", "mse", "--per-sample", out))
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        got = [(r["index"], r["mse"]) for r in rows]
    else:
        with open(out, newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh, delimiter="," if fmt == "csv" else "\t"))
        assert table[0] == ["index", "mse"]
        got = [(r[0], float(r[1])) for r in table[1:]]
    assert got == [(i, (a - b) ** 2) for i, a, b in zip(ids, y, p, strict=True)]


def test_per_sample_to_stdout_report_to_stderr(
    cli: Callable[..., Result], sample_json: Callable[[str], dict[str, Any]]
) -> None:
    r = ok(cli("eval", SAMPLES / "binary.csv", "--per-sample", "-", "-f", "json"))
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0] == ["index", "binary_cross_entropy"]
    assert len(rows) == 201
    expected = api_report(["binary.csv"]).per_sample["binary_cross_entropy"]
    assert [float(row[1]) for row in rows[1:]] == expected.tolist()
    assert [int(row[0]) for row in rows[1:]] == list(range(200))
    report = json.loads(r.err)
    assert report["losses"] == sample_json("binary.csv")["losses"]


def test_per_sample_stdout_with_table_report_has_no_escape_codes(
    cli: Callable[..., Result],
) -> None:
    r = ok(
        cli(
            "eval",
            SAMPLES / "binary.csv",
            "--per-sample",
            "-",
            env={"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        )
    )
    assert not ANSI.search(r.out) and not ANSI.search(r.err)
    assert r.out.splitlines()[0] == "index,binary_cross_entropy"
    assert "binary_cross_entropy" in r.err


@pytest.fixture(scope="module")
def head_pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``losscli eval big.npy --per-sample - | head -1`` in a real shell pipeline."""
    if shutil.which("bash") is None or shutil.which("head") is None:
        pytest.skip("needs bash and head")
    d = tmp_path_factory.mktemp("pipe")
    rng = np.random.default_rng(5)
    y = rng.normal(size=200_000)
    np.save(d / "big.npy", np.column_stack([y, y + rng.normal(scale=0.1, size=y.shape)]))
    cmd = script_cmd() or MODULE_CMD
    script = (
        '"$@" eval big.npy --per-sample - 2>err.txt | head -1 >head.txt; '
        'echo "${PIPESTATUS[0]}" >rc.txt'
    )
    subprocess.run(
        ["bash", "-c", script, "bash", *cmd], cwd=d, env=child_env(), timeout=120, check=True
    )
    return {
        "head": (d / "head.txt").read_text(),
        "err": (d / "err.txt").read_text(),
        "rc": int((d / "rc.txt").read_text()),
    }


def test_closed_pipe_is_quiet(head_pipeline: dict[str, Any]) -> None:
    assert head_pipeline["head"] == "index,mse\n"
    err = head_pipeline["err"]
    assert "Traceback" not in err, err
    assert "BrokenPipe" not in err and "Exception ignored" not in err, err


def test_closed_pipe_is_not_reported_as_a_failed_gate(head_pipeline: dict[str, Any]) -> None:
    """Exit code 1 means 'a --check or --baseline gate failed'; no gate was given."""
    assert head_pipeline["rc"] == 0, f"exit {head_pipeline['rc']}"


# =============================================================================== -o


def test_output_file(
    cli: Callable[..., Result], tmp_path: Path, sample_json: Callable[[str], dict[str, Any]]
) -> None:
    out = tmp_path / "report.json"
    out.write_text("old contents\n")
    r = ok(cli("eval", SAMPLES / "binary.csv", "-f", "json", "-o", out))
    assert r.out == ""
    assert json.loads(out.read_text()) == sample_json("binary.csv")
    assert sorted(os.listdir(tmp_path)) == ["report.json"], "no temporary files left behind"
    out2 = tmp_path / "report.txt"
    ok(cli("eval", SAMPLES / "binary.csv", "--output", out2, "-f", "value"))
    assert out2.read_text() == repr(first_mean(sample_json("binary.csv"))) + "\n"


def test_output_file_permissions_follow_umask(run: Callable[..., Result], tmp_path: Path) -> None:
    """A report file is created like any other file (0666 & ~umask), not owner-only."""
    mask = os.umask(0o022)
    try:
        out = tmp_path / "report.json"
        ok(run("eval", SAMPLES / "binary.csv", "-f", "json", "-o", out))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644, oct(out.stat().st_mode)


# =============================================================================== gates


def test_check_passing(cli: Callable[..., Result]) -> None:
    r = ok(
        cli(
            "eval",
            SAMPLES / "binary.csv",
            "--check",
            "accuracy>=0.7",
            "--check",
            "bce < 0.6",
            "--check",
            "accuracy==0.765",
            "-f",
            "json",
        )
    )
    checks = json.loads(r.out)["checks"]
    assert len(checks) == 3
    for c in checks:
        assert {"check", "value", "passed"} <= set(c)
        assert c["passed"] is True
    assert checks[0]["value"] == 0.765


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_check_failing_exits_1_and_prints_the_report(run: Callable[..., Result], fmt: str) -> None:
    """Through the real process: exit 1 from the console script's ending."""
    r = run(
        "eval",
        SAMPLES / "binary.csv",
        "--check",
        "accuracy>=0.7",
        "--check",
        "binary_cross_entropy<0.4",
        "-f",
        fmt,
    )
    assert r.code == 1, r.err
    assert "Traceback" not in r.err
    if fmt == "json":
        checks = json.loads(r.out)["checks"]
        assert [c["passed"] for c in checks] == [True, False]
    else:
        assert "binary_cross_entropy" in r.out and "accuracy" in r.out


def _baseline(
    report: dict[str, Any], loss_factor: float, acc: float | None = None
) -> dict[str, Any]:
    base = json.loads(json.dumps(report))
    for entry in base["losses"].values():
        entry["mean"] *= loss_factor
    if acc is not None:
        base["metrics"]["accuracy"] = acc
    return base


@pytest.mark.parametrize(
    "which,tolerance,code",
    [
        ("same", None, 0),
        ("loss", "0.05", 1),
        ("loss", "0.2", 0),
        ("metric", "0.05", 1),
        ("metric", "0.2", 0),
    ],
)
def test_baseline_with_tolerance(
    cli: Callable[..., Result],
    tmp_path: Path,
    which: str,
    tolerance: str | None,
    code: int,
    sample_json: Callable[[str], dict[str, Any]],
) -> None:
    current = sample_json("binary.csv")
    if which == "same":
        base = current
    elif which == "loss":  # the current loss is 10% above the baseline's
        base = _baseline(current, 1 / 1.1)
    else:  # the current accuracy (0.765) is 10% below the baseline's 0.85
        base = _baseline(current, 1.0, acc=0.85)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(base))
    args = ["--tolerance", tolerance] if tolerance is not None else []
    r = cli("eval", SAMPLES / "binary.csv", "--baseline", path, *args, "-f", "json")
    assert r.code == code, f"exit {r.code}: {r.err}"
    assert "Traceback" not in r.err
    report = json.loads(r.out)  # printed either way
    assert report["losses"] == current["losses"]


# =============================================================================== list / explain


def test_list_table(cli: Callable[..., Result]) -> None:
    r = ok(cli("list"))
    for name in (
        "mse",
        "binary_cross_entropy",
        "categorical_cross_entropy",
        "accuracy",
        "rmse",
        "bce",
    ):
        assert re.search(rf"\b{name}\b", r.out), name
    assert "eps" in r.out and "1e-15" in r.out, "parameters with defaults"


@pytest.fixture(scope="module")
def listing(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [*MODULE_CMD, "list", "--format", "json"],
        capture_output=True,
        env=child_env(),
        timeout=60,
        cwd=tmp_path_factory.mktemp("list"),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def test_list_json(listing: list[dict[str, Any]]) -> None:
    assert listing
    for e in listing:
        assert {"name", "kind", "aliases", "tasks", "params"} <= set(e), e
        assert e["kind"] in ("loss", "metric")
        assert isinstance(e["aliases"], list) and isinstance(e["tasks"], list)
        assert isinstance(e["params"], (dict, list))
    bce_entry = next(e for e in listing if e["name"] == "binary_cross_entropy")
    assert bce_entry["kind"] == "loss"
    assert {"bce", "log_loss"} <= set(bce_entry["aliases"])
    assert {"binary", "multilabel"} <= set(bce_entry["tasks"])
    params = bce_entry["params"]
    names = set(params) if isinstance(params, dict) else {p["name"] for p in params}
    assert {"eps", "from_logits"} <= names


def test_list_has_every_contract_name(listing: list[dict[str, Any]]) -> None:
    losses = {e["name"]: e for e in listing if e["kind"] == "loss"}
    metrics = {e["name"] for e in listing if e["kind"] == "metric"}
    missing = []
    for task, names in CONTRACT_LOSSES.items():
        for name in sorted(names):
            if name not in losses:
                missing.append(f"loss {name}")
            elif task not in losses[name]["tasks"]:
                missing.append(f"loss {name} for {task}")
    for name, aliases in CONTRACT_ALIASES.items():
        if name in losses and not aliases <= set(losses[name]["aliases"]):
            missing.append(f"aliases {sorted(aliases)} of {name}")
    missing += [f"metric {m}" for m in sorted(CONTRACT_METRICS - metrics)]
    assert not missing, "named in the contract but not in `losscli list`: " + ", ".join(missing)


def test_explain_mse(cli: Callable[..., Result]) -> None:
    r = ok(cli("explain", "mse"))
    assert "mse" in r.out
    assert "mean_squared_error" in r.out
    assert re.search(r"formula", r.out, re.I)


def test_explain_alias(cli: Callable[..., Result]) -> None:
    r = ok(cli("explain", "bce"))
    assert "binary_cross_entropy" in r.out
    assert "eps" in r.out


def test_explain_unknown(cli: Callable[..., Result]) -> None:
    r = cli("explain", "no_such_loss")
    assert r.code == 2
    assert r.err.startswith("error:"), r.err
    assert "Traceback" not in r.err
    assert r.out == ""


def test_python_dash_m_and_console_script_agree(
    run: Callable[..., Result],
    run_script: Callable[..., Result],
) -> None:
    a = run("eval", SAMPLES / "binary.csv", "-f", "json")
    b = run_script("eval", SAMPLES / "binary.csv", "-f", "json")
    assert ok(a).out == ok(b).out
