"""Exercises: reproducible, no leaks before an attempt, grading with diagnosis, hint ladder."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from core.errors import InvalidInput
from tools.exercises import (
    LEVELS,
    exercise_from_id,
    grade_answer,
    hint,
    new_exercise,
)


def _formats(v: float) -> list[str]:
    return [f"{v:.{p}f}" for p in (2, 3, 4)]


@pytest.mark.parametrize("level", LEVELS)
def test_public_dict_never_contains_the_answers(level):
    for seed in range(60):
        ex = new_exercise(seed, level)
        text = json.dumps(ex.public_dict(), ensure_ascii=False)
        assert "answers" not in text and "solution" not in text and "gate_answer" not in text
        for v in ex.answers:
            for s in _formats(v):
                assert s not in text, (ex.id, s)
        revealed = ex.public_dict(reveal=True)
        assert revealed["answers"] == [round(v, 4) for v in ex.answers]
        assert f"{ex.run()[0][-1]:.4f}" in revealed["solution"]  # the exact last state


@pytest.mark.parametrize("level", LEVELS)
def test_exercises_are_hand_traceable_and_rebuilt_from_their_id(level):
    for seed in (0, 1, 2, 12345):
        ex = new_exercise(seed, level)
        assert ex.id == f"ex-{level}-{seed}"
        assert exercise_from_id(ex.id) == ex  # survives a restart
        assert 3 <= ex.steps <= 5
        one_decimal = [*ex.xs, ex.w_x, ex.w_h, ex.b, ex.c0]
        one_decimal += [v for g in ex.gates for v in g.values()]
        assert all(round(v, 1) == v for v in one_decimal)
    assert new_exercise(1, level) != new_exercise(2, level)


def test_tanh_table_covers_every_pre_activation():
    for seed in range(30):
        ex = new_exercise(seed, "tanh_table")
        _, pres = ex.run()
        top = max(z for z, _ in ex.tanh_table)
        assert all(abs(a) <= top for a in pres) and len(ex.tanh_table) <= 15
        assert all(v == round(math.tanh(z), 3) for z, v in ex.tanh_table)
        assert "| z | tanh(z) |" in ex.prompt_markdown()


def test_grading_accepts_text_and_lists():
    ex = new_exercise(7, "calculator")
    right = [round(v, 3) for v in ex.answers]
    texts = [
        ", ".join(f"{v:.3f}" for v in right),
        " ".join(f"h{t}={v:.3f}" for t, v in enumerate(right, 1)),
        "; ".join(f"h_{t} = {v:.3f}" for t, v in enumerate(right, 1)),
        right,
    ]
    for answer in texts:
        grade = grade_answer(ex, answer)
        assert grade.all_correct and grade.score == 1.0 and grade.first_wrong is None, answer
    assert "±0.005" in grade.feedback


def test_tolerance_is_respected():
    ex = new_exercise(3, "calculator")
    inside = [v + 0.0049 for v in ex.answers]
    outside = [*ex.answers[:-1], ex.answers[-1] + 0.0051]
    assert grade_answer(ex, inside).all_correct
    grade = grade_answer(ex, outside)
    assert grade.first_wrong == ex.steps and grade.correct[:-1] == [True] * (ex.steps - 1)


def _with_step_wrong(ex, t, value):
    # the learner's later steps follow from their wrong value (consistent method)
    given, h = list(ex.answers[: t - 1]), value
    given.append(value)
    for k in range(t + 1, ex.steps + 1):
        h = math.tanh(ex.w_x * ex.xs[k - 1] + ex.w_h * h + ex.b)
        given.append(h)
    return given


def _mistakes_at_step_2(ex):
    hs, pres = ex.run()
    x2, h1 = ex.xs[1], hs[0]
    return {
        "forgot_carry": math.tanh(ex.w_x * x2 + ex.b),
        "swapped_weights": math.tanh(ex.w_h * x2 + ex.w_x * h1 + ex.b),
        "forgot_tanh": pres[1],
        "carried_pre": math.tanh(ex.w_x * x2 + ex.w_h * pres[0] + ex.b),
    }


def test_diagnoses_the_classic_mistakes():
    tested = set()
    for seed in range(40):
        ex = new_exercise(seed, "calculator")
        mistakes, right = _mistakes_at_step_2(ex), ex.answers[1]
        for code, value in mistakes.items():
            others = [v for c, v in mistakes.items() if c != code] + [right, -right]
            if any(abs(value - v) <= 3 * ex.tolerance for v in others):
                continue  # ambiguous for this exercise
            grade = grade_answer(ex, _with_step_wrong(ex, 2, value))
            assert grade.first_wrong == 2 and grade.diagnosis == code, (ex.id, code)
            # steps 3.. follow from the learner's own h_2: right, or else half credit each
            n_right = sum(grade.correct)
            half = ex.steps - n_right - 1
            assert grade.score == pytest.approx((n_right + 0.5 * half) / ex.steps, abs=1e-4)
            tested.add(code)
    assert tested == {"forgot_carry", "swapped_weights", "forgot_tanh", "carried_pre"}
    ex = new_exercise(11, "calculator")
    grade = grade_answer(ex, _with_step_wrong(ex, 2, _mistakes_at_step_2(ex)["forgot_carry"]))
    assert "W_hh·h_1" in grade.feedback and "carried into step 2" in grade.feedback
    assert "half credit" in grade.feedback


def test_forgetting_tanh_everywhere_is_named_at_step_1():
    ex = new_exercise(5, "calculator")
    grade = grade_answer(ex, ex.run()[1])  # all pre-activations
    assert grade.first_wrong == 1 and grade.diagnosis == "forgot_tanh"
    assert "apply tanh" in grade.feedback


def test_partial_and_missing_answers():
    ex = new_exercise(2, "calculator")
    grade = grade_answer(ex, f"{ex.answers[0]:.4f}")
    assert grade.correct == [True] + [False] * (ex.steps - 1)
    assert grade.score == pytest.approx(1 / ex.steps) and "missing" in grade.feedback


def test_lstm_gates_grading_and_gate_question():
    ex = new_exercise(4, "lstm_gates")
    cs = ", ".join(f"{v:.4f}" for v in ex.answers)
    right = grade_answer(ex, f"{cs}; the {ex.gate_answer} gate")
    assert right.all_correct and right.gate_correct and right.score == 1.0
    other = "input" if ex.gate_answer == "forget" else "forget"
    wrong_gate = grade_answer(ex, f"{cs}; {other} gate")
    assert wrong_gate.gate_correct is False and wrong_gate.score == pytest.approx(
        ex.steps / (ex.steps + 1)
    )
    g = ex.gates[0]
    dropped = [g["i"] * g["g"]]  # forgot f_1 * c_0
    if abs(dropped[0] - ex.answers[0]) > ex.tolerance:
        grade = grade_answer(ex, dropped)
        assert (
            grade.diagnosis == "forgot_old_memory"
            and "forget gate scales the old memory" in grade.feedback
        )


def test_hint_ladder_climbs_to_the_answer():
    ex = new_exercise(9, "calculator")
    hs, pres = ex.run()
    rungs = [hint(ex, r) for r in (1, 2, 3, 4)]
    assert "tanh" in rungs[0] and "W_hh" in rungs[0]
    assert f"{ex.w_x:.1f}" in rungs[1] and f"{ex.xs[0]:.1f}".lstrip("-") in rungs[1]
    assert f"{pres[0]:.4f}" in rungs[2] and f"{hs[0]:.4f}" not in rungs[2]
    assert f"{hs[0]:.4f}" in rungs[3]
    assert f"{hs[1]:.4f}" in hint(ex, 4, step=2)
    assert all(f"{hs[0]:.4f}" not in r for r in rungs[:3])
    lstm = new_exercise(9, "lstm_gates")
    assert f"{lstm.answers[0]:.4f}" in hint(lstm, 4)


def test_solution_is_worked_to_four_decimals():
    ex = new_exercise(8, "calculator")
    text = ex.solution_markdown()
    assert text.count("Step ") == ex.steps
    for v in ex.answers:
        assert f"{v:.4f}" in text
    assert re.search(r"a_1 = .* = -?\d\.\d{4}", text)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: new_exercise(1, "expert"), "'level' must be one of"),
        (lambda: new_exercise(-1), "'seed'"),
        (lambda: exercise_from_id("ex-expert-1"), "not an exercise id"),
        (lambda: exercise_from_id("hello"), "ex-calculator-1234"),
        (lambda: hint(new_exercise(1), 5), "'rung' must be an integer from 1 to 4"),
        (lambda: hint(new_exercise(1), 0), "'rung'"),
        (lambda: hint(new_exercise(1), 1, step=9), "'step'"),
        (lambda: grade_answer(new_exercise(1), "no idea"), "no numbers found"),
        (lambda: grade_answer(new_exercise(1), [0.1] * 9), "has 9 numbers"),
        (lambda: grade_answer(new_exercise(1), [float("nan")]), "finite"),
        (lambda: grade_answer(new_exercise(1), {"h1": 1}), "must be text"),
    ],
)
def test_bad_input_raises_invalid_input(call, words):
    with pytest.raises(InvalidInput) as info:
        call()
    assert words in info.value.message


def test_a_learner_with_only_the_tanh_table_passes():
    """Interpolating in the printed table and carrying 3 decimals is within the tolerance."""
    for seed in range(100):
        ex = new_exercise(seed, "tanh_table")
        zs = [z for z, _ in ex.tanh_table]
        vs = [v for _, v in ex.tanh_table]
        h, answer = 0.0, []
        for t in range(1, ex.steps + 1):
            a = round(ex.pre(t, h), 3)
            h = math.copysign(round(float(np.interp(abs(a), zs, vs)), 3), a)
            answer.append(h)
        assert grade_answer(ex, answer).all_correct, ex.id


def test_follow_on_credit_is_worded_for_one_step_and_for_several():
    seen = set()
    for seed in range(60):
        ex = new_exercise(seed, "calculator")
        grade = grade_answer(ex, _with_step_wrong(ex, 2, _mistakes_at_step_2(ex)["forgot_carry"]))
        follow = ex.steps - sum(grade.correct) - 1  # steps after 2 that are wrong but follow
        if follow == 1:
            assert (
                "follows correctly" in grade.feedback and "it earns half credit" in grade.feedback
            )
            seen.add(1)
        elif follow > 1:
            assert (
                "follow correctly" in grade.feedback and "they earn half credit" in grade.feedback
            )
            seen.add(2)
    assert seen == {1, 2}
