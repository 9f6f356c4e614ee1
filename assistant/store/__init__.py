"""Persistent sessions, history, learner progress, flashcards and feedback.

``make_session_store(settings)`` returns the one ``SessionStore`` of a process, over
``settings.resolved_database_url``: a SQLite file in the data dir by default (WAL), or
PostgreSQL via ``TUTOR_DATABASE_URL`` for several instances. The schema is created or
migrated with Alembic on start-up and by ``tutor db upgrade`` (``migrate.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.store.records import CARD_RATINGS, FEEDBACK_RATINGS, ROLES, MessageRecord
from assistant.store.session_store import SessionStore, make_session_store_from_url

if TYPE_CHECKING:
    from core.settings import Settings


def make_session_store(settings: Settings) -> SessionStore:
    """The session store configured by ``settings`` (schema created if missing)."""
    return make_session_store_from_url(settings.resolved_database_url)


__all__ = [
    "CARD_RATINGS",
    "FEEDBACK_RATINGS",
    "ROLES",
    "MessageRecord",
    "SessionStore",
    "make_session_store",
    "make_session_store_from_url",
]
