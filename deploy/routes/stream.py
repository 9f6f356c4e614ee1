"""``POST /v1/chat/stream``: the same turn as Server-Sent Events.

Events: ``delta`` ({"text"}) as the reply is produced, ``block`` ({"html"}: the
sanitized HTML of the reply's Markdown blocks completed by the deltas since the last
``block``, so a client shows formatted text and math while the rest is still coming),
``citation``, ``trace``, ``exercise``, ``plot`` ({"title", "svg"}), ``error`` and a
final ``done`` carrying the whole ``/v1/chat`` body (with ``message_index``, the stored
reply's seq, as ``/v1/chat`` has it). ``trace``, ``exercise`` and ``plot`` go out as soon
as the lab tool that made them has finished, often before the text that talks about them;
each plot is sent once. With ``?done=compact`` (the widget) ``done`` carries only
``session_id``, ``message_index`` and ``reply_html``: the deltas and the events before it
carried the rest. ``docs/streaming.md`` shows a whole exchange.

A language model's tokens are passed on as it writes them; the offline brain's reply,
finished at once, goes out block by block (lead paragraph, table, list...).

The first event is produced before the response starts, so bad input (an unknown
session, say) is still an ordinary JSON 4xx rather than an event. Framing is
``sse-starlette``'s, with ``\n`` line ends and a ``: ping`` comment on quiet streams.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.render import block_end, render_markdown
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
    "description": "Server-Sent Events: delta, block, citation, trace, exercise, plot, "
    "error, then done.",
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


class Blocks:
    """Turns the tutor's ``delta`` texts into the events to send: the text, and a
    ``block`` event with the HTML of every Markdown block as soon as it is complete.

    ``natural`` (a reply that is finished before it is sent, the offline brain's) holds
    the text back until a block is whole, so each delta is one block; otherwise every
    delta goes out as it comes, split where a block ends.
    """

    def __init__(self, natural: bool = False) -> None:
        self.natural = natural
        self.text = ""
        self.sent = 0  # characters of ``text`` sent as deltas
        self.cut = 0  # characters of ``text`` covered by block events

    def feed(self, piece: str) -> list[tuple[str, Any]]:
        self.text += piece
        end = block_end(self.text)
        out: list[tuple[str, Any]] = []
        if end > self.cut:
            out += self._delta(end)
            html = render_markdown(self.text[self.cut : end])
            self.cut = end
            if html:
                out.append(("block", {"html": html}))
        if not self.natural:
            out += self._delta(len(self.text))
        return out

    def flush(self) -> list[tuple[str, Any]]:
        """The text still held back (before the events that follow the reply text)."""
        return self._delta(len(self.text))

    def _delta(self, upto: int) -> list[tuple[str, Any]]:
        text, self.sent = self.text[self.sent : upto], max(self.sent, upto)
        return [("delta", {"text": text})] if text else []


def compact_done(data: dict[str, Any]) -> dict[str, Any]:
    """``done`` without what the events before it carried: the id, seq and final HTML."""
    return {k: data.get(k) for k in ("session_id", "message_index", "reply_html")}


def reframe(events: Iterator[tuple[str, Any]], natural: bool) -> Iterator[tuple[str, Any]]:
    """The tutor's events as the stream sends them: deltas cut into blocks (see
    ``Blocks``), and before ``done`` a ``plot`` event for each of its plots that the tutor
    did not send as its own event (the tutor sends them as its tools finish)."""
    blocks = Blocks(natural)
    plots = 0  # plot events passed on; the reply's plots come in the same order
    for event, data in events:
        if event == "delta":
            yield from blocks.feed(data["text"])
            continue
        yield from blocks.flush()
        if event == "plot":
            plots += 1
        elif event == "done":
            for plot in (data.get("plots") or [])[plots:]:
                yield "plot", plot
        yield event, data


async def sse_frames(
    first: tuple[str, Any] | None,
    events: Iterator[tuple[str, Any]],
    on_done: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None = None,
    compact: bool = False,
    natural: bool = False,
    finish: Callable[[Iterator[tuple[str, Any]]], None] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Frame the tutor's events; ``on_done`` may add fields to the final body; a failure
    mid-stream becomes an ``error`` event. When the client leaves before ``done``,
    ``finish`` (if given) runs the rest of the turn's events in a background thread."""

    def all_events() -> Iterator[tuple[str, Any]]:
        if first is not None:
            yield first
        yield from events

    framed = reframe(all_events(), natural)
    finished = False
    try:
        async for event, data in iterate_in_threadpool(framed):
            if event == "done":
                finished = True
                if on_done is not None:
                    data = await on_done(data)
                if compact:
                    data = compact_done(data)
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
        if finished or finish is None:
            await close_in_thread(events)
        else:  # the learner stopped or lost the connection: the turn completes anyway
            threading.Thread(target=finish, args=(events,), daemon=True).start()


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


def finish_quietly(events: Iterator[tuple[str, Any]]) -> None:
    """Run a left-behind turn's events to their end, so the turn is stored whole (with what
    its reply showed) and a reload after Stop or a dropped connection redraws it."""
    try:
        for _ in events:
            pass
    except Exception:  # already reported to nobody: the client is gone
        log.info("a stream left by its client ended with an error", exc_info=True)


@router.post(
    "/v1/chat/stream",
    dependencies=[RateLimitDep],
    response_class=EventSourceResponse,
    responses={**error_responses(404), 200: SSE_RESPONSE},
)
async def chat_stream(
    body: ChatRequest,
    tutor: TutorDep,
    services: ServicesDep,
    done: Literal["full", "compact"] = Query(
        "full", description="compact: the final event leaves out what earlier events carried"
    ),
) -> EventSourceResponse:
    """One chat turn streamed as Server-Sent Events, ending with ``done``."""
    await limit_session(services, body.session_id)
    turn = ChatTurn(body.session_id, body.message, "web")
    events = iter(await run_in_threadpool(tutor.stream, turn))  # validates: DB access
    first = await run_in_threadpool(next, events, None)  # errors here are plain JSON 4xx

    async def on_done(data: dict[str, Any]) -> dict[str, Any]:
        # Like /v1/chat, the stored message's seq (for POST /v1/feedback): the tutor's own
        # word, or else the newest stored reply if it is this one.
        seq, intent = await run_in_threadpool(reply_record, services.sessions, data)
        services.metrics.count_turn(intent)
        return {**data, "message_index": data.get("message_index", seq)}

    frames = sse_frames(
        first,
        events,
        on_done,
        compact=done == "compact",
        natural=getattr(tutor, "brain", "") == "offline",
        finish=finish_quietly,
    )
    return sse_response(frames)
