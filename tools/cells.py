"""One step of an Elman RNN, an LSTM and a GRU, as small pure NumPy functions.

Each cell reads like the lesson: the new hidden state h_t is computed from the
input x_t and the previous hidden state h_{t-1} with the *same* weights at every
step. Weights use PyTorch's names and layout (``weight_ih`` is W_xh stacked over
the gates, ``weight_hh`` is W_hh stacked over the gates; gate order i, f, g, o for
the LSTM and r, z, n for the GRU), so layer-0 weights of ``torch.nn.RNN/LSTM/GRU``
work unchanged. Everything is float64.

Every cell is split in two: ``*_step(p, h, x)`` is the readable one-step function,
and ``*_update(wx, h, p)`` takes the input projection ``wx = W_xh x_t + b_ih``
already computed, so ``tools.trace.forward`` can project all inputs in one matmul
and then loop over time with only the recurrent part.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Params = Mapping[str, np.ndarray]

# How many stacked blocks (gates) each cell has in weight_ih / weight_hh.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
GATE_NAMES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^{-a}), written to never overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


NONLINEARITIES = ("tanh", "relu", "linear")


def phi(a: np.ndarray, nonlinearity: str = "tanh") -> np.ndarray:
    """The Elman RNN's squashing function: tanh (default), relu, or none at all ("linear",
    to show what the squashing does by taking it away)."""
    if nonlinearity == "tanh":
        h: np.ndarray = np.tanh(a)  # NumPy's stubs give a ufunc on an untyped array as Any
        return h
    return np.maximum(a, 0.0) if nonlinearity == "relu" else np.asarray(a, dtype=float)


def project(p: Params, x: np.ndarray) -> np.ndarray:
    """The input's contribution W_xh x_t + b_ih, for one step (D,) or all steps (T, D)."""
    return x @ p["weight_ih"].T + p["bias_ih"]  # (..., G*H)


# --- Elman RNN: h_t = phi(W_xh x_t + b_ih + W_hh h_{t-1} + b_hh) -------------------------


def rnn_update(
    wx: np.ndarray, h: np.ndarray, p: Params, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """Recurrent part of one RNN step: returns (h_t, a_t) where a_t is the pre-activation."""
    a = wx + p["weight_hh"] @ h + p["bias_hh"]  # (H,)
    return phi(a, nonlinearity), a


def rnn_step(
    p: Params, h: np.ndarray, x: np.ndarray, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """h_t = phi(W_xh x_t + b_ih + W_hh h_{t-1} + b_hh); returns (h_t, pre-activation a_t)."""
    return rnn_update(project(p, x), h, p, nonlinearity)


# --- LSTM: gates i, f, g, o; c_t = f * c_{t-1} + i * g; h_t = o * tanh(c_t) --------------


def lstm_update(
    wx: np.ndarray, h: np.ndarray, c: np.ndarray, p: Params
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recurrent part of one LSTM step: returns (h_t, c_t, gates (4H,) in order i, f, g, o)."""
    H = h.shape[0]
    a = wx + p["weight_hh"] @ h + p["bias_hh"]  # (4H,) pre-activations of i, f, g, o
    gates = sigmoid(a)
    gates[2 * H : 3 * H] = np.tanh(a[2 * H : 3 * H])  # the candidate g uses tanh
    i, f, g, o = gates[:H], gates[H : 2 * H], gates[2 * H : 3 * H], gates[3 * H :]
    c_new = f * c + i * g  # forget some of the old memory, write some new
    return o * np.tanh(c_new), c_new, gates


def lstm_step(
    p: Params, h: np.ndarray, c: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step from (h_{t-1}, c_{t-1}) and x_t; returns (h_t, c_t, gates i|f|g|o)."""
    return lstm_update(project(p, x), h, c, p)


# --- GRU: gates r, z, n; h_t = (1 - z) * n + z * h_{t-1} ----------------------------------


def gru_update(wx: np.ndarray, h: np.ndarray, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Recurrent part of one GRU step: returns (h_t, gates (3H,) in order r, z, n)."""
    H = h.shape[0]
    wh = p["weight_hh"] @ h + p["bias_hh"]  # (3H,)
    gates = sigmoid(wx + wh)  # r and z are right; n is replaced below
    r, z = gates[:H], gates[H : 2 * H]
    n = np.tanh(wx[2 * H :] + r * wh[2 * H :])  # the reset gate scales the old state's share
    gates[2 * H :] = n
    return (1.0 - z) * n + z * h, gates


def gru_step(p: Params, h: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One GRU step from h_{t-1} and x_t; returns (h_t, gates r|z|n)."""
    return gru_update(project(p, x), h, p)
