"""The ``signs`` level: follow the sign of the memory, no arithmetic.

A one-unit tanh RNN (h_0 = 0, no bias) reads inputs from {-1, 0, 1}; the learner says
whether each h_t is positive, negative or still 0, reasoning only about signs
(``tools.levels.sign_rules``): with x_t = 0 the memory term W_hh·h_(t-1) decides (a
negative W_hh makes the memory alternate); with no memory yet the input term decides.
Draws where the two terms ever point opposite ways are rejected, so the sign rules always
settle every step. Hints climb: 1 the sign rules, 2 the deciding term, 3 the signs of its
factors, 4 the step's sign. Grading replays the classic slips with the correct earlier
signs (ignoring a negative W_hh, forgetting the memory, ignoring a negative W_xh,
ignoring the input) and stops at the first wrong step: with two signs to choose from, a
mark, a score or half credit for any later step would hand over the answer (half credit
still counts in ``Grade.score``, which the assistant keeps private until solved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tools.grading import ALL_RIGHT, Grade, first_wrong_lines, make_grade, mark_steps, steps_line
from tools.levels.base import Exercise, number_texts, one_decimal, rnn_weights
from tools.levels.sign_reading import parse_signs
from tools.levels.sign_rules import CHAR, WORD, combine, sign, sign_sequences, terms
from tools.levels.signs_text import hint_signs, prompt_signs, solution_signs

EXPLAIN = {
    "no_flip": "you ignored the negative W_hh: multiplying h_{p} by a negative W_hh flips its sign",
    "forgot_memory": "you forgot the memory: W_hh·h_{p} carries h_{p}'s sign into step {t}",
    "ignored_w_xh_sign": "you took the sign of x_{t} itself, but W_xh is negative, so W_xh·x_{t} has the opposite sign",
    "forgot_input": "the input x_{t} is not 0, so W_xh·x_{t} counts at step {t}",
    "too_early": "no input has arrived and there is no memory yet, so h_{t} is still 0",
    "sign": "the sign is flipped; check the sign of each factor",
}


def _signed(rng: np.random.Generator, lo: float, hi: float) -> float:
    size = one_decimal(rng, lo, hi)
    return size if rng.integers(0, 2) else -size


def _mistakes(ex: Exercise, t: int) -> dict[str, float | None]:
    """What each classic slip gives at step t, from the correct earlier signs."""
    x, p = sign(ex.xs[t - 1]), sign(ex.previous(t))
    input_term, memory_term = terms(ex, t, p)
    return {
        "no_flip": combine(input_term, p) if ex.w_h < 0 and p else None,
        "forgot_memory": input_term if p else None,
        "ignored_w_xh_sign": combine(x, memory_term) if ex.w_x < 0 and x else None,
        "forgot_input": memory_term if x else None,
        "sign": -ex.answers[t - 1] if ex.answers[t - 1] else None,
    }


def _diagnose(ex: Exercise, t: int, given: float) -> str | None:
    right = ex.answers[t - 1]
    if right == 0 and given != 0:
        return "too_early"
    for code, value in _mistakes(ex, t).items():
        if value is not None and value != right and value == given:
            return code
    return None


def _follows(ex: Exercise, t: int, prev: float | None, given: float | None) -> bool:
    """Do the sign rules allow the learner's sign at t from their own sign at t-1?"""
    if prev is None or given is None:
        return False
    settled = combine(*terms(ex, t, prev))
    return given != 0 if settled is None else given == settled


@dataclass(frozen=True)
class SignsLevel:
    """The signs of h_t, reasoned out; see the module docstring."""

    name: str = "signs"
    tolerance: float = 0.0
    cell: Literal["rnn", "lstm"] = "rnn"
    answer_kind: Literal["numbers", "signs"] = "signs"

    def draw(self, rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
        """A candidate the sign rules settle at every step, with the memory carried at least once."""
        T = int(rng.integers(4, 6))
        ex = Exercise(
            id=ex_id,
            seed=seed,
            rules=self,
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

    def answers(self, ex: Exercise) -> list[float]:
        return [sign(v) for v in ex.run()[0]]

    def public(self, ex: Exercise) -> dict[str, Any]:
        return rnn_weights(ex)

    def answer_texts(self, ex: Exercise) -> list[str]:
        return number_texts(ex.answers) + sign_sequences(ex)

    def prompt(self, ex: Exercise) -> str:
        return prompt_signs(ex)

    def solution(self, ex: Exercise) -> str:
        return solution_signs(ex)

    def hint(self, ex: Exercise, rung: int, t: int) -> str:
        return hint_signs(ex, rung, t)

    def parse(self, answer: Any, steps: int) -> tuple[list[float | None], str | None]:
        return parse_signs(answer, steps), None

    def grade(self, ex: Exercise, answer: Any) -> Grade:
        """Check every step's sign; the feedback says nothing past the first wrong step."""
        given = parse_signs(answer, ex.steps)
        expected = ex.answers
        correct = [g is not None and g == e for g, e in zip(given, expected, strict=True)]
        first_wrong, follow_on = mark_steps(
            correct, given, lambda t, prev, g: _follows(ex, t, prev, g)
        )
        score = (sum(correct) + 0.5 * len(follow_on)) / ex.steps
        diagnosis = None
        marked = correct if first_wrong is None else correct[:first_wrong]
        later = (
            ""
            if first_wrong is None or first_wrong == ex.steps
            else " (later steps: fix that one first)"
        )
        lines = [f"Each h_t is right when its sign ({CHAR[1.0]}, {CHAR[-1.0]} or 0) is."]
        lines.append(steps_line("h", marked, later))
        if first_wrong is None:
            lines += [ALL_RIGHT, f"Score: {score:.0%}."]
        else:
            # No score and no half-credit line while unsolved: either one counts the right
            # steps after the first wrong one, and with two signs per step that tells them.
            t = first_wrong
            diagnosis, why = first_wrong_lines(
                t,
                given[t - 1],
                symbol="h",
                noun="a sign",
                shown=lambda g: f"you wrote {WORD[g]} for h_{t}",
                diagnose=lambda g: _diagnose(ex, t, g),
                explain=EXPLAIN,
                redo="with the sign rules",
            )
            lines += why
        return make_grade(
            ex,
            correct=correct,
            given=given,
            first_wrong=first_wrong,
            diagnosis=diagnosis,
            lines=lines,
            score=score,
        )


SIGNS = SignsLevel()
