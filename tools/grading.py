"""What every level's grader shares: the ``Grade``, step marking and the feedback lines.

A level (``tools.levels``) reads an attempt into one value per step and decides which
steps are right; the helpers here do the rest the same way for every level: find the
first wrong step, give half credit to later steps that follow correctly from the
learner's own previous value (the method was right), write the learner-facing lines
("Your steps: h_1 ✓, h_2 ✗.", "The first wrong step is ...", the half-credit note) and
build the ``Grade``. This module imports nothing from the levels, so any level can use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import InvalidInput

ALL_RIGHT = "All steps are right."


@dataclass(frozen=True)
class Grade:
    """The outcome of one attempt. ``expected`` may be shown: an attempt was made."""

    exercise_id: str
    correct: list[bool]  # per step
    score: float  # 0..1, partial credit
    first_wrong: int | None  # 1-based step, None when all steps are right
    diagnosis: str | None  # a code such as "forgot_carry", "forgot_tanh"
    feedback: str  # Markdown for the learner
    tolerance: float
    given: list[float | None]
    expected: list[float]
    gate_correct: bool | None = None  # lstm_gates: None when no gate was named

    @property
    def all_correct(self) -> bool:
        return self.first_wrong is None and self.gate_correct is not False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"all_correct": self.all_correct}


def list_of_numbers(answer: list[Any] | tuple[Any, ...]) -> list[float]:
    """An answer given as a list: every item a finite number."""
    for i, v in enumerate(answer):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidInput(f"answer item {i + 1} must be a finite number, got {v!r:.30}")
    return [float(v) for v in answer]


Follows = Callable[[int, Any, Any], bool]  # (t, learner's value at t-1, at t) -> method right?


def mark_steps(
    correct: list[bool], given: list[Any], follows: Follows
) -> tuple[int | None, list[int]]:
    """The first wrong step (1-based; None when all are right) and the later wrong steps
    that ``follows`` from the learner's own previous value: the method was right, so
    they earn half credit."""
    first_wrong = next((t for t, ok in enumerate(correct, 1) if not ok), None)
    if first_wrong is None:
        return None, []
    follow_on = [
        t
        for t in range(first_wrong + 1, len(correct) + 1)
        if not correct[t - 1] and follows(t, given[t - 2], given[t - 1])
    ]
    return first_wrong, follow_on


def steps_line(symbol: str, marked: list[bool], later: str = "") -> str:
    """ "Your steps: h_1 ✓, h_2 ✗." for the steps the learner may see marked."""
    ticks = ", ".join(f"{symbol}_{t} {'✓' if ok else '✗'}" for t, ok in enumerate(marked, 1))
    return f"Your steps: {ticks}{later}."


def first_wrong_lines(
    t: int,
    given: Any,
    *,
    symbol: str,
    noun: str,
    shown: Callable[[Any], str],
    diagnose: Callable[[Any], str | None],
    explain: dict[str, str],
    redo: str,
) -> tuple[str | None, list[str]]:
    """The diagnosis code and the feedback on the first wrong step ``t``: what is missing,
    or which classic mistake reproduces the learner's ``given`` value (``explain[code]``,
    with ``{t}`` the step and ``{p}`` the step before), or an invitation to redo it."""
    if given is None:
        return None, [f"Step {t} is missing: give {noun} for {symbol}_{t}."]
    diagnosis = diagnose(given)
    why = explain.get(diagnosis or "", "").format(t=t, p=t - 1)
    lines = [f"The first wrong step is step {t} ({shown(given)}){': ' + why if why else ''}."]
    if diagnosis is None:
        lines.append(f"Redo step {t} {redo}, or ask for a hint for step {t}.")
    return diagnosis, lines


def follow_on_lines(follow_on: list[int]) -> list[str]:
    """The note on the later steps that earn half credit (none when there are none)."""
    if not follow_on:
        return []
    steps = ", ".join(str(s) for s in follow_on)
    many = len(follow_on) > 1
    which = f"Steps {steps} follow" if many else f"Step {steps} follows"
    earn = "they earn" if many else "it earns"
    return [f"{which} correctly from your own earlier value, so {earn} half credit."]


def make_grade(
    ex: Any,
    *,
    correct: list[bool],
    given: list[Any],
    first_wrong: int | None,
    diagnosis: str | None,
    lines: list[str],
    score: float,
    gate_correct: bool | None = None,
) -> Grade:
    """The ``Grade`` of an attempt at exercise ``ex`` (its id, tolerance and answers)."""
    return Grade(
        exercise_id=ex.id,
        correct=correct,
        score=round(score, 4),
        first_wrong=first_wrong,
        diagnosis=diagnosis,
        feedback="\n".join(lines),
        tolerance=ex.tolerance,
        given=given,
        expected=[round(v, 4) for v in ex.answers],
        gate_correct=gate_correct,
    )
