"""Fast end-to-end smoke tests of the seed examples (the full suites live beside this file)."""

import math

import numpy as np

import losscli

SEED_ROW = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0]


def test_seed_002_sse_and_cross_entropy() -> None:
    sse = losscli.evaluate(np.eye(10)[[2]], [SEED_ROW], losses=["sse"], task="regression")
    assert math.isclose(sse.losses["sse"]["mean"], 0.0975, rel_tol=1e-12)
    cce = losscli.evaluate([2], [SEED_ROW], losses=["cross_entropy"])
    assert cce.task == "multiclass"
    assert math.isclose(cce.losses["categorical_cross_entropy"]["mean"], -math.log(0.6),
                        rel_tol=1e-12)


def test_seed_003_softmax_stability() -> None:
    logits = [[1000.0, 2000, 3000, 4000, 5000]] * 2
    r = losscli.evaluate([0, 4], logits, from_logits=True)
    values = r.per_sample["categorical_cross_entropy"]
    assert values.tolist() == [4000.0, 0.0]
