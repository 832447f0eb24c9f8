"""Hard labels through the command: predictions as ``model.predict()`` writes them (class
ids or class names), checked against scikit-learn; swapped files; the requested losses
informing the task (issue 14, items 3, 4 and 6)."""

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

DECISIONS = ["-m", "accuracy", "-m", "balanced_accuracy", "-m", "f1", "-m", "mcc"]


def _csv(path: Path, header: str, *cols: Any) -> Path:
    rows = [",".join(str(v) for v in row) for row in zip(*cols)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _report(r: Result) -> dict[str, Any]:
    assert r.code == 0, r.err
    return json.loads(r.out)


def _said(d: dict[str, Any]) -> str:
    """Notes and warnings (notes may be shown among the warnings)."""
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
    return np.random.default_rng(14)


def test_binary_predict_output_is_hard_labels(run: Run, tmp_path: Path, rng: Any) -> None:
    y = rng.integers(0, 2, 300)
    p = np.where(rng.uniform(size=300) < 0.8, y, 1 - y)
    f = _csv(tmp_path / "b.csv", "y,pred", y, p)
    d = _report(run("eval", f, *DECISIONS, "-m", "precision", "-m", "recall", "-f", "json"))
    assert list(d["losses"]) == ["zero_one"]
    assert d["losses"]["zero_one"]["mean"] == pytest.approx(1 - skm.accuracy_score(y, p))
    m = d["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-15)
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p), abs=1e-15)
    assert m["f1"] == pytest.approx(skm.f1_score(y, p), abs=1e-15)
    assert m["precision"] == pytest.approx(skm.precision_score(y, p), abs=1e-15)
    assert m["recall"] == pytest.approx(skm.recall_score(y, p), abs=1e-15)
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p), abs=1e-15)
    assert d["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, p).tolist()
    said = _said(d)
    assert "hard labels" in said and "-l binary_cross_entropy" in said


def test_binary_01_with_a_probability_loss_is_probabilities(cli: Run, tmp_path: Path) -> None:
    y = [0, 1, 1, 0, 1]
    p = [0, 1, 0, 0, 1]
    f = _csv(tmp_path / "b.csv", "y,pred", y, p)
    d = _report(cli("eval", f, "-l", "binary_cross_entropy", "-f", "json"))
    assert "binary_cross_entropy" in d["losses"]
    ref = skm.log_loss(y, np.clip(np.array(p, float), 1e-15, 1 - 1e-15))
    assert d["losses"]["binary_cross_entropy"]["mean"] == pytest.approx(ref, rel=1e-12)
    assert "taken as probabilities, as -l binary_cross_entropy asks" in _said(d)


def test_pm1_hard_labels(cli: Run, tmp_path: Path) -> None:
    y = [-1, 1, 1, -1, 1, -1]
    p = [-1, 1, -1, -1, 1, 1]
    f = _csv(tmp_path / "b.csv", "y,pred", y, p)
    d = _report(cli("eval", f, *DECISIONS, "-f", "json"))
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p))
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p))


def test_multiclass_integer_ids(cli: Run, tmp_path: Path, rng: Any) -> None:
    y = rng.integers(0, 4, 400)
    p = np.where(rng.uniform(size=400) < 0.6, y, rng.integers(0, 4, 400))
    t = _csv(tmp_path / "t.csv", "y", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    args = ["eval", t, pf, *DECISIONS, "-m", "precision", "-m", "recall", "-f", "json"]
    d = _report(cli(*args))
    m = d["metrics"]
    assert d["task"] == "multiclass"
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-15)
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p), abs=1e-15)
    assert m["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"), abs=1e-15)
    assert m["precision"] == pytest.approx(skm.precision_score(y, p, average="macro"), abs=1e-15)
    assert m["recall"] == pytest.approx(skm.recall_score(y, p, average="macro"), abs=1e-15)
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p), abs=1e-15)
    assert d["confusion_matrix"]["labels"] == ["0", "1", "2", "3"]
    assert d["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, p).tolist()
    # weighted too, and the same whatever the chunking
    w = rng.uniform(0.5, 2.0, 400)
    wf = _csv(tmp_path / "w.csv", "w", w)
    dw = _report(cli(*args, "--weights", wf, "--chunk-size", "1000"))
    ref = skm.f1_score(y, p, average="macro", sample_weight=np.round(w, 12))
    assert dw["metrics"]["f1"] == pytest.approx(ref, rel=1e-9)


def test_star_ratings_are_labels_by_the_rule(cli: Run, tmp_path: Path, rng: Any) -> None:
    y = rng.integers(1, 6, 200)
    p = np.clip(y + rng.integers(-1, 2, 200), 1, 5)
    t = _csv(tmp_path / "t.csv", "stars", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    d = _report(cli("eval", t, pf, "--target-col", "stars", *DECISIONS, "-f", "json"))
    assert d["task"] == "multiclass"
    assert d["confusion_matrix"]["labels"] == ["1", "2", "3", "4", "5"]
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"), abs=1e-15)
    assert d["metrics"]["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p), abs=1e-15)
    said = _said(d)
    assert "taken as class labels 1, 2, 3, 4, 5" in said and "--task regression" in said
    # --task regression: numbers, as the note says
    d2 = _report(cli("eval", t, pf, "--target-col", "stars", "--task", "regression", "-f", "json"))
    assert d2["task"] == "regression"
    assert d2["losses"]["mse"]["mean"] == pytest.approx(skm.mean_squared_error(y, p))
    # -l mse asks for a regression too
    d3 = _report(cli("eval", t, pf, "--target-col", "stars", "-l", "mse", "-f", "json"))
    assert d3["task"] == "regression"


def test_counts_are_a_regression_with_a_note(cli: Run, tmp_path: Path) -> None:
    y = [0, 3, 7, 2, 5, 9, 4]
    p = [1, 3, 6, 2, 8, 9, 11]  # 1, 6, 8, 11 are no target value
    t = _csv(tmp_path / "t.csv", "y", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    d = _report(cli("eval", t, pf, "-f", "json"))
    assert d["task"] == "regression"
    assert d["losses"]["mse"]["mean"] == pytest.approx(skm.mean_squared_error(y, p))
    assert "scored as a regression" in _said(d) and "--task multiclass" in _said(d)
    d2 = _report(cli("eval", t, pf, "--task", "multiclass", "-f", "json"))
    assert d2["task"] == "multiclass"
    assert d2["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p))


def test_class_names_on_both_sides(cli: Run, tmp_path: Path, rng: Any) -> None:
    names = np.array(["setosa", "versicolor", "virginica"])
    y = names[rng.integers(0, 3, 150)]
    p = np.where(rng.uniform(size=150) < 0.7, y, names[rng.integers(0, 3, 150)])
    t = _csv(tmp_path / "t.csv", "species", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    args = ["eval", t, pf, "--target-col", "species", "--pred-col", "pred"]
    d = _report(cli(*args, *DECISIONS, "-f", "json"))
    assert d["task"] == "multiclass"
    assert d["confusion_matrix"]["labels"] == sorted(names.tolist())
    assert d["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, p).tolist()
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"), abs=1e-15)
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-15)
    assert "union of the names" in _said(d) and "sorted" in _said(d)


def test_names_union_includes_a_class_only_predicted(cli: Run, tmp_path: Path) -> None:
    y = ["cat", "dog", "cat", "dog"]
    p = ["cat", "bird", "cat", "dog"]
    t = _csv(tmp_path / "t.csv", "y", y)
    pf = _csv(tmp_path / "p.csv", "pred", p)
    d = _report(cli("eval", t, pf, "--pred-col", "pred", "-m", "f1", "-f", "json"))
    assert d["confusion_matrix"]["labels"] == ["bird", "cat", "dog"]
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"))


@pytest.mark.parametrize(
    "flags,needs",
    [
        (["-l", "categorical_cross_entropy"], "needs probabilities"),
        (["-m", "roc_auc"], "needs scores or probabilities"),
        (["-m", "brier"], "needs probabilities"),
        (["-m", "top_k_accuracy"], "needs scores or probabilities"),
    ],
)
def test_probability_figures_on_hard_labels_are_usage_errors(
    cli: Run, tmp_path: Path, flags: list[str], needs: str
) -> None:
    t = _csv(tmp_path / "t.csv", "y", ["a", "b", "c", "a"])
    pf = _csv(tmp_path / "p.csv", "pred", ["a", "c", "c", "b"])
    out = tmp_path / "out.json"
    r = cli("eval", t, pf, "--pred-col", "pred", *flags, "-o", out)
    _fails(r, 2, needs, "hard labels", "accuracy", out=out)


def test_integer_labels_with_a_probability_loss_is_a_usage_error(cli: Run, tmp_path: Path) -> None:
    t = _csv(tmp_path / "t.csv", "y", [0, 1, 2, 2, 1])
    pf = _csv(tmp_path / "p.csv", "pred", [0, 2, 2, 1, 1])
    out = tmp_path / "out.json"
    r = cli("eval", t, pf, "-l", "categorical_cross_entropy", "-o", out)
    _fails(r, 2, "categorical_cross_entropy", "needs probabilities", out=out)


def test_later_chunk_contradicts_hard_labels(cli: Run, tmp_path: Path) -> None:
    """The reading is the whole input's whatever --chunk-size (tests/engines/
    test_chunk_decisions.py has the restart and the stdin error)."""
    y = [0, 1, 1, 0, 1, 0]
    p = [0, 1, 1, 0, 0.3, 1]
    f = _csv(tmp_path / "b.csv", "y,pred", y, p)
    d = _report(cli("eval", f, "--chunk-size", "2", "-f", "json"))
    assert "binary_cross_entropy" in d["losses"]
    assert d == _report(cli("eval", f, "-f", "json"))


def test_later_chunk_with_a_new_class(cli: Run, tmp_path: Path) -> None:
    t = _csv(tmp_path / "t.csv", "y", ["a", "b", "a", "c"])
    pf = _csv(tmp_path / "p.csv", "pred", ["a", "b", "b", "a"])
    d = _report(cli("eval", t, pf, "--pred-col", "pred", "--chunk-size", "2", "-f", "json"))
    assert d == _report(cli("eval", t, pf, "--pred-col", "pred", "-f", "json"))
    assert d["confusion_matrix"]["labels"] == ["a", "b", "c"]


def test_hard_labels_per_sample_and_table(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "b.csv", "y,pred", [0, 1, 1, 0], [0, 1, 0, 0])
    ps = tmp_path / "ps.csv"
    r = cli("eval", f, "--per-sample", ps)
    assert r.code == 0, r.err
    assert "zero_one" in r.out
    assert ps.read_text().splitlines()[0].endswith("zero_one")


# -- swapped files (item 3)


def test_swapped_files_stop(cli: Run, tmp_path: Path) -> None:
    probs = _csv(tmp_path / "preds.csv", "y_pred", [0.9, 0.2, 0.65, 0.1])
    labels = _csv(tmp_path / "targets.csv", "y", [1, 0, 1, 0])
    out = tmp_path / "out.json"
    r = cli("eval", probs, labels, "-o", out)
    _fails(r, 3, "swapped", "losscli eval TARGETS PREDICTIONS", "--task", out=out)
    # the right order works
    d = _report(cli("eval", labels, probs, "-f", "json"))
    assert d["task"] == "binary"


def test_swapped_files_with_name_predictions(cli: Run, tmp_path: Path) -> None:
    probs = _csv(tmp_path / "preds.csv", "y", [0.9, 0.2, 0.65])
    labels = _csv(tmp_path / "targets.csv", "pred", ["a", "b", "a"])
    r = cli("eval", probs, labels, "--no-config")
    assert r.code == 3, r.err
    assert "swapped" in r.err or "error:" in r.err


@pytest.mark.parametrize("flag", [["--task", "regression"], ["--target-col", "y"]])
def test_swapped_check_is_off_with_explicit_flags(
    cli: Run, tmp_path: Path, flag: list[str]
) -> None:
    a = _csv(tmp_path / "a.csv", "y", [0.9, 0.2, 0.65, 0.1])
    b = _csv(tmp_path / "b.csv", "y", [1, 0, 1, 0])
    d = _report(cli("eval", a, b, *flag, "-l", "mse", "-f", "json"))
    assert d["losses"]["mse"]["mean"] == pytest.approx(
        skm.mean_squared_error([0.9, 0.2, 0.65, 0.1], [1, 0, 1, 0])
    )


def test_swapped_one_hot_probability_targets(cli: Run, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "a,b,c", [0.2, 0.7], [0.3, 0.1], [0.5, 0.2])
    b = _csv(tmp_path / "b.csv", "pred", [2, 0])
    _fails(cli("eval", a, b), 3, "swapped")


# -- the requested losses inform the task (item 6)


def test_out_of_range_label_with_categorical_cross_entropy(cli: Run, tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("y,a,b,c\n0,0.2,0.3,0.5\n5,0.1,0.1,0.8\n2,0.6,0.2,0.2\n")
    out = tmp_path / "out.json"
    r = cli("eval", f, "-l", "categorical_cross_entropy", "-o", out)
    _fails(r, 3, "row 2", "column y", "class label 5.0", out=out)
    assert "does not apply" not in r.err


def test_one_hot_width_mismatch_with_categorical_cross_entropy(cli: Run, tmp_path: Path) -> None:
    t = _csv(tmp_path / "t.csv", "t0,t1,t2", [1, 0], [0, 1], [0, 0])
    p = _csv(tmp_path / "p.csv", "a,b,c,d", [0.1, 0.4], [0.2, 0.3], [0.3, 0.2], [0.4, 0.1])
    out = tmp_path / "out.json"
    r = cli("eval", t, p, "-l", "categorical_cross_entropy", "-o", out)
    _fails(r, 3, "width mismatch", "3 target column(s)", "4 prediction column(s)", out=out)


def test_binary_loss_on_a_third_label_names_it(cli: Run, tmp_path: Path) -> None:
    f = _csv(tmp_path / "b.csv", "y,p", [0, 2, 1], [0.2, 0.4, 0.9])
    _fails(cli("eval", f, "-l", "binary_cross_entropy"), 3, "row 2", "binary label 2.0")


def test_explain_and_list_show_what_a_figure_needs(cli: Run) -> None:
    r = cli("explain", "categorical_cross_entropy")
    assert r.code == 0 and "needs:" in r.out and "not hard labels" in r.out
    r = cli("explain", "f1")
    assert "hard labels" in r.out
    r = cli("list", "--format", "json")
    entries = {e["name"]: e for e in json.loads(r.out)}
    assert entries["accuracy"]["needs"] == "decisions"
    assert entries["roc_auc"]["needs"] == "scores"
    assert entries["brier"]["needs"] == "probabilities"
    assert "needs" in cli("list").out.splitlines()[0]


def test_api_hard_labels_and_contradiction() -> None:
    import losscli
    from losscli.errors import Contradiction, InputError

    y, p = [0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1]
    r = losscli.evaluate(y, p, metrics=["f1", "mcc"])
    assert r.task == "multiclass"
    assert r.metrics["f1"] == pytest.approx(skm.f1_score(y, p, average="macro"))
    assert r.metrics["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p))
    assert issubclass(Contradiction, InputError)
    # a later chunk that contradicts the first rows' reading: read again (lists can be)
    a = losscli.evaluate([0, 1, 1, 0], [0, 1, 0.3, 1], chunk_rows=2).to_dict()
    assert a == losscli.evaluate([0, 1, 1, 0], [0, 1, 0.3, 1]).to_dict()
    # one that cannot be read again (stdin) is an error naming the flag
    import io

    rows = [f"{i % 2},{0.3 if i == 1200 else i % 2}" for i in range(1500)]
    data = io.BytesIO(("y,pred\n" + "\n".join(rows) + "\n").encode())
    with pytest.raises(Contradiction, match="-l binary_cross_entropy"):
        losscli.evaluate("-", stdin=data)
