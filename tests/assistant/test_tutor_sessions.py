"""The Tutor around the brain: validation, sessions, persistence, isolation, streaming.

Persistence is checked the way a restart sees it: a second ``Tutor`` with a fresh
session store on the same SQLite file continues the open exercise and the history.
"""

from __future__ import annotations

import threading

import pytest

from assistant.factory import make_tutor
from assistant.store import make_session_store
from assistant.types import ChatTurn
from core.errors import InvalidInput, LimitExceeded, SessionNotFound
from tools.exercises import exercise_from_id


def test_a_turn_without_session_creates_one_with_a_long_random_id(tutor):
    reply = tutor.respond(ChatTurn(None, "hello", "web"))
    assert len(reply.session_id) >= 22  # >= 128 bits in URL-safe base64
    assert [m.role for m in tutor.history(reply.session_id)] == ["user", "assistant"]
    assert tutor.history(reply.session_id)[1].content == reply.reply
    body = reply.to_dict()
    assert set(body) == {
        "session_id",
        "reply",
        "reply_html",
        "citations",
        "trace",
        "exercise",
        "plots",
    }
    assert body["reply_html"].startswith("<p>")


def test_unknown_session_is_an_error_not_a_new_session(tutor):
    with pytest.raises(SessionNotFound):
        tutor.respond(ChatTurn("no-such-session-id-000000", "hello"))
    with pytest.raises(SessionNotFound):
        tutor.history("no-such-session-id-000000")


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", InvalidInput, "empty"),
        ("x" * 4001, LimitExceeded, "4000"),
        (None, InvalidInput, "string"),
        ("hi\x00there", InvalidInput, "NUL"),
    ],
)
def test_bad_messages_raise_clear_errors_and_store_nothing(tutor, text, error, words):
    session = tutor.new_session("api")
    with pytest.raises(error, match=words):
        tutor.respond(ChatTurn(session, text))
    with pytest.raises(error):
        tutor.stream(ChatTurn(session, text))  # raised before the first event
    assert tutor.history(session) == []


def test_a_4000_character_message_is_accepted(tutor):
    reply = tutor.respond(ChatTurn(None, "why do RNNs forget? " * 200))
    assert reply.reply


def test_restart_keeps_history_and_the_open_exercise(settings, tutor_embedder, retriever):
    first = make_tutor(settings, embedder=tutor_embedder, retriever=retriever)
    opened = first.respond(ChatTurn(None, "quiz me"))
    session = opened.session_id
    first.respond(ChatTurn(session, "hint"))
    first.sessions.close()

    second = make_tutor(
        settings,
        embedder=tutor_embedder,
        retriever=retriever,
        sessions=make_session_store(settings),
    )
    assert [m.role for m in second.history(session)] == ["user", "assistant"] * 2
    answers = exercise_from_id(opened.exercise["id"]).answers
    reply = second.respond(ChatTurn(session, ", ".join(f"{v:.4f}" for v in answers)))
    assert reply.exercise["id"] == opened.exercise["id"]
    assert reply.exercise["status"] == "solved" and reply.exercise["hints_used"] == 1
    second.sessions.close()


def test_sessions_never_see_each_others_state(tutor):
    a = tutor.respond(ChatTurn(None, "quiz me"))
    b = tutor.respond(ChatTurn(None, "hello"))
    answers = exercise_from_id(a.exercise["id"]).answers
    attempt = tutor.respond(ChatTurn(b.session_id, ", ".join(f"{v:.4f}" for v in answers)))
    assert attempt.exercise is None and "no exercise open" in attempt.reply
    assert tutor.sessions.get_state(a.session_id)["exercise"]["solved"] is False
    assert len(tutor.history(a.session_id)) == 2 and len(tutor.history(b.session_id)) == 4


def test_concurrent_turns_on_one_session_are_serialised(tutor):
    session = tutor.new_session("api")
    errors: list[BaseException] = []

    def turn(i: int) -> None:
        try:
            tutor.respond(ChatTurn(session, f"what is the hidden state? ({i})"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    history = tutor.history(session)
    assert len(history) == 12
    assert [m.role for m in history] == ["user", "assistant"] * 6  # never interleaved


def test_stream_events_follow_the_api_and_end_with_the_body(tutor):
    events = list(tutor.stream(ChatTurn(None, "walk me through a trace")))
    names = [e for e, _ in events]
    assert names[-1] == "done" and names.count("done") == 1
    # the lab ran before the tutor wrote about it: its trace and plots came first, once each
    first_delta = names.index("delta")
    assert names.count("trace") == 1 and names.index("trace") < first_delta
    plots = [d for e, d in events if e == "plot"]
    assert plots and names.index("plot") < first_delta
    text = "".join(d["text"] for e, d in events if e == "delta")
    done = events[-1][1]
    assert text == done["reply"] and done["trace"]["cell"] == "rnn"
    assert next(d for e, d in events if e == "trace") == done["trace"]
    assert plots == done["plots"]
    assert done["message_index"] == tutor.sessions.message_records(done["session_id"])[-1].seq
    cited = list(tutor.stream(ChatTurn(done["session_id"], "what does gradient clipping do?")))
    assert [d for e, d in cited if e == "citation"] == cited[-1][1]["citations"]


def test_feedback_is_stored_on_the_assistant_message(tutor):
    reply = tutor.respond(ChatTurn(None, "what is the hidden state?"))
    assert reply.message_index is not None
    tutor.feedback(reply.session_id, reply.message_index, "up", "clear")
    rows = tutor.sessions.feedback_rows(10)
    assert any(r["session_id"] == reply.session_id and r["rating"] == "up" for r in rows)
    with pytest.raises(InvalidInput):
        tutor.feedback(reply.session_id, reply.message_index, "sideways")


def test_session_for_maps_a_platform_conversation_to_one_session(tutor):
    a = tutor.session_for("slack", "T1:C1:1700000000.1")
    assert tutor.session_for("slack", "T1:C1:1700000000.1") == a
    assert tutor.session_for("slack", "T1:C1:1700000001.1") != a


def test_stream_can_be_advanced_from_other_threads_and_abandoned(tutor):
    from concurrent.futures import ThreadPoolExecutor

    session = tutor.new_session("web")
    events = tutor.stream(ChatTurn(session, "walk me through a trace"))
    collected = []
    with ThreadPoolExecutor(max_workers=4) as pool:  # like a server's thread pool
        while (item := pool.submit(next, events, None).result()) is not None:
            collected.append(item)
    assert collected[-1][0] == "done"
    abandoned = tutor.stream(ChatTurn(session, "what is the hidden state?"))
    assert next(abandoned)[0] == "delta"
    del abandoned  # the client went away; the turn still completes and is stored
    reply = tutor.respond(ChatTurn(session, "thanks"))  # the session lock was released
    assert reply.intent == "thanks"
    assert [m.role for m in tutor.history(session)] == ["user", "assistant"] * 3


def test_concurrent_learners_in_separate_sessions(tutor):
    from concurrent.futures import ThreadPoolExecutor

    script = ["walk me through a trace", "what is gradient clipping?", "quiz me", "hint"]

    def learner(i: int) -> list[str]:
        session = tutor.new_session("web")
        return [tutor.respond(ChatTurn(session, text)).intent for text in script[i % 2 :]]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(learner, range(6)))
    assert results[0] == ["trace", "concept", "quiz", "hint"]
    assert results[1] == ["concept", "quiz", "hint"]
    assert all(r == results[i % 2] for i, r in enumerate(results))


@pytest.mark.parametrize("channel", ["cli", "slack", "discord", "openai", "api", "web"])
def test_a_stored_reply_keeps_what_it_showed_whatever_the_channel(tutor, channel):
    """The tutor stores the reply's citations, trace and plots (and exercise) in the same
    row as its text, so every channel's history redraws it, not only the web routes'."""
    reply = tutor.respond(ChatTurn(None, "walk me through a trace with inputs 1, 0, 0", channel))
    body = reply.to_dict()
    user, stored = tutor.sessions.message_records(reply.session_id)
    assert "shown" not in user.meta
    assert stored.seq == reply.message_index and stored.content == reply.reply
    assert stored.meta["intent"] == reply.intent == "trace"
    assert body["citations"] and body["exercise"] is None  # an empty part is not stored
    assert stored.meta["shown"] == {
        "citations": body["citations"],
        "trace": body["trace"],
        "plots": body["plots"],
    }
    assert len(stored.meta["shown"]["trace"]["steps"]) == 3
    assert stored.meta["shown"]["plots"][0]["svg"].startswith("<")
    quiz = tutor.respond(ChatTurn(reply.session_id, "quiz me", channel))
    assert tutor.sessions.message_records(reply.session_id)[-1].meta["shown"]["exercise"] == (
        quiz.exercise
    )


def test_a_reply_that_showed_nothing_stores_no_shown_parts(tutor):
    reply = tutor.respond(ChatTurn(None, "thanks", "cli"))
    assert not reply.citations and reply.trace is None and not reply.plots
    assert "shown" not in tutor.sessions.message_records(reply.session_id)[-1].meta
