"""The Slack endpoint ``POST /slack/events``: events, slash commands and interactivity.

The Bolt app is built on the first request (not at import, not when Slack is off) and
kept on ``app.state``; every request goes through Bolt's FastAPI adapter, which checks
the signature before anything else. Without ``TUTOR_SLACK_BOT_TOKEN`` and
``TUTOR_SLACK_SIGNING_SECRET`` the route answers 503 ``slack_disabled`` and the reason
is logged once.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from core.errors import IndexNotReady
from deploy.deps import ServicesDep
from deploy.slack.bolt_app import build_slack_app, slack_enabled

log = logging.getLogger("tutor.slack")
router = APIRouter(tags=["chat platforms"])

DISABLED = (
    "Slack is not configured on this tutor: set TUTOR_SLACK_BOT_TOKEN and "
    "TUTOR_SLACK_SIGNING_SECRET and restart (see docs/chat-platforms.md)."
)


def _disabled(request: Request) -> JSONResponse:
    if not getattr(request.app.state, "slack_disabled_logged", False):
        request.app.state.slack_disabled_logged = True
        log.warning("slack: disabled (TUTOR_SLACK_BOT_TOKEN / TUTOR_SLACK_SIGNING_SECRET unset)")
    return JSONResponse({"error": {"code": "slack_disabled", "message": DISABLED}}, status_code=503)


@router.post("/slack/events", include_in_schema=True)
async def slack_events(request: Request, services: ServicesDep) -> Response:
    """Slack Events API, slash commands and interactive actions (signed by Slack)."""
    if not slack_enabled(services.settings):
        return _disabled(request)
    if not services.ready or services.tutor is None:
        raise IndexNotReady("The tutor is still starting up; Slack will retry in a moment.")
    handler = getattr(request.app.state, "slack_handler", None)
    if handler is None:
        handler = AsyncSlackRequestHandler(build_slack_app(services.settings, services.tutor))
        request.app.state.slack_handler = handler
        log.info("slack: Bolt app ready at /slack/events")
    return await handler.handle(request)
