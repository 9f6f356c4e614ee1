"""CLI commands for the chat platforms: ``tutor slack --socket`` and ``tutor discord ...``.

HTTP mode needs no command of its own: ``tutor serve`` answers Slack at ``/slack/events``
and Discord at ``/discord/interactions``. These commands cover the rest: Slack's Socket
Mode runner, registering Discord's slash commands, and the optional Discord gateway bot.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import typer
from rich.console import Console

from core.settings import Settings, get_settings
from deploy.cli.common import cli_errors

console = Console()


def _tutor(settings: Settings) -> Any:
    from assistant.factory import make_tutor  # deferred: loads the embedding model

    console.print("Loading the tutor…", style="dim")
    return make_tutor(settings)


def slack(
    socket: bool = typer.Option(
        False, "--socket", help="Connect over Socket Mode (needs TUTOR_SLACK_APP_TOKEN)."
    ),
) -> None:
    """Run the Slack bot over Socket Mode (HTTP mode is served by `tutor serve`)."""
    if not socket:
        console.print(
            "In HTTP mode Slack is served by `tutor serve` at POST /slack/events "
            "(Request URL https://YOUR-HOST/slack/events). For a workspace that cannot reach "
            "this machine, run `tutor slack --socket`."
        )
        return
    from deploy.slack.socket import require_socket_settings, run_socket_mode

    with cli_errors():
        settings = get_settings()
        require_socket_settings(settings)
        tutor = _tutor(settings)
        console.print("Slack Socket Mode: connecting… (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_socket_mode(settings, tutor))


discord_app = typer.Typer(
    help="Discord: register slash commands, or run the optional gateway bot.",
    invoke_without_command=True,
)


@discord_app.callback()
def discord(
    ctx: typer.Context,
    gateway: bool = typer.Option(
        False, "--gateway", help="Run a gateway bot (discord.py) that answers mentions."
    ),
) -> None:
    """Discord: the interactions endpoint is served by `tutor serve`; see the subcommands."""
    if ctx.invoked_subcommand is not None:
        return
    if not gateway:
        console.print(ctx.get_help())
        return
    from deploy.discord.gateway import build_gateway_bot, require_gateway_settings

    with cli_errors():
        settings = get_settings()
        require_gateway_settings(settings)
        tutor = _tutor(settings)
        client = build_gateway_bot(settings, tutor, tutor.sessions)
        console.print("Discord gateway bot: connecting… (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            client.run(settings.discord_bot_token.get_secret_value(), log_handler=None)


@discord_app.command("register")
def register_discord_commands() -> None:
    """Register /ask, /trace, /quiz and /hint with Discord (overwrites the app's commands)."""
    from deploy.discord.webhooks import register_commands

    with cli_errors():
        settings = get_settings()
        registered = register_commands(settings)
    names = ", ".join(f"/{c['name']}" for c in registered)
    console.print(f"Registered {len(registered)} commands with Discord: {names}")
    console.print(
        "Global commands can take a few minutes to appear. Set the Interactions Endpoint URL "
        "to https://YOUR-HOST/discord/interactions."
    )


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
    app.command("slack")(slack)
    app.add_typer(discord_app, name="discord")
