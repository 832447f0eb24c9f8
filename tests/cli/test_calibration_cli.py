"""ece / mce and the reliability table through the command line (in this process; the JSON
reliability also through the installed console script)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BINARY = "y,p\n0,0.25\n0,0.25\n1,0.55\n1,0.75\n1,0.75\n"


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    f = tmp_path / "b.csv"
    f.write_text(BINARY)
    return f


def test_json_reliability(run_both: Callable[..., Any], binary: Path) -> None:
    r = run_both("eval", binary, "-m", "ece", "-m", "mce", "--param", "n_bins=2", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["metrics"]["ece"] == pytest.approx(0.29, abs=1e-12)
    assert d["metrics"]["mce"] == pytest.approx(0.95 / 3, abs=1e-12)  # torchmetrics 0.3167
    rows = d["reliability"]["ece"]
    assert rows == d["reliability"]["mce"]
    assert [(b["low"], b["high"], b["count"]) for b in rows] == [(0.0, 0.5, 2), (0.5, 1.0, 3)]
    assert rows[0]["confidence"] == 0.25 and rows[0]["frequency"] == 0.0
    assert rows[0]["gap"] == 0.25
    assert rows[1]["frequency"] == 1.0


def test_table_and_markdown(cli: Callable[..., Any], binary: Path) -> None:
    r = cli("eval", binary, "-m", "ece", "--param", "n_bins=2")
    assert r.code == 0, r.err
    assert "reliability (ece, gap = confidence − frequency):" in r.out
    assert "[0, 0.5)" in r.out and "[0.5, 1)" in r.out
    r = cli("eval", binary, "-m", "mce", "--param", "n_bins=2", "-f", "markdown")
    assert r.code == 0, r.err
    assert "| [0.5, 1) | 3 |" in r.out


def test_no_reliability_without_ece(cli: Callable[..., Any], binary: Path) -> None:
    r = cli("eval", binary, "-m", "accuracy", "-f", "json")
    assert "reliability" not in json.loads(r.out)


@pytest.mark.parametrize(
    ("param", "needle"),
    [("n_bins=0", "n_bins"), ("n_bins=2.5", "n_bins"), ("strategy=equal", "strategy")],
)
def test_bad_params(cli: Callable[..., Any], binary: Path, param: str, needle: str) -> None:
    out = binary.parent / "out.json"
    r = cli("eval", binary, "-m", "ece", "--param", param, "-o", out)
    assert r.code == 2
    errors = [line for line in r.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0]
    assert not out.exists()


def test_hard_labels_need_probabilities(cli: Callable[..., Any], tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("y,p\n" + "0,0\n1,2\n2,2\n1,1\n" * 3)
    out = tmp_path / "o.json"
    r = cli("eval", f, "-m", "ece", "-o", out)
    assert r.code == 2, r.err
    errors = [line for line in r.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "ece" in errors[0]
    assert not out.exists()


def test_dask_agrees(cli: Callable[..., Any], tmp_path: Path, dask_scheduler: str) -> None:
    import numpy as np

    import losscli
    from losscli.engines import dask as engine_dask

    rng = np.random.default_rng(9)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    f = tmp_path / "d.csv"
    f.write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p)))
    args = ["-m", "ece", "-m", "mce", "-m", "average_precision", "-f", "json"]
    metrics = ["ece", "mce", "average_precision"]
    for strategy in ("uniform", "quantile"):
        # both engines through the library on one shared cluster ...
        out = {}
        for engine, evaluate in (("local", losscli.evaluate), ("dask", engine_dask.evaluate)):
            where = {"scheduler": dask_scheduler} if engine == "dask" else {}
            d = json.loads(
                evaluate(
                    str(f), metrics=metrics, params=[f"strategy={strategy}"], **where
                ).to_json()
            )
            out[engine] = (d["metrics"], d["reliability"])
        assert out["local"][0] == pytest.approx(out["dask"][0], rel=1e-12)
        for name in ("ece", "mce"):
            local, dask = out["local"][1][name], out["dask"][1][name]
            assert len(local) == len(dask)
            for a, b in zip(local, dask):
                assert a == pytest.approx(b, rel=1e-12)
    # ... and the command line on Dask once: the library's figures (quantile bins)
    r = cli("eval", f, *args, "--param", "strategy=quantile", "--engine", "dask",
            "--scheduler", dask_scheduler)  # fmt: skip
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["metrics"] == pytest.approx(out["dask"][0], rel=1e-12)
    assert d["reliability"]["ece"] == out["dask"][1]["ece"]
    assert d["reliability"]["mce"] == out["dask"][1]["mce"]
