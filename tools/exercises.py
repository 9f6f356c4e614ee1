"""The exercise API the assistant uses: new, rebuild from id, grade, hint.

``new_exercise(seed, level)`` draws a hand-traceable problem (see ``tools.levels``); its
id ``ex-<level>-<seed>`` is all a session needs to store, because ``exercise_from_id``
rebuilds the identical exercise after a restart. ``Exercise.public_dict(reveal=False)``
is what a client may see before answering; ``grade_answer`` checks an attempt and
``hint(ex, rung)`` climbs the hint ladder one rung per request, each the way the
exercise's level does it. Levels: ``tanh_table``, ``calculator``, ``lstm_gates`` and
``signs`` (no arithmetic: the sign of each h_t).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from core.errors import InvalidInput
from tools import levels
from tools.grading import Grade
from tools.levels.base import RUNGS, Exercise
from tools.levels.numbers import parse_numbers

LEVELS = levels.NAMES  # in the order that seeds each level's exercises
__all__ = [
    "LEVELS",
    "RUNGS",
    "Exercise",
    "Grade",
    "exercise_from_id",
    "grade_answer",
    "hint",
    "new_exercise",
    "parse_answer",
]

MAX_SEED = 10**9
_ID = re.compile(r"^ex-([a-z_]+)-(\d{1,10})$")


def new_exercise(seed: int | None = None, level: str = "calculator") -> Exercise:
    """A new exercise at ``level`` ("tanh_table" | "calculator" | "lstm_gates" | "signs").

    The same (seed, level) always gives the same exercise; ``seed=None`` picks one.
    """
    if level not in LEVELS:
        raise InvalidInput(f"'level' must be one of {', '.join(LEVELS)}, got {level!r:.40}")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise InvalidInput(f"'seed' must be an integer from 0 to {MAX_SEED - 1}, got {seed!r:.40}")
    return levels.draw(level, seed)


def exercise_from_id(exercise_id: str) -> Exercise:
    """Rebuild the exercise named by an id such as ``ex-calculator-1234``."""
    match = _ID.match(exercise_id.strip()) if isinstance(exercise_id, str) else None
    if not match or match.group(1) not in LEVELS:
        raise InvalidInput(
            f"{str(exercise_id)[:60]!r} is not an exercise id; ids look like "
            f"'ex-calculator-1234' with a level from {', '.join(LEVELS)}"
        )
    return new_exercise(int(match.group(2)), match.group(1))


def parse_answer(
    answer: Any, steps: int, level: str | None = None
) -> tuple[list[float | None], str | None]:
    """The values for steps 1..T (None where missing) and any gate the learner named,
    read the way ``level`` reads answers (numbers when None; for "signs" the signs the
    learner wrote, +1.0, -1.0 or 0.0)."""
    if level is None:
        return parse_numbers(answer, steps)
    return levels.level(level).parse(answer, steps)


def grade_answer(ex: Exercise, answer: Any) -> Grade:
    """Check every step (within ``ex.tolerance``) and explain the first mistake."""
    return ex.rules.grade(ex, answer)


def hint(ex: Exercise, rung: int, step: int = 1) -> str:
    """Hint rung 1..4 for ``step``: the formula, the numbers substituted, the
    pre-activation's value, the step's answer (for ``signs``: the sign rules, the
    deciding term, the signs of its factors, the step's sign)."""
    if isinstance(rung, bool) or not isinstance(rung, int) or not 1 <= rung <= RUNGS:
        raise InvalidInput(f"'rung' must be an integer from 1 to {RUNGS}, got {rung!r:.20}")
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= ex.steps:
        raise InvalidInput(f"'step' must be an integer from 1 to {ex.steps}, got {step!r:.20}")
    return ex.rules.hint(ex, rung, step)
