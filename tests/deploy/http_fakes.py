"""A fake ``Tutor`` for fast HTTP tests: the real interface, scripted answers, in memory.

It keeps sessions and messages in dicts, raises the real ``core.errors`` for unknown
sessions, and streams a reply as a few ``delta`` events followed by ``done``. Tests that
need the real brain use the shared real tutor from ``conftest.py`` instead.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.types import ChatTurn, Citation, StoredMessage, TutorReply
from core.errors import InvalidInput, NotFound, SessionNotFound


@dataclass
class FakeTutor:
    sessions: dict[str, list[StoredMessage]] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    feedback_rows: list[tuple[str, int, str, str | None]] = field(default_factory=list)
    fail_midstream: bool = False
    explode: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_session(self, channel: str = "api") -> str:
        sid = secrets.token_urlsafe(16)
        self.sessions[sid] = []
        return sid

    def session_for(self, channel: str, external_key: str) -> str:
        if (channel, external_key) not in self.keys:
            self.keys[(channel, external_key)] = self.new_session(channel)
        return self.keys[(channel, external_key)]

    def history(self, session_id: str) -> list[StoredMessage]:
        if session_id not in self.sessions:
            raise SessionNotFound(f"No session {session_id!r}; start a new chat.")
        return list(self.sessions[session_id])

    def feedback(
        self, session_id: str, message_index: int, rating: str, comment: str | None = None
    ):
        msgs = self.history(session_id)
        if message_index >= len(msgs):
            raise NotFound(f"Session has no message {message_index}.")
        if msgs[message_index].role != "assistant":
            raise InvalidInput("Feedback rates the tutor's replies.")
        self.feedback_rows.append((session_id, message_index, rating, comment))
        return len(self.feedback_rows)

    def _reply(self, turn: ChatTurn) -> TutorReply:
        if self.explode:
            raise RuntimeError("secret internal detail")
        sid = turn.session_id or self.new_session(turn.channel)
        self.history(sid)
        text = f"You said: {turn.text}"
        with self.lock:
            self.sessions[sid].append(StoredMessage("user", turn.text, "2026-01-01T00:00:00+00:00"))
            self.sessions[sid].append(StoredMessage("assistant", text, "2026-01-01T00:00:01+00:00"))
            index = len(self.sessions[sid]) - 1
        cite = Citation(
            "lesson.md", "Lesson > Where memory fades", "memory fades", "/lessons/x#where"
        )
        reply = TutorReply(sid, text, f"<p>{text}</p>", [cite], intent="echo")
        reply.message_index = index
        return reply

    def respond(self, turn: ChatTurn) -> TutorReply:
        return self._reply(turn)

    def stream(self, turn: ChatTurn) -> Iterator[tuple[str, Any]]:
        if turn.session_id is not None:
            self.history(turn.session_id)  # like the real tutor: validate before streaming

        def events() -> Iterator[tuple[str, Any]]:
            reply = self._reply(turn)
            for word in reply.reply.split(" "):
                yield "delta", {"text": word + " "}
            if self.fail_midstream:
                raise RuntimeError("lost the brain mid-reply")
            body = reply.to_dict()
            for c in body["citations"]:
                yield "citation", c
            yield "done", body

        return events()


@dataclass
class FakePassage:
    text: str
    source: str = "lesson.md"
    section: str = "Lesson > Hidden state"
    url: str | None = "/lessons/x#hidden-state"
    score: float = 0.5


class FakeRetriever:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[FakePassage]:
        self.calls.append((query, k, mode))
        return [FakePassage(f"passage {i} for {query}") for i in range(k)]
