"""``POST /v1/chat``: one learner turn, answered with the whole reply at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from assistant.types import ChatTurn
from core.limits import MAX_MESSAGE_CHARS
from deploy.deps import RateLimitDep, ServicesDep, TutorDep, limit_session, run_turn
from deploy.openapi import error_responses

router = APIRouter(tags=["chat"])


class ChatRequest(BaseModel):
    """A learner message; ``session_id`` null starts a new session."""

    model_config = ConfigDict(extra="ignore")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    session_id: str | None = Field(default=None, max_length=200)


@router.post("/v1/chat", dependencies=[RateLimitDep], responses=error_responses(404))
async def chat(body: ChatRequest, tutor: TutorDep, services: ServicesDep) -> dict[str, Any]:
    """One chat turn: the reply (Markdown and HTML), citations, trace, exercise and plots."""
    await limit_session(services, body.session_id)
    reply = await run_turn(services, tutor.respond, ChatTurn(body.session_id, body.message, "api"))
    services.metrics.count_turn(getattr(reply, "intent", ""))
    body = reply.to_dict()
    # Extra field (API.md allows additions): the seq to rate with POST /v1/feedback.
    body["message_index"] = getattr(reply, "message_index", None)
    return body
