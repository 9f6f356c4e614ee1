"""Listening: the assessor's answers and each learner's per-concept mastery.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _session_id(*, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "session_id",
        sa.String(64),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _session_id(),
        sa.Column("concept", sa.String(64), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("misconception", sa.String(64), nullable=True),
        sa.Column("covered", sa.Text, nullable=False),
        sa.Column("missing", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_assessments_session_id", "assessments", ["session_id"])
    op.create_table(
        "mastery",
        _session_id(primary_key=True),
        sa.Column("concept", sa.String(64), primary_key=True),
        sa.Column("p", sa.Float, nullable=False),
        sa.Column("assessed", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mastery")
    op.drop_index("ix_assessments_session_id", table_name="assessments")
    op.drop_table("assessments")
