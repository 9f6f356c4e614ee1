"""Answering verified Discord interactions: at once, then with a follow-up.

Discord wants an answer within three seconds, so ``DiscordTutor.handle`` returns at
once: PONG for a PING, and for a slash command or a button a deferred reply (type 5,
"the bot is thinking…") while a background task asks the tutor (in a worker thread:
the tutor is synchronous), renders the reply and posts it as the follow-up. An
exercise's buttons carry a token bound to the user who asked (``buttons``, the session
store). Mistakes the adapter can see at once (an unknown command or button, a click on
someone else's exercise, an expired button) are answered directly (type 4, only visible
to the learner); the tutor's own errors arrive as a short follow-up message with the
error's advice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import httpx

from core.errors import SessionNotFound, TutorError
from core.settings import Settings
from deploy.chat_common.buttons import GONE, ButtonStore, issue_token, session_for_click
from deploy.discord import turns
from deploy.discord.render import render_error, render_reply
from deploy.discord.webhooks import TIMEOUT, USER_AGENT, send_followup

log = logging.getLogger("tutor.discord")

PONG = {"type": 1}
DEFERRED = {"type": 5}
EPHEMERAL = 64
UNEXPECTED = "Something went wrong on the tutor's side (it has been logged). Please try again."
QUIZ = "/quiz"


def ephemeral(message: str) -> dict[str, Any]:
    """An immediate answer only the person who interacted sees."""
    return {"type": 4, "data": {**render_error(message), "flags": EPHEMERAL}}


class DiscordTutor:
    """Turns interactions into tutor turns and follow-ups; keeps its running tasks."""

    def __init__(self, tutor: Any, settings: Settings, buttons: ButtonStore) -> None:
        self.tutor = tutor
        self.settings = settings
        self.buttons = buttons
        self.tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None  # one pool for all follow-ups

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            headers = {"User-Agent": USER_AGENT}
            self._http = httpx.AsyncClient(timeout=TIMEOUT, headers=headers)
        return self._http

    async def handle(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """The immediate response to a verified interaction (work continues in a task)."""
        if interaction.get("type") == turns.PING:
            return PONG
        try:
            request = turns.to_request(interaction)
            if request.button_token is not None:
                session_id = await session_for_click(
                    self.buttons,
                    turns.CHANNEL,
                    request.button_token,
                    turns.owner(interaction),
                    QUIZ,
                )
                request = dataclasses.replace(request, session_id=session_id)
        except TutorError as exc:  # unknown command, not theirs, expired: only they see it
            return ephemeral(exc.message)
        task = asyncio.create_task(self.follow_up(interaction, request))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return DEFERRED

    async def follow_up(self, interaction: dict[str, Any], request: turns.Request) -> None:
        """Ask the tutor and post its reply (or the error's advice) as the follow-up."""
        files: list[Any] = []
        try:
            session_id = request.session_id or await asyncio.to_thread(
                self.tutor.session_for, turns.CHANNEL, request.session_key
            )
            reply = await asyncio.to_thread(
                self.tutor.respond, turns.to_turn(session_id, request.text)
            )
            token, owner = None, turns.owner(interaction)
            if reply.exercise is not None and owner:
                token = await issue_token(self.buttons, turns.CHANNEL, reply.session_id, owner)
            # render_reply draws the PNG plots: off the event loop
            payload, files = await asyncio.to_thread(
                render_reply, reply, self.settings.public_url, token
            )
        except SessionNotFound:  # its message names the session id: not for a channel
            payload = render_error(GONE.format(quiz=QUIZ))
        except TutorError as exc:
            payload = render_error(exc.message)
        except Exception:  # the edge: log it, tell the learner, keep serving
            log.exception("discord: turn failed for interaction %s", interaction.get("id"))
            payload = render_error(UNEXPECTED)
        app_id = str(interaction.get("application_id") or self.settings.discord_app_id)
        try:
            await send_followup(
                self.http,
                self.settings.discord_api_url,
                app_id,
                interaction["token"],
                payload,
                files,
            )
        except (TutorError, httpx.HTTPError) as exc:
            log.error(
                "discord: follow-up for interaction %s failed: %s", interaction.get("id"), exc
            )

    async def drain(self) -> None:
        """Wait for running follow-ups (shutdown, tests)."""
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Release the HTTP connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
