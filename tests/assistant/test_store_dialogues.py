"""Stateless clients' conversations (``assistant/store/dialogues.py``), on SQLite and
PostgreSQL: a dialogue continues where it stands, and a dialogue whose session has moved
on is forked from the common prefix, with the state of that moment, never merged."""

from __future__ import annotations

from assistant.store import SessionStore
from tests.assistant import test_store as shared

# the SQLite/PostgreSQL fixtures of test_store.py: every test runs on both engines
pg_url, store_url, store = shared.pg_url, shared.store_url, shared.store

CH = "openai"


def _turn(store: SessionStore, sid: str, question: str, answer: str, state: dict) -> None:
    store.append_message(sid, "user", question)
    store.append_message(sid, "assistant", answer, {"intent": "test"})
    store.set_state(sid, state)


def _contents(store: SessionStore, sid: str) -> list[str]:
    return [m.content for m in store.messages(sid)]


def test_an_unseen_dialogue_has_no_session(store):
    assert store.resume_point(CH, "0" * 64) is None


def test_a_session_still_at_its_point_continues_once(store):
    sid = store.create_session(CH)
    _turn(store, sid, "q1", "r1", {"exercise": 1})
    store.mark_point(CH, "after-q1", sid)
    assert store.resume_point(CH, "after-q1") == sid
    # the point is claimed: the same request again (a retry, or a second client that
    # copied the dialogue) gets a fork with the same history, not the same session
    again = store.resume_point(CH, "after-q1")
    assert again != sid and _contents(store, again) == ["q1", "r1"]


def test_a_session_that_moved_on_is_forked_with_the_state_of_then(store):
    a = store.create_session(CH)
    _turn(store, a, "q1", "r1", {"exercise": 1, "hints": 0})
    store.mark_point(CH, "after-q1", a)
    _turn(store, a, "q2 from B", "r2", {"exercise": 1, "hints": 1})  # someone moved it on
    store.mark_point(CH, "after-q2", a)

    fork = store.resume_point(CH, "after-q1")
    assert fork not in (None, a)
    assert _contents(store, fork) == ["q1", "r1"]
    assert store.get_state(fork) == {"exercise": 1, "hints": 0}
    records = store.message_records(fork)
    assert [r.seq for r in records] == [0, 1] and records[1].meta["intent"] == "test"
    assert records[1].meta["forked_from"] == a
    # nothing of the original is lost or changed, and it still continues where it stands
    assert _contents(store, a) == ["q1", "r1", "q2 from B", "r2"]
    assert store.get_state(a) == {"exercise": 1, "hints": 1}
    assert store.resume_point(CH, "after-q2") == a


def test_two_sessions_at_one_point_are_never_continued_by_a_stranger(store):
    """Two clients said the same and got the same answer: the tutor cannot tell whose
    session is whose, so every follow-up forks; neither original is touched."""
    a, b = store.create_session(CH), store.create_session(CH)
    for sid in (a, b):
        _turn(store, sid, "q1", "r1", {})
        store.mark_point(CH, "after-q1", sid)
    first, second = store.resume_point(CH, "after-q1"), store.resume_point(CH, "after-q1")
    assert len({a, b, first, second}) == 4
    for sid in (a, b, first, second):
        assert _contents(store, sid) == ["q1", "r1"]


def test_points_are_per_channel(store):
    sid = store.create_session(CH)
    store.mark_point(CH, "k", sid)
    assert store.resume_point("other", "k") is None


def test_points_expire_after_their_days_and_the_history_stays(store):
    from datetime import timedelta

    import sqlalchemy as sa

    from assistant.store.dialogues import POINT_DAYS
    from assistant.store.records import utcnow
    from assistant.store.schema import dialogue_points

    old = store.create_session(CH)
    _turn(store, old, "q1", "r1", {})
    store.mark_point(CH, "old-dialogue", old)
    with store.engine.begin() as conn:  # as if marked POINT_DAYS + 1 days ago
        conn.execute(
            sa.update(dialogue_points).values(created_at=utcnow() - timedelta(days=POINT_DAYS + 1))
        )
    fresh = store.create_session(CH)
    store.mark_point(CH, "new-dialogue", fresh)  # any mark drops the expired points
    assert store.resume_point(CH, "old-dialogue") is None
    assert store.resume_point(CH, "new-dialogue") == fresh
    assert _contents(store, old) == ["q1", "r1"]
