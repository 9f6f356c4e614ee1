"""Socket Mode: the same Bolt app over a WebSocket, for workspaces without a public URL.

``tutor slack --socket`` opens an outbound connection to Slack with the app-level
token (``TUTOR_SLACK_APP_TOKEN``, ``xapp-…`` with ``connections:write``); Slack then
delivers events, commands and clicks over it, so no inbound URL or signing secret is
needed. Listeners, rendering and de-duplication are exactly those of HTTP mode.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from core.errors import ConfigError
from core.settings import Settings
from deploy.chat_common.buttons import ButtonStore
from deploy.slack.bolt_app import build_slack_app


def require_socket_settings(settings: Settings) -> str:
    """The app-level token; a ``ConfigError`` saying what to set when a token is missing."""
    app_token = settings.slack_app_token.get_secret_value()
    if not app_token.startswith("xapp-"):
        raise ConfigError(
            "Socket Mode needs TUTOR_SLACK_APP_TOKEN: an app-level token (xapp-…) with the "
            "connections:write scope, from Basic Information > App-Level Tokens; also turn on "
            "Socket Mode in the app settings."
        )
    if not settings.slack_bot_token.get_secret_value():
        raise ConfigError(
            "Socket Mode also needs TUTOR_SLACK_BOT_TOKEN (xoxb-…, OAuth & Permissions)."
        )
    return app_token


def make_socket_handler(
    settings: Settings, tutor: Any, buttons: ButtonStore
) -> AsyncSocketModeHandler:
    """A Socket Mode handler around the tutor's Bolt app (no connection is opened yet);
    ``buttons`` keeps the exercise buttons' tokens (the session store).

    Call it inside a running event loop: the aiohttp client session is created here.
    """
    app_token = require_socket_settings(settings)
    app = build_slack_app(settings, tutor, buttons, socket_mode=True)
    return AsyncSocketModeHandler(app, app_token)


async def run_socket_mode(settings: Settings, tutor: Any) -> None:
    """Connect and serve until the process is stopped."""
    await make_socket_handler(settings, tutor, tutor.sessions).start_async()
