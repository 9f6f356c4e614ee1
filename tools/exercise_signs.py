"""The "signs" level of "trace the memory": follow the sign of the memory, no arithmetic.

A one-unit tanh RNN (h_0 = 0, no bias) reads inputs from {-1, 0, 1}; the learner says
whether each h_t is positive, negative or still 0, reasoning only about signs: tanh keeps
the sign of a_t = W_xh·x_t + W_hh·h_(t-1); a negative factor flips a product's sign; with
x_t = 0 the memory term W_hh·h_(t-1) decides (a negative W_hh makes the memory alternate);
with no memory yet the input term decides. Draws where the two terms ever point opposite
ways are rejected, so the sign rules always settle every step. This module holds the
level's draw and its words (prompt, worked solution, hint ladder);
``tools.grading_signs`` grades it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tools.exercise_gen import _one_decimal, fmt

if TYPE_CHECKING:
    from tools.exercise_gen import Exercise

WORD = {1.0: "positive", -1.0: "negative", 0.0: "0"}
CHAR = {1.0: "+", -1.0: "-", 0.0: "0"}  # ASCII, as learners type it and as numbers print


def sign(v: float) -> float:
    """+1.0, -1.0 or 0.0: the only thing this level asks about a number."""
    return float((v > 0) - (v < 0))


def combine(input_term: float, memory_term: float) -> float | None:
    """The sign of a sum from the signs of its two terms; None when they point opposite ways."""
    if input_term and memory_term and input_term != memory_term:
        return None
    return input_term or memory_term


def terms(ex: Exercise, t: int, h_prev: float) -> tuple[float, float]:
    """The signs of the input term W_xh·x_t and the memory term W_hh·h_(t-1) at step t."""
    return sign(ex.w_x) * sign(ex.xs[t - 1]), sign(ex.w_h) * sign(h_prev)


def _signed(rng: np.random.Generator, lo: float, hi: float) -> float:
    size = _one_decimal(rng, lo, hi)
    return size if rng.integers(0, 2) else -size


def draw_signs(rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
    """A candidate the sign rules settle at every step, with the memory carried at least once."""
    from tools.exercise_gen import Exercise

    T = int(rng.integers(4, 6))
    ex = Exercise(
        id=ex_id,
        level="signs",
        seed=seed,
        xs=[float(rng.integers(-1, 2)) for _ in range(T)],
        w_x=_signed(rng, 0.5, 1.5),
        w_h=_signed(rng, 0.3, 0.9),
    )
    if not any(ex.xs):
        return None
    first_input = next(t for t, x in enumerate(ex.xs, 1) if x)
    if all(ex.xs[t - 1] for t in range(first_input + 1, T + 1)):
        return None  # no step where the memory alone decides: the key rule would go untested
    hs, _ = ex.run()
    for t in range(1, T + 1):
        h_prev = hs[t - 2] if t > 1 else ex.h0
        if combine(*terms(ex, t, h_prev)) is None:
            return None  # undecidable by signs alone
        if hs[t - 1] == 0 and t >= first_input:
            return None
    return ex


def sign_sequences(ex: Exercise) -> list[str]:
    """The answer written the ways a learner would, for the leak check."""
    signs = ex.answers
    chars = [CHAR[s] for s in signs]
    words = [WORD[s] for s in signs]
    return [" ".join(chars), "".join(chars), " ".join(chars).replace("-", "−")] + [
        sep.join(words) for sep in (", ", " ")
    ]


def _num(x: float) -> str:
    return str(int(x))  # "-1" with the same ASCII minus as the weights


def prompt_markdown(ex: Exercise) -> str:
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


def solution_markdown(ex: Exercise) -> str:
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


RULES = (
    "Only signs matter: tanh keeps the sign, so h_t has the sign of W_xh·x_t + W_hh·h_(t-1). "
    "A product is negative when exactly one factor is negative (a negative weight flips the "
    "sign), and 0 when a factor is 0. With x_t = 0 the old memory's sign carries through "
    "W_hh; with no memory yet (h_(t-1) = 0) the input's term decides."
)


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
