"""POST /slack/events end to end: Slack's real signing, Bolt's real verification,
the real FastAPI app, and a local fake Slack Web API recording what the bot sends."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from core.settings import Settings
from tests.deploy.fake_platforms import FAKE_PNG, ScriptedTutor
from tests.deploy.signing import running, slack_command
from tests.deploy.signing import slack_settings as make_settings
from tests.deploy.signing import slack_signed as signed

pytestmark = pytest.mark.anyio


def mention(text: str, event_id: str = "Ev001", ts: str = "1700000001.000100", **event: Any) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000001,
            "event": {
                "type": "app_mention",
                "user": "U42",
                "text": text,
                "ts": ts,
                "channel": "C9",
                "event_ts": ts,
                **event,
            },
        }
    )


async def test_mention_is_answered_in_a_thread_with_cited_blocks(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        resp = await client.post(
            "/slack/events",
            content=(body := mention("<@UBOT> what is the hidden state?")),
            headers=signed(body),
        )
        assert resp.status_code == 200
        (post,) = await slack_api.wait_for("/chat.postMessage")

    assert tutor.turns[0].text == "what is the hidden state?"
    assert tutor.turns[0].channel == "slack"
    assert tutor.sessions == {("slack", "T1:C9:1700000001.000100"): "sess1"}
    sent = post.body
    assert sent["channel"] == "C9"
    assert sent["thread_ts"] == "1700000001.000100"
    assert sent["blocks"][0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "The *hidden state* is the network's memory. See "
            "<https://tutor.example.edu/lessons/why-sequences-need-memory#the-hidden-state|the lesson>.",
        },
    }
    assert sent["blocks"][-1] == {
        "type": "context",
        "block_id": "rnn_citations",
        "elements": [
            {
                "type": "mrkdwn",
                "text": ":book: <https://tutor.example.edu/lessons/why-sequences-need-memory"
                "#where-memory-fades|Where memory fades>",
            }
        ],
    }
    assert sent["text"].startswith("The **hidden state**")
    assert post.headers["Authorization"] == "Bearer xoxb-test-token"


async def test_a_reply_in_a_thread_continues_that_threads_session(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        first = mention("<@UBOT> hello", event_id="Ev1", ts="1700000001.000100")
        second = mention(
            "<@UBOT> and then?",
            event_id="Ev2",
            ts="1700000009.000200",
            thread_ts="1700000001.000100",
        )
        for body in (first, second):
            assert (
                await client.post("/slack/events", content=body, headers=signed(body))
            ).status_code == 200
            await slack_api.wait_for("/chat.postMessage", count=len(tutor.turns) + 1)
    posts = slack_api.find("/chat.postMessage")
    assert [p.body["thread_ts"] for p in posts] == ["1700000001.000100"] * 2
    assert [t.session_id for t in tutor.turns] == ["sess1", "sess1"]


async def test_retries_never_produce_a_second_reply(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        body = mention("<@UBOT> why do RNNs forget?", event_id="EvRetry")
        assert (
            await client.post("/slack/events", content=body, headers=signed(body))
        ).status_code == 200
        await slack_api.wait_for("/chat.postMessage")
        for n in ("1", "2"):
            retry = signed(body, **{"X-Slack-Retry-Num": n, "X-Slack-Retry-Reason": "http_timeout"})
            assert (
                await client.post("/slack/events", content=body, headers=retry)
            ).status_code == 200
        other = mention("<@UBOT> hello again", event_id="EvOther", ts="1700000050.000100")
        await client.post("/slack/events", content=other, headers=signed(other))
        await slack_api.wait_for("/chat.postMessage", count=2)
    assert len(tutor.turns) == 2
    assert [p.body["thread_ts"] for p in slack_api.find("/chat.postMessage")] == [
        "1700000001.000100",
        "1700000050.000100",
    ]


async def test_forged_and_stale_requests_are_rejected(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        body = mention("<@UBOT> hi")
        forged = await client.post(
            "/slack/events", content=body, headers=signed(body, secret="not-the-secret")
        )
        stale = await client.post(
            "/slack/events", content=body, headers=signed(body, timestamp=int(time.time()) - 6 * 60)
        )
        unsigned = await client.post(
            "/slack/events", content=body, headers={"Content-Type": "application/json"}
        )
    assert (forged.status_code, stale.status_code, unsigned.status_code) == (401, 401, 401)
    assert tutor.turns == []
    assert slack_api.find("/chat.postMessage") == []


async def test_direct_messages_are_answered_but_bot_and_edited_messages_are_not(
    tmp_path, slack_api
):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:

        def dm(event_id: str, text: str, **event: Any) -> str:
            return mention(text, event_id, type="message", channel_type="im", channel="D7", **event)

        for body in (
            dm("EvBot", "I am a bot", bot_id="B9"),
            dm("EvEdit", "edited", subtype="message_changed"),
            dm("EvDM", "quiz me"),
        ):
            await client.post("/slack/events", content=body, headers=signed(body))
        (post,) = await slack_api.wait_for("/chat.postMessage")
    assert [t.text for t in tutor.turns] == ["quiz me"]
    assert post.body["channel"] == "D7"
    actions = post.body["blocks"][-1]
    assert actions["type"] == "actions"
    token = actions["elements"][0]["value"]  # a button token, not the session id
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("rnn_hint", token),
        ("rnn_giveup", token),
        ("rnn_next", token),
    ]
    assert tutor.buttons.resolve_button_token("slack", token).session_id == "sess1"


async def test_plots_are_uploaded_into_the_thread_or_skipped_without_scope(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        body = mention("<@UBOT> walk me through a trace", event_id="EvT")
        await client.post("/slack/events", content=body, headers=signed(body))
        (complete,) = await slack_api.wait_for("/files.completeUploadExternal")
        slack_api.fail["/files.getUploadURLExternal"] = (
            200,
            {"ok": False, "error": "missing_scope"},
        )
        body = mention("<@UBOT> why do RNNs forget?", event_id="EvF", ts="1700000077.000100")
        await client.post("/slack/events", content=body, headers=signed(body))
        await slack_api.wait_for("/files.getUploadURLExternal", count=2)
        await slack_api.wait_for("/chat.postMessage", count=2)
    (upload,) = slack_api.find("/upload/F1")
    assert upload.raw == FAKE_PNG  # Slack shows PNG inline, not SVG
    ask = slack_api.find("/files.getUploadURLExternal")[0].body
    assert ask["filename"] == "hidden-state-over-time.png"
    assert int(ask["length"]) == len(FAKE_PNG)
    assert complete.body["thread_ts"] == "1700000001.000100"
    assert complete.body["channel_id"] == "C9"
    assert json.loads(complete.body["files"]) == [{"id": "F1", "title": "Hidden state over time"}]
    trace_post = slack_api.find("/chat.postMessage")[0].body
    assert (
        "```\nRNN · hidden 1 · input 1 · 4 steps\nt  x       h"
        in trace_post["blocks"][1]["text"]["text"]
    )
    assert len(slack_api.find("/files.completeUploadExternal")) == 1  # the refused one was skipped


async def test_slash_command_is_acked_before_the_work_and_posts_later(tmp_path, slack_api):
    tutor = ScriptedTutor(gate=threading.Event())
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        form = slack_command(
            "ask what is the hidden state?",
            "C5",
            "U42",
            response_url=slack_api.url + "/commands/T1/1/abc",
            trigger_id="1.2.3",
        )
        resp = await client.post("/slack/events", content=form, headers=signed(form))
        # acknowledged while the tutor is still blocked: the work is not in the ack path
        assert resp.status_code == 200 and resp.content == b""
        assert tutor.turns == []
        tutor.gate.set()
        header, answer = await slack_api.wait_for("/chat.postMessage", count=2)
    # the command is posted as a header message and answered in its thread
    assert header.body["channel"] == "C5" and "thread_ts" not in header.body
    assert header.body["blocks"] == [
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "<@U42>: `/rnn ask what is the hidden state?`"}
            ],
        }
    ]
    assert answer.body["channel"] == "C5"
    assert answer.body["thread_ts"] == "1700000000.000001"  # the header's ts (fake API)
    assert tutor.turns[0].text == "what is the hidden state?"
    assert tutor.sessions == {("slack", "T1:C5:1700000000.000001"): "sess1"}
    assert answer.body["blocks"][0]["text"]["text"].startswith("The *hidden state*")


async def test_slash_help_and_mistakes_are_answered_in_the_ack(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:

        def command(text: str) -> str:
            return slack_command(text, "C5", "U1", response_url=slack_api.url + "/commands/x")

        helped = await client.post(
            "/slack/events", content=(b := command("help")), headers=signed(b)
        )
        mistake = await client.post(
            "/slack/events", content=(b := command("ask")), headers=signed(b)
        )
    assert "`/rnn trace <inputs and weights>`" in helped.json()["blocks"][0]["text"]["text"]
    assert "Add a question after `/rnn ask`" in mistake.json()["blocks"][0]["text"]["text"]
    assert tutor.turns == []


async def test_slash_command_outside_the_bots_channels_uses_response_url(tmp_path, slack_api):
    tutor = ScriptedTutor()
    slack_api.fail["/chat.postMessage"] = (200, {"ok": False, "error": "not_in_channel"})
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        form = slack_command("quiz", "C8", "U1", response_url=slack_api.url + "/commands/T1/9/xyz")
        await client.post("/slack/events", content=form, headers=signed(form))
        (responded,) = await slack_api.wait_for("/commands/T1/9/xyz")
    assert tutor.turns[0].text == "quiz me"
    assert responded.body["response_type"] == "in_channel"
    assert responded.body["blocks"][-1]["block_id"] == "rnn_exercise"


async def test_hint_button_posts_a_hint_in_the_exercise_thread(tmp_path, slack_api):
    tutor = ScriptedTutor()
    session = tutor.session_for("slack", "T1:C9:1700000001.000100")  # the quiz's thread
    token = tutor.buttons.issue_button_token("slack", session, "U42")  # the quiz's buttons
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U42"},
            "channel": {"id": "C9"},
            "container": {"type": "message", "message_ts": "1700000002.000300", "channel_id": "C9"},
            "message": {
                "ts": "1700000002.000300",
                "thread_ts": "1700000001.000100",
                "text": "Exercise",
            },
            "trigger_id": "1.2.3",
            "response_url": slack_api.url + "/actions/x",
            "actions": [
                {
                    "action_id": "rnn_hint",
                    "block_id": "rnn_exercise",
                    "value": token,
                    "type": "button",
                    "action_ts": "1700000003.1",
                }
            ],
        }
        form = urlencode({"payload": json.dumps(payload)})
        resp = await client.post("/slack/events", content=form, headers=signed(form))
        assert resp.status_code == 200
        (post,) = await slack_api.wait_for("/chat.postMessage")
    assert tutor.turns[0].session_id == "sess1" and tutor.turns[0].text == "hint"
    assert post.body["thread_ts"] == "1700000001.000100"
    assert post.body["blocks"][0]["text"]["text"] == "Hint: multiply the input by the weight first."


async def test_tutor_errors_become_a_friendly_line_in_the_thread(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        body = mention("<@UBOT> trace this broken thing", event_id="EvErr")
        await client.post("/slack/events", content=body, headers=signed(body))
        (post,) = await slack_api.wait_for("/chat.postMessage")
    assert post.body["blocks"] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":warning: The inputs must be numbers, e.g. 'inputs 1, 0, 0'.",
            },
        }
    ]


async def test_slack_is_disabled_with_a_clear_error_without_credentials(
    tmp_path, slack_api, caplog
):
    caplog.set_level(logging.INFO, logger="tutor.slack")
    settings = Settings(_env_file=None, data_dir=tmp_path, slack_api_url=slack_api.url + "/api/")
    async with running(settings, ScriptedTutor()) as client:
        body = mention("<@UBOT> hi")
        resp = await client.post("/slack/events", content=body, headers=signed(body))
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "slack_disabled"
    assert "TUTOR_SLACK_BOT_TOKEN" in resp.json()["error"]["message"]
    assert [r.message for r in caplog.records if r.name == "tutor.slack"] == [
        "slack: disabled (set TUTOR_SLACK_BOT_TOKEN and TUTOR_SLACK_SIGNING_SECRET)"
    ]
    assert slack_api.calls == []


async def test_url_verification_challenge_is_answered_only_when_signed(tmp_path, slack_api):
    async with running(make_settings(tmp_path, slack_api.url + "/api/"), ScriptedTutor()) as client:
        body = json.dumps(
            {
                "token": "t",
                "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "type": "url_verification",
            }
        )
        ok = await client.post("/slack/events", content=body, headers=signed(body))
        forged = await client.post("/slack/events", content=body, headers=signed(body, secret="x"))
    assert ok.status_code == 200
    assert ok.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert forged.status_code == 401
