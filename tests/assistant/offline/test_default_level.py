"""The course's practice first: a plain "quiz me" opens the no-arithmetic ``signs`` level
and says how to get numbers; numbers (and harder levels) come when the learner asks for
them; "next" keeps the level of the current exercise. The LLM's prompt and tools agree."""

from __future__ import annotations

import pytest

from assistant import prompts
from assistant.offline.planner import plan
from assistant.quiz_tools import DEFAULT_LEVEL, make_quiz_tools
from assistant.types import ChatTurn

NUMBERS_OFFER = "Want numbers instead? Say **quiz me with numbers**."
NUMERIC_EXAMPLE = "0.46, 0.35, 0.28"  # how the numeric opening shows an answer


def _say(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def _level_planned(intent, text, state=None):
    (call,) = plan(intent, text, state or {})
    assert call["name"] == "new_exercise"
    return call["args"]["level"]


def test_the_offline_plan_opens_signs_unless_numbers_are_asked_for():
    assert DEFAULT_LEVEL == "signs"
    assert _level_planned("quiz", "quiz me") == "signs"
    assert _level_planned("quiz", "quiz me with numbers") == "tanh_table"
    assert _level_planned("quiz", "harder") == "calculator"
    numeric = {"exercise": {"id": "ex-tanh_table-3", "level": "tanh_table", "revealed": True}}
    signs = {"exercise": {"id": "ex-signs-3", "level": "signs", "solved": True}}
    assert _level_planned("next", "next", numeric) == "tanh_table"  # next keeps the level
    assert _level_planned("next", "next", signs) == "signs"
    assert _level_planned("next", "a numeric one", signs) == "tanh_table"
    assert _level_planned("next", "quiz me without math", numeric) == "signs"


def test_the_llm_is_told_signs_is_the_default():
    rule = " ".join(prompts.SYSTEM_PROMPT.split())
    assert "Levels: signs (the default and the course's practice" in rule
    assert "tanh_table (by hand with a tanh table, the default)" not in rule
    assert "only when the learner asks for numbers, tanh_table" in rule
    tool = next(t for t in make_quiz_tools() if t.name == "new_exercise")
    level = tool.args["level"]
    assert level["default"] == "signs" and level["description"].startswith("signs (the default")
    assert "Without a level it is 'signs'" in tool.description


@pytest.mark.parametrize(
    "text", ["quiz me", "give me an exercise", "test me", "quizz me pls", "giv me an exercize"]
)
def test_a_plain_quiz_opens_the_signs_level_and_offers_numbers(tutor, text):
    session = tutor.new_session("api")
    opened = _say(tutor, session, text)
    assert opened.intent == "quiz" and opened.exercise["status"] == "open"
    assert opened.exercise["level"] == "signs"
    assert "Trace the sign of the memory" in opened.reply
    assert opened.reply.count(NUMBERS_OFFER) == 1
    assert NUMERIC_EXAMPLE not in opened.reply
    assert tutor.sessions.get_state(session)["exercise"]["level"] == "signs"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("quiz me with numbers", "tanh_table"),
        ("quiz me with the math", "tanh_table"),
        ("quiz me by hand with a tanh table", "tanh_table"),
        ("quiz me w/ numbers", "tanh_table"),
        ("gimme a numeric exercise", "tanh_table"),
        ("numeric version pls", "tanh_table"),
        ("harder", "calculator"),
        ("give me a calculator exercise", "calculator"),
        ("quiz me on lstm gates", "lstm_gates"),
    ],
)
def test_numbers_on_request_in_a_new_session(tutor, text, level):
    opened = _say(tutor, tutor.new_session("api"), text)
    assert opened.intent in ("quiz", "next") and opened.exercise["level"] == level
    assert opened.exercise["status"] == "open"
    assert NUMBERS_OFFER not in opened.reply and "sign of the memory" not in opened.reply


@pytest.mark.parametrize(
    ("text", "intent", "level"),
    [
        ("quiz me with numbers", "quiz", "tanh_table"),
        ("a numeric one", "next", "tanh_table"),
        ("can i get one w/ actual numbers", "next", "tanh_table"),
        ("numeric version pls", "next", "tanh_table"),
        ("can I have one with real numbers instead", "next", "tanh_table"),
        ("harder", "next", "calculator"),
        ("quiz me on lstm gates", "quiz", "lstm_gates"),
    ],
)
def test_numbers_on_request_after_the_signs_exercise(tutor, text, intent, level):
    session = tutor.new_session("api")
    first = _say(tutor, session, "quiz me")
    assert first.exercise["level"] == "signs"
    reply = _say(tutor, session, text)
    assert reply.intent == intent and reply.exercise["level"] == level
    assert reply.exercise["status"] == "open" and reply.exercise["id"] != first.exercise["id"]
    if level == "tanh_table":
        assert NUMERIC_EXAMPLE in reply.reply and "quiz me without math" in reply.reply
    state = tutor.sessions.get_state(session)["exercise"]
    assert state["level"] == level and state.get("attempts", 0) == 0


def test_the_learner_is_not_sent_away_from_an_open_numeric_exercise(tutor):
    """Asking for numbers while a numeric exercise is open asks for nothing new."""
    session = tutor.new_session("api")
    opened = _say(tutor, session, "quiz me with numbers")
    reply = _say(tutor, session, "numbers please")
    assert reply.intent != "next"
    assert tutor.sessions.get_state(session)["exercise"]["id"] == opened.exercise["id"]


@pytest.mark.parametrize(
    ("first", "level"), [("quiz me", "signs"), ("quiz me with numbers", "tanh_table")]
)
def test_next_keeps_the_level_of_the_current_exercise(tutor, first, level):
    session = tutor.new_session("api")
    opened = _say(tutor, session, first)
    assert opened.exercise["level"] == level
    skipped = _say(tutor, session, "next")  # while it is still open
    assert skipped.intent == "next" and skipped.exercise["level"] == level
    revealed = _say(tutor, session, "I give up")
    assert revealed.exercise["status"] == "revealed"
    nxt = _say(tutor, session, "next exercise")  # what the chat platforms' Next button says
    assert nxt.intent == "next" and nxt.exercise["level"] == level
    assert nxt.exercise["status"] == "open"
    ids = {opened.exercise["id"], skipped.exercise["id"], nxt.exercise["id"]}
    assert len(ids) == 3
    assert (NUMBERS_OFFER in nxt.reply) is (level == "signs")
    assert tutor.sessions.progress(session)["tried"] == 2  # skipping counts as tried
