"""Grade an answer to a "signs" exercise: read the signs, check each step, name the mistake.

Learners write signs many ways: "+ - + -", "+-+-", "− + 0", "pos, neg", "positive then
negative", "zero", labelled "h1=+ h2=-", or plain numbers ("0.46, -0.35": only the sign
counts). Each step is right when its sign is exactly right. At the first wrong step we
replay the classic slips with the correct earlier signs (ignoring a negative W_hh, i.e.
no flip; forgetting the memory, i.e. the input's sign only; ignoring a negative W_xh;
ignoring the input) and name the one that gives the learner's sign. Later steps that
follow by the sign rules from the learner's own previous sign earn half credit, as in
``tools.grading``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from core.errors import InvalidInput
from tools.exercise_gen import Exercise
from tools.exercise_signs import WORD, combine, sign, terms
from tools.grading import Grade

_TOKEN = (
    r"[-+]?(?:\d+\.\d*|\.\d+|\d+)"  # a number: its sign counts
    r"|\b(?:positive|negative|pos|neg|zero|plus|minus)\b"
    r"|[-+]"
)
_TOKENS = re.compile(_TOKEN, re.I)
_LABELLED = re.compile(rf"\bh\s*_?\s*\{{?\s*(\d+)\s*\}}?\s*(?:=|:|is)\s*({_TOKEN})", re.I)
_ONLY_SYMBOLS = re.compile(r"^[\s+\-0,;=:]*$")
_NOISE = re.compile(r"\bstep\s*\d+|\bt\s*=\s*\d+|\bh\s*_?\s*\{?\s*\d+\s*\}?", re.I)
_VALUE = {"positive": 1.0, "pos": 1.0, "plus": 1.0, "+": 1.0, "negative": -1.0, "neg": -1.0}
_VALUE |= {"minus": -1.0, "-": -1.0, "zero": 0.0}
HOW = (
    "give one sign per step in order, e.g. '+ - + -' or 'positive, negative, positive, "
    "negative' (0 where the memory is still empty)"
)


def _value(token: str) -> float:
    low = token.lower()
    return _VALUE[low] if low in _VALUE else sign(float(low))


def _clean(text: str) -> str:
    return text.replace("−", "-").replace("–", "-").replace("＋", "+")


def sign_tokens(text: str) -> list[float]:
    """Every sign written in ``text``, in order ("h1=+, h2 = negative" -> [1.0, -1.0])."""
    text = _NOISE.sub(" ", _clean(text or ""))
    if _ONLY_SYMBOLS.match(text):  # "00+-", "+0-": one symbol per step, not numbers
        return [_value(c) for c in text if c in "+-0"]
    return [_value(m.group()) for m in _TOKENS.finditer(text)]


def parse_signs(answer: Any, steps: int) -> list[float | None]:
    """The signs for steps 1..T (None where missing), from text or a list of numbers."""
    if isinstance(answer, list | tuple):
        values = []
        for i, v in enumerate(answer):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InvalidInput(f"answer item {i + 1} must be a finite number, got {v!r:.30}")
            values.append(sign(float(v)))
    elif isinstance(answer, str):
        labelled = _LABELLED.findall(_clean(answer))
        if labelled:
            by_step = {int(t): _value(v) for t, v in labelled}
            values = [by_step.get(t) for t in range(1, max(by_step) + 1)]
        else:
            values = sign_tokens(answer)
    else:
        raise InvalidInput(f"the answer must be text or a list of numbers: {HOW}")
    if not values:
        raise InvalidInput(f"no signs found in the answer; {HOW}")
    if len(values) > steps:
        raise InvalidInput(
            f"the answer has {len(values)} signs but this exercise has {steps} steps; {HOW}"
        )
    return values + [None] * (steps - len(values))


EXPLAIN = {
    "no_flip": "you ignored the negative W_hh: multiplying h_{p} by a negative W_hh flips its sign",
    "forgot_memory": "you forgot the memory: W_hh·h_{p} carries h_{p}'s sign into step {t}",
    "ignored_w_xh_sign": "you took the sign of x_{t} itself, but W_xh is negative, so W_xh·x_{t} has the opposite sign",
    "forgot_input": "the input x_{t} is not 0, so W_xh·x_{t} counts at step {t}",
    "too_early": "no input has arrived and there is no memory yet, so h_{t} is still 0",
    "sign": "the sign is flipped; check the sign of each factor",
}


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


def grade_signs(ex: Exercise, answer: Any) -> Grade:
    """Check every step's sign and explain the first mistake."""
    given = parse_signs(answer, ex.steps)
    expected = ex.answers
    correct = [g is not None and g == e for g, e in zip(given, expected, strict=True)]
    first_wrong = next((t for t, ok in enumerate(correct, 1) if not ok), None)
    follow_on = [
        t
        for t in range(2, ex.steps + 1)
        if first_wrong is not None and t > first_wrong and not correct[t - 1]
        if _follows(ex, t, given[t - 2], given[t - 1])
    ]
    score = (sum(correct) + 0.5 * len(follow_on)) / ex.steps
    diagnosis = None
    # Marks stop at the first wrong step: with only two signs to choose from, a mark on
    # every step would hand over the whole answer after one attempt.
    marked = correct if first_wrong is None else correct[:first_wrong]
    ticks = ", ".join(f"h_{t} {'✓' if ok else '✗'}" for t, ok in enumerate(marked, 1))
    later = (
        ""
        if first_wrong is None or first_wrong == ex.steps
        else " (later steps: fix that one first)"
    )
    lines = ["Each h_t is right when its sign (+, − or 0) is.", f"Your steps: {ticks}{later}."]
    if first_wrong is None:
        lines.append("All steps are right.")
    else:
        t, g = first_wrong, given[first_wrong - 1]
        if g is None:
            lines.append(f"Step {t} is missing: give a sign for h_{t}.")
        else:
            diagnosis = _diagnose(ex, t, g)
            why = EXPLAIN.get(diagnosis or "", "").format(t=t, p=t - 1)
            lines.append(
                f"The first wrong step is step {t} (you wrote h_{t} {WORD[g]})"
                f"{': ' + why if why else ''}."
            )
            if diagnosis is None:
                lines.append(f"Redo step {t} with the sign rules, or ask for a hint for step {t}.")
        if follow_on:
            steps = ", ".join(str(s) for s in follow_on)
            lines.append(
                f"Steps {steps} follow correctly from your own earlier sign, so they earn half credit."
            )
    lines.append(f"Score: {score:.0%}.")
    return Grade(
        exercise_id=ex.id,
        correct=correct,
        score=round(score, 4),
        first_wrong=first_wrong,
        diagnosis=diagnosis,
        feedback="\n".join(lines),
        tolerance=ex.tolerance,
        given=given,
        expected=list(expected),
    )
