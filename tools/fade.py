"""Why memory fades, shown in numbers: ``memory_fade(...) -> FadeReport``.

The same input sequence is fed to an RNN, an LSTM and a GRU, and for each we measure
how much the first input x_1 still moves the hidden state at every later step:
||dh_t/dx_1||, computed exactly by the chain rule (``tools.jacobians``), divided by
its value at step 1. The "memory half-life" is the first step where that falls below
50 %, the "10 % step" the first below 10 %. Two numbers explain the RNN's curve: the
spectral radius of W_hh and the mean tanh slope (their product is roughly the factor
by which the influence shrinks per step). For the gated cells the matching number is
the mean forget gate (LSTM) or update gate z (GRU): the share of old memory kept.

Defaults are chosen so the demonstration teaches. Weights are PyTorch's random
initialisation from ``seed``; the LSTM's forget-gate bias and the GRU's update-gate bias
get ``keep_bias = 2.0`` added (sigmoid(2) ~ 0.88, in the spirit of the common "+1
forget bias" advice, a little stronger so the contrast is visible in 40 steps), so the
gated cells start out keeping memory while the plain RNN forgets within a few steps.
``regime="explode"`` rescales W_hh so the RNN's spectral radius is 3: the influence
first grows (exploding gradients) until tanh saturates. ``clip`` shows what gradient
clipping does: it caps the size of the gradient, keeps its direction, and cannot bring
back a gradient that has already vanished.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.errors import LimitExceeded
from tools.fade_args import check_fade_args
from tools.fade_report import CellFade, FadeReport
from tools.jacobians import influence
from tools.trace import Trace, forward, init_weights

KEEP_BIAS = 2.0
EXPLODE_RADIUS = 3.0
MAX_FADE_STEPS = 2000


def _first_below(curve: np.ndarray, level: float) -> int | None:
    below = np.nonzero(curve < level)[0]
    return int(below[0]) + 1 if below.size else None


def _weights(
    cell: str, D: int, H: int, seed: int, scale: float, keep_bias: float
) -> dict[str, np.ndarray]:
    w = init_weights(cell, D, H, np.random.default_rng(seed))
    w["weight_hh"] = w["weight_hh"] * scale
    if cell in ("lstm", "gru"):
        w["bias_hh"][H : 2 * H] += keep_bias  # f (lstm) and z (gru) are the second block
    return w


def _cell_fade(trace: Trace, clip: float | None) -> CellFade:
    raw = influence(trace)
    curve = raw / raw[0] if raw[0] > 0 else np.zeros_like(raw)
    H, cell = trace.hidden_size, trace.cell
    block = {"rnn": 0, "lstm": 2, "gru": 2}[cell]
    W = trace.weights["weight_hh"][block * H : (block + 1) * H]
    if cell == "rnn" and trace.nonlinearity == "relu":
        assert trace.pre is not None, "forward() keeps an rnn trace's pre-activations"
        slope = float((trace.pre > 0).mean())
    else:
        # what passed through tanh: h_t (rnn), the candidate g (lstm) or n (gru)
        tanh_out = trace.hs if cell == "rnn" else trace.gate("g" if cell == "lstm" else "n")
        slope = float((1.0 - tanh_out**2).mean())
    keep = float(trace.gate("f" if cell == "lstm" else "z").mean()) if cell != "rnn" else None
    return CellFade(
        cell=cell,
        influence=curve.tolist(),
        raw=raw.tolist(),
        half_life=_first_below(curve, 0.5),
        tenth_step=_first_below(curve, 0.1),
        peak=float(curve.max()),
        peak_step=int(curve.argmax()) + 1,
        spectral_radius=float(np.abs(np.linalg.eigvals(W)).max()),
        mean_tanh_slope=slope,
        mean_keep_gate=keep,
        clipped=np.minimum(raw, clip).tolist() if clip is not None else None,
    )


def memory_fade(
    cells: Sequence[str] = ("rnn", "lstm", "gru"),
    steps: int = 40,
    hidden_size: int = 8,
    input_size: int = 1,
    seed: int = 0,
    regime: str = "vanish",
    recurrent_scale: float | None = None,
    keep_bias: float = KEEP_BIAS,
    clip: float | None = None,
    inputs: Sequence[Any] | None = None,
    nonlinearity: str = "tanh",
) -> FadeReport:
    """Measure how fast each cell forgets x_1 on one shared sequence.

    ``recurrent_scale`` multiplies every cell's W_hh (default 1 for "vanish"; for
    "explode" the factor that gives the RNN a spectral radius of 3). ``inputs`` (T, D)
    overrides the random sequence drawn from ``seed``.
    """
    check_fade_args(
        steps=steps,
        hidden_size=hidden_size,
        input_size=input_size,
        seed=seed,
        regime=regime,
        nonlinearity=nonlinearity,
        cells=cells,
        clip=clip,
        recurrent_scale=recurrent_scale,
        keep_bias=keep_bias,
    )
    if inputs is not None:
        from tools.lab_requests import parse_inputs

        X = parse_inputs(list(inputs))
    else:
        if not 2 <= steps <= MAX_FADE_STEPS:
            raise LimitExceeded(f"'steps' must be between 2 and {MAX_FADE_STEPS}, got {steps}")
        X = np.random.default_rng(seed + 1).normal(size=(steps, input_size))  # (T, D)
    D = X.shape[1]
    if recurrent_scale is None:
        recurrent_scale = 1.0
        if regime == "explode":
            W = init_weights("rnn", D, hidden_size, np.random.default_rng(seed))["weight_hh"]
            recurrent_scale = EXPLODE_RADIUS / float(np.abs(np.linalg.eigvals(W)).max())
    results = []
    for cell in dict.fromkeys(cells):
        w = _weights(cell, D, hidden_size, seed, recurrent_scale, keep_bias)
        nl = nonlinearity if cell == "rnn" else "tanh"
        results.append(_cell_fade(forward(cell, X, w, nonlinearity=nl), clip))
    return FadeReport(
        cells=results,
        inputs=X.tolist(),
        hidden_size=hidden_size,
        seed=seed,
        regime=regime,
        recurrent_scale=float(recurrent_scale),
        keep_bias=keep_bias,
        clip=clip,
        nonlinearity=nonlinearity,
    )
