"""Signed requests for the chat-platform tests: Slack's HMAC and Discord's Ed25519.

Real signing, as the platforms do it (``slack_sdk``'s ``SignatureVerifier`` and a PyNaCl
``SigningKey``), so the tests go through the same verification as production requests;
``running`` serves the tutor's real FastAPI app in-process with its lifespan.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from nacl.signing import SigningKey
from slack_sdk.signature import SignatureVerifier

from core.settings import Settings
from tests.deploy.fake_platforms import adapter_app

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD_KEY = SigningKey.generate()


def slack_settings(tmp_path, api_url: str, **extra: Any) -> Settings:
    """Slack on, talking to the fake Web API at ``api_url``."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SLACK_SECRET,
        slack_api_url=api_url,
        public_url="https://tutor.example.edu",
        **extra,
    )


def discord_settings(tmp_path, api_url: str, **extra: Any) -> Settings:
    """Discord on (verifying with ``DISCORD_KEY``), follow-ups to the fake API at ``api_url``."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        discord_public_key=DISCORD_KEY.verify_key.encode().hex(),
        discord_app_id="APP1",
        discord_bot_token="bot-token",
        discord_api_url=api_url,
        public_url="https://tutor.example.edu",
        **extra,
    )


def slack_signed(
    body: str, timestamp: int | None = None, secret: str = SLACK_SECRET, **headers: str
) -> dict:
    """Headers of a request Slack signed (JSON or form content type, from the body)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    form = not body.startswith("{")
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        **headers,
    }


def slack_command(text: str, channel: str, user: str, **extra: str) -> str:
    """The form body Slack posts for ``/rnn <text>`` typed by ``user`` in ``channel`` of
    team T1; ``extra`` adds fields such as ``response_url``."""
    return urlencode(
        {
            "command": "/rnn",
            "text": text,
            "team_id": "T1",
            "channel_id": channel,
            "user_id": user,
            **extra,
        }
    )


def discord_signed(
    body: str, timestamp: int | None = None, key: SigningKey = DISCORD_KEY
) -> dict[str, str]:
    """Headers of an interaction Discord signed at ``timestamp`` (default: now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Signature-Ed25519": key.sign(ts.encode() + body.encode()).signature.hex(),
        "X-Signature-Timestamp": ts,
        "Content-Type": "application/json",
    }


def discord_interaction(
    kind: int,
    token: str,
    user: str,
    data: dict,
    channel: str = "C1",
    interaction_id: str | None = None,
) -> str:
    """An interaction body as Discord sends it: ``kind`` 2 a slash command, 3 a button
    click; a fresh id unless given (a repeated id is a replay: 409)."""
    return json.dumps(
        {
            "id": interaction_id or f"I-{uuid.uuid4().hex}",
            "application_id": "APP1",
            "type": kind,
            "token": token,
            "guild_id": "G1",
            "channel_id": channel,
            "member": {"user": {"id": user}},
            "data": data,
        }
    )


@asynccontextmanager
async def running(settings: Settings, tutor: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the tutor's app (its lifespan run) around ``tutor``."""
    app = adapter_app(settings, tutor)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
