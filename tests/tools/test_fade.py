"""memory_fade: exact Jacobians (vs finite differences and torch.autograd) and a demo that teaches."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.errors import InvalidInput, LimitExceeded
from tools.fade import memory_fade
from tools.jacobians import influence, jacobian_h_x1
from tools.trace import forward, init_weights

CASES = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


def _setup(cell, nonlinearity, seed=0):
    rng = np.random.default_rng(seed)
    D, H, T = 3, 4, 9
    w = init_weights(cell, D, H, rng)
    X = rng.normal(size=(T, D))
    h0 = rng.normal(size=H) * 0.3
    c0 = rng.normal(size=H) * 0.3 if cell == "lstm" else None
    return w, X, h0, c0


@pytest.mark.parametrize(("cell", "nonlinearity"), CASES)
def test_jacobian_matches_finite_differences(cell, nonlinearity):
    w, X, h0, c0 = _setup(cell, nonlinearity)
    run = lambda X_: forward(cell, X_, w, h0=h0, nonlinearity=nonlinearity, c0=c0).hs  # noqa: E731
    J = jacobian_h_x1(forward(cell, X, w, h0=h0, nonlinearity=nonlinearity, c0=c0))
    eps = 1e-6
    for d in range(X.shape[1]):
        up, down = X.copy(), X.copy()
        up[0, d] += eps
        down[0, d] -= eps
        np.testing.assert_allclose(J[:, :, d], (run(up) - run(down)) / (2 * eps), atol=1e-8)


@pytest.mark.parametrize(("cell", "nonlinearity"), CASES)
def test_jacobian_matches_torch_autograd(cell, nonlinearity):
    w, X, h0, c0 = _setup(cell, nonlinearity, seed=3)
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        X.shape[1], h0.size, **kwargs
    ).double()
    with torch.no_grad():
        for name, value in w.items():
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(value))
    rest = torch.from_numpy(X[1:])
    state = torch.from_numpy(h0)[None, None]
    if cell == "lstm":
        state = (state, torch.from_numpy(c0)[None, None])

    def hs_of_x1(x1: torch.Tensor) -> torch.Tensor:
        seq = torch.cat([x1[None], rest])[:, None]  # (T, 1, D)
        return module(seq, state)[0][:, 0]  # (T, H)

    J_torch = torch.autograd.functional.jacobian(hs_of_x1, torch.from_numpy(X[0].copy()))
    J = jacobian_h_x1(forward(cell, X, w, h0=h0, nonlinearity=nonlinearity, c0=c0))
    np.testing.assert_allclose(J, J_torch.numpy(), atol=1e-10)


def test_default_demo_rnn_forgets_fast_gated_cells_hold_longer():
    report = memory_fade()
    rnn, lstm, gru = (report.get(c) for c in ("rnn", "lstm", "gru"))
    assert rnn.influence[0] == 1.0 and rnn.half_life is not None and rnn.half_life <= 3
    assert lstm.half_life > rnn.half_life and gru.half_life > rnn.half_life
    assert lstm.tenth_step is None or lstm.tenth_step > 3 * rnn.tenth_step
    assert rnn.influence[-1] < 1e-4 < lstm.influence[-1]
    assert rnn.spectral_radius < 1 and 0 < rnn.mean_tanh_slope <= 1
    assert 0.8 < lstm.mean_keep_gate < 1  # forget-gate bias +2: sigmoid(2) ~ 0.88
    # the half-life is where the curve first drops below one half
    assert rnn.influence[rnn.half_life - 1] < 0.5 <= rnn.influence[rnn.half_life - 2]


def test_influence_matches_an_independent_recomputation():
    report = memory_fade(cells=["rnn"], steps=12, hidden_size=5, seed=9)
    w = init_weights("rnn", 1, 5, np.random.default_rng(9))
    trace = forward("rnn", np.array(report.inputs), w)
    raw = influence(trace)
    np.testing.assert_allclose(report.get("rnn").raw, raw, rtol=1e-12)
    # by hand: J_t = diag(1 - h_t^2) W_hh J_{t-1}
    J = (1 - trace.hs[0] ** 2) * w["weight_ih"][:, 0]
    for t in range(1, 12):
        J = (1 - trace.hs[t] ** 2) * (w["weight_hh"] @ J)
    assert np.linalg.norm(J) == pytest.approx(raw[-1], rel=1e-12)


def test_explode_regime_grows_and_clipping_caps_it():
    report = memory_fade(regime="explode", clip=1.0)
    rnn = report.get("rnn")
    assert rnn.spectral_radius == pytest.approx(3.0)
    assert rnn.peak > 2 and rnn.peak_step > 1
    assert max(rnn.raw) > 1.0 and max(rnn.clipped) == 1.0
    assert all(c <= r + 1e-15 for c, r in zip(rnn.clipped, rnn.raw, strict=True))
    text = report.summary_markdown()
    assert "grows" in text and "clipping at 1" in text and "cut to 1" in text


def test_summary_and_dict_are_readable():
    report = memory_fade(steps=30)
    text = report.summary_markdown()
    rnn = report.get("rnn")
    assert f"falls below half at step {rnn.half_life}" in text
    assert "| cell | half-life |" in text and "| lstm |" in text
    body = json.loads(json.dumps(report.to_dict()))
    assert body["steps"] == 30 and [c["cell"] for c in body["cells"]] == ["rnn", "lstm", "gru"]
    assert len(body["cells"][0]["influence"]) == 30


def test_bad_arguments():
    with pytest.raises(InvalidInput, match="'regime'"):
        memory_fade(regime="boom")
    with pytest.raises(InvalidInput, match="'cells'"):
        memory_fade(cells=["transformer"])
    with pytest.raises(LimitExceeded, match="'steps'"):
        memory_fade(steps=5000)
    with pytest.raises(InvalidInput, match="'clip'"):
        memory_fade(clip=-1.0)
    with pytest.raises(LimitExceeded, match="'inputs'"):
        memory_fade(inputs=[0.1] * 2001)


def test_relu_explodes_without_bound():
    report = memory_fade(cells=["rnn"], regime="explode", nonlinearity="relu", clip=5.0)
    rnn = report.get("rnn")
    assert rnn.peak > 1e6 and rnn.half_life is None
    assert max(rnn.clipped) == 5.0
    assert "relu never saturates" in report.summary_markdown()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"steps": 2.5}, "'steps' must be an integer"),
        ({"hidden_size": 0}, "'hidden_size'"),
        ({"seed": -3}, "'seed'"),
    ],
)
def test_argument_types_and_ranges(kwargs, words):
    with pytest.raises(InvalidInput, match=words):
        memory_fade(**kwargs)


def test_summary_per_step_factor_agrees_with_the_half_life_and_tenth_step():
    import re

    report = memory_fade()
    rnn = next(c for c in report.cells if c.cell == "rnn")
    text = report.summary_markdown()
    n, kept = re.search(
        r"first (\d+) steps, the influence kept on average ([0-9.]+)", text
    ).groups()
    n, kept = int(n), float(kept)
    assert n == rnn.tenth_step
    # kept ** (n - 1) reproduces the measured influence at step n (to the printed precision)
    assert abs(kept ** (n - 1) - rnn.influence[n - 1]) < 0.02
    assert rnn.influence[n - 1] < 0.1 <= rnn.influence[n - 2]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"hidden_size": 257}, LimitExceeded, "'hidden_size' must be between 1 and 256"),
        ({"input_size": 0}, LimitExceeded, "'input_size' must be between 1 and 256"),
        ({"seed": True}, InvalidInput, "'seed' must be an integer, got True"),
        ({"nonlinearity": "linear"}, InvalidInput, "'nonlinearity' must be 'tanh' or 'relu'"),
        ({"cells": "rnn"}, InvalidInput, "got ['r', 'n', 'n']"),
        ({"cells": []}, InvalidInput, "'cells' must be a non-empty list"),
        ({"cells": 5}, InvalidInput, "'cells' must be a non-empty list"),  # was a TypeError
        ({"clip": True}, InvalidInput, "'clip' must be a positive number, got True"),
        ({"clip": "x"}, InvalidInput, "'clip' must be a positive number"),  # was a TypeError
        ({"recurrent_scale": float("inf")}, InvalidInput, "'recurrent_scale' must be a positive"),
        ({"keep_bias": True}, InvalidInput, "'keep_bias' must be a number, got True"),
        ({"keep_bias": "x"}, InvalidInput, "'keep_bias' must be a number"),  # was a TypeError
        ({"inputs": [1, [2]]}, InvalidInput, "'inputs' mixes numbers and lists"),
    ],
)
def test_every_argument_is_checked_and_a_bool_is_not_a_number(kwargs, error, words):
    with pytest.raises(error) as info:
        memory_fade(**kwargs)
    assert words in info.value.message


def test_the_report_echoes_the_arguments_as_given():
    report = memory_fade(cells=("rnn",), steps=5, clip=2, keep_bias=1, recurrent_scale=1)
    assert report.clip == 2 and isinstance(report.clip, int)
    assert report.keep_bias == 1 and report.recurrent_scale == 1.0
