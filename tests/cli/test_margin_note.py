"""One decision rule a report, and the report says which: predictions within [0, 1] read as
decision scores because only margin losses were asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _report(cli: Callable[..., Any], tmp_path: Path, *args: str) -> dict[str, Any]:
    (tmp_path / "m.csv").write_text("y_true,y_pred\n-1,0.3\n-1,0.2\n1,0.9\n")
    res = cli("eval", "m.csv", *args, "-f", "json")
    assert res.code == 0, res.err
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_margin_losses_decide_at_zero_and_say_so(run: Callable[..., Any], tmp_path: Path) -> None:
    rep = _report(run, tmp_path, "-l", "hinge", "-m", "accuracy")
    assert rep["metrics"]["accuracy"] == 1 / 3  # every score > 0: all predicted class 1
    assert any("score > 0, not p > 0.5" in n for n in rep["notes"])


def test_probability_reading_has_no_such_note(cli: Callable[..., Any], tmp_path: Path) -> None:
    rep = _report(cli, tmp_path, "-l", "zero_one", "-m", "accuracy")
    assert rep["metrics"]["accuracy"] == 1.0
    assert not any("score > 0" in n for n in rep["notes"])
