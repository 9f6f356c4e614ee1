"""Talking to Discord's REST API: interaction follow-ups and command registration.

A follow-up is ``POST {api}/webhooks/{application_id}/{interaction_token}``: JSON, or
multipart with ``payload_json`` and ``files[i]`` when plots are attached. Discord
answers 429 with ``retry_after`` when rate limited; one wait-and-retry is enough for a
single reply. Registration is a bulk overwrite, ``PUT {api}/applications/{app_id}/commands``
with ``Authorization: Bot <token>``. Failures raise ``TutorError`` subclasses.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from core.errors import ConfigError, TutorError
from core.settings import Settings
from deploy.discord.commands import COMMANDS
from deploy.discord.render import File

TIMEOUT = httpx.Timeout(15.0)
USER_AGENT = "DiscordBot (https://github.com/rnn-tutor, 0.1)"  # the form Discord asks for


class DiscordAPIError(TutorError):
    """Discord refused a request (the message carries its status and answer)."""

    code = "discord_api_error"
    http_status = 502


def _request_kwargs(payload: dict[str, Any], files: list[File]) -> dict[str, Any]:
    if not files:
        return {"json": payload}
    return {
        "data": {"payload_json": json.dumps(payload)},
        "files": [(f"files[{i}]", f) for i, f in enumerate(files)],
    }


async def send_followup(
    client: httpx.AsyncClient,
    api_url: str,
    application_id: str,
    token: str,
    payload: dict[str, Any],
    files: list[File] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Post a follow-up message for an interaction; the created message object."""
    url = f"{api_url.rstrip('/')}/webhooks/{application_id}/{token}"
    for attempt in (1, 2):
        resp = await client.post(url, **_request_kwargs(payload, list(files)))
        if resp.status_code == 429 and attempt == 1:
            await asyncio.sleep(min(float(resp.json().get("retry_after", 1.0)), 10.0))
            continue
        if resp.is_error:
            raise DiscordAPIError(
                f"Discord refused the follow-up ({resp.status_code}): {resp.text[:300]}"
            )
        return resp.json()
    raise AssertionError("unreachable")


def register_commands(
    settings: Settings, client: httpx.Client | None = None
) -> list[dict[str, Any]]:
    """Overwrite the app's global slash commands with ``COMMANDS``; Discord's answer."""
    token = settings.discord_bot_token.get_secret_value()
    if not settings.discord_app_id or not token:
        raise ConfigError(
            "Set TUTOR_DISCORD_APP_ID (the Application ID) and TUTOR_DISCORD_BOT_TOKEN (Bot > Token) "
            "from the Discord Developer Portal, then run `tutor discord register` again."
        )
    url = f"{settings.discord_api_url.rstrip('/')}/applications/{settings.discord_app_id}/commands"
    headers = {"Authorization": f"Bot {token}", "User-Agent": USER_AGENT}
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        resp = client.put(url, json=COMMANDS, headers=headers)
    except httpx.HTTPError as exc:
        raise DiscordAPIError(
            f"Could not reach Discord at {url}: {exc}; check TUTOR_DISCORD_API_URL."
        ) from exc
    finally:
        if own:
            client.close()
    if resp.status_code == 401:
        raise ConfigError("Discord rejected the bot token (401): copy it again from Bot > Token.")
    if resp.is_error:
        raise DiscordAPIError(
            f"Discord refused the commands ({resp.status_code}): {resp.text[:300]}"
        )
    return resp.json()
