"""Plain value types and vocabularies the session store hands out and accepts.

Kept apart from the SQLAlchemy code so callers (the tutor, the HTTP routes, the admin
page) can import them without touching the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ROLES = ("user", "assistant")
CARD_RATINGS = ("again", "hard", "good", "easy")
FEEDBACK_RATINGS = ("up", "down")
MAX_CHANNEL_LEN = 32
MAX_EXTERNAL_KEY_LEN = 255
MAX_COMMENT_LEN = 2000


@dataclass(frozen=True)
class MessageRecord:
    """One stored message with everything the store knows about it.

    ``seq`` is the 0-based position of the message in its session's history, so
    ``messages(session_id)[i]`` has ``seq == i`` (sequences are gap-free).
    """

    session_id: str
    seq: int
    role: str
    content: str
    created_at: str  # ISO 8601, UTC
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ButtonOwner:
    """What a chat button's token stands for: the session it acts on and the platform
    user it was posted for (the only one who may use it)."""

    session_id: str
    owner: str


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return as_utc(value).isoformat()
