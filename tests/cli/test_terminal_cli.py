"""#18 the terminal, through the command line (in this process; the shell's completion
request through the real program): 80 columns (``COLUMNS``) and no line over
80, each warning once, ``--color``, the histogram, shell completion."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Result

Run = Callable[..., Result]
RNG = np.random.default_rng(80)
N = 200
WARN = "y,a,b\n0,0.5,0.4\n1,0.3,0.6\n0,0.7,0.3\n"  # rows summing to 0.9: a warning


def _classes(tmp: Path, k: int = 10) -> Path:
    y = RNG.integers(0, k, N)
    p = RNG.dirichlet(np.ones(k), N)
    p /= p.sum(axis=1, keepdims=True)
    names = [f"a_long_class_name_{i}" for i in range(k)]
    lines = ["label,region," + ",".join(names)]
    lines += [
        f"{names[a]},{'north' if i % 2 else 'a_region_with_a_long_name'},"
        + ",".join(repr(float(v)) for v in row)
        for i, (a, row) in enumerate(zip(y, p))
    ]
    path = tmp / "mc.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


Y = RNG.integers(0, 2, N)


def _binary(tmp: Path, name: str) -> Path:
    y = Y  # the same samples in every file: compare pairs them
    p = np.clip(0.4 * y + 0.6 * RNG.random(N), 0.01, 0.99)
    path = tmp / name
    path.write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    return path


def _fits(r: Result, width: int) -> None:
    assert r.code == 0, r.err
    long = [x for x in r.out.splitlines() if len(x) > width]
    assert not long, long


@pytest.mark.parametrize("width", [60, 80, 120])
def test_eval_fits_the_columns(cli: Run, tmp_path: Path, width: int) -> None:
    path = _classes(tmp_path)
    r = cli(
        "eval", path, "--ci", "--n-boot", "30", "--group-by", "region", "-m", "accuracy",
        "-m", "ece", env={"COLUMNS": str(width)},
    )  # fmt: skip
    _fits(r, width)
    assert "confusion matrix" in r.out and "groups:" in r.out and "reliability" in r.out


def test_batch_compare_thresholds_fit_80_columns(cli: Run, tmp_path: Path) -> None:
    long = _binary(tmp_path, "a_model_with_a_really_rather_long_file_name_for_a_table_v2.csv")
    other = _binary(tmp_path, "b.csv")
    env = {"COLUMNS": "80"}
    r = cli("batch", long, other, "--ci", "--n-boot", "30", "-m", "roc_auc", env=env)
    _fits(r, 80)
    assert "…" in r.out and "_v2.csv" in r.out
    _fits(cli("compare", long, other, "-m", "accuracy", "--n-boot", "30", env=env), 80)
    _fits(cli("thresholds", long, env=env), 80)


def test_each_warning_once(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(WARN)
    table = cli("eval", path)
    assert table.code == 0 and table.err.count("warning:") == 1
    assert "warning:" not in table.out  # on stderr only: what pipelines read
    quiet = cli("eval", path, "-q")
    assert quiet.err == "" and quiet.out.count("warning:") == 1  # not lost: in the table
    assert "distribution of" not in quiet.out  # --quiet: no histogram either
    saved = cli("eval", path, "-o", "report.txt")
    assert saved.out == "" and saved.err.count("warning:") == 1
    assert (tmp_path / "report.txt").read_text().count("warning:") == 1  # the file: whole
    js = cli("eval", path, "-f", "json")
    assert js.err.count("warning:") == 1 and len(json.loads(js.out)["warnings"]) == 1


def test_batch_table_marks_files_with_warnings(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text(WARN)
    (tmp_path / "ok.csv").write_text("y,a,b\n0,0.6,0.4\n1,0.3,0.7\n0,0.8,0.2\n")
    r = cli("batch", "w.csv", "ok.csv")
    assert r.code == 0, r.err
    rows = r.out.splitlines()
    assert any("w.csv !" in x for x in rows) and not any("ok.csv !" in x for x in rows)
    at = rows.index("! w.csv:")
    assert rows[at + 1].startswith("  warning: ") and "sum" in rows[at + 1]


def test_color(cli: Run, tmp_path: Path) -> None:
    path = _binary(tmp_path, "b.csv")
    always = cli("eval", path, "--color", "always")  # a pipe: coloured all the same
    assert always.code == 0 and "\x1b[" in always.out
    assert "\x1b[" in cli("eval", path, "--color", "always", env={"NO_COLOR": "1"}).out
    assert "\x1b[" not in cli("eval", path, "--color", "never").out
    assert "\x1b[" not in cli("eval", path).out  # auto: a pipe is plain
    plain = cli("eval", path, "--color", "auto", env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.out
    bad = cli("eval", path, "--color", "sometimes")
    assert bad.code == 2 and bad.out == "" and bad.err.startswith("error:")


def test_histogram_beside_the_preview(cli: Run, tmp_path: Path) -> None:
    path = _binary(tmp_path, "b.csv")
    r = cli("eval", path, env={"COLUMNS": "80"})
    lines = r.out.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("distribution of"))
    assert lines[at - 1].split()[0].isdigit()  # right after the worst rows
    assert any(b in lines[at] + lines[at + 1] for b in "▁▂▃▄▅▆▇█")
    assert "distribution of" not in cli("eval", path, "-f", "markdown").out
    assert "distribution of" not in cli("eval", path, "-f", "csv").out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script(cli: Run, shell: str) -> None:
    r = cli("completion", shell)
    assert r.code == 0 and f"_LOSSCLI_COMPLETE=complete_{shell}" in r.out and "losscli" in r.out


def test_completion_offers_registry_names(run: Run) -> None:
    def complete(words: str) -> list[str]:
        r = run(
            env={
                "_LOSSCLI_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split(" ")) - 1),
            }
        )
        assert r.code == 0, r.err
        return r.out.split()

    losses = complete("losscli eval x.csv -l ")
    assert {"mse", "bce", "binary_cross_entropy", "hinge"} <= set(losses)
    assert "accuracy" not in losses
    assert {"roc_auc", "accuracy"} <= set(complete("losscli eval x.csv -m "))
    checks = complete("losscli eval x.csv --check accu")
    assert checks == ["accuracy>=", "accuracy<="]
    assert "eval" in complete("losscli ev") and "--ci-method" in complete("losscli eval --ci-")
    assert complete("losscli eval --color a") == ["auto", "always"]
    assert "json" in complete("losscli eval -f ")


def test_completion_of_an_unknown_shell_is_a_usage_error(cli: Run) -> None:
    r = cli("completion", "tcsh")
    assert r.code == 2 and r.out == ""
    assert r.err.strip().splitlines() == ["error: unknown shell 'tcsh' (one of bash, zsh, fish)"]
