"""Remote inputs through the command line: `eval` and `batch` on s3:// and http:// URLs give
the local files' numbers; every failure is one `error:` line naming the
URL, exit 3 (input) or 2 (usage: a missing extra, a URL as an output), nothing written,
no traceback and never a credential.

The runs are in this process (conftest's ``cli``, which drops fsspec's cached filesystems
after each run: each run makes its own from the environment, as a process does); an s3://
eval, a batch over a prefix with ``--jobs 2``, the missing extras and the local run that
must not import fsspec go through the real program (a subprocess)."""

# ruff: noqa: F811 - the server fixtures are imported, then named as arguments
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Result, child_env
from tests.io.remote_servers import (  # noqa: F401
    BUCKET,
    HTTP,
    S3,
    SECRET,
    closed_port,
    http_server,
    require_cloud,
    s3_server,
)

Run = Callable[..., Result]


def _one_error(r: Result, code: int, url: str) -> str:
    """The run failed with ``code`` and one `error:` line naming ``url``; returns it."""
    assert r.code == code, (r.code, r.err)
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert url in lines[0], lines[0]
    assert "Traceback" not in r.err and SECRET not in r.err and SECRET not in r.out
    return lines[0]


def _figures(out: str) -> dict[str, object]:
    d = json.loads(out)
    return {k: d[k] for k in ("task", "n_samples", "losses", "metrics")}


def _split(tmp_path: Path, n: int = 2) -> tuple[Path, list[Path]]:
    """binary.csv as a targets file and ``n`` prediction files (each model perturbed)."""
    rows = (SAMPLES / "binary.csv").read_text().splitlines()[1:]
    y = tmp_path / "y.csv"
    y.write_text("label\n" + "".join(r.split(",")[0] + "\n" for r in rows))
    preds = []
    for i in range(n):
        p = tmp_path / "preds" / f"m{i}.csv"
        p.parent.mkdir(exist_ok=True)
        p.write_text(
            "prob\n" + "".join(f"{min(float(r.split(',')[1]) + i / 50, 0.999)!r}\n" for r in rows)
        )
        preds.append(p)
    return y, preds


def test_eval_s3_equals_local(run: Run, s3_server: S3) -> None:
    url = s3_server.put("cli/binary.csv", SAMPLES / "binary.csv")
    remote = run("eval", url, "-m", "roc_auc", "-f", "json", env=s3_server.env)
    local = run("eval", SAMPLES / "binary.csv", "-m", "roc_auc", "-f", "json")
    assert remote.code == 0 and local.code == 0, remote.err
    assert _figures(remote.out) == _figures(local.out)


def test_eval_big_streamed_file_equals_local(cli: Run, s3_server: S3, tmp_path: Path) -> None:
    """Over 1 MiB: streamed from the object in blocks, as a local file is."""
    rows = (SAMPLES / "binary.csv").read_text().splitlines()
    big = tmp_path / "big.csv"
    big.write_text(rows[0] + "\n" + "\n".join(rows[1:] * 500) + "\n")
    assert big.stat().st_size > 1 << 20
    url = s3_server.put("cli/big.csv", big)
    remote = cli("eval", url, "-f", "json", env=s3_server.env)
    local = cli("eval", big, "-f", "json")
    assert remote.code == 0, remote.err
    assert _figures(remote.out) == _figures(local.out)


def test_batch_glob_over_a_prefix_with_remote_targets(
    run: Run, s3_server: S3, tmp_path: Path
) -> None:
    y, preds = _split(tmp_path)
    p = s3_server.prefix()
    y_url = s3_server.put(f"{p}/y.csv", y)
    for f in preds:
        s3_server.put(f"{p}/preds/{f.name}", f)
    out = tmp_path / "out.json"
    r = run(
        "batch", f"s3://{BUCKET}/{p}/preds/*.csv", "--targets", y_url, "-f", "json", "-o", out,
        "--jobs", "2",
        env=s3_server.env,
    )  # fmt: skip
    local = run("batch", tmp_path / "preds" / "*.csv", "--targets", y, "-f", "json")
    assert r.code == 0, r.err
    got, want = json.loads(out.read_text()), json.loads(local.out)
    assert [f["file"] for f in got["files"]] == [
        f"s3://{BUCKET}/{p}/preds/m0.csv",
        f"s3://{BUCKET}/{p}/preds/m1.csv",
    ]
    assert [f["losses"] for f in got["files"]] == [f["losses"] for f in want["files"]]
    assert got["overall"]["losses"] == want["overall"]["losses"]


def test_eval_http_equals_local(cli: Run, http_server: HTTP, tmp_path: Path) -> None:
    y, preds = _split(tmp_path, 1)
    y_url = http_server.put(f"{tmp_path.name}/y.csv", y)
    p_url = http_server.put(f"{tmp_path.name}/p.csv", preds[0])
    remote = cli("eval", y_url, p_url, "-f", "json")
    local = cli("eval", y, preds[0], "-f", "json")
    assert remote.code == 0, remote.err
    assert _figures(remote.out) == _figures(local.out)


def _env_without_keys(s3: S3) -> dict[str, str]:
    env = dict(s3.env)
    env["AWS_ACCESS_KEY_ID"] = ""
    env["AWS_SECRET_ACCESS_KEY"] = ""
    return env


@pytest.mark.parametrize(
    "case",
    [
        "object",
        "bucket",
        "no-credentials",
        "refused-credentials",
        "unreachable",
        "http-missing",
        "http-denied",
    ],
)
def test_errors_name_the_url_and_write_nothing(
    cli: Run, s3_server: S3, http_server: HTTP, tmp_path: Path, case: str
) -> None:
    s3_server.put("cli/there.csv", SAMPLES / "binary.csv")
    http_server.put("private/a.csv", SAMPLES / "binary.csv")
    env = s3_server.env
    url = {
        "object": f"s3://{BUCKET}/cli/missing.csv",
        "bucket": "s3://no-such-bucket-losscli/a.csv",
        "no-credentials": f"s3://{BUCKET}/cli/there.csv",
        "refused-credentials": "s3://private/a.csv",
        "unreachable": f"s3://{BUCKET}/cli/there.csv",
        "http-missing": f"{http_server.base}/missing.csv",
        "http-denied": f"{http_server.base}/private/a.csv",
    }[case]
    if case == "no-credentials":
        env = _env_without_keys(s3_server)
    elif case == "refused-credentials":  # an S3 endpoint that answers 403 to every request
        env = {**env, "AWS_ENDPOINT_URL": http_server.base}
    elif case == "unreachable":
        env = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}"}
    out = tmp_path / "report.json"
    line = _one_error(cli("eval", url, "-f", "json", "-o", out, env=env), 3, url)
    assert not out.exists()
    expected = {
        "object": "no such file",
        "bucket": "no such bucket",
        "no-credentials": "no credentials",
        "refused-credentials": "access denied",
        "unreachable": "cannot reach the host",
        "http-missing": "no such file",
        "http-denied": "access denied",
    }[case]
    assert expected in line


def test_unreachable_http_host(cli: Run, tmp_path: Path) -> None:
    require_cloud()
    url = f"http://127.0.0.1:{closed_port()}/a.csv"
    line = _one_error(cli("eval", url), 3, url)
    assert "cannot reach the host" in line


def test_batch_error_names_the_remote_file(cli: Run, s3_server: S3, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/cli-empty-prefix/*.csv"
    line = _one_error(cli("batch", url, env=s3_server.env), 3, url)
    assert "no file matches this pattern" in line


@pytest.mark.parametrize("flag", ["-o", "--per-sample"])
def test_a_url_as_an_output_is_a_usage_error(
    cli: Run, s3_server: S3, tmp_path: Path, flag: str
) -> None:
    url = s3_server.put("cli/in.csv", SAMPLES / "binary.csv")
    target = f"s3://{BUCKET}/cli/out.csv"
    line = _one_error(cli("eval", url, flag, target, env=s3_server.env), 2, target)
    assert "local files only" in line
    assert "Contents" not in str(s3_server.client.list_objects_v2(Bucket=BUCKET, Prefix="cli/out"))


@pytest.mark.parametrize("module", ["fsspec", "s3fs"])
def test_missing_cloud_extra_names_the_pip_command(
    run: Run, s3_server: S3, tmp_path: Path, module: str
) -> None:
    shadow = tmp_path / "shadow" / module
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(f"raise ImportError(\"No module named '{module}'\")\n")
    path = os.pathsep.join(p for p in (str(shadow.parent), os.environ.get("PYTHONPATH")) if p)
    url = f"s3://{BUCKET}/cli/there.csv"
    out = tmp_path / "r.json"
    r = run("eval", url, "-o", out, env={**s3_server.env, "PYTHONPATH": path})
    line = _one_error(r, 2, url)
    assert f"{module} is not installed" in line and 'pip install "losscli[cloud]"' in line
    assert not out.exists()
    shutil.rmtree(shadow)


def test_a_local_run_does_not_import_fsspec() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "losscli", "eval", SAMPLES / "binary.csv"],
        capture_output=True,
        env=child_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.decode().splitlines()
    imported = {line.split("|")[-1].strip().split(".")[0] for line in lines}
    assert not imported & {"fsspec", "s3fs", "aiohttp", "botocore"}
