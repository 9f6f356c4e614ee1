"""Slack's Socket Mode runner (built, not connected) and the retry de-duplication stores
(in memory for one process, Redis ``SET NX EX`` shared by several instances)."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

from core.settings import Settings
from deploy.cli import app
from deploy.slack.dedupe import PREFIX, MemoryDeduper, RedisDeduper, make_deduper
from tests.deploy.fake_platforms import ScriptedTutor

runner = CliRunner()
REDIS_URL = "redis://127.0.0.1:6379/0"


def test_slack_socket_mode_refuses_to_start_without_an_app_token(settings_env):
    settings_env.delenv("TUTOR_SLACK_APP_TOKEN", raising=False)
    settings_env.delenv("TUTOR_SLACK_BOT_TOKEN", raising=False)
    result = runner.invoke(app, ["slack", "--socket"])
    assert result.exit_code == 2
    assert "Socket Mode needs TUTOR_SLACK_APP_TOKEN" in " ".join(result.output.split())


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_socket_mode_handler_is_built_around_the_same_bolt_app(tmp_path, anyio_backend):
    from deploy.slack.socket import make_socket_handler

    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1-A1-2-abc",
        slack_api_url="http://127.0.0.1:9/api/",
    )
    tutor = ScriptedTutor()
    handler = make_socket_handler(settings, tutor, tutor.buttons)
    assert handler.app_token == "xapp-1-A1-2-abc"
    assert handler.client.web_client.base_url == "http://127.0.0.1:9/api/"
    assert {type(m).__name__ for m in handler.app._async_middleware_list}.isdisjoint(
        {"AsyncRequestVerification"}
    )
    await handler.client.close()


@pytest.mark.anyio
async def test_memory_deduper_claims_once_and_forgets_after_the_ttl():
    seen = MemoryDeduper(ttl=0.0)
    assert await seen.claim("Ev1") is True
    assert await seen.claim("Ev1") is True  # TTL 0: already expired
    seen = MemoryDeduper(ttl=600, max_size=3)
    assert [await seen.claim(e) for e in ("E1", "E1", "E2", "E3", "E4")] == [
        True,
        False,
        True,
        True,
        True,
    ]
    assert await seen.claim("E1") is True  # evicted by the size cap
    assert await seen.claim("E4") is False


@pytest.mark.anyio
async def test_redis_deduper_is_shared_between_instances(tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings = Settings(_env_file=None, data_dir=tmp_path, redis_url=REDIS_URL)
    first, second = make_deduper(settings), make_deduper(settings)
    assert isinstance(first, RedisDeduper)
    event_id = f"Ev-{uuid.uuid4().hex}"
    try:
        assert await first.claim(event_id) is True
        assert await second.claim(event_id) is False  # another instance sees the claim
        ttl = redis.Redis.from_url(REDIS_URL).ttl(first.prefix + event_id)
        assert 0 < ttl <= first.ttl
    finally:
        await first.aclose()
        await second.aclose()
    assert isinstance(make_deduper(Settings(_env_file=None, data_dir=tmp_path)), MemoryDeduper)


@pytest.mark.anyio
async def test_redis_deduper_falls_back_to_memory_when_redis_is_down(caplog):
    seen = RedisDeduper("redis://127.0.0.1:1/0", PREFIX)  # nothing listens on port 1
    try:
        assert await seen.claim("EvDown") is True
        assert await seen.claim("EvDown") is False
    finally:
        await seen.aclose()
    assert "Redis unreachable" in caplog.text


def test_manifest_declares_what_the_adapter_handles():
    import importlib.resources

    import yaml

    text = importlib.resources.files("deploy").joinpath("slack/manifest.yml").read_text()
    manifest = yaml.safe_load(text)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "chat:write",
        "commands",
        "files:write",
        "im:history",
        "im:read",
    }
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention", "message.im"]
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/rnn"
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        command["url"],
    }
    assert urls == {"https://YOUR-HOST/slack/events"}
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "RNN Tutor"
