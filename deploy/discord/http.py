"""The Discord endpoint ``POST /discord/interactions`` (Ed25519-signed by Discord).

At start-up the router's lifespan logs whether Discord is on; at shutdown it gives
running follow-ups a few seconds to finish. Order matters: without ``TUTOR_DISCORD_PUBLIC_KEY`` the route answers 404
``discord_disabled`` (no Discord endpoint on this deployment); then the signature over the raw body and its timestamp are
checked (401 when bad, missing, or more than 5 minutes off) before the body is even
parsed; a PING is answered without the tutor so the Developer Portal can save the URL
while the tutor is still starting; every other interaction id is claimed once (409
``duplicate_interaction`` for a replay; claims shared through Redis when
``TUTOR_REDIS_URL`` is set). The adapter (``DiscordTutor``) is built on the first real
interaction and kept on ``app.state``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from core.errors import DuplicateInteraction, InvalidInput
from core.settings import Settings
from deploy.chat_common.dedupe import Deduper, make_deduper
from deploy.deps import ServicesDep
from deploy.discord import turns
from deploy.discord.interactions import PONG, DiscordTutor, ephemeral
from deploy.discord.verify import verify_request
from deploy.openapi import error_responses

log = logging.getLogger("tutor.discord")
SHUTDOWN_GRACE = 20.0  # seconds to let running follow-ups finish

DISABLED = (
    "Discord is not configured on this tutor: set TUTOR_DISCORD_PUBLIC_KEY (and "
    "TUTOR_DISCORD_APP_ID, TUTOR_DISCORD_BOT_TOKEN) and restart (see docs/chat-platforms.md)."
)
STARTING = "The tutor is still starting up; try again in a few seconds."
CLAIMS = "tutor:discord:interaction:"  # Redis key prefix of claimed interaction ids


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
        close = getattr(getattr(app.state, "discord_deduper", None), "aclose", None)
        if close is not None:
            await close()


router = APIRouter(tags=["chat platforms"], lifespan=lifespan)


@router.post("/discord/interactions", responses=error_responses(400, 401, 404, 409))
async def discord_interactions(request: Request, services: ServicesDep) -> JSONResponse:
    """Discord interactions: PING, slash commands and button clicks (signed by Discord)."""
    settings = services.settings
    if not settings.discord_public_key:
        return JSONResponse(
            {"error": {"code": "discord_disabled", "message": DISABLED}}, status_code=404
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
    await claim_once(deduper(request, settings), interaction)
    if not services.ready or services.tutor is None:
        return JSONResponse(ephemeral(STARTING))
    adapter = getattr(request.app.state, "discord_adapter", None)
    if adapter is None:
        adapter = DiscordTutor(services.tutor, settings, services.sessions)
        request.app.state.discord_adapter = adapter
    return JSONResponse(await adapter.handle(interaction))


def deduper(request: Request, settings: Settings) -> Deduper:
    """This app's claims on interaction ids (built on first use, closed by the lifespan)."""
    seen = getattr(request.app.state, "discord_deduper", None)
    if seen is None:
        seen = request.app.state.discord_deduper = make_deduper(settings, CLAIMS)
    return seen


async def claim_once(seen: Deduper, interaction: dict) -> None:
    """Raise ``DuplicateInteraction`` when this interaction id was handled before."""
    interaction_id = interaction.get("id")
    if not isinstance(interaction_id, str) or not interaction_id:
        raise InvalidInput("The interaction has no 'id': Discord sends one with every interaction.")
    if not await seen.claim(interaction_id):
        log.warning("discord: refused a replay of interaction %s", interaction_id)
        raise DuplicateInteraction(
            f"Interaction {interaction_id} was already handled; Discord sends each interaction "
            "once, so a repeat is refused. Use the command or button again for a new one."
        )
