"""``SessionStore``: the tutor's persistent memory (sessions, history, state, progress).

One object per process, shared by all threads; every method is synchronous and each
write is its own short transaction. Conversation turns on one session are serialised
with ``with store.locked(session_id): ...`` (across processes on PostgreSQL, see
``locks.py``). Learner progress, flashcard scheduling, feedback and the instructor's
admin queries are implemented in ``progress.py`` and ``admin.py``; this class is the
one interface the rest of the tutor uses. Message ``seq`` numbers start at 0 and are
gap-free, so an index into ``messages(session_id)`` is the message's ``seq``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.store import admin, progress
from assistant.store.engine import make_engine, read_tx, write_tx
from assistant.store.locks import SessionLocks
from assistant.store.records import (
    MAX_CHANNEL_LEN,
    MAX_EXTERNAL_KEY_LEN,
    ROLES,
    MessageRecord,
    iso,
    utcnow,
)
from assistant.store.schema import messages, sessions, upgrade
from assistant.types import StoredMessage
from core.errors import InvalidInput, SessionNotFound

_SESSION_FOR_RETRIES = 5


class SessionStore:
    """Sessions, messages, per-session state, progress, flashcards and feedback."""

    def __init__(self, engine: Engine, *, create_schema: bool = True) -> None:
        self.engine = engine
        self._locks = SessionLocks(engine)
        if create_schema:
            upgrade(engine)

    # -- sessions ---------------------------------------------------------------------

    def create_session(self, channel: str, external_key: str | None = None) -> str:
        """Create a session and return its id (a random >= 128-bit URL-safe token)."""
        _check_channel(channel)
        if external_key is not None:
            _check_external_key(external_key)
        session_id = secrets.token_urlsafe(24)
        now = utcnow()
        with write_tx(self.engine) as conn:
            conn.execute(
                sa.insert(sessions).values(
                    id=session_id,
                    channel=channel,
                    external_key=external_key,
                    created_at=now,
                    updated_at=now,
                    state="{}",
                )
            )
        return session_id

    def session_for(self, channel: str, external_key: str) -> str:
        """The session bound to ``external_key`` (a Slack thread, a Discord channel+user),
        created on first use. Race-safe across threads and processes."""
        _check_channel(channel)
        _check_external_key(external_key)
        for _ in range(_SESSION_FOR_RETRIES):
            with read_tx(self.engine) as conn:
                found = conn.execute(
                    sa.select(sessions.c.id).where(sessions.c.external_key == external_key)
                ).scalar()
            if found is not None:
                return found
            try:
                return self.create_session(channel, external_key)
            except sa.exc.IntegrityError:
                continue  # another thread or process created it first: read it back
        raise InvalidInput(f"Could not create a session for external key {external_key!r}.")

    def exists(self, session_id: str) -> bool:
        """Whether ``session_id`` names a stored session."""
        if not isinstance(session_id, str) or not session_id:
            return False
        with read_tx(self.engine) as conn:
            return _exists(conn, session_id)

    def require(self, session_id: str) -> None:
        """Raise ``SessionNotFound`` unless the session exists."""
        if not self.exists(session_id):
            raise _not_found(session_id)

    # -- history ----------------------------------------------------------------------

    def append_message(
        self, session_id: str, role: str, content: str, meta: dict[str, Any] | None = None
    ) -> int:
        """Append a message and return its ``seq`` (0-based, gap-free, strictly increasing)."""
        if role not in ROLES:
            raise InvalidInput(
                f"Message role {role!r} is not valid; use one of {', '.join(ROLES)}."
            )
        if not isinstance(content, str):
            raise InvalidInput("Message content must be a string.")
        meta_json = json.dumps(meta or {}, default=str)
        now = utcnow()
        with write_tx(self.engine) as conn:
            _touch(conn, session_id, now)  # locks the session row on PostgreSQL
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

    def messages(self, session_id: str, limit: int | None = None) -> list[StoredMessage]:
        """The history, oldest first; with ``limit``, only the last ``limit`` messages."""
        return [
            StoredMessage(role=r.role, content=r.content, created_at=r.created_at)  # type: ignore[arg-type]
            for r in self.message_records(session_id, limit)
        ]

    def message_records(self, session_id: str, limit: int | None = None) -> list[MessageRecord]:
        """Like ``messages`` but with ``seq`` and ``meta`` (what the tutor stored alongside)."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidInput(f"limit must be a non-negative integer, got {limit!r}.")
        with read_tx(self.engine) as conn:
            if not _exists(conn, session_id):
                raise _not_found(session_id)
            query = sa.select(messages).where(messages.c.session_id == session_id)
            query = query.order_by(messages.c.seq.desc() if limit is not None else messages.c.seq)
            if limit is not None:
                query = query.limit(limit)
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

    # -- per-session state ------------------------------------------------------------

    def get_state(self, session_id: str) -> dict[str, Any]:
        """The session's JSON state (open exercise, hint rung, card in review...); {} at first."""
        with read_tx(self.engine) as conn:
            raw = conn.execute(
                sa.select(sessions.c.state).where(sessions.c.id == session_id)
            ).scalar()
        if raw is None:
            raise _not_found(session_id)
        return json.loads(raw)

    def set_state(self, session_id: str, state: dict[str, Any]) -> None:
        """Replace the session's state (must be JSON-serialisable)."""
        if not isinstance(state, dict):
            raise InvalidInput(f"Session state must be a dict, got {type(state).__name__}.")
        try:
            raw = json.dumps(state)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"Session state must be JSON-serialisable: {exc}.") from None
        with write_tx(self.engine) as conn:
            _touch(conn, session_id, utcnow(), state=raw)

    def locked(self, session_id: str) -> AbstractContextManager[None]:
        """Serialise a whole turn on one session: ``with store.locked(sid): ...``.

        Re-entrant within a thread. Serialises processes too: a PostgreSQL advisory
        lock (any number of hosts), or a file record lock next to the SQLite file (one
        machine). Writes inside are still one transaction each.
        """
        return self._locks.hold(session_id)

    # -- progress and flashcards (progress.py) -----------------------------------------

    def record_exercise(
        self,
        session_id: str,
        exercise_id: str,
        skill: str,
        solved: bool,
        attempts: int,
        hints_used: int,
    ) -> None:
        """Record (or update: one row per exercise id) the outcome of an exercise."""
        progress.record_exercise(
            self.engine, session_id, exercise_id, skill, solved, attempts, hints_used
        )

    def progress(
        self, session_id: str, card_ids: list[str] | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """``{"skills": {skill: {"tried", "solved"}}, "tried", "solved", "hints_used",
        "flashcards_reviewed", "flashcards_due"}``. With ``card_ids`` (the deck), unseen
        cards of the deck count as due; without, only reviewed cards that are due."""
        return progress.progress(self.engine, session_id, card_ids, now)

    def due_cards(
        self, session_id: str, card_ids: list[str], now: datetime | None = None
    ) -> list[str]:
        """The cards of ``card_ids`` due now: reviewed cards due, most overdue first,
        then never-seen cards in deck order."""
        return progress.due_cards(self.engine, session_id, card_ids, now)

    def review_card(
        self, session_id: str, card_id: str, rating: str, now: datetime | None = None
    ) -> datetime:
        """Schedule ``card_id`` with FSRS after a review rated again|hard|good|easy;
        return the next due time (UTC)."""
        return progress.review_card(self.engine, session_id, card_id, rating, now)

    # -- feedback and the instructor's view (admin.py) ----------------------------------

    def add_feedback(
        self, session_id: str, message_seq: int, rating: str, comment: str | None = None
    ) -> int:
        """Store a thumbs up/down on an assistant message (by ``seq``); return its id."""
        return admin.add_feedback(self.engine, session_id, message_seq, rating, comment)

    def list_sessions(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Newest activity first: ``{id, channel, created_at, messages, last_activity}``."""
        return admin.list_sessions(self.engine, limit, offset)

    def top_questions(self, limit: int = 20) -> list[tuple[str, int]]:
        """The most frequent learner messages (lower-cased, whitespace and end
        punctuation normalised) with their counts."""
        return admin.top_questions(self.engine, limit)

    def exercise_stats(self) -> dict[str, dict[str, float]]:
        """Per skill over all sessions: ``{skill: {"tried", "solved", "rate"}}``."""
        return admin.exercise_stats(self.engine)

    def feedback_rows(self, limit: int = 100) -> list[dict[str, Any]]:
        """Newest feedback first: ``{id, session_id, message_seq, rating, comment,
        created_at, message}`` (``message`` is the rated reply's text)."""
        return admin.feedback_rows(self.engine, limit)

    def export_rows(self) -> Iterator[dict[str, Any]]:
        """Every message of every session for a CSV export: ``{session_id, channel,
        seq, role, content, created_at, rating}`` (rating: feedback on it, or "")."""
        return admin.export_rows(self.engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def make_session_store_from_url(url: str) -> SessionStore:
    """A store over ``url`` (SQLite file or PostgreSQL), schema created if missing."""
    return SessionStore(make_engine(url))


def _exists(conn: Connection, session_id: str) -> bool:
    return (
        conn.execute(sa.select(sessions.c.id).where(sessions.c.id == session_id)).first()
        is not None
    )


def _touch(conn: Connection, session_id: str, now: datetime, **values: Any) -> None:
    """Bump ``updated_at`` (taking the row lock) or raise ``SessionNotFound``."""
    result = conn.execute(
        sa.update(sessions).where(sessions.c.id == session_id).values(updated_at=now, **values)
    )
    if result.rowcount == 0:
        raise _not_found(session_id)


def _not_found(session_id: object) -> SessionNotFound:
    return SessionNotFound(
        f"Session {session_id!r} does not exist. Start a new chat by sending no session_id.",
        session_id=session_id,
    )


def _check_channel(channel: object) -> None:
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
