"""The Slack endpoint ``POST /slack/events``: events, slash commands and interactivity.

At start-up the router's lifespan logs one line saying whether Slack is on. The Bolt
app is built on the first request (not at import, not when Slack is off) and kept on
``app.state``; every request goes through Bolt's FastAPI adapter, which checks the
signature before anything else. Without ``TUTOR_SLACK_BOT_TOKEN`` and
``TUTOR_SLACK_SIGNING_SECRET`` the route answers 503 ``slack_disabled``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from core.errors import IndexNotReady
from deploy.deps import ServicesDep
from deploy.slack.bolt_app import build_slack_app, slack_enabled
from deploy.slack.dedupe import make_deduper

log = logging.getLogger("tutor.slack")

DISABLED = (
    "Slack is not configured on this tutor: set TUTOR_SLACK_BOT_TOKEN and "
    "TUTOR_SLACK_SIGNING_SECRET and restart (see docs/chat-platforms.md)."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Say once whether Slack is on; on shutdown release the shared de-dup store."""
    services = getattr(app.state, "services", None)
    if services is not None:
        if slack_enabled(services.settings):
            log.info("slack: enabled at POST /slack/events")
        else:
            log.info("slack: disabled (set TUTOR_SLACK_BOT_TOKEN and TUTOR_SLACK_SIGNING_SECRET)")
    try:
        yield
    finally:
        close = getattr(getattr(app.state, "slack_deduper", None), "aclose", None)
        if close is not None:
            await close()


router = APIRouter(tags=["chat platforms"], lifespan=lifespan)


@router.post("/slack/events")
async def slack_events(request: Request, services: ServicesDep) -> Response:
    """Slack Events API, slash commands and interactive actions (signed by Slack)."""
    settings = services.settings
    if not slack_enabled(settings):
        error = {"code": "slack_disabled", "message": DISABLED}
        return JSONResponse({"error": error}, status_code=503)
    if not services.ready or services.tutor is None:
        raise IndexNotReady("The tutor is still starting up; Slack will retry in a moment.")
    handler = getattr(request.app.state, "slack_handler", None)
    if handler is None:
        deduper = request.app.state.slack_deduper = make_deduper(settings)
        handler = AsyncSlackRequestHandler(build_slack_app(settings, services.tutor, deduper))
        request.app.state.slack_handler = handler
        log.info("slack: Bolt app ready")
    return await handler.handle(request)
