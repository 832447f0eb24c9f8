"""Label encodings through the command: ``--pos-label`` for binary targets that are not
0/1 or -1/+1 (checked against scikit-learn's ``pos_label``), True/False, the errors
without it, the 1-based hint (issue 14, item 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.conftest import Result

Run = Callable[..., Result]


def _csv(path: Path, header: str, *cols: Any) -> Path:
    rows = [",".join(str(v) for v in row) for row in zip(*cols)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _report(r: Result) -> dict[str, Any]:
    assert r.code == 0, r.err
    return json.loads(r.out)


def _said(d: dict[str, Any]) -> str:
    return "\n".join([*d.get("notes", []), *d.get("warnings", [])])


def _fails(r: Result, code: int, *fragments: str, out: Path | None = None) -> None:
    assert r.code == code, (r.code, r.out, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.err
    for f in fragments:
        assert f in lines[0], lines[0]
    if out is not None:
        assert not out.exists()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


@pytest.mark.parametrize("pos,neg", [("yes", "no"), ("spam", "ham"), ("2", "1")])
def test_pos_label_with_probabilities(
    run: Run, tmp_path: Path, rng: Any, pos: str, neg: str
) -> None:
    y = np.where(rng.uniform(size=200) < 0.4, pos, neg)
    p = np.round(np.clip(np.where(y == pos, 0.7, 0.3) + rng.normal(0, 0.2, 200), 0.01, 0.99), 6)
    f = _csv(tmp_path / "f.csv", "y,p", y, p)
    flags = ["-l", "binary_cross_entropy", "-m", "accuracy", "-m", "f1", "-m", "roc_auc"]
    d = _report(run("eval", f, "--pos-label", pos, *flags, "-f", "json"))
    yy = y if pos.isalpha() else y.astype(int)
    pl: Any = pos if pos.isalpha() else int(pos)
    y01 = (yy == pl).astype(int)
    assert d["task"] == "binary"
    assert d["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(
        skm.log_loss(y01, p), rel=1e-12
    )
    decisions = np.where(p > 0.5, pl, neg if pos.isalpha() else int(neg))
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(yy, decisions, pos_label=pl))
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(yy, decisions))
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y01, p))
    assert f"--pos-label {pos}" in _said(d)


@pytest.mark.parametrize("pos,neg", [("yes", "no"), ("spam", "ham")])
def test_pos_label_with_name_predictions(
    cli: Run, tmp_path: Path, rng: Any, pos: str, neg: str
) -> None:
    y = np.where(rng.uniform(size=120) < 0.5, pos, neg)
    p = np.where(rng.uniform(size=120) < 0.75, y, np.where(y == pos, neg, pos))
    t = _csv(tmp_path / "t.csv", "y", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    flags = ["-m", "f1", "-m", "precision", "-m", "recall", "-m", "mcc"]
    d = _report(cli("eval", t, pf, "--pred-col", "pred", "--pos-label", pos, *flags, "-f", "json"))
    m = d["metrics"]
    assert d["task"] == "binary"
    assert list(d["losses"]) == ["zero_one"]
    assert m["f1"] == pytest.approx(skm.f1_score(y, p, pos_label=pos), abs=1e-15)
    assert m["precision"] == pytest.approx(skm.precision_score(y, p, pos_label=pos), abs=1e-15)
    assert m["recall"] == pytest.approx(skm.recall_score(y, p, pos_label=pos), abs=1e-15)
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p), abs=1e-15)


def test_pos_label_2_with_12_hard_labels(cli: Run, tmp_path: Path) -> None:
    y = [1, 2, 2, 1, 2, 1, 1]
    p = [1, 2, 1, 1, 2, 2, 1]
    f = _csv(tmp_path / "f.csv", "y,pred", y, p)
    d = _report(cli("eval", f, "--pos-label", "2", "-m", "f1", "-f", "json"))
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p, pos_label=2))
    # without --pos-label: hard labels over the classes 1, 2 (macro f1)
    d2 = _report(cli("eval", f, "-m", "f1", "-f", "json"))
    assert d2["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"))


def test_true_false_targets(cli: Run, tmp_path: Path) -> None:
    y = ["True", "False", "True", "False", "True"]
    p = [0.8, 0.3, 0.4, 0.1, 0.9]
    f = _csv(tmp_path / "f.csv", "y,p", y, p)
    d = _report(cli("eval", f, "-f", "json"))
    y01 = [1, 0, 1, 0, 1]
    assert d["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(skm.log_loss(y01, p))
    assert "True/False read as 1/0" in _said(d)
    d2 = _report(cli("eval", f, "--pos-label", "True", "-f", "json"))
    assert d2["losses"] == d["losses"]


def test_pos_label_from_the_config_file(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "f.csv", "y,p", ["yes", "no", "yes"], [0.8, 0.3, 0.6])
    (tmp_path / "losscli.toml").write_text('pos_label = "yes"\n')
    d = _report(cli("eval", f, "-f", "json", cwd=tmp_path))
    assert d["task"] == "binary"


@pytest.mark.parametrize("a,b", [("yes", "no"), ("spam", "ham"), ("1", "2")])
def test_two_valued_targets_without_pos_label(cli: Run, tmp_path: Path, a: str, b: str) -> None:
    f = _csv(tmp_path / "f.csv", "y,p", [a, b, a, b], [0.9, 0.2, 0.6, 0.4])
    out = tmp_path / "out.json"
    r = cli("eval", f, "-o", out)
    _fails(r, 3, "binary targets take the values", "--pos-label", repr(a), out=out)


def test_pos_label_not_among_the_values(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "f.csv", "y,p", ["yes", "no"], [0.9, 0.2])
    out = tmp_path / "out.json"
    _fails(cli("eval", f, "--pos-label", "oui", "-o", out), 3, "'oui'", "'no', 'yes'", out=out)


def test_pos_label_with_three_values(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "f.csv", "y,p", ["a", "b", "c"], [0.9, 0.2, 0.5])
    _fails(cli("eval", f, "--pos-label", "a"), 3, "3 values")


def test_pos_label_third_value_in_a_later_chunk(cli: Run, tmp_path: Path) -> None:
    # within the first 1000 rows (the reading's, whatever --chunk-size): not binary
    f = _csv(tmp_path / "f.csv", "y,p", ["yes", "no", "yes", "maybe"], [0.9, 0.2, 0.6, 0.5])
    out = tmp_path / "out.json"
    for chunk in (["--chunk-size", "2"], []):
        r = cli("eval", f, "--pos-label", "yes", *chunk, "-o", out)
        _fails(r, 3, "3 values", "'maybe'", out=out)
    # after them: the row that holds it
    y = ["yes", "no"] * 700
    y[1300] = "maybe"
    f = _csv(tmp_path / "g.csv", "y,p", y, [0.5] * 1400)
    for chunk in (["--chunk-size", "7"], []):
        r = cli("eval", f, "--pos-label", "yes", *chunk, "-o", out)
        _fails(r, 3, "row 1301", "'maybe'", out=out)


def test_pos_label_with_regression_is_a_usage_error(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "f.csv", "y,p", [1.5, 2.5], [1.0, 2.0])
    _fails(cli("eval", f, "--task", "regression", "--pos-label", "1.5"), 2, "--pos-label")


def test_one_based_labels_hint(cli: Run, tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("y,a,b,c\n1,0.2,0.3,0.5\n3,0.1,0.1,0.8\n2,0.6,0.2,0.2\n")
    out = tmp_path / "out.json"
    _fails(cli("eval", f, "-o", out), 3, "row 2", "look 1-based", "1..3", out=out)
    _fails(cli("eval", f, "-l", "categorical_cross_entropy"), 3, "look 1-based")


def test_pos_label_in_help(cli: Run) -> None:
    assert "--pos-label" in cli("eval", "--help").out
    assert "--pos-label" in cli("batch", "--help").out


def test_batch_takes_pos_label(cli: Run, tmp_path: Path) -> None:
    t = _csv(tmp_path / "t.csv", "y", ["yes", "no", "yes"])
    a = _csv(tmp_path / "a.csv", "p", [0.9, 0.2, 0.6])
    b = _csv(tmp_path / "b.csv", "p", [0.6, 0.4, 0.3])
    r = cli("batch", a, b, "--targets", t, "--pos-label", "yes", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["overall"]["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(
        skm.log_loss([1, 0, 1, 1, 0, 1], [0.9, 0.2, 0.6, 0.6, 0.4, 0.3])
    )


def test_api_takes_pos_label() -> None:
    import losscli

    r = losscli.evaluate(["spam", "ham", "spam"], [0.8, 0.1, 0.4], pos_label="spam")
    assert r.task == "binary"
    assert r.losses["binary_cross_entropy"]["mean"] == pytest.approx(
        skm.log_loss([1, 0, 1], [0.8, 0.1, 0.4])
    )
