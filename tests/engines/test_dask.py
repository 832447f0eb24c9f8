"""The Dask engine: the same figures as the local engine, on a real cluster.

A module-scoped fixture starts a real ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1 (bounded waits, always torn down); every test compares
``--engine dask`` with ``--engine local`` on the same shards, to 1e-12 relative.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from same_json import assert_same_json

distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from typer.testing import CliRunner  # noqa: E402

from losscli import api  # noqa: E402
from losscli.cli import app  # noqa: E402
from losscli.engines import batch  # noqa: E402
from losscli.engines import dask as engine_dask  # noqa: E402
from losscli.engines.dask import cluster as engine_cluster  # noqa: E402
from losscli.errors import InputError, UsageError  # noqa: E402
from losscli.options import EvalOptions  # noqa: E402
from losscli.report import model  # noqa: E402

REL = 1e-12
START_TIMEOUT = 60.0  # seconds for the scheduler and the workers to come up

# dataset name -> (shard format, losses, metrics); every one has a weights column ``w``
DATASETS: dict[str, tuple[str, list[str], list[str]]] = {
    "regression": (
        "parquet",
        ["mse", "mae", "huber", "log_cosh"],
        ["rmse", "mae", "r2", "explained_variance", "max_error", "median_absolute_error"],
    ),
    "binary": (
        "csv",
        ["binary_cross_entropy", "focal", "zero_one"],
        ["accuracy", "precision", "recall", "f1", "mcc", "brier", "roc_auc"],
    ),
    "multiclass": (
        "parquet",
        ["categorical_cross_entropy", "zero_one", "categorical_focal"],
        ["accuracy", "f1", "balanced_accuracy", "mcc", "brier", "roc_auc", "top_k_accuracy"],
    ),
}
SIZES = (400, 517, 333)  # unequal shards: a mean of means would differ from the pooled mean


# ----------------------------------------------------------------------------- cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process we started, then kill it if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def dask_cluster(n_workers: int, log_dir: Path) -> Iterator[tuple[str, list[Any]]]:
    """A ``dask scheduler`` and ``n_workers`` single-threaded ``dask worker`` processes
    (no nanny: a killed worker stays dead) on 127.0.0.1; yields (address, workers)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask_cmd = [sys.executable, "-m", "dask"]
    procs: list[subprocess.Popen[bytes]] = []

    def spawn(args: list[str], name: str) -> subprocess.Popen[bytes]:
        log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [*dask_cmd, *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        procs.append(proc)
        return proc

    try:
        spawn(
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
             "--idle-timeout", "600"],
            "scheduler",
        )  # fmt: skip
        workers = [
            spawn(
                [
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--no-nanny",
                    "--host",
                    "127.0.0.1",
                    "--death-timeout",
                    "60",
                ],
                f"worker-{i}",
            )  # fmt: skip
            for i in range(n_workers)
        ]
        with distributed.Client(address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(n_workers, timeout=START_TIMEOUT)
        yield address, workers
    finally:
        for proc in reversed(procs):
            _stop(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_cluster(2, tmp_path_factory.mktemp("dask-logs")) as (address, _):
        yield address


# ----------------------------------------------------------------------------- data


def _frame(kind: str, rng: np.random.Generator, n: int) -> pd.DataFrame:
    w = rng.uniform(0.1, 2.0, n)
    if kind == "regression":
        y = rng.normal(size=n)
        return pd.DataFrame({"target": y, "pred": y + 0.5 * rng.normal(size=n), "w": w})
    if kind == "binary":
        y = rng.integers(0, 2, n).astype(float)
        p = np.clip(0.4 * y + 0.6 * rng.random(n), 1e-6, 1 - 1e-6)
        return pd.DataFrame({"target": y, "pred": p, "w": w})
    y = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), y] += 1.0
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {"target": y.astype(float), "p0": p[:, 0], "p1": p[:, 1], "p2": p[:, 2], "w": w}
    )


def _write(df: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False, float_format="%.17g")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One directory of shards per dataset (seeded)."""
    root = tmp_path_factory.mktemp("shards")
    rng = np.random.default_rng(20260808)
    out = {}
    for kind, (ext, _, _) in DATASETS.items():
        d = root / kind
        d.mkdir()
        for i, n in enumerate(SIZES):
            _write(_frame(kind, rng, n), d / f"part-{i:02d}.{ext}")
        out[kind] = d
    return out


def _options(kind: str, **more: Any) -> dict[str, Any]:
    _, losses, metrics = DATASETS[kind]
    return {"losses": losses, "metrics": metrics, "weights": "w", "keep_per_sample": False, **more}


# ----------------------------------------------------------------------------- comparison


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL, abs_tol=0)
    return bool(a == b)


def assert_same_report(got: model.Report, want: model.Report) -> None:
    """Every figure equal to 1e-12 relative; everything else identical."""
    assert (got.task, got.n_samples, got.n_omitted) == (want.task, want.n_samples, want.n_omitted)
    assert got.signature == want.signature
    assert list(got.losses) == list(want.losses)
    for name, v in want.losses.items():
        assert _close(got.losses[name]["mean"], v["mean"]), name
        assert _close(got.losses[name]["sum"], v["sum"]), name
        assert got.losses[name]["params"] == v["params"]
    assert list(got.metrics) == list(want.metrics)
    for name, value in want.metrics.items():
        assert _close(got.metrics[name], value), (name, got.metrics[name], value)
    assert got.warnings == want.warnings
    if want.confusion is not None:
        assert got.confusion is not None
        assert got.confusion["labels"] == want.confusion["labels"]
        np.testing.assert_allclose(got.confusion["matrix"], want.confusion["matrix"], rtol=REL)
    gp, wp = got.preview, want.preview
    assert gp is not None and wp is not None
    np.testing.assert_array_equal(gp.first_index, wp.first_index)
    np.testing.assert_array_equal(gp.worst_index, wp.worst_index)
    for name in wp.worst:
        np.testing.assert_allclose(gp.worst[name], wp.worst[name], rtol=REL)
        np.testing.assert_allclose(gp.first[name], wp.first[name], rtol=REL)


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


# ----------------------------------------------------------------------------- eval and batch


@pytest.mark.parametrize("kind", list(DATASETS))
def test_eval_equals_local(cluster: str, data: dict[str, Path], kind: str) -> None:
    """A directory of shards is one dataset; several chunks a shard (chunk_rows=128)."""
    opts = _options(kind, chunk_rows=128)
    want = api.evaluate(str(data[kind]), **opts)
    got = engine_dask.evaluate(str(data[kind]), scheduler=cluster, **opts)
    assert got.n_samples == sum(SIZES)
    assert_same_report(got, want)
    assert got.accumulator is not None and got.accumulator.n_samples == sum(SIZES)


def test_eval_glob_two_files_and_checks(
    cluster: str, tmp_path: Path, data: dict[str, Path]
) -> None:
    """Two-file mode pairs the shards in sorted order; gates apply to the merged figures."""
    frames = [pd.read_parquet(p) for p in sorted(data["regression"].glob("*.parquet"))]
    for i, df in enumerate(frames):
        (tmp_path / "t").mkdir(exist_ok=True)
        (tmp_path / "p").mkdir(exist_ok=True)
        # (a weight-like column beside the targets would need --weights: see test_column_roles)
        df[["target"]].to_csv(tmp_path / "t" / f"{i}.csv", index=False, float_format="%.17g")
        df[["pred"]].to_csv(tmp_path / "p" / f"{i}.csv", index=False, float_format="%.17g")
    opts = {"losses": ["mse"], "metrics": ["r2"], "checks": ["r2>=0.5", "mse<0.1"]}
    want = api.evaluate(str(tmp_path / "t"), str(tmp_path / "p" / "*.csv"), **opts)
    got = engine_dask.evaluate(
        str(tmp_path / "t"), str(tmp_path / "p" / "*.csv"), scheduler=cluster, **opts
    )
    assert_same_report(got, want)
    assert [(c.expr, c.passed) for c in got.checks] == [("r2>=0.5", True), ("mse<0.1", False)]
    assert [c.passed for c in want.checks] == [c.passed for c in got.checks]


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_batch_equals_local(cluster: str, data: dict[str, Path], kind: str) -> None:
    """Per file and overall (pooled by merging accumulators)."""
    opts = _options(kind)
    del opts["keep_per_sample"]
    spec = str(data[kind] / "part-*")
    want = batch.evaluate_batch([spec], **opts)
    got = engine_dask.evaluate_batch([spec], scheduler=cluster, **opts)
    assert [f.file for f in got.files] == [f.file for f in want.files]
    for g, w in zip(got.files, want.files):
        assert g.report is not None and w.report is not None
        assert_same_report(g.report, w.report)
    assert got.overall.n_samples == sum(SIZES)
    assert got.overall.metrics == pytest.approx(want.overall.metrics, rel=REL)
    assert_same_json(got.to_dict(), want.to_dict())


def test_cli_eval_and_batch_equal_local(cluster: str, data: dict[str, Path]) -> None:
    kind = "binary"
    _, losses, metrics = DATASETS[kind]
    flags = [a for m in metrics for a in ("-m", m)] + [a for x in losses for a in ("-l", x)]
    common = [*flags, "--weights", "w", "-f", "json", "--check", "accuracy>=0.5"]
    dask = ["--engine", "dask", "--scheduler", cluster]
    local_eval = _cli("eval", str(data[kind]), *common)
    dask_eval = _cli("eval", str(data[kind]), *common, *dask)
    assert local_eval.exit_code == dask_eval.exit_code == 0, dask_eval.output
    assert_same_json(json.loads(dask_eval.stdout), json.loads(local_eval.stdout))
    local_batch = _cli("batch", str(data[kind]), *common)
    dask_batch = _cli("batch", str(data[kind]), *common, *dask)
    assert local_batch.exit_code == dask_batch.exit_code == 0, dask_batch.output
    doc = json.loads(dask_batch.stdout)
    assert len(doc["files"]) == len(SIZES) and doc["overall"]["n_samples"] == sum(SIZES)
    assert_same_json(doc, json.loads(local_batch.stdout))


def _script() -> str:
    import shutil

    path = shutil.which("losscli")
    if path is None:
        pytest.skip("the losscli console script is not on PATH")
    return path


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LOSSCLI_DEBUG"}
    return subprocess.run(
        [_script(), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        env=env,
    )


def test_console_script_with_scheduler(cluster: str, data: dict[str, Path]) -> None:
    d = str(data["regression"])
    local = _run("eval", d, "-f", "value", "-l", "huber", "--weights", "w")
    dask = _run("eval", d, "-f", "value", "-l", "huber", "--weights", "w", "--engine", "dask",
                "--scheduler", cluster)  # fmt: skip
    assert local.returncode == dask.returncode == 0, dask.stderr
    assert dask.stderr == ""
    assert math.isclose(float(dask.stdout), float(local.stdout), rel_tol=REL)


def test_local_cluster_without_scheduler(data: dict[str, Path]) -> None:
    """No --scheduler: a LocalCluster sized to the machine is started and shut down."""
    d = str(data["multiclass"])
    args = ["eval", d, "-f", "json", "-m", "roc_auc", "-m", "accuracy", "--weights", "w"]
    local = _run(*args)
    dask = _run(*args, "--engine", "dask")
    assert local.returncode == dask.returncode == 0, dask.stderr
    assert_same_json(json.loads(dask.stdout), json.loads(local.stdout))


# ----------------------------------------------------------------------------- per-sample


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_per_sample_equals_local(cluster: str, tmp_path: Path, ext: str) -> None:
    """One ordered file, the same as the local engine's, ids (--id-col) kept."""
    rng = np.random.default_rng(3)
    shards = tmp_path / "shards"
    shards.mkdir()
    for i, n in enumerate(SIZES):
        df = _frame("regression", rng, n)
        df.insert(0, "key", [f"s{i}-r{j}" for j in range(n)])
        _write(df, shards / f"part-{i}.csv")
    for id_args in ([], ["--id-col", "key"]):
        args = ["eval", str(shards), "-l", "mse", "-l", "mae", "--weights", "w", *id_args]
        if not id_args:
            args += ["--pred-col", "pred"]
        local_out, dask_out = tmp_path / f"local.{ext}", tmp_path / f"dask.{ext}"
        assert _cli(*args, "--per-sample", str(local_out)).exit_code == 0
        r = _cli(*args, "--per-sample", str(dask_out), "--engine", "dask", "--scheduler", cluster)
        assert r.exit_code == 0, r.output
        read = pd.read_parquet if ext == "parquet" else pd.read_csv
        got, want = read(dask_out), read(local_out)
        assert list(got.columns) == ["index", "mse", "mae"]
        assert len(got) == sum(SIZES)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        # without --id-col the `key` column is taken for the sample ids by its name
        assert got["index"].iloc[SIZES[0]] == "s1-r0"
        if ext == "csv":
            assert dask_out.read_bytes() == local_out.read_bytes()


def test_per_sample_not_written_on_error(
    cluster: str, tmp_path: Path, data: dict[str, Path]
) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    for p in sorted(data["regression"].glob("*.parquet")):
        (shards / p.name).write_bytes(p.read_bytes())
    bad = pd.read_parquet(shards / "part-02.parquet")
    bad.loc[5, "pred"] = np.nan
    bad.to_parquet(shards / "part-02.parquet", index=False)
    out = tmp_path / "losses.csv"
    r = _cli("eval", str(shards), "--weights", "w", "--per-sample", str(out),
             "--engine", "dask", "--scheduler", cluster)  # fmt: skip
    assert r.exit_code == 3
    assert not out.exists() and not list(tmp_path.glob(".losscli-*"))


# ----------------------------------------------------------------------------- errors


def _broken_shards(tmp_path: Path, case: str) -> Path:
    d = tmp_path / case
    d.mkdir()
    rng = np.random.default_rng(11)
    for i, n in enumerate((30, 25, 40)):
        df = _frame("binary", rng, n)
        if i == 2 and case == "nan":
            df.loc[7, "pred"] = np.nan  # a row counted over the whole input: 30 + 25 + 8
        if i == 1 and case == "text":
            df["target"] = df["target"].astype(object)
            df.loc[3, "target"] = "x"
        if i == 1 and case == "columns":
            df["extra"] = 1.0
        if i == 2 and case == "domain":
            df.loc[0, "pred"] = 1.5
        _write(df, d / f"part-{i}.csv")
    return d


@pytest.mark.parametrize("case", ["nan", "text", "columns", "domain"])
def test_error_in_a_shard_is_the_local_message(cluster: str, tmp_path: Path, case: str) -> None:
    d = str(_broken_shards(tmp_path, case))
    local = _cli("eval", d, "--weights", "w")
    dask = _cli("eval", d, "--weights", "w", "--engine", "dask", "--scheduler", cluster)
    assert local.exit_code == dask.exit_code == 3
    assert dask.stderr == local.stderr
    assert dask.stderr.startswith("error: ") and "part-" in dask.stderr
    if case == "nan":
        assert "part-2.csv, row 63, column pred" in dask.stderr


def _edge_shards(tmp_path: Path, case: str) -> tuple[Path, list[str]]:
    """Shards where a shard alone would be taken differently from the whole input."""
    d = tmp_path / case
    d.mkdir()
    rng = np.random.default_rng(17)
    flags: list[str] = []
    for i in range(3):
        n = 40
        y = rng.integers(0, 2, n).astype(float)
        w = rng.uniform(0.5, 1.5, n)
        if case == "task":  # shard 1 alone looks binary; the input is regression
            y = y if i == 1 else rng.normal(size=n)
            p = y + 0.3 * rng.normal(size=n)
        elif case == "scores":  # margins; shard 2 happens to lie in [0, 1]
            p = rng.random(n) if i == 2 else 3 * rng.normal(size=n)
            flags = ["-l", "hinge", "-m", "accuracy"]
        elif case == "probabilities":  # probabilities; shard 2 has a margin above 1
            p = rng.random(n)
            p[4] = 1.5 if i == 2 else p[4]
            flags = ["-l", "hinge"]
        elif case == "probabilities-head":  # a margin above 1 after the first chunk of shard 0
            p = rng.random(n)
            p[30] = 1.5 if i == 0 else p[30]
            flags = ["-l", "hinge", "--chunk-size", "8"]
        elif case == "regression-late":  # 0/1 targets in shards 0-1; shard 2: 0.25 (regression)
            p = rng.random(n)
            y[3] = 0.25 if i == 2 else y[3]
        elif case == "multiclass-late":  # 0/1 targets in shards 0-1; a class 2 in shard 2
            p = rng.random(n)
            y[5] = 2.0 if i == 2 else y[5]
        elif case == "hard-late":  # 0/1 predictions (hard labels) in shards 0-1; 0.3 in 2
            p = y.copy()
            p[7] = 0.3 if i == 2 else p[7]
        elif case == "probabilities-asked":  # bce asks for probabilities: 1.5 is an error
            p = rng.random(n)
            p[4] = 1.5 if i == 2 else p[4]
            flags = ["-l", "binary_cross_entropy"]
        elif case == "omitted":  # shard 0 all NaN, shard 1 all zero weights
            y = rng.normal(size=n)
            p = np.full(n, np.nan) if i == 0 else y + rng.normal(size=n)
            w = np.zeros(n) if i == 1 else w
            flags = ["--nan-policy", "omit", "-m", "median_absolute_error"]
        elif case == "zero-weights":
            p, w = rng.random(n), np.zeros(n)
        else:  # "text-pred": a bad prediction cell, its row counted over the input
            p = rng.random(n).astype(object)
            if i == 2:
                p[6] = "oops"
        df = pd.DataFrame({"target": y, "pred": p, "w": w})
        df.to_csv(d / f"part-{i}.csv", index=False)
    return d, [*flags, "--weights", "w"]


@pytest.mark.parametrize(
    "case",
    [
        "task",
        "scores",
        "probabilities",
        "probabilities-head",
        "regression-late",
        "multiclass-late",
        "hard-late",
        "probabilities-asked",
        "omitted",
        "zero-weights",
        "text-pred",
    ],
)
def test_carried_settings_and_whole_input_checks(cluster: str, tmp_path: Path, case: str) -> None:
    """The task and the raw-scores decision come from the input's first chunk, checks of
    the whole input (all weights zero, every row omitted) are not made per shard, rows
    are counted over the whole input: the same output, messages and exit code as local."""
    d, flags = _edge_shards(tmp_path, case)
    local = _cli("eval", str(d), "-f", "json", *flags)
    dask = _cli("eval", str(d), "-f", "json", *flags, "--engine", "dask", "--scheduler", cluster)
    assert (dask.exit_code, dask.stderr) == (local.exit_code, local.stderr)
    if local.exit_code == 0:
        assert_same_json(json.loads(dask.stdout), json.loads(local.stdout))
    expected = {"task": 0, "scores": 0, "omitted": 0, "zero-weights": 3, "text-pred": 3}
    expected["probabilities-asked"] = 3
    assert local.exit_code == expected.get(case, 0), local.stderr
    if case == "text-pred":
        assert "part-2.csv, row 87, column pred" in dask.stderr


def test_read_again_with_per_sample_losses(cluster: str, tmp_path: Path) -> None:
    """The whole input read otherwise than its first rows: a --per-sample file is started
    again (the same file as local); on stdout the losses cannot be taken back (local's
    error, exit 3)."""
    d, flags = _edge_shards(tmp_path, "probabilities")
    outs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        extra = ["--scheduler", cluster] if engine == "dask" else []
        r = _cli("eval", str(d), *flags, "--per-sample", str(out), "--engine", engine, *extra)
        assert r.exit_code == 0, r.stderr
        outs[engine] = out.read_text()
    assert outs["dask"] == outs["local"] and outs["local"].count("\n") == 121
    local = _cli("eval", str(d), *flags, "--per-sample", "-", "-o", str(tmp_path / "a.json"))
    dask = _cli("eval", str(d), *flags, "--per-sample", "-", "-o", str(tmp_path / "b.json"),
                "--engine", "dask", "--scheduler", cluster)  # fmt: skip
    assert (dask.exit_code, dask.stderr) == (local.exit_code, local.stderr)
    assert local.exit_code == 3 and "cannot be taken back" in local.stderr
    assert not (tmp_path / "b.json").exists()


def test_warnings_about_the_whole_input_equal_local(cluster: str, tmp_path: Path) -> None:
    """Rows not summing to 1 and NaN rows in several shards and chunks: one line per kind,
    the count over every shard, the first row counted from the start of the input."""
    d = tmp_path / "sums"
    d.mkdir()
    rng = np.random.default_rng(23)
    for i in range(3):
        p = rng.dirichlet([2.0, 2.0, 2.0], 40)
        y = rng.integers(0, 3, 40).astype(float)
        if i > 0:  # shard 0 is clean: the first bad row is row 40 + 6
            p[[5, 17, 33]] = np.minimum(p[[5, 17, 33]] * 1.2, 1.0)
            y[9] = np.nan
        pd.DataFrame({"target": y, "a": p[:, 0], "b": p[:, 1], "c": p[:, 2]}).to_csv(
            d / f"part-{i}.csv", index=False
        )
    flags = ["-f", "json", "--nan-policy", "omit", "--chunk-size", "7"]
    local = _cli("eval", str(d), *flags)
    dask = _cli("eval", str(d), *flags, "--engine", "dask", "--scheduler", cluster)
    assert local.exit_code == dask.exit_code == 0, local.stderr
    assert dask.stderr == local.stderr
    got, want = json.loads(dask.stdout), json.loads(local.stdout)
    assert got["warnings"] == want["warnings"]
    assert_same_json(got, want)
    sums = [w for w in want["warnings"] if "do not sum to 1" in w]
    assert len(sums) == 1 and ": 6 probability row(s)" in sums[0], sums
    assert sums[0].startswith(f"{d / 'part-1.csv'}: ") and "(first: row 46," in sums[0]
    assert "2 sample(s) with NaN/inf values omitted (--nan-policy omit)" in want["notes"]
    assert got["notes"] == want["notes"]


def test_from_logits_on_probabilities_judged_over_every_part(cluster: str, tmp_path: Path) -> None:
    """``--from-logits`` on shards of probabilities: the warning, as the local engine says
    it; one logit in the last shard (the first parts look like probabilities): none."""
    d = tmp_path / "probs"
    d.mkdir()
    rng = np.random.default_rng(5)
    frames = [_frame("binary", rng, n) for n in SIZES]
    for i, df in enumerate(frames):
        _write(df, d / f"part-{i}.csv")
    flags = ["-f", "json", "--from-logits", "--weights", "w", "--chunk-size", "50"]
    dask_flags = ["--engine", "dask", "--scheduler", cluster]
    local = _cli("eval", str(d), *flags)
    dask = _cli("eval", str(d), *flags, *dask_flags)
    assert local.exit_code == dask.exit_code == 0, local.stderr
    got, want = json.loads(dask.stdout), json.loads(local.stdout)
    assert got["warnings"] == want["warnings"]
    assert [w for w in got["warnings"] if w.startswith("--from-logits: every prediction")]
    strict = _cli("eval", str(d), *flags[2:], "--strict", *dask_flags)
    assert strict.exit_code == 3 and "--from-logits" in strict.stderr
    frames[-1].loc[300, "pred"] = 4.0  # a logit outside [0, 1], in the last part
    _write(frames[-1], d / f"part-{len(frames) - 1}.csv")
    dask = _cli("eval", str(d), *flags, *dask_flags)
    assert dask.exit_code == 0, dask.stderr
    assert not [w for w in json.loads(dask.stdout)["warnings"] if "--from-logits" in w]


def test_error_in_batch_and_skip_errors(cluster: str, tmp_path: Path) -> None:
    d = str(_broken_shards(tmp_path, "nan"))
    local = _cli("batch", d, "--weights", "w")
    dask = _cli("batch", d, "--weights", "w", "--engine", "dask", "--scheduler", cluster)
    assert local.exit_code == dask.exit_code == 3
    assert dask.stderr == local.stderr and "part-2.csv" in dask.stderr
    local = _cli("batch", d, "--weights", "w", "--skip-errors", "-f", "json")
    dask = _cli("batch", d, "--weights", "w", "--skip-errors", "-f", "json", "--engine", "dask",
                "--scheduler", cluster)  # fmt: skip
    assert local.exit_code == dask.exit_code == 3
    assert_same_json(json.loads(dask.stdout), json.loads(local.stdout))


def test_errors_round_trip_with_their_fields(cluster: str, tmp_path: Path) -> None:
    """A losscli error made on a worker comes back with file, row, column and hint."""
    exc = InputError("bad value", file="a.csv", row=3, column="pred", hint="fix it")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.file, back.row, back.column, back.hint, str(back)) == (
        "a.csv", 3, "pred", "fix it", str(exc),
    )  # fmt: skip
    d = _broken_shards(tmp_path, "nan")
    part = engine_dask.Part(str(d / "part-2.csv"), str(d / "part-2.csv"))
    spec = engine_dask.make_spec(EvalOptions(weights="w"))
    with distributed.Client(cluster, timeout=START_TIMEOUT) as client:
        res = client.submit(engine_dask.score_part, part, spec, None, False).result()
    assert isinstance(res.error, InputError) and res.error_counted
    assert (res.error.file, res.error.row, res.error.column) == (part.label, 8, "pred")
    assert "--nan-policy omit" in str(res.error)


def test_unsupported_combinations_are_usage_errors(cluster: str, data: dict[str, Path]) -> None:
    d = str(data["binary"])
    with pytest.raises(UsageError, match="standard input"):
        engine_dask.evaluate("-", scheduler=cluster)
    with pytest.raises(UsageError, match="--id-col"):
        engine_dask.evaluate(d, d, id_col="key", scheduler=cluster)
    with pytest.raises(UsageError, match="pairs the shards one to one"):
        engine_dask.evaluate(d, str(data["binary"] / "part-00.csv"), scheduler=cluster)
    r = _cli("eval", "-", "--engine", "dask", "--scheduler", cluster)
    assert r.exit_code == 2 and r.stderr.startswith("error: the Dask engine does not read")


def test_unreachable_scheduler_is_a_clear_error(
    data: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_cluster, "CONNECT_TIMEOUT", 2.0)
    port = _free_port()  # nothing listens there
    r = _cli("eval", str(data["binary"]), "--engine", "dask", "--scheduler",
             f"tcp://127.0.0.1:{port}")  # fmt: skip
    assert r.exit_code == 3
    assert r.stderr.startswith(
        f"error: cannot connect to the Dask scheduler at tcp://127.0.0.1:{port}"
    )


# ----------------------------------------------------------------------------- URLs


def test_file_url_through_dask_readers(cluster: str, data: dict[str, Path]) -> None:
    """fsspec URLs are read by Dask's own readers, partition by partition."""
    for kind in ("binary", "regression"):
        opts = _options(kind)
        want = api.evaluate(str(data[kind]), **opts)
        got = engine_dask.evaluate(f"file://{data[kind]}", scheduler=cluster, **opts)
        assert got.n_samples == want.n_samples
        for name, v in want.losses.items():
            assert _close(got.losses[name]["mean"], v["mean"]), name
        for name, value in want.metrics.items():
            assert _close(got.metrics[name], value), name
    url = f"file://{data['binary']}/part-*.csv"
    b = engine_dask.evaluate_batch([url], scheduler=cluster, weights="w", metrics=["roc_auc"])
    want_b = batch.evaluate_batch([str(data["binary"])], weights="w", metrics=["roc_auc"])
    assert [f.file.rsplit("/", 1)[1] for f in b.files] == [
        f.file.rsplit("/", 1)[1] for f in want_b.files
    ]
    assert _close(b.overall.metrics["roc_auc"], want_b.overall.metrics["roc_auc"])


def test_memory_url_and_dask_dataframe(data: dict[str, Path], tmp_path: Path) -> None:
    """``memory://`` lives in this process: an in-process cluster (threads) reads it."""
    import dask.dataframe as dd
    import fsspec

    fs = fsspec.filesystem("memory")
    frames = [pd.read_parquet(p) for p in sorted(data["multiclass"].glob("*.parquet"))]
    for i, df in enumerate(frames):
        with fs.open(f"/losscli-test/part-{i}.parquet", "wb") as fh:
            df.to_parquet(fh, index=False)
    opts = _options("multiclass")
    want = api.evaluate(str(data["multiclass"]), **opts)
    with distributed.LocalCluster(
        n_workers=1,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    ) as lc:
        got = engine_dask.evaluate(
            "memory://losscli-test", scheduler=lc.scheduler_address,
            per_sample=str(tmp_path / "ps.parquet"), **opts,
        )  # fmt: skip
        ddf = dd.from_pandas(pd.concat(frames, ignore_index=True), npartitions=5)
        got_frame = engine_dask.evaluate(ddf, scheduler=lc.scheduler_address, **opts)
    fs.rm("/losscli-test", recursive=True)
    for report in (got, got_frame):
        assert report.n_samples == want.n_samples
        for name, v in want.losses.items():
            assert _close(report.losses[name]["mean"], v["mean"]), name
        for name, value in want.metrics.items():
            assert _close(report.metrics[name], value), name
    ps = pd.read_parquet(tmp_path / "ps.parquet")
    assert ps["index"].tolist() == list(range(sum(SIZES)))


# ----------------------------------------------------------------------------- lost worker


def _parts_done(client: Any) -> int:
    def count(dask_scheduler: Any) -> int:
        return sum(
            1
            for key, ts in dask_scheduler.tasks.items()
            if str(key).startswith("losscli-part") and ts.state == "memory"
        )

    return int(client.run_on_scheduler(count))


def test_worker_killed_mid_run_gives_the_exact_result(tmp_path: Path) -> None:
    """One of two workers is killed (SIGKILL) once the first shard is scored: Dask
    reruns its tasks on the other; the result is exact, or a clear error (never partial)."""
    shards = tmp_path / "shards"
    shards.mkdir()
    rng = np.random.default_rng(5)
    n_shards, rows = 24, 20_000
    for i in range(n_shards):
        _frame("binary", rng, rows).to_parquet(shards / f"part-{i:02d}.parquet", index=False)
    opts = {"metrics": ["roc_auc", "accuracy"], "weights": "w", "chunk_rows": 500}
    want = api.evaluate(str(shards), keep_per_sample=False, **opts)
    outcome: dict[str, Any] = {}

    with dask_cluster(2, tmp_path) as (address, workers):

        def run() -> None:
            try:
                outcome["report"] = engine_dask.evaluate(str(shards), scheduler=address, **opts)
            except BaseException as exc:  # handed to the test thread
                outcome["error"] = exc

        thread = threading.Thread(target=run, daemon=True)
        with distributed.Client(address, timeout=START_TIMEOUT) as watcher:
            thread.start()
            deadline = time.monotonic() + 60
            while _parts_done(watcher) < 1:
                assert thread.is_alive(), "the run ended before a worker could be killed"
                assert time.monotonic() < deadline, "no shard was scored in 60 s"
                time.sleep(0.01)
            assert thread.is_alive(), "the run ended before a worker could be killed"
            os.kill(workers[1].pid, signal.SIGKILL)
            workers[1].wait(timeout=10)
            thread.join(timeout=120)
        assert not thread.is_alive(), "the run did not finish after the worker was killed"

    if "error" in outcome:  # acceptable only as a clear, typed error
        assert isinstance(outcome["error"], engine_dask.DaskEngineError), outcome["error"]
        assert str(outcome["error"])
        return
    got = outcome["report"]
    assert got.n_samples == n_shards * rows
    assert_same_report(got, want)


def test_pos_label_equals_local_and_hard_labels_are_refused(cluster: str, tmp_path: Path) -> None:
    """--pos-label goes to every part (the same figures as local); hard-label predictions
    are refused with a usage error naming the local engine (each part would take its own
    classes from its first chunk)."""
    rng = np.random.default_rng(9)
    d = tmp_path / "shards"
    d.mkdir()
    for i in range(3):
        y = np.where(rng.uniform(size=50) < 0.5, "yes", "no")
        p = np.round(rng.uniform(0.01, 0.99, 50), 6)
        rows = "".join(f"{a},{b!r}\n" for a, b in zip(y, p.tolist()))
        (d / f"part-{i}.csv").write_text("y,p\n" + rows)
    flags = ["-f", "json", "--pos-label", "yes", "-m", "f1"]
    local = _cli("eval", str(d), *flags)
    dask = _cli("eval", str(d), *flags, "--engine", "dask", "--scheduler", cluster)
    assert local.exit_code == 0, local.stderr
    assert (dask.exit_code, dask.stderr) == (local.exit_code, local.stderr)
    assert_same_json(json.loads(dask.stdout), json.loads(local.stdout))
    h = tmp_path / "hard"
    h.mkdir()
    (h / "part-0.csv").write_text("y,pred\n0,1\n1,1\n0,0\n")
    r = _cli("eval", str(h), "--engine", "dask", "--scheduler", cluster)
    assert r.exit_code == 2
    assert "hard-label" in r.stderr and "--engine local" in r.stderr
