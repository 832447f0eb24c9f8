"""--per-class, multioutput=raw_values, the new metrics and the reliability rows through the
command line (in this process; the JSON, chunked = whole = --jobs through the real program):
every format, chunked = whole = --jobs = Dask, and the bad inputs."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support
from typer.testing import CliRunner

from losscli.cli import app
from tests.conftest import SAMPLES, Result

NAMES = SAMPLES / "multiclass_names.csv"


def invoke(*args: object) -> Result:
    """The command in-process (CliRunner), for variations of a run the command line made:
    the same (code, out, err) as the ``run`` fixture, an uncaught exception fails."""
    r = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return Result(r.exit_code, r.stdout, r.stderr)


def _read(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    names = rows[0][1:]
    y = np.array([names.index(r[0]) for r in rows[1:]])
    p = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    return y, p, names


def _close(a: dict, b: dict, rel: float = 1e-12) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], dict):
            _close(a[k], b[k], rel)
        elif isinstance(a[k], str):  # an interval's method
            assert a[k] == b[k], k
        else:
            assert math.isclose(a[k], b[k], rel_tol=rel, abs_tol=1e-15), (k, a[k], b[k])


def _weighted_parts(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(5)
    out = []
    for i, n in enumerate((40, 27, 33)):
        y = rng.integers(0, 3, size=n)
        p = rng.dirichlet(np.ones(3), size=n)
        w = rng.uniform(0.1, 2.0, size=n)
        path = tmp_path / f"part-{i}.csv"
        with open(path, "w") as fh:
            fh.write("label,cat,dog,bird,w\n")
            for a, b, c in zip(y, p, w):
                fh.write(f"{a},{float(b[0])!r},{float(b[1])!r},{float(b[2])!r},{float(c)!r}\n")
        out.append(path)
    return out


def test_json_keyed_by_class_names_equals_sklearn(run) -> None:
    code, out, err = run("eval", NAMES, "--per-class", "-f", "json")
    assert code == 0, err
    per = json.loads(out)["per_class"]
    y, p, names = _read(NAMES)
    assert list(per) == names == ["cat", "dog", "bird"]
    pr, rc, f1, sup = precision_recall_fscore_support(y, p.argmax(1), average=None)
    for k, name in enumerate(names):
        row = per[name]
        assert row["precision"] == pytest.approx(pr[k], rel=1e-12)
        assert row["recall"] == pytest.approx(rc[k], rel=1e-12)
        assert row["f1"] == pytest.approx(f1[k], rel=1e-12)
        assert row["support"] == row["count"] == int(sup[k])
        assert set(row["losses"]["categorical_cross_entropy"]) == {"mean", "share"}


def test_every_format(cli) -> None:
    code, out, err = cli("eval", NAMES, "--per-class", "-f", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert any(r[:3] == ["per_class=cat", "precision", "value"] for r in rows)
    kinds = {r[0] for r in rows}
    assert {"per_class=cat", "per_class=dog", "per_class=bird"} <= kinds
    stats = {(r[1], r[2]) for r in rows if r[0] == "per_class=dog"}
    assert ("categorical_cross_entropy", "share") in stats and ("count", "value") in stats
    assert all(len(r) == 4 for r in rows)
    # the other formats in-process (the csv above is the command line's)
    code, out, _ = invoke("eval", NAMES, "--per-class", "-f", "tsv")
    assert code == 0 and "per_class=bird\tf1\tvalue\t" in out
    code, out, _ = invoke("eval", NAMES, "--per-class", "-f", "markdown")
    assert code == 0 and "| class | precision | recall | f1 | support | count |" in out
    assert "| dog |" in out
    code, out, _ = invoke("eval", NAMES, "--per-class")
    assert code == 0 and "per class:" in out and "categorical_cross_entropy share" in out
    code, out, _ = invoke("eval", NAMES, "--per-class", "--ci", "--n-boot", "20", "-f", "csv")
    assert code == 0
    assert all(len(r) == 6 for r in csv.reader(io.StringIO(out)))  # two empty interval cells


def test_chunked_equals_whole_and_jobs(run, tmp_path: Path) -> None:
    parts = _weighted_parts(tmp_path)
    args = ["eval", str(tmp_path / "part-*.csv"), "--weights", "w", "--per-class", "-f", "json"]
    code, whole, err = run(*args)
    assert code == 0, err
    code, chunked, err = invoke(*args, "--chunk-size", "1")  # whole: the real command
    assert code == 0, err
    a, b = json.loads(whole)["per_class"], json.loads(chunked)["per_class"]
    _close(a, b)
    assert isinstance(a["cat"]["support"], float) and isinstance(a["cat"]["count"], int)
    batch = ["batch", *map(str, parts), "--weights", "w", "--per-class", "-f", "json"]
    code, one, err = invoke(*batch)  # --jobs 2: the real command
    assert code == 0, err
    code, two, err = run(*batch, "--jobs", "2")
    assert code == 0, err
    j1, j2 = json.loads(one), json.loads(two)
    _close(j1["overall"]["per_class"], j2["overall"]["per_class"])
    _close(j2["overall"]["per_class"], a)
    assert [f["per_class"]["dog"]["count"] for f in j2["files"]] == [
        f["per_class"]["dog"]["count"] for f in j1["files"]
    ]
    code, out, _ = invoke(*batch[:-2])  # the batch table ends with the overall breakdown
    assert code == 0 and "per class (overall):" in out


def test_dask_equals_local(cli, tmp_path: Path, dask_scheduler: str) -> None:
    _weighted_parts(tmp_path)
    args = ["eval", str(tmp_path / "part-*.csv"), "--weights", "w", "--per-class", "-f", "json"]
    code, local, err = cli(*args)
    assert code == 0, err
    code, dask, err = cli(*args, "--engine", "dask", "--scheduler", dask_scheduler, timeout=180)
    assert code == 0, err
    _close(json.loads(dask)["per_class"], json.loads(local)["per_class"])


def test_multioutput_regression_per_output(cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=(30, 2))
    p = y + rng.normal(size=(30, 2))
    t, q = tmp_path / "t.csv", tmp_path / "p.csv"
    t.write_text("a,b\n" + "".join(f"{r[0]!r},{r[1]!r}\n" for r in y.tolist()))
    q.write_text("a,b\n" + "".join(f"{r[0]!r},{r[1]!r}\n" for r in p.tolist()))
    code, out, err = cli("eval", t, q, "--per-class", "-m", "r2", "-f", "json")
    assert code == 0, err
    per = json.loads(out)["per_output"]
    assert list(per) == ["a", "b"] and set(per["a"]) == {"mse", "mae", "r2"}
    assert per["b"]["mse"] == pytest.approx(float(np.mean((y[:, 1] - p[:, 1]) ** 2)), rel=1e-12)
    code, out, err = cli(
        "eval", t, q, "-m", "explained_variance", "--param", "multioutput=raw_values", "-f", "csv"
    )
    assert code == 0, err
    assert "per_output=a,explained_variance,value," in out


def test_per_class_on_one_output_regression_is_a_usage_error(cli, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, stdout, err = cli(
        "eval", SAMPLES / "regression.csv", "--per-class", "-f", "json", "-o", out
    )
    assert code == 2
    assert err.startswith("error: --per-class needs classes or several outputs")
    assert err.count("\n") == 1 and stdout == "" and not out.exists()


def test_bad_multioutput_is_a_usage_error(cli) -> None:
    code, out, err = cli(
        "eval", SAMPLES / "regression.csv", "-m", "rmse", "--param", "multioutput=variance_weighted"
    )
    assert code == 2 and err.startswith("error: parameter multioutput must be one of") and out == ""


def test_config_key(cli, tmp_path: Path) -> None:
    (tmp_path / "losscli.toml").write_text("per_class = true\n")
    code, out, err = cli("eval", NAMES, "-f", "json", cwd=tmp_path)
    assert code == 0, err
    assert list(json.loads(out)["per_class"]) == ["cat", "dog", "bird"]
    (tmp_path / "losscli.toml").write_text('per_class = "yes"\n')
    code, out, err = cli("eval", NAMES, cwd=tmp_path)
    assert code == 2 and "'per_class' must be true or false" in err and out == ""


def test_compare_json_has_both_sides(cli) -> None:
    code, out, err = cli(
        "compare", SAMPLES / "multiclass_probs.csv", SAMPLES / "multiclass_probs.csv",
        "--per-class", "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert d["a"]["per_class"] == d["b"]["per_class"] and len(d["a"]["per_class"]) == 3


def test_compare_formats_give_a_b_and_the_difference(cli, tmp_path: Path) -> None:
    rows = list(csv.reader(open(SAMPLES / "multiclass_probs.csv", newline="")))
    b = tmp_path / "b.csv"
    with open(b, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        for i, r in enumerate(rows[1:]):
            w.writerow([r[0], r[2], r[1], r[3]] if i % 7 == 0 else r)
    a = SAMPLES / "multiclass_probs.csv"
    code, out, err = cli("compare", a, b, "--per-class", "-f", "csv")
    assert code == 0, err
    got = {r[0]: r for r in csv.reader(io.StringIO(out))}
    # the other formats in-process (the csv is the command line's)
    js = json.loads(invoke("compare", a, b, "--per-class", "-f", "json").out)
    row = got["per_class=dog:f1"]
    assert len(row) == 10 and row[4:] == [""] * 6
    want_a, want_b = js["a"]["per_class"]["dog"]["f1"], js["b"]["per_class"]["dog"]["f1"]
    assert (float(row[1]), float(row[2])) == (want_a, want_b)
    assert float(row[3]) == pytest.approx(want_b - want_a, rel=1e-12)
    code, out, _ = invoke("compare", a, b, "--per-class", "-f", "markdown")
    assert code == 0 and "| per_class=cat:recall |" in out
    code, out, _ = invoke("compare", a, b, "--per-class")
    assert code == 0 and "per_class=bird:categorical_cross_entropy.share" in out
    code, out, _ = invoke("compare", a, b, "-f", "csv")
    assert code == 0 and "per_class=" not in out


def test_reliability_rows_in_csv_and_tsv(cli) -> None:
    code, out, err = cli("eval", SAMPLES / "binary.csv", "-m", "ece", "-f", "csv")
    assert code == 0, err
    js = json.loads(cli("eval", SAMPLES / "binary.csv", "-m", "ece", "-f", "json").out)
    bins = js["reliability"]["ece"]
    rows = [r for r in csv.reader(io.StringIO(out)) if r[0] == "reliability=ece"]
    assert len(rows) == 6 * len(bins)
    first = {r[2]: float(r[3]) for r in rows if r[1] == "bin=0"}
    assert first == pytest.approx({k: float(v) for k, v in bins[0].items()}, rel=1e-15)
    code, out, _ = cli("eval", SAMPLES / "binary.csv", "-m", "ece", "-f", "tsv")
    assert code == 0 and "reliability=ece\tbin=0\tgap\t" in out


def test_new_metrics_through_the_command(cli) -> None:
    names = ["brier", "brier_reliability", "brier_resolution", "brier_uncertainty"]
    args = ["eval", SAMPLES / "binary.csv", "-f", "json", *(x for n in names for x in ("-m", n))]
    code, out, err = cli(*args, "-m", "recall_at_precision", "--param", "min_precision=0.8")
    assert code == 0, err
    m = json.loads(out)["metrics"]
    assert (
        abs(m["brier_reliability"] - m["brier_resolution"] + m["brier_uncertainty"] - m["brier"])
        < 0.01
    )
    assert 0 <= m["recall_at_precision"] <= 1
    code, out, err = cli(
        "eval", SAMPLES / "binary.csv", "-m", "recall_at_precision", "--param", "min_precision=2"
    )
    assert code == 2 and "min_precision" in err and out == ""
    for name in [
        *names[1:],
        "recall_at_precision",
        "precision_at_recall",
        "specificity_at_sensitivity",
    ]:
        code, out, err = cli("explain", name)
        assert code == 0 and out.startswith(f"{name} (metric)") and "formula:" in out, err


def test_ci_gives_every_per_class_figure_its_interval(cli, tmp_path: Path) -> None:
    """--per-class --ci: JSON intervals shaped as the row, CSV low/high cells, the table
    and markdown `value [low, high]`; chunked = whole; a bad level writes nothing."""
    code, out, err = cli("eval", NAMES, "--per-class", "--ci", "-f", "json")
    assert code == 0, err
    report = json.loads(out)
    row = report["per_class"]["dog"]
    ivs = row["intervals"]
    assert set(ivs) == {"precision", "recall", "f1", "losses"}
    assert set(ivs["losses"]["categorical_cross_entropy"]) == {"mean", "share"}
    assert (
        set(ivs["f1"]) == set(report["intervals"]["accuracy"]) == {"low", "high", "level", "method"}
    )
    for fig in ("precision", "recall", "f1"):
        assert ivs[fig]["low"] <= row[fig] <= ivs[fig]["high"]
    code, chunked, err = cli(
        "eval", NAMES, "--per-class", "--ci", "-f", "json", "--chunk-size", "7"
    )
    assert code == 0, err
    _close(json.loads(chunked)["per_class"], report["per_class"])  # every bound, to 1e-12

    code, out, err = cli("eval", NAMES, "--per-class", "--ci", "-f", "csv")
    assert code == 0, err
    rows = {(r[0], r[1], r[2]): r for r in csv.reader(io.StringIO(out))}
    r = rows[("per_class=dog", "f1", "value")]
    assert (float(r[4]), float(r[5])) == pytest.approx((ivs["f1"]["low"], ivs["f1"]["high"]))
    share = ivs["losses"]["categorical_cross_entropy"]["share"]
    r = rows[("per_class=dog", "categorical_cross_entropy", "share")]
    assert (float(r[4]), float(r[5])) == pytest.approx((share["low"], share["high"]))
    assert rows[("per_class=dog", "count", "value")][4:] == ["", ""]

    code, out, err = cli("eval", NAMES, "--per-class", "--ci", "-f", "markdown")
    assert code == 0, err
    assert "per class (value [95% interval]):" in out
    line = next(x for x in out.splitlines() if x.startswith("| dog |"))
    assert f"[{ivs['recall']['low']:.6g}, {ivs['recall']['high']:.6g}]" in line
    code, out, err = cli("eval", NAMES, "--per-class", "--ci", "--ci-level", "0.9")
    assert code == 0, err
    assert "per class (value [90% interval]):" in out

    dest = tmp_path / "r.json"
    code, out, err = cli("eval", NAMES, "--per-class", "--ci", "--ci-level", "1.5", "-o", dest)
    assert code == 2 and err.startswith("error:") and "--ci-level" in err
    assert not dest.exists()


def test_ci_per_class_weighted_says_why_there_is_none(cli, tmp_path: Path) -> None:
    parts = _weighted_parts(tmp_path)
    code, out, err = cli("eval", parts[0], "--weights", "w", "--per-class", "--ci", "-f", "json")
    assert code == 0, err
    report = json.loads(out)
    assert all("intervals" not in row for row in report["per_class"].values())
    assert any("weighted run get no interval" in n for n in report["notes"])
