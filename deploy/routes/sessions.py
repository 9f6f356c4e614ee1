"""``GET /v1/sessions/{session_id}/messages``: a session's conversation so far.

Besides API.md's fields each message carries ``index`` (its seq, which
``POST /v1/feedback`` takes as ``message_index``) and, for the tutor's replies,
``content_html`` (sanitized HTML with MathML) and what the reply showed, in the shapes of
``POST /v1/chat``: ``citations``, ``trace``, ``exercise`` (its status as of now) and
``plots``, so the widget redraws a conversation after a reload (``assistant.shown``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from assistant.shown import conversation
from deploy.deps import TutorDep

router = APIRouter(tags=["sessions"])


@router.get("/v1/sessions/{session_id}/messages")
async def session_messages(session_id: str, tutor: TutorDep) -> dict[str, Any]:
    """The messages of a session in order; 404 ``session_not_found`` for an unknown id."""
    messages = await run_in_threadpool(conversation, tutor, session_id)
    return {"session_id": session_id, "messages": messages}
