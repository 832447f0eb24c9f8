"""Behaviour of the Python API :func:`losscli.evaluate`.

Task inference (the rules of the :mod:`losscli.validate.tasks` docstring), typed errors,
parameters, checks and baselines, the signature, and the handling of probability
rows that do not sum to 1.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import losscli
import losscli.scoring.registry
from losscli import InputError, LossCliError, UsageError

Y_BIN = np.array([0, 1, 1, 0, 1])
P_BIN = np.array([0.2, 0.7, 0.6, 0.4, 0.9])  # every decision right at 0.5
Y_MC = np.array([0, 1, 2, 1])
P_MC = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])


def bce(report: losscli.Report) -> float:
    return report.losses["binary_cross_entropy"]["mean"]


# ----------------------------------------------------------------------------- task inference


@pytest.mark.parametrize(
    ("y", "p", "losses", "task"),
    [
        # rule 2: one prediction column
        ([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3], None, "binary"),
        ([-1, 1, 1, -1], [0.1, 0.8, 0.6, 0.3], None, "binary"),
        ([-1, 1, 1, -1], [-2.0, 3.0, 0.5, -0.1], ["hinge"], "binary"),
        ([1, 1, 1], [0.1, 0.8, 0.6], None, "binary"),
        ([0, 0, 0], [0.1, 0.8, 0.6], None, "binary"),
        ([-1, -1], [-0.5, 0.2], ["hinge"], "binary"),
        ([True, False, True], [0.9, 0.2, 0.4], None, "binary"),
        ([0.0, 1.0, 1.0], [0.2, 0.9, 0.7], None, "binary"),
        ([0, 1, 2], [0.1, 0.8, 0.6], None, "regression"),
        ([-1, 0, 1], [0.1, 0.8, 0.6], None, "regression"),
        ([0.5, 1.5, 2.5], [0.4, 1.2, 2.9], None, "regression"),
        ([1, -1, 2], [0.1, 0.8, 0.6], None, "regression"),
        # rule 3: C > 1 prediction columns, one integer target column in [0, C)
        ([0, 1, 2, 1], P_MC.tolist(), None, "multiclass"),
        ([0.0, 1.0, 2.0, 1.0], P_MC.tolist(), None, "multiclass"),
        ([[0], [1], [2], [1]], P_MC.tolist(), None, "multiclass"),
        ([0, 0, 0, 0], P_MC.tolist(), None, "multiclass"),
        # rule 4: C target columns beside C prediction columns
        (np.eye(3)[[0, 1, 2, 1]].tolist(), P_MC.tolist(), None, "multiclass"),
        (
            [[0.5, 0.5, 0.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.0, 0.0, 1.0]],
            P_MC.tolist(),
            None,
            "multiclass",
        ),
        ([[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]], P_MC.tolist(), None, "multilabel"),
        ([[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], P_MC.tolist(), None, "multilabel"),
        (
            [[0.5, 1.5, 0.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.0, 0.0, 1.0]],
            P_MC.tolist(),
            None,
            "regression",
        ),
        (
            [[0.2, 0.2, 0.2], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.0, 0.0, 1.0]],
            P_MC.tolist(),
            None,
            "regression",
        ),
        (
            [[-1.0, 0.5, 2.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.0, 0.0, 1.0]],
            P_MC.tolist(),
            None,
            "regression",
        ),
    ],
)
def test_task_inference(y: object, p: object, losses: list[str] | None, task: str) -> None:
    r = losscli.evaluate(y, p, losses=losses)
    assert r.task == task


def test_task_inference_class_names() -> None:
    # rule 1: targets are class names matching the prediction headers
    r = losscli.evaluate(["cat", "dog", "bird", "dog"], P_MC, classes=["cat", "dog", "bird"])
    assert r.task == "multiclass"
    assert r.losses["categorical_cross_entropy"]["mean"] == pytest.approx(
        -np.mean(np.log([0.7, 0.8, 0.6, 0.4])), rel=1e-12
    )
    # without names the columns are called 0..C-1
    r = losscli.evaluate(np.array(["0", "1", "2", "1"]), P_MC)
    assert r.task == "multiclass"


def test_class_name_not_a_column_is_input_error() -> None:
    with pytest.raises(InputError, match="fish"):
        losscli.evaluate(["cat", "fish", "bird", "dog"], P_MC, classes=["cat", "dog", "bird"])


def test_explicit_task_overrides_inference() -> None:
    y = np.array([0.0, 1.0, 1.0])
    p = np.array([0.2, 0.9, 0.4])
    assert losscli.evaluate(y, p).task == "binary"
    r = losscli.evaluate(y, p, task="regression")
    assert r.task == "regression"
    assert r.losses["mse"]["mean"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    # one-hot targets read as multilabel
    t = np.eye(3)[[0, 1, 2, 1]]
    r = losscli.evaluate(t, P_MC, task="multilabel")
    assert r.task == "multilabel"


@pytest.mark.parametrize(
    ("task", "loss", "metric"),
    [
        ("regression", "mse", "rmse"),
        ("binary", "binary_cross_entropy", "accuracy"),
        ("multiclass", "categorical_cross_entropy", "accuracy"),
        ("multilabel", "binary_cross_entropy", "accuracy"),
    ],
)
def test_default_loss_and_metric_per_task(task: str, loss: str, metric: str) -> None:
    data = {
        "regression": ([0.5, 2.0, -1.0], [0.4, 2.5, -1.0]),
        "binary": (Y_BIN, P_BIN),
        "multiclass": (Y_MC, P_MC),
        "multilabel": ([[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]], P_MC),
    }[task]
    r = losscli.evaluate(*data)
    assert r.task == task
    assert list(r.losses) == [loss]
    assert list(r.metrics) == [metric]
    assert r.n_samples == len(data[0])


# ----------------------------------------------------------------------------- input errors


def test_errors_are_typed() -> None:
    assert issubclass(InputError, LossCliError)
    assert issubclass(UsageError, LossCliError)
    assert InputError("x").exit_code == 3
    assert UsageError("x").exit_code == 2


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_prediction_is_input_error(bad: float) -> None:
    p = P_BIN.copy()
    p[2] = bad
    with pytest.raises(InputError) as exc:
        losscli.evaluate(Y_BIN, p)
    assert exc.value.row == 3


def test_nan_target_is_input_error() -> None:
    y = np.array([0.0, 1.0, math.nan, 0.0, 1.0])
    with pytest.raises(InputError, match="NaN") as exc:
        losscli.evaluate(y, P_BIN, task="regression")
    assert exc.value.row == 3


def test_nan_in_multiclass_prediction_names_row_and_column() -> None:
    p = P_MC.copy()
    p[1, 2] = math.nan
    with pytest.raises(InputError, match="NaN") as exc:
        losscli.evaluate(Y_MC, p)
    assert exc.value.row == 2
    assert exc.value.column == "2"


@pytest.mark.parametrize("n_pred", [4, 6])
def test_length_mismatch_is_input_error(n_pred: int) -> None:
    with pytest.raises(InputError, match="mismatch"):
        losscli.evaluate(Y_BIN, np.linspace(0.1, 0.9, n_pred))


def test_length_mismatch_multiclass() -> None:
    with pytest.raises(InputError):
        losscli.evaluate(Y_MC[:3], P_MC)


@pytest.mark.parametrize("bad", [1.2, -0.1])
def test_binary_probability_outside_unit_interval(bad: float) -> None:
    p = P_BIN.copy()
    p[1] = bad
    with pytest.raises(InputError, match="probability") as exc:
        losscli.evaluate(Y_BIN, p, losses=["bce"])
    assert exc.value.row == 2


def test_multiclass_probability_outside_unit_interval() -> None:
    p = P_MC.copy()
    p[3] = [1.2, -0.1, -0.1]
    with pytest.raises(InputError, match="probability") as exc:
        losscli.evaluate(Y_MC, p, losses=["cce"])
    assert exc.value.row == 4


def test_multilabel_probability_outside_unit_interval() -> None:
    y = [[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]]
    p = P_MC.copy()
    p[0, 0] = 1.5
    with pytest.raises(InputError, match="probability"):
        losscli.evaluate(y, p, losses=["bce"], task="multilabel")


def test_scores_are_fine_for_margin_losses() -> None:
    r = losscli.evaluate(Y_BIN, np.array([-2.0, 3.0, 0.5, -0.1, 7.0]), losses=["hinge"])
    assert r.task == "binary"
    assert r.metrics["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("y", "p", "task"),
    [
        ([0, 1, 3, 1], P_MC, "multiclass"),  # label == C
        ([0, 1, -1, 1], P_MC, "multiclass"),  # negative label
        ([0, 1, 1.5, 1], P_MC, "multiclass"),  # not an integer
        ([0, 1, 2, 1], P_BIN[:4], "binary"),  # 2 is not a binary label
        ([0, 1, 0.5, 1], P_BIN[:4], "binary"),
        ([[1, 2, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]], P_MC, "multilabel"),
        ([[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]], P_MC, "multiclass"),  # rows sum to 2
    ],
)
def test_labels_out_of_range_are_input_errors(y: object, p: np.ndarray, task: str) -> None:
    with pytest.raises(InputError):
        losscli.evaluate(y, p, task=task)


def test_label_out_of_range_under_auto_is_input_error() -> None:
    # label 3 with 3 columns: not multiclass under rule 3; still an input error
    with pytest.raises(InputError):
        losscli.evaluate([0, 1, 3, 1], P_MC)


@pytest.mark.parametrize(
    "weights",
    [
        [1.0, 1.0, -0.5, 1.0, 1.0],
        [1.0, 1.0, math.nan, 1.0, 1.0],
        [1.0, 1.0, math.inf, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0],
        [1.0] * 6,
    ],
)
def test_bad_weights_are_input_errors(weights: list[float]) -> None:
    with pytest.raises(InputError):
        losscli.evaluate(Y_BIN, P_BIN, weights=weights)


def test_negative_weight_names_row() -> None:
    with pytest.raises(InputError, match="-0.5") as exc:
        losscli.evaluate(Y_BIN, P_BIN, weights=[1.0, 1.0, -0.5, 1.0, 1.0])
    assert exc.value.row == 3


def test_empty_input_is_input_error() -> None:
    with pytest.raises(InputError):
        losscli.evaluate(np.zeros(0), np.zeros(0))


def test_empty_multiclass_input_is_input_error() -> None:
    with pytest.raises(InputError):
        losscli.evaluate(np.zeros(0), np.zeros((0, 3)))


def test_normalize_row_of_zeros_is_input_error() -> None:
    p = P_MC.copy()
    p[2] = 0.0
    with pytest.raises(InputError):
        losscli.evaluate(Y_MC, p, params={"normalize": True})


# ----------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "kwargs",
    [
        {"losses": ["no_such_loss"]},
        {"metrics": ["no_such_metric"]},
        {"params": {"no_such_param": 1}},
        {"params": ["no_such_param=1"]},
        {"params": ["eps"]},  # not KEY=VALUE
        {"task": "ranking"},
        {"losses": ["accuracy"]},  # a metric, not a loss
        {"metrics": ["bce"]},  # a loss, not a metric
    ],
)
def test_unknown_names_are_usage_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(Y_BIN, P_BIN, **kwargs)


@pytest.mark.parametrize(
    "params",
    [
        {"eps": 0.6},
        {"eps": 0},
        {"eps": -1e-9},
        {"eps": "tiny"},
        {"eps": math.nan},
        {"label_smoothing": 1.0},
        {"label_smoothing": -0.1},
        {"base": "3"},
        {"base": "pi"},
        {"from_logits": "maybe"},
        {"threshold": 1.5},
        {"threshold": -0.1},
    ],
)
def test_param_out_of_range_is_usage_error(params: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "zero_one"], params=params)


@pytest.mark.parametrize(
    ("loss", "params"),
    [
        ("tweedie_deviance", {"power": 0.5}),  # no Tweedie distribution for 0 < p < 1
        ("huber", {"delta": 0}),
        ("pinball", {"alpha": 1.0}),
    ],
)
def test_loss_param_out_of_range_is_usage_error(loss: str, params: dict[str, object]) -> None:
    if loss not in losscli.scoring.registry.LOSSES:
        pytest.skip(f"no {loss}")
    with pytest.raises(UsageError):
        losscli.evaluate([1.0, 2.0], [1.5, 2.5], task="regression", losses=[loss], params=params)


def test_class_weight_of_wrong_length_is_usage_error() -> None:
    if (
        "class_weight"
        not in losscli.scoring.registry.LOSSES["categorical_cross_entropy"].param_names
    ):
        pytest.skip("no class_weight")
    with pytest.raises(UsageError):
        losscli.evaluate(Y_MC, P_MC, params={"class_weight": "1,2"})


@pytest.mark.parametrize(
    ("y", "p", "task"),
    [
        (Y_MC, P_MC, "multiclass"),
        ([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], P_MC, "multilabel"),
    ],
)
def test_average_binary_outside_binary_task_is_usage_error(y: object, p: object, task: str) -> None:
    """--param average=binary with a multiclass/multilabel task: incompatible choices."""
    if "precision" not in losscli.scoring.registry.METRICS:
        pytest.skip("no precision metric")
    with pytest.raises(UsageError):
        losscli.evaluate(y, p, task=task, metrics=["precision"], params={"average": "binary"})


@pytest.mark.parametrize(
    ("loss", "y", "p", "row"),
    [
        ("msle", [1.0, 2.0, 3.0], [0.5, -1.0, 2.0], 2),
        ("poisson", [1.0, 2.0, 3.0], [0.5, 1.0, -2.0], 3),
        ("poisson_deviance", [1.0, -2.0, 3.0], [0.5, 1.0, 2.0], 2),
        ("gamma_deviance", [1.0, 2.0, 3.0], [0.0, 1.0, 2.0], 1),
    ],
)
def test_loss_domain_violation_is_input_error(
    loss: str, y: list[float], p: list[float], row: int
) -> None:
    if loss not in losscli.scoring.registry.LOSSES:
        pytest.skip(f"no {loss}")
    with pytest.raises(InputError) as exc:
        losscli.evaluate(y, p, task="regression", losses=[loss])
    assert exc.value.row == row


@pytest.mark.parametrize(
    ("y", "p", "task", "losses", "metrics"),
    [
        (Y_BIN, P_BIN, "binary", ["mse"], None),
        (Y_BIN, P_BIN, "binary", ["cce"], None),
        (Y_BIN, P_BIN, "binary", None, ["rmse"]),
        (Y_MC, P_MC, "multiclass", ["hinge"], None),
        (Y_MC, P_MC, "multiclass", ["bce"], None),
        (Y_MC, P_MC, "multiclass", ["sse"], None),
        ([0.5, 2.0, 1.0], [0.1, 0.2, 0.3], "regression", ["bce"], None),
        ([0.5, 2.0, 1.0], [0.1, 0.2, 0.3], "regression", None, ["accuracy"]),
    ],
)
def test_loss_or_metric_not_applicable_to_task(
    y: object, p: object, task: str, losses: list[str] | None, metrics: list[str] | None
) -> None:
    with pytest.raises(UsageError, match="does not apply"):
        losscli.evaluate(y, p, task=task, losses=losses, metrics=metrics)


def test_not_applicable_to_inferred_task() -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(Y_BIN, P_BIN, losses=["mse"])


def test_usage_errors_come_before_reading_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(UsageError):
        losscli.evaluate(str(missing), task="binary", checks=["nonsense_metric>1"])
    with pytest.raises(InputError):
        losscli.evaluate(str(missing))


def test_bad_tolerance_is_usage_error() -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(Y_BIN, P_BIN, tolerance=-0.1)


# ----------------------------------------------------------------------------- --param


def test_param_applies_only_to_losses_that_take_it() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "hinge", "zero_one"], params={"eps": 1e-7})
    assert r.losses["binary_cross_entropy"]["params"]["eps"] == 1e-7
    assert "eps" not in r.losses["hinge"]["params"]
    assert "eps" not in r.losses["zero_one"]["params"]


def test_param_effect_eps() -> None:
    y = np.array([1, 0, 1])
    p = np.array([0.0, 0.3, 0.8])
    r = losscli.evaluate(y, p, params=["eps=1e-7"])
    assert r.per_sample["binary_cross_entropy"][0] == pytest.approx(-math.log(1e-7), rel=1e-6)


def test_param_taken_by_no_selected_loss_is_usage_error() -> None:
    with pytest.raises(UsageError, match="eps") as exc:
        losscli.evaluate(Y_BIN, P_BIN, losses=["hinge"], params={"eps": 1e-7})
    assert "binary_cross_entropy" in str(exc.value)  # names the losses that take it
    with pytest.raises(UsageError):
        losscli.evaluate([0.5, 2.0], [0.4, 2.5], params={"label_smoothing": 0.1})


def test_param_taken_by_a_selected_metric_is_accepted() -> None:
    # default loss bce does not take threshold; the default metric accuracy does
    r = losscli.evaluate(Y_BIN, P_BIN, params={"threshold": 0.65})
    # decisions at 0.65: 0.7 and 0.9 positive, 0.6 negative -> one of five wrong
    assert r.metrics["accuracy"] == pytest.approx(0.8)
    r = losscli.evaluate(Y_BIN, P_BIN, losses=["zero_one"], params={"threshold": 0.65})
    assert r.losses["zero_one"]["mean"] == pytest.approx(0.2)
    assert r.losses["zero_one"]["params"]["threshold"] == 0.65


def test_param_keys_and_sequences() -> None:
    a = losscli.evaluate(Y_BIN, P_BIN, params={"EPS": 1e-3})
    b = losscli.evaluate(Y_BIN, P_BIN, params=["eps = 1e-3"])
    assert a.losses["binary_cross_entropy"]["params"]["eps"] == 1e-3
    assert b.losses["binary_cross_entropy"]["params"]["eps"] == 1e-3


def test_from_logits_flag_and_param_agree() -> None:
    z = np.array([-2.0, 3.0, 0.5, -0.1, 7.0])
    a = losscli.evaluate(Y_BIN, z, from_logits=True)
    b = losscli.evaluate(Y_BIN, z, params=["from_logits=true"])
    c = losscli.evaluate(Y_BIN, z, params={"from_logits": True})
    assert bce(a) == bce(b) == bce(c)
    assert a.metrics == b.metrics == c.metrics == {"accuracy": 1.0}
    assert a.signature == b.signature == c.signature


def test_from_logits_without_a_loss_taking_it_is_usage_error() -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(
            Y_BIN, np.array([-2.0, 3.0, 0.5, -0.1, 7.0]), losses=["hinge"], from_logits=True
        )


@pytest.mark.parametrize("false", ["false", "0", "no", "off", False])
def test_from_logits_false_as_param_is_the_default(false: object) -> None:
    """``--param from_logits=false`` must mean what it says (it is the default)."""
    ref = losscli.evaluate(Y_BIN, P_BIN)
    r = losscli.evaluate(Y_BIN, P_BIN, params={"from_logits": false})
    assert bce(r) == bce(ref)
    assert r.metrics == ref.metrics  # decisions at 0.5, not at 0


def test_from_logits_false_still_checks_probabilities() -> None:
    p = P_MC * 3 - 1  # not probabilities
    with pytest.raises(InputError):
        losscli.evaluate(Y_MC, p, losses=["cce"])
    with pytest.raises(InputError):
        losscli.evaluate(Y_MC, p, losses=["cce"], params=["from_logits=false"])


def test_more_classes_than_prediction_columns_is_typed_error() -> None:
    """Class names beyond the prediction columns: a typed error, not an IndexError."""
    with pytest.raises(LossCliError):
        losscli.evaluate(["a", "d", "b", "c"], P_MC, classes=["a", "b", "c", "d"])


def test_fewer_classes_than_prediction_columns_is_typed_error() -> None:
    """Two class names for three prediction columns must not pass silently."""
    with pytest.raises(LossCliError):
        losscli.evaluate(["a", "b", "a", "b"], P_MC, classes=["a", "b"])


def test_weights_column_name_with_arrays_is_not_silently_ignored() -> None:
    """A weights *column name* cannot apply to bare arrays: an error, not unweighted results."""
    with pytest.raises(LossCliError):
        losscli.evaluate(Y_BIN, P_BIN, weights="w")


# ----------------------------------------------------------------------------- checks


def test_checks_pass_and_fail() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, checks=["accuracy>=0.7", "bce < 1"])
    assert r.passed
    assert [c.passed for c in r.checks] == [True, True]
    assert r.checks[0].value == 1.0
    assert r.checks[1].value == bce(r)
    d = r.to_dict()["checks"][0]
    assert d["check"] == "accuracy>=0.7"
    assert d["value"] == 1.0
    assert d["passed"] is True

    r = losscli.evaluate(Y_BIN, P_BIN, checks=["accuracy>=0.7", "binary_cross_entropy<0.1"])
    assert not r.passed
    assert [c.passed for c in r.checks] == [True, False]
    assert r.losses  # the report is still complete


@pytest.mark.parametrize(
    ("op", "bound", "expected"),
    [
        ("<", 1.0, False),
        ("<=", 1.0, True),
        (">", 1.0, False),
        (">=", 1.0, True),
        ("==", 1.0, True),
        ("==", 0.5, False),
        ("<", 1.5, True),
        (">", 0.5, True),
    ],
)
def test_check_operators(op: str, bound: float, expected: bool) -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, checks=[f"accuracy {op} {bound}"])
    assert r.checks[0].passed is expected
    assert r.passed is expected


def test_no_checks_passes() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN)
    assert r.checks == []
    assert r.passed


def test_check_by_alias_and_loss_mean() -> None:
    r = losscli.evaluate(
        Y_BIN, P_BIN, losses=["bce", "zero_one"], checks=["acc>0.9", "log_loss<=0.5", "zero_one==0"]
    )
    assert r.passed
    assert r.checks[1].value == bce(r)


@pytest.mark.parametrize(
    "expr", ["accuracy ~ 1", "accuracy>=", ">=0.5", "accuracy>=high", "accuracy=>0.5"]
)
def test_invalid_check_is_usage_error(expr: str) -> None:
    with pytest.raises(UsageError):
        losscli.evaluate(Y_BIN, P_BIN, checks=[expr])


def test_check_of_unknown_name_is_usage_error() -> None:
    with pytest.raises(UsageError, match="nonsense"):
        losscli.evaluate(Y_BIN, P_BIN, checks=["nonsense<1"])
    with pytest.raises(UsageError, match="did you mean f1"):
        losscli.evaluate(Y_BIN, P_BIN, checks=["f11>0.5"])
    with pytest.raises(UsageError, match="rmse .*does not apply to a binary task"):
        losscli.evaluate(Y_BIN, P_BIN, checks=["rmse<1"])


def test_check_of_unselected_figure_computes_it() -> None:
    """``--check f1>=0.9`` without ``-m f1``: f1 is computed, after the selection, and
    the selected figures are those of the run without the check."""
    from sklearn.metrics import f1_score

    plain = losscli.evaluate(Y_BIN, P_BIN)
    r = losscli.evaluate(Y_BIN, P_BIN, checks=["f1>=0.9", "zero_one<1"])
    assert list(r.metrics) == [*plain.metrics, "f1"]
    assert list(r.losses) == [*plain.losses, "zero_one"]  # the first loss stays first
    assert r.metrics["f1"] == pytest.approx(f1_score(Y_BIN, P_BIN >= 0.5), abs=1e-15)
    assert r.losses["zero_one"]["mean"] == 0.0
    assert r.value("accuracy") == plain.value("accuracy")
    assert [c.passed for c in r.checks] == [True, True]
    # a check on a selected figure adds nothing
    assert list(losscli.evaluate(Y_BIN, P_BIN, checks=["accuracy>0"]).metrics) == ["accuracy"]


def test_value_names_a_figure_computed_when_not_selected() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, value="balanced_accuracy")
    assert "balanced_accuracy" in r.metrics
    assert r.value("balanced_accuracy") == 1.0
    with pytest.raises(UsageError, match="did you mean accuracy"):
        losscli.evaluate(Y_BIN, P_BIN, value="acuracy")


def test_check_with_non_finite_bound_round_trips_to_json() -> None:
    """``accuracy<inf`` is either refused as a usage error or serialises (JSON has no inf)."""
    try:
        r = losscli.evaluate(Y_BIN, P_BIN, checks=["accuracy<inf"])
    except UsageError:
        return
    json.loads(r.to_json())


# ----------------------------------------------------------------------------- baseline


def test_baseline_same_run_passes(tmp_path: Path) -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "zero_one"])
    path = tmp_path / "base.json"
    path.write_text(r.to_json(), encoding="utf-8")
    for base in (path, str(path), r.to_dict()):
        r2 = losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "zero_one"], baseline=base)
        assert r2.passed
        rows = {b["name"]: b for b in r2.baseline}
        assert set(rows) == {"binary_cross_entropy", "zero_one", "accuracy"}
        assert all(not b["worse"] for b in r2.baseline)
        assert rows["binary_cross_entropy"]["change"] == 0.0
        assert rows["accuracy"]["direction"] == "higher"
        assert rows["binary_cross_entropy"]["direction"] == "lower"


def test_baseline_worse_loss_fails_unless_within_tolerance() -> None:
    good = losscli.evaluate(Y_BIN, P_BIN)
    p = np.array([0.3, 0.6, 0.55, 0.45, 0.8])  # same decisions, higher loss
    worse = losscli.evaluate(Y_BIN, p)
    ratio = bce(worse) / bce(good) - 1.0
    assert ratio > 0
    r = losscli.evaluate(Y_BIN, p, baseline=good.to_dict())
    assert not r.passed
    row = next(b for b in r.baseline if b["name"] == "binary_cross_entropy")
    assert row["worse"]
    assert row["change"] == pytest.approx(bce(worse) - bce(good))
    assert row["relative_change"] == pytest.approx(ratio)
    assert losscli.evaluate(Y_BIN, p, baseline=good.to_dict(), tolerance=ratio * 1.01).passed
    assert not losscli.evaluate(Y_BIN, p, baseline=good.to_dict(), tolerance=ratio * 0.99).passed
    # the other way round is an improvement
    assert losscli.evaluate(Y_BIN, P_BIN, baseline=worse.to_dict()).passed


def test_baseline_higher_is_better_metric() -> None:
    base = {"metrics": {"accuracy": 1.0}}
    p = np.array([0.2, 0.7, 0.4, 0.4, 0.9])  # one wrong: accuracy 0.8
    r = losscli.evaluate(Y_BIN, p, baseline=base)
    assert not r.passed
    assert r.baseline[0]["worse"]
    assert losscli.evaluate(Y_BIN, p, baseline=base, tolerance=0.25).passed
    assert losscli.evaluate(Y_BIN, p, baseline={"metrics": {"accuracy": 0.5}}).passed


def test_baseline_with_check_both_gate() -> None:
    r = losscli.evaluate(
        Y_BIN, P_BIN, checks=["accuracy<0.5"], baseline={"metrics": {"accuracy": 0.5}}
    )
    assert not r.passed  # the check fails although the baseline is fine
    assert not any(b["worse"] for b in r.baseline)


def test_baseline_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        losscli.evaluate(Y_BIN, P_BIN, baseline=tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError):
        losscli.evaluate(Y_BIN, P_BIN, baseline=bad)
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps({"losses": {"mse": {"mean": 1.0}}, "metrics": {"rmse": 1.0}}), encoding="utf-8"
    )
    with pytest.raises(InputError):
        losscli.evaluate(Y_BIN, P_BIN, baseline=other)
    notreport = tmp_path / "list.json"
    notreport.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError):
        losscli.evaluate(Y_BIN, P_BIN, baseline=notreport)


# ----------------------------------------------------------------------------- signature


def test_signature_contents() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "hinge"])
    sig = r.signature
    assert isinstance(sig, str)
    assert "\n" not in sig
    assert losscli.__version__ in sig
    assert "binary" in sig
    assert "binary_cross_entropy" in sig
    assert "hinge" in sig
    assert "accuracy" in sig
    assert "eps=1e-15" in sig
    assert "from_logits=false" in sig


def test_signature_identifies_the_computation_not_the_data() -> None:
    a = losscli.evaluate(Y_BIN, P_BIN)
    b = losscli.evaluate(Y_BIN[::-1], P_BIN[::-1] * 0.9)
    assert a.signature == b.signature
    c = losscli.evaluate(Y_BIN, P_BIN, params={"eps": 1e-7})
    assert "eps=1e-07" in c.signature
    assert c.signature != a.signature
    d = losscli.evaluate(Y_BIN, P_BIN, losses=["bce", "zero_one"])
    assert d.signature != a.signature
    e = losscli.evaluate(Y_BIN, P_BIN, weights=[1, 2, 1, 1, 1])
    assert e.signature != a.signature
    f = losscli.evaluate(Y_BIN, P_BIN, task="binary")
    assert f.signature == a.signature
    g = losscli.evaluate(Y_BIN.astype(float), P_BIN, task="regression")
    assert "regression" in g.signature
    assert g.signature != a.signature


def test_aliases_give_the_canonical_name() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, losses=["log_loss", "bce", "01"], metrics=["acc"])
    assert list(r.losses) == ["binary_cross_entropy", "zero_one"]
    assert list(r.metrics) == ["accuracy"]
    assert r.value("bce") == bce(r)
    assert r.value("acc") == r.metrics["accuracy"]
    with pytest.raises(UsageError):
        r.value("mse")


# ----------------------------------------------------------------------------- JSON report


def test_json_report_keys() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, checks=["accuracy>=0.7"])
    d = json.loads(r.to_json())
    for key in (
        "version",
        "task",
        "n_samples",
        "losses",
        "metrics",
        "signature",
        "warnings",
        "checks",
    ):
        assert key in d
    assert d["version"] == losscli.__version__
    assert d["task"] == "binary"
    assert d["n_samples"] == 5
    loss = d["losses"]["binary_cross_entropy"]
    assert loss["mean"] == pytest.approx(bce(r), rel=1e-15)
    assert loss["sum"] == pytest.approx(5 * bce(r), rel=1e-12)
    assert loss["params"]["eps"] == 1e-15
    assert d["metrics"] == {"accuracy": 1.0}


def test_json_report_with_infinite_loss() -> None:
    r = losscli.evaluate([1, 1], [-1000.0, 1.0], losses=["exponential"])
    d = json.loads(r.to_json())
    assert d["losses"]["exponential"]["mean"] == "inf"


def test_keep_per_sample() -> None:
    r = losscli.evaluate(Y_BIN, P_BIN, keep_per_sample=False)
    assert r.per_sample == {}
    r = losscli.evaluate(Y_BIN, P_BIN)
    assert r.per_sample["binary_cross_entropy"].shape == (5,)


# ----------------------------------------------------------------------------- row sums


P_OFF = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.2], [0.1, 0.2, 0.7]])  # row 2 sums to 1.1


def test_rows_not_summing_to_one_warn_and_compute_as_given() -> None:
    r = losscli.evaluate(np.eye(3), P_OFF, losses=["cce"])
    assert r.task == "multiclass"
    assert r.losses["categorical_cross_entropy"]["mean"] == pytest.approx(
        0.2283930036369, rel=1e-12
    )
    assert r.losses["categorical_cross_entropy"]["mean"] == pytest.approx(
        -np.mean(np.log([0.9, 0.8, 0.7])), rel=1e-15
    )
    assert len(r.warnings) == 1
    assert "sum to 1" in r.warnings[0]
    assert "row 2" in r.warnings[0]


def test_rows_not_summing_to_one_strict_is_input_error() -> None:
    with pytest.raises(InputError, match="sum to 1") as exc:
        losscli.evaluate(np.eye(3), P_OFF, losses=["cce"], strict=True)
    assert exc.value.row == 2


def test_rows_normalised() -> None:
    r = losscli.evaluate(np.eye(3), P_OFF, losses=["cce"], params={"normalize": "true"})
    mean = r.losses["categorical_cross_entropy"]["mean"]
    assert mean == pytest.approx(0.2601630635716978, rel=1e-12)
    q = P_OFF / P_OFF.sum(axis=1, keepdims=True)
    assert mean == pytest.approx(-np.mean(np.log(np.diag(q))), rel=1e-15)
    assert r.warnings == []
    assert r.losses["categorical_cross_entropy"]["params"]["normalize"] is True
    # normalising under --strict is not an error
    r = losscli.evaluate(np.eye(3), P_OFF, losses=["cce"], params={"normalize": True}, strict=True)
    assert r.losses["categorical_cross_entropy"]["mean"] == pytest.approx(mean, rel=1e-15)


def test_rows_summing_to_one_do_not_warn() -> None:
    r = losscli.evaluate(Y_MC, P_MC, strict=True)
    assert r.warnings == []
    # within scikit-learn's tolerance (sqrt of machine epsilon, relative)
    p = P_MC.copy()
    p[0, 0] += 1e-10
    assert losscli.evaluate(Y_MC, p).warnings == []


def test_kl_divergence_rows_warn_too() -> None:
    r = losscli.evaluate(np.eye(3), P_OFF, losses=["kl_divergence"])
    assert any("sum to 1" in w for w in r.warnings)


@pytest.mark.parametrize("from_logits", [False, True])
def test_cce_from_labels_is_bit_identical_to_one_hot(from_logits: bool) -> None:
    """Targets as class indices take a fast path; it must give the very same numbers."""
    from losscli.scoring import registry

    rng = np.random.default_rng(5)
    n, c = 2000, 7
    p = rng.normal(size=(n, c)) * 5 if from_logits else rng.dirichlet(np.ones(c) * 0.3, n)
    if not from_logits:
        p[:10, 0] = 0.0  # clipped by eps
    labels = rng.integers(0, c, n)
    onehot = np.eye(c)[labels]
    cce = registry.get_loss("cce")
    kw = {**cce.defaults(), "from_logits": from_logits, "task": "multiclass", "scores": False}
    np.testing.assert_array_equal(
        cce.func(onehot, p, labels=labels, **kw), cce.func(onehot, p, **kw)
    )
    # and end to end: indices, names and one-hot columns give the same report
    by_index = losscli.evaluate(labels, p, losses=["cce"], from_logits=from_logits)
    by_onehot = losscli.evaluate(
        onehot, p, losses=["cce"], from_logits=from_logits, task="multiclass"
    )
    assert (
        by_index.losses["categorical_cross_entropy"]
        == by_onehot.losses["categorical_cross_entropy"]
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_state_is_compact_and_exact(weighted: bool) -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(8)
    n = 50_000
    y = rng.integers(0, 2, n)
    p = np.round(rng.random(n), 3)  # ties
    w = rng.random(n) if weighted else None
    rep = losscli.evaluate(y, p, metrics=["roc_auc"], weights=w, chunk_rows=7_001)
    state = rep.accumulator.metrics["roc_auc"]
    nbytes = sum(getattr(a, "nbytes", 0) for part in (state.ys, state.ps, state.ws) for a in part)
    assert nbytes == n * (17 if weighted else 9)
    assert rep.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p, sample_weight=w), rel=1e-12)
