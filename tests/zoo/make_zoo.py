"""Write the zoo: real layouts of targets and predictions, and their expected outcomes.

    python tests/zoo/make_zoo.py            # rewrites tests/zoo/files/ and tests/zoo/cases.py
    python tests/zoo/make_zoo.py OUTDIR     # writes OUTDIR/files/ and OUTDIR/cases.py

Deterministic (seeded; gzip, NPZ and Parquet written without timestamps).  The files are
written the way real tools write them (pandas ``to_csv`` with and without its index,
scikit-learn ``predict`` / ``predict_proba`` / ``decision_function`` of real models on its
bundled datasets, a spreadsheet export, model-serving JSON Lines, ...).  Every expected
figure is computed here by scikit-learn / NumPy from the very arrays written to the files
(values are rounded to 10 significant digits *before* writing, so what a reader parses is
exactly what the reference saw), and stored as a literal in the generated ``cases.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

HERE = Path(__file__).resolve().parent
EPS = 1e-15  # the contract's default clipping of probabilities

# --------------------------------------------------------------------------- helpers


def r10(a: Any) -> np.ndarray:
    """Round to 10 significant digits: the values as the files hold them."""
    arr = np.asarray(a, dtype=np.float64)
    return np.array([float(f"{x:.10g}") for x in arr.ravel()]).reshape(arr.shape)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def bce_clipped(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> float:
    """Binary cross-entropy clipped at eps = 1e-15 (scikit-learn < 1.5's log_loss)."""
    q = np.clip(p, EPS, 1.0 - EPS)
    loss = -(y * np.log(q) + (1.0 - y) * np.log1p(-q))
    return float(np.average(loss, weights=w))


def bin_prob(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None, auc: bool = False) -> dict:
    assert np.all((p > 1e-14) & (p < 1 - 1e-14)) and not np.any(p == 0.5)
    out = {
        "task": "binary",
        "n_samples": len(y),
        "losses.binary_cross_entropy.mean": skm.log_loss(y, p, sample_weight=w),
        "metrics.accuracy": skm.accuracy_score(y, (p > 0.5).astype(int), sample_weight=w),
    }
    if auc:
        out["metrics.roc_auc"] = skm.roc_auc_score(y, p, sample_weight=w)
    return out


def multi_prob(y: np.ndarray, P: np.ndarray, w: np.ndarray | None = None) -> dict:
    k = P.shape[1]
    assert np.allclose(P.sum(axis=1), 1.0, rtol=1e-9, atol=1e-9)
    return {
        "task": "multiclass",
        "n_samples": len(y),
        "losses.categorical_cross_entropy.mean": skm.log_loss(
            y, P, labels=list(range(k)), sample_weight=w
        ),
        "metrics.accuracy": skm.accuracy_score(y, P.argmax(axis=1), sample_weight=w),
    }


def hard(y: Any, q: Any, task: str, extra: tuple[str, ...] = (), pos: Any = None) -> dict:
    out = {
        "task": task,
        "n_samples": len(y),
        "losses.zero_one.mean": skm.zero_one_loss(y, q),
        "metrics.accuracy": skm.accuracy_score(y, q),
    }
    avg: dict[str, Any] = (
        {"average": "binary", "pos_label": 1 if pos is None else pos}
        if task == "binary"
        else {"average": "macro"}
    )
    for name in extra:
        if name == "f1":
            out["metrics.f1"] = skm.f1_score(y, q, **avg)
        elif name == "precision":
            out["metrics.precision"] = skm.precision_score(y, q, **avg)
        elif name == "recall":
            out["metrics.recall"] = skm.recall_score(y, q, **avg)
        elif name == "mcc":
            out["metrics.mcc"] = skm.matthews_corrcoef(y, q)
        elif name == "balanced_accuracy":
            out["metrics.balanced_accuracy"] = skm.balanced_accuracy_score(y, q)
        else:
            raise KeyError(name)
    return out


def regression(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> dict:
    return {
        "task": "regression",
        "n_samples": len(y),
        "losses.mse.mean": skm.mean_squared_error(y, p, sample_weight=w),
        "metrics.rmse": math.sqrt(skm.mean_squared_error(y, p, sample_weight=w)),
    }


# --------------------------------------------------------------------------- writers


class Zoo:
    def __init__(self, out: Path) -> None:
        self.dir = out / "files"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cases: list[dict] = []
        self.written: list[str] = []

    def path(self, name: str) -> Path:
        assert name not in self.written, name
        self.written.append(name)
        return self.dir / name

    def csv(self, name: str, df: pd.DataFrame, **kw: Any) -> str:
        kw.setdefault("lineterminator", "\n")
        text = df.to_csv(**kw)
        assert isinstance(text, str)
        data = text.encode("utf-8")
        p = self.path(name)
        if name.endswith(".gz"):
            with (
                open(p, "wb") as fh,
                gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz,
            ):
                gz.write(data)
        else:
            p.write_bytes(data)
        return name

    def raw(self, name: str, data: bytes) -> str:
        self.path(name).write_bytes(data)
        return name

    def jsonl(self, name: str, rows: list[dict]) -> str:
        text = "".join(json.dumps(r) + "\n" for r in rows)
        return self.raw(name, text.encode())

    def npz(self, name: str, **arrays: np.ndarray) -> str:
        with zipfile.ZipFile(self.path(name), "w", zipfile.ZIP_STORED) as zf:
            for key, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                zf.writestr(info, buf.getvalue())
        return name

    def parquet(self, name: str, table: pa.Table) -> str:
        pq.write_table(table, self.path(name), compression="snappy")
        return name

    def case(
        self,
        cid: str,
        files: list[str],
        args: list[str] | None = None,
        *,
        layout: str,
        expect: dict | None = None,
        exit: int = 0,
        error: list | None = None,
        notes: list | None = None,
        warnings: list | None = None,
        per_sample_ids: str | None = None,
        choice: str | None = None,
    ) -> None:
        assert all(c["id"] != cid for c in self.cases), cid
        assert (exit == 0) == (expect is not None) and (exit == 0) == (error is None), cid
        row: dict[str, Any] = {"id": cid, "layout": layout, "files": files, "args": args or []}
        row["exit"] = exit
        if expect is not None:
            row["expect"] = {
                k: (float(v) if isinstance(v, np.floating) else v) for k, v in expect.items()
            }
        if error is not None:
            row["error"] = error
        if notes:
            row["notes"] = notes
        if warnings:
            row["warnings"] = warnings
        if per_sample_ids:
            row["per_sample_ids"] = per_sample_ids
        if choice:
            row["choice"] = choice
        self.cases.append(row)


# --------------------------------------------------------------------------- models


def models() -> dict[str, Any]:
    m: dict[str, Any] = {}
    # Breast cancer (binary, 1 = benign): a logistic regression on 5 features, 114 test rows.
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]
    Xtr, Xte, ytr, yte, _, idx = train_test_split(
        X, y, np.arange(len(y)), test_size=0.2, random_state=0, stratify=y
    )
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(Xtr, ytr)
    m["bc"] = {
        "y": yte.astype(int),
        "p": r10(clf.predict_proba(Xte)[:, 1]),
        "pred": clf.predict(Xte).astype(int),
        "z": r10(clf.decision_function(Xte)),
        "idx": idx,
    }
    svm = make_pipeline(StandardScaler(), LinearSVC(C=0.5, max_iter=10000)).fit(Xtr, 2 * ytr - 1)
    m["bc"]["svm"] = r10(svm.decision_function(Xte))
    # Iris (3 classes): a logistic regression on the two sepal features, 60 test rows.
    iris = load_iris()
    Xtr, Xte, ytr, yte = train_test_split(
        iris.data[:, :2], iris.target, test_size=0.4, random_state=1, stratify=iris.target
    )
    clf = LogisticRegression(C=1.0, max_iter=1000).fit(Xtr, ytr)
    z = r10(clf.decision_function(Xte))
    P = r10(clf.predict_proba(Xte))
    m["iris"] = {
        "y": yte.astype(int),
        "P": P,
        "pred": clf.predict(Xte).astype(int),
        "z": z,
        "names": list(iris.target_names),
    }
    # Wine (3 classes): a logistic regression on 3 features, 72 test rows.
    X, y = load_wine(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(
        X[:, [0, 6, 9]], y, test_size=0.4, random_state=2, stratify=y
    )
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=1000)).fit(Xtr, ytr)
    m["wine"] = {
        "y": yte.astype(int),
        "P": r10(clf.predict_proba(Xte)),
        "pred": clf.predict(Xte).astype(int),
    }
    # Diabetes (regression): ordinary least squares on all features, 111 test rows.
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=3)
    reg = LinearRegression().fit(Xtr, ytr)
    m["diab"] = {"y": yte.astype(float), "p": r10(reg.predict(Xte))}
    return m


# --------------------------------------------------------------------------- the zoo


def build(out: Path) -> Zoo:  # noqa: PLR0915 - one long, flat list of layouts
    rng = np.random.default_rng(20261201)
    zoo = Zoo(out)
    m = models()
    bc, iris, wine, diab = m["bc"], m["iris"], m["wine"], m["diab"]
    y, p, pred, n = bc["y"], bc["p"], bc["pred"], len(bc["y"])
    names = iris["names"]

    # ---- binary probabilities, one file, as pandas writes them
    df = pd.DataFrame({"target": y, "proba": p})
    f = zoo.csv("bc_index.csv", df)  # to_csv() with its RangeIndex: empty header
    zoo.case(
        "bc_pandas_index",
        [f],
        layout="to_csv() with its index (empty header)",
        expect=bin_prob(y, p, auc=True),
        notes=["index"],
        args=["-m", "accuracy", "-m", "roc_auc"],
    )
    again = pd.read_csv(zoo.dir / f)  # read back and written again: the index becomes 'Unnamed: 0'
    f = zoo.csv("bc_unnamed0.csv", again, index=False)
    zoo.case(
        "bc_unnamed0",
        [f],
        layout="read_csv + to_csv(index=False): 'Unnamed: 0' column",
        expect=bin_prob(y, p),
        notes=["Unnamed: 0"],
    )
    f = zoo.csv("bc_noindex.csv", pd.DataFrame({"y_true": y, "y_prob": p}), index=False)
    zoo.case(
        "bc_noindex", [f], layout="to_csv(index=False), y_true / y_prob", expect=bin_prob(y, p)
    )
    gzdf = pd.DataFrame({"target": y, "proba": p}, index=bc["idx"])  # the split's original row ids
    f = zoo.csv("bc_index.csv.gz", gzdf)
    zoo.case(
        "bc_gzip_index",
        [f],
        layout="to_csv('x.csv.gz') with a shuffled index (split row ids)",
        expect=bin_prob(y, p),
        notes=["index"],
    )

    # ---- extra columns: weights, folds, ids
    w = rng.integers(1, 6, n).astype(float)
    f = zoo.csv(
        "bc_sample_weight.csv",
        pd.DataFrame({"target": y, "proba": p, "sample_weight": w}),
        index=False,
    )
    zoo.case(
        "bc_weight_unflagged",
        [f],
        layout="a sample_weight column, --weights not given",
        exit=3,
        error=["sample_weight", "--weights", "--pred-col"],
    )
    zoo.case(
        "bc_weight_flagged",
        [f],
        ["--weights", "sample_weight"],
        layout="--weights sample_weight",
        expect=bin_prob(y, p, w),
    )
    zoo.case(
        "bc_weight_predcol",
        [f],
        ["--pred-col", "proba"],
        layout="a sample_weight column, --pred-col proba chooses the predictions",
        expect=bin_prob(y, p),
        choice="the error message proposes --pred-col to choose the predictions, so with it "
        "the run is the unweighted one",
    )
    folds = rng.integers(0, 5, n)
    f = zoo.csv("bc_fold.csv", pd.DataFrame({"fold": folds, "target": y, "proba": p}), index=False)
    zoo.case(
        "bc_fold",
        [f],
        layout="a cross-validation fold column",
        expect=bin_prob(y, p),
        notes=["fold"],
    )
    tid = [f"P{k:04d}" for k in rng.permutation(9000)[:n] + 1000]
    f = zoo.csv("bc_text_id.csv", pd.DataFrame({"id": tid, "target": y, "proba": p}), index=False)
    zoo.case("bc_text_id", [f], layout="a text id column", expect=bin_prob(y, p), notes=["id"])
    nid = rng.permutation(900000)[:n] + 100000
    f = zoo.csv(
        "bc_numeric_id.csv", pd.DataFrame({"patient_id": nid, "target": y, "proba": p}), index=False
    )
    zoo.case(
        "bc_numeric_id",
        [f],
        layout="a numeric patient_id column (6-digit)",
        expect=bin_prob(y, p),
        notes=["patient_id"],
    )
    f = zoo.csv(
        "bc_obs.csv",
        pd.DataFrame({"obs": np.arange(1, n + 1), "target": y, "proba": p}),
        index=False,
    )
    zoo.case(
        "bc_consecutive_unnamed_index",
        [f],
        layout="a column 'obs' holding 1..n (an index under a name that is not id-like)",
        exit=3,
        error=["obs", "--id-col"],
    )

    # ---- binary, two files
    f_t = zoo.csv("bc_targets.csv", pd.DataFrame({"target": y}), index=False)
    f_p = zoo.csv("bc_preds.csv", pd.DataFrame({"proba": p}), index=False)
    zoo.case(
        "bc_two_files",
        [f_t, f_p],
        layout="targets file, predictions file (no ids)",
        expect=bin_prob(y, p),
    )
    zoo.case(
        "bc_swapped",
        [f_p, f_t],
        layout="the same pair, predictions file first",
        exit=3,
        error=[["swapped", "order"]],
    )
    f_t = zoo.csv("bc_keyed_targets.csv", pd.DataFrame({"id": tid, "target": y}), index=False)
    f_p = zoo.csv("bc_keyed_preds.csv", pd.DataFrame({"id": tid, "proba": p}), index=False)
    zoo.case(
        "bc_keyed_same_order",
        [f_t, f_p],
        layout="both files keyed by 'id', same order",
        expect=bin_prob(y, p),
        notes=["id"],
    )
    perm = rng.permutation(n)
    f_s = zoo.csv(
        "bc_keyed_preds_shuffled.csv",
        pd.DataFrame({"id": np.array(tid)[perm], "proba": p[perm]}),
        index=False,
    )
    zoo.case(
        "bc_keyed_shuffled",
        [f_t, f_s],
        layout="both files keyed by 'id', predictions shuffled",
        expect=bin_prob(y, p),
        notes=["id"],
    )
    zoo.case(
        "bc_keyed_shuffled_idcol",
        [f_t, f_s],
        ["--id-col", "id"],
        layout="keyed and shuffled, --id-col id given",
        expect=bin_prob(y, p),
    )
    keep = perm[perm != 41]
    f_m = zoo.csv(
        "bc_keyed_preds_missing.csv",
        pd.DataFrame({"id": np.array(tid)[keep], "proba": p[keep]}),
        index=False,
    )
    zoo.case(
        "bc_keyed_missing_row",
        [f_t, f_m],
        layout="keyed, one prediction row lost by the job",
        exit=3,
        error=[tid[41], "--allow-missing"],
    )
    f_t = zoo.csv("bc_numid_targets.csv", pd.DataFrame({"id": nid, "target": y}), index=False)
    f_p = zoo.csv(
        "bc_numid_preds.csv", pd.DataFrame({"id": nid[perm], "proba": p[perm]}), index=False
    )
    zoo.case(
        "bc_numeric_id_shuffled",
        [f_t, f_p],
        layout="both files keyed by a numeric 'id', shuffled",
        expect=bin_prob(y, p),
        notes=["id"],
    )

    # ---- binary hard labels (model.predict())
    f = zoo.csv("bc_predict.csv", pd.DataFrame({"target": y, "y_pred": pred}), index=False)
    zoo.case(
        "bc_hard_labels",
        [f],
        layout="predict() output: 0/1 labels",
        expect=hard(y, pred, "binary"),
        notes=["label"],
    )
    zoo.case(
        "bc_hard_labels_metrics",
        [f],
        [
            "-m",
            "accuracy",
            "-m",
            "precision",
            "-m",
            "recall",
            "-m",
            "f1",
            "-m",
            "mcc",
            "-m",
            "balanced_accuracy",
        ],
        layout="0/1 labels with the decisions-only metrics",
        expect=hard(y, pred, "binary", ("precision", "recall", "f1", "mcc", "balanced_accuracy")),
    )
    zoo.case(
        "bc_hard_labels_roc_auc",
        [f],
        ["-m", "roc_auc"],
        layout="0/1 labels, -m roc_auc: read as scores (roc_auc asks for them), and said",
        expect={"task": "binary", "n_samples": n, "metrics.roc_auc": skm.roc_auc_score(y, pred)},
        notes=["roc_auc"],
    )
    yf = y.astype(float)
    zoo.case(
        "bc_hard_labels_as_probabilities",
        [f],
        ["-l", "binary_cross_entropy"],
        layout="0/1 labels, -l binary_cross_entropy: read as probabilities 0 and 1 (clipped)",
        expect={
            "task": "binary",
            "n_samples": n,
            "losses.binary_cross_entropy.mean": bce_clipped(yf, pred.astype(float)),
            "metrics.accuracy": skm.accuracy_score(y, pred),
        },
        warnings=["clip"],
    )
    both = pd.DataFrame({"target": y, "y_pred": pred, "y_prob": p})
    f = zoo.csv("bc_predict_and_proba.csv", both, index=False)
    zoo.case(
        "bc_predict_and_proba",
        [f],
        layout="predict() and predict_proba()[:, 1] in one file",
        exit=3,
        error=["--pred-col"],
        choice="a label column beside a probability column is ambiguous: stop and name --pred-col",
    )
    zoo.case(
        "bc_predict_and_proba_prob",
        [f],
        ["--pred-col", "y_prob"],
        layout="... --pred-col y_prob",
        expect=bin_prob(y, p),
    )
    zoo.case(
        "bc_predict_and_proba_label",
        [f],
        ["--pred-col", "y_pred"],
        layout="... --pred-col y_pred",
        expect=hard(y, pred, "binary"),
    )

    # ---- label encodings
    yes = np.where(y == 1, "yes", "no")
    f = zoo.csv("yesno.csv", pd.DataFrame({"label": yes, "proba": p}), index=False)
    zoo.case(
        "yesno_unflagged",
        [f],
        layout="yes/no targets, probability of yes",
        exit=3,
        error=["--pos-label", "yes", "no"],
    )
    zoo.case(
        "yesno_pos_label",
        [f],
        ["--pos-label", "yes"],
        layout="yes/no, --pos-label yes",
        expect=bin_prob(y, p),
    )
    spam = np.where(y == 1, "spam", "ham")
    spam_pred = np.where(pred == 1, "spam", "ham")
    f = zoo.csv("spam_ham.csv", pd.DataFrame({"label": spam, "prediction": spam_pred}), index=False)
    zoo.case(
        "spam_ham_unflagged",
        [f],
        layout="spam/ham targets and predicted names: two classes by name, --pos-label offered",
        expect={
            "task": "multiclass",
            "n_samples": n,
            "metrics.accuracy": skm.accuracy_score(spam, spam_pred),
        },
        notes=["--pos-label"],
    )
    zoo.case(
        "spam_ham_pos_label",
        [f],
        ["--pos-label", "spam", "-m", "accuracy", "-m", "precision", "-m", "recall", "-m", "f1"],
        layout="spam/ham, --pos-label spam",
        expect=hard(spam, spam_pred, "binary", ("precision", "recall", "f1"), pos="spam"),
    )
    ham_pos = hard(spam, spam_pred, "binary", ("precision", "recall", "f1"), pos="ham")
    zoo.case(
        "spam_ham_pos_label_ham",
        [f],
        ["--pos-label", "ham", "-m", "accuracy", "-m", "precision", "-m", "recall", "-m", "f1"],
        layout="spam/ham, --pos-label ham (the other class positive)",
        expect=ham_pos,
    )
    y12 = y + 1
    f = zoo.csv("labels_1_2.csv", pd.DataFrame({"target": y12, "score": p}), index=False)
    zoo.case(
        "labels_1_2_unflagged",
        [f],
        layout="binary targets 1/2, probability of 2",
        exit=3,
        error=["--pos-label"],
    )
    zoo.case(
        "labels_1_2_pos_label",
        [f],
        ["--pos-label", "2"],
        layout="1/2, --pos-label 2",
        expect=bin_prob(y, p),
    )
    f = zoo.csv("true_false.csv", pd.DataFrame({"label": y.astype(bool), "proba": p}), index=False)
    zoo.case(
        "true_false",
        [f],
        layout="pandas bool targets written as True/False",
        expect=bin_prob(y, p),
        notes=["true"],
    )
    f = zoo.csv(
        "bc_svm_margins.csv", pd.DataFrame({"label": 2 * y - 1, "score": bc["svm"]}), index=False
    )
    s = bc["svm"]
    zoo.case(
        "bc_svm_hinge",
        [f],
        ["-l", "hinge"],
        layout="LinearSVC decision_function, labels -1/+1",
        expect={
            "task": "binary",
            "n_samples": n,
            "losses.hinge.mean": skm.hinge_loss(2 * y - 1, s),
        },
    )

    # ---- logits
    z = bc["z"]
    f = zoo.csv("bc_logits.csv", pd.DataFrame({"target": y, "logit": z}), index=False)
    zoo.case(
        "bc_logits",
        [f],
        ["--from-logits"],
        layout="decision_function of a logistic regression",
        expect={
            "task": "binary",
            "n_samples": n,
            "losses.binary_cross_entropy.mean": skm.log_loss(y, sigmoid(z)),
        },
    )
    zoo.case(
        "bc_probs_from_logits",
        ["bc_noindex.csv"],
        ["--from-logits"],
        layout="probabilities given with --from-logits: the reading is stated",
        expect={
            "task": "binary",
            "n_samples": n,
            "losses.binary_cross_entropy.mean": skm.log_loss(y, sigmoid(p)),
        },
        warnings=["--from-logits"],
    )

    # ---- multiclass probabilities (iris)
    yi, P, ni = iris["y"], iris["P"], len(iris["y"])
    pdf = pd.DataFrame(P, columns=names)
    df = pd.concat([pd.DataFrame({"target": yi}), pdf], axis=1)
    f = zoo.csv("iris_proba_index.csv", df)
    zoo.case(
        "iris_proba_index",
        [f],
        layout="class indices + predict_proba columns named by class, with index",
        expect=multi_prob(yi, P),
        notes=["index"],
    )
    names_y = np.array(names)[yi]
    df = pd.concat([pd.DataFrame({"label": names_y}), pdf], axis=1)
    f = zoo.csv("iris_names_proba.csv", df, index=False)
    zoo.case(
        "iris_names_proba",
        [f],
        layout="class names as targets, probability columns named by class",
        expect=multi_prob(yi, P),
    )
    f_t = zoo.csv("iris_targets.csv", pd.DataFrame({"target": yi}), index=False)
    f_p = zoo.csv("iris_proba.csv", pdf, index=False)
    zoo.case(
        "iris_two_files",
        [f_t, f_p],
        layout="y_test file and predict_proba file",
        expect=multi_prob(yi, P),
    )
    zoo.case(
        "iris_swapped",
        [f_p, f_t],
        layout="the same pair, predictions file first",
        exit=3,
        error=[["swapped", "order"]],
    )
    sid = [f"S{k:03d}" for k in rng.permutation(900)[:ni] + 100]
    f_t = zoo.csv(
        "iris_keyed_targets.csv", pd.DataFrame({"id": sid, "species": names_y}), index=False
    )
    perm_i = rng.permutation(ni)
    kp = pd.concat(
        [pd.DataFrame({"id": np.array(sid)[perm_i]}), pdf.iloc[perm_i].reset_index(drop=True)],
        axis=1,
    )
    f_p = zoo.csv("iris_keyed_preds_shuffled.csv", kp, index=False)
    zoo.case(
        "iris_keyed_shuffled",
        [f_t, f_p],
        layout="keyed by 'id': species names vs shuffled probability columns",
        expect=multi_prob(yi, P),
        notes=["id"],
    )
    f = zoo.csv(
        "iris_1based.csv",
        pd.concat(
            [pd.DataFrame({"target": yi + 1}), pd.DataFrame(P, columns=["p0", "p1", "p2"])], axis=1
        ),
        index=False,
    )
    zoo.case(
        "iris_1based_labels",
        [f],
        layout="labels 1..3 beside 3 probability columns",
        exit=3,
        error=[["1-based", "one-based", "1..3", "1 to 3"]],
    )
    zoo.case(
        "iris_1based_labels_cce",
        [f],
        ["-l", "categorical_cross_entropy"],
        layout="labels 1..3 beside 3 columns, -l categorical_cross_entropy: the bad label is named",
        exit=3,
        error=[["1-based", "one-based", "1..3", "1 to 3", "label 3", "out of range"]],
    )
    # rows that do not sum to 1: 7 rows rescaled, the first at data row 23
    bad = np.sort(np.concatenate([[22], rng.choice(np.arange(23, ni), 6, replace=False)]))
    Pb = P.copy()
    Pb[bad] = r10(Pb[bad] * rng.uniform(0.8, 0.95, (len(bad), 1)))
    f = zoo.csv(
        "iris_not_sum_1.csv",
        pd.concat([pd.DataFrame({"target": yi}), pd.DataFrame(Pb, columns=names)], axis=1),
        index=False,
    )
    cce_raw = float(np.mean(-np.log(np.clip(Pb[np.arange(ni), yi], EPS, 1.0))))
    raw = {
        "task": "multiclass",
        "n_samples": ni,
        "losses.categorical_cross_entropy.mean": cce_raw,
        "metrics.accuracy": skm.accuracy_score(yi, Pb.argmax(axis=1)),
    }
    zoo.case(
        "iris_not_sum_1",
        [f],
        layout="7 probability rows not summing to 1",
        expect=raw,
        warnings=["sum", "7", "23"],
    )
    zoo.case(
        "iris_not_sum_1_chunked",
        [f],
        ["--chunk-size", "10"],
        layout="the same with --chunk-size 10: one warning about the whole input",
        expect=raw,
        warnings=["sum", "7", "23"],
    )
    zoo.case(
        "iris_not_sum_1_strict",
        [f],
        ["--strict"],
        layout="the same with --strict",
        exit=3,
        error=["sum"],
    )
    zoo.case(
        "iris_not_sum_1_normalize",
        [f],
        ["--param", "normalize=true"],
        layout="the same with --param normalize=true",
        expect=multi_prob(yi, Pb / Pb.sum(axis=1, keepdims=True)),
    )
    zi = iris["z"]
    f = zoo.csv(
        "iris_logits.csv",
        pd.concat([pd.DataFrame({"target": yi}), pd.DataFrame(zi, columns=names)], axis=1),
        index=False,
    )
    zoo.case(
        "iris_logits",
        [f],
        ["--from-logits"],
        layout="decision_function logits, --from-logits",
        expect=multi_prob(yi, softmax(zi)),
    )
    zoo.case(
        "iris_logits_unflagged",
        [f],
        layout="logits without --from-logits",
        exit=3,
        error=["--from-logits"],
    )
    zoo.case(
        "iris_probs_from_logits",
        ["iris_names_proba.csv"],
        ["--from-logits"],
        layout="probabilities with --from-logits: the reading is stated",
        expect=multi_prob(yi, softmax(P)),
        warnings=["--from-logits"],
    )
    zoo.case(
        "iris_index_probs_from_logits",
        ["iris_proba_index.csv"],
        ["--from-logits"],
        layout="pandas index + probabilities, --from-logits (the index must not become a logit)",
        expect=multi_prob(yi, softmax(P)),
        notes=["index"],
        warnings=["--from-logits"],
    )

    # ---- multiclass hard labels
    qi = iris["pred"]
    f = zoo.csv("iris_predict.csv", pd.DataFrame({"target": yi, "prediction": qi}), index=False)
    zoo.case(
        "iris_hard_labels",
        [f],
        ["-m", "accuracy", "-m", "f1"],
        layout="predict(): class indices",
        expect=hard(yi, qi, "multiclass", ("f1",)),
        notes=["label"],
    )
    zoo.case(
        "iris_hard_labels_cce",
        [f],
        ["-l", "categorical_cross_entropy"],
        layout="class indices with -l categorical_cross_entropy",
        exit=2,
        error=["probabilit"],
    )
    q_names = np.array(names)[qi]
    f = zoo.csv(
        "iris_predict_names.csv", pd.DataFrame({"label": names_y, "y_pred": q_names}), index=False
    )
    zoo.case(
        "iris_hard_names",
        [f],
        ["-m", "accuracy", "-m", "f1", "-m", "balanced_accuracy"],
        layout="predict() of a model fitted on names: class names on both sides",
        expect=hard(names_y, q_names, "multiclass", ("f1", "balanced_accuracy")),
    )
    df = pd.concat([pd.DataFrame({"target": yi, "y_pred": qi}), pdf], axis=1)
    f = zoo.csv("iris_predict_and_proba.csv", df, index=False)
    zoo.case(
        "iris_predict_and_proba",
        [f],
        layout="predict() and predict_proba() in one file",
        exit=3,
        error=["--pred-col"],
        choice="a label column beside K probability columns is ambiguous: stop and name --pred-col",
    )
    zoo.case(
        "iris_predict_and_proba_cols",
        [f],
        ["--pred-col", ",".join(names)],
        layout="... --pred-col setosa,versicolor,virginica",
        expect=multi_prob(yi, P),
    )

    # ---- spreadsheet exports: UTF-8 BOM, ';', decimal commas, CRLF
    text = pd.DataFrame({"target": y, "proba": p}).to_csv(
        sep=";", decimal=",", index=False, lineterminator="\r\n"
    )
    f = zoo.raw("bc_excel.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    zoo.case(
        "bc_excel",
        [f],
        ["--delimiter", ";", "--decimal", ","],
        layout="Excel export: BOM, ';', decimal commas, CRLF",
        expect=bin_prob(y, p),
    )
    zoo.case(
        "bc_excel_unflagged",
        [f],
        layout="the Excel export without --delimiter/--decimal",
        exit=3,
        error=["--delimiter"],
        choice="stop with the hint (a ';' file with decimal commas read as one text column "
        "must not score); auto-detecting both with a note would also honour the promise",
    )
    df = pd.concat([pd.DataFrame({"ID": sid, "label": names_y}), pdf], axis=1)
    text = df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    f = zoo.raw("iris_excel.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    zoo.case(
        "iris_excel",
        [f],
        ["--delimiter", ";", "--decimal", ","],
        layout="Excel export with an ID column, class names and probability columns",
        expect=multi_prob(yi, P),
        notes=["ID"],
    )

    # ---- other formats
    yw, Pw, nw = wine["y"], wine["P"], len(wine["y"])
    wcols = ["class_0", "class_1", "class_2"]
    big = (2**60 + 3 * rng.permutation(10 * nw)[:nw]).astype(np.int64)
    perm_w = rng.permutation(nw)
    f_t = zoo.parquet(
        "wine_targets.parquet",
        pa.table({"id": pa.array(big, pa.int64()), "target": pa.array(yw, pa.int64())}),
    )
    cols = {"id": pa.array(big[perm_w], pa.int64())}
    cols.update({c: pa.array(Pw[perm_w, k]) for k, c in enumerate(wcols)})
    f_p = zoo.parquet("wine_preds_shuffled.parquet", pa.table(cols))
    zoo.case(
        "wine_parquet_int64_ids",
        [f_t, f_p],
        layout="Parquet, int64 ids beyond 2^53, predictions shuffled",
        expect=multi_prob(yw, Pw),
        notes=["id"],
    )
    wid = [f"wine-{k:05d}" for k in rng.permutation(99999)[:nw]]
    cols = {"sample_id": pa.array(wid, pa.string()), "target": pa.array(yw, pa.int64())}
    cols.update({c: pa.array(Pw[:, k]) for k, c in enumerate(wcols)})
    f = zoo.parquet("wine_string_ids.parquet", pa.table(cols))
    zoo.case(
        "wine_parquet_string_ids",
        [f],
        layout="Parquet, one file with a string sample_id column",
        expect=multi_prob(yw, Pw),
        notes=["sample_id"],
    )
    qw = wine["pred"]
    f_t = zoo.csv("wine_targets.tsv", pd.DataFrame({"target": yw}), sep="\t", index=False)
    f_p = zoo.csv("wine_predict.tsv", pd.DataFrame({"prediction": qw}), sep="\t", index=False)
    zoo.case(
        "wine_tsv_hard_labels",
        [f_t, f_p],
        layout="TSV files: targets and predict() labels",
        expect=hard(yw, qw, "multiclass"),
    )
    rid = [f"req-{k:06d}" for k in rng.permutation(999999)[:n]]
    f_t = zoo.jsonl(
        "serving_targets.jsonl", [{"request_id": r, "label": int(v)} for r, v in zip(rid, y)]
    )
    f_p = zoo.jsonl(
        "serving_preds.jsonl",
        [{"request_id": rid[i], "score": float(p[i]), "model": "lr-v3"} for i in perm],
    )
    zoo.case(
        "serving_jsonl_shuffled",
        [f_t, f_p],
        layout="JSON Lines of a serving job: request_id, score, model name; out of order",
        expect=bin_prob(y, p),
        notes=["request_id"],
    )
    f = zoo.npz("iris_arrays.npz", y_true=yi.astype(np.int64), y_pred=P)
    zoo.case("iris_npz", [f], layout="np.savez(y_true=..., y_pred=...)", expect=multi_prob(yi, P))
    f = zoo.npz("iris_arrays_named.npz", labels=yi.astype(np.int64), proba=P)
    zoo.case(
        "iris_npz_named",
        [f],
        ["--target-col", "labels", "--pred-col", "proba"],
        layout="np.savez with other array names, chosen by flags",
        expect=multi_prob(yi, P),
    )

    # ---- exact ids
    ids = [s for k in range(1, 14) for s in (str(k), f"0{k}", f"00{k}")]  # '7', '07', '007' ...
    k = len(ids)
    yk, pk = y[:k], p[:k]
    perm_k = rng.permutation(k)
    f_t = zoo.csv("ids_007_targets.csv", pd.DataFrame({"id": ids, "target": yk}), index=False)
    f_p = zoo.csv(
        "ids_007_preds.csv",
        pd.DataFrame({"id": np.array(ids)[perm_k], "proba": pk[perm_k]}),
        index=False,
    )
    zoo.case(
        "ids_007_idcol",
        [f_t, f_p],
        ["--id-col", "id", "--per-sample", "per_sample.csv"],
        layout="ids '7', '07', '007' are three samples; --id-col id",
        expect=bin_prob(yk, pk),
        per_sample_ids="ids_007_targets.csv:id",
    )
    zoo.case(
        "ids_007_auto",
        [f_t, f_p],
        layout="the same without --id-col (aligned by 'id')",
        expect=bin_prob(yk, pk),
        notes=["id"],
    )
    bigc = [str(2**60 + 3 * j) for j in range(n)]
    f_t = zoo.csv("ids_big_targets.csv", pd.DataFrame({"id": bigc, "target": y}), index=False)
    f_p = zoo.csv(
        "ids_big_preds.csv",
        pd.DataFrame({"id": np.array(bigc)[perm], "proba": p[perm]}),
        index=False,
    )
    zoo.case(
        "ids_beyond_2_53",
        [f_t, f_p],
        ["--id-col", "id", "--per-sample", "per_sample.csv"],
        layout="integer ids 2^60 + 3j (collide as float64), shuffled; --id-col id",
        expect=bin_prob(y, p),
        per_sample_ids="ids_big_targets.csv:id",
    )

    # ---- regression (diabetes) and star ratings
    yd, pd_ = diab["y"], diab["p"]
    f = zoo.csv("diabetes_index.csv", pd.DataFrame({"target": yd, "prediction": pd_}))
    exp = regression(yd, pd_)
    exp["metrics.r2"] = skm.r2_score(yd, pd_)
    zoo.case(
        "diabetes_index",
        [f],
        ["-m", "rmse", "-m", "r2"],
        layout="regression with the pandas index",
        expect=exp,
        notes=["index"],
    )
    buf = io.StringIO()
    np.savetxt(buf, yd, fmt="%.10g")
    f_t = zoo.raw("diabetes_y_test.txt.csv", buf.getvalue().encode())
    buf = io.StringIO()
    np.savetxt(buf, pd_, fmt="%.10g")
    f_p = zoo.raw("diabetes_y_pred.txt.csv", buf.getvalue().encode())
    zoo.case(
        "diabetes_savetxt",
        [f_t, f_p],
        ["--no-header"],
        layout="np.savetxt files (no header)",
        expect=regression(yd, pd_),
    )
    zoo.case(
        "diabetes_savetxt_unflagged",
        [f_t, f_p],
        layout="np.savetxt files without --no-header",
        exit=3,
        error=["--no-header"],
    )
    wd = r10(rng.uniform(0.5, 2.0, len(yd)))
    f = zoo.csv(
        "diabetes_w.csv", pd.DataFrame({"target": yd, "prediction": pd_, "w": wd}), index=False
    )
    zoo.case(
        "diabetes_w_unflagged",
        [f],
        layout="regression with a weight column 'w', no --weights",
        exit=3,
        error=[["'w'", '"w"', "`w`", "column w"], "--weights"],
    )
    exp = regression(yd, pd_, wd)
    exp["metrics.r2"] = skm.r2_score(yd, pd_, sample_weight=wd)
    zoo.case(
        "diabetes_w_flagged",
        [f],
        ["--weights", "w", "-m", "rmse", "-m", "r2"],
        layout="the same with --weights w",
        expect=exp,
    )
    ns = 80
    stars = rng.integers(1, 6, ns)
    guess = np.clip(stars + rng.choice([-1, 0, 0, 0, 1], ns), 1, 5)
    f = zoo.csv(
        "stars.csv", pd.DataFrame({"rating": stars, "predicted_rating": guess}), index=False
    )
    zoo.case(
        "stars_default",
        [f],
        ["--target-col", "rating"],
        layout="star ratings 1..5: integer targets and integer predictions",
        expect=hard(stars, guess, "multiclass"),
        notes=["--task regression"],
        choice="integers that all occur among the targets are hard labels (the preamble's rule), "
        "with a note naming --task regression",
    )
    exp = regression(stars.astype(float), guess.astype(float))
    exp["metrics.mae"] = skm.mean_absolute_error(stars, guess)
    zoo.case(
        "stars_regression",
        [f],
        ["--target-col", "rating", "--task", "regression", "-m", "rmse", "-m", "mae"],
        layout="star ratings with --task regression",
        expect=exp,
    )
    exp = regression(stars.astype(float), guess.astype(float))
    zoo.case(
        "stars_mse",
        [f],
        ["--target-col", "rating", "-l", "mse"],
        layout="star ratings with -l mse: the requested loss informs the task",
        expect=exp,
    )

    # ---- wine with an 'Unnamed: 0' and a fold column
    df = pd.concat(
        [
            pd.DataFrame(
                {"Unnamed: 0": np.arange(nw), "fold": rng.integers(0, 5, nw), "target": yw}
            ),
            pd.DataFrame(Pw, columns=wcols),
        ],
        axis=1,
    )
    f = zoo.csv("wine_unnamed_fold.csv", df, index=False)
    zoo.case(
        "wine_unnamed_fold",
        [f],
        layout="'Unnamed: 0' and fold columns beside 3 probability columns",
        expect=multi_prob(yw, Pw),
        notes=["fold"],
    )
    return zoo


# --------------------------------------------------------------------------- cases.py

HEADER = '''"""The zoo's cases: GENERATED by make_zoo.py from the arrays of files/ (do not edit).

One dict per case:
  id, layout     name and what real tool / habit writes this layout
  files, args    the command is `losscli eval FILES... ARGS... -f json -o OUT`
  exit           the expected exit code
  expect         (exit 0) JSON paths into the report and their values: numbers to 1e-12 relative
  error          (exit != 0) fragments of the `error:` line, case-insensitive; a list inside
                 the list means "any of these"
  notes/warnings fragments that must occur in the report's notes / warnings (exit 0)
  per_sample_ids "FILE:COLUMN": the --per-sample output holds a column whose cells are exactly
                 that column of that zoo file, as written (text, any order)
  choice         the expectation was chosen by the zoo where the design left it open
"""

# ruff: noqa: E501
# fmt: off
CASES = [
'''


def write_cases(zoo: Zoo, out: Path) -> None:
    lines = [HEADER]
    for c in zoo.cases:
        lines.append("    {\n")
        for key, value in c.items():
            lines.append(f"        {key!r}: {value!r},\n")
        lines.append("    },\n")
    lines.append("]\n")
    (out / "cases.py").write_text("".join(lines), encoding="utf-8")


def main(out: Path = HERE) -> Zoo:
    zoo = build(out)
    write_cases(zoo, out)
    return zoo


if __name__ == "__main__":
    zoo = main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"{len(zoo.cases)} cases, {len(zoo.written)} files")
