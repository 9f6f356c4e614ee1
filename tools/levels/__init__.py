"""The exercise levels of "trace the memory", by name: ``LEVELS``, ``level(name)``, ``draw``.

Each level is one module (``base.Level`` says what it provides): ``tanh_table`` (a
one-unit RNN by hand, with a tanh table), ``calculator`` (any values; a calculator's
tanh), ``lstm_gates`` (update an LSTM's cell state from given gates and name the gate
that acted) and ``signs`` (no arithmetic: only the sign of each h_t). Adding a level is
one new module and one line below. The order matters: a level's position seeds its rng,
so the id ``ex-<level>-<seed>`` rebuilds the same exercise after a restart; new levels
go at the end.
"""

from __future__ import annotations

import numpy as np

from core.errors import InvalidInput
from tools.levels.base import Exercise, Level, leaks
from tools.levels.calculator import CALCULATOR
from tools.levels.lstm_gates import LSTM_GATES
from tools.levels.signs import SIGNS
from tools.levels.tanh_table import TANH_TABLE

LEVELS: dict[str, Level] = {
    "tanh_table": TANH_TABLE,
    "calculator": CALCULATOR,
    "lstm_gates": LSTM_GATES,
    "signs": SIGNS,
}
NAMES = tuple(LEVELS)


def level(name: str) -> Level:
    """The level called ``name``; an ``InvalidInput`` naming the valid ones otherwise."""
    if name not in LEVELS:
        raise InvalidInput(f"'level' must be one of {', '.join(NAMES)}, got {name!r:.40}")
    return LEVELS[name]


def draw(name: str, seed: int) -> Exercise:
    """The exercise for (level, seed): the first candidate from the seeded rng that
    teaches (``Level.draw``) and does not leak its answers (``base.leaks``)."""
    rules = level(name)
    rng = np.random.default_rng([seed, NAMES.index(name)])
    ex_id = f"ex-{name}-{seed}"
    for _ in range(10_000):
        ex = rules.draw(rng, ex_id, seed)
        if ex is not None and not leaks(ex):
            return ex
    raise RuntimeError(f"no exercise found for {ex_id}")  # not reached in practice
