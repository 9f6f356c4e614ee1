"""Session store core: sessions, history, state, schema, URLs — on SQLite and PostgreSQL.

Every test taking ``store_url``/``store`` runs twice: against a SQLite file in
``tmp_path`` and against the real PostgreSQL named by ``TUTOR_TEST_DATABASE_URL`` (in a
throw-away schema selected with ``search_path``, dropped afterwards). The fixtures here
are imported by the other ``test_store_*.py`` modules.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator

import psycopg
import pytest

from assistant.store import SessionStore, make_session_store, make_session_store_from_url
from assistant.store.engine import make_engine, normalise_url
from core.errors import ConfigError, InvalidInput, SessionNotFound
from core.settings import Settings

PG_URL = os.environ.get("TUTOR_TEST_DATABASE_URL", "")
PG_SKIP = "set TUTOR_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections use a fresh PostgreSQL schema (dropped at teardown)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"t_store_{secrets.token_hex(6)}"
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tutor.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url) -> Iterator[SessionStore]:
    s = make_session_store_from_url(store_url)
    yield s
    s.close()


def test_ids_are_random_128_bit_tokens(store):
    ids = {store.create_session("web") for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 32 and i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_history_survives_a_new_store_object(store_url):
    first = make_session_store_from_url(store_url)
    sid = first.create_session("web")
    first.append_message(sid, "user", "what is the hidden state?")
    first.append_message(sid, "assistant", "A running summary, $h_t$.", {"citations": ["s1"]})
    first.set_state(sid, {"exercise_id": "L1-42", "hint_rung": 2})
    first.close()

    second = make_session_store_from_url(store_url)
    try:
        assert second.exists(sid)
        assert [(m.role, m.content) for m in second.messages(sid)] == [
            ("user", "what is the hidden state?"),
            ("assistant", "A running summary, $h_t$."),
        ]
        assert second.message_records(sid)[1].meta == {"citations": ["s1"]}
        assert second.get_state(sid) == {"exercise_id": "L1-42", "hint_rung": 2}
    finally:
        second.close()


def test_sessions_are_isolated(store):
    a, b = store.create_session("web"), store.create_session("slack")
    store.append_message(a, "user", "only in a")
    store.set_state(a, {"exercise_id": "A"})
    assert store.messages(b) == []
    assert store.get_state(b) == {}
    assert [m.content for m in store.messages(a)] == ["only in a"]
    assert store.append_message(b, "user", "first in b") == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s, sid: s.require(sid),
        lambda s, sid: s.messages(sid),
        lambda s, sid: s.append_message(sid, "user", "hi"),
        lambda s, sid: s.get_state(sid),
        lambda s, sid: s.set_state(sid, {}),
        lambda s, sid: s.record_exercise(sid, "ex", "trace", True, 1, 0),
        lambda s, sid: s.progress(sid),
        lambda s, sid: s.due_cards(sid, ["c1"]),
        lambda s, sid: s.review_card(sid, "c1", "good"),
        lambda s, sid: s.add_feedback(sid, 0, "up"),
    ],
)
def test_unknown_session_is_an_error(store, call):
    assert not store.exists("nope")
    with pytest.raises(SessionNotFound, match="'nope' does not exist. Start a new chat"):
        call(store, "nope")
    assert store.list_sessions() == []  # nothing was created on the side


def test_seq_is_ordered_gap_free_and_limit_returns_the_tail(store):
    sid = store.create_session("cli")
    seqs = [store.append_message(sid, ("user", "assistant")[i % 2], f"m{i}") for i in range(7)]
    assert seqs == list(range(7))
    assert [m.content for m in store.messages(sid)] == [f"m{i}" for i in range(7)]
    assert [r.seq for r in store.message_records(sid, limit=3)] == [4, 5, 6]
    assert store.messages(sid, limit=0) == []
    created = [m.created_at for m in store.messages(sid)]
    assert created == sorted(created) and created[0].endswith("+00:00")


def test_bad_arguments_raise_invalid_input(store):
    sid = store.create_session("web")
    with pytest.raises(InvalidInput, match="role 'system' is not valid"):
        store.append_message(sid, "system", "x")
    with pytest.raises(InvalidInput, match="JSON-serialisable"):
        store.set_state(sid, {"x": object()})
    with pytest.raises(InvalidInput, match="must be a dict"):
        store.set_state(sid, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="channel"):
        store.create_session("")
    with pytest.raises(InvalidInput, match="external_key"):
        store.session_for("slack", "")
    with pytest.raises(InvalidInput, match="limit"):
        store.messages(sid, limit=-1)


def test_session_for_is_get_or_create_and_race_safe(store_url):
    stores = [make_session_store_from_url(store_url) for _ in range(2)]
    barrier = threading.Barrier(8)
    got: list[str] = []

    def worker(i: int) -> None:
        barrier.wait()
        got.append(stores[i % 2].session_for("slack", "slack:T1:C9:1700000000.000100"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(got) == 8 and len(set(got)) == 1
        assert stores[0].session_for("slack", "slack:T1:C9:1700000000.000100") == got[0]
        assert stores[0].session_for("slack", "other") != got[0]
        assert stores[0].session_for("discord", "slack:T1:C9:1700000000.000100") != got[0]
        assert len(stores[0].list_sessions()) == 3
    finally:
        for s in stores:
            s.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    store = make_session_store(Settings(data_dir=tmp_path / "data"))
    try:
        assert (tmp_path / "data" / "tutor.db").exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        store.close()


def test_database_urls_are_normalised_or_rejected():
    assert normalise_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(ConfigError, match="Unsupported database URL scheme 'mysql'"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(ConfigError, match="in-memory SQLite"):
        make_engine("sqlite://")


def test_ping_reports_whether_the_database_answers(store_url):
    store = make_session_store_from_url(store_url)
    assert store.ping() is True
    store.close()
    broken = SessionStore(make_engine("postgresql://nobody@127.0.0.1:1/none"), create_schema=False)
    assert broken.ping() is False


def test_a_session_can_move_to_a_new_external_key(store_url):
    store = make_session_store_from_url(store_url)
    try:
        sid = store.create_session("openai", "dialogue:one")
        other = store.create_session("openai", "dialogue:taken")
        assert store.find_session("openai", "dialogue:one") == sid
        assert store.find_session("openai", "dialogue:unknown") is None
        assert store.rebind_key(sid, "openai", "dialogue:two")
        assert store.find_session("openai", "dialogue:one") is None
        assert store.find_session("openai", "dialogue:two") == sid
        # a key held by another session is refused, and both sessions keep theirs
        assert not store.rebind_key(sid, "openai", "dialogue:taken")
        assert store.find_session("openai", "dialogue:taken") == other
        assert store.find_session("openai", "dialogue:two") == sid
        with pytest.raises(SessionNotFound):
            store.rebind_key("no-such-session", "openai", "dialogue:three")
    finally:
        store.close()
