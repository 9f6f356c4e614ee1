"""The ``Tutor``: one learner turn from ``ChatTurn`` to ``TutorReply``, persisted.

For each turn the tutor validates the message, finds (or creates) the session, holds the
session's lock for the whole turn, loads the session state and recent history, runs the
agent loop with a ``TurnContext``, lifts citations, trace, exercise and plots out of the
tool results, renders the Markdown to sanitized HTML, and stores the user message, the
reply (with what it showed, ``meta["shown"]``, so every channel's history redraws) and the
new state. ``stream`` yields the API.md SSE events as the reply is produced: a tool's
``trace``, ``exercise`` and ``plot`` as soon as the tool has finished, the text as it is
written; ``respond`` is ``stream`` run to its end. Everything is synchronous; async
callers use a thread pool.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.agent import RECURSION_LIMIT
from assistant.reply import build_reply, chunk_text
from assistant.results import artifact_of
from assistant.shown import SHOWN, shown_of
from assistant.state import TurnContext
from assistant.store.engine import storage_error
from assistant.types import ChatTurn, StoredMessage, TutorReply
from core.errors import InvalidInput, LimitExceeded, ModelUnavailable, TutorError
from core.limits import MAX_MESSAGE_CHARS

HISTORY_MESSAGES = 8  # recent messages given to the model as context
DRAWING_KINDS = ("trace", "fade", "exercise")  # tool artifacts a client draws beside the text

Event = tuple[str, dict[str, Any]]
_FAILED = "__failed__"


def validate_text(text: object) -> str:
    """The learner's message, or an ``InvalidInput``/``LimitExceeded`` saying how to fix it."""
    if not isinstance(text, str):
        raise InvalidInput(f"The message must be a string of 1 to {MAX_MESSAGE_CHARS} characters.")
    if len(text) == 0:
        raise InvalidInput(
            f"The message is empty: send 1 to {MAX_MESSAGE_CHARS} characters, e.g. 'quiz me'."
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise LimitExceeded(
            f"The message is {len(text)} characters long; the limit is {MAX_MESSAGE_CHARS}. "
            "Shorten it or split it into several messages."
        )
    if "\x00" in text:
        raise InvalidInput("The message contains a NUL character; send plain text.")
    return text


class Sent:
    """What of a turn's drawings (trace, exercise, plots) the stream has sent, so each goes
    out once: a tool's as soon as the tool has finished, and at the end only what changed
    since (an exercise's status, say) or what no tool's event carried."""

    def __init__(self) -> None:
        self.trace: dict[str, Any] | None = None
        self.exercise: dict[str, Any] | None = None
        self.plots = 0

    def tool(self, body: dict[str, Any]) -> Iterator[Event]:
        """The events for one tool's result (``body``: a ``/v1/chat`` body of it alone)."""
        yield from self._changed(body)
        for plot in body["plots"]:
            self.plots += 1
            yield "plot", plot

    def rest(self, body: dict[str, Any]) -> Iterator[Event]:
        """The events for what the turn's whole ``body`` shows that were not sent yet."""
        yield from self._changed(body)
        for plot in body["plots"][self.plots :]:
            self.plots += 1
            yield "plot", plot

    def _changed(self, body: dict[str, Any]) -> Iterator[Event]:
        if body["trace"] is not None and body["trace"] != self.trace:
            self.trace = body["trace"]
            yield "trace", body["trace"]
        if body["exercise"] is not None and body["exercise"] != self.exercise:
            self.exercise = body["exercise"]
            yield "exercise", body["exercise"]


class Tutor:
    """The tutor core the HTTP service, the bots and the CLI talk to."""

    def __init__(self, agent: Any, sessions: Any, brain: str = "offline") -> None:
        self.agent = agent
        self.sessions = sessions
        self.brain = brain

    # ------------------------------------------------------------------ sessions
    def new_session(self, channel: str = "api") -> str:
        """A new session id (a random token of >= 128 bits)."""
        return self.sessions.create_session(channel)

    def session_for(self, channel: str, external_key: str) -> str:
        """The session for a platform conversation (Slack thread, Discord channel+user)."""
        if not external_key:
            raise InvalidInput("external_key is empty: pass the thread or channel+user key.")
        return self.sessions.session_for(channel, external_key)

    def history(self, session_id: str) -> list[StoredMessage]:
        self.sessions.require(session_id)
        return self.sessions.messages(session_id)

    def feedback(
        self, session_id: str, message_index: int, rating: str, comment: str | None = None
    ) -> int:
        """Store a thumbs up/down on the assistant message with sequence ``message_index``."""
        self.sessions.require(session_id)
        return self.sessions.add_feedback(session_id, message_index, rating, comment)

    # --------------------------------------------------------------------- turns
    def respond(self, turn: ChatTurn) -> TutorReply:
        """Answer one turn (see ``stream``); returns the whole reply."""
        reply: TutorReply | None = None
        for event, data in self._events(*self._prepare(turn)):
            if event == "reply":
                reply = data["reply"]
        assert reply is not None
        return reply

    def stream(self, turn: ChatTurn) -> Iterator[Event]:
        """Validate now (errors raise here), then yield ``delta`` ... ``done`` events.

        The turn runs in its own worker thread, which holds the session lock from start to
        end, so the returned iterator may be advanced from any thread (e.g. a server's
        thread pool, one ``next()`` per thread) and may be abandoned half-way: the turn
        still completes and is stored.
        """
        session_id, text = self._prepare(turn)
        events: queue.SimpleQueue[Event | tuple[str, BaseException] | None] = queue.SimpleQueue()

        def work() -> None:
            try:
                for event, data in self._events(session_id, text):
                    if event != "reply":
                        events.put((event, data))
            except BaseException as exc:  # handed to the consumer, which re-raises it
                events.put((_FAILED, exc))
            finally:
                events.put(None)

        threading.Thread(target=work, name=f"turn-{session_id[:8]}", daemon=True).start()

        def consume() -> Iterator[Event]:
            while (item := events.get()) is not None:
                if item[0] == _FAILED:
                    raise item[1]
                yield item

        return consume()

    def _prepare(self, turn: ChatTurn) -> tuple[str, str]:
        text = validate_text(turn.text)
        # After a write failed for lack of space, refuse before answering (a stream would
        # otherwise show a whole reply that cannot be saved) until a probe write succeeds.
        storage_ok = getattr(self.sessions, "storage_ok", None)
        if callable(storage_ok) and not storage_ok():
            raise storage_error()
        if turn.session_id is None:
            return self.new_session(turn.channel), text
        self.sessions.require(turn.session_id)
        return turn.session_id, text

    def _events(self, session_id: str, text: str) -> Iterator[Event]:
        with self.sessions.locked(session_id):
            state = self.sessions.get_state(session_id) or {}
            history = self.sessions.messages(session_id, limit=HISTORY_MESSAGES)
            ctx = TurnContext(session_id, text, state, self.sessions, history)
            messages: list[Any] = [
                HumanMessage(m.content) if m.role == "user" else AIMessage(m.content)
                for m in history
            ]
            messages.append(HumanMessage(text))
            new_messages: list[Any] = []
            sent = Sent()
            for item in self._run(messages, ctx, new_messages):
                if isinstance(item, str):
                    yield "delta", {"text": item}
                elif (art := artifact_of(item)) is not None and art["kind"] in DRAWING_KINDS:
                    # A tool just finished: what it drew goes out now, not after the text.
                    yield from sent.tool(build_reply(session_id, [item], ctx).to_dict())
            reply = build_reply(session_id, new_messages, ctx)
            body = reply.to_dict()
            meta: dict[str, Any] = {"intent": reply.intent, "citations": len(reply.citations)}
            if shown := shown_of(body):
                meta[SHOWN] = shown  # GET /v1/sessions/{id}/messages redraws the reply
            self.sessions.append_message(session_id, "user", text)
            seq = self.sessions.append_message(session_id, "assistant", reply.reply, meta=meta)
            self.sessions.set_state(session_id, ctx.state)
        reply.message_index = seq
        body["message_index"] = seq  # as POST /v1/chat has it (for POST /v1/feedback)
        for citation in body["citations"]:
            yield "citation", citation
        yield from sent.rest(body)  # whatever the tools' own events did not carry
        yield "reply", {"reply": reply}
        yield "done", body

    def _run(
        self, messages: list[Any], ctx: TurnContext, out: list[Any]
    ) -> Iterator[str | ToolMessage]:
        """Run the loop, yielding reply text as it is produced and each tool's result as
        the tool finishes; fill ``out`` with the turn's new messages."""
        config = {"recursion_limit": RECURSION_LIMIT}
        final: dict[str, Any] | None = None
        try:
            for mode, data in self.agent.stream(
                {"messages": messages},
                config=config,
                context=ctx,
                stream_mode=["messages", "values"],
            ):
                if mode == "values":
                    final = data
                    continue
                chunk, meta = data
                if isinstance(chunk, ToolMessage):
                    yield chunk
                    continue
                if meta.get("langgraph_node") != "model":
                    continue
                if getattr(chunk, "tool_calls", None) or getattr(chunk, "tool_call_chunks", None):
                    continue
                text = chunk.text
                if text:
                    yield from chunk_text(text)
        except TutorError:
            raise
        except Exception as exc:  # a provider failure mid-turn: say which, keep the session
            if self.brain == "offline":
                raise
            raise ModelUnavailable(
                f"The language model '{self.brain}' failed during this turn ({type(exc).__name__}: "
                f"{exc}). Check TUTOR_MODEL, TUTOR_MODEL_BASE_URL and TUTOR_MODEL_API_KEY, or "
                "set TUTOR_MODEL=offline."
            ) from exc
        out.extend((final or {}).get("messages", [])[len(messages) :])
