"""POST /discord/interactions end to end: interactions signed with a real Ed25519 key,
the real FastAPI app, and a local fake Discord API capturing the follow-ups."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from nacl.signing import SigningKey

from core.settings import Settings
from tests.deploy.fake_platforms import FAKE_PNG, ScriptedTutor
from tests.deploy.signing import discord_settings as make_settings
from tests.deploy.signing import discord_signed as signed
from tests.deploy.signing import running

pytestmark = pytest.mark.anyio


def command(name: str, token: str = "tok1", **options: str) -> str:
    return json.dumps(
        {
            "id": f"I-{token}",  # one interaction per token: a repeated id is a replay (409)
            "application_id": "APP1",
            "type": 2,
            "token": token,
            "guild_id": "G1",
            "channel_id": "C1",
            "member": {"user": {"id": "U7", "username": "ada"}},
            "data": {
                "id": "CMD",
                "name": name,
                "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()],
            },
        }
    )


async def post(client: httpx.AsyncClient, body: str, headers: dict | None = None) -> httpx.Response:
    return await client.post("/discord/interactions", content=body, headers=headers or signed(body))


async def test_ping_is_answered_with_pong(tmp_path, discord_api):
    async with running(make_settings(tmp_path, discord_api.url), ScriptedTutor()) as client:
        resp = await post(client, '{"type": 1, "id": "1", "application_id": "APP1", "token": "t"}')
    assert resp.status_code == 200
    assert resp.json() == {"type": 1}


async def test_bad_and_missing_signatures_are_rejected(tmp_path, discord_api):
    tutor = ScriptedTutor()
    body = command("ask", question="hi")
    async with running(make_settings(tmp_path, discord_api.url), tutor) as client:
        forged = await post(client, body, signed(body, key=SigningKey.generate()))
        tampered = await post(client, body.replace("hi", "ho"), signed(body))
        missing = await post(client, body, {"Content-Type": "application/json"})
        garbage = await post(client, body, {**signed(body), "X-Signature-Ed25519": "zz"})
    for resp in (forged, tampered, missing, garbage):
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "unauthorized"
    assert tutor.turns == [] and discord_api.calls == []


async def test_ask_is_deferred_then_answered_with_embeds_by_follow_up(tmp_path, discord_api):
    tutor = ScriptedTutor(gate=threading.Event())
    async with running(make_settings(tmp_path, discord_api.url), tutor) as client:
        resp = await post(client, command("ask", question="what is the  hidden state?"))
        # deferred while the tutor has not answered yet
        assert resp.json() == {"type": 5}
        assert discord_api.calls == []
        tutor.gate.set()
        (follow,) = await discord_api.wait_for("/webhooks/APP1/tok1")
    assert tutor.turns[0].text == "what is the hidden state?"
    assert tutor.turns[0].channel == "discord"
    assert tutor.sessions == {("discord", "G1:C1:U7"): "sess1"}
    assert follow.method == "POST"
    assert follow.headers["User-Agent"].startswith("DiscordBot (")
    (embed,) = follow.body["embeds"]
    assert embed["description"] == (
        "The **hidden state** is the network's memory. See [the lesson]"
        "(https://tutor.example.edu/lessons/why-sequences-need-memory#the-hidden-state)."
    )
    assert embed["fields"] == [
        {
            "name": "From the lesson",
            "value": "• [Where memory fades](https://tutor.example.edu/lessons/"
            "why-sequences-need-memory#where-memory-fades)",
        }
    ]
    assert follow.body["allowed_mentions"] == {"parse": []}
    assert "components" not in follow.body


async def test_trace_follow_up_has_a_table_and_the_plot_attached(tmp_path, discord_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, discord_api.url), tutor) as client:
        await post(client, command("trace", token="tokT", spec="inputs 1, 0, 0, 0"))
        (follow,) = await discord_api.wait_for("/webhooks/APP1/tokT")
    assert tutor.turns[0].text == "walk me through a trace inputs 1, 0, 0, 0"
    assert follow.headers["Content-Type"].startswith("multipart/form-data")
    payload = json.loads(follow.body["payload_json"][1])
    filename, content = follow.body["files[0]"]
    assert filename == "1-hidden-state-over-time.png" and content == FAKE_PNG
    assert payload["attachments"] == [
        {
            "id": 0,
            "filename": "1-hidden-state-over-time.png",
            "description": "Hidden state over time",
        }
    ]
    trace = payload["embeds"][-1]
    assert trace["title"] == "Trace"
    assert trace["description"].startswith("```\nRNN · hidden 1 · input 1 · 4 steps\nt  x       h")
    assert "4  +0.000  +0.256" in trace["description"]


async def test_quiz_buttons_and_a_hint_click(tmp_path, discord_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, discord_api.url), tutor) as client:
        await post(client, command("quiz", token="tokQ"))
        (quiz,) = await discord_api.wait_for("/webhooks/APP1/tokQ")
        (row,) = quiz.body["components"]
        token = row["components"][0]["custom_id"].split(":")[2]  # a button token, not the id
        assert [(b["label"], b["custom_id"], b["style"]) for b in row["components"]] == [
            ("Hint", f"rnn:hint:{token}", 2),
            ("Give up", f"rnn:giveup:{token}", 4),
            ("Next", f"rnn:next:{token}", 1),
        ]
        assert quiz.body["embeds"][0]["title"] == "Exercise"
        click = json.dumps(
            {
                "id": "I2",
                "application_id": "APP1",
                "type": 3,
                "token": "tokH",
                "guild_id": "G1",
                "channel_id": "C1",
                "member": {"user": {"id": "U7"}},
                "message": {"id": "M1"},
                "data": {"custom_id": f"rnn:hint:{token}", "component_type": 2},
            }
        )
        resp = await post(client, click)
        assert resp.json() == {"type": 5}
        (hint,) = await discord_api.wait_for("/webhooks/APP1/tokH")
    assert [(t.session_id, t.text) for t in tutor.turns] == [
        ("sess1", "quiz me"),
        ("sess1", "hint"),
    ]
    assert hint.body["embeds"][0]["description"] == "Hint: multiply the input by the weight first."


async def test_unknown_commands_are_answered_at_once_and_tutor_errors_by_follow_up(
    tmp_path, discord_api
):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, discord_api.url), tutor) as client:
        unknown = await post(client, command("dance"))
        await post(client, command("trace", token="tokE", spec="broken numbers"))
        (error,) = await discord_api.wait_for("/webhooks/APP1/tokE")
    assert unknown.json()["type"] == 4
    assert unknown.json()["data"]["flags"] == 64
    assert "knows /ask, /trace, /quiz and /hint" in unknown.json()["data"]["content"]
    assert error.body["content"] == "⚠️ The inputs must be numbers, e.g. 'inputs 1, 0, 0'."


async def test_discord_is_disabled_without_a_public_key(tmp_path, discord_api):
    settings = Settings(_env_file=None, data_dir=tmp_path, discord_api_url=discord_api.url)
    async with running(settings, ScriptedTutor()) as client:
        resp = await post(client, '{"type": 1}')
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "discord_disabled"
