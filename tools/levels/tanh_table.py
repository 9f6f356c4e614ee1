"""The ``tanh_table`` level: a one-unit RNN traced by hand, with a tanh table in the prompt.

Every pre-activation stays within 1.2, so a table of tanh from 0 up to just past the
largest |a_t| in steps of 0.1 (read with linear interpolation and tanh(−z) = −tanh(z))
is all the learner needs; answers count within ±0.01. The rest is ``tools.levels.rnn``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tools.levels.base import Exercise
from tools.levels.rnn import RnnLevel


class TanhTableLevel(RnnLevel):
    """A numeric RNN level whose prompt carries the tanh table it needs."""

    def finish(self, ex: Exercise) -> Exercise:
        top = math.ceil(max(abs(a) for a in ex.run()[1]) * 10) / 10 + 0.1
        rows = [(round(z, 1), round(math.tanh(z), 3)) for z in np.arange(0.0, top + 1e-9, 0.1)]
        return replace(ex, tanh_table=rows)

    def tanh_note(self, ex: Exercise) -> str:
        rows = ["| z | tanh(z) |", "|---|---|"] + [
            f"| {z:.1f} | {v:.3f} |" for z, v in ex.tanh_table
        ]
        return (
            "No calculator needed: use this table, interpolating linearly between rows, "
            "and tanh(−z) = −tanh(z).\n\n" + "\n".join(rows)
        )


TANH_TABLE = TanhTableLevel(name="tanh_table", tolerance=0.01, limit=1.2)
