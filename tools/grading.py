"""Grade a learner's answer to an exercise: per-step checks, a diagnosis, partial credit.

Answers arrive as text ("0.46, 0.35, 0.28", "h1=0.46 h2=0.35", "c1=0.9; forget gate")
or as a list of numbers. Each step is right when it is within the exercise's stated
tolerance. At the first wrong step we recompute the classic mistakes (forgetting to
carry h_(t-1), swapping W_xh and W_hh, forgetting tanh or the bias, carrying the
pre-activation instead of h; for the LSTM dropping f·c_(t-1) or i·g) and name the one
that reproduces the learner's number. Later steps that follow correctly from the
learner's own earlier value earn half credit: the method was right. The ``signs`` level
reads and grades signs instead of numbers (``tools.grading_signs``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import InvalidInput
from tools.exercise_gen import Exercise, fmt

_LABELLED = re.compile(r"\b([hc])\s*_?\s*\{?\s*(\d+)\s*\}?\s*[=:]\s*([-+]?\d*\.?\d+)", re.I)
_NUMBER = re.compile(r"[-+]?\d*\.\d+|[-+]?\d+")
_NOISE = re.compile(r"\bstep\s*\d+|\bt\s*=\s*\d+|\b[hc]\s*_?\s*\{?\s*\d+\s*\}?", re.I)
_GATE = re.compile(r"\b(forget|input|output)\b", re.I)


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


def list_of_numbers(answer: list | tuple) -> list[float]:
    """An answer given as a list: every item a finite number."""
    for i, v in enumerate(answer):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidInput(f"answer item {i + 1} must be a finite number, got {v!r:.30}")
    return [float(v) for v in answer]


def parse_answer(
    answer: Any, steps: int, level: str | None = None
) -> tuple[list[float | None], str | None]:
    """The numbers for steps 1..T (None where missing) and any gate the learner named.

    For ``level="signs"`` the values are the signs the learner wrote (+1.0, -1.0, 0.0).
    """
    if level == "signs":
        from tools.grading_signs import parse_signs

        return parse_signs(answer, steps), None
    if isinstance(answer, list | tuple):
        values, gate = list_of_numbers(answer), None
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


def _rnn_mistakes(ex: Exercise, t: int) -> dict[str, float]:
    hs, pres = ex.run()
    x, h_prev = ex.xs[t - 1], ex.previous(t)
    out = {
        "forgot_tanh": pres[t - 1],
        "swapped_weights": math.tanh(ex.w_h * x + ex.w_x * h_prev + ex.b),
        "sign": -hs[t - 1],
    }
    if t > 1:
        out["forgot_carry"] = math.tanh(ex.w_x * x + ex.b)
        out["carried_pre"] = math.tanh(ex.w_x * x + ex.w_h * pres[t - 2] + ex.b)
    if ex.b != 0:
        out["forgot_bias"] = math.tanh(ex.w_x * x + ex.w_h * h_prev)
    return out


def _lstm_mistakes(ex: Exercise, t: int) -> dict[str, float]:
    g, c_prev = ex.gates[t - 1], ex.previous(t)
    return {
        "forgot_old_memory": g["i"] * g["g"],
        "forgot_new_input": g["f"] * c_prev,
        "swapped_gates": g["i"] * c_prev + g["f"] * g["g"],
        "sign": -ex.answers[t - 1],
    }


EXPLAIN = {
    "forgot_carry": "you left out W_hh·h_{p}: the memory from step {p} has to be carried into step {t}",
    "carried_pre": "you carried a_{p} (before tanh) into step {t}; carry h_{p} = tanh(a_{p}) instead",
    "swapped_weights": "you swapped the weights: W_xh multiplies the input x_{t}, W_hh multiplies the memory h_{p}",
    "forgot_tanh": "that is the pre-activation a_{t}; apply tanh to it to get h_{t}",
    "forgot_bias": "you left out the bias b",
    "sign": "the size is right but the sign is flipped; check the signs of the products",
    "forgot_old_memory": "you dropped f_{t}·c_{p}: the forget gate scales the old memory, it does not erase it",
    "forgot_new_input": "you left out the new information i_{t}·g_{t}",
    "swapped_gates": "you swapped the gates: f multiplies the old memory c_{p}, i multiplies the candidate g",
    "rounding": "very close: keep 4 decimals in the values you carry forward",
    "follow_on": "",
}


def _diagnose(ex: Exercise, t: int, given: float) -> str | None:
    tol = ex.tolerance
    mistakes = _lstm_mistakes(ex, t) if ex.cell == "lstm" else _rnn_mistakes(ex, t)
    for code, value in mistakes.items():
        if abs(given - value) <= tol:
            return code
    if abs(given - ex.answers[t - 1]) <= 3 * tol:
        return "rounding"
    return None


def _follows(ex: Exercise, t: int, prev: float | None, given: float | None) -> bool:
    """Does the learner's step t follow correctly from their own value at step t-1?"""
    if prev is None or given is None:
        return False
    if ex.cell == "lstm":
        g = ex.gates[t - 1]
        return abs(g["f"] * prev + g["i"] * g["g"] - given) <= ex.tolerance
    return abs(math.tanh(ex.w_x * ex.xs[t - 1] + ex.w_h * prev + ex.b) - given) <= ex.tolerance


def mark_steps(
    ex: Exercise,
    correct: list[bool],
    given: list[Any],
    follows: Callable[[Exercise, int, Any, Any], bool],
) -> tuple[int | None, list[int]]:
    """The first wrong step (1-based; None when all are right) and the later wrong steps
    that ``follows`` from the learner's own previous value: the method was right, so
    they earn half credit."""
    first_wrong = next((t for t, ok in enumerate(correct, 1) if not ok), None)
    if first_wrong is None:
        return None, []
    follow_on = [
        t
        for t in range(first_wrong + 1, ex.steps + 1)
        if not correct[t - 1] and follows(ex, t, given[t - 2], given[t - 1])
    ]
    return first_wrong, follow_on


def grade_answer(ex: Exercise, answer: Any) -> Grade:
    """Check every step within ``ex.tolerance`` and explain the first mistake."""
    if ex.level == "signs":
        from tools.grading_signs import grade_signs

        return grade_signs(ex, answer)
    given, gate = parse_answer(answer, ex.steps)
    expected, tol, sym = ex.answers, ex.tolerance, ex.symbol
    correct = [g is not None and abs(g - e) <= tol for g, e in zip(given, expected, strict=True)]
    first_wrong, follow_on = mark_steps(ex, correct, given, _follows)
    credit = sum(correct) + 0.5 * len(follow_on)
    gate_correct = None if ex.cell != "lstm" or gate is None else gate == ex.gate_answer
    parts = credit / ex.steps
    score = parts if gate_correct is None else (credit + gate_correct) / (ex.steps + 1)
    diagnosis = None
    lines = [f"Each {sym}_t counts as right within ±{tol:g}."]
    ticks = ", ".join(f"{sym}_{t} {'✓' if ok else '✗'}" for t, ok in enumerate(correct, 1))
    lines.append(f"Your steps: {ticks}.")
    if first_wrong is None:
        lines.append("All steps are right.")
    else:
        t, g = first_wrong, given[first_wrong - 1]
        if g is None:
            lines.append(f"Step {t} is missing: give a value for {sym}_{t}.")
        else:
            diagnosis = _diagnose(ex, t, g)
            why = EXPLAIN.get(diagnosis or "", "").format(t=t, p=t - 1)
            lines.append(
                f"The first wrong step is step {t} ({sym}_{t} = {fmt(g)}){': ' + why if why else ''}."
            )
            if diagnosis is None:
                lines.append(f"Redo step {t} carefully, or ask for a hint for step {t}.")
        if follow_on:
            steps = ", ".join(str(s) for s in follow_on)
            which = f"Steps {steps} follow" if len(follow_on) > 1 else f"Step {steps} follows"
            lines.append(
                f"{which} correctly from your own earlier value, so "
                f"{'they earn' if len(follow_on) > 1 else 'it earns'} half credit."
            )
    if gate_correct is not None:
        lines.append(
            f"Gate at step {ex.gate_step}: "
            + ("right." if gate_correct else f"not the {gate} gate; look at which gate is near 1.")
        )
    elif ex.cell == "lstm":
        lines.append(f"Part (b) is still open: which gate acted at step {ex.gate_step}?")
    lines.append(f"Score: {score:.0%}.")
    return Grade(
        exercise_id=ex.id,
        correct=correct,
        score=round(score, 4),
        first_wrong=first_wrong,
        diagnosis=diagnosis,
        feedback="\n".join(lines),
        tolerance=tol,
        given=given,
        expected=[round(v, 4) for v in expected],
        gate_correct=gate_correct,
    )
