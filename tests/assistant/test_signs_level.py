"""The no-arithmetic "signs" level in the tutor: asking for it, answering with signs, hints."""

from __future__ import annotations

import pytest

from assistant.factory import shared_recognizer
from assistant.parsing import looks_like_answer, looks_like_sign_answer, wants_harder
from assistant.quiz_tools import LEVELS, learners_own
from assistant.types import ChatTurn
from tools.exercises import LEVELS as TOOL_LEVELS
from tools.exercises import exercise_from_id

SIGNS_OPEN = {"exercise": {"id": "ex-signs-7", "level": "signs", "attempts": 0}}
NUMBERS_OPEN = {"exercise": {"id": "ex-calculator-7", "level": "calculator", "attempts": 0}}
CHAR = {1.0: "+", -1.0: "-", 0.0: "0"}


@pytest.fixture(scope="module")
def recognizer(embedder):
    return shared_recognizer(embedder)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("quiz me without math", "signs"),
        ("no arithmetic", "signs"),
        ("no calculator please", "signs"),
        ("quiz me without a calculator", "signs"),
        ("I don't want to do any math", "signs"),
        ("a conceptual quiz", "signs"),
        ("quiz me on signs", "signs"),
        ("give me a harder exercise", "calculator"),
        ("calculator please", "calculator"),
        ("quiz me on lstm gates", "lstm_gates"),
        ("an easier one by hand", "tanh_table"),
        ("quiz me", None),
    ],
)
def test_wants_harder_maps_no_math_requests_to_signs(text, level):
    assert wants_harder(text) == level


def test_the_quiz_tools_know_every_level():
    assert LEVELS == TOOL_LEVELS


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("+ - + -", True),
        ("- - -", True),
        ("positive negative positive negative", True),
        ("pos, neg, pos, neg", True),
        ("h1=+ h2=- h3=0", True),
        ("my answer is + 0 - +", True),
        ("is h_2 negative?", False),
        ("explain negative weights", False),
        ("why does a negative W_hh flip the sign", False),
        ("what is the hidden state?", False),
        ("hint", False),
    ],
)
def test_looks_like_sign_answer(text, answer):
    assert looks_like_sign_answer(text) is answer


@pytest.mark.parametrize(
    ("text", "state", "intent"),
    [
        ("+ - + -", SIGNS_OPEN, "answer"),
        ("positive negative positive negative", SIGNS_OPEN, "answer"),
        ("positive, negative, negative, positive, negative", SIGNS_OPEN, "answer"),
        ("h1=+ h2=- h3=+ h4=-", SIGNS_OPEN, "answer"),
        ("0.5, -0.3, 0.2, -0.1", SIGNS_OPEN, "answer"),
        ("negative, negative, negative, negative", SIGNS_OPEN, "answer"),
        ("pos, neg, pos, neg, pos", SIGNS_OPEN, "answer"),
        ("quiz me on negative numbers", SIGNS_OPEN, "quiz"),
        ("why does a negative W_hh flip the sign?", SIGNS_OPEN, "concept"),
        ("hint", SIGNS_OPEN, "hint"),
        ("I give up", SIGNS_OPEN, "give_up"),
        ("0.46, 0.35, 0.28", NUMBERS_OPEN, "answer"),
        ("+ - + -", NUMBERS_OPEN, "empty"),  # signs only answer a signs exercise
        ("+ - + -", {}, "empty"),
        ("quiz me without math", {}, "quiz"),
        ("give me a conceptual quiz", {}, "quiz"),
    ],
)
def test_sign_answers_are_answers_only_to_a_signs_exercise(recognizer, text, state, intent):
    assert recognizer.classify(text, state).name == intent


def test_learners_own_signs():
    assert learners_own("+ - + -", "my answer: + - + -", "signs")
    assert learners_own("positive, negative", "h1=+ h2=-", "signs")
    assert not learners_own("+ - + -", "what is the answer?", "signs")
    assert not learners_own("+ + + +", "+ - + -", "signs")
    assert learners_own("0.5, 0.3", "0.5, 0.3", "calculator")


def _say(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def test_quiz_without_math_wrong_hint_then_right(tutor):
    session = tutor.new_session("api")
    opened = _say(tutor, session, "quiz me without math")
    assert opened.intent == "quiz" and opened.exercise["status"] == "open"
    assert opened.exercise["level"] == "signs" and "one sign per step" in opened.reply
    assert "answers" not in opened.exercise and "tanh_table" not in opened.exercise
    ex = exercise_from_id(tutor.sessions.get_state(session)["exercise"]["id"])
    right = [CHAR[s] for s in ex.answers]

    wrong = list(right)
    first_input = next(t for t, x in enumerate(ex.xs, 1) if x)
    wrong[first_input - 1] = CHAR[-ex.answers[first_input - 1]]
    graded = _say(tutor, session, " ".join(wrong))
    assert graded.intent == "answer" and "Not quite yet" in graded.reply
    assert f"first wrong step is step {first_input}" in graded.reply
    assert graded.exercise["grade"]["first_wrong"] == first_input
    assert "expected" not in graded.exercise["grade"] and "Answers (signs)" not in graded.reply
    # marks stop at the first wrong step: with two signs per step they would give it away
    assert len(graded.exercise["grade"]["correct"]) == first_input
    later = [f"h_{t} ✓" for t in range(first_input + 1, ex.steps + 1)]
    assert not any(mark in graded.reply for mark in later)

    hinted = _say(tutor, session, "hint")
    assert hinted.intent == "hint" and "Hint 1 of 4" in hinted.reply
    assert "tanh keeps the sign" in hinted.reply
    hinted = _say(tutor, session, "another hint")
    assert "Hint 2 of 4" in hinted.reply and f"step {first_input}" in hinted.reply

    words = {"+": "positive", "-": "negative", "0": "zero"}
    solved = _say(tutor, session, ", ".join(words[c] for c in right))
    assert solved.intent == "answer" and solved.exercise["status"] == "solved"
    assert "Correct" in solved.reply and "Answers (signs)" in solved.reply
    assert solved.exercise["answers"] == ex.answers
    assert tutor.sessions.progress(session)["solved"] == 1


def test_a_bare_symbol_answer_is_graded(tutor):
    session = tutor.new_session("api")
    _say(tutor, session, "no arithmetic quiz please")
    ex = exercise_from_id(tutor.sessions.get_state(session)["exercise"]["id"])
    assert ex.level == "signs"
    reply = _say(tutor, session, "".join(CHAR[s] for s in ex.answers))  # e.g. "0+-+-"
    assert reply.intent == "answer" and reply.exercise["status"] == "solved"


def test_numbers_still_answer_the_numeric_levels(tutor):
    session = tutor.new_session("api")
    _say(tutor, session, "give me a harder exercise")
    ex = exercise_from_id(tutor.sessions.get_state(session)["exercise"]["id"])
    assert ex.level == "calculator" and looks_like_answer("0.1, 0.2")
    reply = _say(tutor, session, ", ".join(f"{v:.4f}" for v in ex.answers))
    assert reply.intent == "answer" and reply.exercise["status"] == "solved"
