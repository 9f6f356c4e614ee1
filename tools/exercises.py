"""The exercise API the assistant uses: new, rebuild from id, grade, hint.

``new_exercise(seed, level)`` draws a hand-traceable problem (see
``tools.exercise_gen``); its id ``ex-<level>-<seed>`` is all a session needs to store,
because ``exercise_from_id`` rebuilds the identical exercise after a restart.
``Exercise.public_dict(reveal=False)`` is what a client may see before answering;
``grade_answer`` checks an attempt (``tools.grading``); ``hint(ex, rung)`` climbs the
hint ladder one rung per request (``tools.exercise_text``). Levels: ``tanh_table``,
``calculator``, ``lstm_gates`` and ``signs`` (no arithmetic: the sign of each h_t;
``tools.exercise_signs``, graded by ``tools.grading_signs``).
"""

from __future__ import annotations

import re
import secrets

from core.errors import InvalidInput
from tools.exercise_gen import LEVELS, Exercise, draw
from tools.exercise_text import RUNGS, hint_text
from tools.grading import Grade, grade_answer, parse_answer

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
    return draw(level, seed)


def exercise_from_id(exercise_id: str) -> Exercise:
    """Rebuild the exercise named by an id such as ``ex-calculator-1234``."""
    match = _ID.match(exercise_id.strip()) if isinstance(exercise_id, str) else None
    if not match or match.group(1) not in LEVELS:
        raise InvalidInput(
            f"{str(exercise_id)[:60]!r} is not an exercise id; ids look like "
            f"'ex-calculator-1234' with a level from {', '.join(LEVELS)}"
        )
    return new_exercise(int(match.group(2)), match.group(1))


def hint(ex: Exercise, rung: int, step: int = 1) -> str:
    """Hint rung 1..4 for ``step``: the formula, the numbers substituted, the
    pre-activation's value, the step's answer (for ``signs``: the sign rules, the
    deciding term, the signs of its factors, the step's sign)."""
    return hint_text(ex, rung, step)
