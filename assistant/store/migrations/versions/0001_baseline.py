"""Baseline: the session store's tables as the hand-written ``schema_version`` 1 made them.

On an empty database this creates the whole schema. A database made before Alembic is
adopted (``migrate.upgrade`` drops its ``schema_version`` table first) and runs this
revision too: its tables exist, so only the ones it lacks are created, with any missing
index. The pre-Alembic start-up did the same with ``create_all`` on every start, and a
database made by an older build under version 1 may lack a table added since (e.g.
``button_tokens``).

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _session_id(*, primary_key: bool = False) -> sa.Column:
    """The ``session_id`` of a child table: its rows go when their session goes."""
    return sa.Column(
        "session_id",
        sa.String(64),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def _tables() -> dict[str, tuple[sa.schema.SchemaItem, ...]]:
    """Table name -> its columns and constraints, parents first (new objects on each
    call: a column belongs to one table). Frozen: later changes are new revisions."""
    return {
        "sessions": (
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("external_key", sa.String(300), nullable=True),
            sa.Column("created_at", TS, nullable=False),
            sa.Column("updated_at", TS, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
            sa.UniqueConstraint("channel", "external_key", name="uq_sessions_channel_key"),
        ),
        "messages": (
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            _session_id(),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("content", sa.Text, nullable=False),
            sa.Column("meta", sa.Text, nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.UniqueConstraint("session_id", "seq", name="uq_messages_session_seq"),
        ),
        "exercise_results": (
            _session_id(primary_key=True),
            sa.Column("exercise_id", sa.String(128), primary_key=True),
            sa.Column("skill", sa.String(64), nullable=False),
            sa.Column("solved", sa.Boolean, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("hints_used", sa.Integer, nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Column("updated_at", TS, nullable=False),
        ),
        "cards": (
            _session_id(primary_key=True),
            sa.Column("card_id", sa.String(128), primary_key=True),
            sa.Column("fsrs_card", sa.Text, nullable=False),
            sa.Column("due", TS, nullable=False),
            sa.Column("reviews", sa.Integer, nullable=False),
            sa.Column("last_rating", sa.String(8), nullable=True),
            sa.Column("updated_at", TS, nullable=False),
        ),
        "feedback": (
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            _session_id(),
            sa.Column("message_seq", sa.Integer, nullable=False),
            sa.Column("rating", sa.String(8), nullable=False),
            sa.Column("comment", sa.Text, nullable=True),
            sa.Column("created_at", TS, nullable=False),
        ),
        "dialogue_points": (
            sa.Column("channel", sa.String(32), primary_key=True),
            sa.Column("key", sa.String(64), primary_key=True),
            _session_id(primary_key=True),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("passed", sa.Boolean, nullable=False),
            sa.Column("created_at", TS, nullable=False),
        ),
        "storage_probe": (
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("filler", sa.Text, nullable=False),
        ),
        "button_tokens": (
            sa.Column("token", sa.String(64), primary_key=True),
            sa.Column("channel", sa.String(32), nullable=False),
            _session_id(),
            sa.Column("owner", sa.String(255), nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Column("expires_at", TS, nullable=False),
        ),
    }


# index name -> (table, columns)
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_sessions_updated_at": ("sessions", ["updated_at"]),
    "ix_cards_session_due": ("cards", ["session_id", "due"]),
    "ix_feedback_created_at": ("feedback", ["created_at"]),
    "ix_dialogue_points_created_at": ("dialogue_points", ["created_at"]),
    "ix_button_tokens_session_id": ("button_tokens", ["session_id"]),
    "ix_button_tokens_expires_at": ("button_tokens", ["expires_at"]),
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    tables = _tables()
    for name, items in tables.items():
        if name not in existing:
            op.create_table(name, *items)
    indexed = {
        index["name"]
        for table in existing & tables.keys()
        for index in inspector.get_indexes(table)
    }
    for name, (table, columns) in INDEXES.items():
        if name not in indexed:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
    for name in reversed(list(_tables())):
        op.drop_table(name)
