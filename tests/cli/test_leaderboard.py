"""``batch --targets T m1 m2 ...``: a leaderboard of models, never pooled or gated across
models; with ``--ci`` each model's paired test against the best."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

from losscli.cli import app
from losscli.stats import paired


@pytest.fixture
def models(tmp_path: Path) -> tuple[Path, list[Path], np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(1)
    n = 500
    y = rng.integers(0, 2, n)
    t = tmp_path / "t.csv"
    t.write_text("y\n" + "".join(f"{v}\n" for v in y))
    files, preds = [], []
    for k, s in enumerate([0.3, 0.35, 0.05]):
        p = np.clip(s * y + (1 - s) * rng.random(n), 0.01, 0.99)
        f = tmp_path / f"m{k}.csv"
        f.write_text("p\n" + "".join(f"{float(v)!r}\n" for v in p))
        files.append(f)
        preds.append(p)
    return t, files, y, preds


def _invoke(*args: object) -> Result:
    r = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return r


def test_no_pooled_row_and_gates_per_model(run_script, models) -> None:  # type: ignore[no-untyped-def]
    t, files, y, preds = models
    # every model passes accuracy >= 0.5; a pooled overall would not matter either way
    r = run_script("batch", "--targets", t, *files, "-m", "accuracy", "--check", "accuracy>=0.5")
    assert r.code == 0, r.err
    assert "overall" not in r.out.split("several models")[0]
    assert "no pooled 'overall' row" in r.out
    # the other formats in-process (the table and both gate outcomes are the real command's)
    csv = _invoke("batch", "--targets", t, *files, "-m", "accuracy", "-f", "csv").stdout
    assert "overall" not in csv
    d = json.loads(_invoke("batch", "--targets", t, *files, "-f", "json").stdout)
    assert "overall" in d  # the contract's key stays, said to be no model's figure
    assert any("figure of no model" in w for w in d["overall"]["warnings"])
    assert d["overall"]["checks"] == []
    failing = run_script(
        "batch", "--targets", t, *files, "-m", "accuracy", "--check", "accuracy>=0.6"
    )
    assert failing.code == 1
    assert "gate failed: " in failing.err and "m2.csv" in failing.err
    assert "overall" not in failing.err


def test_versus_best_with_ci(cli, models) -> None:  # type: ignore[no-untyped-def]
    t, files, y, preds = models
    args = ("batch", "--targets", t, *files, "-m", "accuracy", "--ci", "--sort-by", "accuracy")
    d = json.loads(cli(*args, "-f", "json").out)
    by = {Path(f["file"]).name: f for f in d["files"]}
    assert by["m1.csv"]["versus_best"] == {"best": True}
    for name in ("m0.csv", "m2.csv"):
        vs = by[name]["versus_best"]
        assert vs["test"] == "mcnemar" and vs["figure"] == "accuracy"
        assert by[name]["intervals"]["accuracy"]["method"] == "wilson"
    # the p-values are McNemar's against the best, Holm-adjusted over the two models
    best = (preds[1] >= 0.5) == y
    raw = []
    for k in (0, 2):
        other = (preds[k] >= 0.5) == y
        raw.append(paired.mcnemar_exact(int(np.sum(best & ~other)), int(np.sum(other & ~best))))
    adj = paired.holm(raw)
    assert by["m0.csv"]["versus_best"]["p_holm"] == pytest.approx(adj[0])
    assert by["m2.csv"]["versus_best"]["p_holm"] == pytest.approx(adj[1])
    table = _invoke(*args).stdout  # the table in-process (the json above: the command line)
    assert "vs_best" in table and "best" in table


def test_a_copy_of_the_best_is_tied(cli, models, tmp_path) -> None:  # type: ignore[no-untyped-def]
    t, files, _, _ = models
    twin = tmp_path / "twin.csv"
    twin.write_bytes(files[1].read_bytes())
    d = json.loads(cli("batch", "--targets", t, files[1], twin, "--ci", "-f", "json").out)
    flags = [f["versus_best"] for f in d["files"]]
    assert {"best": True} in flags
    other = next(v for v in flags if not v["best"])
    assert other["tied"] is True and other["p_value"] == 1.0


def test_own_targets_still_pool(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for k in range(2):
        (tmp_path / f"s{k}.csv").write_text("y,p\n1,0.9\n0,0.2\n1,0.6\n")
    r = cli("batch", tmp_path / "s0.csv", tmp_path / "s1.csv", "-f", "csv")
    assert r.code == 0 and "overall" in r.out
