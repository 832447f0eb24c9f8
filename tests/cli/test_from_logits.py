"""``--from-logits`` on what look like probabilities (issue 14, item 7): a warning judged over
the whole input (never one chunk), an error under ``--strict``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

WARNING = "--from-logits: every prediction lies in [0, 1]"
TAIL = "these look like probabilities, not logits; drop --from-logits if they are"


def _write(path: Path, columns: dict[str, np.ndarray]) -> Path:
    names = list(columns)
    rows = zip(*(columns[k] for k in names), strict=True)
    path.write_text(
        ",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows)
    )
    return path


def _binary(tmp_path: Path, n: int = 200) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, n)
    p = np.clip(0.15 + 0.7 * y + rng.normal(0, 0.1, n), 0.01, 0.99)
    return _write(tmp_path / "t.csv", {"y": y}), y, p


def _warnings(out: str) -> list[str]:
    return [w for w in json.loads(out)["warnings"] if w.startswith("--from-logits")]


def test_binary_probabilities_with_from_logits_warn(cli, tmp_path: Path) -> None:
    t, _, p = _binary(tmp_path)
    preds = _write(tmp_path / "p.csv", {"p": p})
    code, out, err = cli("eval", t, preds, "--from-logits", "-f", "json")
    assert code == 0, err
    assert _warnings(out) == [f"{WARNING}: {TAIL}"]
    code, out, err = cli("eval", t, preds, "--from-logits")  # the table: on stderr
    assert code == 0 and WARNING in err.replace("\n", " "), err


def test_real_logits_do_not_warn(cli, tmp_path: Path) -> None:
    t, y, _ = _binary(tmp_path)
    z = (2.0 * y - 1.0) * 3.0 + np.random.default_rng(1).normal(0, 1, y.shape[0])
    preds = _write(tmp_path / "z.csv", {"p": z})
    code, out, err = cli("eval", t, preds, "--from-logits", "-f", "json")
    assert code == 0, err
    assert _warnings(out) == [] and "--from-logits" not in err


def test_judged_over_the_whole_input_not_the_first_chunk(cli, tmp_path: Path) -> None:
    """The first chunks look like probabilities, a later one has logits outside [0, 1]."""
    t, _, p = _binary(tmp_path)
    z = p.copy()
    z[150] = 2.5  # one logit in the 16th chunk of 10 rows
    preds = _write(tmp_path / "z.csv", {"p": z})
    for size in ("10", "7", "1000"):
        code, out, err = cli("eval", t, preds, "--from-logits", "--chunk-size", size, "-f", "json")
        assert code == 0, err
        assert _warnings(out) == [], (size, out)
    # and all in [0, 1] whatever the chunking: one warning, said once
    preds = _write(tmp_path / "p.csv", {"p": p})
    code, out, err = cli("eval", t, preds, "--from-logits", "--chunk-size", "7", "-f", "json")
    assert code == 0 and _warnings(out) == [f"{WARNING}: {TAIL}"], out


def test_multiclass_rows_summing_to_1(cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 90
    y = rng.integers(0, 3, n)
    p = rng.dirichlet([1.0, 1.0, 1.0], n)
    t = _write(tmp_path / "t.csv", {"y": y})
    preds = _write(tmp_path / "p.csv", {"a": p[:, 0], "b": p[:, 1], "c": p[:, 2]})
    args = ("eval", t, preds, "--from-logits", "--task", "multiclass", "-f", "json")
    code, out, err = cli(*args, "--chunk-size", "8")
    assert code == 0, err
    assert _warnings(out) == [f"{WARNING} (rows summing to 1): {TAIL}"]
    # in [0, 1] but a later row not summing to 1: these are not probabilities
    q = p.copy()
    q[70] = [0.5, 0.5, 0.5]
    preds = _write(tmp_path / "q.csv", {"a": q[:, 0], "b": q[:, 1], "c": q[:, 2]})
    code, out, err = cli("eval", t, preds, *args[3:], "--chunk-size", "8")
    assert code == 0, err
    assert _warnings(out) == []


def test_strict_is_an_input_error_and_nothing_is_written(run, tmp_path: Path) -> None:
    t, _, p = _binary(tmp_path)
    preds = _write(tmp_path / "p.csv", {"p": p})
    out_file = tmp_path / "report.json"
    code, out, err = run("eval", t, preds, "--from-logits", "--strict", "-o", out_file)
    assert code == 3
    assert err.startswith("error: --from-logits: every prediction lies in [0, 1]"), err
    assert "(an error under --strict)" in err
    assert not out_file.exists() and out == ""


def test_batch_judges_each_file(run, tmp_path: Path) -> None:
    """Through the real program: --jobs 2 starts processes (never forked from the tests')."""
    t, y, p = _binary(tmp_path)
    prob = _write(tmp_path / "prob.csv", {"p": p})
    logit = _write(tmp_path / "logit.csv", {"p": (2.0 * y - 1.0) * 3.0})
    args = ("batch", prob, logit, "--targets", t, "--from-logits")
    code, out, err = run(*args, "-f", "json")
    assert code == 0, err
    files = {Path(f["file"]).stem: f for f in json.loads(out)["files"]}
    assert _warnings(json.dumps(files["prob"])) == [f"{WARNING}: {TAIL}"]
    assert _warnings(json.dumps(files["logit"])) == []
    for jobs in ("1", "2"):  # the per-file processes judge their whole file
        code, _, err = run(*args, "--jobs", jobs, "--strict")
        assert code == 3 and WARNING in err, err


def test_help_says_it(cli) -> None:
    for command in ("eval", "batch"):
        code, out, _ = cli(command, "--help", env={"COLUMNS": "200"})
        text = " ".join(out.replace("│", " ").split())
        assert code == 0 and "a warning if every value looks like a probability" in text
