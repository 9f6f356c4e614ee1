"""``POST /v1/feedback``: thumbs up or down on one assistant reply, kept with the session."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from deploy.deps import RateLimitDep, ServicesDep, TutorDep, limit_session
from deploy.openapi import error_responses

router = APIRouter(tags=["chat"])


class FeedbackRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=200)
    # The upper bound keeps huge ints from overflowing the database column (a 500).
    message_index: int = Field(ge=0, le=2**31 - 1, description="seq of the assistant message rated")
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


@router.post("/v1/feedback", dependencies=[RateLimitDep], responses=error_responses(404))
async def feedback(body: FeedbackRequest, tutor: TutorDep, services: ServicesDep) -> dict[str, str]:
    """Record a rating; 404 for an unknown session or message."""
    await limit_session(services, body.session_id)
    await run_in_threadpool(
        tutor.feedback, body.session_id, body.message_index, body.rating, body.comment
    )
    return {"status": "recorded"}
