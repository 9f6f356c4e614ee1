"""Sessions, their message history and their JSON state: the store's core tables.

Functions over an ``Engine`` (``SessionStore`` is the facade). Appending a message
bumps the session's ``updated_at`` first, which takes the session row's write lock
(PostgreSQL) or the database write lock (SQLite ``BEGIN IMMEDIATE``), so computing the
next ``seq`` as ``max + 1`` is safe even without ``SessionStore.locked``.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.store.engine import read_tx, write_tx
from assistant.store.records import (
    MAX_CHANNEL_LEN,
    MAX_EXTERNAL_KEY_LEN,
    ROLES,
    MessageRecord,
    iso,
    utcnow,
)
from assistant.store.schema import messages, sessions
from core.errors import InvalidInput, SessionNotFound

_SESSION_FOR_RETRIES = 5


def create_session(engine: Engine, channel: str, external_key: str | None) -> str:
    check_channel(channel)
    if external_key is not None:
        _check_external_key(external_key)
    with write_tx(engine) as conn:
        return insert_session(conn, channel, external_key)


def insert_session(
    conn: Connection, channel: str, external_key: str | None = None, state: str = "{}"
) -> str:
    """Insert a new session row inside an open transaction; return its id (a random
    192-bit URL-safe token)."""
    session_id = secrets.token_urlsafe(24)
    now = utcnow()
    conn.execute(
        sa.insert(sessions).values(
            id=session_id,
            channel=channel,
            external_key=external_key,
            created_at=now,
            updated_at=now,
            state=state,
        )
    )
    return session_id


def session_for(engine: Engine, channel: str, external_key: str) -> str:
    check_channel(channel)
    _check_external_key(external_key)
    for _ in range(_SESSION_FOR_RETRIES):
        with read_tx(engine) as conn:
            found = _bound_session(conn, channel, external_key)
        if found is not None:
            return found
        try:
            return create_session(engine, channel, external_key)
        except sa.exc.IntegrityError:
            continue  # another thread or process created it first: read it back
    raise InvalidInput(f"Could not create a session for external key {external_key!r}.")


def find_session(engine: Engine, channel: str, external_key: str) -> str | None:
    """The session bound to ``external_key`` in ``channel``, or None (never creates one)."""
    check_channel(channel)
    _check_external_key(external_key)
    with read_tx(engine) as conn:
        return _bound_session(conn, channel, external_key)


def _bound_session(conn: Connection, channel: str, external_key: str) -> str | None:
    query = sa.select(sessions.c.id).where(
        (sessions.c.channel == channel) & (sessions.c.external_key == external_key)
    )
    return conn.execute(query).scalar()


def rebind(engine: Engine, session_id: str, channel: str, external_key: str) -> bool:
    """Move ``session_id``'s external key to ``external_key``; False when another session
    of the channel already holds that key (the session keeps its old key then)."""
    check_channel(channel)
    _check_external_key(external_key)
    try:
        with write_tx(engine) as conn:
            done = conn.execute(
                sa.update(sessions)
                .where((sessions.c.id == session_id) & (sessions.c.channel == channel))
                .values(external_key=external_key)
            ).rowcount
    except sa.exc.IntegrityError:
        return False
    if not done:
        raise SessionNotFound(f"Session {session_id!r} of channel {channel!r} does not exist.")
    return True


def exists(engine: Engine, session_id: str) -> bool:
    if not isinstance(session_id, str) or not session_id:
        return False
    with read_tx(engine) as conn:
        return session_exists(conn, session_id)


def append_message(
    engine: Engine, session_id: str, role: str, content: str, meta: dict[str, Any] | None
) -> int:
    if role not in ROLES:
        raise InvalidInput(f"Message role {role!r} is not valid; use one of {', '.join(ROLES)}.")
    if not isinstance(content, str):
        raise InvalidInput("Message content must be a string.")
    try:
        meta_json = json.dumps(meta or {}, default=str)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Message meta must be JSON-serialisable: {exc}.") from None
    now = utcnow()
    with write_tx(engine) as conn:
        touch(conn, session_id, now)
        seq = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(messages.c.seq) + 1, 0)).where(
                messages.c.session_id == session_id
            )
        ).scalar_one()
        conn.execute(
            sa.insert(messages).values(
                session_id=session_id,
                seq=seq,
                role=role,
                content=content,
                meta=meta_json,
                created_at=now,
            )
        )
    return int(seq)


def message_records(engine: Engine, session_id: str, limit: int | None) -> list[MessageRecord]:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InvalidInput(f"limit must be a non-negative integer, got {limit!r}.")
    query = sa.select(messages).where(messages.c.session_id == session_id)
    if limit is None:
        query = query.order_by(messages.c.seq)
    else:
        query = query.order_by(messages.c.seq.desc()).limit(limit)
    with read_tx(engine) as conn:
        require_in(conn, session_id)
        rows = conn.execute(query).all()
    if limit is not None:
        rows.reverse()
    return [
        MessageRecord(
            session_id=r.session_id,
            seq=r.seq,
            role=r.role,
            content=r.content,
            created_at=iso(r.created_at),
            meta=json.loads(r.meta or "{}"),
        )
        for r in rows
    ]


def get_state(engine: Engine, session_id: str) -> dict[str, Any]:
    with read_tx(engine) as conn:
        raw = conn.execute(sa.select(sessions.c.state).where(sessions.c.id == session_id)).scalar()
    if raw is None:
        raise not_found(session_id)
    return json.loads(raw)


def set_state(engine: Engine, session_id: str, state: dict[str, Any]) -> None:
    if not isinstance(state, dict):
        raise InvalidInput(f"Session state must be a dict, got {type(state).__name__}.")
    try:
        raw = json.dumps(state)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Session state must be JSON-serialisable: {exc}.") from None
    with write_tx(engine) as conn:
        touch(conn, session_id, utcnow(), state=raw)


def session_exists(conn: Connection, session_id: str) -> bool:
    query = sa.select(sessions.c.id).where(sessions.c.id == session_id)
    return conn.execute(query).first() is not None


def require_in(conn: Connection, session_id: str) -> None:
    """Raise ``SessionNotFound`` inside an open transaction."""
    if not session_exists(conn, session_id):
        raise not_found(session_id)


def touch(conn: Connection, session_id: str, now: datetime, **values: Any) -> None:
    """Bump ``updated_at`` (taking the row lock) or raise ``SessionNotFound``."""
    result = conn.execute(
        sa.update(sessions).where(sessions.c.id == session_id).values(updated_at=now, **values)
    )
    if result.rowcount == 0:
        raise not_found(session_id)


def not_found(session_id: object) -> SessionNotFound:
    return SessionNotFound(
        f"Session {session_id!r} does not exist. Start a new chat by sending no session_id.",
        session_id=session_id,
    )


def check_channel(channel: object) -> None:
    """Raise ``InvalidInput`` unless ``channel`` is a channel name the store can hold."""
    if not isinstance(channel, str) or not channel or len(channel) > MAX_CHANNEL_LEN:
        raise InvalidInput(
            f"channel must be a non-empty string of at most {MAX_CHANNEL_LEN} characters "
            f"(e.g. 'web', 'slack'), got {channel!r}."
        )


def _check_external_key(key: object) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_EXTERNAL_KEY_LEN:
        raise InvalidInput(
            f"external_key must be a non-empty string of at most {MAX_EXTERNAL_KEY_LEN} "
            f"characters (e.g. 'slack:T1:C1:1700000000.0001'), got {key!r}."
        )
