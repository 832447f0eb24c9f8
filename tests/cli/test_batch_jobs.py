"""batch --jobs: 0 (the default) scores many files on every core; the figures never depend on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from losscli.engines.batch import AUTO_FILES, auto_jobs


def test_auto_jobs_needs_many_files() -> None:
    assert auto_jobs(["f"] * (AUTO_FILES - 1)) == 1
    assert auto_jobs(["f"] * AUTO_FILES) >= 1


def test_default_equals_one_process(run_script: Callable[..., Any], tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    for i in range(AUTO_FILES + 2):
        y = rng.integers(0, 2, 30)
        p = np.clip(rng.random(30), 0.01, 0.99)
        rows = "".join(f"{a},{b:.6f}\n" for a, b in zip(y, p))
        (tmp_path / f"m{i:02d}.csv").write_text("y_true,y_pred\n" + rows)
    args = ["batch", *sorted(str(p.name) for p in tmp_path.glob("m*.csv")), "-f", "csv"]
    auto = run_script(*args)
    one = run_script(*args, "--jobs", "1")
    assert auto.code == 0 and one.code == 0, auto.err
    assert auto.out == one.out


def test_negative_jobs_is_a_usage_error(run_script: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("y_true,y_pred\n1,0.9\n0,0.2\n")
    res = run_script("batch", "a.csv", "--jobs", "-1", "-o", "out.csv")
    assert res.code == 2
    assert "error:" in res.err and "--jobs" in res.err
    assert not (tmp_path / "out.csv").exists()


def test_auto_jobs_counts_idle_cores(monkeypatch: Any) -> None:
    """--jobs 0 takes a process for each core no other process is running on right now
    (a machine busy everywhere: one process)."""
    import os

    import losscli.engines.batch as batch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    files = ["f"] * AUTO_FILES
    monkeypatch.setattr(batch, "_others_running", lambda: 0)
    assert auto_jobs(files) == max(1, min(8, cores or 1))
    monkeypatch.setattr(batch, "_others_running", lambda: 64)
    assert auto_jobs(files) == 1
    monkeypatch.undo()
    assert batch._others_running() >= 0
