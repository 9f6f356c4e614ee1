"""OpenAI-compatible ``POST /v1/chat/completions`` and ``GET /v1/models``.

The last ``user`` message is the turn; earlier messages are not replayed because the
tutor keeps the conversation itself. The request's ``user`` field selects a persistent
session (``tutor.session_for("openai", user)``). Most clients send no ``user`` but
resend the whole dialogue each time: then the dialogue before the last user message
(and the client's address) is fingerprinted, and after each reply the session is bound
to the fingerprint of the dialogue the client will send next, so an open quiz, its hint
ladder and the history carry on. A dialogue the tutor has not seen starts a new
session. ``stream: true`` answers with ``chat.completion.chunk`` events carrying
``choices[0].delta`` and a final ``data: [DONE]``.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.types import ChatTurn
from core.errors import InvalidInput, LimitExceeded, TutorError
from core.limits import MAX_MESSAGE_CHARS
from deploy.deps import RateLimitDep, ServicesDep, TutorDep, limit_session, run_turn
from deploy.routes.stream import SSE_HEADERS, close_in_thread, reply_record

router = APIRouter(tags=["openai"])

MODEL_ID = "rnn-tutor"


class OAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens ...: accepted, ignored

    model: str = MODEL_ID
    messages: list[OAIMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = Field(default=None, max_length=200)


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


def dialogue_before_turn(body: CompletionRequest) -> list[list[str]]:
    """The user/assistant messages before the last user message, as [role, text] pairs."""
    last = max(i for i, m in enumerate(body.messages) if m.role == "user")
    return [
        [m.role, _text(m.content).strip()]
        for m in body.messages[:last]
        if m.role in ("user", "assistant")
    ]


def fingerprint(client: str, dialogue: list[list[str]]) -> str:
    """A session key for a stateless client's conversation so far."""
    canon = json.dumps([client, dialogue], ensure_ascii=False, separators=(",", ":"))
    return "dialogue:" + hashlib.sha256(canon.encode()).hexdigest()


class DialogueSessions:
    """Finds and re-keys the session of a client that sends no ``user`` field."""

    def __init__(self, store: Any, body: CompletionRequest, request: Request, text: str):
        self.store = store
        self.client = request.client.host if request.client else ""
        self.dialogue = dialogue_before_turn(body)
        self.text = text

    def find(self) -> str | None:
        if not self.dialogue:
            return None  # a first message: a new session
        return self.store.find_session("openai", fingerprint(self.client, self.dialogue))

    def advance(self, session_id: str, content: str) -> None:
        """Bind the session to the dialogue the client will send with its next message."""
        nxt = [*self.dialogue, ["user", self.text], ["assistant", content.strip()]]
        self.store.rebind_key(session_id, "openai", fingerprint(self.client, nxt))


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


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None) -> bytes:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


async def _stream_chunks(
    events: Iterator[tuple[str, Any]],
    cid: str,
    model: str,
    services: Any,
    dialogue: DialogueSessions | None = None,
) -> AsyncIterator[bytes]:
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
                    await run_in_threadpool(dialogue.advance, data["session_id"], shown)
                if full.startswith(sent) and len(full) > len(sent):
                    yield _chunk(cid, created, model, {"content": full[len(sent) :]}, None)
    except TutorError as exc:
        yield _chunk(cid, created, model, {"content": f"\n\n[error: {exc.message}]"}, None)
    finally:
        await close_in_thread(events)
    yield _chunk(cid, created, model, {}, "stop")
    yield b"data: [DONE]\n\n"


@router.post("/v1/chat/completions", dependencies=[RateLimitDep], response_model=None)
async def completions(
    body: CompletionRequest, request: Request, tutor: TutorDep, services: ServicesDep
) -> dict[str, Any] | StreamingResponse:
    """OpenAI-compatible chat completion (``stream`` true or false) answered by the tutor."""
    text = last_user_text(body)
    session_id = None
    dialogue = None
    if body.user:
        session_id = await run_in_threadpool(tutor.session_for, "openai", body.user)
    else:
        dialogue = DialogueSessions(services.sessions, body, request, text)
        session_id = await run_in_threadpool(dialogue.find)
    if session_id is not None:
        await limit_session(services, session_id)
    turn = ChatTurn(session_id, text, "openai")
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    model = body.model or MODEL_ID
    if body.stream:
        events = iter(await run_in_threadpool(tutor.stream, turn))  # validates: DB access
        return StreamingResponse(
            _stream_chunks(events, cid, model, services, dialogue),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    reply = await run_turn(services, tutor.respond, turn)
    services.metrics.count_turn(getattr(reply, "intent", "") or "openai")
    data = reply.to_dict()
    content = with_sources(data)
    if dialogue is not None:
        await run_in_threadpool(dialogue.advance, data["session_id"], content)
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
