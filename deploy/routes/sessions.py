"""``GET /v1/sessions/{session_id}/messages``: a session's conversation so far.

Besides API.md's fields each message carries ``index`` (its seq, which
``POST /v1/feedback`` takes as ``message_index``) and, for the tutor's replies,
``content_html`` (sanitized HTML with MathML) so the widget can redraw history.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from deploy.deps import TutorDep

router = APIRouter(tags=["sessions"])


def _messages(tutor: Any, session_id: str) -> list[dict[str, Any]]:
    from assistant.render import render_markdown

    out = []
    for index, m in enumerate(tutor.history(session_id)):
        item = {
            "role": m.role,
            "content": m.content,
            "created_at": str(m.created_at),
            "index": index,
        }
        if m.role == "assistant":
            item["content_html"] = render_markdown(m.content)
        out.append(item)
    return out


@router.get("/v1/sessions/{session_id}/messages")
async def session_messages(session_id: str, tutor: TutorDep) -> dict[str, Any]:
    """The messages of a session in order; 404 ``session_not_found`` for an unknown id."""
    messages = await run_in_threadpool(_messages, tutor, session_id)
    return {"session_id": session_id, "messages": messages}
