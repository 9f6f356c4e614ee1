"""The "signs" level: decidable by the sign rules, no leaks, sign parsing, diagnosis, hints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import InvalidInput
from tools.exercises import LEVELS, exercise_from_id, grade_answer, hint, new_exercise, parse_answer
from tools.levels.sign_reading import sign_tokens
from tools.levels.sign_rules import combine, sign_sequences, terms
from tools.trace import forward

CHAR = {1.0: "+", -1.0: "-", 0.0: "0"}
WORD = {1.0: "positive", -1.0: "negative", 0.0: "zero"}


def _symbols(signs) -> str:
    return " ".join(CHAR[s] for s in signs)


def test_signs_is_the_last_level_so_other_levels_keep_their_exercises():
    assert LEVELS == ("tanh_table", "calculator", "lstm_gates", "signs")
    before = {  # seed 7 of each level, drawn before "signs" was added
        "tanh_table": [0.3095, -0.4662, -0.3826],
        "calculator": [-0.3452, -0.5498, 0.2544, 0.3814, 0.5172],
        "lstm_gates": [0.59, 0.81, 0.729],
    }
    for level, answers in before.items():
        assert [round(v, 4) for v in new_exercise(7, level).answers] == answers


def test_same_seed_same_exercise_and_rebuilt_from_its_id():
    for seed in (0, 1, 123, 99_999):
        ex = new_exercise(seed, "signs")
        assert ex == new_exercise(seed, "signs") == exercise_from_id(f"ex-signs-{seed}")
        assert ex.id == f"ex-signs-{seed}" and ex.level == "signs" and ex.tolerance == 0.0
    assert new_exercise(1, "signs") != new_exercise(2, "signs")


def test_every_draw_is_decidable_by_the_sign_rules_and_matches_the_numpy_rnn():
    w_hh_signs = set()
    for seed in range(200):
        ex = new_exercise(seed, "signs")
        assert 4 <= ex.steps <= 5 and ex.b == 0 and ex.h0 == 0
        assert set(ex.xs) <= {-1.0, 0.0, 1.0} and any(ex.xs)
        assert 0.5 <= abs(ex.w_x) <= 1.5 and 0.3 <= abs(ex.w_h) <= 0.9
        assert round(ex.w_x, 1) == ex.w_x and round(ex.w_h, 1) == ex.w_h
        trace = forward("rnn", ex.xs, {"weight_ih": [[ex.w_x]], "weight_hh": [[ex.w_h]]})
        assert ex.answers == [float(v) for v in np.sign(trace.hs[:, 0])], ex.id
        prev, first_input = 0.0, next(t for t, x in enumerate(ex.xs, 1) if x)
        for t, s in enumerate(ex.answers, 1):
            rule = combine(*terms(ex, t, prev))
            assert rule == s, (ex.id, t)  # the sign rules alone settle the step
            assert (s == 0) == (t < first_input)  # 0 only while no input has arrived
            prev = s
        w_hh_signs.add(np.sign(ex.w_h))
    assert w_hh_signs == {1.0, -1.0}


def test_no_leak_over_many_seeds_and_no_tanh_table():
    for seed in range(200):
        ex = new_exercise(seed, "signs")
        public = ex.public_dict()
        text = json.dumps(public, ensure_ascii=False)
        assert "tanh_table" not in public and "answers" not in public
        assert "solution" not in public
        for seq in sign_sequences(ex) + [
            _symbols(ex.answers),
            ", ".join(WORD[s] for s in ex.answers),
        ]:
            assert seq not in text, (ex.id, seq)
        revealed = ex.public_dict(reveal=True)
        assert revealed["answers"] == ex.answers


def test_prompt_is_plain_words_and_solution_shows_every_exact_value():
    ex = _find(lambda ex: ex.w_x < 0 and -1.0 in ex.xs)
    prompt = ex.prompt_markdown()
    assert "−" not in prompt and f"W_xh = {ex.w_x:.1f}" in prompt and "= -1" in prompt
    assert prompt.count("one sign per step") == 1
    assert "tanh keeps the sign" in prompt and "no arithmetic" in prompt
    assert "`+ - +`" in prompt and "positive, negative, positive" in prompt
    assert "table" not in prompt and "calculator" not in prompt
    solution = ex.solution_markdown()
    assert solution.count("- Step ") == ex.steps
    for h in ex.run()[0]:
        assert f"{h:.4f}" in solution or f"{abs(h):.4f}" in solution
    assert "Answers (signs)" in solution


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("+ - + -", [1, -1, 1, -1]),
        ("+-+-", [1, -1, 1, -1]),
        ("00+-", [0, 0, 1, -1]),
        ("h1 to h4: + - + -", [1, -1, 1, -1]),  # a range label names the whole list
        ("h_1..h_4 = + + - -", [1, 1, -1, -1]),
        ("h1-h4: pos neg pos neg", [1, -1, 1, -1]),
        ("h1 - h2 + h3 - h4 +", [-1, 1, -1, 1]),  # labels with their signs, no range
        ("+0 -", [1, 0, -1]),
        ("− + 0 −", [-1, 1, 0, -1]),
        ("pos, neg, pos", [1, -1, 1]),
        ("positive, negative, zero, positive", [1, -1, 0, 1]),
        ("Positive then Negative", [1, -1]),
        ("plus minus", [1, -1]),
        ("h1=+ h2=- h3=0", [1, -1, 0]),
        ("h_1: positive, h_2 = negative", [1, -1]),
        ("h2=- h1=+", [1, -1]),
        ("0.46, -0.35, 0, 1", [1, -1, 0, 1]),
        ("h1=0.46 h2=-0.35", [1, -1]),
        ("my answer is + + - -", [1, 1, -1, -1]),
        ("answer: +-0-", [1, -1, 0, -1]),  # "-0" is two signs here, not a number
        ("+-0.5", [1, -1]),  # ...but "-0.5" is a number
        ("1. 0  2. +  3. -  4. +", [0, 1, -1, 1]),
        ("1) pos 2) neg 3) zero", [1, -1, 0]),
        ("step 1: + step 2: -", [1, -1]),
        ("step 2 is negative", [None, -1]),  # a step label sets the step
        ("h0=0 h1=+", [1]),
        ("all positive", [1, 1, 1, 1, 1]),
        ("they are all negative", [-1, -1, -1, -1, -1]),
        ("all 0", [0, 0, 0, 0, 0]),
    ],
)
def test_parse_accepts_every_form(text, signs):
    values, gate = parse_answer(text, 5, "signs")
    assert gate is None
    assert values == [None if s is None else float(s) for s in signs] + [None] * (5 - len(signs))


def test_parse_lists_and_labelled_gaps():
    assert parse_answer([0.3, -2, 0], 4, "signs")[0] == [1.0, -1.0, 0.0, None]
    assert parse_answer("h1=+ h3=-", 4, "signs")[0] == [1.0, None, -1.0, None]
    assert sign_tokens("h1=+, h2 = negative; step 3: 0") == [1.0, -1.0, 0.0]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("no idea", "no signs found in the answer; give one sign per step"),
        ("not negative", "'not negative' names no sign"),
        ("h2 isn't +", "names no sign"),
        ("all positive but h1 negative", "ambiguous"),
        ("step 7 is +", "names step 7 but this exercise has 5 steps"),
        ("+ - + - + -", "has 6 signs but this exercise has 5 steps"),
        ({"h1": "+"}, "must be text or a list of numbers"),
        ([1, float("inf")], "finite"),
    ],
)
def test_bad_answers_say_how_to_answer(answer, words):
    with pytest.raises(InvalidInput) as info:
        parse_answer(answer, 5, "signs")
    assert words in info.value.message
    if isinstance(answer, str):
        assert "'+ - + -'" in info.value.message


def _find(predicate, limit=400):
    return next(ex for s in range(limit) if predicate(ex := new_exercise(s, "signs")))


def _right(ex) -> list[float]:
    return list(ex.answers)


def test_all_right_in_any_form():
    ex = new_exercise(11, "signs")
    for answer in (
        _symbols(ex.answers),
        ", ".join(WORD[s] for s in ex.answers),
        " ".join(f"h{t}={CHAR[s]}" for t, s in enumerate(ex.answers, 1)),
        ex.run()[0],
    ):
        grade = grade_answer(ex, answer)
        assert grade.all_correct and grade.score == 1.0 and grade.diagnosis is None, answer
        assert "All steps are right" in grade.feedback


def test_ignoring_a_negative_w_hh_is_named_no_flip():
    def flips(ex):  # negative W_hh and a step t >= 2 with x_t = 0 after the memory exists
        return ex.w_h < 0 and any(
            not x and ex.answers[t - 2] for t, x in enumerate(ex.xs, 1) if t > 1
        )

    ex = _find(flips)
    t = next(t for t, x in enumerate(ex.xs, 1) if t > 1 and not x and ex.answers[t - 2])
    given = _right(ex)
    given[t - 1] = ex.answers[t - 2]  # carried the sign without the flip
    grade = grade_answer(ex, given)
    assert grade.first_wrong == t and grade.diagnosis == "no_flip"
    assert "ignored the negative W_hh" in grade.feedback


def test_forgetting_the_memory_is_named():
    ex = _find(lambda ex: any(not x and ex.answers[t - 2] for t, x in enumerate(ex.xs, 1) if t > 1))
    t = next(t for t, x in enumerate(ex.xs, 1) if t > 1 and not x and ex.answers[t - 2])
    given = _right(ex)[: t - 1] + [0.0]  # the input's sign only: x_t = 0, so 0
    grade = grade_answer(ex, given)
    assert grade.first_wrong == t and grade.diagnosis == "forgot_memory"
    assert "forgot the memory" in grade.feedback


def test_ignoring_a_negative_w_xh_at_the_first_input():
    ex = _find(lambda ex: ex.w_x < 0)
    t = next(t for t, x in enumerate(ex.xs, 1) if x)
    given = _right(ex)[: t - 1] + [np.sign(ex.xs[t - 1])]
    grade = grade_answer(ex, given)
    assert grade.first_wrong == t and grade.diagnosis == "ignored_w_xh_sign"


def test_a_sign_before_any_input_is_too_early():
    ex = _find(lambda ex: ex.xs[0] == 0)
    grade = grade_answer(ex, [1.0])
    assert grade.first_wrong == 1 and grade.diagnosis == "too_early"
    assert "still 0" in grade.feedback


def test_steps_that_follow_from_the_learners_own_sign_earn_half_credit():
    ex = _find(lambda ex: ex.xs[0] != 0 and not ex.xs[1])  # step 2: the memory alone decides
    given = [-ex.answers[0]]
    prev = given[0]
    for t in range(2, ex.steps + 1):
        s = combine(*terms(ex, t, prev))
        given.append(s if s is not None else 1.0)  # the rules leave either sign open
        prev = given[-1]
    grade = grade_answer(ex, given)
    n_right = sum(grade.correct)
    assert grade.first_wrong == 1 and grade.correct[1] is False
    assert grade.score == pytest.approx((n_right + 0.5 * (ex.steps - 1 - n_right)) / ex.steps)
    # the credit stays in the score; the words would tell which later signs are right
    assert "half credit" not in grade.feedback and "follow" not in grade.feedback


def test_feedback_says_nothing_past_the_first_wrong_step():
    ex = new_exercise(8, "signs")
    assert _symbols(ex.answers) == "+ + + +"  # the reviewer's case
    grade = grade_answer(ex, "- + + +")
    assert grade.first_wrong == 1 and grade.score == 0.75  # kept for the records
    assert "Score" not in grade.feedback and "%" not in grade.feedback
    assert "(you wrote negative for h_1)" in grade.feedback
    for seed in range(60):
        ex = new_exercise(seed, "signs")
        for t in range(1, ex.steps + 1):
            given = _right(ex)
            given[t - 1] = 1.0 if ex.answers[t - 1] != 1.0 else -1.0
            grade = grade_answer(ex, given)
            assert grade.first_wrong == t
            assert "Score" not in grade.feedback and "credit" not in grade.feedback
            assert not any(f"h_{later}" in grade.feedback for later in range(t + 1, ex.steps + 1))
    solved = grade_answer(ex, _right(ex))
    assert "Score: 100%" in solved.feedback  # once solved the whole picture is fine


def test_wrong_value_wording():
    ex = _find(lambda ex: ex.xs[0] != 0 and ex.steps >= 3)
    given = _right(ex)
    given[2] = 0.0 if ex.answers[2] else 1.0
    grade = grade_answer(ex, given)
    assert f"(you wrote {WORD[given[2]].replace('zero', '0')} for h_3)" in grade.feedback


def test_missing_steps_and_partial_credit():
    ex = new_exercise(3, "signs")
    grade = grade_answer(ex, CHAR[ex.answers[0]])
    assert grade.correct == [True] + [False] * (ex.steps - 1)
    assert grade.score == pytest.approx(1 / ex.steps) and "Step 2 is missing" in grade.feedback


def test_hint_ladder_climbs_to_the_steps_sign_and_no_further():
    for seed in range(30):
        ex = new_exercise(seed, "signs")
        for t in range(1, ex.steps + 1):
            rungs = [hint(ex, r, step=t) for r in (1, 2, 3, 4)]
            assert "tanh keeps the sign" in rungs[0] and "W_hh" in rungs[0]
            assert f"step {t}" in rungs[1] and ("decides" in rungs[1] or "neither" in rungs[1])
            assert "same way" not in rungs[1] and "agrees" not in rungs[1]  # no drawing rule
            assert "W_xh is" in rungs[2] and f"h_{t - 1} is" in rungs[2]
            word = {1.0: "positive", -1.0: "negative", 0.0: "0"}[ex.answers[t - 1]]
            assert f"h_{t} is **{word}**" in rungs[3] or f"h_{t} stays **0**" in rungs[3]
            assert all(f"h_{t} is **" not in r and "stays **" not in r for r in rungs[:3])
            for later in range(t, ex.steps + 1):  # no rung names the sign of h_t or later
                assert all(f"h_{later} is " not in r for r in rungs[:3])
    with pytest.raises(InvalidInput):
        hint(new_exercise(1, "signs"), 5)
