"""The README's GitHub Actions step and GitLab CI job, run as written on sample_data/.

The YAML blocks are read out of README.md (so the documented commands are the tested
ones) and their shell commands run with bash in a scratch directory that holds
``sample_data/``.  Only the ``pip install losscli`` lines are skipped: the package
under test is already installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, child_env

yaml = pytest.importorskip("yaml")


def _blocks(marker: str) -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        if block.startswith(f"# {marker}"):
            return yaml.safe_load(block)
    raise AssertionError(f"README has no ```yaml block starting with '# {marker}'")


def _script(lines: list[str]) -> str:
    kept = [line for line in lines if not line.strip().startswith("pip install")]
    return "set -e\n" + "\n".join(kept) + "\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    (tmp_path / ".git").mkdir()  # a repository root: no config file from above applies
    return tmp_path


def _bash(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _steps() -> list[dict]:
    workflow = _blocks("GitHub Actions")
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_github_actions_steps(workdir: Path) -> None:
    summary = workdir / "summary.md"
    runs = [s for s in _steps() if "run" in s]
    assert [s["name"] for s in runs] == ["Install losscli", "Evaluate the model", "Summary"]
    for step in runs:
        proc = _bash(
            _script(step["run"].splitlines()), workdir, {"GITHUB_STEP_SUMMARY": str(summary)}
        )
        assert proc.returncode == 0, (step["name"], proc.stderr)
    report = json.loads((workdir / "report.json").read_text())
    assert report["task"] == "binary" and all(c["passed"] for c in report["checks"])
    assert [b["worse"] for b in report["baseline"]] == [False, False, False]
    root = ET.parse(workdir / "losscli-junit.xml").getroot()
    assert root.get("failures") == "0" and int(root.get("tests") or 0) == 5  # 2 checks, 3 figures
    md = summary.read_text()
    assert "| metric | accuracy | 0.765 |" in md and "| figure | baseline |" in md
    # the upload step names the files the evaluation step wrote
    upload = next(s for s in _steps() if s.get("uses", "").startswith("actions/upload-artifact"))
    for path in upload["with"]["path"].split():
        assert (workdir / path).is_file()


def test_github_actions_step_fails_the_job_on_a_failed_gate(workdir: Path) -> None:
    step = next(s for s in _steps() if s.get("name") == "Evaluate the model")
    script = _script(step["run"].splitlines()).replace("accuracy>=0.7", "accuracy>=0.9")
    proc = _bash(script, workdir)
    assert proc.returncode == 1
    assert "gate failed: accuracy>=0.9 FAILED: accuracy = 0.765, 0.135 below the bound 0.9" in (
        proc.stderr
    )
    failure = ET.parse(workdir / "losscli-junit.xml").getroot().find(".//failure")
    assert failure is not None and "0.765" in (failure.get("message") or "")
    assert "bound 0.9" in (failure.get("message") or "")


def test_gitlab_ci_job(workdir: Path) -> None:
    job = _blocks("GitLab CI")["evaluate"]
    proc = _bash(_script(job["script"]), workdir)
    assert proc.returncode == 0, proc.stderr
    for path in job["artifacts"]["paths"]:
        assert (workdir / path).is_file()
    junit = workdir / job["artifacts"]["reports"]["junit"]
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0" and root.get("tests") == "3"
    report = json.loads((workdir / "report.json").read_text())
    assert report["metrics"]["accuracy"] == 0.765


def test_readme_config_example_works(workdir: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [
        b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if "losscli.toml" in b
    ]
    (workdir / "losscli.toml").write_text(block)
    proc = _bash("losscli eval sample_data/binary.csv -f json", workdir)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["config"] == str(workdir / "losscli.toml")
    assert [c["check"] for c in report["checks"]] == ["accuracy>=0.7", "bce<=0.6"]
    assert report["losses"]["binary_cross_entropy"]["params"]["eps"] == 1e-7
    assert {b["name"] for b in report["baseline"]} == {
        "binary_cross_entropy",
        "accuracy",
        "roc_auc",
    }
