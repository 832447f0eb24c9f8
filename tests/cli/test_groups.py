"""``--group-by``: every group's figures, as scikit-learn computes them on the group's
rows; bounded in the groups, chunk-invariant, gated with ``groups.NAME``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

N = 900


@pytest.fixture
def data(tmp_path: Path):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, N)
    p = np.clip(0.3 * y + 0.7 * rng.random(N), 0.01, 0.99)
    region = rng.choice(["north", "south", "east", "west"], N)
    segment = rng.integers(0, 3, N)
    f = tmp_path / "g.csv"
    f.write_text(
        "y,p,region,segment\n"
        + "".join(f"{a},{float(b)!r},{c},{d}\n" for a, b, c, d in zip(y, p, region, segment))
    )
    gfile = tmp_path / "groups.csv"
    gfile.write_text("grp\n" + "".join(f"{c}\n" for c in region))
    return f, gfile, y, p, region, segment


def _json(r):  # type: ignore[no-untyped-def]
    assert r.code == 0, r.err
    return json.loads(r.out)


def _check(groups, y, p, labels) -> None:  # type: ignore[no-untyped-def]
    labels = labels.astype(str)  # group values are kept as written: text
    order = list(dict.fromkeys(labels.tolist()))
    assert [g["group"] for g in groups] == order  # first appearance
    for g in groups:
        m = labels == g["group"]
        assert g["n_samples"] == int(m.sum())
        assert g["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(log_loss(y[m], p[m]))
        assert g["metrics"]["accuracy"] == pytest.approx(accuracy_score(y[m], p[m] > 0.5))
        assert g["metrics"]["f1"] == pytest.approx(f1_score(y[m], p[m] > 0.5))
        assert g["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(y[m], p[m]))


# the file's integer 'segment' column beside 'p' would be a labels-or-scores ambiguity
ARGS = ("--pred-col", "p", "-l", "bce", "-m", "accuracy", "-m", "f1", "-m", "roc_auc", "-f", "json")
FIGS = ARGS[2:]


def test_groups_by_a_text_column_match_sklearn(cli, data) -> None:  # type: ignore[no-untyped-def]
    f, _, y, p, region, _ = data
    d = _json(cli("eval", f, "--group-by", "region", *ARGS))
    _check(d["groups"], y, p, region)
    assert d["metrics"]["accuracy"] == pytest.approx(accuracy_score(y, p > 0.5))


def test_groups_by_a_numeric_column_are_not_predictions(cli, data) -> None:  # type: ignore[no-untyped-def]
    f, _, y, p, _, segment = data
    d = _json(cli("eval", f, "--group-by", "segment", *ARGS))
    _check(d["groups"], y, p, segment)
    # without --pred-col the numeric group column is never a prediction
    d2 = _json(cli("eval", f, "--group-by", "segment", *FIGS))
    assert d2["groups"] == d["groups"]


def test_groups_from_a_file_and_chunk_invariance(cli, data) -> None:  # type: ignore[no-untyped-def]
    f, gfile, y, p, region, _ = data
    whole = _json(cli("eval", f, "--group-by", gfile, *ARGS))
    _check(whole["groups"], y, p, region)
    for size in ("1", "97"):
        chunked = _json(cli("eval", f, "--group-by", gfile, "--chunk-size", size, *ARGS))
        for a, b in zip(whole["groups"], chunked["groups"]):
            assert a["group"] == b["group"] and a["n_samples"] == b["n_samples"]
            for k, v in a["metrics"].items():
                assert b["metrics"][k] == pytest.approx(v, rel=1e-12)


def test_group_intervals(cli, data) -> None:  # type: ignore[no-untyped-def]
    f, _, y, p, region, _ = data
    d = _json(cli("eval", f, "--group-by", "region", "--ci", *ARGS))
    for g in d["groups"]:
        iv = g["intervals"]
        assert {k: v["method"] for k, v in iv.items()} == {
            "binary_cross_entropy": "t",
            "accuracy": "wilson",
            "roc_auc": "delong",
            "f1": "bootstrap",  # from the per-group replicates
        }
        m = region == g["group"]
        n, acc = int(m.sum()), g["metrics"]["accuracy"]
        ref = stats.binomtest(round(acc * n), n).proportion_ci(0.95, method="wilson")
        assert (iv["accuracy"]["low"], iv["accuracy"]["high"]) == pytest.approx((ref.low, ref.high))
    assert not any("per-group intervals" in w for w in d["warnings"])


def test_every_group_gated(run_script, data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f, _, y, p, region, _ = data
    per = {g: accuracy_score(y[region == g], p[region == g] > 0.5) for g in set(region)}
    worst = min(per, key=per.get)  # type: ignore[arg-type]
    bound = (per[worst] + sorted(per.values())[1]) / 2  # only the worst group fails
    junit = tmp_path / "j.xml"
    r = run_script(
        "eval",
        f,
        "--group-by",
        "region",
        "--pred-col",
        "p",
        "--check",
        f"groups.accuracy>={bound}",
        "--junit",
        junit,
    )
    assert r.code == 1
    assert f"in the worst group ('{worst}')" in r.err
    assert "FAILED" in junit.read_text()
    ok = run_script(
        "eval", f, "--group-by", "region", "--pred-col", "p", "--check", "groups.accuracy>=0.1"
    )
    assert ok.code == 0, ok.err
    no_groups = run_script("eval", f, "--pred-col", "p", "--check", "groups.accuracy>=0.1")
    assert no_groups.code == 2 and "needs --group-by" in no_groups.err


def test_table_and_csv_show_groups(cli, data) -> None:  # type: ignore[no-untyped-def]
    f, _, _, _, _, _ = data
    table = cli("eval", f, "--group-by", "region", "--pred-col", "p", "--ci")
    assert "groups:" in table.out and "north" in table.out
    csv = cli("eval", f, "--group-by", "region", "--pred-col", "p", "-f", "csv").out
    assert any(line.startswith("group=north,accuracy,value,") for line in csv.splitlines())


def test_small_groups_are_said(cli, write_csv) -> None:  # type: ignore[no-untyped-def]
    f = write_csv("s.csv", ["y", "p", "g"], [[1, 0.9, "a"], [0, 0.2, "a"], [1, 0.7, "b"]])
    d = _json(cli("eval", f, "--group-by", "g", "-m", "roc_auc", "-f", "json"))
    assert any("too small" in w and "'b'" in w for w in d["warnings"])


@pytest.mark.parametrize(
    "rows,args,code,fragment",
    [
        ([[1, 0.9, "a"], [0, 0.2, ""]], ("--group-by", "g"), 3, "missing group value"),
        ([[1, 0.9, "a"], [0, 0.2, "b"]], ("--group-by", "nope"), 2, "--group-by 'nope'"),
    ],
)
def test_bad_group_inputs(cli, write_csv, tmp_path, rows, args, code, fragment) -> None:  # type: ignore[no-untyped-def]
    f = write_csv("b.csv", ["y", "p", "g"], rows)
    out = tmp_path / "out.json"
    r = cli("eval", f, *args, "-o", out)
    assert r.code == code, r.err
    errors = [x for x in r.err.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0]
    assert not out.exists()
