"""The ``lstm_gates`` level: update an LSTM's cell state by hand and name the gate that acted.

The gate values are given; the learner computes c_t = f_t·c_(t-1) + i_t·g_t for every
step (within ±0.005) and says, for one step, which gate let the old memory through
(forget gate near 1, input gate nearly shut) or let the new information in (input gate
near 1, forget gate near 0): the draw plants one step of each. Hints climb: 1 the
update rule, 2 the step substituted, 3 its kept and new parts, 4 the step's answer. The
classic mistakes are dropping f·c_(t-1) or i·g and swapping the gates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tools.grading import Grade
from tools.levels import numbers
from tools.levels.base import Exercise, fmt, number_texts, one_decimal, par

EXPLAIN = numbers.EXPLAIN | {
    "forgot_old_memory": "you dropped f_{t}·c_{p}: the forget gate scales the old memory, it does not erase it",
    "forgot_new_input": "you left out the new information i_{t}·g_{t}",
    "swapped_gates": "you swapped the gates: f multiplies the old memory c_{p}, i multiplies the candidate g",
}


def _substituted(ex: Exercise, t: int) -> str:
    g = ex.gates[t - 1]
    return (
        f"c_{t} = f_{t}·c_{t - 1} + i_{t}·g_{t} = {par(g['f'], 1)}·{par(ex.previous(t))} + "
        f"{par(g['i'], 1)}·{par(g['g'], 1)}"
    )


def mistakes(ex: Exercise, t: int) -> dict[str, float]:
    """What each classic slip gives at step t (in the order they are tried)."""
    g, c_prev = ex.gates[t - 1], ex.previous(t)
    return {
        "forgot_old_memory": g["i"] * g["g"],
        "forgot_new_input": g["f"] * c_prev,
        "swapped_gates": g["i"] * c_prev + g["f"] * g["g"],
        "sign": -ex.answers[t - 1],
    }


def follows(ex: Exercise, t: int, prev: float, given: float) -> bool:
    """Does the learner's c_t follow correctly from their own c_(t-1)?"""
    g = ex.gates[t - 1]
    return abs(g["f"] * prev + g["i"] * g["g"] - given) <= ex.tolerance


def gate_part(
    ex: Exercise, gate: str | None, credit: float
) -> tuple[bool | None, float, list[str]]:
    """Part (b), the gate: whether it was right (None: not named), the score, its line."""
    if gate is None:
        return (
            None,
            credit / ex.steps,
            [f"Part (b) is still open: which gate acted at step {ex.gate_step}?"],
        )
    right = gate == ex.gate_answer
    verdict = "right." if right else f"not the {gate} gate; look at which gate is near 1."
    return right, (credit + right) / (ex.steps + 1), [f"Gate at step {ex.gate_step}: {verdict}"]


@dataclass(frozen=True)
class LstmGatesLevel:
    """The LSTM cell-state update and its gate question; see the module docstring."""

    name: str = "lstm_gates"
    tolerance: float = 0.005
    cell: Literal["rnn", "lstm"] = "lstm"
    answer_kind: Literal["numbers", "signs"] = "numbers"

    def draw(self, rng: np.random.Generator, ex_id: str, seed: int) -> Exercise | None:
        T = int(rng.integers(3, 5))
        keep, write = (int(v) + 1 for v in rng.choice(T, size=2, replace=False))
        gates = []
        for t in range(1, T + 1):
            if t == keep:  # forget gate open, input gate nearly shut: the memory passes through
                g = {"i": one_decimal(rng, 0.0, 0.1, False), "f": one_decimal(rng, 0.9, 1.0)}
            elif t == write:  # old memory mostly dropped, new information written
                g = {"i": one_decimal(rng, 0.8, 1.0), "f": one_decimal(rng, 0.0, 0.2, False)}
            else:
                g = {"i": one_decimal(rng, 0.2, 0.8), "f": one_decimal(rng, 0.2, 0.8)}
            g["g"] = one_decimal(rng, -1.0, 1.0)
            gates.append({"i": g["i"], "f": g["f"], "g": g["g"]})
        ask_keep = bool(rng.integers(0, 2))
        ex = Exercise(
            id=ex_id,
            seed=seed,
            rules=self,
            xs=[one_decimal(rng, -1.0, 1.0) for _ in range(T)],
            c0=one_decimal(rng, 0.5, 1.0),
            gates=gates,
            gate_step=keep if ask_keep else write,
            gate_answer="forget" if ask_keep else "input",
        )
        cs = ex.answers
        if min(abs(x - y) for i, x in enumerate(cs) for y in cs[i + 1 :]) < 4 * self.tolerance:
            return None
        return ex

    def answers(self, ex: Exercise) -> list[float]:
        return ex.run()[0]

    def public(self, ex: Exercise) -> dict[str, Any]:
        return {"c0": ex.c0, "gates": ex.gates, "gate_question_step": ex.gate_step}

    def answer_texts(self, ex: Exercise) -> list[str]:
        return number_texts(ex.answers)

    def prompt(self, ex: Exercise) -> str:
        asks = ", ".join(f"c_{t}" for t in range(1, ex.steps + 1))
        rows = ["| t | input gate i_t | forget gate f_t | candidate g_t |", "|---|---|---|---|"]
        rows += [
            f"| {t} | {g['i']:.1f} | {g['f']:.1f} | {g['g']:.1f} |"
            for t, g in enumerate(ex.gates, 1)
        ]
        question = (
            "let the old memory through almost unchanged?"
            if ex.gate_answer == "forget"
            else "let the new information in?"
        )
        return (
            "**Trace the memory of an LSTM cell.** Its cell state starts at "
            f"c_0 = {ex.c0:.1f}. At each step the gates have already been computed from the "
            "input; they are:\n\n" + "\n".join(rows) + "\n\n"
            "(a) Using c_t = f_t·c_(t-1) + i_t·g_t, compute " + asks + ".\n"
            f"(b) At step {ex.gate_step}, which gate {question}"
            f"\n\nAnswer like `c1=..., c2=..., ...; forget gate` (each c_t within ±{self.tolerance:g})."
        )

    def solution(self, ex: Exercise) -> str:
        lines = ["**Worked solution** (4 decimals):", ""]
        for t, c in enumerate(ex.answers, 1):
            lines.append(f"- Step {t}: {_substituted(ex, t)} = **{fmt(c)}**")
        who = "forget gate f" if ex.gate_answer == "forget" else "input gate i"
        g = ex.gates[ex.gate_step - 1]
        why = (
            "a forget gate near 1 keeps c_(t-1) while a shut input gate adds almost nothing."
            if ex.gate_answer == "forget"
            else "an input gate near 1 writes g_t in while a forget gate near 0 drops the old memory."
        )
        lines += [
            "",
            f"At step {ex.gate_step} it is the **{who}** (f = {g['f']:.1f}, i = {g['i']:.1f}): "
            + why,
        ]
        answers = ", ".join(f"c_{t} = {fmt(v)}" for t, v in enumerate(ex.answers, 1))
        return "\n".join([*lines, "", f"Answers: {answers}."])

    def hint(self, ex: Exercise, rung: int, t: int) -> str:
        g = ex.gates[t - 1]
        keep, write = g["f"] * ex.previous(t), g["i"] * g["g"]
        return [
            "The cell state is updated as c_t = f_t·c_(t-1) + i_t·g_t: the forget gate scales "
            "the old memory, the input gate scales the new candidate, and the two are added.",
            f"For step {t}: {_substituted(ex, t)}.",
            f"For step {t}: the kept memory is f_{t}·c_{t - 1} = {fmt(keep)} and the new part is "
            f"i_{t}·g_{t} = {fmt(write)}; add them.",
            f"c_{t} = {fmt(keep)} + {par(write)} = {fmt(ex.answers[t - 1])}.",
        ][rung - 1]

    def parse(self, answer: Any, steps: int) -> tuple[list[float | None], str | None]:
        return numbers.parse_numbers(answer, steps)

    def grade(self, ex: Exercise, answer: Any) -> Grade:
        return numbers.grade_numbers(
            ex, answer, mistakes=mistakes, explain=EXPLAIN, follows=follows, part_b=gate_part
        )


LSTM_GATES = LstmGatesLevel()
