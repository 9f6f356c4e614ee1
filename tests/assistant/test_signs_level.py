"""The no-arithmetic "signs" level in the tutor: asking for it, answering with signs, hints."""

from __future__ import annotations

import pytest

from assistant.factory import shared_recognizer
from assistant.parsing import level_asked_for, looks_like_answer, looks_like_sign_answer
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
        ("quiz me with numbers, not signs", "tanh_table"),
        ("quiz me, I don't mind the math", "tanh_table"),
        ("quiz me on lstm gates without a calculator", "lstm_gates"),
        ("a conceptual quiz on lstm gates", "lstm_gates"),
        ("a harder one with numbers please", "calculator"),
        ("signs quiz", "signs"),
        ("the signs level please", "signs"),
        ("quiz me on the sign of the memory", None),  # the word alone does not decide
        ("quiz me, does the sign matter?", None),
        ("quiz me with numbers", "tanh_table"),
        ("a numeric one", "tanh_table"),
        ("quiz me with the math", "tanh_table"),
        ("by hand with a tanh table", "tanh_table"),
        ("no calculator, with the tanh table", "tanh_table"),
        ("can i get one w/ actual numbers", "tanh_table"),
        ("numeric version pls", "tanh_table"),
        ("numbers instead please", "tanh_table"),
        ("quiz me without numbers", "signs"),
        ("no numeric stuff please", "signs"),
    ],
)
def test_wants_harder_maps_no_math_requests_to_signs(text, level):
    assert level_asked_for(text) == level


@pytest.mark.parametrize(
    ("text", "current", "level"),
    [
        ("too hard", "signs", "signs"),  # nothing is easier than the signs level
        ("an easier one", "signs", "signs"),
        ("an easier one", None, "signs"),
        ("too hard", "tanh_table", "tanh_table"),
        ("an easier one", "calculator", "tanh_table"),
        ("an easier one with numbers", "signs", "tanh_table"),
        ("harder", "signs", "calculator"),
    ],
)
def test_an_easier_wish_never_adds_arithmetic(text, current, level):
    assert level_asked_for(text, current) == level


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
        ("answer: +-0-", True),
        ("step 2 is negative", True),
        ("1. 0  2. +  3. -  4. +", True),
        ("all positive", True),
        ("+ - + -, right?", True),
        ("does a negative weight flip the sign", False),
        ("a negative W_hh flips it", False),
        ("hint: is it positive", False),
        ("give up, it is positive", False),
        ("next, positive", False),
        ("not negative", False),
        ("is the memory negative at step 2?", False),
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
        ("does a negative weight flip the sign", SIGNS_OPEN, "concept"),
        ("does a negative weight flip the sign?", SIGNS_OPEN, "concept"),
        ("is the memory negative at step 2?", SIGNS_OPEN, "concept"),
        ("is the memory negative at step 2", SIGNS_OPEN, "concept"),
        ("why does a negative W_hh flip the sign", SIGNS_OPEN, "concept"),
        ("hint: is it positive", SIGNS_OPEN, "hint"),
        ("give up, it is positive", SIGNS_OPEN, "give_up"),
        ("next, positive", SIGNS_OPEN, "next"),
        ("not negative", SIGNS_OPEN, "answer"),  # tried to answer: the tool says how
        ("all positive", SIGNS_OPEN, "answer"),
        ("step 2 is negative", SIGNS_OPEN, "answer"),
        ("1. 0  2. +  3. -  4. +", SIGNS_OPEN, "answer"),
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


def test_a_question_is_not_an_attempt_and_unlocks_nothing(tutor):
    session = tutor.new_session("api")
    _say(tutor, session, "quiz me without math")
    for text in ("does a negative weight flip the sign", "is the memory negative at step 2?"):
        asked = _say(tutor, session, text)
        assert asked.intent == "concept" and "not quite" not in asked.reply.lower()
    refused = _say(tutor, session, "not negative")  # no sign named: how to answer, no attempt
    assert refused.intent == "answer" and "haven't graded it" in refused.reply
    assert "'+ - + -'" not in refused.reply and "`+ - + -`" in refused.reply
    assert "grade" not in (refused.exercise or {})
    assert tutor.sessions.get_state(session)["exercise"].get("attempts", 0) == 0
    shown = _say(tutor, session, "show me the answer")  # no attempt yet: a hint, no solution
    assert shown.exercise["status"] == "open" and "Answers (signs)" not in shown.reply
    hinted = _say(tutor, session, "hint: is it positive")
    assert hinted.intent == "hint" and "Hint" in hinted.reply
    assert tutor.sessions.get_state(session)["exercise"].get("attempts", 0) == 0


def test_a_wrong_attempt_shows_nothing_past_the_first_wrong_step(tutor):
    session = tutor.new_session("api")
    _say(tutor, session, "quiz me on signs")
    ex = exercise_from_id(tutor.sessions.get_state(session)["exercise"]["id"])
    right = [CHAR[s] for s in ex.answers]
    first = -1.0 if ex.answers[0] != -1.0 else 1.0
    wrong = [CHAR[first]] + right[1:]  # only step 1 wrong
    graded = _say(tutor, session, " ".join(wrong))
    grade = graded.exercise["grade"]
    assert graded.exercise["status"] == "open" and grade["first_wrong"] == 1
    assert "score" not in grade and "expected" not in grade
    assert grade["correct"] == [False] and grade["given"] == [first]
    assert "Score" not in graded.reply and "credit" not in graded.reply
    assert not any(f"h_{t}" in graded.reply for t in range(2, ex.steps + 1))
    assert tutor.sessions.get_state(session)["exercise"]["attempts"] == 1
    solved = _say(tutor, session, " ".join(right))
    assert solved.exercise["grade"]["score"] == 1.0 and "Score: 100%" in solved.reply
    assert tutor.sessions.progress(session)["solved"] == 1


def test_the_opening_says_how_to_answer_once(tutor):
    opened = _say(tutor, tutor.new_session("api"), "quiz me without math")
    assert opened.reply.count("one sign per step") == 1 and "−" not in opened.reply


def test_a_numeric_exercise_offers_the_no_math_level(tutor):
    session = tutor.new_session("api")
    opened = _say(tutor, session, "quiz me with numbers")
    assert opened.exercise["level"] == "tanh_table" and "quiz me without math" in opened.reply
    switched = _say(tutor, session, "quiz me without math")
    assert switched.exercise["level"] == "signs"
    assert "Say **quiz me with numbers**" in switched.reply  # and back again
