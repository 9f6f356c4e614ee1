# ruff: noqa: F811
"""Button tokens in the session store, on SQLite and PostgreSQL.

A token stands for (session, platform user) in one channel; it is random, resolves on
any store object over the same database (another instance, a restart), expires, is
swept when new tokens are issued, goes with its session, and appears in databases
created before the table existed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from assistant.store import make_session_store_from_url
from assistant.store.buttons import TOKEN_TTL
from assistant.store.engine import make_engine
from assistant.store.records import ButtonOwner
from assistant.store.schema import button_tokens
from core.errors import InvalidInput, SessionNotFound

# the SQLite/PostgreSQL fixtures are shared with test_store.py (imported, not redefined)
from tests.assistant.test_store import pg_url, store, store_url  # noqa: F401
from tests.assistant.test_store_migrations import make_legacy_database

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_token_resolves_to_its_session_and_owner_in_its_channel_only(store):
    sid = store.create_session("slack", "T1:C1:1.0")
    tokens = {store.issue_button_token("slack", sid, "U42") for _ in range(3)}
    assert len(tokens) == 3  # one per message, never reused
    for token in tokens:
        assert len(token) >= 22 and sid not in token  # >= 128 random bits, URL-safe
        assert store.resolve_button_token("slack", token) == ButtonOwner(sid, "U42")
        assert store.resolve_button_token("discord", token) is None
    for junk in ("", "nope", sid, "x" * 500, None, 7):
        assert store.resolve_button_token("slack", junk) is None


def test_tokens_work_on_another_store_object_like_another_instance(store_url):
    first = make_session_store_from_url(store_url)
    try:
        sid = first.create_session("discord", "G1:C1:U7")
        token = first.issue_button_token("discord", sid, "U7")
    finally:
        first.close()
    second = make_session_store_from_url(store_url)  # a restart, or another instance
    try:
        assert second.resolve_button_token("discord", token) == ButtonOwner(sid, "U7")
    finally:
        second.close()


def test_tokens_expire_and_expired_ones_are_swept(store):
    sid = store.create_session("slack")
    old = store.issue_button_token("slack", sid, "U1", now=T0)
    assert store.resolve_button_token("slack", old, now=T0 + TOKEN_TTL - timedelta(seconds=1))
    assert store.resolve_button_token("slack", old, now=T0 + TOKEN_TTL) is None
    later = T0 + TOKEN_TTL + timedelta(days=1)
    fresh = store.issue_button_token("slack", sid, "U1", now=later)
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(button_tokens.c.token)).scalars().all()
    assert left == [fresh]


def test_a_token_needs_a_session_and_an_owner(store):
    with pytest.raises(SessionNotFound):
        store.issue_button_token("slack", "no-such-session", "U1")
    sid = store.create_session("slack")
    for owner in ("", "u" * 300, None):
        with pytest.raises(InvalidInput, match="owner"):
            store.issue_button_token("slack", sid, owner)
    with pytest.raises(InvalidInput, match="channel"):
        store.issue_button_token("", sid, "U1")


def test_tokens_go_with_their_session(store):
    sid = store.create_session("slack")
    token = store.issue_button_token("slack", sid, "U1")
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM sessions WHERE id = :id"), {"id": sid})
    assert store.resolve_button_token("slack", token) is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(button_tokens)).scalar() == 0


def test_a_database_from_before_button_tokens_gets_the_table(store_url):
    engine = make_engine(store_url)
    try:  # made by the pre-Alembic tutor before this table existed
        make_legacy_database(engine, skip=("button_tokens",))
    finally:
        engine.dispose()
    store = make_session_store_from_url(store_url)  # start-up adopts and upgrades it
    try:
        sid = store.create_session("discord")
        token = store.issue_button_token("discord", sid, "U7")
        assert store.resolve_button_token("discord", token) == ButtonOwner(sid, "U7")
    finally:
        store.close()
