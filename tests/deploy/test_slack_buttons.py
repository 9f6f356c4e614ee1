"""Slack's Hint / Give up / Next buttons belong to the learner they were posted for.

A button's ``value`` is an opaque token bound (in the session store) to the session and
the Slack user who asked for the exercise; the session id, the session's only
credential, never appears in what the bot posts. Another user's signed click is
refused with a message only they see and leaves the owner's exercise as it was; an
unknown or expired token gets a private explanation. Real Slack signing, real Bolt.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.deploy.fake_platforms import ScriptedTutor
from tests.deploy.signing import running, slack_settings, slack_signed

pytestmark = pytest.mark.anyio


def direct_message(text: str, user: str = "U42", event_id: str = "EvQuiz") -> str:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1700000001.000100",
        "channel": "D7",
    }
    return json.dumps(
        {"team_id": "T1", "type": "event_callback", "event_id": event_id, "event": event}
    )


def click(action_id: str, value: str, user: str, response_url: str | None = None) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "channel": {"id": "D7"},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "D7"},
        "message": {"ts": "1700000000.000001", "thread_ts": "1700000001.000100"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }
    if response_url:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


def buttons_of(post) -> list[tuple[str, str]]:
    (actions,) = [b for b in post.body["blocks"] if b["type"] == "actions"]
    return [(e["action_id"], e["value"]) for e in actions["elements"]]


async def open_quiz(client, slack_api, tutor: ScriptedTutor) -> str:
    """U42 asks for a quiz; the token its buttons carry."""
    body = direct_message("quiz me")
    assert (
        await client.post("/slack/events", content=body, headers=slack_signed(body))
    ).status_code == 200
    (quiz,) = await slack_api.wait_for("/chat.postMessage")
    (token,) = {value for _, value in buttons_of(quiz)}
    return token


async def test_buttons_carry_a_token_and_no_session_id(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        token = await open_quiz(client, slack_api, tutor)
    (quiz,) = slack_api.find("/chat.postMessage")
    assert [a for a, _ in buttons_of(quiz)] == ["rnn_hint", "rnn_giveup", "rnn_next"]
    assert len(token) >= 22 and token != "sess1"
    assert "sess1" not in json.dumps(quiz.body)
    assert tutor.buttons.resolve_button_token("slack", token).owner == "U42"


async def test_another_users_click_is_refused_privately_and_changes_nothing(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        token = await open_quiz(client, slack_api, tutor)
        form = click("rnn_giveup", token, "U99", response_url=slack_api.url + "/actions/U99")
        assert (
            await client.post("/slack/events", content=form, headers=slack_signed(form))
        ).status_code == 200
        (refusal,) = await slack_api.wait_for("/actions/U99")
        # the owner's own click still works, in the exercise's thread
        form = click("rnn_giveup", token, "U42", response_url=slack_api.url + "/actions/U42")
        await client.post("/slack/events", content=form, headers=slack_signed(form))
        _, answer = await slack_api.wait_for("/chat.postMessage", count=2)
    assert refusal.body["response_type"] == "ephemeral"
    assert refusal.body["replace_original"] is False
    assert "not your exercise" in refusal.body["text"]
    assert "/rnn quiz" in refusal.body["text"]
    assert "sess1" not in json.dumps(refusal.body)
    assert [(t.session_id, t.text) for t in tutor.turns] == [
        ("sess1", "quiz me"),
        ("sess1", "I give up"),
    ]
    assert slack_api.find("/actions/U42") == []  # the owner's answer is a thread message
    assert answer.body["thread_ts"] == "1700000001.000100"
    assert answer.body["blocks"][0]["text"]["text"] == "The answer is *0.462*."
    ((action, next_token),) = buttons_of(answer)
    assert action == "rnn_next" and next_token not in (token, "sess1")


async def test_unknown_and_session_id_buttons_get_a_private_explanation(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        await open_quiz(client, slack_api, tutor)
        for value in ("gone", "sess1"):  # a made-up token; a button of old carrying the id
            form = click("rnn_giveup", value, "U42")
            await client.post("/slack/events", content=form, headers=slack_signed(form))
        notes = await slack_api.wait_for("/chat.postEphemeral", count=2)
    assert [t.text for t in tutor.turns] == ["quiz me"]
    for note in notes:
        assert note.body["channel"] == "D7" and note.body["user"] == "U42"
        assert "no longer works" in note.body["text"] and "/rnn quiz" in note.body["text"]
        assert "sess1" not in json.dumps(note.body)
    assert len(slack_api.find("/chat.postMessage")) == 1
