"""``SessionStore``: the tutor's persistent memory (sessions, history, state, progress).

One object per process, shared by all threads; every method is synchronous and each
write is its own short transaction. Conversation turns on one session are serialised
with ``with store.locked(session_id): ...`` (across processes too, see ``locks.py``).
The work is done in ``history.py``, ``progress.py`` and ``admin.py``; this class is the
one interface the rest of the tutor uses. Message ``seq`` numbers start at 0 and are
gap-free, so an index into ``messages(session_id)`` is that message's ``seq``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.store import admin, dialogues, history, learning, progress
from assistant.store.buttons import issue as issue_button
from assistant.store.buttons import resolve as resolve_button
from assistant.store.engine import STORAGE, make_engine, write_tx
from assistant.store.locks import SessionLocks
from assistant.store.migrate import upgrade
from assistant.store.records import ButtonOwner, MessageRecord
from assistant.store.schema import storage_probe
from assistant.types import StoredMessage
from core.errors import StorageUnavailable


class SessionStore:
    """Sessions, messages, per-session state, progress, flashcards and feedback."""

    def __init__(self, engine: Engine, *, create_schema: bool = True) -> None:
        self.engine = engine
        self._locks = SessionLocks(engine)
        if create_schema:
            upgrade(engine)

    # -- sessions and history (history.py) ---------------------------------------------

    def create_session(self, channel: str, external_key: str | None = None) -> str:
        """Create a session and return its id (a random >= 128-bit URL-safe token)."""
        return history.create_session(self.engine, channel, external_key)

    def session_for(self, channel: str, external_key: str) -> str:
        """The session of ``channel`` bound to ``external_key`` (a Slack thread, a Discord
        channel+user), created on first use. Race-safe across threads and processes."""
        return history.session_for(self.engine, channel, external_key)

    def find_session(self, channel: str, external_key: str) -> str | None:
        """The session bound to ``external_key`` in ``channel``, or None (creates nothing)."""
        return history.find_session(self.engine, channel, external_key)

    def rebind_key(self, session_id: str, channel: str, external_key: str) -> bool:
        """Bind ``session_id`` to a new external key (e.g. a conversation's latest
        fingerprint); False if another session holds it already."""
        return history.rebind(self.engine, session_id, channel, external_key)

    def mark_point(self, channel: str, key: str, session_id: str) -> None:
        """Remember that a stateless client's dialogue ``key`` stands at ``session_id`` as
        it is now (its messages and state); see ``dialogues.py``."""
        dialogues.mark_point(self.engine, channel, key, session_id)

    def resume_point(self, channel: str, key: str) -> str | None:
        """The session where dialogue ``key`` stands, forked if that session has moved on
        since; None for a dialogue never seen."""
        return dialogues.resume_point(self.engine, channel, key)

    def exists(self, session_id: str) -> bool:
        """Whether ``session_id`` names a stored session."""
        return history.exists(self.engine, session_id)

    def require(self, session_id: str) -> None:
        """Raise ``SessionNotFound`` unless the session exists."""
        if not history.exists(self.engine, session_id):
            raise history.not_found(session_id)

    def append_message(
        self, session_id: str, role: str, content: str, meta: dict[str, Any] | None = None
    ) -> int:
        """Append a ``user``/``assistant`` message (``meta``: any JSON-serialisable dict)
        and return its ``seq`` (0-based, gap-free, strictly increasing per session)."""
        return history.append_message(self.engine, session_id, role, content, meta)

    def messages(self, session_id: str, limit: int | None = None) -> list[StoredMessage]:
        """The history, oldest first; with ``limit``, only the last ``limit`` messages."""
        return [
            StoredMessage(role=r.role, content=r.content, created_at=r.created_at)  # type: ignore[arg-type]
            for r in history.message_records(self.engine, session_id, limit)
        ]

    def message_records(self, session_id: str, limit: int | None = None) -> list[MessageRecord]:
        """Like ``messages`` but with ``seq`` and ``meta`` (what the tutor stored alongside)."""
        return history.message_records(self.engine, session_id, limit)

    def get_state(self, session_id: str) -> dict[str, Any]:
        """The session's JSON state (open exercise, hint rung, card in review...); {} at first."""
        return history.get_state(self.engine, session_id)

    def set_state(self, session_id: str, state: dict[str, Any]) -> None:
        """Replace the session's state (must be a JSON-serialisable dict)."""
        history.set_state(self.engine, session_id, state)

    def locked(self, session_id: str) -> AbstractContextManager[None]:
        """Serialise a whole turn on one session: ``with store.locked(sid): ...``.

        Re-entrant within a thread. Serialises processes too: a PostgreSQL advisory
        lock (any number of hosts), or a file record lock next to the SQLite file (one
        machine). Writes inside are still one transaction each.
        """
        return self._locks.hold(session_id)

    # -- chat buttons (buttons.py) ------------------------------------------------------

    def issue_button_token(
        self, channel: str, session_id: str, owner: str, now: datetime | None = None
    ) -> str:
        """A random token for an exercise message's buttons, in place of the session id:
        it acts on ``session_id`` and belongs to ``owner`` (the platform user it was
        posted for); it expires after ``buttons.TOKEN_TTL``."""
        return issue_button(self.engine, channel, session_id, owner, now)

    def resolve_button_token(
        self, channel: str, token: str, now: datetime | None = None
    ) -> ButtonOwner | None:
        """The session and owner a button token of ``channel`` stands for, or None when
        the token is unknown or expired."""
        return resolve_button(self.engine, channel, token, now)

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
        "flashcards_reviewed", "flashcards_due"}``. With ``card_ids`` (the deck), due counts
        the deck's cards that are due or never seen; without, reviewed cards that are due."""
        return progress.progress(self.engine, session_id, card_ids, now)

    def due_cards(
        self,
        session_id: str,
        card_ids: list[str],
        now: datetime | None = None,
        sooner: Collection[str] = (),
    ) -> list[str]:
        """The cards of ``card_ids`` due now: reviewed cards due, most overdue first,
        then never-seen cards in deck order. Cards in ``sooner`` (of concepts the learner
        is weak on) come due ``progress.SOONER`` early, and first among the new ones."""
        return progress.due_cards(self.engine, session_id, card_ids, now, sooner)

    def review_card(
        self, session_id: str, card_id: str, rating: str, now: datetime | None = None
    ) -> datetime:
        """Schedule ``card_id`` with FSRS after a review rated again|hard|good|easy;
        return the next due time (UTC)."""
        return progress.review_card(self.engine, session_id, card_id, rating, now)

    # -- what the assessor learned (learning.py) ----------------------------------------

    def record_assessment(
        self,
        session_id: str,
        concept: str,
        question: str,
        label: str,
        misconception: str | None = None,
        covered: list[int] | tuple[int, ...] = (),
        missing: list[int] | tuple[int, ...] = (),
    ) -> float | None:
        """Store an assessed answer and update the concept's mastery; return the new
        estimate (None when the label is no evidence, e.g. off-topic)."""
        return learning.record_assessment(
            self.engine, session_id, concept, question, label, misconception, covered, missing
        )

    def mastery(self, session_id: str) -> dict[str, dict[str, Any]]:
        """concept -> ``{"p", "assessed"}`` for the concepts this learner was assessed on."""
        return learning.learner_mastery(self.engine, session_id)

    def misconceptions(self, session_id: str) -> dict[str, int]:
        """misconception id -> how many of this learner's answers voiced it."""
        return dict(learning.learner_misconceptions(self.engine, session_id))

    def class_learning(self, limit: int = 20) -> dict[str, Any]:
        """Class-wide misconceptions met, concepts mastered, most-missed expected points."""
        return learning.class_learning(self.engine, limit)

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

    def ping(self) -> bool:
        """Whether the database answers (for readiness checks); never raises."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def storage_ok(self) -> bool:
        """False while the database cannot store (after a write failed for lack of space,
        until a probe write of a few pages succeeds again); never raises."""
        if STORAGE.failed_at(self.engine) is None:
            return True
        try:
            with write_tx(self.engine) as conn:
                conn.execute(sa.insert(storage_probe).values(id=1, filler="x" * 16_384))
                conn.execute(sa.delete(storage_probe))
        except (StorageUnavailable, sa.exc.SQLAlchemyError):
            return False
        STORAGE.recovered(self.engine)
        return True

    def close(self) -> None:
        """Release the connection pool (and the SQLite turn-lock file)."""
        self._locks.close()
        self.engine.dispose()


def make_session_store_from_url(url: str) -> SessionStore:
    """A store over ``url`` (SQLite file or PostgreSQL), schema created if missing."""
    return SessionStore(make_engine(url))
