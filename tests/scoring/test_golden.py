"""PyTorch conventions, against golden values committed with the script that made them
(tests/scoring/golden/make_golden.py; the JSON names the torch version). CI never needs torch."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import losscli

GOLDEN = json.loads((Path(__file__).parent / "golden" / "torch_golden.json").read_text())


def test_golden_file_records_its_generator() -> None:
    assert GOLDEN["torch"].startswith("2.")
    assert len(GOLDEN["cases"]) >= 10


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"] for c in GOLDEN["cases"]])
def test_matches_torch(case: dict) -> None:
    report = losscli.evaluate(
        np.asarray(case["y"]),
        np.asarray(case["p"]),
        losses=[case["loss"]],
        task=case["task"],
        params=case["params"],
    )
    got = next(iter(report.losses.values()))["mean"]
    # torch computes in float64 here (the inputs are float64 tensors)
    assert math.isclose(got, case["expected"], rel_tol=1e-9, abs_tol=1e-12), (got, case)
