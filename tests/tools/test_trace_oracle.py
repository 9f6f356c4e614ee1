"""Oracle tests: the NumPy cells and traces equal torch.nn.RNN / LSTM / GRU to 1e-9 (float64)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tools.cells import gru_step, lstm_step, rnn_step
from tools.lab_requests import run_trace_request
from tools.trace import forward, init_weights

TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
TOL = 1e-9


def _module(cell: str, D: int, H: int, bias: bool, nonlinearity: str, seed: int):
    torch.manual_seed(seed)
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    return TORCH[cell](D, H, bias=bias, **kwargs).double()


def _weights(module) -> dict[str, np.ndarray]:
    return {
        k.removesuffix("_l0"): v.detach().numpy().copy() for k, v in module.state_dict().items()
    }


CASES = [
    (cell, nl, bias, with_h0, seed)
    for seed, (cell, nl) in enumerate(
        [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
    )
    for bias in (True, False)
    for with_h0 in (True, False)
]


@pytest.mark.parametrize(("cell", "nonlinearity", "bias", "with_h0", "seed"), CASES)
def test_forward_matches_torch(cell, nonlinearity, bias, with_h0, seed):
    rng = np.random.default_rng(100 + seed)
    for _ in range(3):  # random sizes and lengths
        D, H, T = (int(v) for v in rng.integers(1, [7, 9, 40]))
        module = _module(cell, D, H, bias, nonlinearity, int(rng.integers(1 << 30)))
        weights = _weights(module)
        assert bias or "bias_ih" not in weights  # torch bias=False omits the biases
        X = rng.normal(size=(T, D))
        h0 = rng.normal(size=H) * 0.5 if with_h0 else None
        c0 = rng.normal(size=H) * 0.5 if with_h0 and cell == "lstm" else None
        x_t = torch.from_numpy(X)[:, None, :]  # (T, 1, D)
        with torch.no_grad():
            if not with_h0:
                out, state = module(x_t)
            elif cell == "lstm":
                hc = (torch.from_numpy(h0)[None, None], torch.from_numpy(c0)[None, None])
                out, state = module(x_t, hc)
            else:
                out, state = module(x_t, torch.from_numpy(h0)[None, None])
        trace = forward(cell, X, weights, h0=h0, nonlinearity=nonlinearity, c0=c0)
        np.testing.assert_allclose(trace.hs, out[:, 0].numpy(), atol=TOL, rtol=0)
        if cell == "lstm":
            np.testing.assert_allclose(trace.cs[-1], state[1][0, 0].numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_single_steps_match_torch_cells(cell):
    rng = np.random.default_rng(7)
    D, H = 3, 5
    torch_cell = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}
    torch.manual_seed(3)
    module = torch_cell[cell](D, H).double()
    p = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    x, h, c = rng.normal(size=D), rng.normal(size=H), rng.normal(size=H)
    tx, th, tc = (torch.from_numpy(v)[None] for v in (x, h, c))
    with torch.no_grad():
        if cell == "rnn":
            ours, pre = rnn_step(p, h, x)
            np.testing.assert_allclose(ours, module(tx, th)[0].numpy(), atol=TOL)
            np.testing.assert_allclose(np.tanh(pre), ours, atol=TOL)
        elif cell == "lstm":
            h1, c1, gates = lstm_step(p, h, c, x)
            th1, tc1 = module(tx, (th, tc))
            np.testing.assert_allclose(h1, th1[0].numpy(), atol=TOL)
            np.testing.assert_allclose(c1, tc1[0].numpy(), atol=TOL)
            assert gates.shape == (4 * H,)
        else:
            h1, gates = gru_step(p, h, x)
            np.testing.assert_allclose(h1, module(tx, th)[0].numpy(), atol=TOL)


def test_torch_state_dict_names_work_in_a_request_body():
    module = _module("lstm", 2, 3, True, "tanh", 11)
    body = {
        "cell": "lstm",
        "inputs": [[0.5, -1.0], [0.25, 0.0], [1.0, 1.0]],
        "weights": {k: v.tolist() for k, v in module.state_dict().items()},  # weight_ih_l0 ...
    }
    with torch.no_grad():
        out, _ = module(torch.tensor(body["inputs"], dtype=torch.float64)[:, None])
    trace = run_trace_request(body)
    np.testing.assert_allclose(trace.hs, out[:, 0].numpy(), atol=TOL)


def test_init_weights_mirror_pytorch_shapes_and_range():
    rng = np.random.default_rng(0)
    for cell, G in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        w = init_weights(cell, 3, 16, rng)
        module = TORCH[cell](3, 16)
        for name, value in w.items():
            assert value.shape == tuple(getattr(module, f"{name}_l0").shape)
            assert value.dtype == np.float64
            assert np.abs(value).max() <= 1 / 4  # 1/sqrt(H)
        assert w["weight_hh"].shape == (G * 16, 16)
    a = init_weights("gru", 2, 4, np.random.default_rng(5))
    b = init_weights("gru", 2, 4, np.random.default_rng(5))
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    ("cell", "gates", "has_c", "has_pre"),
    [
        ("rnn", None, False, True),
        ("lstm", ["i", "f", "g", "o"], True, False),
        ("gru", ["r", "z", "n"], False, False),
    ],
)
def test_trace_json_matches_api_shape(cell, gates, has_c, has_pre):
    trace = run_trace_request(
        {"cell": cell, "inputs": [0.5, -1.0, 2.0], "hidden_size": 3, "seed": 4}
    )
    body = json.loads(json.dumps(trace.to_dict()))  # plain JSON types only
    assert (body["cell"], body["hidden_size"], body["input_size"]) == (cell, 3, 1)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    assert len(body["weights"]["weight_ih"]) == G * 3 and len(body["weights"]["bias_hh"]) == G * 3
    assert [s["t"] for s in body["steps"]] == [1, 2, 3]
    step = body["steps"][1]
    assert step["x"] == [-1.0] and len(step["h"]) == 3
    assert (step["c"] is not None) == has_c and (step["pre"] is not None) == has_pre
    assert (sorted(step["gates"]) if step["gates"] else None) == (sorted(gates) if gates else None)
    if cell == "lstm":  # c_t = f * c_{t-1} + i * g, read straight off the JSON
        prev, g = body["steps"][0]["c"], step["gates"]
        expect = [f * c + i * gg for f, c, i, gg in zip(g["f"], prev, g["i"], g["g"], strict=True)]
        np.testing.assert_allclose(step["c"], expect, atol=1e-12)
    if cell == "rnn":
        np.testing.assert_allclose(np.tanh(step["pre"]), step["h"], atol=1e-12)
