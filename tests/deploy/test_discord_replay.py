"""POST /discord/interactions refuses stale and replayed interactions.

A validly signed interaction whose ``X-Signature-Timestamp`` is more than 5 minutes from
now (old or in the future) is a 401, and an interaction id seen before is a 409
``duplicate_interaction``, whether the replay is byte-identical or freshly re-signed and
whichever instance it reaches (Redis when ``TUTOR_REDIS_URL`` is set; the Redis test
runs when ``TUTOR_TEST_REDIS_URL`` names a server). Signatures are real Ed25519.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import pytest

from tests.deploy.fake_platforms import FakePlatform, ScriptedTutor
from tests.deploy.signing import discord_settings, discord_signed, running

pytestmark = pytest.mark.anyio
REDIS_URL = os.environ.get("TUTOR_TEST_REDIS_URL", "")
DAY = 24 * 3600


def ask(question: str = "why do RNNs forget?", interaction_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": interaction_id or f"I-{uuid.uuid4().hex}",
            "application_id": "APP1",
            "type": 2,
            "token": f"tok-{uuid.uuid4().hex[:8]}",
            "guild_id": "G1",
            "channel_id": "C1",
            "member": {"user": {"id": "U7"}},
            "data": {
                "name": "ask",
                "type": 1,
                "options": [{"name": "question", "value": question}],
            },
        }
    )


async def post(client, body: str, headers: dict[str, str]):
    return await client.post("/discord/interactions", content=body, headers=headers)


async def followups(api: FakePlatform, count: int, settle: float = 0.3) -> list:
    """The follow-ups posted once ``count`` arrived (and no more within ``settle`` s)."""
    deadline = time.monotonic() + 20
    while len([c for c in api.calls if "/webhooks/APP1/" in c.path]) < count:
        assert time.monotonic() < deadline, [c.path for c in api.calls]
        await asyncio.sleep(0.02)
    await asyncio.sleep(settle)
    return [c for c in api.calls if "/webhooks/APP1/" in c.path]


async def test_a_signed_interaction_older_or_newer_than_5_minutes_is_refused(tmp_path, discord_api):
    tutor = ScriptedTutor()
    now = int(time.time())
    async with running(discord_settings(tmp_path, discord_api.url), tutor) as client:
        old = await post(client, body := ask(), discord_signed(body, now - 30 * DAY))
        late = await post(client, body := ask(), discord_signed(body, now - 6 * 60))
        future = await post(client, body := ask(), discord_signed(body, now + 6 * 60))
        fresh = await post(client, body := ask(), discord_signed(body, now - 60))
        assert len(await followups(discord_api, 1)) == 1
    for resp in (old, late, future):
        assert resp.status_code == 401
        error = resp.json()["error"]
        assert error["code"] == "unauthorized"
        assert "5 minutes" in error["message"] and "clock" in error["message"]
    assert "old" in old.json()["error"]["message"]
    assert "in the future" in future.json()["error"]["message"]
    assert fresh.json() == {"type": 5}
    assert len(tutor.turns) == 1


async def test_a_replayed_interaction_is_a_409_and_runs_once(tmp_path, discord_api):
    tutor = ScriptedTutor()
    body = ask()
    headers = discord_signed(body)
    async with running(discord_settings(tmp_path, discord_api.url), tutor) as client:
        first = await post(client, body, headers)
        replay = await post(client, body, headers)  # byte-identical, same signature
        resigned = await post(client, body, discord_signed(body))  # a fresh signature
        other = await post(client, other_body := ask("what is h_t?"), discord_signed(other_body))
        assert len(await followups(discord_api, 2)) == 2
    assert first.json() == {"type": 5} and other.json() == {"type": 5}
    for resp in (replay, resigned):
        assert resp.status_code == 409
        error = resp.json()["error"]
        assert error["code"] == "duplicate_interaction"
        assert "already" in error["message"]
    assert sorted(t.text for t in tutor.turns) == ["what is h_t?", "why do RNNs forget?"]


async def test_pings_are_always_answered(tmp_path, discord_api):
    ping = '{"type": 1, "id": "P1", "application_id": "APP1", "token": "t"}'
    async with running(discord_settings(tmp_path, discord_api.url), ScriptedTutor()) as client:
        answers = [await post(client, ping, discord_signed(ping)) for _ in range(2)]
    assert [r.json() for r in answers] == [{"type": 1}, {"type": 1}]


@pytest.mark.skipif(
    not REDIS_URL,
    reason="set TUTOR_TEST_REDIS_URL=redis://127.0.0.1:6379/0 to test Redis-backed replay checks",
)
async def test_a_replay_to_another_instance_is_refused_through_redis(tmp_path, discord_api):
    import redis

    tutors = ScriptedTutor(), ScriptedTutor()
    body = ask(interaction_id=f"I-redis-{uuid.uuid4().hex}")
    headers = discord_signed(body)
    settings = [
        discord_settings(tmp_path / name, discord_api.url, redis_url=REDIS_URL)
        for name in ("a", "b")
    ]
    async with (
        running(settings[0], tutors[0]) as first,
        running(settings[1], tutors[1]) as second,
    ):
        assert (await post(first, body, headers)).json() == {"type": 5}
        replay = await post(second, body, headers)
        assert len(await followups(discord_api, 1)) == 1
    assert replay.status_code == 409
    assert replay.json()["error"]["code"] == "duplicate_interaction"
    assert len(tutors[0].turns) == 1 and tutors[1].turns == []
    key = f"tutor:discord:interaction:{json.loads(body)['id']}"
    assert 0 < redis.Redis.from_url(REDIS_URL).ttl(key) <= 15 * 60
