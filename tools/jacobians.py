"""Exact per-step Jacobians of the RNN, LSTM and GRU cells (the chain behind "memory fades").

How much does the first input x_1 still move the hidden state h_t? By the chain rule
dh_t/dx_1 = (dh_t/dh_{t-1}) ... (dh_2/dh_1) (dh_1/dx_1): a product of one Jacobian per
step. For the Elman RNN each factor is diag(tanh'(a_t)) W_hh, so its size is governed
by the spectral radius of W_hh times the tanh slope; when that is below 1 the product
shrinks geometrically (vanishing), above 1 it can grow (exploding). The LSTM carries a
second state c_t whose own factor is just diag(f_t), the forget gate, which is why it
can hold on longer. ``influence(trace)`` propagates the product forward (state
Jacobians are S x S with S = H, or 2H for the LSTM's (h, c)) and returns
||dh_t/dx_1|| (Frobenius norm) for t = 1..T.
"""

from __future__ import annotations

import numpy as np

from tools.trace import Trace


def _rnn(trace: Trace, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(dh_t/dh_{t-1}, dh_t/dx_t) for the Elman RNN at 0-based step t."""
    W_ih, W_hh = trace.weights["weight_ih"], trace.weights["weight_hh"]
    if trace.nonlinearity == "tanh":
        slope = 1.0 - trace.hs[t] ** 2  # tanh'(a_t) = 1 - h_t^2
    else:
        assert trace.pre is not None, "forward() keeps an rnn trace's pre-activations"
        slope = (trace.pre[t] > 0).astype(np.float64)  # relu'(a_t)
    return slope[:, None] * W_hh, slope[:, None] * W_ih


def _lstm(trace: Trace, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(d(h_t, c_t)/d(h_{t-1}, c_{t-1}), d(h_t, c_t)/dx_t) for the LSTM at 0-based step t."""
    H, W_ih, W_hh = trace.hidden_size, trace.weights["weight_ih"], trace.weights["weight_hh"]
    gates, cs, c0 = trace.gates, trace.cs, trace.c0
    assert gates is not None and cs is not None and c0 is not None, (
        "forward() keeps an lstm trace's gates, c_t and c_0"
    )
    i, f, g, o = (gates[t, k * H : (k + 1) * H] for k in range(4))
    c_prev = cs[t - 1] if t > 0 else c0
    tc = np.tanh(cs[t])
    # d(gate)/d(pre-activation) for i, f, g, o, stacked like the weights
    d_gate = np.concatenate([i * (1 - i), f * (1 - f), 1 - g**2, o * (1 - o)])

    def through(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dA = d_gate[:, None] * W  # (4H, in)
        dc = (
            (c_prev[:, None] * dA[H : 2 * H])
            + (g[:, None] * dA[:H])
            + (i[:, None] * dA[2 * H : 3 * H])
        )
        dh = tc[:, None] * dA[3 * H :] + (o * (1 - tc**2))[:, None] * dc
        return dh, dc

    dh_dh, dc_dh = through(W_hh)
    dh_dx, dc_dx = through(W_ih)
    dc_dc = np.diag(f)  # the forget gate alone decides how much of c_{t-1} survives
    dh_dc = (o * (1 - tc**2) * f)[:, None] * np.eye(H)
    A = np.block([[dh_dh, dh_dc], [dc_dh, dc_dc]])  # (2H, 2H)
    return A, np.vstack([dh_dx, dc_dx])  # (2H, D)


def _gru(trace: Trace, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(dh_t/dh_{t-1}, dh_t/dx_t) for the GRU at 0-based step t."""
    H, W_ih, W_hh = trace.hidden_size, trace.weights["weight_ih"], trace.weights["weight_hh"]
    assert trace.gates is not None, "forward() keeps a gru trace's gates"
    r, z, n = (trace.gates[t, k * H : (k + 1) * H] for k in range(3))
    h_prev = trace.hs[t - 1] if t > 0 else trace.h0
    hn = W_hh[2 * H :] @ h_prev + trace.weights["bias_hh"][2 * H :]  # W_hn h_{t-1} + b_hn
    dz_dh = (z * (1 - z))[:, None] * W_hh[H : 2 * H]
    dr_dh = (r * (1 - r))[:, None] * W_hh[:H]
    dn_dh = (1 - n**2)[:, None] * (hn[:, None] * dr_dh + r[:, None] * W_hh[2 * H :])
    A = (1 - z)[:, None] * dn_dh + (h_prev - n)[:, None] * dz_dh + np.diag(z)
    dz_dx = (z * (1 - z))[:, None] * W_ih[H : 2 * H]
    dr_dx = (r * (1 - r))[:, None] * W_ih[:H]
    dn_dx = (1 - n**2)[:, None] * (W_ih[2 * H :] + hn[:, None] * dr_dx)
    B = (1 - z)[:, None] * dn_dx + (h_prev - n)[:, None] * dz_dx
    return A, B


STEP_JACOBIANS = {"rnn": _rnn, "lstm": _lstm, "gru": _gru}


def step_jacobians(trace: Trace, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(d state_t / d state_{t-1}, d state_t / d x_t) at 0-based step t."""
    return STEP_JACOBIANS[trace.cell](trace, t)


def jacobian_h_x1(trace: Trace) -> np.ndarray:
    """dh_t/dx_1 for every t: an array (T, H, D), exact, by the chain rule."""
    H = trace.hidden_size
    _, J = step_jacobians(trace, 0)  # (S, D)
    out = np.empty((trace.steps, H, trace.input_size))
    out[0] = J[:H]
    for t in range(1, trace.steps):
        A, _ = step_jacobians(trace, t)
        J = A @ J  # carry x_1's influence one more step
        out[t] = J[:H]
    return out


def influence(trace: Trace) -> np.ndarray:
    """||dh_t/dx_1|| (Frobenius norm) for t = 1..T: how much x_1 still moves h_t."""
    J = jacobian_h_x1(trace)
    norms: np.ndarray = np.sqrt((J**2).sum(axis=(1, 2)))  # (T,)
    return norms
