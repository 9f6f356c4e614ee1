"""The value types that cross the tutor's boundary.

An adapter turns a platform event into a ``ChatTurn``; the tutor answers with a
``TutorReply`` whose ``to_dict()`` is exactly the ``POST /v1/chat`` body of API.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Channel = Literal["web", "api", "openai", "cli", "slack", "discord"]


@dataclass(frozen=True)
class ChatTurn:
    """One learner message. ``session_id`` None means: start a new session."""

    session_id: str | None
    text: str
    channel: str = "api"


@dataclass(frozen=True)
class Citation:
    source: str
    section: str
    quote: str
    url: str | None = None


@dataclass(frozen=True)
class Plot:
    title: str
    svg: str


@dataclass
class TutorReply:
    session_id: str
    reply: str  # Markdown, math as $...$ / $$...$$
    reply_html: str  # sanitized HTML, math as MathML
    citations: list[Citation] = field(default_factory=list)
    trace: dict[str, Any] | None = None  # the Trace JSON of API.md
    exercise: dict[str, Any] | None = (
        None  # the public Exercise JSON (no answers before an attempt)
    )
    plots: list[Plot] = field(default_factory=list)
    intent: str = ""  # what the brain decided the learner wanted (not part of the API body)
    message_index: int | None = (
        None  # the stored assistant message's seq (for feedback; not in the body)
    )

    def to_dict(self) -> dict[str, Any]:
        """The ``POST /v1/chat`` response body."""
        return {
            "session_id": self.session_id,
            "reply": self.reply,
            "reply_html": self.reply_html,
            "citations": [asdict(c) for c in self.citations],
            "trace": self.trace,
            "exercise": self.exercise,
            "plots": [asdict(p) for p in self.plots],
        }


@dataclass(frozen=True)
class StoredMessage:
    role: Literal["user", "assistant"]
    content: str
    created_at: str  # ISO 8601, UTC
