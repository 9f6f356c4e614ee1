"""The numeric one-unit RNN levels: trace h_t = tanh(W_xh·x_t + W_hh·h_(t-1) + b) by hand.

``RnnLevel`` is what ``tanh_table`` and ``calculator`` share: the draw (pre-activations
kept within ``limit``, answers far enough apart, the classic mistakes visibly different),
the words in the lesson's notation and the grading with the RNN's classic mistakes
(forgetting to carry h_(t-1), swapping W_xh and W_hh, forgetting tanh or the bias,
carrying the pre-activation instead of h). Hints climb one rung per request: 1 the
formula, 2 the step with numbers substituted, 3 the pre-activation's value, 4 the step's
answer. A level says how the learner gets tanh (``finish`` and ``tanh_note``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tools.grading import Grade
from tools.levels import numbers
from tools.levels.base import Exercise, fmt, number_texts, one_decimal, par, rnn_weights

EXPLAIN = numbers.EXPLAIN | {
    "forgot_carry": "you left out W_hh·h_{p}: the memory from step {p} has to be carried into step {t}",
    "carried_pre": "you carried a_{p} (before tanh) into step {t}; carry h_{p} = tanh(a_{p}) instead",
    "swapped_weights": "you swapped the weights: W_xh multiplies the input x_{t}, W_hh multiplies the memory h_{p}",
    "forgot_tanh": "that is the pre-activation a_{t}; apply tanh to it to get h_{t}",
    "forgot_bias": "you left out the bias b",
}


def _inputs(ex: Exercise) -> str:
    return ", ".join(f"x_{t} = {x:.1f}" for t, x in enumerate(ex.xs, 1))


def _substituted(ex: Exercise, t: int) -> str:
    h_prev = ex.previous(t)
    return (
        f"a_{t} = W_xh·x_{t} + W_hh·h_{t - 1} + b = {par(ex.w_x, 1)}·{par(ex.xs[t - 1], 1)} + "
        f"{par(ex.w_h, 1)}·{par(h_prev)} + {par(ex.b, 1)}"
    )


def mistakes(ex: Exercise, t: int) -> dict[str, float]:
    """What each classic slip gives at step t (in the order they are tried)."""
    hs, pres = ex.run()
    x, h_prev = ex.xs[t - 1], ex.previous(t)
    out = {
        "forgot_tanh": pres[t - 1],
        "swapped_weights": math.tanh(ex.w_h * x + ex.w_x * h_prev + ex.b),
        "sign": -hs[t - 1],
    }
    if t > 1:
        out["forgot_carry"] = math.tanh(ex.w_x * x + ex.b)
        out["carried_pre"] = math.tanh(ex.w_x * x + ex.w_h * pres[t - 2] + ex.b)
    if ex.b != 0:
        out["forgot_bias"] = math.tanh(ex.w_x * x + ex.w_h * h_prev)
    return out


def follows(ex: Exercise, t: int, prev: float, given: float) -> bool:
    """Does the learner's h_t follow correctly from their own h_(t-1)?"""
    return abs(math.tanh(ex.w_x * ex.xs[t - 1] + ex.w_h * prev + ex.b) - given) <= ex.tolerance


@dataclass(frozen=True)
class RnnLevel:
    """A numeric one-unit RNN level; ``limit`` bounds every |a_t| of a drawn exercise."""

    name: str
    tolerance: float
    limit: float
    cell: Literal["rnn", "lstm"] = "rnn"
    answer_kind: Literal["numbers", "signs"] = "numbers"

    def finish(self, ex: Exercise) -> Exercise:
        """The drawn exercise with whatever the level adds (a tanh table)."""
        return ex

    def tanh_note(self, ex: Exercise) -> str:
        """The prompt's last paragraph: how the learner gets tanh."""
        return "Use a calculator for tanh: this level has no table."

    def draw(self, rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
        T = int(rng.integers(3, 6))
        ex = Exercise(
            id=ex_id,
            seed=seed,
            rules=self,
            xs=[one_decimal(rng, -1.0, 1.0) for _ in range(T)],
            w_x=one_decimal(rng, -1.0, 1.0),
            w_h=one_decimal(rng, 0.3, 0.9),
            b=one_decimal(rng, -0.3, 0.3, nonzero=False),
        )
        hs, pres = ex.run()
        if not all(0.1 <= abs(a) <= self.limit for a in pres):
            return None  # too flat (all near zero) or beyond the table
        tol = self.tolerance
        if min(abs(x - y) for i, x in enumerate(hs) for y in hs[i + 1 :]) < 4 * tol:
            return None  # keep answers distinguishable
        for t in range(2, T + 1):  # the classic mistakes must give visibly different numbers
            if abs(math.tanh(ex.w_x * ex.xs[t - 1] + ex.b) - hs[t - 1]) < 4 * tol:
                return None
        return self.finish(ex)

    def answers(self, ex: Exercise) -> list[float]:
        return ex.run()[0]

    def public(self, ex: Exercise) -> dict[str, Any]:
        return rnn_weights(ex) | {"tanh_table": [list(r) for r in ex.tanh_table] or None}

    def answer_texts(self, ex: Exercise) -> list[str]:
        return number_texts(ex.answers)

    def prompt(self, ex: Exercise) -> str:
        asks = ", ".join(f"h_{t}" for t in range(1, ex.steps + 1))
        return (
            "**Trace the memory of a one-unit RNN.** The hidden state follows "
            "h_t = tanh(W_xh·x_t + W_hh·h_(t-1) + b) with "
            f"W_xh = {ex.w_x:.1f}, W_hh = {ex.w_h:.1f}, b = {ex.b:.1f} and h_0 = 0.\n"
            f"The inputs are {_inputs(ex)}.\n\nCompute {asks}. "
            "Answer like `h1=..., h2=..., ...` or just the numbers in order "
            f"(each within ±{self.tolerance:g})."
        ) + f"\n\n{self.tanh_note(ex)}"

    def solution(self, ex: Exercise) -> str:
        hs, pres = ex.run()
        lines = ["**Worked solution** (4 decimals):", ""]
        for t, (h, a) in enumerate(zip(hs, pres, strict=True), 1):
            lines.append(
                f"- Step {t}: {_substituted(ex, t)} = {fmt(a)}; h_{t} = tanh({fmt(a)}) = **{fmt(h)}**"
            )
        lines += [
            "",
            "Notice how each h_t carries part of every earlier input forward through W_hh.",
        ]
        answers = ", ".join(f"h_{t} = {fmt(v)}" for t, v in enumerate(hs, 1))
        return "\n".join([*lines, "", f"Answers: {answers}."])

    def hint(self, ex: Exercise, rung: int, t: int) -> str:
        hs, pres = ex.run()
        return [
            "Each step uses the same rule: first the pre-activation a_t = W_xh·x_t + W_hh·h_(t-1) + b, "
            "then h_t = tanh(a_t). The W_hh·h_(t-1) term is the memory carried in from the step before.",
            f"For step {t}: {_substituted(ex, t)}.",
            f"For step {t}: the pre-activation is a_{t} = {fmt(pres[t - 1])}; now apply tanh.",
            f"h_{t} = tanh({fmt(pres[t - 1])}) = {fmt(hs[t - 1])}.",
        ][rung - 1]

    def parse(self, answer: Any, steps: int) -> tuple[list[float | None], str | None]:
        return numbers.parse_numbers(answer, steps)

    def grade(self, ex: Exercise, answer: Any) -> Grade:
        return numbers.grade_numbers(
            ex, answer, mistakes=mistakes, explain=EXPLAIN, follows=follows
        )
