"""TraceBody: pydantic's errors become the lab's InvalidInput / LimitExceeded, first fault first."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from core.errors import InvalidInput, LimitExceeded
from tools.lab_requests import parse_trace_request, run_trace_request
from tools.trace_body import FIELDS

HUGE = int("9" * 400)
W = {"weight_ih": [[0.5]], "weight_hh": [[0.8]]}
GRU = {"weight_ih": [[1, 2]] * 3, "weight_hh": [[1]] * 3}


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": [1, True]},
        {"inputs": [[1, 2], [3, False]]},
        {"inputs": [1], "weights": {"weight_ih": [[True]], "weight_hh": [[0.8]]}},
        {"inputs": [1], "weights": {"weight_ih": [[0.5]], "weight_hh": [[True]]}},
        {"inputs": [1], "weights": {**W, "bias_ih": [True]}},
        {"inputs": [1], "hidden_size": 1, "h0": [True]},
        {"cell": "lstm", "inputs": [1], "hidden_size": 1, "c0": [True]},
    ],
)
def test_a_bool_is_not_a_number_anywhere(body):
    with pytest.raises(InvalidInput, match="must be a number, got bool (True|False)"):
        parse_trace_request(body)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"inputs": [[1.0, HUGE]]}, "'inputs[0]'[1]"),
        ({"cell": "lstm", "inputs": [1], "hidden_size": 1, "c0": [HUGE]}, "'c0'[0]"),
        ({"inputs": [1], "weights": {**W, "bias_ih": [HUGE]}}, "'weights.bias_ih'[0]"),
    ],
)
def test_an_integer_too_large_for_a_float_is_a_limit(body, where):
    with pytest.raises(LimitExceeded, match="too large for a float") as info:
        parse_trace_request(body)
    assert info.value.message.startswith(where)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"inputs": ["x"] * 2001}, "at most 2000"),
        ({"inputs": [["x"] * 257]}, "input size (length of 'inputs'[0]) must be 1..256, got 257"),
        ({"inputs": [[]]}, "must be 1..256, got 0"),
        (
            {"inputs": [1], "weights": {"weight_ih": [[1.0]], "weight_hh": [["x"] * 300]}},
            "hidden size (columns of 'weights.weight_hh') must be 1..256, got 300",
        ),
    ],
)
def test_a_size_limit_is_named_before_the_values_inside(body, words):
    with pytest.raises(LimitExceeded) as info:
        parse_trace_request(body)
    assert words in info.value.message


def test_the_first_fault_is_named_in_the_order_the_fields_are_checked():
    def message(body):
        with pytest.raises(InvalidInput) as info:
            parse_trace_request(body)
        return info.value.message

    assert message({"inputs": [1], "zz": 1, "aa": 2, "cell": "cnn"}).startswith(
        "unknown field 'aa'"
    )
    assert message({"cell": "cnn", "inputs": "x"}).startswith("'cell'")
    assert "rnn cell only" in message({"cell": "gru", "nonlinearity": "relu", "inputs": "x"})
    assert "mixes" in message({"inputs": [1, "a", [2]]})
    assert message({"inputs": [1], "weights": {}}).startswith("'weights.weight_ih' is missing")
    assert message({"inputs": [1], "weights": {"W": 1}}) == (
        "unknown weight 'W'; allowed: weight_ih, weight_hh, bias_ih, bias_hh"
    )
    assert "lstm cell only" in message({"inputs": [1], "c0": ["x"]})
    square = {"weight_ih": 5, "weight_hh": [[1.0, 2.0], [3.0, 4.0]]}
    assert message({"inputs": [1], "weights": square}) == (
        "'weights.weight_ih' must be a non-empty list of rows (2 x 1)"
    )
    no_rows = {"weight_ih": [], "weight_hh": 5}
    assert message({"cell": "gru", "inputs": [1], "weights": no_rows}) == (
        "'weights.weight_hh' must be a list of rows (3*H x H)"
    )


def test_empty_or_null_cell_and_nonlinearity_mean_the_defaults():
    plain = run_trace_request({"inputs": [1.0, 0.5]})
    for body in ({"cell": None, "nonlinearity": None}, {"cell": "", "nonlinearity": ""}):
        trace = run_trace_request({"inputs": [1.0, 0.5], **body})
        assert trace.cell == "rnn" and trace.nonlinearity == "tanh"
        assert np.array_equal(trace.hs, plain.hs)


def test_torch_state_dict_names_and_an_agreeing_hidden_size_work():
    plain = parse_trace_request({"inputs": [1.0], "weights": W})
    torch_named = parse_trace_request(
        {"inputs": [1.0], "hidden_size": 1, "weights": {f"{k}_l0": v for k, v in W.items()}}
    )
    assert list(torch_named.weights) == list(plain.weights) == ["weight_ih", "weight_hh"]
    assert all(np.array_equal(plain.weights[k], torch_named.weights[k]) for k in plain.weights)


GOOD = [
    {"inputs": [1, 0, 0]},
    {"cell": "lstm", "inputs": [[1, 2], [3, 4]], "hidden_size": 2, "h0": [0, 0], "c0": [1, 1]},
    {"cell": "gru", "inputs": [[1, 2]], "weights": GRU},
    {"inputs": [1.0, 2.0], "weights": {**W, "bias_ih": [0.1], "bias_hh_l0": [0.2]}, "h0": [0.1]},
]
ODD = [None, True, 0, -1, 1.5, "x", "lstm", [], {}, [1], [[1]], [1, [2]], HUGE, float("nan"), 257]


def _places(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _places(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:2]):
            yield from _places(v, (*path, i))


def test_every_refused_body_is_a_lab_error_that_names_an_argument():
    """Bodies with one to three odd values put anywhere: never a crash (a 500 over HTTP)."""
    rng = random.Random(0)
    names = (*FIELDS, "request body", "input size", "hidden size", "weight", "trace")
    for _ in range(1500):
        body = copy.deepcopy(rng.choice(GOOD))
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice([p for p in _places(body) if p])
            target = body
            for p in parents:
                target = target[p]
            target[last] = copy.deepcopy(rng.choice(ODD))
        try:
            parse_trace_request(body)
        except InvalidInput as exc:
            assert any(name in exc.message for name in names), exc.message
