"""``POST /v1/chat/stream``: the same turn as Server-Sent Events.

Events: ``delta`` ({"text"}) as the reply is produced, ``citation``, ``trace``,
``exercise``, ``error`` and a final ``done`` carrying the whole ``/v1/chat`` body
(with ``message_index``, the stored reply's seq, as ``/v1/chat`` has it).
The first event is produced before the response starts, so bad input (an unknown
session, say) is still an ordinary JSON 4xx rather than an event. Framing is
``sse-starlette``'s, with ``\n`` line ends and a ``: ping`` comment on quiet streams.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.types import ChatTurn
from core.errors import TutorError
from deploy.deps import RateLimitDep, ServicesDep, TutorDep, limit_session
from deploy.openapi import SSE_EVENT, error_responses
from deploy.routes.chat import ChatRequest

router = APIRouter(tags=["chat"])
log = logging.getLogger("tutor.http")

# Line ends of every frame: the widget (and scripts) split frames on a blank line, "\n\n".
SEP = "\n"
# A comment line this often keeps proxies (nginx drops an idle upstream after 60 s) from
# cutting a slow reply; SSE parsers skip comments.
PING_SECONDS = 15
# On SIGTERM a stream may finish its reply for this long before it is ended; below
# uvicorn's own graceful-shutdown timeout (20 s in deploy/cli/serve_cmds.py).
SHUTDOWN_GRACE_SECONDS = 15
SSE_RESPONSE = {
    "description": "Server-Sent Events: delta, citation, trace, exercise, error, then done.",
    "content": {"text/event-stream": {"schema": SSE_EVENT}},
}


def sse_event(event: str | None, data: Any) -> ServerSentEvent:
    """One SSE frame of ``data`` as JSON; JSON never contains a raw newline, so one
    ``data:`` line suffices."""
    return ServerSentEvent(json.dumps(data, ensure_ascii=False), event=event, sep=SEP)


def sse_response(frames: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    """``text/event-stream`` of ``frames``, with pings and a shutdown grace (see above)."""
    response = EventSourceResponse(
        frames, sep=SEP, ping=PING_SECONDS, shutdown_grace_period=SHUTDOWN_GRACE_SECONDS
    )
    # The server owns the connection: a forced "keep-alive" contradicts a client's
    # "Connection: close" (uvicorn sends both), and HTTP/2 forbids the header.
    del response.headers["connection"]
    return response


async def sse_frames(
    first: tuple[str, Any] | None,
    events: Iterator[tuple[str, Any]],
    on_done: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Frame the tutor's events; ``on_done`` may add fields to the final body; a failure
    mid-stream becomes an ``error`` event."""

    async def all_events() -> AsyncIterator[tuple[str, Any]]:
        if first is not None:
            yield first
        async for item in iterate_in_threadpool(events):
            yield item

    try:
        async for event, data in all_events():
            if event == "done" and on_done is not None:
                data = await on_done(data)
            yield sse_event(event, data)
    except TutorError as exc:
        yield sse_event("error", exc.to_dict()["error"])
    except Exception:
        log.exception("chat stream failed")
        yield sse_event(
            "error",
            {"code": "internal_error", "message": "The reply was interrupted; please ask again."},
        )
    finally:
        await close_in_thread(events)


def reply_record(sessions: Any, data: dict[str, Any]) -> tuple[int | None, str]:
    """(seq, intent) of the assistant message the tutor just stored for ``data``."""
    try:
        record = sessions.message_records(data["session_id"], limit=1)[-1]
    except (TutorError, AttributeError, IndexError, KeyError):
        return None, "streamed"
    if record.role != "assistant" or record.content != data.get("reply"):
        return None, "streamed"  # another turn landed in between: do not guess
    return record.seq, str(record.meta.get("intent") or "streamed")


async def close_in_thread(events: Iterator[Any]) -> None:
    """Finish the tutor's generator in a worker thread, even when the client went away.

    A paused generator may hold its session's lock; closing it where it ran (not in the
    event loop during garbage collection) releases that lock promptly and safely.
    """
    close = getattr(events, "close", None)
    if callable(close):
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(close)


@router.post(
    "/v1/chat/stream",
    dependencies=[RateLimitDep],
    response_class=EventSourceResponse,
    responses={**error_responses(404), 200: SSE_RESPONSE},
)
async def chat_stream(
    body: ChatRequest, tutor: TutorDep, services: ServicesDep
) -> EventSourceResponse:
    """One chat turn streamed as Server-Sent Events, ending with ``done``."""
    await limit_session(services, body.session_id)
    turn = ChatTurn(body.session_id, body.message, "web")
    events = iter(await run_in_threadpool(tutor.stream, turn))  # validates: DB access
    first = await run_in_threadpool(next, events, None)  # errors here are plain JSON 4xx

    async def done(data: dict[str, Any]) -> dict[str, Any]:
        # Like /v1/chat, add the stored message's seq (for POST /v1/feedback).
        seq, intent = await run_in_threadpool(reply_record, services.sessions, data)
        services.metrics.count_turn(intent)
        return {**data, "message_index": seq}

    return sse_response(sse_frames(first, events, done))
