"""The Bolt app: Slack's events, ``/rnn`` commands and buttons wired to the tutor.

``build_slack_app(settings, tutor, buttons)`` returns an ``AsyncApp`` whose client
talks to ``settings.slack_api_url``. Bolt verifies every request's signature (bad or
older than five minutes: 401) and acknowledges events at once; the listeners then run
as tasks: mentions and direct messages are answered in a thread, ``/rnn`` is acked
within Slack's three seconds and does its work in a lazy listener (it posts the
command as a new message and answers in that message's thread, so the learner can
continue there by mentioning the bot), and so do the Hint / Give up / Next buttons.
Those carry a token bound to the learner who asked for the exercise (kept by
``buttons``, the session store), never the session id; anyone else's click, or a stale
token, gets a message only they see and leaves the exercise alone. A middleware drops
redeliveries of an ``event_id`` already claimed, so Slack's retries never produce a
second reply. The tutor is synchronous, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import ConfigError, InvalidInput, SessionNotFound, TutorError
from core.settings import Settings
from deploy.chat_common.buttons import GONE, ButtonStore, issue_token, session_for_click
from deploy.slack import turns
from deploy.slack.dedupe import EventDeduper, make_deduper
from deploy.slack.mrkdwn import escape
from deploy.slack.poster import post_command_header, post_private, post_reply
from deploy.slack.render import (
    ACTION_GIVEUP,
    ACTION_HINT,
    ACTION_NEXT,
    render_error,
    render_help,
    render_reply,
)

log = logging.getLogger("tutor.slack")
UNEXPECTED = "Something went wrong on the tutor's side (it has been logged). Please try again."
QUIZ = "`/rnn quiz`"


def slack_enabled(settings: Settings) -> bool:
    """Both the bot token and the signing secret are set."""
    return bool(
        settings.slack_bot_token.get_secret_value()
        and settings.slack_signing_secret.get_secret_value()
    )


class SlackTutor:
    """The work behind every listener: ask the tutor, render, post in the thread."""

    def __init__(self, tutor: Any, buttons: ButtonStore, public_url: str) -> None:
        self.tutor = tutor
        self.buttons = buttons
        self.public_url = public_url

    async def answer(
        self,
        client: AsyncWebClient,
        channel: str,
        thread_ts: str | None,
        text: str,
        owner: str | None,
        *,
        session_key: str | None = None,
        session_id: str | None = None,
        respond: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        """One turn for ``owner`` (the Slack user who asked, who alone may use the
        exercise buttons): a session (by key or id), the reply, posted in the thread."""
        plots: list[Any] = []
        try:
            if session_id is None:
                session_id = await asyncio.to_thread(self.tutor.session_for, "slack", session_key)
            reply = await asyncio.to_thread(self.tutor.respond, turns.to_turn(session_id, text))
            token = None
            if reply.exercise is not None and owner:
                token = await issue_token(self.buttons, turns.CHANNEL, reply.session_id, owner)
            payload, plots = render_reply(reply, self.public_url, token), reply.plots
        except SessionNotFound:  # its message names the session id: not for a channel
            payload = render_error(GONE.format(quiz=QUIZ))
        except TutorError as exc:
            payload = render_error(exc.message)
        except Exception:  # the edge: log it, tell the learner, keep serving
            log.exception("slack: turn failed in %s", channel)
            payload = render_error(UNEXPECTED)
        await post_reply(client, channel, thread_ts, payload, plots, respond=respond)


def build_slack_app(
    settings: Settings,
    tutor: Any,
    buttons: ButtonStore,
    deduper: EventDeduper | None = None,
    socket_mode: bool = False,
) -> AsyncApp:
    """The Bolt app for one tutor (call lazily: it builds a Slack client).

    ``buttons`` keeps the exercise buttons' tokens (the session store). ``socket_mode``
    apps receive requests over Slack's WebSocket, so they need no signing secret; HTTP
    apps always verify signatures.
    """
    if not socket_mode and not slack_enabled(settings):
        raise ConfigError(
            "Slack is not configured: set TUTOR_SLACK_BOT_TOKEN and TUTOR_SLACK_SIGNING_SECRET "
            "(see docs/chat-platforms.md)."
        )
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    app = AsyncApp(
        name="rnn-tutor",
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        request_verification_enabled=not socket_mode,
        process_before_response=False,
    )
    work = SlackTutor(tutor, buttons, settings.public_url)
    seen = deduper or make_deduper(settings)

    @app.middleware
    async def drop_redeliveries(body: dict[str, Any], next: Callable[[], Awaitable[None]]):
        event_id = body.get("event_id")
        if event_id and not await seen.claim(event_id):
            log.info("slack: dropped redelivery of %s", event_id)
            return BoltResponse(status=200, body="")
        await next()

    async def answer_event(event: dict, body: dict, client: AsyncWebClient, text: str) -> None:
        dest = turns.event_destination(event, body)
        await work.answer(
            client,
            dest.channel,
            dest.thread_ts,
            text,
            event.get("user"),
            session_key=dest.session_key,
        )

    @app.event("app_mention")
    async def on_mention(event: dict, body: dict, client: AsyncWebClient, context: Any) -> None:
        text = turns.message_text(event, context.bot_user_id) or "hello"
        await answer_event(event, body, client, text)

    @app.event("message")
    async def on_message(event: dict, body: dict, client: AsyncWebClient, context: Any) -> None:
        if turns.should_answer_message(event):
            text = turns.message_text(event, context.bot_user_id)
            await answer_event(event, body, client, text)

    async def ack_command(ack: Callable[..., Awaitable[None]], body: dict) -> None:
        sub, arg = turns.parse_command(body.get("text", ""))
        if sub == "help":
            await ack(**render_help())
            return
        try:
            turns.command_text(sub, arg)
        except InvalidInput as exc:
            await ack(**render_error(exc.message))
            return
        await ack()

    async def run_command(body: dict, client: AsyncWebClient, respond: Any) -> None:
        sub, arg = turns.parse_command(body.get("text", ""))
        try:
            text = turns.command_text(sub, arg)
        except InvalidInput:
            return  # help and mistakes were answered in the ack
        key, channel = turns.command_destination(body)
        user = body.get("user_id")
        asked = f"<@{user}>: `/rnn {escape(body.get('text', '').strip())}`"
        thread_ts = await post_command_header(client, channel, asked[:2000])
        if thread_ts is None:  # not a member here: answer through response_url, unthreaded
            await work.answer(client, channel, None, text, user, session_key=key, respond=respond)
            return
        team = body.get("team_id", "T")
        thread_key = turns.Destination(team, channel, thread_ts).session_key
        await work.answer(client, channel, thread_ts, text, user, session_key=thread_key)

    app.command("/rnn")(ack=ack_command, lazy=[run_command])

    async def ack_button(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    async def run_button(body: dict, client: AsyncWebClient, respond: Any) -> None:
        clicker = turns.clicker(body)
        try:
            token, text, dest = turns.action_turn(body)
            session_id = await session_for_click(buttons, turns.CHANNEL, token, clicker, QUIZ)
        except TutorError as exc:  # not theirs, expired, unknown: only the clicker is told
            await post_private(client, body, respond, render_error(exc.message))
            return
        await work.answer(
            client, dest.channel, dest.thread_ts, text, clicker, session_id=session_id
        )

    for action_id in (ACTION_HINT, ACTION_GIVEUP, ACTION_NEXT):
        app.action(action_id)(ack=ack_button, lazy=[run_button])
    return app
