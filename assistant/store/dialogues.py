"""Sessions of stateless clients: continue where the resent dialogue stands, or fork.

An OpenAI-style client sends no session id: it resends the whole dialogue each turn.
After each reply the tutor marks a *point*: the fingerprint of the dialogue the client
will send next, the session, its message count and its state at that moment. The next
request looks its dialogue's fingerprint up:

- the one session still at that point carries on, and the point is claimed for it in
  the same transaction (a second request for the same point, a moment later, forks);
- if the session has moved on since (the client went back and edited a message), or
  several sessions stand at the point (two clients said the same thing: the tutor
  cannot tell whose is whose), the tutor forks: a new session with a copy of the first
  ``seq`` messages and the state of that moment. So nobody continues in a session whose
  id another client was given, and no conversation loses history;
- an unknown fingerprint starts a new session (the caller decides).

Points are kept ``POINT_DAYS`` days (each mark drops the expired ones, an indexed range):
a client that comes back to a dialogue older than that starts a new session; the old
session and its history stay stored.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.store.engine import write_tx
from assistant.store.history import insert_session, touch
from assistant.store.records import utcnow
from assistant.store.schema import dialogue_points, messages, sessions

POINT_DAYS = 30


def _count(conn: Connection, session_id: str) -> int:
    query = sa.select(sa.func.count()).where(messages.c.session_id == session_id)
    return int(conn.execute(query).scalar_one())


def mark_point(engine: Engine, channel: str, key: str, session_id: str) -> None:
    """Record that ``session_id``, as it is now, is where dialogue ``key`` stands."""
    with write_tx(engine) as conn:
        touch(conn, session_id, utcnow())  # the row lock: no turn lands in between
        expired = utcnow() - timedelta(days=POINT_DAYS)
        conn.execute(sa.delete(dialogue_points).where(dialogue_points.c.created_at < expired))
        state = conn.execute(
            sa.select(sessions.c.state).where(sessions.c.id == session_id)
        ).scalar_one()
        where = (
            (dialogue_points.c.channel == channel)
            & (dialogue_points.c.key == key)
            & (dialogue_points.c.session_id == session_id)
        )
        conn.execute(sa.delete(dialogue_points).where(where))
        conn.execute(
            sa.insert(dialogue_points).values(
                channel=channel,
                key=key,
                session_id=session_id,
                seq=_count(conn, session_id),
                state=state,
                passed=False,
                created_at=utcnow(),
            )
        )


def resume_point(engine: Engine, channel: str, key: str) -> str | None:
    """The session to continue dialogue ``key`` in (a fork if needed), or None if unseen."""
    with write_tx(engine) as conn:
        points = conn.execute(
            sa.select(dialogue_points)
            .where((dialogue_points.c.channel == channel) & (dialogue_points.c.key == key))
            .order_by(dialogue_points.c.created_at.desc())
            .with_for_update()  # PostgreSQL: a concurrent resume waits, then sees the claim
        ).all()
        if not points:
            return None
        free = [p for p in points if not p.passed and _count(conn, p.session_id) == p.seq]
        if len(free) == 1 and len(points) == 1:
            point = free[0]
            conn.execute(
                sa.update(dialogue_points)
                .where(
                    (dialogue_points.c.channel == channel)
                    & (dialogue_points.c.key == key)
                    & (dialogue_points.c.session_id == point.session_id)
                )
                .values(passed=True)
            )
            return point.session_id
        return _fork(conn, channel, points[0])


def _fork(conn: Connection, channel: str, point: sa.Row) -> str:
    """A new session holding the first ``point.seq`` messages and the state of then."""
    fork_id = insert_session(conn, channel, state=point.state)
    rows = conn.execute(
        sa.select(messages)
        .where((messages.c.session_id == point.session_id) & (messages.c.seq < point.seq))
        .order_by(messages.c.seq)
    ).all()
    if rows:
        conn.execute(
            sa.insert(messages),
            [
                {
                    "session_id": fork_id,
                    "seq": r.seq,
                    "role": r.role,
                    "content": r.content,
                    "meta": _forked(r.meta, point.session_id),
                    "created_at": r.created_at,
                }
                for r in rows
            ],
        )
    return fork_id


def _forked(meta: str, source: str) -> str:
    data = json.loads(meta or "{}")
    data.setdefault("forked_from", source)
    return json.dumps(data)
