"""Run a cell over a whole sequence and keep every step: the ``Trace``.

``forward(cell, xs, weights, h0)`` is the lesson's loop written out: the same
weights are applied at every step t = 1..T, and the hidden state h_t carries what
the network remembers into step t + 1. For speed the input projections
W_xh x_t + b for all steps are computed in one matmul, and the loop over time only
does the recurrent part, writing into preallocated arrays (this is what makes a
1,000-step trace as fast as PyTorch's own C++ loop). ``Trace.to_dict()`` is the
``Trace`` JSON of API.md's ``POST /v1/trace`` (plus a ``pre`` list per RNN step: the
pre-activation a_t before the squashing function).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InvalidInput
from tools.cells import GATE_NAMES, GATES, gru_update, lstm_update, phi, project

WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass(frozen=True)
class Trace:
    """Every step of one run. Arrays are float64; time is the first axis, t = 1..T."""

    cell: str
    weights: dict[str, np.ndarray]  # PyTorch layout, biases always present (zeros if omitted)
    xs: np.ndarray  # (T, D) inputs x_1..x_T
    hs: np.ndarray  # (T, H) hidden states h_1..h_T
    h0: np.ndarray  # (H,) the state before step 1
    pre: np.ndarray | None = None  # (T, H) rnn pre-activations a_t
    cs: np.ndarray | None = None  # (T, H) lstm cell states c_1..c_T
    gates: np.ndarray | None = None  # (T, G*H) gate activations, PyTorch order
    c0: np.ndarray | None = None  # (H,) lstm cell state before step 1
    nonlinearity: str = "tanh"

    @property
    def hidden_size(self) -> int:
        return int(self.hs.shape[1])

    @property
    def input_size(self) -> int:
        return int(self.xs.shape[1])

    @property
    def steps(self) -> int:
        return int(self.hs.shape[0])

    def gate(self, name: str) -> np.ndarray:
        """The activations of one gate over time, (T, H); e.g. ``trace.gate("f")``."""
        names = GATE_NAMES[self.cell]
        if self.gates is None or name not in names:
            raise InvalidInput(
                f"a {self.cell} trace has no gate {name!r}; its gates are {list(names) or 'none'}"
            )
        k, H = names.index(name), self.hidden_size
        return self.gates[:, k * H : (k + 1) * H]

    def to_dict(self) -> dict[str, Any]:
        """The API.md ``Trace`` JSON (lists of floats, 1-based ``t``)."""
        names = GATE_NAMES[self.cell]
        xs, hs = self.xs.tolist(), self.hs.tolist()
        cs = self.cs.tolist() if self.cs is not None else None
        pre = self.pre.tolist() if self.pre is not None else None
        per_gate = [self.gate(n).tolist() for n in names] if names else None
        steps = []
        for t in range(self.steps):
            steps.append(
                {
                    "t": t + 1,
                    "x": xs[t],
                    "h": hs[t],
                    "c": cs[t] if cs is not None else None,
                    "gates": {n: g[t] for n, g in zip(names, per_gate, strict=True)}
                    if per_gate is not None
                    else None,
                    "pre": pre[t] if pre is not None else None,
                }
            )
        return {
            "cell": self.cell,
            "hidden_size": self.hidden_size,
            "input_size": self.input_size,
            "nonlinearity": self.nonlinearity if self.cell == "rnn" else None,
            "weights": {k: v.tolist() for k, v in self.weights.items()},
            "h0": self.h0.tolist(),
            "steps": steps,
        }


def init_weights(
    cell: str, input_size: int, hidden_size: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Random weights drawn like PyTorch: every entry ~ uniform(-1/sqrt(H), 1/sqrt(H))."""
    G, k = GATES[cell], 1.0 / np.sqrt(hidden_size)
    shapes = {
        "weight_ih": (G * hidden_size, input_size),  # (G*H, D)  W_xh
        "weight_hh": (G * hidden_size, hidden_size),  # (G*H, H)  W_hh
        "bias_ih": (G * hidden_size,),
        "bias_hh": (G * hidden_size,),
    }
    return {name: rng.uniform(-k, k, size=shape) for name, shape in shapes.items()}


def complete_weights(weights: Mapping[str, Any], hidden_rows: int) -> dict[str, np.ndarray]:
    """float64 copies of the weights, with omitted biases filled in as zeros."""
    out = {n: np.asarray(weights[n], dtype=np.float64) for n in ("weight_ih", "weight_hh")}
    for n in ("bias_ih", "bias_hh"):
        b = weights.get(n)
        out[n] = np.zeros(hidden_rows) if b is None else np.asarray(b, dtype=np.float64)
    return out


def forward(
    cell: str,
    xs: Any,
    weights: Mapping[str, Any],
    h0: Any = None,
    nonlinearity: str = "tanh",
    c0: Any = None,
) -> Trace:
    """Run ``cell`` ("rnn" | "lstm" | "gru") over inputs xs (T, D) and keep every step.

    Inputs are trusted here (shapes match, numbers finite); untrusted request bodies
    go through ``tools.lab_requests.run_trace_request`` first.
    """
    X = np.asarray(xs, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]  # a list of scalars is a sequence with input size 1
    H = int(np.shape(weights["weight_hh"])[1])
    p = complete_weights(weights, GATES[cell] * H)
    T = X.shape[0]
    h = np.zeros(H) if h0 is None else np.asarray(h0, dtype=np.float64).reshape(H)
    h_start = h.copy()
    WX = project(p, X)  # (T, G*H): every step's input contribution in one matmul
    hs = np.empty((T, H))  # (T, H)
    if cell == "rnn":
        WX += p["bias_hh"]  # both biases are constant; fold them in once
        W_hh, pre = p["weight_hh"], np.empty((T, H))
        for t in range(T):
            np.add(WX[t], W_hh @ h, out=pre[t])
            h = hs[t] = phi(pre[t], nonlinearity)
        return Trace(cell, p, X, hs, h_start, pre=pre, nonlinearity=nonlinearity)
    gates = np.empty((T, GATES[cell] * H))  # (T, G*H)
    if cell == "lstm":
        c = np.zeros(H) if c0 is None else np.asarray(c0, dtype=np.float64).reshape(H)
        c_start, cs = c.copy(), np.empty((T, H))
        for t in range(T):
            h, c, gates[t] = lstm_update(WX[t], h, c, p)
            hs[t], cs[t] = h, c
        return Trace(cell, p, X, hs, h_start, cs=cs, gates=gates, c0=c_start)
    for t in range(T):
        h, gates[t] = gru_update(WX[t], h, p)
        hs[t] = h
    return Trace(cell, p, X, hs, h_start, gates=gates)
