"""Discord's Hint / Give up / Next buttons belong to the learner they were posted for.

Quiz replies are public, so a button's ``custom_id`` (``rnn:<action>:<token>``) carries
an opaque token bound in the session store to the session and the Discord user who
asked; never the session id. A click by anyone else is answered at once with an
ephemeral refusal (flags 64) and leaves the owner's exercise alone; an unknown or
expired token gets an ephemeral explanation. Interactions are Ed25519-signed for real.
"""

from __future__ import annotations

import json

import pytest

from tests.deploy.fake_platforms import ScriptedTutor
from tests.deploy.signing import discord_interaction, discord_settings, discord_signed, running

pytestmark = pytest.mark.anyio
EPHEMERAL = 64


def click(custom_id: str, user: str, token: str) -> str:
    return discord_interaction(3, token, user, {"custom_id": custom_id, "component_type": 2})


async def post(client, body: str):
    return await client.post("/discord/interactions", content=body, headers=discord_signed(body))


async def open_quiz(client, discord_api) -> dict[str, str]:
    """U7 runs /quiz; the follow-up's buttons as {label: custom_id}."""
    await post(client, discord_interaction(2, "tokQ", "U7", {"name": "quiz", "type": 1}))
    (quiz,) = await discord_api.wait_for("/webhooks/APP1/tokQ")
    (row,) = quiz.body["components"]
    return {b["label"]: b["custom_id"] for b in row["components"]}


async def test_buttons_carry_a_token_and_no_session_id(tmp_path, discord_api):
    tutor = ScriptedTutor()
    async with running(discord_settings(tmp_path, discord_api.url), tutor) as client:
        buttons = await open_quiz(client, discord_api)
    (quiz,) = discord_api.find("/webhooks/APP1/tokQ")
    assert "sess1" not in json.dumps(quiz.body)
    tokens = {custom_id.split(":")[2] for custom_id in buttons.values()}
    assert [c.split(":")[1] for c in buttons.values()] == ["hint", "giveup", "next"]
    (token,) = tokens
    assert len(token) >= 22
    owner = tutor.buttons.resolve_button_token("discord", token)
    assert (owner.session_id, owner.owner) == ("sess1", "U7")


async def test_another_users_click_is_refused_ephemerally_and_changes_nothing(
    tmp_path, discord_api
):
    tutor = ScriptedTutor()
    async with running(discord_settings(tmp_path, discord_api.url), tutor) as client:
        buttons = await open_quiz(client, discord_api)
        refused = await post(client, click(buttons["Give up"], "U99", "tokX"))
        owners = await post(client, click(buttons["Give up"], "U7", "tokG"))
        (gave_up,) = await discord_api.wait_for("/webhooks/APP1/tokG")
    assert refused.status_code == 200
    assert refused.json()["type"] == 4
    assert refused.json()["data"]["flags"] == EPHEMERAL
    assert "not your exercise" in refused.json()["data"]["content"]
    assert "/quiz" in refused.json()["data"]["content"]
    assert discord_api.find("/webhooks/APP1/tokX") == []
    assert owners.json() == {"type": 5}
    assert [(t.session_id, t.text) for t in tutor.turns] == [
        ("sess1", "quiz me"),
        ("sess1", "I give up"),
    ]
    assert gave_up.body["embeds"][0]["description"] == "The answer is **0.462**."
    ((next_button,),) = [row["components"] for row in gave_up.body["components"]]
    assert next_button["custom_id"].startswith("rnn:next:")
    assert "sess1" not in json.dumps(gave_up.body)


async def test_unknown_and_session_id_buttons_get_an_ephemeral_explanation(tmp_path, discord_api):
    tutor = ScriptedTutor()
    async with running(discord_settings(tmp_path, discord_api.url), tutor) as client:
        await open_quiz(client, discord_api)
        answers = [
            await post(client, click(custom_id, "U7", f"tok{i}"))
            for i, custom_id in enumerate(("rnn:hint:made-up", "rnn:giveup:sess1"))
        ]
    for resp in answers:
        assert resp.json()["type"] == 4 and resp.json()["data"]["flags"] == EPHEMERAL
        assert "no longer works" in resp.json()["data"]["content"]
        assert "sess1" not in resp.text
    assert [t.text for t in tutor.turns] == ["quiz me"]
