"""A dict standing in for the session store's button tokens, for the scripted-tutor tests.

``ScriptedTutor`` hands out session ids such as ``sess1`` that no database holds, so the
adapter tests keep their button tokens here; it has the two methods the adapters call
on the real ``SessionStore`` (tested on SQLite and PostgreSQL in
``tests/assistant/test_store_buttons.py``, and end to end with the real tutor in
``test_slack_and_discord_real_tutor.py``). Tokens are random, like the real ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from assistant.store.records import ButtonOwner


@dataclass
class FakeButtonStore:
    """token -> (channel, session id, owner); nothing expires unless a test says so."""

    tokens: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)

    def issue_button_token(self, channel: str, session_id: str, owner: str) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = (channel, session_id, owner)
        return token

    def resolve_button_token(self, channel: str, token: str) -> ButtonOwner | None:
        found = self.tokens.get(token)
        if found is None or found[0] != channel or token in self.expired:
            return None
        return ButtonOwner(session_id=found[1], owner=found[2])
