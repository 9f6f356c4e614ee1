"""The sign algebra of the ``signs`` level: the sign of a number, of a sum, of each term.

tanh keeps the sign of a_t = W_xh·x_t + W_hh·h_(t-1), a negative factor flips a
product's sign, and a sum of two terms has their common sign (or the sign of the only
non-zero one); when the terms point opposite ways the signs alone do not decide, and the
level never draws such a step. ``WORD`` and ``CHAR`` are how a sign is written.
"""

from __future__ import annotations

from tools.levels.base import Exercise

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


def sign_sequences(ex: Exercise) -> list[str]:
    """The answer written the ways a learner would, for the leak check."""
    signs = ex.answers
    chars = [CHAR[s] for s in signs]
    words = [WORD[s] for s in signs]
    return [" ".join(chars), "".join(chars), " ".join(chars).replace("-", "−")] + [
        sep.join(words) for sep in (", ", " ")
    ]
