"""The words of the ``signs`` level: its prompt, its worked solution and its hint ladder.

Plain words, no formula to work: tanh keeps the sign, a negative factor flips it, and
either the input term W_xh·x_t or the memory term W_hh·h_(t-1) decides each step. Hints
climb one rung per request: 1 the sign rules, 2 which term decides the step, 3 the signs
of its factors (not their product), 4 the step's sign with its reasoning.
"""

from __future__ import annotations

from tools.levels.base import Exercise, fmt
from tools.levels.sign_rules import CHAR, WORD, combine, sign, terms

RULES = (
    "Only signs matter: tanh keeps the sign, so h_t has the sign of W_xh·x_t + W_hh·h_(t-1). "
    "A product is negative when exactly one factor is negative (a negative weight flips the "
    "sign), and 0 when a factor is 0. With x_t = 0 the old memory's sign carries through "
    "W_hh; with no memory yet (h_(t-1) = 0) the input's term decides."
)


def _num(x: float) -> str:
    return str(int(x))  # "-1" with the same ASCII minus as the weights


def prompt_signs(ex: Exercise) -> str:
    """The task in plain words: no formula to work, only signs to reason about."""
    inputs = ", ".join(f"x_{t} = {_num(x)}" for t, x in enumerate(ex.xs, 1))
    asks = ", ".join(f"h_{t}" for t in range(1, ex.steps + 1))
    return (
        "**Trace the sign of the memory** (no arithmetic: reason only about signs).\n\n"
        "What the cell does: h_t = tanh(W_xh·x_t + W_hh·h_(t-1)), starting from an empty "
        f"memory h_0 = 0. Here W_xh = {ex.w_x:.1f} ({WORD[sign(ex.w_x)]}) and "
        f"W_hh = {ex.w_h:.1f} ({WORD[sign(ex.w_h)]}). The inputs are {inputs}.\n\n"
        "You never need a value: tanh keeps the sign (tanh of a positive number is positive, "
        "of a negative number negative, of 0 it is 0), so h_t has the sign of what goes in.\n\n"
        f"Is the memory positive, negative or still 0 at each step? Send one sign per step "
        f"for {asks}, in order, like `+ - +` or `positive, negative, positive` "
        "(write `0` for a step where the memory is still empty)."
    )


def _factor(name: str, v: float) -> str:
    return f"{name} is {WORD[sign(v)]}" if v else f"{name} is 0"


def _deciding(ex: Exercise, t: int, h_prev: float) -> str:
    """Which term settles step t (rung 2)."""
    x, p = ex.xs[t - 1], h_prev
    if not x and not p:
        return f"x_{t} = 0 and there is no memory yet (h_{t - 1} = 0): neither term adds anything"
    if not x:
        return f"x_{t} = 0, so the input term W_xh·x_{t} is 0 and the memory term W_hh·h_{t - 1} decides"
    if not p:
        return f"there is no memory yet (h_{t - 1} = 0), so the input term W_xh·x_{t} decides"
    return (
        f"both terms count: the sign of W_xh·x_{t} + W_hh·h_{t - 1} decides, so find the sign "
        f"of the input term W_xh·x_{t} and of the memory term W_hh·h_{t - 1}"
    )


def _factors(ex: Exercise, t: int, h_prev: float) -> str:
    """The signs of W_xh, x_t, W_hh and h_(t-1) at step t (rung 3), without the product."""
    return (
        f"{_factor('W_xh', ex.w_x)} and {_factor(f'x_{t}', ex.xs[t - 1])}; "
        f"{_factor('W_hh', ex.w_h)} and {_factor(f'h_{t - 1}', h_prev)}"
    )


def _reason(ex: Exercise, t: int, h_prev: float) -> str:
    """Step t's reasoning in words, ending in its sign (rung 4 and the solution)."""
    input_term, memory_term = terms(ex, t, h_prev)
    s = combine(input_term, memory_term) or 0.0
    if not input_term and not memory_term:
        return f"no input yet and no memory, so h_{t} stays **0**"
    if not input_term:
        flip = " (the negative W_hh flips it)" if ex.w_h < 0 else ""
        why = f"x_{t} = 0, so the memory decides: W_hh·h_{t - 1} is {WORD[memory_term]}{flip}"
    elif not memory_term:
        why = f"no memory yet, so the input decides: W_xh·x_{t} is {WORD[input_term]}"
    else:
        why = f"W_xh·x_{t} and W_hh·h_{t - 1} are both {WORD[s]}"
    return f"{why}, so h_{t} is **{WORD[s]}** ({CHAR[s]})"


def solution_signs(ex: Exercise) -> str:
    """Each step's sign explained in words, with the exact h_t to 4 decimals."""
    hs, _ = ex.run()
    lines = ["**Worked solution** (signs, with the exact values to 4 decimals):", ""]
    for t, h in enumerate(hs, 1):
        h_prev = hs[t - 2] if t > 1 else ex.h0
        lines.append(f"- Step {t}: {_reason(ex, t, h_prev)}; exactly h_{t} = {fmt(h)}.")
    lines += [
        "",
        "Notice how the size of h_t shrinks whenever the input is 0: the memory fades"
        + (", and with a negative W_hh its sign flips at every such step." if ex.w_h < 0 else "."),
    ]
    answers = ", ".join(f"h_{t} = {CHAR[s]}" for t, s in enumerate(ex.answers, 1))
    return "\n".join([*lines, "", f"Answers (signs): {answers}."])


def hint_signs(ex: Exercise, rung: int, t: int) -> str:
    """Rung 1 the sign rules; 2 which term decides step t; 3 its factors' signs; 4 its sign."""
    h_prev = ex.previous(t)
    return [
        RULES,
        f"For step {t}: {_deciding(ex, t, h_prev)}.",
        f"For step {t}: {_factors(ex, t, h_prev)}. Multiply the signs of the deciding term; "
        "tanh keeps that sign.",
        f"For step {t}: {_reason(ex, t, h_prev)}.",
    ][rung - 1]
