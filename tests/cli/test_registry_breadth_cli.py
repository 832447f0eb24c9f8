"""Issue 17's registry breadth (helper "losses") through the command line (in this
process; the regression metrics also through the console script): the new losses and
regression metrics, their parameters, their bad input, and `list` / `explain`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

REG_Y = [0.5, 1.0, 2.5, 7.0, 3.0, 4.5]
REG_P = [1.0, 1.0, 5.0, 3.5, 2.0, 4.0]


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    f = tmp_path / "r.csv"
    f.write_text("y,p\n" + "".join(f"{a},{b}\n" for a, b in zip(REG_Y, REG_P)))
    return f


def test_regression_metrics_json(run_both: Callable[..., Any], reg: Path) -> None:
    r = run_both(
        "eval",
        reg,
        *("-m", "rmsle", "-m", "d2_absolute_error_score", "-m", "d2_pinball_score"),
        *("-m", "d2_tweedie_score", "-m", "adjusted_r2"),
        *("--param", "alpha=0.8", "--param", "power=1.5", "--param", "n_features=2"),
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    m = json.loads(r.out)["metrics"]
    y, p = np.array(REG_Y), np.array(REG_P)
    assert m["rmsle"] == pytest.approx(skm.root_mean_squared_log_error(y, p), rel=1e-12)
    assert m["d2_absolute_error_score"] == pytest.approx(skm.d2_absolute_error_score(y, p))
    assert m["d2_pinball_score"] == pytest.approx(skm.d2_pinball_score(y, p, alpha=0.8))
    assert m["d2_tweedie_score"] == pytest.approx(skm.d2_tweedie_score(y, p, power=1.5))
    r2 = skm.r2_score(y, p)
    assert m["adjusted_r2"] == pytest.approx(1 - (1 - r2) * 5 / 3)
    assert "n_features=2" in json.loads(r.out)["signature"]


def test_adjusted_r2_without_n_features_is_a_usage_error(
    cli: Callable[..., Any], reg: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    r = cli("eval", reg, "-m", "adjusted_r2", "-f", "json", "-o", out)
    assert r.code == 2
    assert r.err.startswith("error:") and "n_features" in r.err
    assert not out.exists()


def test_rmsle_target_out_of_domain_is_an_input_error(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    f = tmp_path / "neg.csv"
    f.write_text("y,p\n1,2\n-2,1\n3,3\n")
    out = tmp_path / "out.json"
    r = cli("eval", f, "--task", "regression", "-m", "rmsle", "-o", out)
    assert r.code == 3
    assert r.err.startswith("error:") and "rmsle" in r.err and "row 2" in r.err
    assert not out.exists()


def test_keras_losses_and_params(cli: Callable[..., Any], tmp_path: Path) -> None:
    f = tmp_path / "masks.csv"
    f.write_text("t0,t1,t2,t3,p0,p1,p2,p3\n1,1,0,0,0,1,0,1\n1,1,0,0,0.4,0,0,0.9\n")
    r = cli(
        "eval",
        f,
        *("--target-col", "t0,t1,t2,t3", "--pred-col", "p0,p1,p2,p3"),
        *("--task", "multilabel", "-l", "dice", "-l", "tversky", "-f", "json"),
        *("--param", "alpha=0.2", "--param", "beta=0.8"),
    )
    assert r.code == 0, r.err
    losses = json.loads(r.out)["losses"]
    assert losses["dice"]["mean"] == pytest.approx((0.5 + 0.75757575) / 2, abs=1e-7)
    assert losses["tversky"]["mean"] == pytest.approx((0.5 + 0.78494626) / 2, abs=1e-7)


def test_ignore_index_out_of_range_is_a_usage_error(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    f = tmp_path / "mc.csv"
    f.write_text("y,a,b,c\n0,0.7,0.2,0.1\n2,0.1,0.2,0.7\n1,0.3,0.4,0.3\n")
    out = tmp_path / "o.txt"
    r = cli("eval", f, "-l", "cce", "--param", "ignore_index=5", "-o", out)
    assert r.code == 2
    assert r.err.startswith("error:") and "ignore_index=5" in r.err
    assert not out.exists()
    ok = cli("eval", f, "-l", "cce", "--param", "ignore_index=2", "-f", "json")
    assert ok.code == 0, ok.err
    mean = json.loads(ok.out)["losses"]["categorical_cross_entropy"]["mean"]
    assert mean == pytest.approx(-(np.log(0.7) + np.log(0.4)) / 2)


def test_pos_label_param_for_hinge_and_brier(cli: Callable[..., Any], tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text("y,p\n0,0.2\n1,0.7\n1,0.9\n0,0.4\n")
    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.9, 0.4])
    r = cli("eval", f, "-m", "brier", "--param", "pos_label=0", "-f", "json")
    assert r.code == 0, r.err
    ref = skm.brier_score_loss(y, p, pos_label=0)
    assert json.loads(r.out)["metrics"]["brier"] == pytest.approx(ref)
    bad = cli("eval", f, "-m", "brier", "--param", "pos_label=2")
    assert bad.code == 2 and "pos_label" in bad.err


def test_list_and_explain(cli: Callable[..., Any]) -> None:
    r = cli("list")
    assert r.code == 0
    assert "n_bins=15," in r.out and "n_bins=15.0" not in r.out
    assert "k=2" in r.out and "k=2.0" not in r.out
    for name in ("rmsle", "d2_pinball_score", "adjusted_r2", "cosine_similarity", "dice"):
        assert name in r.out
    e = cli("explain", "ece")
    assert e.code == 0
    assert "before the log" not in e.out and "log-softmax" not in e.out
    assert "--ci: the bootstrap interval is that of a biased estimator" in e.out
    assert "n_bins = 15  (an integer 1 <= n_bins <= 1000000)" in e.out
    b = cli("explain", "bce")
    assert "clipped before the log" in b.out
    k = cli("explain", "kl_divergence")
    assert "Keras clips the targets" in k.out and "input error" in k.out
