"""Answers given as numbers: read them, check each step within the tolerance, diagnose.

Shared by the numeric levels (``tanh_table``, ``calculator``, ``lstm_gates``). Answers
arrive as text ("0.46, 0.35, 0.28", "h1=0.46 h2=0.35", "c1=0.9; forget gate") or as a
list of numbers. At the first wrong step the level's classic mistakes (``Mistakes``:
what each slip gives at that step) are recomputed and the one that reproduces the
learner's number is named. Later steps that follow correctly from the learner's own
earlier value earn half credit (``tools.grading``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.errors import InvalidInput
from tools.grading import (
    ALL_RIGHT,
    Grade,
    first_wrong_lines,
    follow_on_lines,
    list_of_numbers,
    make_grade,
    mark_steps,
    steps_line,
)
from tools.levels.base import Exercise, fmt

_LABELLED = re.compile(r"\b([hc])\s*_?\s*\{?\s*(\d+)\s*\}?\s*[=:]\s*([-+]?\d*\.?\d+)", re.I)
_NUMBER = re.compile(r"[-+]?\d*\.\d+|[-+]?\d+")
_NOISE = re.compile(r"\bstep\s*\d+|\bt\s*=\s*\d+|\b[hc]\s*_?\s*\{?\s*\d+\s*\}?", re.I)
_GATE = re.compile(r"\b(forget|input|output)\b", re.I)

EXPLAIN = {  # the slips every numeric level shares; each level adds its own
    "sign": "the size is right but the sign is flipped; check the signs of the products",
    "rounding": "very close: keep 4 decimals in the values you carry forward",
}

Mistakes = Callable[[Exercise, int], dict[str, float]]  # step t -> {code: what that slip gives}
Follows = Callable[
    [Exercise, int, float, float], bool
]  # does step t follow from the learner's t-1?
PartB = Callable[[Exercise, str | None, float], tuple[bool | None, float, list[str]]]


def parse_numbers(answer: Any, steps: int) -> tuple[list[float | None], str | None]:
    """The numbers for steps 1..T (None where missing) and any gate the learner named."""
    values: list[float | None]
    if isinstance(answer, list | tuple):
        values, gate = list(list_of_numbers(answer)), None
    elif isinstance(answer, str):
        text = answer.replace("−", "-").replace(",", " , ")
        gate_match = _GATE.search(text)
        gate = gate_match.group(1).lower() if gate_match else None
        labelled = _LABELLED.findall(text)
        if labelled:
            by_step = {int(t): float(v) for _, t, v in labelled}
            values = [by_step.get(t) for t in range(1, max(by_step) + 1)]
        else:
            values = [float(v) for v in _NUMBER.findall(_NOISE.sub(" ", text))]
    else:
        raise InvalidInput(
            "the answer must be text such as '0.46, 0.35, 0.28' or a list of numbers"
        )
    if not any(v is not None for v in values) and gate is None:
        raise InvalidInput(
            "no numbers found in the answer; write them in order, e.g. '0.46, 0.35, 0.28' "
            "or 'h1=0.46 h2=0.35'"
        )
    if len(values) > steps:
        raise InvalidInput(
            f"the answer has {len(values)} numbers but this exercise has {steps} steps"
        )
    return values + [None] * (steps - len(values)), gate


def _diagnose(ex: Exercise, t: int, given: float, mistakes: Mistakes) -> str | None:
    tol = ex.tolerance
    for code, value in mistakes(ex, t).items():
        if abs(given - value) <= tol:
            return code
    if abs(given - ex.answers[t - 1]) <= 3 * tol:
        return "rounding"
    return None


def grade_numbers(
    ex: Exercise,
    answer: Any,
    *,
    mistakes: Mistakes,
    explain: dict[str, str],
    follows: Follows,
    part_b: PartB | None = None,
) -> Grade:
    """Check every step within ``ex.tolerance`` and explain the first mistake.

    ``part_b(ex, gate, credit)`` grades a question beside the numbers (the LSTM's gate):
    it returns whether the gate was right (None: not answered), the score and its lines.
    """
    given, gate = parse_numbers(answer, ex.steps)
    expected, tol, sym = ex.answers, ex.tolerance, ex.symbol
    correct = [g is not None and abs(g - e) <= tol for g, e in zip(given, expected, strict=True)]

    def follows_own(t: int, prev: float | None, value: float | None) -> bool:
        return prev is not None and value is not None and follows(ex, t, prev, value)

    first_wrong, follow_on = mark_steps(correct, given, follows_own)
    credit = sum(correct) + 0.5 * len(follow_on)
    diagnosis = None
    lines = [f"Each {sym}_t counts as right within ±{tol:g}.", steps_line(sym, correct)]
    if first_wrong is None:
        lines.append(ALL_RIGHT)
    else:
        t = first_wrong
        diagnosis, why = first_wrong_lines(
            t,
            given[t - 1],
            symbol=sym,
            noun="a value",
            shown=lambda g: f"{sym}_{t} = {fmt(g)}",
            diagnose=lambda g: _diagnose(ex, t, g, mistakes),
            explain=explain,
            redo="carefully",
        )
        lines += why + follow_on_lines(follow_on)
    gate_correct, score = None, credit / ex.steps
    if part_b is not None:
        gate_correct, score, gate_lines = part_b(ex, gate, credit)
        lines += gate_lines
    lines.append(f"Score: {score:.0%}.")
    return make_grade(
        ex,
        correct=correct,
        given=given,
        first_wrong=first_wrong,
        diagnosis=diagnosis,
        lines=lines,
        score=score,
        gate_correct=gate_correct,
    )
