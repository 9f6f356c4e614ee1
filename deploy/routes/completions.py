"""OpenAI-compatible ``POST /v1/chat/completions`` and ``GET /v1/models``.

The last ``user`` message is the turn; earlier messages are not replayed because the
tutor keeps the conversation itself. Which session a request continues is decided in
``deploy/openai_clients.py``: by the request's ``user`` field, scoped to the calling
client (its API key from ``TUTOR_API_KEYS``, or its address on an open deployment), or,
for clients that send no ``user`` but resend the whole dialogue, by that dialogue (a
conversation another client has moved on from is forked, never merged). The response's
``session_id`` is always the caller's own. ``stream: true`` answers with
``chat.completion.chunk`` events carrying ``choices[0].delta`` and a final ``data: [DONE]``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.types import ChatTurn
from core.errors import InvalidInput, LimitExceeded, TutorError
from core.limits import MAX_MESSAGE_CHARS
from deploy.deps import RateLimitDep, ServicesDep, TutorDep, limit_session, run_turn
from deploy.openai_clients import CHANNEL, DialogueSessions, client_scope, user_key
from deploy.openapi import SSE_EVENT, error_responses
from deploy.routes.stream import SEP, close_in_thread, reply_record, sse_event, sse_response

router = APIRouter(tags=["openai"])

MODEL_ID = "rnn-tutor"
OPENAI_RESPONSE = {
    "description": "A chat.completion, or with stream: true chat.completion.chunk events.",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/event-stream": {"schema": SSE_EVENT},
    },
}


Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class OAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, Any]] | None = None

    @field_validator("content")
    @classmethod
    def _text_parts_are_text(cls, content: Any) -> Any:
        """A ``{"type": "text"}`` part must carry its text as a string (5 or null is 422,
        not a crash); parts of other types (images...) are accepted and ignored."""
        for i, part in enumerate(content if isinstance(content, list) else []):
            if part.get("type") == "text" and not isinstance(part.get("text"), str):
                raise ValueError(
                    f"content part {i} has type 'text' but its 'text' is "
                    f"{type(part.get('text')).__name__}; send the text as a string"
                )
        return content


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens ...: accepted, ignored

    model: str = MODEL_ID
    messages: list[OAIMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = Field(default=None, max_length=200)


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(p["text"] for p in content if p.get("type") == "text")
    return content or ""


def dialogue_before_turn(body: CompletionRequest) -> list[list[str]]:
    """The user/assistant messages before the last user message, as [role, text] pairs."""
    last = max(i for i, m in enumerate(body.messages) if m.role == "user")
    return [
        [m.role, _text(m.content).strip()]
        for m in body.messages[:last]
        if m.role in ("user", "assistant")
    ]


def last_user_text(body: CompletionRequest) -> str:
    for message in reversed(body.messages):
        if message.role == "user":
            text = _text(message.content).strip()
            if not text:
                raise InvalidInput("The last user message is empty; put the question in it.")
            if len(text) > MAX_MESSAGE_CHARS:
                raise LimitExceeded(
                    f"The last user message has {len(text)} characters; at most "
                    f"{MAX_MESSAGE_CHARS} are allowed. Shorten it."
                )
            return text
    raise InvalidInput("'messages' has no message with role 'user'; add the learner's question.")


def with_sources(reply: dict[str, Any]) -> str:
    """The reply Markdown plus a short source list, for clients that only show text."""
    text = reply["reply"]
    cites = reply.get("citations") or []
    if cites and "Sources" not in text:
        lines = [f"- {c['section']}" + (f" ({c['url']})" if c.get("url") else "") for c in cites]
        text += "\n\nSources:\n" + "\n".join(dict.fromkeys(lines))
    return text


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None) -> ServerSentEvent:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return sse_event(None, body)  # OpenAI's chunks are unnamed ``data:`` events


async def _stream_chunks(
    events: Iterator[tuple[str, Any]],
    cid: str,
    model: str,
    services: Any,
    dialogue: DialogueSessions | None = None,
) -> AsyncIterator[ServerSentEvent]:
    created = int(time.time())
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""}, None)
    sent = ""
    try:
        async for event, data in iterate_in_threadpool(events):
            if event == "delta":
                sent += data["text"]
                yield _chunk(cid, created, model, {"content": data["text"]}, None)
            elif event == "done":
                _, intent = await run_in_threadpool(reply_record, services.sessions, data)
                services.metrics.count_turn(intent)
                full = with_sources(data)
                if dialogue is not None:  # what the client will have assembled from the deltas
                    shown = full if full.startswith(sent) else sent
                    await run_in_threadpool(dialogue.mark, data["session_id"], shown)
                if full.startswith(sent) and len(full) > len(sent):
                    yield _chunk(cid, created, model, {"content": full[len(sent) :]}, None)
    except TutorError as exc:
        yield _chunk(cid, created, model, {"content": f"\n\n[error: {exc.message}]"}, None)
    finally:
        await close_in_thread(events)
    yield _chunk(cid, created, model, {}, "stop")
    yield ServerSentEvent("[DONE]", sep=SEP)


@router.post(
    "/v1/chat/completions",
    dependencies=[RateLimitDep],
    response_model=None,
    responses={**error_responses(401), 200: OPENAI_RESPONSE},
)
async def completions(
    body: CompletionRequest, request: Request, tutor: TutorDep, services: ServicesDep
) -> dict[str, Any] | EventSourceResponse:
    """OpenAI-compatible chat completion (``stream`` true or false) answered by the tutor."""
    scope = client_scope(request, services.settings)
    text = last_user_text(body)
    session_id = None
    dialogue = None
    if body.user:
        key = user_key(scope, body.user)
        session_id = await run_in_threadpool(tutor.session_for, CHANNEL, key)
    else:
        dialogue = DialogueSessions(services.sessions, scope, dialogue_before_turn(body), text)
        session_id = await run_in_threadpool(dialogue.find)
    if session_id is not None:
        await limit_session(services, session_id)
    turn = ChatTurn(session_id, text, "openai")
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    model = body.model or MODEL_ID
    if body.stream:
        events = iter(await run_in_threadpool(tutor.stream, turn))  # validates: DB access
        return sse_response(_stream_chunks(events, cid, model, services, dialogue))
    reply = await run_turn(services, tutor.respond, turn)
    services.metrics.count_turn(getattr(reply, "intent", "") or "openai")
    data = reply.to_dict()
    content = with_sources(data)
    if dialogue is not None:
        await run_in_threadpool(dialogue.mark, data["session_id"], content)
    prompt_tokens = sum(len(_text(m.content).split()) for m in body.messages)
    completion_tokens = len(content.split())
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "session_id": data["session_id"],
    }


@router.get("/v1/models")
async def models() -> dict[str, Any]:
    """The one model this server offers, for OpenAI clients that list models first."""
    owned: Literal["rnn-tutor"] = "rnn-tutor"
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": owned}],
    }
