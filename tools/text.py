"""Plain-text renderings of lab results for chat surfaces without images.

``trace_table_markdown`` turns a ``Trace`` into a Markdown table (4 decimals, long
traces and wide states shortened with an ellipsis); ``worked_steps_markdown`` writes
the first steps out the way the lesson does, with the numbers substituted into
h_t = tanh(W_xh x_t + W_hh h_{t-1} + b). (A ``FadeReport``'s prose is in
``tools.fade_report``.)
"""

from __future__ import annotations

import numpy as np

from tools.cells import GATE_NAMES
from tools.trace import Trace


def num(v: float) -> str:
    """A number to 4 decimals, without a '-0.0000'."""
    s = f"{v:.4f}"
    return "0.0000" if s == "-0.0000" else s


def term(v: float) -> str:
    """A number to 4 decimals, in parentheses when negative (for substituted formulas)."""
    s = num(v)
    return f"({s})" if s.startswith("-") else s


def vec(v: np.ndarray, max_units: int = 4) -> str:
    """A vector to 4 decimals; a 1-element vector prints as a plain number."""
    v = np.ravel(v)
    if v.size == 1:
        return num(float(v[0]))
    shown = ", ".join(num(float(a)) for a in v[:max_units])
    return f"[{shown}{', …' if v.size > max_units else ''}]"


def _rows(n: int, max_steps: int) -> list[int | None]:
    if n <= max_steps:
        return list(range(n))
    head = max_steps - 2
    return [*range(head), None, n - 1]  # None marks the elided middle


def trace_table_markdown(trace: Trace, max_steps: int = 20, max_units: int = 4) -> str:
    """The trace as a Markdown table: t, x_t, (a_t,) h_t, (c_t,) gates, to 4 decimals."""
    names = GATE_NAMES[trace.cell]
    cols = ["t", "x_t"] + (["a_t (pre-activation)"] if trace.pre is not None else [])
    cols += ["h_t"] + (["c_t"] if trace.cs is not None else []) + [f"gate {n}" for n in names]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for t in _rows(trace.steps, max_steps):
        if t is None:
            lines.append("| … |" + " |" * (len(cols) - 1))
            continue
        cells = [str(t + 1), vec(trace.xs[t], max_units)]
        if trace.pre is not None:
            cells.append(vec(trace.pre[t], max_units))
        cells.append(vec(trace.hs[t], max_units))
        if trace.cs is not None:
            cells.append(vec(trace.cs[t], max_units))
        cells += [vec(trace.gate(n)[t], max_units) for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    H, D = trace.hidden_size, trace.input_size
    head = f"**{trace.cell.upper()} trace**: {trace.steps} steps, input size {D}, hidden size {H}."
    return head + "\n\n" + "\n".join(lines)


def _rnn_step_text(trace: Trace, t: int) -> str:
    w, H, pre = trace.weights, trace.hidden_size, trace.pre
    assert pre is not None, "forward() keeps an rnn trace's pre-activations"
    h_prev = trace.hs[t - 1] if t > 0 else trace.h0
    f = trace.nonlinearity
    if H == 1 and trace.input_size == 1:
        wx, wh = float(w["weight_ih"][0, 0]), float(w["weight_hh"][0, 0])
        b = float(w["bias_ih"][0] + w["bias_hh"][0])
        return (
            f"- **t = {t + 1}**: a_{t + 1} = W_xh·x_{t + 1} + W_hh·h_{t} + b = "
            f"{term(wx)}·{term(float(trace.xs[t, 0]))} + {term(wh)}·{term(float(h_prev[0]))} + "
            f"{term(b)} = **{num(float(pre[t, 0]))}**; "
            f"h_{t + 1} = {f}({num(float(pre[t, 0]))}) = **{num(float(trace.hs[t, 0]))}**"
        )
    return (
        f"- **t = {t + 1}**: a_{t + 1} = W_xh x_{t + 1} + W_hh h_{t} + b = {vec(pre[t])}; "
        f"h_{t + 1} = {f}(a_{t + 1}) = {vec(trace.hs[t])}"
    )


def _gated_step_text(trace: Trace, t: int) -> str:
    gates = ", ".join(f"{n} = {vec(trace.gate(n)[t])}" for n in GATE_NAMES[trace.cell])
    if trace.cell == "lstm":
        cs, c0 = trace.cs, trace.c0
        assert cs is not None and c0 is not None, "forward() keeps an lstm trace's c_t and c_0"
        c_prev = cs[t - 1] if t > 0 else c0
        return (
            f"- **t = {t + 1}**: gates {gates}; c_{t + 1} = f·c_{t} + i·g = "
            f"{vec(trace.gate('f')[t])}·{vec(c_prev)} + {vec(trace.gate('i')[t])}·"
            f"{vec(trace.gate('g')[t])} = **{vec(cs[t])}**; "
            f"h_{t + 1} = o·tanh(c_{t + 1}) = **{vec(trace.hs[t])}**"
        )
    h_prev = trace.hs[t - 1] if t > 0 else trace.h0
    return (
        f"- **t = {t + 1}**: gates {gates}; h_{t + 1} = (1 − z)·n + z·h_{t} = "
        f"(1 − {vec(trace.gate('z')[t])})·{vec(trace.gate('n')[t])} + "
        f"{vec(trace.gate('z')[t])}·{vec(h_prev)} = **{vec(trace.hs[t])}**"
    )


def worked_steps_markdown(trace: Trace, max_steps: int = 5) -> str:
    """The first steps written out with the numbers substituted, as in the lesson."""
    formula = {
        "rnn": f"h_t = {trace.nonlinearity}(W_xh x_t + W_hh h_(t-1) + b)",
        "lstm": "c_t = f_t·c_(t-1) + i_t·g_t, h_t = o_t·tanh(c_t)",
        "gru": "h_t = (1 − z_t)·n_t + z_t·h_(t-1)",
    }[trace.cell]
    step = _rnn_step_text if trace.cell == "rnn" else _gated_step_text
    lines = [f"Each step applies the same weights: {formula}, starting from h_0 = {vec(trace.h0)}."]
    lines += [step(trace, t) for t in range(min(trace.steps, max_steps))]
    if trace.steps > max_steps:
        lines.append(f"- … {trace.steps - max_steps} more steps, same rule.")
    return "\n".join(lines)
