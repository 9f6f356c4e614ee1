"""What every exercise level shares: the ``Exercise``, the ``Level`` protocol, number formats.

A "trace the memory" exercise is a tiny recurrent network a learner can follow with
pencil and paper: a 1-d state, weights with one decimal, 3 to 5 inputs. A ``Level`` is
one kind of such exercise: it draws a candidate from the seeded rng, writes its prompt,
worked solution and hint ladder, and reads and grades an answer. An ``Exercise`` carries
its level (``Exercise.rules``) and hands every level-specific question to it, so nothing
outside a level's own module asks which level it is. ``tools.levels`` registers the
levels; ``tools.exercises`` is the API the assistant uses.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from tools.grading import Grade

RUNGS = 4  # hint rungs: the rule, the step substituted, the step's middle value, its answer


def fmt(v: float, places: int = 4) -> str:
    s = f"{v:.{places}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def par(v: float, places: int = 4) -> str:
    """A number for a substituted formula: negatives in parentheses."""
    s = fmt(v, places)
    return f"({s})" if s.startswith("-") else s


def one_decimal(rng: np.random.Generator, lo: float, hi: float, nonzero: bool = True) -> float:
    """A number with one decimal in [lo, hi], drawn uniformly (not 0 when ``nonzero``)."""
    while True:
        v = round(float(rng.integers(round(lo * 10), round(hi * 10) + 1)) / 10, 1)
        if v != 0 or not nonzero:
            return v


def number_texts(answers: list[float]) -> list[str]:
    """Each answer at 2, 3 and 4 decimals: none of these may appear before an attempt."""
    return [fmt(v, p) for v in answers for p in (2, 3, 4)]


class Level(Protocol):
    """One kind of exercise. Adding a level is one module with a class like this and one
    line in ``tools.levels.LEVELS``."""

    @property
    def name(self) -> str: ...  # the id's middle part: ex-<name>-<seed>

    @property
    def cell(self) -> Literal["rnn", "lstm"]: ...  # which formula the learner traces

    @property
    def tolerance(self) -> float: ...  # how far a step may be off and still be right

    @property
    def answer_kind(self) -> Literal["numbers", "signs"]: ...  # what the learner writes

    def draw(self, rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
        """A candidate, or None when this one would not teach (then the next is drawn)."""

    def answers(self, ex: Exercise) -> list[float]:
        """The value to give at each step."""

    def public(self, ex: Exercise) -> dict[str, Any]:
        """The level's own fields of the public JSON (weights, gates, a table)."""

    def answer_texts(self, ex: Exercise) -> list[str]:
        """The answers written as a learner or a number would; none may be in the prompt."""

    def prompt(self, ex: Exercise) -> str:
        """The task as the learner sees it (no answers)."""

    def solution(self, ex: Exercise) -> str:
        """The worked solution, every step."""

    def hint(self, ex: Exercise, rung: int, t: int) -> str:
        """Rung 1..``RUNGS`` of the hint ladder for step ``t`` (both already checked)."""

    def parse(self, answer: Any, steps: int) -> tuple[list[float | None], str | None]:
        """The values for steps 1..``steps`` (None where missing) and any gate named."""

    def grade(self, ex: Exercise, answer: Any) -> Grade:
        """Check every step and explain the first mistake."""


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``answers`` are private until ``public_dict(reveal=True)``."""

    id: str
    seed: int
    xs: list[float]
    rules: Level = field(repr=False, compare=False)  # the level that drew it
    w_x: float = 0.0  # W_xh (rnn cells)
    w_h: float = 0.0  # W_hh
    b: float = 0.0
    h0: float = 0.0
    c0: float = 0.0  # lstm cell
    gates: list[dict[str, float]] = field(default_factory=list)  # lstm: i, f, g per step
    gate_step: int = 0  # lstm: the step the gate question is about
    gate_answer: str = ""  # "forget" or "input"
    tanh_table: list[tuple[float, float]] = field(default_factory=list)

    @property
    def level(self) -> str:
        return self.rules.name

    @property
    def cell(self) -> str:
        return self.rules.cell

    @property
    def tolerance(self) -> float:
        return self.rules.tolerance

    @property
    def symbol(self) -> str:
        return "c" if self.cell == "lstm" else "h"

    @property
    def steps(self) -> int:
        return len(self.xs)

    def pre(self, t: int, h_prev: float) -> float:
        """Pre-activation a_t = W_xh x_t + W_hh h_(t-1) + b (t is 1-based)."""
        return self.w_x * self.xs[t - 1] + self.w_h * h_prev + self.b

    def run(self) -> tuple[list[float], list[float]]:
        """The exact states and, for the rnn cell, the pre-activations a_t."""
        if self.cell == "lstm":
            cs, c = [], self.c0
            for g in self.gates:
                c = g["f"] * c + g["i"] * g["g"]
                cs.append(c)
            return cs, []
        hs, pres, h = [], [], self.h0
        for t in range(1, self.steps + 1):
            a = self.pre(t, h)
            h = math.tanh(a)
            pres.append(a)
            hs.append(h)
        return hs, pres

    @property
    def answers(self) -> list[float]:
        """The values to give (for ``signs`` only the states' signs: +1.0, -1.0 or 0.0)."""
        return self.rules.answers(self)

    def previous(self, t: int) -> float:
        """The correct (exact) state before step t (h_(t-1) or c_(t-1))."""
        start = self.c0 if self.cell == "lstm" else self.h0
        return start if t == 1 else self.run()[0][t - 2]

    def prompt_markdown(self) -> str:
        return self.rules.prompt(self)

    def solution_markdown(self) -> str:
        """The worked solution, every step to 4 decimals."""
        return self.rules.solution(self)

    def public_dict(self, reveal: bool = False) -> dict[str, Any]:
        """What a client may see; answers and solution only when ``reveal``."""
        out: dict[str, Any] = {
            "id": self.id,
            "level": self.level,
            "cell": self.cell,
            "prompt": self.prompt_markdown(),
            "inputs": self.xs,
            "asks": [f"{self.symbol}_{t}" for t in range(1, self.steps + 1)],
            "tolerance": self.tolerance,
        }
        out |= self.rules.public(self)
        if reveal:
            out["answers"] = [round(v, 4) for v in self.answers]
            out["solution"] = self.solution_markdown()
            if self.gate_answer:
                out["gate_answer"] = self.gate_answer
        return out


def leaks(ex: Exercise) -> bool:
    """True when some answer can be read off the public JSON (``Level.answer_texts``)."""
    text = json.dumps(ex.public_dict(), ensure_ascii=False)
    return any(s in text for s in ex.rules.answer_texts(ex))


def rnn_weights(ex: Exercise) -> dict[str, Any]:
    """The public fields of a one-unit RNN exercise: its weights and h_0."""
    return {"weights": {"W_xh": ex.w_x, "W_hh": ex.w_h, "b": ex.b}, "h0": ex.h0}
