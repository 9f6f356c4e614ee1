"""The Slack endpoint ``POST /slack/events``: events, slash commands and interactivity.

At start-up the router's lifespan logs one line saying whether Slack is on. The Bolt
app is built on the first request (not at import, not when Slack is off) and kept on
``app.state``. Every request is first checked here (``verify.py``: signature, timestamp
within 5 minutes, a body Bolt can parse) and then goes through Bolt's FastAPI adapter;
every refusal, ours or Bolt's, is answered in API.md's error shape. Without
``TUTOR_SLACK_BOT_TOKEN`` and ``TUTOR_SLACK_SIGNING_SECRET`` the route answers 404
``slack_disabled``: on this deployment there is no Slack endpoint (a 4xx, not a fault).
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
from deploy.errors import error_response
from deploy.openapi import error_responses
from deploy.slack.bolt_app import build_slack_app, slack_enabled
from deploy.slack.dedupe import make_deduper
from deploy.slack.verify import SIGN_HOW, parse_body, verify_request

log = logging.getLogger("tutor.slack")

DISABLED = (
    "Slack is not configured on this tutor: set TUTOR_SLACK_BOT_TOKEN and "
    "TUTOR_SLACK_SIGNING_SECRET and restart (see docs/chat-platforms.md)."
)
UNHANDLED = (
    "This tutor has no handler for this Slack request: it answers app_mention and "
    "message.im events, the /rnn command and its exercise buttons. Check the app's "
    "settings against deploy/slack/manifest.yml."
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


@router.post("/slack/events", responses=error_responses(400, 401, 404))
async def slack_events(request: Request, services: ServicesDep) -> Response:
    """Slack Events API, slash commands and interactive actions (signed by Slack)."""
    settings = services.settings
    if not slack_enabled(settings):
        error = {"code": "slack_disabled", "message": DISABLED}
        return JSONResponse({"error": error}, status_code=404)
    text = verify_request(
        settings.slack_signing_secret.get_secret_value(),
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
        await request.body(),
    )
    parse_body(text, request.headers)
    if not services.ready or services.tutor is None:
        raise IndexNotReady("The tutor is still starting up; Slack will retry in a moment.")
    handler = getattr(request.app.state, "slack_handler", None)
    if handler is None:
        deduper = request.app.state.slack_deduper = make_deduper(settings)
        app = build_slack_app(settings, services.tutor, services.sessions, deduper)
        handler = AsyncSlackRequestHandler(app)
        request.app.state.slack_handler = handler
        log.info("slack: Bolt app ready")
    return documented(await handler.handle(request))


def documented(response: Response) -> Response:
    """Bolt's own refusals (``{"error": "invalid request"}``, 401; ``{"error": "unhandled
    request"}``, 404) in API.md's shape; everything else as Bolt answered."""
    if response.status_code == 401:
        return error_response(401, "unauthorized", f"Invalid request signature: {SIGN_HOW}.")
    if response.status_code == 404:
        return error_response(404, "unhandled_request", UNHANDLED)
    if response.status_code >= 400:
        log.warning("slack: Bolt answered %d: %r", response.status_code, response.body[:200])
        return error_response(
            response.status_code,
            "slack_request_failed",
            "The tutor could not handle this Slack request (the details are in its log); "
            "Slack retries events by itself, otherwise try the command or button again.",
        )
    return response
