"""losscli batch: per-file results, overall pooled over every sample (not a mean of means)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losscli
from losscli.engines.batch import evaluate_batch
from losscli.errors import InputError


def _write(path: Path, y: np.ndarray, p: np.ndarray) -> Path:
    lines = ["target,prediction"] + [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def shards(tmp_path: Path) -> tuple[list[Path], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    sizes = [5, 40, 13]  # unequal sizes: a mean of means would differ from the pooled mean
    ys, ps, files = [], [], []
    for i, n in enumerate(sizes):
        y = rng.normal(size=n)
        p = y + rng.normal(scale=0.5 + i, size=n)
        files.append(_write(tmp_path / f"part-{i}.csv", y, p))
        ys.append(y)
        ps.append(p)
    return files, np.concatenate(ys), np.concatenate(ps)


def test_overall_is_pooled_not_mean_of_means(shards) -> None:
    files, y, p = shards
    result = evaluate_batch([str(f) for f in files], metrics=["rmse", "r2"])
    whole = losscli.evaluate(y, p, metrics=["rmse", "r2"], task="regression")
    ov = result.overall
    assert ov.n_samples == len(y)
    assert math.isclose(ov.losses["mse"]["mean"], whole.losses["mse"]["mean"], rel_tol=1e-12)
    for m in ("rmse", "r2"):
        assert math.isclose(ov.metrics[m], whole.metrics[m], rel_tol=1e-12)
    mean_of_means = np.mean([f.report.losses["mse"]["mean"] for f in result.files])
    assert not math.isclose(mean_of_means, ov.losses["mse"]["mean"], rel_tol=1e-6)


def test_jobs_give_the_same_numbers(shards) -> None:
    files, _, _ = shards
    one = evaluate_batch([str(f) for f in files], jobs=1).to_dict()
    two = evaluate_batch([str(f) for f in files], jobs=2).to_dict()
    assert one == two


def test_glob_and_directory_expand_in_sorted_order(shards, tmp_path: Path) -> None:
    files, _, _ = shards
    by_glob = evaluate_batch([str(tmp_path / "part-*.csv")])
    by_dir = evaluate_batch([str(tmp_path)])
    assert [f.file for f in by_glob.files] == [str(f) for f in files]
    assert [Path(f.file).name for f in by_dir.files] == [f.name for f in files]


def test_shared_targets_rank_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=50)
    (tmp_path / "t.csv").write_text("target\n" + "\n".join(map(repr, y.tolist())) + "\n")
    for name, noise in (("good", 0.1), ("bad", 2.0), ("mid", 0.5)):
        p = y + rng.normal(scale=noise, size=50)
        (tmp_path / f"{name}.csv").write_text("pred\n" + "\n".join(map(repr, p.tolist())) + "\n")
    result = evaluate_batch(
        [str(tmp_path / n) for n in ("bad.csv", "good.csv", "mid.csv")],
        targets=str(tmp_path / "t.csv"),
        metrics=["r2"],
    )
    order = [Path(f.file).stem for _, f in result.ranked()]
    assert order == ["good", "mid", "bad"]  # losses: lower is better
    by_r2 = evaluate_batch(
        [str(tmp_path / n) for n in ("bad.csv", "good.csv", "mid.csv")],
        targets=str(tmp_path / "t.csv"),
        metrics=["r2"],
        sort_by="r2",
    )
    assert [Path(f.file).stem for _, f in by_r2.ranked()] == ["good", "mid", "bad"]


def test_bad_file_is_an_error_naming_it_unless_skipped(shards, tmp_path: Path) -> None:
    files, _, _ = shards
    bad = tmp_path / "part-9.csv"
    bad.write_text("target,prediction\n1,nan\n")
    with pytest.raises(InputError) as err:
        evaluate_batch([str(f) for f in files] + [str(bad)])
    assert str(bad) in str(err.value)
    result = evaluate_batch([str(f) for f in files] + [str(bad)], skip_errors=True)
    assert [f.file for f in result.skipped] == [str(bad)]
    assert not result.passed
    assert result.to_dict()["skipped"][0]["file"] == str(bad)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "losscli", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_batch_json_and_gates(shards, tmp_path: Path) -> None:
    files, y, p = shards
    out = tmp_path / "report.json"
    proc = run(
        "batch", str(tmp_path / "part-*.csv"), "-f", "json", "-o", str(out), "--check", "mse<=100"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert [f["file"] for f in data["files"]] == [str(f) for f in files]
    assert data["overall"]["n_samples"] == len(y)
    assert data["overall"]["checks"][0]["passed"] is True
    failing = run("batch", str(tmp_path / "part-*.csv"), "--check", "mse<=0.0001")
    assert failing.returncode == 1
    assert "FAILED" in failing.stdout


def test_cli_batch_skip_errors_exits_non_zero(shards, tmp_path: Path) -> None:
    (tmp_path / "part-5.csv").write_text("target,prediction\n1,0.5\n0,abc\n")
    proc = run("batch", str(tmp_path / "part-*.csv"), "--skip-errors", "-f", "csv")
    assert proc.returncode == 3
    assert "error:" in proc.stderr and "part-5.csv" in proc.stderr
    assert "overall" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cli_batch_dask_engine_is_a_usage_error_for_now(shards, tmp_path: Path) -> None:
    proc = run("batch", str(tmp_path / "part-*.csv"), "--engine", "spark")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:")


def test_allow_missing_drops_and_counts_unmatched_ids(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from losscli.cli import app

    t = tmp_path / "t.csv"
    t.write_text("id,y\na,1\nb,2\nc,3\nd,4\n")
    shuffled = tmp_path / "m1.csv"
    shuffled.write_text("id,p\nc,2.5\na,1.5\nb,2\nz,9\n")  # d missing, z extra
    other = tmp_path / "m2.csv"
    other.write_text("id,p\nd,4\nb,2.5\na,1\nc,3\n")  # complete
    w = tmp_path / "w.csv"
    w.write_text("w\n1\n2\n3\n4\n")
    runner = CliRunner()
    res = runner.invoke(app, ["eval", str(t), str(shuffled), "--id-col", "id", "-l", "mae"])
    assert res.exit_code == 3 and "--allow-missing" in res.stderr and "'d'" in res.stderr
    res = runner.invoke(
        app,
        ["eval", str(t), str(shuffled), "--id-col", "id", "--allow-missing", "-l", "mae",
         "--weights", str(w), "-f", "json", "--no-config"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rep = json.loads(res.stdout)
    # a, b, c kept with target-row weights 1, 2, 3: (0.5*1 + 0*2 + 0.5*3) / 6
    assert rep["losses"]["mae"]["mean"] == pytest.approx(2 / 6, rel=1e-15)
    assert rep["n_samples"] == 3
    assert rep["ids_dropped"] == {"targets_without_prediction": 1, "predictions_without_target": 1}
    res = runner.invoke(
        app,
        ["batch", str(shuffled), str(other), "--targets", str(t), "--id-col", "id",
         "--allow-missing", "-l", "mae", "-f", "json", "--no-config"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rep = json.loads(res.stdout)
    assert [f["n_samples"] for f in rep["files"]] == [3, 4]
    assert "ids_dropped" not in rep["files"][1]
    assert rep["overall"]["n_samples"] == 7
    assert rep["overall"]["ids_dropped"]["targets_without_prediction"] == 1


def test_many_small_files_give_each_file_eval_numbers(run, tmp_path: Path) -> None:
    """16+ files (pyarrow's cast for plain numbers, each file one chunk): the same figures
    as `eval` of each file, to the last bit; a file with a bad cell is still named."""
    rng = np.random.default_rng(21)
    for i in range(16):
        y = rng.integers(0, 2, 1500)  # more than the first rows' 1,000
        p = np.round(rng.uniform(0.01, 0.99, 1500), 6).tolist()
        lines = "".join(f"{a},{b!r}\n" for a, b in zip(y, p))
        (tmp_path / f"m{i:02d}.csv").write_text("target,prediction\n" + lines)
    r = run("batch", tmp_path, "-l", "bce", "-m", "accuracy", "-f", "json", "--jobs", "1")
    assert r.code == 0, r.err
    files = {Path(f["file"]).name: f for f in json.loads(r.out)["files"]}
    assert len(files) == 16
    for name in ("m00.csv", "m15.csv"):
        e = run("eval", tmp_path / name, "-l", "bce", "-m", "accuracy", "-f", "json")
        assert e.code == 0, e.err
        one = json.loads(e.out)
        assert files[name]["losses"] == one["losses"] and files[name]["metrics"] == one["metrics"]
    bad = tmp_path / "m07.csv"
    text = bad.read_text().splitlines()
    text[5] = text[5].split(",")[0] + ",0.5x"  # data row 5
    bad.write_text("\n".join(text) + "\n")
    out = tmp_path / "out.json"
    r = run("batch", tmp_path, "-f", "json", "--jobs", "1", "-o", out)
    assert r.code == 3 and "m07.csv" in r.err and "row 5" in r.err, r.err
    assert not out.exists()


@pytest.mark.parametrize("metrics", [["accuracy"], ["accuracy", "roc_auc"]])
def test_overall_leaves_every_file_s_sums_as_they_were(tmp_path: Path, metrics: list[str]) -> None:
    """``overall`` merges the files' accumulators without changing theirs (the first one
    copied, the plain sums of the others only read)."""
    import pickle

    from losscli.engines.batch import FileResult, assemble

    rng = np.random.default_rng(2)
    results = []
    for i in range(3):
        y = rng.integers(0, 2, 50).astype(float)
        p = rng.random(50)
        path = _write(tmp_path / f"b{i}.csv", y, p)
        one = evaluate_batch([str(path)], losses=["bce"], metrics=metrics)
        results.append(FileResult(str(path), report=one.files[0].report))
    before = [pickle.dumps(r.report.accumulator) for r in results]  # type: ignore[union-attr]
    pooled = assemble(results, [], None, 0.0, None)
    after = [pickle.dumps(r.report.accumulator) for r in results]  # type: ignore[union-attr]
    assert before == after
    assert pooled.overall.n_samples == 150
    again = assemble(results, [], None, 0.0, None)
    assert again.overall.to_dict() == pooled.overall.to_dict()


@pytest.mark.parametrize("jobs", [2, 3])
def test_jobs_share_the_files_in_order_with_their_errors(tmp_path: Path, jobs: int) -> None:
    """This process and its workers each take blocks of the files: the results come in
    file order, errors where they were, the progress counts every file once."""
    rng = np.random.default_rng(4)
    for i in range(41):
        y = rng.integers(0, 2, 20).astype(float)
        p = rng.random(20)
        path = _write(tmp_path / f"f{i:02d}.csv", y, p)
        if i in (0, 17, 40):
            path.write_text(
                path.read_text().replace("\n1.0,", "\n1.0,x", 1).replace("\n0.0,", "\n0.0,x", 1)
            )
    calls: list[tuple[int, int]] = []
    kw: dict = dict(losses=["bce"], skip_errors=True)
    one = evaluate_batch([str(tmp_path)], jobs=1, **kw)
    many = evaluate_batch(
        [str(tmp_path)], jobs=jobs, progress=lambda a, b: calls.append((a, b)), **kw
    )
    assert many.to_dict() == one.to_dict()
    assert [f.file for f in many.files] == [f.file for f in one.files]
    assert [str(f.error) for f in many.skipped] == [str(f.error) for f in one.skipped]
    assert len(many.skipped) == 3
    assert [a for a, _ in calls] == sorted(a for a, _ in calls) and calls[-1] == (41, 41)
    with pytest.raises(InputError) as info:
        evaluate_batch([str(tmp_path)], jobs=jobs, losses=["bce"])
    assert "f00.csv" in str(info.value)
