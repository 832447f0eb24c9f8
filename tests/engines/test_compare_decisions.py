"""``compare`` takes each side's reading (task, hard labels, classes) as ``eval`` does: on
the first rows, checked against the whole input, read again when they differ; so the
outcome does not depend on ``--chunk-size``.  Standard input cannot be read again: an
error naming the flag that settles the reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest


def _csv(path: Path, y: Any, p: Any) -> Path:
    path.write_text("y,p\n" + "".join(f"{a},{b}\n" for a, b in zip(y, p)), encoding="utf-8")
    return path


def _pair(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    rng = np.random.default_rng(6)
    if kind == "new class":  # hard class labels; class 4 first seen after the first rows
        y = rng.integers(0, 3, 1500)
        a, b = y.copy(), y.copy()
        b[rng.random(1500) < 0.2] = 0
        y[1300] = a[1300] = b[1300] = 4
        return _csv(tmp_path / "a.csv", y, a), _csv(tmp_path / "b.csv", y, b)
    y = rng.integers(0, 2, 1500)  # 0/1 predictions, then one probability far down
    a, b = y.astype(float), y.astype(float)
    b[rng.random(1500) < 0.1] = 0.5
    a[1100] = 0.3
    fmt = [f"{v:g}" for v in a], [f"{v:g}" for v in b]
    return _csv(tmp_path / "a.csv", y, fmt[0]), _csv(tmp_path / "b.csv", y, fmt[1])


def _rounded(x: Any) -> Any:
    """Figures to 12 significant digits (sums of other chunks differ in the last bits)."""
    if isinstance(x, float):
        return float(f"{x:.12g}")
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("kind", ["new class", "hard then probability"])
def test_compare_does_not_depend_on_the_chunk_size(run: Any, tmp_path: Path, kind: str) -> None:
    a, b = _pair(tmp_path, kind)
    outs = []
    for chunk in ("1", "97", None):
        args = ["compare", a, b, "-f", "json", "--n-boot", "30"]
        r = run(*args, *(["--chunk-size", chunk] if chunk else []))
        assert r.code == 0, r.err
        outs.append(json.loads(r.out))
    texts = [json.dumps(_rounded(o["differences"]), sort_keys=True) for o in outs]
    assert texts[0] == texts[1] == texts[2]
    assert {o["a"]["task"] for o in outs} == {"multiclass" if kind == "new class" else "binary"}
    if kind == "new class":
        assert "4" in outs[0]["a"]["confusion_matrix"]["labels"]
    else:
        assert "binary_cross_entropy" in outs[0]["differences"]


def test_compare_stdin_cannot_be_read_again(run: Any, tmp_path: Path) -> None:
    a, b = _pair(tmp_path, "new class")
    out = tmp_path / "out.json"
    r = run("compare", "-", b, "-f", "json", "--n-boot", "30", "-o", out, input=a.read_bytes())
    assert r.code == 3, r.err
    errors = [x for x in r.err.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "--task" in errors[0]
    assert not out.exists()
