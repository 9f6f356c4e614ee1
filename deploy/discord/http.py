"""The Discord endpoint ``POST /discord/interactions`` (Ed25519-signed by Discord).

At start-up the router's lifespan logs whether Discord is on; at shutdown it gives
running follow-ups a few seconds to finish. Order matters: without ``TUTOR_DISCORD_PUBLIC_KEY`` the route answers 503
``discord_disabled``; then the signature over the raw body is checked (401 when bad or
missing) before the body is even parsed; a PING is answered without the tutor so the
Developer Portal can save the URL while the tutor is still starting. The adapter
(``DiscordTutor``) is built on the first real interaction and kept on ``app.state``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from core.errors import InvalidInput
from deploy.deps import ServicesDep
from deploy.discord import turns
from deploy.discord.interactions import EPHEMERAL, PONG, DiscordTutor
from deploy.discord.render import render_error
from deploy.discord.verify import verify_request

log = logging.getLogger("tutor.discord")
SHUTDOWN_GRACE = 20.0  # seconds to let running follow-ups finish

DISABLED = (
    "Discord is not configured on this tutor: set TUTOR_DISCORD_PUBLIC_KEY (and "
    "TUTOR_DISCORD_APP_ID, TUTOR_DISCORD_BOT_TOKEN) and restart (see docs/chat-platforms.md)."
)
STARTING = "The tutor is still starting up; try again in a few seconds."


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Say once whether Discord is on; on shutdown let running follow-ups finish."""
    services = getattr(app.state, "services", None)
    if services is not None:
        if services.settings.discord_public_key:
            log.info("discord: enabled at POST /discord/interactions")
        else:
            log.info("discord: disabled (set TUTOR_DISCORD_PUBLIC_KEY)")
    try:
        yield
    finally:
        adapter = getattr(app.state, "discord_adapter", None)
        if adapter is not None:
            try:
                await asyncio.wait_for(adapter.drain(), SHUTDOWN_GRACE)
            except TimeoutError:
                log.warning("discord: %d follow-up(s) cut off by shutdown", len(adapter.tasks))
            await adapter.aclose()


router = APIRouter(tags=["chat platforms"], lifespan=lifespan)


@router.post("/discord/interactions")
async def discord_interactions(request: Request, services: ServicesDep) -> JSONResponse:
    """Discord interactions: PING, slash commands and button clicks (signed by Discord)."""
    settings = services.settings
    if not settings.discord_public_key:
        return JSONResponse(
            {"error": {"code": "discord_disabled", "message": DISABLED}}, status_code=503
        )
    body = await request.body()
    verify_request(
        settings.discord_public_key,
        request.headers.get("X-Signature-Ed25519"),
        request.headers.get("X-Signature-Timestamp"),
        body,
    )
    try:
        interaction = json.loads(body)
        assert isinstance(interaction, dict)
    except (ValueError, AssertionError) as exc:
        raise InvalidInput("The interaction body must be a JSON object.") from exc
    if interaction.get("type") == turns.PING:
        return JSONResponse(PONG)
    if not services.ready or services.tutor is None:
        return JSONResponse({"type": 4, "data": {**render_error(STARTING), "flags": EPHEMERAL}})
    adapter = getattr(request.app.state, "discord_adapter", None)
    if adapter is None:
        adapter = request.app.state.discord_adapter = DiscordTutor(services.tutor, settings)
    return JSONResponse(adapter.handle(interaction))
