"""Slack events, slash commands and button clicks translated into tutor turns.

Pure functions, no Slack client: where a reply goes (channel and thread), which tutor
session a message belongs to (one per thread: ``team:channel:thread_ts``; a ``/rnn``
command starts its own thread, or, where the bot may not post, keeps one session per
person and channel), who asked (the Slack user an exercise's buttons will belong
to), and the text the tutor sees (the bot mention stripped, Slack's escaping undone,
``/rnn`` sub-commands and buttons phrased the way a learner would type them). A
button's value is a token, resolved by the adapter (``deploy/chat_common/buttons.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.types import ChatTurn
from core.errors import InvalidInput
from core.limits import MAX_MESSAGE_CHARS
from deploy.chat_common import phrases
from deploy.slack.mrkdwn import unescape
from deploy.slack.render import ACTION_GIVEUP, ACTION_HINT, ACTION_NEXT

CHANNEL = "slack"
MAX_TEXT = MAX_MESSAGE_CHARS  # one limit for every channel (core.limits)
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")

# What a button or sub-command means, in the learner's words.
ACTION_TEXT = {ACTION_HINT: phrases.HINT, ACTION_GIVEUP: phrases.GIVE_UP, ACTION_NEXT: phrases.NEXT}
COMMANDS = ("ask", "trace", "quiz", "help")


@dataclass(frozen=True)
class Destination:
    """Where a reply is posted: a channel and the thread inside it."""

    team: str
    channel: str
    thread_ts: str

    @property
    def session_key(self) -> str:
        """The tutor session key of this thread: a thread is a conversation."""
        return f"{self.team}:{self.channel}:{self.thread_ts}"


def event_destination(event: dict[str, Any], body: dict[str, Any]) -> Destination:
    """The thread an ``app_mention`` / ``message`` event is answered in (a new one if needed)."""
    team = body.get("team_id") or event.get("team") or "T"
    return Destination(team, event["channel"], event.get("thread_ts") or event["ts"])


def message_text(event: dict[str, Any], bot_user_id: str | None) -> str:
    """What the learner wrote: the bot's mention removed and Slack's escaping undone."""
    text = event.get("text") or ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    else:
        text = re.sub(rf"^\s*{_MENTION.pattern}", " ", text)
    return " ".join(unescape(text).split())[:MAX_TEXT]


def should_answer_message(event: dict[str, Any]) -> bool:
    """A plain direct message from a person (not an edit, a bot, or a channel message)."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool((event.get("text") or "").strip())
    )


def parse_command(text: str) -> tuple[str, str]:
    """``/rnn`` text as (sub-command, argument); a bare question counts as ``ask``."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return "help", ""
    head, rest = words[0].lower(), (words[1] if len(words) > 1 else "")
    if head in COMMANDS:
        return head, unescape(rest).strip()
    return "ask", unescape(text).strip()


def command_text(sub: str, arg: str) -> str:
    """The message the tutor sees for a ``/rnn`` sub-command."""
    if sub == "ask":
        if not arg:
            raise InvalidInput(
                "Add a question after `/rnn ask`, e.g. `/rnn ask why do RNNs forget?`"
            )
        return arg[:MAX_TEXT]
    if sub == "trace":
        return phrases.trace_request(arg)[:MAX_TEXT]
    if sub == "quiz":
        return phrases.QUIZ
    raise InvalidInput(f"Unknown /rnn command {sub!r}: use one of {', '.join(COMMANDS)}.")


def command_destination(body: dict[str, Any]) -> tuple[str, str]:
    """(fallback session key, channel) of a slash command: one per person and channel."""
    team, channel, user = body.get("team_id", "T"), body["channel_id"], body.get("user_id", "U")
    return f"{team}:{channel}:cmd:{user}", channel


def action_turn(body: dict[str, Any]) -> tuple[str, str, Destination]:
    """(button token, text, destination) of a Hint / Give up / Next click."""
    action = body["actions"][0]
    text = ACTION_TEXT.get(action.get("action_id", ""))
    if text is None or not action.get("value"):
        raise InvalidInput(f"Unknown button {action.get('action_id')!r}.")
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
    team = (body.get("team") or {}).get("id") or "T"
    return action["value"], text, Destination(team, channel, thread)


def clicker(body: dict[str, Any]) -> str | None:
    """The Slack user id of who clicked a button (None if Slack did not say)."""
    return (body.get("user") or {}).get("id") or None


def to_turn(session_id: str, text: str) -> ChatTurn:
    """The tutor turn for a learner's text in a Slack session."""
    return ChatTurn(session_id=session_id, text=text, channel=CHANNEL)
