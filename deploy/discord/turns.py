"""Discord interactions translated into tutor turns (pure functions, no HTTP).

A slash command (``/ask``, ``/trace``, ``/quiz``, ``/hint``) or a button click becomes
the text a learner would have typed; the tutor session is one per channel (a thread is
its own channel) and user: ``guild:channel:user``. Buttons carry a token in
``custom_id`` (``rnn:<hint|giveup|next>:<token>``), which the adapter resolves to a
session only for the user the exercise was posted for (``deploy/chat_common/buttons.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.types import ChatTurn
from core.errors import InvalidInput
from core.limits import MAX_MESSAGE_CHARS
from deploy.chat_common import phrases

CHANNEL = "discord"
MAX_TEXT = MAX_MESSAGE_CHARS  # one limit for every channel (core.limits)
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT = 1, 2, 3


@dataclass(frozen=True)
class Request:
    """What the tutor is asked: text, and a session key (new turn) or, for a button, its
    token (and once resolved, the session id)."""

    text: str
    session_key: str | None = None
    session_id: str | None = None
    button_token: str | None = None


def user_id(interaction: dict[str, Any]) -> str:
    """The id of who interacted (``member.user`` in servers, ``user`` in DMs)."""
    return owner(interaction) or "unknown"


def owner(interaction: dict[str, Any]) -> str | None:
    """Who interacted, as the owner of the exercise buttons in the reply; None if unknown."""
    user = (interaction.get("member") or {}).get("user") or interaction.get("user") or {}
    return str(user["id"]) if user.get("id") else None


def session_key(interaction: dict[str, Any]) -> str:
    """``guild:channel:user``: one conversation per person per channel or thread."""
    guild = interaction.get("guild_id") or "dm"
    channel = interaction.get("channel_id") or (interaction.get("channel") or {}).get("id") or "-"
    return f"{guild}:{channel}:{user_id(interaction)}"


def _option(data: dict[str, Any], name: str) -> str:
    for opt in data.get("options") or []:
        if opt.get("name") == name:
            return " ".join(str(opt.get("value", "")).split())
    return ""


def command_text(data: dict[str, Any]) -> str:
    """The learner's message for an application command."""
    name = data.get("name")
    if name == "ask":
        question = _option(data, "question")
        if not question:
            raise InvalidInput(
                "Type a question after /ask, e.g. /ask question: why do RNNs forget?"
            )
        return question[:MAX_TEXT]
    if name == "trace":
        return phrases.trace_request(_option(data, "spec"))[:MAX_TEXT]
    if name == "quiz":
        return phrases.QUIZ
    if name == "hint":
        return phrases.HINT
    raise InvalidInput(
        f"Unknown command /{name}: this tutor knows /ask, /trace, /quiz and /hint "
        "(run `tutor discord register` after an upgrade)."
    )


def to_request(interaction: dict[str, Any]) -> Request:
    """The tutor request of an application command or a Hint / Give up / Next click."""
    kind = interaction.get("type")
    data = interaction.get("data") or {}
    if kind == APPLICATION_COMMAND:
        return Request(command_text(data), session_key=session_key(interaction))
    if kind == MESSAGE_COMPONENT:
        prefix, _, rest = str(data.get("custom_id", "")).partition(":")
        action, _, token = rest.partition(":")
        if prefix != "rnn" or action not in phrases.BUTTONS or not token:
            raise InvalidInput(f"Unknown button {data.get('custom_id')!r}.")
        return Request(phrases.BUTTONS[action], button_token=token)
    raise InvalidInput(f"Unsupported interaction type {kind!r}.")


def to_turn(session_id: str, text: str) -> ChatTurn:
    """The tutor turn for a learner's text in a Discord session."""
    return ChatTurn(session_id=session_id, text=text, channel=CHANNEL)
