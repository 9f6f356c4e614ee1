"""Both adapters over the real tutor (offline brain, real embedding model, real Chroma and
SQLite in a temp dir): cited answers, real trace numbers, a quiz whose Hint button works
for its learner only (another learner's click is refused privately and changes nothing)
and whose answer is not shown before a give-up, against the local fake platform APIs."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from nacl.signing import SigningKey

from assistant.store.records import ButtonOwner
from core.settings import Settings
from tests.deploy.fake_platforms import FakePlatform
from tests.deploy.signing import (
    discord_interaction,
    discord_signed,
    running,
    slack_command,
    slack_signed,
)

pytestmark = pytest.mark.anyio
SECRET = "real-tutor-signing-secret"
KEY = SigningKey.generate()
LESSON = "https://tutor.example.edu/lessons/why-sequences-need-memory"


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
    async with running(settings, tutor) as c:
        yield c


def slack_headers(body: str) -> dict[str, str]:
    return slack_signed(body, secret=SECRET)


def discord_headers(body: str) -> dict[str, str]:
    return discord_signed(body, key=KEY)


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
    assert blocks[0]["type"] == "section" and "Memory fades" in blocks[0]["text"]["text"]
    (cites,) = [b for b in blocks if b["type"] == "context"]
    assert f"<{LESSON}#where-memory-fades|" in json.dumps(cites)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


async def test_slack_quiz_then_hint_button_in_the_same_session(client, platform, tutor):
    form = slack_command("quiz", "C2", "U2", response_url=platform.url + "/commands/x")
    await client.post("/slack/events", content=form, headers=slack_headers(form))
    header, quiz = await platform.wait_for("/chat.postMessage", count=2, timeout=60)
    thread_ts = quiz.body["thread_ts"]
    assert "thread_ts" not in header.body and thread_ts.startswith("1700000000.")
    (actions,) = [b for b in quiz.body["blocks"] if b["type"] == "actions"]
    hint_button = actions["elements"][0]
    assert hint_button["action_id"] == "rnn_hint"
    token = hint_button["value"]
    session_id = tutor.session_for("slack", f"T1:C2:{thread_ts}")
    assert session_id not in json.dumps(quiz.body)  # the session's credential stays private
    assert tutor.sessions.resolve_button_token("slack", token) == ButtonOwner(session_id, "U2")
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U2"},
        "channel": {"id": "C2"},
        "message": {"ts": "1700000000.999999", "thread_ts": thread_ts},
        "actions": [{"action_id": "rnn_hint", "value": token, "type": "button"}],
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


def slack_click(action_id: str, token: str, user: str, thread_ts: str, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "channel": {"id": "C3"},
        "message": {"ts": "1700000000.999999", "thread_ts": thread_ts},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "value": token, "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)})


async def test_slack_give_up_by_another_learner_is_refused_and_changes_nothing(
    client, platform, tutor
):
    form = slack_command("quiz", "C3", "U3")
    await client.post("/slack/events", content=form, headers=slack_headers(form))
    _, quiz = await platform.wait_for("/chat.postMessage", count=2, timeout=60)
    thread_ts = quiz.body["thread_ts"]
    (actions,) = [b for b in quiz.body["blocks"] if b["type"] == "actions"]
    token = actions["elements"][1]["value"]
    assert actions["elements"][1]["action_id"] == "rnn_giveup"
    session_id = tutor.session_for("slack", f"T1:C3:{thread_ts}")
    before = tutor.sessions.get_state(session_id), len(tutor.sessions.messages(session_id))

    other = slack_click("rnn_giveup", token, "U4", thread_ts, platform.url + "/actions/U4")
    await client.post("/slack/events", content=other, headers=slack_headers(other))
    (refusal,) = await platform.wait_for("/actions/U4", timeout=60)
    assert refusal.body["response_type"] == "ephemeral"
    assert "not your exercise" in refusal.body["text"]
    after = tutor.sessions.get_state(session_id), len(tutor.sessions.messages(session_id))
    assert after == before  # the owner's exercise is exactly as it was

    own = slack_click("rnn_giveup", token, "U3", thread_ts, platform.url + "/actions/U3")
    await client.post("/slack/events", content=own, headers=slack_headers(own))
    revealed = (await platform.wait_for("/chat.postMessage", count=3, timeout=60))[-1]
    assert revealed.body["thread_ts"] == thread_ts
    (actions,) = [b for b in revealed.body["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["rnn_next"]  # closed: revealed
    assert session_id not in json.dumps(revealed.body)


async def test_discord_give_up_by_another_learner_is_refused_and_changes_nothing(
    client, platform, tutor
):
    quiz = discord_interaction(2, "tokRQ", "U9", {"name": "quiz", "type": 1}, channel="C5")
    await client.post("/discord/interactions", content=quiz, headers=discord_headers(quiz))
    (follow,) = await platform.wait_for("/webhooks/APP1/tokRQ", timeout=60)
    buttons = {b["label"]: b["custom_id"] for b in follow.body["components"][0]["components"]}
    session_id = tutor.session_for("discord", "G1:C5:U9")
    assert session_id not in json.dumps(follow.body)
    before = tutor.sessions.get_state(session_id), len(tutor.sessions.messages(session_id))

    data = {"custom_id": buttons["Give up"], "component_type": 2}
    other = discord_interaction(3, "tokRX", "U10", data, channel="C5")
    resp = await client.post("/discord/interactions", content=other, headers=discord_headers(other))
    assert resp.json()["type"] == 4 and resp.json()["data"]["flags"] == 64
    assert "not your exercise" in resp.json()["data"]["content"]
    after = tutor.sessions.get_state(session_id), len(tutor.sessions.messages(session_id))
    assert after == before

    own = discord_interaction(3, "tokRG", "U9", data, channel="C5")
    resp = await client.post("/discord/interactions", content=own, headers=discord_headers(own))
    assert resp.json() == {"type": 5}
    (revealed,) = await platform.wait_for("/webhooks/APP1/tokRG", timeout=60)
    assert [b["label"] for b in revealed.body["components"][0]["components"]] == ["Next"]
    assert session_id not in json.dumps(revealed.body)


async def test_slack_thread_holds_a_conceptual_question_and_reads_the_answer(client, platform):
    """Slack is one more channel of the same tutor: the question asked in a thread stays
    open there, and the learner's answer in that thread gets the correction."""

    def mention(event_id: str, text: str, ts: str) -> str:
        event = {"type": "app_mention", "user": "U3", "text": f"<@UBOT> {text}", "ts": ts,
                 "channel": "C3", "thread_ts": "1700000300.000100"}  # fmt: skip
        return json.dumps({"team_id": "T1", "type": "event_callback", "event_id": event_id,
                           "event": event})  # fmt: skip

    opening = mention(
        "EvListen1", "test my understanding of gradient clipping", "1700000300.000100"
    )
    await client.post("/slack/events", content=opening, headers=slack_headers(opening))
    (asked,) = await platform.wait_for("/chat.postMessage", timeout=60)
    assert "Why can't clipping rescue a vanished gradient?" in json.dumps(asked.body)
    answer = mention(
        "EvListen2", "gradient clipping also fixes vanishing gradients", "1700000301.000100"
    )
    await client.post("/slack/events", content=answer, headers=slack_headers(answer))
    replies = await platform.wait_for("/chat.postMessage", count=2, timeout=60)
    said = json.dumps(replies[-1].body)
    assert replies[-1].body["thread_ts"] == "1700000300.000100"
    assert "Not quite:" in said and "nothing in clipping makes them bigger" in said
