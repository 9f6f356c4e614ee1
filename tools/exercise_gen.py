"""Hand-traceable "trace the memory" exercises: the ``Exercise`` and how one is drawn.

An exercise is a tiny recurrent network a learner can follow with pencil and paper:
a 1-d hidden state, weights with one decimal, 3 to 5 inputs. Four levels:
``tanh_table`` (pre-activations stay within a small tanh table printed in the prompt),
``calculator`` (any values; a calculator's tanh), ``lstm_gates`` (gate values are
given; the learner updates the cell state c_t = f_t·c_(t-1) + i_t·g_t and names the gate
that let the memory through or let new information in), and ``signs`` (no arithmetic:
only the sign of each h_t, see ``tools.exercise_signs``). Everything is drawn from
``np.random.default_rng(seed)``, so the id ``ex-<level>-<seed>`` rebuilds the same
exercise after a restart (new levels go at the end of ``LEVELS``: its index seeds the
rng). Candidates are redrawn until the answers cannot be read off the public part (no
answer, at 2, 3 or 4 decimals, nor a signs answer's sign sequence, appears anywhere in it).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LEVELS = ("tanh_table", "calculator", "lstm_gates", "signs")
TOLERANCE = {"tanh_table": 0.01, "calculator": 0.005, "lstm_gates": 0.005, "signs": 0.0}
GATE_WORDS = {"forget": "the forget gate f", "input": "the input gate i"}


def fmt(v: float, places: int = 4) -> str:
    s = f"{v:.{places}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def par(v: float, places: int = 4) -> str:
    """A number for a substituted formula: negatives in parentheses."""
    s = fmt(v, places)
    return f"({s})" if s.startswith("-") else s


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``answers`` are private until ``public_dict(reveal=True)``."""

    id: str
    level: str
    seed: int
    xs: list[float]
    w_x: float = 0.0  # W_xh (rnn levels)
    w_h: float = 0.0  # W_hh
    b: float = 0.0
    h0: float = 0.0
    c0: float = 0.0  # lstm_gates
    gates: list[dict[str, float]] = field(default_factory=list)  # lstm_gates: i, f, g per step
    gate_step: int = 0  # lstm_gates: the step the gate question is about
    gate_answer: str = ""  # "forget" or "input"
    tanh_table: list[tuple[float, float]] = field(default_factory=list)

    @property
    def cell(self) -> str:
        return "lstm" if self.level == "lstm_gates" else "rnn"

    @property
    def tolerance(self) -> float:
        return TOLERANCE[self.level]

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
        """The exact answers and, for the rnn levels, the pre-activations a_t."""
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
        """The states to give; for ``signs`` only their signs (+1.0, -1.0 or 0.0)."""
        states = self.run()[0]
        if self.level == "signs":
            return [float((v > 0) - (v < 0)) for v in states]
        return states

    def previous(self, t: int) -> float:
        """The correct (exact) state before step t (h_(t-1) or c_(t-1))."""
        start = self.c0 if self.cell == "lstm" else self.h0
        return start if t == 1 else self.run()[0][t - 2]

    def prompt_markdown(self) -> str:
        from tools.exercise_text import prompt_markdown

        return prompt_markdown(self)

    def solution_markdown(self) -> str:
        """The worked solution, every step to 4 decimals."""
        from tools.exercise_text import solution_markdown

        return solution_markdown(self)

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
        if self.cell == "rnn":
            out |= {"weights": {"W_xh": self.w_x, "W_hh": self.w_h, "b": self.b}, "h0": self.h0}
            if self.level != "signs":
                out["tanh_table"] = [list(r) for r in self.tanh_table] or None
        else:
            out |= {"c0": self.c0, "gates": self.gates, "gate_question_step": self.gate_step}
        if reveal:
            out["answers"] = [round(v, 4) for v in self.answers]
            out["solution"] = self.solution_markdown()
            if self.gate_answer:
                out["gate_answer"] = self.gate_answer
        return out


def leaks(ex: Exercise) -> bool:
    """True when some answer, at 2, 3 or 4 decimals, appears in the public JSON (for
    ``signs`` also the sequence of signs, written as a learner would)."""
    text = json.dumps(ex.public_dict(), ensure_ascii=False)
    if any(fmt(v, p) in text for v in ex.answers for p in (2, 3, 4)):
        return True
    if ex.level == "signs":
        from tools.exercise_signs import sign_sequences

        return any(seq in text for seq in sign_sequences(ex))
    return False


def _one_decimal(rng: np.random.Generator, lo: float, hi: float, nonzero: bool = True) -> float:
    while True:
        v = round(float(rng.integers(round(lo * 10), round(hi * 10) + 1)) / 10, 1)
        if v != 0 or not nonzero:
            return v


def _draw_rnn(rng: np.random.Generator, level: str, ex_id: str, seed: int) -> Exercise | None:
    T = int(rng.integers(3, 6))
    ex = Exercise(
        id=ex_id,
        level=level,
        seed=seed,
        xs=[_one_decimal(rng, -1.0, 1.0) for _ in range(T)],
        w_x=_one_decimal(rng, -1.0, 1.0),
        w_h=_one_decimal(rng, 0.3, 0.9),
        b=_one_decimal(rng, -0.3, 0.3, nonzero=False),
    )
    hs, pres = ex.run()
    limit = 1.2 if level == "tanh_table" else 2.0
    if not all(0.1 <= abs(a) <= limit for a in pres):
        return None  # too flat (all near zero) or beyond the table
    tol = ex.tolerance
    if min(abs(x - y) for i, x in enumerate(hs) for y in hs[i + 1 :]) < 4 * tol:
        return None  # keep answers distinguishable
    for t in range(2, T + 1):  # the classic mistakes must give visibly different numbers
        if abs(math.tanh(ex.w_x * ex.xs[t - 1] + ex.b) - hs[t - 1]) < 4 * tol:
            return None
    if level == "tanh_table":
        top = math.ceil(max(abs(a) for a in pres) * 10) / 10 + 0.1
        rows = [(round(z, 1), round(math.tanh(z), 3)) for z in np.arange(0.0, top + 1e-9, 0.1)]
        ex = Exercise(**{**ex.__dict__, "tanh_table": rows})
    return ex


def _draw_lstm(rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
    T = int(rng.integers(3, 5))
    keep, write = (int(v) + 1 for v in rng.choice(T, size=2, replace=False))
    gates = []
    for t in range(1, T + 1):
        if t == keep:  # forget gate open, input gate nearly shut: the memory passes through
            g = {"i": _one_decimal(rng, 0.0, 0.1, False), "f": _one_decimal(rng, 0.9, 1.0)}
        elif t == write:  # old memory mostly dropped, new information written
            g = {"i": _one_decimal(rng, 0.8, 1.0), "f": _one_decimal(rng, 0.0, 0.2, False)}
        else:
            g = {"i": _one_decimal(rng, 0.2, 0.8), "f": _one_decimal(rng, 0.2, 0.8)}
        g["g"] = _one_decimal(rng, -1.0, 1.0)
        gates.append({"i": g["i"], "f": g["f"], "g": g["g"]})
    ask_keep = bool(rng.integers(0, 2))
    ex = Exercise(
        id=ex_id,
        level="lstm_gates",
        seed=seed,
        xs=[_one_decimal(rng, -1.0, 1.0) for _ in range(T)],
        c0=_one_decimal(rng, 0.5, 1.0),
        gates=gates,
        gate_step=keep if ask_keep else write,
        gate_answer="forget" if ask_keep else "input",
    )
    cs = ex.answers
    if min(abs(x - y) for i, x in enumerate(cs) for y in cs[i + 1 :]) < 4 * ex.tolerance:
        return None
    return ex


def draw(level: str, seed: int) -> Exercise:
    """The exercise for (level, seed): the first non-leaking candidate from the seeded rng."""
    rng = np.random.default_rng([seed, LEVELS.index(level)])
    ex_id = f"ex-{level}-{seed}"
    from tools.exercise_signs import draw_signs

    for _ in range(10_000):
        if level == "lstm_gates":
            ex = _draw_lstm(rng, ex_id, seed)
        elif level == "signs":
            ex = draw_signs(rng, ex_id, seed)
        else:
            ex = _draw_rnn(rng, level, ex_id, seed)
        if ex is not None and not leaks(ex):
            return ex
    raise RuntimeError(f"no exercise found for {ex_id}")  # not reached in practice
