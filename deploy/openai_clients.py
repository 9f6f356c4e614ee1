"""Who is calling ``/v1/chat/completions``, and which session their conversation is.

The OpenAI protocol has no session id. A client is identified by its API key when the
deployment sets ``TUTOR_API_KEYS`` (the ``openai`` client sends it as ``Authorization:
Bearer``), otherwise by its address; everything below is scoped to that identity, so
the request's ``user`` field names a learner *of that client* and can never open another
client's session (``{"user": "alice@example.edu"}`` from someone else is a different
session). Two ways to find the session:

- ``user`` given: one session per (client, user), created on first use;
- no ``user``: the dialogue the client resent is fingerprinted and resumed with
  ``SessionStore.resume_point`` (continue, or fork when the stored session has moved on:
  see ``assistant/store/dialogues.py``), then ``mark`` records where it stands after the
  reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi import Request

from core.errors import Unauthorized
from core.settings import Settings
from deploy.deps import client_ip

CHANNEL = "openai"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def client_scope(request: Request, settings: Settings) -> str:
    """``key:<digest>`` for a valid API key, ``ip:<address>`` on an open deployment;
    401 when keys are configured and the request has none or a wrong one."""
    keys = settings.api_key_list
    if not keys:
        return f"ip:{client_ip(request)}"
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    # Compare against every key (no early exit), so timing says nothing about which.
    matches = [hmac.compare_digest(given.encode(), k.encode()) for k in keys]
    if not given or not any(matches):
        raise Unauthorized(
            "This endpoint needs an API key: send 'Authorization: Bearer <key>' (the openai "
            "client's api_key) with one of the keys in the tutor's TUTOR_API_KEYS."
        )
    return f"key:{_digest(given)[:16]}"


def user_key(scope: str, user: str) -> str:
    """The session key of ``user`` as named by the client ``scope`` (at most 255 chars)."""
    return f"{scope}|user:{_digest(user)}"


class DialogueSessions:
    """The session of a client that sends no ``user``: found by the dialogue it resends."""

    def __init__(self, store: Any, scope: str, dialogue: list[list[str]], text: str) -> None:
        self.store = store
        self.scope = scope
        self.dialogue = dialogue
        self.text = text

    def _key(self, dialogue: list[list[str]]) -> str:
        canon = json.dumps([self.scope, dialogue], ensure_ascii=False, separators=(",", ":"))
        return _digest(canon)

    def find(self) -> str | None:
        """The session to continue (possibly a fork), or None for a new conversation."""
        if not self.dialogue:
            return None
        return self.store.resume_point(CHANNEL, self._key(self.dialogue))

    def mark(self, session_id: str, content: str) -> None:
        """Record where the conversation stands: the dialogue the client will resend."""
        after = [*self.dialogue, ["user", self.text], ["assistant", content.strip()]]
        self.store.mark_point(CHANNEL, self._key(after), session_id)
