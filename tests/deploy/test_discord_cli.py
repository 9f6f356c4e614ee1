"""`tutor discord register` against a local fake Discord API; the optional gateway bot
is built (not connected) with the same rendering as the interactions endpoint."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.settings import Settings, get_settings
from deploy.cli import app
from deploy.discord.commands import COMMANDS
from tests.deploy.fake_platforms import FakePlatform, ScriptedTutor

runner = CliRunner()


@pytest.fixture
def env(settings_env):
    for name in ("DISCORD_APP_ID", "DISCORD_BOT_TOKEN"):
        settings_env.delenv(f"TUTOR_{name}", raising=False)
    return settings_env


def test_register_puts_the_commands_with_the_bot_token(env):
    with FakePlatform() as discord_api:
        env.setenv("TUTOR_DISCORD_API_URL", discord_api.url)
        env.setenv("TUTOR_DISCORD_APP_ID", "APP1")
        env.setenv("TUTOR_DISCORD_BOT_TOKEN", "bot-secret")
        result = runner.invoke(app, ["discord", "register"])
    assert result.exit_code == 0, result.output
    assert "Registered 4 commands with Discord: /ask, /trace, /quiz, /hint" in " ".join(
        result.output.split()
    )
    (call,) = discord_api.calls
    assert (call.method, call.path) == ("PUT", "/applications/APP1/commands")
    assert call.headers["Authorization"] == "Bot bot-secret"
    assert call.body == COMMANDS
    ask = call.body[0]
    assert ask["options"][0] == {
        "type": 3,
        "name": "question",
        "description": "e.g. why do RNNs forget?",
        "required": True,
        "max_length": 4000,
    }


def test_register_explains_missing_settings_and_rejected_tokens(env):
    result = runner.invoke(app, ["discord", "register"])
    assert result.exit_code == 2
    assert "Set TUTOR_DISCORD_APP_ID (the Application ID)" in " ".join(result.output.split())
    with FakePlatform() as discord_api:
        discord_api.fail["/commands"] = (401, {"message": "401: Unauthorized", "code": 0})
        env.setenv("TUTOR_DISCORD_API_URL", discord_api.url)
        env.setenv("TUTOR_DISCORD_APP_ID", "APP1")
        env.setenv("TUTOR_DISCORD_BOT_TOKEN", "wrong")
        get_settings.cache_clear()
        result = runner.invoke(app, ["discord", "register"])
    assert result.exit_code == 2
    assert "Discord rejected the bot token (401)" in " ".join(result.output.split())


def test_gateway_bot_is_built_with_the_message_content_intent(tmp_path):
    pytest.importorskip("discord")
    from deploy.discord.gateway import build_gateway_bot, to_send_kwargs
    from deploy.discord.render import render_reply
    from tests.deploy.fake_platforms import scripted_reply

    settings = Settings(_env_file=None, data_dir=tmp_path, discord_bot_token="bot-secret")
    tutor = ScriptedTutor()
    client = build_gateway_bot(settings, tutor, tutor.buttons)
    assert client.intents.message_content is True
    import discord

    payload, files = render_reply(scripted_reply("sess9", "quiz me"), button_token="tok9")
    kwargs = to_send_kwargs(discord, payload, files)
    assert kwargs["embeds"][0].title == "Exercise"
    assert [b.custom_id for b in kwargs["view"].children] == [
        "rnn:hint:tok9",
        "rnn:giveup:tok9",
        "rnn:next:tok9",
    ]
