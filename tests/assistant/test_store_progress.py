# ruff: noqa: F811
"""Progress, FSRS flashcards, feedback and the admin queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from assistant.store.admin import normalise_question
from core.errors import InvalidInput, LimitExceeded, NotFound

# the SQLite/PostgreSQL fixtures are shared with test_store.py (imported, not redefined)
from tests.assistant.test_store import pg_url, store, store_url  # noqa: F401

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_progress_counts_exercises_per_skill_once_each(store):
    sid = store.create_session("web")
    store.record_exercise(sid, "L1-1", "trace", solved=False, attempts=1, hints_used=1)
    store.record_exercise(sid, "L1-1", "trace", solved=True, attempts=3, hints_used=2)
    store.record_exercise(sid, "L1-1", "trace", solved=False, attempts=4, hints_used=2)
    store.record_exercise(sid, "L2-7", "trace", solved=False, attempts=2, hints_used=4)
    store.record_exercise(sid, "L3-2", "gates", solved=True, attempts=1, hints_used=0)
    other = store.create_session("web")
    store.record_exercise(other, "L1-1", "trace", solved=True, attempts=1, hints_used=0)

    p = store.progress(sid, card_ids=["c1", "c2", "c3"], now=T0)
    assert p["skills"] == {"gates": {"tried": 1, "solved": 1}, "trace": {"tried": 2, "solved": 1}}
    assert (p["tried"], p["solved"], p["hints_used"]) == (3, 2, 6)
    assert (p["flashcards_reviewed"], p["flashcards_due"]) == (0, 3)
    assert store.progress(store.create_session("web"))["tried"] == 0


def test_record_exercise_validates(store):
    sid = store.create_session("web")
    with pytest.raises(InvalidInput, match="attempts must be a non-negative integer"):
        store.record_exercise(sid, "L1-1", "trace", True, -1, 0)
    with pytest.raises(InvalidInput, match="exercise_id"):
        store.record_exercise(sid, "", "trace", True, 1, 0)


def test_fsrs_good_moves_due_out_again_keeps_it_soon(store):
    sid = store.create_session("web")
    deck = ["c1", "c2", "c3"]
    assert store.due_cards(sid, deck, now=T0) == deck  # unseen cards are due, in deck order

    again = store.review_card(sid, "c1", "again", now=T0)
    good = store.review_card(sid, "c2", "good", now=T0)
    assert T0 < again <= T0 + timedelta(minutes=2)
    assert good >= T0 + timedelta(minutes=5) and good > again
    assert again.tzinfo is not None

    assert store.due_cards(sid, deck, now=T0) == ["c3"]
    assert store.due_cards(sid, deck, now=T0 + timedelta(minutes=3)) == ["c1", "c3"]
    later = T0 + timedelta(hours=1)
    assert store.due_cards(sid, deck, now=later) == ["c1", "c2", "c3"]  # most overdue first

    # graduating with good then easy pushes the card days ahead
    second = store.review_card(sid, "c2", "good", now=good)
    third = store.review_card(sid, "c2", "easy", now=second)
    assert third - second >= timedelta(days=1)
    p = store.progress(sid, card_ids=deck, now=later)
    assert p["flashcards_reviewed"] == 2 and p["flashcards_due"] == 2  # c1 due, c3 unseen
    assert store.progress(sid, card_ids=["c3"], now=later)["flashcards_due"] == 1
    assert store.progress(sid, now=later)["flashcards_due"] == 1  # reviewed and due: c1


def test_fsrs_rejects_bad_ratings(store):
    sid = store.create_session("web")
    with pytest.raises(InvalidInput, match="rating 'meh' is not valid; use one of again, hard"):
        store.review_card(sid, "c1", "meh")
    with pytest.raises(InvalidInput, match="card_ids must be a list"):
        store.due_cards(sid, "c1")  # type: ignore[arg-type]


def test_feedback_is_validated(store):
    sid = store.create_session("web")
    store.append_message(sid, "user", "what is bptt?")
    store.append_message(sid, "assistant", "Backpropagation through time.")
    fid = store.add_feedback(sid, 1, "up", "  clear  ")
    assert fid >= 1
    with pytest.raises(InvalidInput, match="learner's own message"):
        store.add_feedback(sid, 0, "down")
    with pytest.raises(NotFound, match="has no message 5"):
        store.add_feedback(sid, 5, "down")
    with pytest.raises(InvalidInput, match="use 'up' or 'down'"):
        store.add_feedback(sid, 1, "meh")
    with pytest.raises(InvalidInput, match="non-negative integer"):
        store.add_feedback(sid, -1, "up")
    with pytest.raises(LimitExceeded, match="at most 2000"):
        store.add_feedback(sid, 1, "down", "x" * 2001)
    rows = store.feedback_rows(10)
    assert len(rows) == 1
    assert rows[0] | {"created_at": None} == {
        "id": fid,
        "session_id": sid,
        "message_seq": 1,
        "rating": "up",
        "comment": "clear",
        "created_at": None,
        "message": "Backpropagation through time.",
    }


def _conversation(store, channel: str, questions: list[str]) -> str:
    sid = store.create_session(channel)
    for q in questions:
        store.append_message(sid, "user", q)
        store.append_message(sid, "assistant", f"answer to {q}")
    return sid


def test_most_asked_questions_leave_out_commands_and_answers(store):
    """The instructor's list counted "hint", "0.1, 0.2, 0.3" and "+ + -": only what the
    tutor took for a question counts (by the intent stored with its reply)."""
    sid = store.create_session("web")
    for text, intent in [
        ("what is the hidden state?", "concept"),
        ("quiz me", "quiz"),
        ("hint", "hint"),
        ("0.1, 0.2, 0.3", "answer"),
        ("+ + -", "answer"),
        ("why do rnns forget", "why_forget"),
        ("What is the hidden state", "concept"),
        ("thx", "thanks"),
    ]:
        store.append_message(sid, "user", text)
        store.append_message(sid, "assistant", "reply", {"intent": intent})
    store.append_message(sid, "user", "a question whose reply was never stored")
    assert store.top_questions(10) == [
        ("what is the hidden state", 2),
        ("a question whose reply was never stored", 1),
        ("why do rnns forget", 1),
    ]


def test_admin_queries_report_the_right_numbers(store):
    a = _conversation(store, "web", ["What is the hidden state?", "quiz me"])
    b = _conversation(store, "slack", ["what is the  hidden state", "Quiz me!", "hint"])
    c = _conversation(store, "discord", ["What is the hidden state ?"])
    store.record_exercise(a, "L1-1", "trace", True, 1, 0)
    store.record_exercise(b, "L1-2", "trace", False, 3, 4)
    store.record_exercise(b, "L3-1", "gates", True, 2, 1)
    store.record_exercise(c, "L1-3", "trace", True, 1, 1)
    store.add_feedback(a, 1, "up")
    store.add_feedback(b, 3, "down", "too long")
    store.add_feedback(b, 3, "up")

    sessions = store.list_sessions()
    assert {s["id"]: s["messages"] for s in sessions} == {a: 4, b: 6, c: 2}
    assert sessions[0]["id"] == c  # most recent activity first
    assert {s["channel"] for s in sessions} == {"web", "slack", "discord"}
    assert [s["id"] for s in store.list_sessions(limit=1, offset=1)] == [sessions[1]["id"]]

    assert store.top_questions(2) == [("what is the hidden state", 3), ("quiz me", 2)]
    assert store.exercise_stats() == {
        "gates": {"tried": 1, "solved": 1, "rate": 1.0},
        "trace": {"tried": 3, "solved": 2, "rate": 0.6667},
    }
    assert [(r["rating"], r["comment"]) for r in store.feedback_rows(2)] == [
        ("up", None),
        ("down", "too long"),
    ]

    rows = list(store.export_rows())
    assert len(rows) == 12
    assert [r["seq"] for r in rows if r["session_id"] == b] == list(range(6))
    rated = {(r["session_id"], r["seq"]): r["rating"] for r in rows if r["rating"]}
    assert rated == {(a, 1): "up", (b, 3): "up"}  # the latest rating of a message wins
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue().count("\n") == 13

    with pytest.raises(LimitExceeded, match="at most 1000"):
        store.list_sessions(limit=5000)
    with pytest.raises(InvalidInput, match="offset"):
        store.list_sessions(offset=-1)


def test_question_normalisation():
    assert normalise_question("  What IS\tthe hidden\n state?? ") == "what is the hidden state"
    assert normalise_question("?!") == ""
