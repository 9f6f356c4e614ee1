"""Button tokens: what a chat button carries instead of the session id.

A session id is its session's only credential (it opens the whole history over HTTP),
so it must never be shown in a chat, where anyone in the channel can read it. When an
adapter posts an exercise with Hint / Give up / Next buttons, it issues a token
instead: 128 random bits bound to the channel ("slack", "discord"), the session, and
the platform user the message was posted for (its *owner*). A click sends the token
back; ``resolve`` says whose session and exercise it is, and the adapter lets only the
owner act on it. Tokens are rows of ``button_tokens`` (so every instance sees them and
they survive restarts), expire after ``TOKEN_TTL``, are swept when later tokens are
issued, and are deleted with their session.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.store.engine import read_tx, write_tx
from assistant.store.history import check_channel, require_in
from assistant.store.records import ButtonOwner, as_utc, utcnow
from assistant.store.schema import button_tokens
from core.errors import InvalidInput

TOKEN_TTL = timedelta(days=7)  # an exercise's buttons keep working for a week
MAX_OWNER_LEN = 255
MAX_TOKEN_LEN = 64


def issue(
    engine: Engine, channel: str, session_id: str, owner: str, now: datetime | None = None
) -> str:
    """A new token for ``session_id``'s buttons, usable by ``owner`` only, in ``channel``."""
    check_channel(channel)
    if not isinstance(owner, str) or not owner or len(owner) > MAX_OWNER_LEN:
        raise InvalidInput(
            f"A button's owner must be the platform user id (1 to {MAX_OWNER_LEN} "
            f"characters), got {owner!r}."
        )
    now = now or utcnow()
    token = secrets.token_urlsafe(16)  # 128 bits
    with write_tx(engine) as conn:
        require_in(conn, session_id)
        conn.execute(sa.delete(button_tokens).where(button_tokens.c.expires_at <= now))
        conn.execute(
            sa.insert(button_tokens).values(
                token=token,
                channel=channel,
                session_id=session_id,
                owner=owner,
                created_at=now,
                expires_at=now + TOKEN_TTL,
            )
        )
    return token


def resolve(
    engine: Engine, channel: str, token: object, now: datetime | None = None
) -> ButtonOwner | None:
    """Whose session and exercise ``token`` stands for; None when unknown or expired."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LEN:
        return None
    query = sa.select(button_tokens).where(
        (button_tokens.c.token == token) & (button_tokens.c.channel == channel)
    )
    with read_tx(engine) as conn:
        row = conn.execute(query).first()
    if row is None or as_utc(row.expires_at) <= (now or utcnow()):
        return None
    return ButtonOwner(session_id=row.session_id, owner=row.owner)
