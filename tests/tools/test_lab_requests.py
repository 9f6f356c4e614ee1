"""run_trace_request: defaults, limits and error messages that name the argument."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InvalidInput, LimitExceeded
from tools.lab_requests import run_trace_request


def test_defaults_rnn_hidden_4_seed_0_and_reproducible():
    a = run_trace_request({"inputs": [1.0, 0.5]})
    b = run_trace_request({"inputs": [1.0, 0.5], "seed": 0, "hidden_size": 4})
    assert a.cell == "rnn" and a.hidden_size == 4 and a.input_size == 1
    assert np.array_equal(a.hs, b.hs)
    assert not np.array_equal(a.hs, run_trace_request({"inputs": [1.0, 0.5], "seed": 1}).hs)


def test_given_weights_omitted_biases_are_zero_and_h0_is_used():
    body = {
        "inputs": [1.0, 2.0],
        "weights": {"weight_ih": [[0.5]], "weight_hh": [[0.8]]},
        "h0": [0.1],
    }
    trace = run_trace_request(body)
    h1 = np.tanh(0.5 * 1.0 + 0.8 * 0.1)
    assert trace.hs[:, 0] == pytest.approx([h1, np.tanh(0.5 * 2.0 + 0.8 * h1)], abs=1e-15)
    assert trace.weights["bias_ih"].tolist() == [0.0]


def test_vector_inputs_and_relu():
    trace = run_trace_request(
        {"inputs": [[1, 2], [3, 4], [5, 6]], "hidden_size": 2, "nonlinearity": "relu"}
    )
    assert trace.input_size == 2 and trace.steps == 3 and (trace.hs >= 0).all()


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        ([1, 2], InvalidInput, "JSON object"),
        ({}, InvalidInput, "'inputs' is required"),
        ({"inputs": []}, InvalidInput, "non-empty"),
        ({"inputs": [1, "a"]}, InvalidInput, "'inputs'[1] must be a number"),
        ({"inputs": [1, True]}, InvalidInput, "'inputs'[1] must be a number"),
        ({"inputs": [1, float("nan")]}, InvalidInput, "finite"),
        ({"inputs": [1, float("inf")]}, InvalidInput, "finite"),
        ({"inputs": [[1, 2], [3]]}, InvalidInput, "must have 2 numbers"),
        ({"inputs": [1, [2]]}, InvalidInput, "mixes"),
        ({"inputs": [0.0] * 2001}, LimitExceeded, "at most 2000"),
        ({"inputs": [[0.0] * 257]}, LimitExceeded, "1..256"),
        (
            {"inputs": [1], "hidden_size": 257},
            LimitExceeded,
            "'hidden_size' must be between 1 and 256",
        ),
        ({"inputs": [1], "hidden_size": 0}, LimitExceeded, "'hidden_size'"),
        ({"inputs": [1], "hidden_size": 2.5}, InvalidInput, "'hidden_size' must be an integer"),
        ({"inputs": [1], "seed": -1}, LimitExceeded, "'seed'"),
        (
            {"inputs": [1], "cell": "transformer"},
            InvalidInput,
            "'cell' must be one of rnn, lstm, gru",
        ),
        ({"inputs": [1], "nonlinearity": "sigmoid"}, InvalidInput, "'nonlinearity'"),
        ({"inputs": [1], "cell": "lstm", "nonlinearity": "relu"}, InvalidInput, "rnn cell only"),
        ({"inputs": [1], "input": [1]}, InvalidInput, "unknown field 'input'"),
        ({"inputs": [1], "hidden_size": 2, "h0": [0.0]}, InvalidInput, "'h0' must have 2 numbers"),
        ({"inputs": [1], "c0": [0.0] * 4}, InvalidInput, "lstm cell only"),
        (
            {"inputs": [1], "weights": {"weight_ih": [[1.0]]}},
            InvalidInput,
            "weights.weight_hh' is missing",
        ),
        ({"inputs": [1], "weights": {"W": 1}}, InvalidInput, "unknown weight 'W'"),
        (
            {
                "inputs": [1],
                "weights": {"weight_ih": [[0.5]], "weight_hh": [[0.8]], "weight_ih_l0": [[0.1]]},
            },
            InvalidInput,
            "both 'weight_ih' and 'weight_ih_l0'",
        ),
        (
            {"inputs": [1], "weights": {"weight_ih": [[1.0], [2.0]], "weight_hh": [[1.0]]}},
            InvalidInput,
            "'weights.weight_ih' must have 1 rows",
        ),
        (
            {"inputs": [[1, 2]], "weights": {"weight_ih": [[1.0]], "weight_hh": [[1.0]]}},
            InvalidInput,
            "weights.weight_ih[0]' must have 2 numbers",
        ),
        (
            {"inputs": [1], "weights": {"weight_ih": [[1.0]], "weight_hh": [[0.8, 0.1]]}},
            InvalidInput,
            "'weights.weight_hh' must have 2 rows",
        ),
        (
            {
                "inputs": [[1e308, 1e308]],
                "weights": {"weight_ih": [[1e308, -1e308]], "weight_hh": [[1]]},
            },
            LimitExceeded,
            "overflowed",
        ),
        (
            {"cell": "gru", "inputs": [1], "weights": {"weight_ih": [[1.0]], "weight_hh": [[1.0]]}},
            InvalidInput,
            "must have 3 rows",
        ),
        (
            {
                "inputs": [1],
                "weights": {"weight_ih": [[1.0]], "weight_hh": [[1.0]], "bias_hh": [1, 2]},
            },
            InvalidInput,
            "'weights.bias_hh' must have 1 numbers",
        ),
        (
            {
                "inputs": [1],
                "hidden_size": 3,
                "weights": {"weight_ih": [[1.0]], "weight_hh": [[1.0]]},
            },
            InvalidInput,
            "drop hidden_size",
        ),
        (
            {
                "inputs": [1],
                "weights": {"weight_ih": [[1.0]] * 300, "weight_hh": [[0.0] * 300] * 300},
            },
            LimitExceeded,
            "hidden size",
        ),
    ],
)
def test_bad_bodies_raise_clear_errors(body, error, words):
    with pytest.raises(error) as info:
        run_trace_request(body)
    assert words in info.value.message
    assert info.value.code in ("invalid_input", "limit_exceeded")


def test_limits_are_inclusive():
    trace = run_trace_request({"inputs": [0.1] * 2000, "hidden_size": 8})
    assert trace.steps == 2000


def test_a_linear_rnn_has_no_squashing_so_a_weight_above_1_grows_without_bound():
    body = {
        "inputs": [1.0, 0.0, 0.0, 0.0, 0.0],
        "weights": {"weight_ih": [[0.5]], "weight_hh": [[1.5]]},
        "nonlinearity": "linear",
    }
    trace = run_trace_request(body)
    assert trace.hs[:, 0] == pytest.approx([0.5 * 1.5**k for k in range(5)], abs=1e-12)
    with pytest.raises(InvalidInput, match="'tanh', 'relu' or 'linear'"):
        run_trace_request({**body, "nonlinearity": "sigmoid"})
    with pytest.raises(InvalidInput, match="rnn cell only"):
        run_trace_request({"inputs": [1.0], "cell": "gru", "nonlinearity": "linear"})
