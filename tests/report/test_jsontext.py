"""The report's JSON text: the value json.dumps gives, flat lists on one line, fast."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.report import jsontext

_plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
_keys = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.booleans(), st.none())
_values = st.recursive(
    _plain,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(_values)
def test_parses_to_what_json_dumps_gives(value: object) -> None:
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_indented_as_json_dumps_with_flat_lists_on_one_line() -> None:
    doc = {"a": {"b": 1, "c": []}, "m": [[1, 2], [3, 4]], "l": ["x", None], "e": {}}
    assert jsontext.dumps(doc) == (
        "{\n"
        '  "a": {\n'
        '    "b": 1,\n'
        '    "c": []\n'
        "  },\n"
        '  "m": [\n'
        "    [1,2],\n"
        "    [3,4]\n"
        "  ],\n"
        '  "l": ["x",null],\n'
        '  "e": {}\n'
        "}"
    )


def test_null_in_a_list_nested_after_a_plain_value() -> None:
    """Found by the property: ``[False, [None]]`` is flat by its first item; orjson's null
    is None's there, not a NaN's."""
    assert json.loads(jsontext.dumps([False, [None]])) == [False, [None]]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan")])
@pytest.mark.parametrize("where", ["scalar", "list", "nested"])
def test_non_finite_numbers_are_refused_as_allow_nan_false_does(bad: float, where: str) -> None:
    value = {"x": bad} if where == "scalar" else {"x": [1.0, bad]}
    if where == "nested":
        value = {"x": [None, [1.0, {"y": bad}]]}
    with pytest.raises(ValueError, match="not JSON compliant"):
        jsontext.dumps(value)


def test_numpy_scalars_and_float_subclasses_in_flat_lists() -> None:
    class F(float):
        pass

    text = jsontext.dumps({"r": [np.int64(3), np.float64(0.5)], "f": [F(1.5)]})
    assert json.loads(text) == {"r": [3, 0.5], "f": [1.5]}


def test_a_large_confusion_matrix_is_a_line_a_row() -> None:
    m = np.zeros((300, 300), dtype=np.int64)
    m[np.arange(300), np.arange(300)] = 1
    text = jsontext.dumps({"confusion_matrix": {"matrix": m.tolist()}})
    assert text.count("\n") == 300 + 5  # three lines above the rows, three below
    assert json.loads(text)["confusion_matrix"]["matrix"] == m.tolist()
