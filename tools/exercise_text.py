"""The words of an exercise: its prompt, its worked solution and its hint ladder.

All learner-facing text of ``tools.exercise_gen.Exercise`` lives here, so the prompt
(which a client sees before answering) is easy to audit for leaks, and the solution
and hints follow the lesson's notation: a_t = W_xh·x_t + W_hh·h_(t-1) + b,
h_t = tanh(a_t); for the LSTM c_t = f_t·c_(t-1) + i_t·g_t. Hints climb one rung per
request: 1 the formula, 2 the step with numbers substituted, 3 the pre-activation's
value, 4 the step's answer. The no-arithmetic ``signs`` level has its own words in
``tools.exercise_signs`` (same four rungs: the sign rules, the deciding term, the signs
of its factors, the step's sign); the functions here hand over to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import InvalidInput
from tools import exercise_signs
from tools.exercise_gen import fmt, par

if TYPE_CHECKING:
    from tools.exercise_gen import Exercise

RUNGS = 4


def _inputs(ex: Exercise) -> str:
    return ", ".join(f"x_{t} = {x:.1f}" for t, x in enumerate(ex.xs, 1))


def prompt_markdown(ex: Exercise) -> str:
    """The task as the learner sees it (no answers)."""
    if ex.level == "signs":
        return exercise_signs.prompt_markdown(ex)
    asks = ", ".join(f"{ex.symbol}_{t}" for t in range(1, ex.steps + 1))
    tol = f"±{ex.tolerance:g}"
    if ex.cell == "lstm":
        rows = ["| t | input gate i_t | forget gate f_t | candidate g_t |", "|---|---|---|---|"]
        rows += [
            f"| {t} | {g['i']:.1f} | {g['f']:.1f} | {g['g']:.1f} |"
            for t, g in enumerate(ex.gates, 1)
        ]
        return (
            "**Trace the memory of an LSTM cell.** Its cell state starts at "
            f"c_0 = {ex.c0:.1f}. At each step the gates have already been computed from the "
            "input; they are:\n\n" + "\n".join(rows) + "\n\n"
            "(a) Using c_t = f_t·c_(t-1) + i_t·g_t, compute " + asks + ".\n"
            f"(b) At step {ex.gate_step}, which gate "
            + (
                "let the old memory through almost unchanged?"
                if ex.gate_answer == "forget"
                else "let the new information in?"
            )
            + f"\n\nAnswer like `c1=..., c2=..., ...; forget gate` (each c_t within {tol})."
        )
    text = (
        "**Trace the memory of a one-unit RNN.** The hidden state follows "
        "h_t = tanh(W_xh·x_t + W_hh·h_(t-1) + b) with "
        f"W_xh = {ex.w_x:.1f}, W_hh = {ex.w_h:.1f}, b = {ex.b:.1f} and h_0 = 0.\n"
        f"The inputs are {_inputs(ex)}.\n\nCompute {asks}. "
        f"Answer like `h1=..., h2=..., ...` or just the numbers in order (each within {tol})."
    )
    if ex.tanh_table:
        rows = ["| z | tanh(z) |", "|---|---|"] + [
            f"| {z:.1f} | {v:.3f} |" for z, v in ex.tanh_table
        ]
        text += (
            "\n\nNo calculator needed: use this table, interpolating linearly between rows, "
            "and tanh(−z) = −tanh(z).\n\n" + "\n".join(rows)
        )
    else:
        text += "\n\nUse a calculator for tanh: this level has no table."
    return text


def _rnn_substituted(ex: Exercise, t: int) -> str:
    h_prev = ex.previous(t)
    return (
        f"a_{t} = W_xh·x_{t} + W_hh·h_{t - 1} + b = {par(ex.w_x, 1)}·{par(ex.xs[t - 1], 1)} + "
        f"{par(ex.w_h, 1)}·{par(h_prev)} + {par(ex.b, 1)}"
    )


def _lstm_substituted(ex: Exercise, t: int) -> str:
    g = ex.gates[t - 1]
    return (
        f"c_{t} = f_{t}·c_{t - 1} + i_{t}·g_{t} = {par(g['f'], 1)}·{par(ex.previous(t))} + "
        f"{par(g['i'], 1)}·{par(g['g'], 1)}"
    )


def solution_markdown(ex: Exercise) -> str:
    """Every step worked out to 4 decimals, then the answers and (LSTM) the gate."""
    if ex.level == "signs":
        return exercise_signs.solution_markdown(ex)
    lines = ["**Worked solution** (4 decimals):", ""]
    if ex.cell == "lstm":
        for t, c in enumerate(ex.answers, 1):
            lines.append(f"- Step {t}: {_lstm_substituted(ex, t)} = **{fmt(c)}**")
        who = "forget gate f" if ex.gate_answer == "forget" else "input gate i"
        g = ex.gates[ex.gate_step - 1]
        lines += [
            "",
            f"At step {ex.gate_step} it is the **{who}** (f = {g['f']:.1f}, i = {g['i']:.1f}): "
            + (
                "a forget gate near 1 keeps c_(t-1) while a shut input gate adds almost nothing."
                if ex.gate_answer == "forget"
                else "an input gate near 1 writes g_t in while a forget gate near 0 drops the old memory."
            ),
        ]
    else:
        hs, pres = ex.run()
        for t, (h, a) in enumerate(zip(hs, pres, strict=True), 1):
            lines.append(
                f"- Step {t}: {_rnn_substituted(ex, t)} = {fmt(a)}; h_{t} = tanh({fmt(a)}) = **{fmt(h)}**"
            )
        lines += [
            "",
            "Notice how each h_t carries part of every earlier input forward through W_hh.",
        ]
    answers = ", ".join(f"{ex.symbol}_{t} = {fmt(v)}" for t, v in enumerate(ex.answers, 1))
    return "\n".join([*lines, "", f"Answers: {answers}."])


def hint_text(ex: Exercise, rung: int, step: int = 1) -> str:
    """Rung 1 the formula; 2 step ``step`` with numbers; 3 its pre-activation; 4 its answer."""
    if isinstance(rung, bool) or not isinstance(rung, int) or not 1 <= rung <= RUNGS:
        raise InvalidInput(f"'rung' must be an integer from 1 to {RUNGS}, got {rung!r:.20}")
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= ex.steps:
        raise InvalidInput(f"'step' must be an integer from 1 to {ex.steps}, got {step!r:.20}")
    t = step
    if ex.level == "signs":
        return exercise_signs.hint_signs(ex, rung, t)
    if ex.cell == "lstm":
        g = ex.gates[t - 1]
        keep, write = g["f"] * ex.previous(t), g["i"] * g["g"]
        return [
            "The cell state is updated as c_t = f_t·c_(t-1) + i_t·g_t: the forget gate scales "
            "the old memory, the input gate scales the new candidate, and the two are added.",
            f"For step {t}: {_lstm_substituted(ex, t)}.",
            f"For step {t}: the kept memory is f_{t}·c_{t - 1} = {fmt(keep)} and the new part is "
            f"i_{t}·g_{t} = {fmt(write)}; add them.",
            f"c_{t} = {fmt(keep)} + {par(write)} = {fmt(ex.answers[t - 1])}.",
        ][rung - 1]
    hs, pres = ex.run()
    return [
        "Each step uses the same rule: first the pre-activation a_t = W_xh·x_t + W_hh·h_(t-1) + b, "
        "then h_t = tanh(a_t). The W_hh·h_(t-1) term is the memory carried in from the step before.",
        f"For step {t}: {_rnn_substituted(ex, t)}.",
        f"For step {t}: the pre-activation is a_{t} = {fmt(pres[t - 1])}; now apply tanh.",
        f"h_{t} = tanh({fmt(pres[t - 1])}) = {fmt(hs[t - 1])}.",
    ][rung - 1]
