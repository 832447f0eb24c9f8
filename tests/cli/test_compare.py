"""``losscli compare A B``: paired differences and tests, checked against scipy, through
the command line (in this process; the JSON contract and the gate's exit 1 through the
installed console script)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from losscli.stats import paired

N = 600


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, N)
    pa = np.clip(0.3 * y + 0.7 * rng.random(N), 0.01, 0.99)
    pb = np.clip(0.4 * y + 0.6 * rng.random(N), 0.01, 0.99)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path, p in ((a, pa), (b, pb)):
        path.write_text("y,p\n" + "".join(f"{t},{float(v)!r}\n" for t, v in zip(y, p)))
    return a, b, y, pa, pb


def _bce(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _json(r) -> dict:  # type: ignore[no-untyped-def]
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_json_per_contract_and_against_scipy(run_script, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, y, pa, pb = pair
    d = _json(
        run_script("compare", a, b, "-m", "accuracy", "-m", "roc_auc", "-m", "f1", "-f", "json")
    )
    assert set(d) >= {"version", "a", "b", "differences"}
    assert d["a"]["metrics"]["accuracy"] == pytest.approx(np.mean((pa >= 0.5) == y))
    diffs = d["differences"]
    assert set(diffs) == {"binary_cross_entropy", "accuracy", "roc_auc", "f1"}
    for v in diffs.values():
        assert set(v) >= {"a", "b", "delta", "low", "high", "p_value", "test", "better"}
        assert v["delta"] == pytest.approx(v["b"] - v["a"])
        assert v["low"] <= v["delta"] <= v["high"]
    assert {k: v["test"] for k, v in diffs.items()} == {
        "binary_cross_entropy": "bootstrap",
        "accuracy": "mcnemar",
        "roc_auc": "delong",
        "f1": "bootstrap",
    }
    ca, cb = (pa >= 0.5) == y, (pb >= 0.5) == y
    only_a, only_b = int(np.sum(ca & ~cb)), int(np.sum(cb & ~ca))
    ref = stats.binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue
    assert diffs["accuracy"]["p_value"] == pytest.approx(ref)
    assert diffs["roc_auc"]["p_value"] == pytest.approx(paired.delong_test(y, pa, pb)[1])
    # Holm over the four figures
    ps = [v["p_value"] for v in diffs.values()]
    assert [v["p_holm"] for v in diffs.values()] == pytest.approx(paired.holm(ps))
    assert diffs["accuracy"]["better"] == "b"


def _delong_by_definition(y: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> tuple[float, float]:
    """AUC_B - AUC_A and its DeLong standard error from the placements, pair by pair
    (DeLong et al. 1988, eq. 2-5), without the fast algorithm losscli uses."""
    v10, v01, aucs = [], [], []
    for p in (pa, pb):
        pos, neg = p[y == 1][:, None], p[y == 0][None, :]
        psi = (pos > neg) + 0.5 * (pos == neg)
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    s10, s01 = np.cov(np.vstack(v10)), np.cov(np.vstack(v01))
    contrast = np.array([-1.0, 1.0])
    var = contrast @ s10 @ contrast / len(v10[0]) + contrast @ s01 @ contrast / len(v01[0])
    return aucs[1] - aucs[0], float(np.sqrt(var))


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_roc_auc_difference_interval_is_delongs(cli, pair, level) -> None:  # type: ignore[no-untyped-def]
    """Under DeLong's test the interval of AUC_B - AUC_A is delta ± z·se from DeLong's
    variance of the difference (no resampled AUCs): it excludes 0 exactly when p < 1 - level."""
    a, b, y, pa, pb = pair
    args = ("-m", "roc_auc", "--ci-level", str(level), "-f", "json")
    roc = _json(cli("compare", a, b, *args))["differences"]["roc_auc"]
    delta, se = _delong_by_definition(y, pa, pb)
    z = stats.norm.ppf(0.5 + level / 2)
    assert roc["test"] == "delong"
    assert roc["delta"] == pytest.approx(delta, rel=1e-12)
    assert roc["low"] == pytest.approx(delta - z * se, rel=1e-9)
    assert roc["high"] == pytest.approx(delta + z * se, rel=1e-9)
    assert roc["p_value"] == pytest.approx(2 * stats.norm.sf(abs(delta / se)), rel=1e-9)
    assert (roc["low"] > 0 or roc["high"] < 0) == (roc["p_value"] < 1 - level)


def test_ttest_is_scipy_ttest_rel(cli, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, y, pa, pb = pair
    d = _json(cli("compare", a, b, "--test", "ttest", "-f", "json"))
    bce = d["differences"]["binary_cross_entropy"]
    ref = stats.ttest_rel(_bce(y, pb), _bce(y, pa))
    assert bce["test"] == "ttest"
    assert bce["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    lo, hi = ref.confidence_interval(0.95)
    assert (bce["low"], bce["high"]) == pytest.approx((lo, hi), rel=1e-9)
    assert any("ttest applies to losses" in n for n in d["notes"])


@pytest.mark.parametrize("test", ["auto", "bootstrap", "randomization", "ttest"])
def test_identical_predictions_are_no_difference(cli, pair, test) -> None:  # type: ignore[no-untyped-def]
    a, _, _, _, _ = pair
    d = _json(cli("compare", a, a, "--test", test, "-m", "accuracy", "-m", "f1", "-f", "json"))
    for name, v in d["differences"].items():
        assert v["delta"] == 0.0
        assert v["p_value"] == 1.0, (name, v)
        assert v["better"] == "neither"


def test_randomization_detects_a_clear_difference(cli, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    d = _json(cli("compare", a, b, "--test", "randomization", "-m", "accuracy", "-f", "json"))
    for v in d["differences"].values():
        assert v["test"] == "randomization"
        assert v["p_value"] < 0.01
        assert v["p_value"] >= 1 / 1001


def test_chunk_invariant_and_seeded(cli, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    args = ("compare", a, b, "-m", "f1", "-m", "accuracy", "--n-boot", "300", "-f", "json")
    whole = _json(cli(*args))["differences"]
    chunked = _json(cli(*args, "--chunk-size", "97"))["differences"]
    assert chunked.keys() == whole.keys()
    for name, v in whole.items():  # the means are sums over chunks: equal to rounding
        for key, x in v.items():
            assert chunked[name][key] == (
                pytest.approx(x, rel=1e-12) if isinstance(x, float) else x
            )
    assert _json(cli(*args, "--seed", "5"))["differences"] != whole


def test_shared_targets(cli, pair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b, y, pa, pb = pair
    t = tmp_path / "t.csv"
    t.write_text("y\n" + "".join(f"{v}\n" for v in y))
    pfa, pfb = tmp_path / "pa.csv", tmp_path / "pb.csv"
    pfa.write_text("p\n" + "".join(f"{float(v)!r}\n" for v in pa))
    pfb.write_text("p\n" + "".join(f"{float(v)!r}\n" for v in pb))
    shared = _json(cli("compare", pfa, pfb, "--targets", t, "-f", "json"))["differences"]
    own = _json(cli("compare", a, b, "-f", "json"))["differences"]
    assert shared == own


def test_fail_if_worse_gates_and_junit(run_script, pair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    junit = tmp_path / "c.xml"
    r = run_script("compare", b, a, "--fail-if-worse", "-m", "accuracy", "--junit", junit)
    assert r.code == 1
    gates = [x for x in r.err.splitlines() if x.startswith("gate failed:")]
    assert any(x.startswith("gate failed: accuracy worse in B: -") for x in gates)
    assert "<failure" in junit.read_text()
    ok = run_script("compare", a, b, "--fail-if-worse", "-m", "accuracy")
    assert ok.code == 0, ok.err


def test_table_and_markdown(cli, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    table = cli("compare", a, b, "-m", "accuracy")
    assert table.code == 0
    assert "B better" in table.out and "mcnemar" in table.out
    md = cli("compare", a, b, "-m", "accuracy", "-f", "markdown").out
    assert "| accuracy |" in md and "better in B" in md


def test_targets_that_differ_are_an_input_error(cli, pair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b, y, _, pb = pair
    y2 = y.copy()
    y2[123] = 1 - y2[123]
    c = tmp_path / "c.csv"
    c.write_text("y,p\n" + "".join(f"{t},{float(v)!r}\n" for t, v in zip(y2, pb)))
    out = tmp_path / "out.json"
    r = cli("compare", a, c, "-o", out)
    assert r.code == 3
    errors = [x for x in r.err.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "differ from row 124" in errors[0]
    assert not out.exists()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(a.read_text().splitlines()[:-5]) + "\n")
    r = cli("compare", a, short, "-o", out)
    assert r.code == 3 and "more rows" in r.err
    assert not out.exists()


def test_an_output_never_replaces_an_input(cli, pair) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    before = a.read_bytes()
    r = cli("compare", a, b, "-o", a)
    assert r.code == 2 and "writing it would destroy it" in r.err
    assert a.read_bytes() == before
    r = cli("compare", a, b, "-o", b.parent / "x.json", "--junit", b.parent / "x.json")
    assert r.code == 2


@pytest.mark.parametrize(
    "args,fragment",
    [
        (("--test", "mcnemr"), "--test"),
        (("--alpha", "2"), "--alpha"),
        (("--nan-policy", "omit"), "no such option"),
        (("-f", "value"), "format"),
    ],
)
def test_bad_options(cli, pair, tmp_path, args, fragment) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _, _ = pair
    out = tmp_path / "out.json"
    r = cli("compare", a, b, *args, "-o", out)
    assert r.code == 2, r.err
    assert fragment in r.err
    assert not out.exists()


def test_paired_bootstrap_p_value_against_a_reference(cli, pair) -> None:  # type: ignore[no-untyped-def]
    """sacrebleu's paired bootstrap, computed here from the same resamples (the Poisson
    counts of --seed as sample weights, both systems alike), with its p-value rule:
    p = (#{|delta_r - mean delta| >= |delta|} + 1) / (R + 1)."""
    from sklearn.metrics import f1_score

    from losscli.stats.resample import poisson_weights

    a, b, y, pa, pb = pair
    R, seed = 200, 77
    d = _json(
        cli(
            "compare",
            a,
            b,
            "-m",
            "f1",
            "--test",
            "bootstrap",
            "--n-boot",
            R,
            "--seed",
            seed,
            "-f",
            "json",
        )
    )["differences"]["f1"]
    counts = poisson_weights(seed, 0, len(y), R).astype(float)
    deltas = np.array(
        [
            f1_score(y, pb > 0.5, sample_weight=c) - f1_score(y, pa > 0.5, sample_weight=c)
            for c in counts
        ]
    )
    observed = f1_score(y, pb > 0.5) - f1_score(y, pa > 0.5)
    p = (np.sum(np.abs(deltas - deltas.mean()) >= abs(observed)) + 1) / (R + 1)
    assert d["delta"] == pytest.approx(observed)
    assert d["p_value"] == pytest.approx(p)
    assert (d["low"], d["high"]) == pytest.approx(tuple(np.quantile(deltas, [0.025, 0.975])))


def test_pos_label(cli, write_csv) -> None:  # type: ignore[no-untyped-def]
    a = write_csv("sa.csv", ["y", "p"], [["spam", 0.9], ["ham", 0.2], ["spam", 0.6], ["ham", 0.7]])
    b = write_csv("sb.csv", ["y", "p"], [["spam", 0.8], ["ham", 0.1], ["spam", 0.7], ["ham", 0.4]])
    d = _json(cli("compare", a, b, "--pos-label", "spam", "-m", "accuracy", "-f", "json"))
    assert d["differences"]["accuracy"]["a"] == 0.75 and d["differences"]["accuracy"]["b"] == 1.0
    r = cli("compare", a, b)
    assert r.code == 3 and "--pos-label" in r.err
