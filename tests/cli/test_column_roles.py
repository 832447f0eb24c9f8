"""Column roles through the command line (in this process; a pandas index through the
installed console script): ids, pandas indexes, groups and weights
are never predictions; what was taken for what is stated in the report's notes; the roles
are decided once, so the report does not depend on ``--chunk-size``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, log_loss

from losscli.errors import InputError
from losscli.io.table import Table
from losscli.validate.columns import decide, select
from tests.conftest import Result

N = 40


def _data(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, N)
    p = np.clip(0.3 * y + 0.7 * rng.random(N), 0.01, 0.99)
    return pd.DataFrame({"y": y, "p": p})


def _json(res: Result) -> dict:
    assert res.code == 0, res.err
    return json.loads(res.out)


def _reference(df: pd.DataFrame, w: np.ndarray | None = None) -> tuple[float, float]:
    y, p = df["y"].to_numpy(), df["p"].to_numpy()
    return (
        log_loss(y, p, sample_weight=w),
        accuracy_score(y, p >= 0.5, sample_weight=w),
    )


def _figures(d: dict) -> tuple[float, float]:
    return d["losses"]["binary_cross_entropy"]["mean"], d["metrics"]["accuracy"]


def _assert_matches(d: dict, df: pd.DataFrame, w: np.ndarray | None = None) -> None:
    assert d["task"] == "binary" and d["n_samples"] == N
    got, want = _figures(d), _reference(df, w)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


def _assert_error(res: Result, *fragments: str, code: int = 3) -> None:
    assert res.code == code, (res.out, res.err)
    lines = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res.err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


# ----------------------------------------------------------------------------- one file


def test_pandas_to_csv_with_its_index(run_script: Callable[..., Result], tmp_path: Path) -> None:
    df = _data()
    df.to_csv(tmp_path / "d.csv")  # the index as a first column with an empty header
    assert (tmp_path / "d.csv").read_text().startswith(",y,p\n")
    d = _json(run_script("eval", "d.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["column '' (a pandas index) ignored"] and d["warnings"] == []


def test_unnamed_0_column(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(1)
    df.to_csv(tmp_path / "a.csv")
    pd.read_csv(tmp_path / "a.csv").to_csv(tmp_path / "d.csv", index=False)
    assert (tmp_path / "d.csv").read_text().startswith("Unnamed: 0,y,p\n")
    d = _json(cli("eval", "d.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["column 'Unnamed: 0' (a pandas index) ignored"]


def test_numeric_id_in_one_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(2)
    ids = np.arange(100, 100 + N)
    df.insert(0, "id", ids)
    df.to_csv(tmp_path / "d.csv", index=False)
    d = _json(cli("eval", "d.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == [
        "column 'id' taken as the sample id, not a prediction (--pred-col to choose the "
        "predictions)"
    ]
    # the ids are the samples' ids: per-sample output and the preview use them
    res = cli("eval", "d.csv", "--per-sample", "s.csv")
    assert res.code == 0, res.err
    per = pd.read_csv(tmp_path / "s.csv")
    assert list(per.iloc[:, 0].astype(float)) == list(ids.astype(float))
    table = cli("eval", "d.csv", "-f", "table")
    # said once, on stderr (the table leaves it out: #18)
    assert table.code == 0 and "note: column 'id' taken as the sample id" in table.err
    assert "note:" not in table.out


def test_id_like_names(cli: Callable[..., Result], tmp_path: Path) -> None:
    """`sample_id` and `key` are ids too: the first holds the sample ids, the others are
    ignored, each said."""
    df = _data(3)
    df.insert(0, "sample_id", np.arange(N) * 3 + 5)
    df["Key"] = np.arange(N) + 7
    df.to_csv(tmp_path / "d.csv", index=False)
    d = _json(cli("eval", "d.csv", "-f", "json"))
    _assert_matches(d, df)
    assert any("'sample_id' taken as the sample id" in n for n in d["notes"])
    assert "column 'Key' ignored (an id column)" in d["notes"]


def test_fold_column_ignored(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(4)
    df.to_csv(tmp_path / "plain.csv", index=False)
    df.assign(fold=np.arange(N) % 5).to_csv(tmp_path / "d.csv", index=False)
    d = _json(cli("eval", "d.csv", "-f", "json"))
    plain = _json(cli("eval", "plain.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["losses"] == plain["losses"] and d["metrics"] == plain["metrics"]
    assert d["notes"] == ["column 'fold' ignored (a group column)"] and plain["notes"] == []


def test_sample_weight_needs_a_flag(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(5)
    w = np.random.default_rng(5).random(N) * 3
    df.assign(sample_weight=w).to_csv(tmp_path / "d.csv", index=False)
    res = cli("eval", "d.csv", "-o", "r.json")
    _assert_error(res, "'sample_weight'", "--weights sample_weight", "--pred-col")
    assert not (tmp_path / "r.json").exists() and res.out == ""

    d = _json(cli("eval", "d.csv", "--weights", "sample_weight", "-f", "json"))
    _assert_matches(d, df, w)
    assert d["notes"] == [] and "weights:yes" in d["signature"]
    # --pred-col settles it too: the column is then ignored, and said so
    d = _json(cli("eval", "d.csv", "--pred-col", "p", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["column 'sample_weight' ignored (weight-like; --weights sample_weight "
                          "to use it)"]  # fmt: skip


def test_weight_column_beside_two_files(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(6)
    df[["y"]].assign(w=1.0).to_csv(tmp_path / "t.csv", index=False)
    df[["p"]].to_csv(tmp_path / "p.csv", index=False)
    res = cli("eval", "t.csv", "p.csv", "-o", "r.json")
    _assert_error(res, "t.csv", "'w'", "--weights w", "--target-col")
    assert not (tmp_path / "r.json").exists()


def test_row_counter_is_an_error(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(7)
    df.insert(0, "n", np.arange(1, N + 1))
    df.to_csv(tmp_path / "d.csv", index=False)
    res = cli("eval", "d.csv", "-o", "r.json")
    _assert_error(res, "column n", "'n' counts the rows", "--id-col n", "--pred-col")
    assert not (tmp_path / "r.json").exists()
    d = _json(cli("eval", "d.csv", "--id-col", "n", "-f", "json"))
    _assert_matches(d, df)


def test_text_columns_ignored_and_ambiguity(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(8)
    df.assign(model=["m1"] * N).to_csv(tmp_path / "d.csv", index=False)
    d = _json(cli("eval", "d.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["column 'model' ignored (text, not a prediction)"]
    # class names under a prediction name beside numeric columns: which ones?
    df.assign(pred=["a"] * N).to_csv(tmp_path / "a.csv", index=False)
    res = cli("eval", "a.csv", "-o", "r.json")
    _assert_error(res, "column pred", "'pred' holds class names", "--pred-col")
    assert not (tmp_path / "r.json").exists()


def test_only_roles_left_is_an_error(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("id,y,fold\n1,0,0\n2,1,1\n3,1,0\n")
    res = cli("eval", "d.csv", "-o", "r.json")
    _assert_error(res, "no prediction columns", "--pred-col")
    assert not (tmp_path / "r.json").exists()


# ----------------------------------------------------------------------------- two files


def _two(tmp_path: Path, df: pd.DataFrame, order: np.ndarray, key: str = "id") -> None:
    keyed = df.assign(**{key: np.arange(N) * 7 + 3})
    keyed[[key, "y"]].to_csv(tmp_path / "t.csv", index=False)
    keyed[[key, "p"]].iloc[order].to_csv(tmp_path / "p.csv", index=False)


def test_common_id_in_two_files(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(9)
    _two(tmp_path, df, np.arange(N))
    d = _json(cli("eval", "t.csv", "p.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["rows aligned by the column 'id' of both files (as --id-col id would)"]


def test_shuffled_two_files_aligned_by_id(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(10)
    _two(tmp_path, df, np.arange(N))
    ordered = _json(cli("eval", "t.csv", "p.csv", "-f", "json"))
    _two(tmp_path, df, np.random.default_rng(10).permutation(N))
    shuffled = _json(cli("eval", "t.csv", "p.csv", "-f", "json"))
    _assert_matches(shuffled, df)
    assert shuffled == ordered
    explicit = _json(cli("eval", "t.csv", "p.csv", "--id-col", "id", "-f", "json"))
    assert explicit["losses"] == shuffled["losses"] and explicit["notes"] == []
    for size in ("1", "7"):  # the key needs every row at once, whatever the chunk size
        res = cli("eval", "t.csv", "p.csv", "-f", "json", "--chunk-size", size)
        assert _json(res) == shuffled


def test_shuffled_two_files_with_a_missing_id(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(11)
    _two(tmp_path, df, np.random.default_rng(11).permutation(N)[1:])
    res = cli("eval", "t.csv", "p.csv", "-o", "r.json")
    _assert_error(res, "have no prediction", "--allow-missing")
    assert not (tmp_path / "r.json").exists()


def test_two_common_ids_is_an_error(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id,user_id,y\n1,5,0\n2,6,1\n3,7,1\n")
    (tmp_path / "p.csv").write_text("id,user_id,p\n1,5,0.2\n2,6,0.8\n3,7,0.6\n")
    res = cli("eval", "t.csv", "p.csv", "-o", "r.json")
    _assert_error(res, "column id", "'id', 'user_id'", "--id-col id")
    assert not (tmp_path / "r.json").exists()
    d = _json(cli("eval", "t.csv", "p.csv", "--id-col", "user_id", "-f", "json"))
    assert d["n_samples"] == 3 and d["notes"] == ["column 'id' of p.csv ignored "
                                                  "(an id column)"]  # fmt: skip


def test_id_in_the_predictions_only(cli: Callable[..., Result], tmp_path: Path) -> None:
    df = _data(12)
    df[["y"]].to_csv(tmp_path / "t.csv", index=False)
    df[["p"]].assign(id=np.arange(N) + 1).to_csv(tmp_path / "p.csv", index=False)
    d = _json(cli("eval", "t.csv", "p.csv", "-f", "json"))
    _assert_matches(d, df)
    assert d["notes"] == ["column 'id' of p.csv ignored (an id column)"]


# ----------------------------------------------------------------------------- notes


def _messy(tmp_path: Path) -> pd.DataFrame:
    df = _data(13)
    out = df.assign(id=np.arange(N) * 2 + 11, fold=np.arange(N) % 3)
    out.to_csv(tmp_path / "d.csv")  # and the pandas index
    return df


def test_notes_in_every_format(cli: Callable[..., Result], tmp_path: Path) -> None:
    _messy(tmp_path)
    notes = [
        "column '' (a pandas index) ignored",
        "column 'fold' ignored (a group column)",
        "column 'id' taken as the sample id, not a prediction (--pred-col to choose the "
        "predictions)",
    ]
    d = _json(cli("eval", "d.csv", "-f", "json"))
    assert sorted(d["notes"]) == sorted(notes)
    keys = list(d)
    assert keys.index("notes") == keys.index("warnings") + 1
    table = cli("eval", "d.csv", "-f", "table")
    md = cli("eval", "d.csv", "-f", "markdown")
    csv = cli("eval", "d.csv", "-f", "csv")
    for n in notes:
        assert f"note: {n}" in table.err and "note:" not in table.out  # once (#18)
        assert f"> note: {n}" in md.out
        assert f"note: {n}" in csv.err and "note" not in csv.out
        assert f"note: {n}" in md.err  # on stderr too, as warnings are
    quiet = cli("eval", "d.csv", "-f", "json", "--quiet")
    assert quiet.code == 0 and quiet.err == ""
    # never errors under --strict
    strict = cli("eval", "d.csv", "-f", "json", "--strict")
    assert _json(strict)["notes"] == d["notes"]


def test_notes_in_junit_and_batch(cli: Callable[..., Result], tmp_path: Path) -> None:
    _messy(tmp_path)
    res = cli("eval", "d.csv", "--junit", "j.xml", "-f", "json")
    assert res.code == 0, res.err
    root = ET.parse(tmp_path / "j.xml").getroot()
    props = [p.get("value") for p in root.iter("property") if p.get("name") == "note"]
    assert "column 'fold' ignored (a group column)" in props
    (tmp_path / "b").mkdir()
    _data(14).to_csv(tmp_path / "b" / "one.csv")
    _data(15).assign(fold=1).to_csv(tmp_path / "b" / "two.csv", index=False)
    b = _json(cli("batch", "b/*.csv", "-f", "json"))
    files = {Path(f["file"]).name: f for f in b["files"]}
    assert files["one.csv"]["notes"] == ["column '' (a pandas index) ignored"]
    assert files["two.csv"]["notes"] == ["column 'fold' ignored (a group column)"]
    assert len(b["overall"]["notes"]) == 2
    assert all(n.startswith("b/") or "/b/" in n for n in b["overall"]["notes"])


def test_nan_policy_notes_are_notes(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("y,p\n0,0.2\n1,nan\n1,0.7\n0,0.4\n")
    d = _json(cli("eval", "d.csv", "--nan-policy", "omit", "-f", "json", "--strict"))
    assert d["warnings"] == [] and d["notes"] == [
        "1 sample(s) with NaN/inf values omitted (--nan-policy omit)"
    ]


# ----------------------------------------------------------------------------- chunks


@pytest.mark.parametrize("layout", ["one-file", "two-files"])
def test_report_does_not_depend_on_chunk_size(
    cli: Callable[..., Result], tmp_path: Path, layout: str
) -> None:
    if layout == "one-file":
        _messy(tmp_path)
        args: tuple[str, ...] = ("d.csv",)
    else:
        df = _data(16)
        _two(tmp_path, df, np.random.default_rng(16).permutation(N), key="row_id")
        pd.read_csv(tmp_path / "p.csv").assign(fold=0).to_csv(tmp_path / "p.csv")
        args = ("t.csv", "p.csv")
    reports = [
        _json(cli("eval", *args, "-f", "json", *extra))
        for extra in ((), ("--chunk-size", "1"), ("--chunk-size", "7"))
    ]
    assert reports[0]["notes"] and reports[0] == reports[1] == reports[2]


# ----------------------------------------------------------------------------- the library


def _table(source: str, **cols: object) -> Table:
    data = {}
    for k, v in cols.items():
        values = list(v)  # type: ignore[call-overload]
        data[k] = np.array(values, dtype=object if isinstance(values[0], str) else None)
    return Table(source, list(cols), data)


def test_text_predictions_pass_through_as_one_object_column() -> None:
    """Hard labels as class names: one text column (a prediction name, or the only one
    left) is the predictions, an object array of shape (n, 1)."""
    for name in ("pred", "model_output"):
        t = _table("d.csv", y=["cat", "dog", "cat"], **{name: ["cat", "cat", "dog"]})
        raw = select(t, None)
        assert raw.p.dtype == object and raw.p.shape == (3, 1)
        assert list(raw.p[:, 0]) == ["cat", "cat", "dog"] and raw.pred_names == [name]
    # two text columns, neither a prediction name: no predictions, an error
    t = _table("d.csv", y=["a", "b", "a"], c1=["a", "a", "b"], c2=["x", "y", "z"])
    with pytest.raises(InputError, match="no numeric prediction columns"):
        select(t, None)


def test_roles_kept_for_every_chunk() -> None:
    """Roles decided from the first rows hold for later chunks: a later chunk whose `fold`
    or `id` column happens to look different changes nothing."""
    head = _table("d.csv", id=[1, 2, 3], y=[0, 1, 1], p=[0.2, 0.7, 0.9], fold=[0, 1, 2])
    roles = decide(head, None)
    assert roles.targets == ("y",) and roles.preds == ("p",) and roles.id_target == "id"
    later = _table("d.csv", id=[4, 5, 6], y=[0, 0, 1], p=[0.1, 0.4, 0.8], fold=[0, 1, 2])
    raw = select(later, None, decided=roles)
    assert raw.p.shape == (3, 1) and list(raw.ids) == [4, 5, 6]  # type: ignore[arg-type]
    assert "column 'fold' ignored (a group column)" in raw.notes


def test_lockstep_key_must_match_row_by_row() -> None:
    """Chunks of two streams read side by side (Dask shards) with a common id: equal keys
    just work; another order is an error proposing --id-col."""
    t = _table("t.csv", id=[1, 2, 3], y=[0, 1, 1])
    p = _table("p.csv", id=[1, 2, 3], p=[0.2, 0.7, 0.9])
    roles = decide(t, p)
    assert roles.auto_id and roles.id_pred == "id"
    raw = select(t, p, decided=roles, lockstep=True)
    assert list(raw.p[:, 0]) == [0.2, 0.7, 0.9]
    q = _table("p.csv", id=[1, 3, 2], p=[0.2, 0.9, 0.7])
    with pytest.raises(InputError, match="another order") as exc:
        select(t, q, decided=roles, lockstep=True)
    assert exc.value.row == 2 and "--id-col id" in (exc.value.hint or "")
    aligned = select(t, q, decided=roles)  # read whole: aligned by the key
    assert list(aligned.p[:, 0]) == [0.2, 0.7, 0.9]
