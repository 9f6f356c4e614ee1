"""Learner feedback and the instructor's queries behind the admin page and CSV export.

Feedback is a thumbs up/down (with an optional comment) on one assistant message,
addressed by its ``seq``. The admin queries aggregate over all sessions: recent
sessions with activity, the most frequent learner questions (normalised so "What is
the hidden state?" and "what is the hidden state" count together), exercise success
per skill, recent feedback, and a streaming export of every message.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.store.engine import read_tx, write_tx
from assistant.store.history import require_in
from assistant.store.records import FEEDBACK_RATINGS, MAX_COMMENT_LEN, iso, utcnow
from assistant.store.schema import exercise_results, feedback, messages, sessions
from core.errors import InvalidInput, LimitExceeded, NotFound

_EXPORT_BATCH = 500


def normalise_question(text: str) -> str:
    """Lower-case, collapse whitespace, drop trailing punctuation."""
    return re.sub(r"\s+", " ", text).strip().lower().rstrip("?!.,;: ").strip()


def _check_page(limit: object, offset: object = 0, max_limit: int = 1000) -> None:
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} must be a non-negative integer, got {value!r}.")
    if limit > max_limit:  # type: ignore[operator]
        raise LimitExceeded(f"limit must be at most {max_limit}, got {limit}.")


def add_feedback(
    engine: Engine, session_id: str, message_seq: int, rating: str, comment: str | None
) -> int:
    if rating not in FEEDBACK_RATINGS:
        raise InvalidInput(f"Feedback rating {rating!r} is not valid; use 'up' or 'down'.")
    if isinstance(message_seq, bool) or not isinstance(message_seq, int) or message_seq < 0:
        raise InvalidInput(f"message index must be a non-negative integer, got {message_seq!r}.")
    if comment is not None:
        if not isinstance(comment, str):
            raise InvalidInput("Feedback comment must be a string.")
        if len(comment) > MAX_COMMENT_LEN:
            raise LimitExceeded(
                f"Feedback comment is {len(comment)} characters; shorten it to at most {MAX_COMMENT_LEN}."
            )
        comment = comment.strip() or None
    with write_tx(engine) as conn:
        require_in(conn, session_id)
        role = conn.execute(
            sa.select(messages.c.role).where(
                (messages.c.session_id == session_id) & (messages.c.seq == message_seq)
            )
        ).scalar()
        if role is None:
            raise NotFound(
                f"Session {session_id!r} has no message {message_seq}; "
                "rate a message index taken from the session's history."
            )
        if role != "assistant":
            raise InvalidInput(
                f"Message {message_seq} is the learner's own message; feedback rates the tutor's replies."
            )
        result = conn.execute(
            sa.insert(feedback).values(
                session_id=session_id,
                message_seq=message_seq,
                rating=rating,
                comment=comment,
                created_at=utcnow(),
            )
        )
        return int(result.inserted_primary_key[0])


def list_sessions(engine: Engine, limit: int, offset: int) -> list[dict[str, Any]]:
    _check_page(limit, offset)
    counts = (
        sa.select(messages.c.session_id, sa.func.count().label("n"))
        .group_by(messages.c.session_id)
        .subquery()
    )
    query = (
        sa.select(sessions, sa.func.coalesce(counts.c.n, 0).label("n"))
        .outerjoin(counts, counts.c.session_id == sessions.c.id)
        .order_by(sessions.c.updated_at.desc(), sessions.c.id)
        .limit(limit)
        .offset(offset)
    )
    with read_tx(engine) as conn:
        rows = conn.execute(query).all()
    return [
        {
            "id": r.id,
            "channel": r.channel,
            "created_at": iso(r.created_at),
            "messages": int(r.n),
            "last_activity": iso(r.updated_at),
        }
        for r in rows
    ]


# What the tutor recognised in a learner message that is no question: commands, answers
# to an exercise, small talk (the ``intent`` stored with the reply that followed it).
NOT_QUESTIONS = frozenset(
    {"answer", "capabilities", "flashcards", "flip", "give_up", "greeting", "hint",
     "injection", "more", "next", "off_topic", "progress", "quiz", "rate", "thanks"}
)  # fmt: skip


def top_questions(engine: Engine, limit: int) -> list[tuple[str, int]]:
    _check_page(limit)
    reply = messages.alias("reply")
    query = (
        sa.select(messages.c.content, reply.c.meta)
        .select_from(messages)
        .outerjoin(
            reply,
            (reply.c.session_id == messages.c.session_id) & (reply.c.seq == messages.c.seq + 1),
        )
        .where(messages.c.role == "user")
    )
    counter: Counter[str] = Counter()
    with read_tx(engine) as conn:
        result = conn.execution_options(yield_per=_EXPORT_BATCH).execute(query)
        for content, meta in result:
            if _intent(meta) in NOT_QUESTIONS:
                continue
            key = normalise_question(content)
            if key:
                counter[key] += 1
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _intent(meta: str | None) -> str:
    try:
        return str(json.loads(meta or "{}").get("intent") or "")
    except (ValueError, AttributeError):
        return ""


def exercise_stats(engine: Engine) -> dict[str, dict[str, float]]:
    query = (
        sa.select(
            exercise_results.c.skill,
            sa.func.count().label("tried"),
            sa.func.sum(sa.case((exercise_results.c.solved, 1), else_=0)).label("solved"),
        )
        .group_by(exercise_results.c.skill)
        .order_by(exercise_results.c.skill)
    )
    with read_tx(engine) as conn:
        rows = conn.execute(query).all()
    return {
        r.skill: {
            "tried": int(r.tried),
            "solved": int(r.solved or 0),
            "rate": round(int(r.solved or 0) / int(r.tried), 4) if r.tried else 0.0,
        }
        for r in rows
    }


def feedback_rows(engine: Engine, limit: int) -> list[dict[str, Any]]:
    _check_page(limit)
    query = (
        sa.select(feedback, messages.c.content)
        .outerjoin(
            messages,
            (messages.c.session_id == feedback.c.session_id)
            & (messages.c.seq == feedback.c.message_seq),
        )
        .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
        .limit(limit)
    )
    with read_tx(engine) as conn:
        rows = conn.execute(query).all()
    return [
        {
            "id": r.id,
            "session_id": r.session_id,
            "message_seq": r.message_seq,
            "rating": r.rating,
            "comment": r.comment,
            "created_at": iso(r.created_at),
            "message": r.content,
        }
        for r in rows
    ]


def export_rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """Generator: reads in batches on one read transaction while the caller writes CSV."""
    latest = (
        sa.select(
            feedback.c.session_id,
            feedback.c.message_seq,
            sa.func.max(feedback.c.id).label("fid"),
        )
        .group_by(feedback.c.session_id, feedback.c.message_seq)
        .subquery()
    )
    rated = (
        sa.select(latest.c.session_id, latest.c.message_seq, feedback.c.rating)
        .join(feedback, feedback.c.id == latest.c.fid)
        .subquery()
    )
    query = (
        sa.select(
            messages.c.session_id,
            sessions.c.channel,
            messages.c.seq,
            messages.c.role,
            messages.c.content,
            messages.c.created_at,
            rated.c.rating,
        )
        .join(sessions, sessions.c.id == messages.c.session_id)
        .outerjoin(
            rated,
            (rated.c.session_id == messages.c.session_id) & (rated.c.message_seq == messages.c.seq),
        )
        .order_by(sessions.c.created_at, messages.c.session_id, messages.c.seq)
    )
    with read_tx(engine) as conn:
        for r in conn.execution_options(yield_per=_EXPORT_BATCH).execute(query):
            yield {
                "session_id": r.session_id,
                "channel": r.channel,
                "seq": r.seq,
                "role": r.role,
                "content": r.content,
                "created_at": iso(r.created_at),
                "rating": r.rating or "",
            }
