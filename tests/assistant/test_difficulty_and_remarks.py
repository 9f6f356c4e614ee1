"""Messages around an exercise that are easy to misread: difficulty wishes ("harder", "too
easy") open the next exercise; topic names ("lstm gates") and wording wishes ("in simpler
words") do not; remarks that contain sign words are not attempts at a signs exercise."""

from __future__ import annotations

import pytest

from assistant.types import ChatTurn


def _say(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


@pytest.mark.parametrize(
    ("first", "text", "level"),
    [
        ("quiz me with numbers", "harder", "calculator"),
        ("quiz me with numbers", "give me a harder one", "calculator"),
        ("quiz me with numbers", "too easy", "calculator"),
        ("quiz me with numbers", "too hard", "tanh_table"),
        ("quiz me with numbers", "an easier one", "tanh_table"),
        ("quiz me", "harder", "calculator"),
        ("quiz me", "too easy", "calculator"),
        ("quiz me", "too hard", "signs"),  # nothing is easier than the signs level
        ("quiz me", "an easier one", "signs"),
        ("harder", "an easier one", "tanh_table"),
    ],
)
def test_difficulty_wishes_open_the_next_exercise_at_that_level(tutor, first, text, level):
    session = tutor.new_session("api")
    _say(tutor, session, first)
    reply = _say(tutor, session, text)
    assert reply.intent == "next" and reply.exercise["level"] == level
    assert reply.exercise["status"] == "open"


def test_harder_without_an_exercise_starts_a_harder_quiz(tutor):
    reply = _say(tutor, tutor.new_session("api"), "harder")
    assert reply.intent == "quiz" and reply.exercise["level"] == "calculator"


@pytest.mark.parametrize(
    "text",
    ["tell me about lstm gates", "forget gate", "the tanh table", "describe a simple rnn"],
)
def test_topic_names_after_an_exercise_are_questions(tutor, text):
    session = tutor.new_session("api")
    _say(tutor, session, "quiz me")
    reply = _say(tutor, session, text)
    assert reply.intent == "concept"
    assert tutor.sessions.get_state(session)["exercise"]["level"] == "signs"  # kept


@pytest.mark.parametrize(
    "text", ["in simpler words please", "an easier explanation please", "say it simpler"]
)
def test_wording_wishes_are_not_exercise_requests(tutor, text):
    session = tutor.new_session("api")
    _say(tutor, session, "what is the hidden state?")
    assert _say(tutor, session, text).intent not in ("quiz", "next")


@pytest.mark.parametrize(
    "remark",
    [
        "positive or negative",
        "negative times negative is positive",
        "zero in, zero out",
        "x is positive",
        "I'm positive it's negative",
        "confused about negative",
    ],
)
def test_remarks_with_sign_words_are_no_attempt_and_unlock_nothing(tutor, remark):
    session = tutor.new_session("api")
    _say(tutor, session, "quiz me without math")
    _say(tutor, session, remark)
    state = tutor.sessions.get_state(session)["exercise"]
    assert state.get("attempts", 0) == 0, remark
    reply = _say(tutor, session, "show me the answer")
    assert reply.exercise["status"] == "open" and "answers" not in reply.exercise
