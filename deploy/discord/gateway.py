"""Optional gateway bot (discord.py): answers when mentioned, for servers that prefer it.

``tutor discord --gateway`` logs in with ``TUTOR_DISCORD_BOT_TOKEN`` over Discord's
WebSocket gateway (needs the Message Content intent switched on in the Developer
Portal) and replies to messages that mention the bot, with the same embeds, plots and
Hint / Give up / Next buttons as the interactions endpoint; clicks on those buttons
arrive as gateway interactions and are answered the same way (only the learner the
exercise was posted for may use them; anyone else is told so privately). discord.py
is an optional extra (``pip install -e '.[discord]'``), imported only here.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from typing import Any

from core.errors import ConfigError, SessionNotFound, TutorError
from core.settings import Settings
from deploy.chat_common.buttons import GONE, ButtonStore, issue_token, session_for_click
from deploy.discord import turns
from deploy.discord.interactions import QUIZ
from deploy.discord.render import render_error, render_reply

log = logging.getLogger("tutor.discord")


def _discord() -> Any:
    try:
        import discord
    except ImportError as exc:
        raise ConfigError("The gateway bot needs discord.py: pip install -e '.[discord]'.") from exc
    return discord


def to_send_kwargs(discord: Any, payload: dict[str, Any], files: list[Any]) -> dict[str, Any]:
    """A rendered payload as discord.py ``send``/``reply`` keyword arguments."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if payload.get("content"):
        kwargs["content"] = payload["content"]
    if payload.get("embeds"):
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in payload["embeds"]]
    if files:
        kwargs["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data, _ in files]
    if payload.get("components"):
        view = discord.ui.View(timeout=None)
        for b in payload["components"][0]["components"]:
            style = discord.ButtonStyle(b["style"])
            view.add_item(
                discord.ui.Button(label=b["label"], custom_id=b["custom_id"], style=style)
            )
        kwargs["view"] = view
    return kwargs


def require_gateway_settings(settings: Settings) -> Any:
    """The discord module, once the bot token is known to be set (else ``ConfigError``)."""
    discord = _discord()
    if not settings.discord_bot_token.get_secret_value():
        raise ConfigError(
            "The gateway bot needs TUTOR_DISCORD_BOT_TOKEN (Developer Portal > Bot > Token)."
        )
    return discord


def build_gateway_bot(settings: Settings, tutor: Any, buttons: ButtonStore) -> Any:
    """A ``discord.Client`` wired to the tutor (not connected: call ``.start(token)``);
    ``buttons`` keeps the exercise buttons' tokens (the session store)."""
    discord = require_gateway_settings(settings)
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)

    async def answer(
        key: str | None, session_id: str | None, text: str, owner: str
    ) -> dict[str, Any]:
        files: list[Any] = []
        try:
            sid = session_id or await asyncio.to_thread(tutor.session_for, turns.CHANNEL, key)
            reply = await asyncio.to_thread(tutor.respond, turns.to_turn(sid, text))
            token = None
            if reply.exercise is not None:
                token = await issue_token(buttons, turns.CHANNEL, reply.session_id, owner)
            # render_reply draws the PNG plots: off the event loop
            payload, files = await asyncio.to_thread(
                render_reply, reply, settings.public_url, token
            )
        except SessionNotFound:  # its message names the session id: not for a channel
            payload = render_error(GONE.format(quiz=QUIZ))
        except TutorError as exc:
            payload = render_error(exc.message)
        return to_send_kwargs(discord, payload, files)

    @client.event
    async def on_message(message: Any) -> None:
        if message.author.bot or client.user is None or client.user not in message.mentions:
            return
        text = re.sub(rf"<@!?{client.user.id}>", " ", message.content)
        text = " ".join(text.split())[: turns.MAX_TEXT] or "hello"
        guild = message.guild.id if message.guild else "dm"
        key = f"{guild}:{message.channel.id}:{message.author.id}"
        async with message.channel.typing():
            kwargs = await answer(key, None, text, str(message.author.id))
        await message.reply(**kwargs)

    @client.event
    async def on_interaction(interaction: Any) -> None:
        data = interaction.data or {}
        if not str(data.get("custom_id", "")).startswith("rnn:"):
            return
        clicker = str(interaction.user.id)
        try:
            request = turns.to_request({"type": turns.MESSAGE_COMPONENT, "data": data})
            session_id = await session_for_click(
                buttons, turns.CHANNEL, request.button_token or "", clicker, QUIZ
            )
        except TutorError as exc:  # unknown, not theirs, expired: only the clicker sees it
            await interaction.response.send_message(exc.message, ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(**await answer(None, session_id, request.text, clicker))

    return client


async def run_gateway(settings: Settings, tutor: Any) -> None:
    """Log in and answer mentions until the process is stopped."""
    client = build_gateway_bot(settings, tutor, tutor.sessions)
    async with client:
        await client.start(settings.discord_bot_token.get_secret_value())
