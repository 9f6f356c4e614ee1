"""Both adapters over the real tutor (offline brain, real embedding model, real Chroma and
SQLite in a temp dir): cited answers, real trace numbers, a quiz whose Hint button works
and whose answer is not shown before a give-up, against the local fake platform APIs."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from nacl.signing import SigningKey
from slack_sdk.signature import SignatureVerifier

from core.settings import Settings
from tests.deploy.fake_platforms import FakePlatform, adapter_app

pytestmark = pytest.mark.anyio
SECRET = "real-tutor-signing-secret"
KEY = SigningKey.generate()
LESSON = "https://tutor.example.edu/lessons/why-sequences-need-memory"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def platform():
    with FakePlatform() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(tmp_path_factory, platform) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("tutor"),
        public_url="https://tutor.example.edu",
        slack_bot_token="xoxb-real",
        slack_signing_secret=SECRET,
        slack_api_url=platform.url + "/api/",
        discord_public_key=KEY.verify_key.encode().hex(),
        discord_app_id="APP1",
        discord_api_url=platform.url,
    )


@pytest.fixture(scope="module")
def tutor(settings, embedder):
    from assistant.factory import make_tutor

    return make_tutor(settings, embedder=embedder)


@pytest.fixture
async def client(settings, tutor, platform):
    platform.calls.clear()
    app = adapter_app(settings, tutor)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def slack_headers(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        "Content-Type": "application/json"
        if body.startswith("{")
        else "application/x-www-form-urlencoded",
    }


def discord_headers(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = KEY.sign(ts.encode() + body.encode()).signature.hex()
    return {
        "X-Signature-Ed25519": sig,
        "X-Signature-Timestamp": ts,
        "Content-Type": "application/json",
    }


async def test_slack_mention_gets_a_cited_answer_and_the_fade_plot(client, platform):
    body = json.dumps(
        {
            "team_id": "T1",
            "type": "event_callback",
            "event_id": "EvReal1",
            "event": {
                "type": "app_mention",
                "user": "U1",
                "text": "<@UBOT> why do RNNs forget?",
                "ts": "1700000100.000100",
                "channel": "C1",
            },
        }
    )
    assert (
        await client.post("/slack/events", content=body, headers=slack_headers(body))
    ).status_code == 200
    (post,) = await platform.wait_for("/chat.postMessage", timeout=60)
    await platform.wait_for("/files.completeUploadExternal", timeout=60)
    (ask,) = platform.find("/files.getUploadURLExternal")
    assert ask.body["filename"] == "how-fast-the-first-input-is-forgotten.png"
    (upload,) = platform.find("/upload/F1")
    assert upload.raw.startswith(b"\x89PNG") and len(upload.raw) < 150_000
    assert int(ask.body["length"]) == len(upload.raw)
    assert post.body["thread_ts"] == "1700000100.000100"
    blocks = post.body["blocks"]
    assert blocks[0]["type"] == "section" and "forget" in blocks[0]["text"]["text"]
    (cites,) = [b for b in blocks if b["type"] == "context"]
    assert f"<{LESSON}#where-memory-fades|" in json.dumps(cites)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


async def test_slack_quiz_then_hint_button_in_the_same_session(client, platform, tutor):
    form = urlencode(
        {
            "command": "/rnn",
            "text": "quiz",
            "team_id": "T1",
            "channel_id": "C2",
            "user_id": "U2",
            "response_url": platform.url + "/commands/x",
        }
    )
    await client.post("/slack/events", content=form, headers=slack_headers(form))
    header, quiz = await platform.wait_for("/chat.postMessage", count=2, timeout=60)
    thread_ts = quiz.body["thread_ts"]
    assert "thread_ts" not in header.body and thread_ts.startswith("1700000000.")
    (actions,) = [b for b in quiz.body["blocks"] if b["type"] == "actions"]
    hint_button = actions["elements"][0]
    assert hint_button["action_id"] == "rnn_hint"
    session_id = hint_button["value"]
    assert session_id == tutor.session_for("slack", f"T1:C2:{thread_ts}")
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U2"},
        "channel": {"id": "C2"},
        "message": {"ts": "1700000000.999999", "thread_ts": thread_ts},
        "actions": [{"action_id": "rnn_hint", "value": session_id, "type": "button"}],
    }
    form = urlencode({"payload": json.dumps(payload)})
    await client.post("/slack/events", content=form, headers=slack_headers(form))
    hint = (await platform.wait_for("/chat.postMessage", count=3, timeout=60))[-1]
    assert hint.body["thread_ts"] == thread_ts
    assert "Hint 1" in hint.body["blocks"][0]["text"]["text"]
    assert "Worked solution" not in json.dumps(hint.body)


async def test_discord_trace_has_the_real_numbers(client, platform):
    body = json.dumps(
        {
            "id": "I9",
            "application_id": "APP1",
            "type": 2,
            "token": "tokReal",
            "guild_id": "G1",
            "channel_id": "C1",
            "member": {"user": {"id": "U9"}},
            "data": {
                "name": "trace",
                "type": 1,
                "options": [
                    {
                        "name": "spec",
                        "type": 3,
                        "value": "inputs 1, 0, 0, input weight 0.5, recurrent weight 0.8, no bias",
                    }
                ],
            },
        }
    )
    resp = await client.post("/discord/interactions", content=body, headers=discord_headers(body))
    assert resp.json() == {"type": 5}
    (follow,) = await platform.wait_for("/webhooks/APP1/tokReal", timeout=60)
    payload = json.loads(follow.body["payload_json"][1])
    trace = [e for e in payload["embeds"] if e.get("title") == "Trace"][0]["description"]
    rows = [line.split() for line in trace.splitlines()[3:6]]
    assert rows == [["1", "+1.000", "+0.462"], ["2", "+0.000", "+0.354"], ["3", "+0.000", "+0.276"]]
    filename, content = follow.body["files[0]"]
    assert filename == "1-hidden-state-over-time.png"
    assert content.startswith(b"\x89PNG") and len(content) < 150_000
    assert payload["attachments"][0]["filename"] == "1-hidden-state-over-time.png"
    assert (
        sum(len(e.get("description", "")) + len(e.get("title", "")) for e in payload["embeds"])
        <= 6000
    )
