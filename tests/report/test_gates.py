"""CI gating: config files, --atol, gate messages, JUnit XML, --quiet and the progress bar."""

from __future__ import annotations

import io
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import losscli
from losscli import config as cfg
from losscli.cli import app
from losscli.cli.progress import Progress
from losscli.errors import UsageError
from losscli.report.checks import Check, parse_check
from losscli.report.gates import compare_baseline, gate_failures

BINARY = "label,prob\n0,0.1\n1,0.8\n1,0.4\n0,0.3\n1,0.9\n0,0.6\n"  # accuracy 4/6


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    path = tmp_path / "b.csv"
    path.write_text(BINARY)
    return path


def invoke(*args: object, cwd: Path | None = None) -> tuple[int, str, str]:
    import os

    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        res = runner.invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


# ----------------------------------------------------------------------------- config


def test_config_supplies_losses_metrics_params_checks(tmp_path: Path, binary: Path) -> None:
    (tmp_path / "losscli.toml").write_text(
        'loss = ["bce", "focal"]\nmetric = "roc_auc"\ncheck = ["roc_auc>=0.5"]\n'
        "[params]\ngamma = 1.0\neps = 1e-7\n"
    )
    code, out, _ = invoke("eval", binary, "-f", "json", cwd=tmp_path)
    assert code == 0
    rep = json.loads(out)
    assert list(rep["losses"]) == ["binary_cross_entropy", "focal"]
    assert rep["losses"]["focal"]["params"]["gamma"] == 1.0
    assert rep["losses"]["binary_cross_entropy"]["params"]["eps"] == 1e-7
    assert list(rep["metrics"]) == ["roc_auc"]
    assert rep["checks"][0]["check"] == "roc_auc>=0.5"
    assert rep["config"] == str(tmp_path / "losscli.toml")
    assert "focal(" in rep["signature"] and "gamma=1.0" in rep["signature"]
    # the same numbers as the flags spelled out
    direct = losscli.evaluate(
        str(binary), losses=["bce", "focal"], metrics=["roc_auc"], params=["gamma=1", "eps=1e-7"]
    )
    assert rep["losses"]["focal"]["mean"] == direct.losses["focal"]["mean"]


def test_flags_override_config(tmp_path: Path, binary: Path) -> None:
    (tmp_path / "losscli.toml").write_text(
        'loss = ["focal"]\ncheck = ["accuracy>=0.99"]\n[params]\ngamma = 1.0\n'
    )
    # --check replaces the file's checks; --param overrides its key
    code, out, _ = invoke(
        "eval", binary, "-f", "json", "--check", "accuracy>=0.5", "--param", "gamma=3",
        cwd=tmp_path,
    )  # fmt: skip
    assert code == 0
    rep = json.loads(out)
    assert [c["check"] for c in rep["checks"]] == ["accuracy>=0.5"]
    assert rep["losses"]["focal"]["params"]["gamma"] == 3.0
    # --loss replaces the file's list; --no-config ignores the file altogether
    # (the file's gamma is for focal: ignored when focal is not selected)
    code, out, _ = invoke("eval", binary, "-l", "hinge", "-f", "json", cwd=tmp_path)
    assert list(json.loads(out)["losses"]) == ["hinge"]
    code, _, err = invoke("eval", binary, "-l", "hinge", "--param", "gamma=2", cwd=tmp_path)
    assert code == 2 and "no selected loss or metric takes parameter 'gamma'" in err
    code, out, _ = invoke("eval", binary, "--no-config", "-f", "json", cwd=tmp_path)
    rep = json.loads(out)
    assert code == 0 and rep["checks"] == [] and "config" not in rep


def test_pyproject_table_found_from_a_subdirectory(tmp_path: Path, binary: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository root stops the search
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.losscli]\nmetric = ["roc_auc", "accuracy"]\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    code, out, _ = invoke("eval", binary, "-f", "json", cwd=sub)
    assert code == 0
    assert list(json.loads(out)["metrics"]) == ["roc_auc", "accuracy"]
    assert cfg.discover(sub) == tmp_path / "pyproject.toml"


def test_search_stops_at_repository_root(tmp_path: Path) -> None:
    (tmp_path / "losscli.toml").write_text('loss = "mse"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert cfg.discover(repo) is None
    assert cfg.discover(tmp_path) == tmp_path / "losscli.toml"


def test_pyproject_without_table_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert cfg.discover(tmp_path) is None
    with pytest.raises(UsageError, match=r"no \[tool.losscli\] table"):
        cfg.load(tmp_path / "pyproject.toml")


def test_config_baseline_is_relative_to_the_file(tmp_path: Path, binary: Path) -> None:
    code, out, _ = invoke("eval", binary, "-l", "bce", "-f", "json", "--no-config")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "base.json").write_text(out)
    conf = tmp_path / "conf" / "ci.toml"
    conf.parent.mkdir()
    conf.write_text('baseline = "../reports/base.json"\nloss = "bce"\n')
    code, out, _ = invoke("eval", binary, "--config", conf, "-f", "json")
    assert code == 0
    rows = json.loads(out)["baseline"]
    assert rows and all(not r["worse"] for r in rows)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loss = [\n", "is not valid TOML"),
        ('losss = "mse"\n', "unknown setting 'losss'"),
        ("loss = 3\n", "'loss' must be a string or a list of strings"),
        ('tolerance = "big"\n', "'tolerance' must be a number"),
        ('loss = "mse"\nlosses = ["mae"]\n', "set twice"),
        ("[params]\nx = {a = 1}\n", "unsupported value"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, binary: Path, text: str, message: str) -> None:
    conf = tmp_path / "losscli.toml"
    conf.write_text(text)
    code, out, err = invoke("eval", binary, "-o", tmp_path / "r.json", cwd=tmp_path)
    assert code == 2
    assert err.startswith("error:") and message in err and str(conf) in err
    assert not (tmp_path / "r.json").exists()


def test_missing_config_file_and_conflicting_flags(tmp_path: Path, binary: Path) -> None:
    code, _, err = invoke("eval", binary, "--config", tmp_path / "nope.toml")
    assert code == 2 and "does not exist" in err
    code, _, err = invoke("eval", binary, "--config", tmp_path / "x.toml", "--no-config")
    assert code == 2 and "exclude each other" in err


def test_config_unknown_loss_is_exit_2(tmp_path: Path, binary: Path) -> None:
    (tmp_path / "losscli.toml").write_text('loss = "nope"\n')
    code, _, err = invoke("eval", binary, cwd=tmp_path)
    assert code == 2 and "nope" in err


def test_config_applies_to_batch(tmp_path: Path, binary: Path) -> None:
    (tmp_path / "losscli.toml").write_text('loss = "bce"\ncheck = ["accuracy>=0.9"]\n')
    code, out, err = invoke("batch", binary, binary.with_name("b.csv"), "-f", "json", cwd=tmp_path)
    assert code == 1
    rep = json.loads(out)
    assert rep["overall"]["checks"][0]["passed"] is False
    assert "gate failed: overall: accuracy>=0.9 FAILED" in err


# ----------------------------------------------------------------------------- gates


def test_check_message_names_value_bound_and_margin() -> None:
    c = parse_check("accuracy>=0.9")
    c.value, c.passed = 0.85, False
    assert c.message == "accuracy>=0.9 FAILED: accuracy = 0.85, 0.05 below the bound 0.9"
    assert c.margin == pytest.approx(-0.05)
    c = Check("mse<1", "mse", "<", 1.0, 0.25, True)
    assert c.message == "mse<1 passed: mse = 0.25, 0.75 below the bound 1"
    c = Check("r2==1", "r2", "==", 1.0, math.nan, False)
    assert "undefined (NaN)" in c.message
    d = Check("acc==0.5", "accuracy", "==", 0.5, 0.5, True).to_dict()
    assert d["margin"] == 0.0 and d["bound"] == 0.5 and "equals the bound" in d["message"]


def _report(values: dict[str, float]) -> losscli.Report:
    y = np.array([0.0, 1.0, 2.0, 3.0])
    rep = losscli.evaluate(y, y + 0.5, losses=["mse"], metrics=["r2"])
    rep.losses["mse"]["mean"] = values["mse"]
    rep.metrics["r2"] = values["r2"]
    return rep


@pytest.mark.parametrize(
    ("now", "rtol", "atol", "worse"),
    [
        ({"mse": 1.0, "r2": 0.9}, 0.0, 0.0, set()),
        ({"mse": 1.05, "r2": 0.9}, 0.0, 0.0, {"mse"}),
        ({"mse": 1.04, "r2": 0.9}, 0.05, 0.0, set()),  # within the relative tolerance
        ({"mse": 1.04, "r2": 0.9}, 0.0, 0.05, set()),  # within the absolute tolerance
        ({"mse": 1.05, "r2": 0.9}, 0.02, 0.02, {"mse"}),  # allowed 0.02 + 0.02 * 1.0 < 0.05
        ({"mse": 1.1, "r2": 0.9}, 0.02, 0.02, {"mse"}),
        ({"mse": 0.5, "r2": 0.8}, 0.0, 0.05, {"r2"}),  # higher is better for r2
        ({"mse": 0.5, "r2": 0.86}, 0.0, 0.05, set()),
    ],
)
def test_baseline_tolerances(
    now: dict[str, float], rtol: float, atol: float, worse: set[str]
) -> None:
    base = {"losses": {"mse": {"mean": 1.0}}, "metrics": {"r2": 0.9}}
    rows = compare_baseline(_report(now), base, rtol, atol)
    assert {r["name"] for r in rows if r["worse"]} == worse
    for r in rows:
        assert r["allowed"] == pytest.approx(atol + rtol * abs(r["baseline"]))
        assert r["name"] in r["message"] and "allowed" in r["message"]


def test_atol_through_the_cli(tmp_path: Path, binary: Path) -> None:
    code, out, _ = invoke("eval", binary, "-l", "bce", "-f", "json", "--no-config")
    base = json.loads(out)
    base["losses"]["binary_cross_entropy"]["mean"] -= 0.01  # the baseline was better
    (tmp_path / "base.json").write_text(json.dumps(base))
    args = ("eval", binary, "-l", "bce", "--no-config", "--baseline", tmp_path / "base.json")
    code, _, err = invoke(*args)
    assert code == 1
    assert "gate failed: baseline: binary_cross_entropy got worse" in err
    assert "allowed 0)" in err
    assert invoke(*args, "--atol", "0.011")[0] == 0
    assert invoke(*args, "--tolerance", "0.5")[0] == 0
    code, _, err = invoke(*args, "--atol", "-1")
    assert code == 2 and "--atol must be a finite number >= 0" in err


def test_gate_failures_lists_every_failed_gate() -> None:
    rep = losscli.evaluate(
        [0, 1, 1, 0], [0.2, 0.4, 0.9, 0.7], checks=["accuracy>=0.9", "bce<=10", "accuracy<0.2"]
    )
    lines = gate_failures(rep)
    assert len(lines) == 2
    assert lines[0].startswith("accuracy>=0.9 FAILED: accuracy = 0.5, 0.4 below the bound 0.9")


# ----------------------------------------------------------------------------- JUnit


def test_junit_one_testcase_per_check(tmp_path: Path, binary: Path) -> None:
    junit = tmp_path / "j.xml"
    code, _, _ = invoke(
        "eval", binary, "--no-config", "--check", "accuracy>=0.9", "--check", "bce<=1",
        "--junit", junit,
    )  # fmt: skip
    assert code == 1
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["check accuracy>=0.9", "check bce<=1"]
    failure = cases[0].find("failure")
    assert failure is not None
    msg = failure.get("message") or ""
    assert "accuracy = 0.6666666667" in msg and "bound 0.9" in msg
    assert cases[1].find("failure") is None


def test_junit_for_batch_has_a_suite_per_file_and_overall(tmp_path: Path) -> None:
    for i, preds in enumerate(("0.1,0.9,0.8", "0.6,0.2,0.3")):
        rows = "\n".join(f"{y},{p}" for y, p in zip((0, 1, 1), preds.split(",")))
        (tmp_path / f"m{i}.csv").write_text("y,p\n" + rows + "\n")
    (tmp_path / "bad.csv").write_text("y,p\n0,0.5\n1,oops\n")
    junit = tmp_path / "j.xml"
    code, out, err = invoke(
        "batch", tmp_path / "*.csv", "--no-config", "--check", "accuracy>=0.9", "--skip-errors",
        "--junit", junit, "-f", "json",
    )  # fmt: skip
    assert code == 3  # a skipped file wins over a failed gate
    root = ET.parse(junit).getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {
        f"losscli {tmp_path / 'm0.csv'}",
        f"losscli {tmp_path / 'm1.csv'}",
        "losscli overall",
        "losscli skipped",
    }
    assert suites[f"losscli {tmp_path / 'm0.csv'}"].get("failures") == "0"
    assert suites[f"losscli {tmp_path / 'm1.csv'}"].get("failures") == "1"
    assert suites["losscli overall"].get("failures") == "1"
    err_case = suites["losscli skipped"].find("testcase/error")
    assert err_case is not None and "bad.csv" in (err_case.get("message") or "")
    assert root.get("errors") == "1"


def test_junit_without_gates_has_one_passing_case(tmp_path: Path, binary: Path) -> None:
    junit = tmp_path / "j.xml"
    assert invoke("eval", binary, "--no-config", "--junit", junit)[0] == 0
    root = ET.parse(junit).getroot()
    assert root.get("tests") == "1" and root.get("failures") == "0"


def test_no_junit_or_report_on_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("y,p\n0,0.5\n1,nan\n")
    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    junit.write_text("old junit")
    code, _, err = invoke(
        "eval", bad, "--no-config", "--check", "accuracy>=0.5", "--junit", junit, "-o", report
    )
    assert code == 3 and err.startswith("error:")
    assert junit.read_text() == "old junit" and not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "j.xml"]


# ----------------------------------------------------------------------------- quiet, progress


def test_quiet_silences_warnings(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("y,a,b\n0,0.5,0.4\n1,0.3,0.6\n")  # rows sum to 0.9: a warning
    code, _, err = invoke("eval", path, "--no-config", "-f", "json")
    assert code == 0 and "warning:" in err
    code, out, err = invoke("eval", path, "--no-config", "-f", "json", "-q")
    assert code == 0 and err == ""
    assert json.loads(out)["warnings"]  # still in the report


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_after_a_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    import losscli.cli.progress as P

    monkeypatch.setattr(P, "DELAY", 0.0)
    tty = _Tty()
    with Progress("rows", stream=tty) as bar:
        bar.rows(500)
        bar.rows(500)
        assert bar.done == 1000 and bar._bar is not None
    assert bar._bar is None  # removed at the end
    pipe = io.StringIO()
    with Progress("rows", stream=pipe) as bar:
        bar.rows(10)
        assert bar._bar is None
    assert pipe.getvalue() == ""
    quiet = _Tty()
    with Progress("files", stream=quiet, enabled=False) as bar:
        bar.files(1, 3)
        assert bar._bar is None and bar.total == 3
    assert quiet.getvalue() == ""


def test_progress_waits_for_long_runs() -> None:
    tty = _Tty()
    with Progress("rows", stream=tty) as bar:
        bar.rows(10)  # well inside the delay: no bar for a quick one-liner
        assert bar._bar is None
    assert tty.getvalue() == ""


def test_outputs_are_all_or_nothing(tmp_path: Path, binary: Path) -> None:
    """The report, JUnit and per-sample files appear together or not at all."""
    missing_dir = tmp_path / "no" / "such"
    report, junit, ps = tmp_path / "r.json", tmp_path / "j.xml", tmp_path / "ps.csv"
    for bad in ("--junit", "-o"):
        args = ["eval", binary, "--no-config", "--per-sample", ps, "-o", report, "--junit", junit]
        args[args.index(bad) + 1] = missing_dir / "x"
        code, _, err = invoke(*args)
        assert code == 3 and "cannot write" in err
        assert not report.exists() and not junit.exists() and not ps.exists()
    code, _, _ = invoke("eval", binary, "--no-config", "--per-sample", ps, "-o", report,
                        "--junit", junit)  # fmt: skip
    assert code == 0 and report.exists() and junit.exists() and ps.exists()


# ----------------------------------------------------------------------------- as a user runs it


def test_new_options_through_the_console_script(run_script, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--config, --atol, --junit, --allow-missing, --quiet and --nan-policy through the
    installed ``losscli`` command, each with its bad-input case (exit code, message,
    nothing written)."""
    (tmp_path / ".git").mkdir()  # no config file from above the test directory
    data = tmp_path / "b.csv"
    data.write_text(BINARY)
    report, junit = tmp_path / "r.json", tmp_path / "j.xml"

    (tmp_path / "losscli.toml").write_text('loss = "bce"\ncheck = ["accuracy>=0.5"]\n')
    res = run_script("eval", data, "-f", "json", "-o", report, "--junit", junit)
    assert res.code == 0, res.err
    rep = json.loads(report.read_text())
    assert rep["checks"][0]["passed"] and rep["config"].endswith("losscli.toml")
    assert ET.parse(junit).getroot().get("tests") == "1"
    (tmp_path / "losscli.toml").write_text("loss = [\n")
    report.unlink()
    res = run_script("eval", data, "-o", report)
    assert res.code == 2 and res.err.startswith("error:") and "not valid TOML" in res.err
    assert not report.exists()
    (tmp_path / "losscli.toml").unlink()

    base = tmp_path / "base.json"
    res = run_script("eval", data, "-l", "bce", "-f", "json", "-o", base)
    worse = json.loads(base.read_text())
    worse["losses"]["binary_cross_entropy"]["mean"] -= 0.01
    base.write_text(json.dumps(worse))
    res = run_script("eval", data, "-l", "bce", "--baseline", base)
    assert res.code == 1 and "gate failed: baseline: binary_cross_entropy got worse" in res.err
    assert run_script("eval", data, "-l", "bce", "--baseline", base, "--atol", "0.02").code == 0
    res = run_script("eval", data, "--atol", "nope")
    assert res.code == 2 and "error:" in res.err

    t, p = tmp_path / "t.csv", tmp_path / "p.csv"
    t.write_text("id,y\na,1\nb,2\nc,3\n")
    p.write_text("id,p\nc,3\nb,2.5\nz,1\n")
    res = run_script("eval", t, p, "--id-col", "id", "-o", report)
    assert res.code == 3 and "--allow-missing" in res.err and not report.exists()
    res = run_script("eval", t, p, "--id-col", "id", "--allow-missing", "-f", "json")
    assert res.code == 0 and json.loads(res.out)["ids_dropped"] == {
        "targets_without_prediction": 1,
        "predictions_without_target": 1,
    }

    nan = tmp_path / "nan.csv"
    nan.write_text("y,p\n0,0.2\n1,nan\n1,0.7\n0,0.4\n")
    res = run_script("eval", nan, "-o", report)
    assert res.code == 3 and "--nan-policy omit" in res.err and not report.exists()
    res = run_script("eval", nan, "--nan-policy", "omit", "-f", "json")
    assert res.code == 0 and json.loads(res.out)["n_omitted"] == 1 and "note:" in res.err
    res = run_script("eval", nan, "--nan-policy", "omit", "-f", "json", "--quiet")
    assert res.code == 0 and res.err == ""
    res = run_script("eval", nan, "--nan-policy", "sometimes")
    assert res.code == 2 and "unknown --nan-policy" in res.err


# ----------------------------------------------------------------------------- baseline definitions

WEIGHTED = "label,prob,w\n0,0.1,1\n1,0.8,2\n1,0.4,1\n0,0.3,3\n1,0.9,1\n0,0.6,2\n"
COLS = ("--target-col", "label", "--pred-col", "prob", "--no-config")
SEL = ("-l", "bce", "-l", "focal", "-m", "f1", "-m", "accuracy", *COLS)


@pytest.fixture
def base_setup(tmp_path: Path, cli) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    data = tmp_path / "w.csv"
    data.write_text(WEIGHTED)
    base = tmp_path / "base.json"
    assert cli("eval", data, *SEL, "-f", "json", "-o", base).code == 0
    return data, base


def _rows(out: str) -> dict[str, dict[str, object]]:
    return {r["name"]: r for r in json.loads(out)["baseline"]}


def test_baseline_of_another_task_compares_nothing(cli, base_setup) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    res = cli("eval", data, "--task", "multilabel", "-l", "bce", "-m", "accuracy",
              *COLS, "--baseline", base, "-f", "json")  # fmt: skip
    assert res.code == 0, res.err
    rep = json.loads(res.out)
    assert all(r["comparable"] is False and r["worse"] is False for r in rep["baseline"])
    assert any("another task (binary; this run: multilabel)" in w for w in rep["warnings"])
    res = cli("eval", data, "--task", "multilabel", "-l", "bce", "-m", "accuracy",
              *COLS, "--baseline", base)  # fmt: skip
    assert res.code == 0 and "not comparable" in res.out


def test_baseline_loss_with_other_params_is_not_gated(cli, base_setup) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    res = cli("eval", data, *SEL, "--baseline", base, "--param", "gamma=1", "-f", "json")
    assert res.code == 0, res.err
    rows = _rows(res.out)
    assert rows["focal"]["comparable"] is False and rows["focal"]["worse"] is False
    assert "gamma=2.0 in the baseline, 1.0 now" in str(rows["focal"]["message"])
    assert rows["binary_cross_entropy"]["comparable"] is True
    # other eps: both losses take it, neither is gated; a worse metric still fails
    worse = json.loads(base.read_text())
    worse["metrics"]["accuracy"] = 1.0
    base.write_text(json.dumps(worse))
    res = cli("eval", data, *SEL, "--baseline", base, "--param", "eps=1e-7", "-f", "json")
    assert res.code == 1
    rows = _rows(res.out)
    assert rows["binary_cross_entropy"]["comparable"] is False
    assert rows["focal"]["comparable"] is False and rows["accuracy"]["worse"] is True
    assert "gate failed: baseline: accuracy got worse" in res.err


def test_baseline_metric_with_other_threshold_is_not_gated(cli, base_setup) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    worse = json.loads(base.read_text())
    worse["metrics"]["f1"] = 1.0  # would fail if compared
    base.write_text(json.dumps(worse))
    res = cli("eval", data, *SEL, "--baseline", base, "--param", "threshold=0.3", "-f", "json")
    rows = _rows(res.out)
    assert rows["f1"]["comparable"] is False and "threshold=0.5" in str(rows["f1"]["message"])
    assert rows["accuracy"]["comparable"] is False  # accuracy takes the threshold too
    assert rows["focal"]["comparable"] is True
    assert res.code == 0, res.err
    res = cli("eval", data, *SEL, "--baseline", base, "--param", "threshold=0.3", "-f", "markdown")
    assert res.code == 0 and "not comparable" in res.out
    xml = base.with_name("j.xml")
    res = cli("eval", data, *SEL, "--baseline", base, "--param", "threshold=0.3", "--junit", xml)
    assert res.code == 0, res.err
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("failures") == "0"
    skipped = [tc.get("name") for tc in suite.iter("testcase") if tc.find("skipped") is not None]
    assert skipped == ["baseline f1", "baseline accuracy"]


def test_baseline_weighted_vs_unweighted(cli, base_setup) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    worse = json.loads(base.read_text())
    worse["losses"]["binary_cross_entropy"]["mean"] = 0.0
    base.write_text(json.dumps(worse))
    res = cli("eval", data, *SEL, "--weights", "w", "--baseline", base, "-f", "json")
    assert res.code == 0, res.err
    rep = json.loads(res.out)
    assert all(r["comparable"] is False for r in rep["baseline"])
    assert any("unweighted, this run is weighted" in w for w in rep["warnings"])
    res = cli("eval", data, *SEL, "--nan-policy", "omit", "--baseline", base, "-f", "json")
    assert res.code == 0, res.err
    rep = json.loads(res.out)
    assert all(r["comparable"] is False for r in rep["baseline"])
    assert any("--nan-policy error, this run omit" in w for w in rep["warnings"])
    # the same run against itself: a version difference alone is no reason
    worse["signature"] = worse["signature"].replace("losscli:", "losscli:0.0.0-old-")
    worse["version"] = "0.0.0"
    base.write_text(json.dumps(worse))
    res = cli("eval", data, *SEL, "--baseline", base)
    assert res.code == 1 and "binary_cross_entropy got worse" in res.err


def test_hand_written_baseline_without_signature(cli, base_setup) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    base.write_text(json.dumps({"losses": {"binary_cross_entropy": {"mean": 10.0}},
                                "metrics": {"accuracy": 0.1}}))  # fmt: skip
    res = cli("eval", data, *SEL, "--baseline", base, "-f", "json")
    assert res.code == 0, res.err
    rep = json.loads(res.out)
    assert all(r["comparable"] is True for r in rep["baseline"])
    assert any("no signature" in w and "could not be checked" in w for w in rep["warnings"])


@pytest.mark.parametrize(
    "doc",
    [
        [{"metrics": {"accuracy": 0.5}}],
        {"metrics": "x"},
        {"losses": "abc"},
        {"metrics": {"accuracy": 0.5}, "files": "x"},
        {"losses": ["binary_cross_entropy"]},
        {"losses": {"binary_cross_entropy": 3}},
        {"losses": {"binary_cross_entropy": {"mean": "big"}}},
        {"losses": {"binary_cross_entropy": {"mean": 1, "params": []}}},
        {"metrics": {"accuracy": [1]}},
        {"metrics": {"accuracy": 0.5}, "signature": 3},
        {"metrics": {"accuracy": 0.5}, "task": ["binary"]},
    ],
)
def test_malformed_baseline_is_an_input_error(cli, base_setup, doc) -> None:  # type: ignore[no-untyped-def]
    data, base = base_setup
    base.write_text(json.dumps(doc))
    out = base.with_name("r.json")
    res = cli("eval", data, *SEL, "--baseline", base, "-o", out)
    assert res.code == 3, res.err
    assert res.err.startswith("error:") and str(base) in res.err
    assert "Traceback" not in res.err and not out.exists()


def test_parse_signature_is_robust() -> None:
    from losscli.report.gates import parse_signature

    p = parse_signature("losscli:1|task:binary|loss:a(x=1e+20,t=1:2)+b|metric:f1|weights:yes")
    assert p["loss"] == {"a": "x=1e+20,t=1:2", "b": ""} and p["metric"] == {"f1": ""}
    assert p["task"] == "binary" and p["weights"] == "yes" and p["nan"] == "error"
    assert parse_signature("garbage")["loss"] == {}


def test_malformed_baseline_batch_and_api(run, base_setup) -> None:  # type: ignore[no-untyped-def]
    from losscli.errors import InputError

    data, base = base_setup
    base.write_text(json.dumps({"metrics": {"accuracy": 0.5}, "losses": {"bce": [1]}}))
    out = base.with_name("r.json")
    res = run("batch", data, data, *SEL, "--baseline", base, "-o", out)
    assert res.code == 3 and res.err.startswith("error:") and str(base) in res.err
    assert not out.exists()
    with pytest.raises(InputError, match='"metrics" must be an object'):
        compare_baseline(_report({"mse": 1.0, "r2": 0.5}), {"metrics": "x"}, 0.0)
