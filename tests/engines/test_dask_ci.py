"""--ci and --group-by on the Dask engine: the intervals and the groups of --engine local.

The shards' sizes cross the bootstrap's blocks of 4096 rows (a block is shared by two
parts), so every part must learn the row where it begins (a first pass counts them).
One LocalCluster of two worker processes for the module (the replicates and the groups
travel pickled); small inputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from same_json import assert_same_json

distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from losscli import api  # noqa: E402
from losscli.engines import dask as engine_dask  # noqa: E402
from losscli.errors import UsageError  # noqa: E402

REL = 1e-12
SIZES = (4500, 3000, 2000)  # parts that begin inside a block of 4096 rows
N_BOOT = 40


@pytest.fixture(scope="module")
def cluster(dask_scheduler: str) -> str:
    """The session's cluster (tests/conftest.py)."""
    return dask_scheduler


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ci-shards")
    rng = np.random.default_rng(16)
    out = {}
    for kind in ("binary", "regression"):
        d = root / kind
        d.mkdir()
        for i, n in enumerate(SIZES):
            w = rng.uniform(0.2, 2.0, n)
            g = rng.choice(["a", "b", "c", "007"], n)
            if kind == "binary":
                y = rng.integers(0, 2, n).astype(float)
                p = np.clip(0.35 * y + 0.65 * rng.random(n), 1e-6, 1 - 1e-6)
            else:
                y = rng.normal(size=n)
                p = y + 0.5 * rng.normal(size=n)
            df = pd.DataFrame({"target": y, "pred": p, "w": w, "g": g})
            if kind == "binary":
                df.to_csv(d / f"part-{i}.csv", index=False, float_format="%.17g")
            else:
                df.to_parquet(d / f"part-{i}.parquet", index=False)
        out[kind] = d
    return out


FIGURES = {
    # losses (sums by matrix products), a confusion metric (Linear), a sample-keeping
    # metric (resampled at the end) and streamed ones (one accumulator per replicate)
    "binary": (["binary_cross_entropy", "zero_one"], ["accuracy", "f1", "mcc", "roc_auc"]),
    "regression": (["mse", "mae"], ["rmse", "r2", "max_error", "median_absolute_error"]),
}


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL, abs_tol=1e-15)


def _same_intervals(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert set(got) == set(want)
    for name, iv in want.items():
        g = got[name]
        assert g.method == iv.method, name
        assert _close(g.low, iv.low) and _close(g.high, iv.high), (name, g, iv)


def _opts(kind: str, **more: Any) -> dict[str, Any]:
    losses, metrics = FIGURES[kind]
    return {
        "losses": losses,
        "metrics": metrics,
        "target_col": "target",
        "pred_col": "pred",
        "keep_per_sample": False,
        "ci": True,
        **more,
    }


@pytest.mark.parametrize(
    ("kind", "method", "weights"),
    [
        ("binary", "bootstrap", None),
        ("binary", "auto", "w"),
        ("regression", "bootstrap", "w"),
        ("regression", "auto", None),
    ],
)
def test_intervals_equal_local(
    cluster: str, shards: dict[str, Path], kind: str, method: str, weights: str | None
) -> None:
    opts = _opts(kind, ci_method=method, n_boot=N_BOOT, seed=7, weights=weights)
    want = api.evaluate(str(shards[kind]), **opts)
    got = engine_dask.evaluate(str(shards[kind]), scheduler=cluster, **opts)
    assert want.intervals and got.signature == want.signature
    _same_intervals(got.intervals, want.intervals)


def test_chunked_parts_and_frames(cluster: str, shards: dict[str, Path]) -> None:
    """Chunks inside the parts, and a Dask DataFrame's partitions: the same intervals."""
    dd = pytest.importorskip("dask.dataframe")
    opts = _opts("binary", ci_method="bootstrap", n_boot=N_BOOT)
    want = api.evaluate(str(shards["binary"]), **opts)
    got = engine_dask.evaluate(str(shards["binary"]), scheduler=cluster, chunk_rows=1000, **opts)
    _same_intervals(got.intervals, want.intervals)
    frame = pd.concat([pd.read_csv(p) for p in sorted(shards["binary"].glob("*.csv"))])
    ddf = dd.from_pandas(frame.drop(columns=["g"]).reset_index(drop=True), npartitions=4)
    got = engine_dask.evaluate(ddf, scheduler=cluster, **opts)
    _same_intervals(got.intervals, want.intervals)


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_groups_equal_local(cluster: str, shards: dict[str, Path], kind: str) -> None:
    weights = "w" if kind == "regression" else None
    opts = _opts(kind, group_by="g", weights=weights, n_boot=N_BOOT)
    want = api.evaluate(str(shards[kind]), **opts)
    got = engine_dask.evaluate(str(shards[kind]), scheduler=cluster, **opts)
    assert want.groups is not None and got.groups is not None
    assert [g["group"] for g in got.groups] == [g["group"] for g in want.groups]
    assert "007" in [g["group"] for g in got.groups]  # group names read as written
    for g, w in zip(got.groups, want.groups):
        assert g["n_samples"] == w["n_samples"]
        for name, v in w["losses"].items():
            assert _close(g["losses"][name]["mean"], v["mean"]), name
        for name, v in w["metrics"].items():
            assert _close(g["metrics"][name], v), name
        _same_intervals(g["intervals"], w["intervals"])
    _same_intervals(got.intervals, want.intervals)
    assert got.warnings == want.warnings


def test_groups_without_ci(cluster: str, shards: dict[str, Path]) -> None:
    opts = _opts("binary", group_by="g", ci=False)
    want = api.evaluate(str(shards["binary"]), **opts)
    got = engine_dask.evaluate(str(shards["binary"]), scheduler=cluster, **opts)
    assert got.intervals == want.intervals
    assert got.groups is not None and want.groups is not None
    assert [g["group"] for g in got.groups] == [g["group"] for g in want.groups]
    for mine, theirs in zip(got.groups, want.groups):
        assert mine["metrics"] == pytest.approx(theirs["metrics"], rel=REL)


def test_group_file_with_shards_is_a_usage_error(shards: dict[str, Path], tmp_path: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_text("g\n" + "a\n" * sum(SIZES))
    with pytest.raises(UsageError, match="--group-by as a file"):
        engine_dask.evaluate(str(shards["binary"]), group_by=str(groups), ci=False)


def test_cli_ci_on_dask(run: Any, cluster: str, shards: dict[str, Path], tmp_path: Path) -> None:
    """Through the command: the JSON intervals of --engine dask are local's."""
    args = ["eval", shards["binary"], "--ci", "--ci-method", "bootstrap", "--n-boot", "30"]
    args += ["-m", "accuracy", "-m", "roc_auc", "-f", "json", "--group-by", "g"]
    args += ["--target-col", "target", "--pred-col", "pred"]
    local = run(*args)
    dask = run(*args, "--engine", "dask", "--scheduler", cluster)
    assert local.code == 0 and dask.code == 0, dask.err
    a, b = json.loads(local.out), json.loads(dask.out)
    for name, iv in a["intervals"].items():
        assert b["intervals"][name]["method"] == iv["method"]
        assert b["intervals"][name]["low"] == pytest.approx(iv["low"], rel=REL)
        assert b["intervals"][name]["high"] == pytest.approx(iv["high"], rel=REL)
    assert [g["group"] for g in b["groups"]] == [g["group"] for g in a["groups"]]
    out = tmp_path / "r.json"
    bad = run(*args, "--engine", "dask", "--scheduler", cluster, "--n-boot", "0", "-o", out)
    assert bad.code == 2 and bad.err.startswith("error:") and "--n-boot" in bad.err
    assert not out.exists()


# ----------------------------------------------------------------------------- compare


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from losscli.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def candidate(shards: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """B of the binary shards: other predictions of the same rows; shard 2 holds a
    margin above 1 (the whole input reads as scores under -l hinge, its first rows not)."""
    d = tmp_path_factory.mktemp("candidate")
    rng = np.random.default_rng(5)
    for i in range(len(SIZES)):
        df = pd.read_csv(shards["binary"] / f"part-{i}.csv")
        df["pred"] = np.clip(0.45 * df["target"] + 0.55 * rng.random(len(df)), 1e-6, 1 - 1e-6)
        if i == 2:
            df.loc[11, "pred"] = 1.5
        df.to_csv(d / f"part-{i}.csv", index=False, float_format="%.17g")
    return d


@pytest.mark.parametrize(
    ("test", "flags"),
    [
        ("auto", ["-l", "binary_cross_entropy", "-m", "accuracy", "-m", "roc_auc"]),
        ("bootstrap", ["-l", "zero_one", "-m", "f1", "--weights", "w"]),
        ("randomization", ["-l", "zero_one", "-m", "accuracy"]),
        ("ttest", ["-l", "hinge", "--ci"]),
    ],
)
def test_compare_equals_local(
    cluster: str, shards: dict[str, Path], candidate: Path, test: str, flags: list[str]
) -> None:
    """Shard i of A beside shard i of B on the workers: every difference, interval and
    p-value of the local compare (to rounding: a block of the bootstrap, a sum of the
    randomization's flips, the t-test's moments are summed in parts at the shards)."""
    a, b = str(shards["binary"]), str(candidate)
    args = ["compare", a, b, "-f", "json", "--test", test, "--n-boot", "30", "--seed", "3"]
    args += ["--target-col", "target", "--pred-col", "pred", *flags]
    local = _cli(*args)
    dask = _cli(*args, "--engine", "dask", "--scheduler", cluster)
    assert (dask.exit_code, dask.stderr) == (local.exit_code, local.stderr)
    if "binary_cross_entropy" in flags:  # B's 1.5 is not a probability: local's error
        assert local.exit_code == 3 and "part-2.csv" in local.stderr, local.stderr
        return
    assert local.exit_code == 0, local.stderr
    want, got = json.loads(local.stdout), json.loads(dask.stdout)
    assert_same_json(got, want)
    assert any("raw decision scores" in n for n in want["b"]["notes"])
    if test == "ttest":
        assert want["differences"]["hinge"]["test"] == "ttest"


def test_compare_files_identical_and_errors(
    cluster: str, shards: dict[str, Path], tmp_path: Path
) -> None:
    """One file a side: the local compare's numbers (to rounding); what the Dask compare does
    not do yet is a usage error naming the flag (exit 2, nothing written)."""
    rng = np.random.default_rng(9)
    df = pd.read_csv(shards["binary"] / "part-0.csv")[["target", "pred", "w"]]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    df.to_csv(a, index=False)
    df.assign(pred=np.clip(df["pred"] + 0.1 * rng.normal(size=len(df)), 0, 1)).to_csv(
        b, index=False
    )
    args = ["compare", str(a), str(b), "-f", "json", "--n-boot", "25", "--weights", "w"]
    local = _cli(*args)
    dask = _cli(*args, "--engine", "dask", "--scheduler", cluster)
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    # to rounding, as the README says of Dask's sums: a worker's replicate products may
    # take another BLAS path than the client's (seen: 1 ulp in a bootstrap bound)
    assert_same_json(json.loads(dask.stdout), json.loads(local.stdout))
    out = tmp_path / "out.json"
    for extra, flag in [
        (["--id-col", "target"], "--id-col"),
        (["-f", "html"], "-f html"),
        ([str(shards["binary"])], "shards"),
    ]:
        more = extra if len(extra) > 1 else []
        sides = [str(a), extra[0]] if not more else [str(a), str(b)]
        r = _cli("compare", *sides, *more, "-o", str(out), "--engine", "dask",
                 "--scheduler", cluster)  # fmt: skip
        assert r.exit_code == 2 and r.stderr.startswith("error: ") and flag in r.stderr, r.stderr
        assert not out.exists()


def test_compare_dask_command(run: Any, cluster: str, shards: dict[str, Path]) -> None:
    """The real command: --engine and --scheduler on compare, and --scheduler alone."""
    d = str(shards["regression"])
    flags = ["-l", "mse", "--weights", "w", "--pred-col", "pred", "--target-col", "target"]
    r = run("compare", d, d, *flags, "--engine", "dask", "--scheduler", cluster)
    assert r.code == 0, r.err
    assert "mse" in r.out and "no difference" in r.out
    r = run("compare", d, d, "--scheduler", cluster)
    assert r.code == 2 and "--scheduler needs --engine dask" in r.err
