"""Exercise buttons carry a token, never the session id, and obey only their owner.

Chat messages are read by everyone in the channel, and a session id is its session's
only credential, so both adapters put an opaque token in their Hint / Give up / Next
buttons instead. The session store keeps what a token stands for (the session and the
platform user the exercise was posted for, see ``assistant/store/buttons.py``);
``issue_token`` asks it for one when a reply has an exercise, and ``session_for_click``
turns a click back into the session it may act on, or raises an error whose message is
shown only to the person who clicked: ``Forbidden`` for another learner's exercise,
``NotFound`` for a token that is unknown or expired. The texts live here so Slack and
Discord say the same.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from assistant.store.buttons import TOKEN_TTL
from assistant.store.records import ButtonOwner
from core.errors import Forbidden, NotFound

NOT_YOURS = (
    "This is not your exercise: its buttons work only for the learner it was posted for, "
    "so it stays as they left it. Start your own with {quiz}."
)
EXPIRED = (
    f"This button no longer works (exercise buttons expire after {TOKEN_TTL.days} days, and "
    "those posted before a tutor update stop working). Start a new exercise with {quiz}."
)
GONE = "This conversation is no longer stored on the tutor. Start a new one with {quiz}."


class ButtonStore(Protocol):
    """The two calls the adapters make on the session store (``SessionStore`` has them)."""

    def issue_button_token(self, channel: str, session_id: str, owner: str) -> str: ...

    def resolve_button_token(self, channel: str, token: str) -> ButtonOwner | None: ...


async def issue_token(store: ButtonStore, channel: str, session_id: str, owner: str) -> str:
    """A token for the buttons of a message posted for ``owner`` (off the event loop)."""
    return await asyncio.to_thread(store.issue_button_token, channel, session_id, owner)


async def session_for_click(
    store: ButtonStore, channel: str, token: str, clicker: str | None, quiz: str
) -> str:
    """The session a click on a ``token`` button acts on, if ``clicker`` owns it.

    ``quiz`` is how a learner starts an exercise on this platform (e.g. ``/rnn quiz``),
    offered in the refusals.
    """
    owner = await asyncio.to_thread(store.resolve_button_token, channel, token)
    if owner is None:
        raise NotFound(EXPIRED.format(quiz=quiz))
    if not clicker or clicker != owner.owner:
        raise Forbidden(NOT_YOURS.format(quiz=quiz))
    return owner.session_id
