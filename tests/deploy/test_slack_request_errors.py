"""POST /slack/events refuses malformed and unsigned requests with API.md's error body.

Whatever arrives (a body that is not JSON, a timestamp that is not a number, a forged
signature, a request no listener handles) the answer is a 4xx with
``{"error": {"code", "message"}}`` whose message says how to fix the request, never a
500 or Bolt's bare ``{"error": "invalid request"}``.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.deploy.fake_platforms import ScriptedTutor
from tests.deploy.signing import running, slack_settings, slack_signed

pytestmark = pytest.mark.anyio


def error_of(resp) -> dict:
    """The documented error body (and nothing else)."""
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


async def post(client, body: str | bytes, headers: dict):
    return await client.post("/slack/events", content=body, headers=headers)


async def test_a_signed_body_that_is_not_json_is_a_400(tmp_path, slack_api):
    tutor = ScriptedTutor()
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), tutor) as client:
        not_json = await post(client, "{not json", slack_signed("{not json"))
        a_list = await post(
            client, "[1, 2]", {**slack_signed("[1, 2]"), "Content-Type": "application/json"}
        )
        form = urlencode({"payload": "{not json"})
        bad_payload = await post(client, form, slack_signed(form))
    for resp in (not_json, a_list, bad_payload):
        assert resp.status_code == 400, resp.text
        error = error_of(resp)
        assert error["code"] == "malformed_body"
        assert "JSON object" in error["message"]
    assert tutor.turns == [] and slack_api.calls == []


async def test_a_body_that_is_not_utf8_is_a_400(tmp_path, slack_api):
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), ScriptedTutor()) as c:
        resp = await post(c, b'{"a": "\xff"}', slack_signed('{"a": ""}'))
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "malformed_body"
    assert "UTF-8" in error_of(resp)["message"]


@pytest.mark.parametrize("stamp", ["abc", "9" * 400, "-5", "1e9", " "])
async def test_a_timestamp_that_is_not_a_unix_time_is_a_401(tmp_path, slack_api, stamp):
    """'abc' was a 500; so was a 400-digit number (int() takes it, the clock arithmetic
    then overflows) even without any signature (review)."""
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {}})
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), ScriptedTutor()) as c:
        resp = await post(c, body, {**slack_signed(body), "X-Slack-Request-Timestamp": stamp})
    assert resp.status_code == 401
    error = error_of(resp)
    assert error["code"] == "unauthorized"
    assert "5 minutes" in error["message"]


async def test_forged_stale_and_unsigned_requests_say_how_to_sign(tmp_path, slack_api):
    body = json.dumps({"type": "event_callback", "event_id": "Ev2", "event": {}})
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), ScriptedTutor()) as c:
        forged = await post(c, body, slack_signed(body, secret="not-the-secret"))
        stale = await post(c, body, slack_signed(body, timestamp=int(time.time()) - 6 * 60))
        unsigned = await post(c, body, {"Content-Type": "application/json"})
    assert [r.status_code for r in (forged, stale, unsigned)] == [401, 401, 401]
    assert "signing secret" in error_of(forged)["message"]
    assert "5 minutes" in error_of(stale)["message"]
    assert "X-Slack-Signature" in error_of(unsigned)["message"]
    assert all(error_of(r)["code"] == "unauthorized" for r in (forged, stale, unsigned))


async def test_a_request_no_listener_handles_is_a_documented_404(tmp_path, slack_api):
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "actions": [{"action_id": "not_ours", "value": "x", "type": "button"}],
    }
    form = urlencode({"payload": json.dumps(payload)})
    async with running(slack_settings(tmp_path, slack_api.url + "/api/"), ScriptedTutor()) as c:
        resp = await post(c, form, slack_signed(form))
    assert resp.status_code == 404
    error = error_of(resp)
    assert error["code"] == "unhandled_request"
    assert "manifest" in error["message"]
