"""The session store's tables: the SQLAlchemy models every query module imports.

Changing one needs an Alembic revision in ``migrations/versions/`` as well (see
``migrations/__init__.py``); ``migrate.upgrade`` applies the revisions at store start-up
and from ``tutor db upgrade``. ``tests/assistant/test_store_migrations.py`` checks that
the revisions build exactly these tables.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)


def _session_ref(**options: Any) -> sa.Column:
    """The ``session_id`` column of a row that belongs to a session (deleted with it)."""
    return sa.Column(
        "session_id",
        sa.String(64),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        **options,
    )


sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("external_key", sa.String(300), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("state", sa.Text, nullable=False, default="{}"),
    # one session per platform conversation; NULL keys (web/api sessions) never clash
    sa.UniqueConstraint("channel", "external_key", name="uq_sessions_channel_key"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _session_ref(nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("meta", sa.Text, nullable=False, default="{}"),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("session_id", "seq", name="uq_messages_session_seq"),
)

exercise_results = sa.Table(
    "exercise_results",
    metadata,
    _session_ref(primary_key=True),
    sa.Column("exercise_id", sa.String(128), primary_key=True),
    sa.Column("skill", sa.String(64), nullable=False),
    sa.Column("solved", sa.Boolean, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("hints_used", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

cards = sa.Table(
    "cards",
    metadata,
    _session_ref(primary_key=True),
    sa.Column("card_id", sa.String(128), primary_key=True),
    sa.Column("fsrs_card", sa.Text, nullable=False),
    sa.Column("due", TS, nullable=False),
    sa.Column("reviews", sa.Integer, nullable=False, default=0),
    sa.Column("last_rating", sa.String(8), nullable=True),
    sa.Column("updated_at", TS, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _session_ref(nullable=False),
    sa.Column("message_seq", sa.Integer, nullable=False),
    sa.Column("rating", sa.String(8), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("created_at", TS, nullable=False),
)

# Where a stateless client's conversation stood: the fingerprint of the dialogue it will
# resend (``key``), the session, how many messages that session had then (``seq``) and
# its state then. Several sessions may share a point (two clients that said the same);
# a client that comes back to a point its session has moved past gets a fork of it.
dialogue_points = sa.Table(
    "dialogue_points",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    _session_ref(primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    # set once a request has continued from here: the session is no longer at this point
    sa.Column("passed", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", TS, nullable=False),
)

# A scratch row written and deleted to check that the database can store again after a
# storage failure (readiness); never holds data.
storage_probe = sa.Table(
    "storage_probe",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("filler", sa.Text, nullable=False),
)

sa.Index("ix_sessions_updated_at", sessions.c.updated_at)
sa.Index("ix_cards_session_due", cards.c.session_id, cards.c.due)
sa.Index("ix_feedback_created_at", feedback.c.created_at)
sa.Index("ix_dialogue_points_created_at", dialogue_points.c.created_at)

# What a chat button carries instead of the session id (see buttons.py): a random token
# bound to the session and to the platform user the button was posted for.
button_tokens = sa.Table(
    "button_tokens",
    metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    _session_ref(nullable=False),
    sa.Column("owner", sa.String(255), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)
sa.Index("ix_button_tokens_session_id", button_tokens.c.session_id)
sa.Index("ix_button_tokens_expires_at", button_tokens.c.expires_at)

# Every answer the assessor read (assistant.listening): the concept and question it
# answered, its label, the misconception it voiced and the expected points it covered
# and missed (JSON lists of indices). The instructor view counts these class-wide.
assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _session_ref(nullable=False),
    sa.Column("concept", sa.String(64), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("label", sa.String(16), nullable=False),
    sa.Column("misconception", sa.String(64), nullable=True),
    sa.Column("covered", sa.Text, nullable=False),
    sa.Column("missing", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)
sa.Index("ix_assessments_session_id", assessments.c.session_id)

# Each learner's (session's) knowledge-tracing estimate per concept (assistant.listening.mastery).
mastery = sa.Table(
    "mastery",
    metadata,
    _session_ref(primary_key=True),
    sa.Column("concept", sa.String(64), primary_key=True),
    sa.Column("p", sa.Float, nullable=False),
    sa.Column("assessed", sa.Integer, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)
