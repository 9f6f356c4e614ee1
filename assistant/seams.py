"""The seams between the service and the tutor, as ``Protocol`` types.

``deploy/`` reaches the tutor, the lesson retriever and the session store only through
these: the real classes (``assistant.tutor.Tutor``, ``knowledge.retrieval.HybridRetriever``,
``assistant.store.SessionStore``) and the tests' fakes both satisfy them structurally, so a
route is typed by what it may call, not by one implementation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from assistant.types import ChatTurn, StoredMessage, TutorReply

Event = tuple[str, dict[str, Any]]  # a stream event: ("delta" | "done" | ..., payload)


@runtime_checkable
class SessionStoreSeam(Protocol):
    """What the service needs of the session store besides the tutor's own use of it."""

    def close(self) -> None: ...


@runtime_checkable
class RetrieverSeam(Protocol):
    """Lesson search: the best passages for a query, best first."""

    def search(self, query: str, k: int = ...) -> Sequence[Any]: ...


@runtime_checkable
class TutorSeam(Protocol):
    """One chat turn at a time, streamed or whole, on sessions the tutor keeps."""

    sessions: Any

    def respond(self, turn: ChatTurn) -> TutorReply: ...

    def stream(self, turn: ChatTurn) -> Iterator[Event]: ...

    def new_session(self, channel: str = ...) -> str: ...

    def session_for(self, channel: str, external_key: str) -> str: ...

    def history(self, session_id: str) -> list[StoredMessage]: ...

    def feedback(
        self, session_id: str, message_index: int, rating: str, comment: str | None = ...
    ) -> int: ...
