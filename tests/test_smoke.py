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
    assert math.isclose(
        cce.losses["categorical_cross_entropy"]["mean"], -math.log(0.6), rel_tol=1e-12
    )


def test_seed_003_softmax_stability() -> None:
    logits = [[1000.0, 2000, 3000, 4000, 5000]] * 2
    r = losscli.evaluate([0, 4], logits, from_logits=True)
    values = r.per_sample["categorical_cross_entropy"]
    assert values.tolist() == [4000.0, 0.0]


def test_confusion_matrix_in_report_matches_sklearn() -> None:
    from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix

    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 300)
    p = rng.dirichlet(np.ones(3), 300)
    w = rng.integers(1, 4, 300).astype(float)
    r = losscli.evaluate(y, p, weights=w, chunk_rows=70)
    cm = confusion_matrix(y, p.argmax(axis=1), sample_weight=w)
    assert r.to_dict()["confusion_matrix"]["matrix"] == cm.astype(int).tolist()
    yl = rng.integers(0, 2, (200, 4))
    pl = rng.uniform(size=(200, 4))
    rl = losscli.evaluate(yl, pl, task="multilabel")
    mcm = multilabel_confusion_matrix(yl, (pl > 0.5).astype(int))
    assert rl.to_dict()["confusion_matrix"]["matrix"] == mcm.tolist()
    assert "confusion_matrix" not in losscli.evaluate([1.0, 2.0], [1.5, 2.5]).to_dict()
