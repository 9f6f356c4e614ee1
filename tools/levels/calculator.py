"""The ``calculator`` level: a one-unit RNN with any values, tanh from a calculator.

Pre-activations may reach 2 (beyond any small table) and answers count within ±0.005,
so the learner keeps 4 decimals. The draw, words and grading are ``tools.levels.rnn``.
"""

from __future__ import annotations

from tools.levels.rnn import RnnLevel

CALCULATOR = RnnLevel(name="calculator", tolerance=0.005, limit=2.0)
