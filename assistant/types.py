"""The value types that cross the tutor's boundary.

An adapter turns a platform event into a ``ChatTurn``; the tutor answers with a
``TutorReply`` whose ``to_dict()`` is exactly the ``POST /v1/chat`` body of API.md.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """A titled SVG picture; ``png`` (if set) draws the same picture as PNG bytes on demand.

    Only chat apps that cannot show SVG (Slack, Discord) call ``png``, so the web path never
    pays for it. It is not part of the API: ``TutorReply.to_dict()`` sends title and svg only.
    """

    title: str
    svg: str
    png: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)


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
            "plots": [{"title": p.title, "svg": p.svg} for p in self.plots],
        }


@dataclass(frozen=True)
class StoredMessage:
    role: Literal["user", "assistant"]
    content: str
    created_at: str  # ISO 8601, UTC
