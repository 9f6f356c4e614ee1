"""Whose session a ``/v1/chat/completions`` request continues (the outside probe's
findings): the ``user`` field is scoped to the calling client, API keys identify clients,
text parts must be text, and stateless clients that say the same thing never end up in
one session or lose their history."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.deploy.conftest import real_app
from tests.deploy.servers import serve_in_thread

KEYS = ("key-for-course-lms", "key-for-study-app")


@pytest.fixture(scope="module")
def open_server(real_parts):
    with serve_in_thread(real_app(real_parts)) as base:
        yield base


@pytest.fixture(scope="module")
def keyed_server(real_parts):
    with serve_in_thread(real_app(real_parts, api_keys=",".join(KEYS))) as base:
        yield base


def _ask(base: str, messages: list[dict], key: str | None = None, **extra) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"model": "rnn-tutor", "messages": messages, **extra}
    return httpx.post(f"{base}/v1/chat/completions", json=body, headers=headers, timeout=60)


def _user(text: str) -> dict:
    return {"role": "user", "content": text}


@pytest.mark.parametrize("text", [5, None, ["a"], {"x": 1}])
def test_a_text_part_that_is_not_text_is_422(open_server, text):
    parts = [{"type": "text", "text": text}]
    r = _ask(open_server, [{"role": "user", "content": parts}])
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "content part 0" in message and "as a string" in message


def test_text_parts_and_other_parts_still_work(open_server):
    parts = [{"type": "image_url", "image_url": {"url": "data:,"}}, {"type": "text", "text": "hi"}]
    assert _ask(open_server, [{"role": "user", "content": parts}]).status_code == 200


def test_an_unknown_role_is_422(open_server):
    r = _ask(open_server, [{"role": "", "content": "hi"}])
    assert r.status_code == 422 and "role" in r.json()["error"]["message"]


def test_with_api_keys_a_request_without_a_valid_key_is_401(keyed_server):
    for key in (None, "wrong-key"):
        r = _ask(keyed_server, [_user("hi")], key)
        assert r.status_code == 401, r.text
        assert "TUTOR_API_KEYS" in r.json()["error"]["message"]
    assert _ask(keyed_server, [_user("hi")], KEYS[0]).status_code == 200


def test_the_user_field_is_no_password_across_clients(keyed_server, real_parts):
    """Alice's id sent by another client opens a different session, and her session id
    is never handed out to it."""
    alice = f"alice-{uuid.uuid4().hex}@example.edu"
    mine = _ask(keyed_server, [_user("quiz me")], KEYS[0], user=alice).json()["session_id"]
    again = _ask(keyed_server, [_user("hint")], KEYS[0], user=alice).json()["session_id"]
    assert again == mine
    theirs = _ask(keyed_server, [_user("hint")], KEYS[1], user=alice).json()
    assert theirs["session_id"] != mine
    assert mine not in str(theirs)
    assert "Hint 1 of 4" not in theirs["choices"][0]["message"]["content"]
    users = [m.content for m in real_parts.tutor.history(mine) if m.role == "user"]
    assert users == ["quiz me", "hint"]


def _users(base: str, sid: str) -> list[str]:
    got = httpx.get(f"{base}/v1/sessions/{sid}/messages").json()["messages"]
    return [m["content"] for m in got if m["role"] == "user"]


@pytest.mark.parametrize("first_to_follow_up", ["A", "B"])
def test_two_stateless_clients_saying_the_same_thing_keep_their_own_histories(
    open_server, first_to_follow_up
):
    """The probe: A asks, B asks the same, one follows up first. Each follow-up lands in
    a session holding exactly its own dialogue, never in a session whose id the other
    client was given; nothing is lost."""
    question = f"what is the hidden state? ({uuid.uuid4().hex[:6]})"
    a = _ask(open_server, [_user(question)]).json()
    b = _ask(open_server, [_user(question)]).json()
    answer = a["choices"][0]["message"]["content"]
    assert b["choices"][0]["message"]["content"] == answer  # the same dialogue so far
    so_far = [_user(question), {"role": "assistant", "content": answer}]
    follow = {"A": "what about weight sharing?", "B": "why does it have a fixed size?"}
    order = ["A", "B"] if first_to_follow_up == "A" else ["B", "A"]
    later = {who: _ask(open_server, [*so_far, _user(follow[who])]).json() for who in order}

    given = {"A": a["session_id"], "B": b["session_id"]}
    for who in ("A", "B"):
        sid = later[who]["session_id"]
        assert sid not in given.values()  # a fork: neither first session is continued
        assert _users(open_server, sid) == [question, follow[who]]
        assert _users(open_server, given[who]) == [question]  # what it was given stays
    assert later["A"]["session_id"] != later["B"]["session_id"]


def test_a_client_that_goes_back_gets_a_fork_and_the_original_is_kept(open_server):
    question = f"quiz me ({uuid.uuid4().hex[:6]})"
    first = _ask(open_server, [_user("what is the hidden state?")]).json()
    so_far = [
        _user("what is the hidden state?"),
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
    ]
    later = _ask(open_server, [*so_far, _user(question)]).json()
    assert later["session_id"] == first["session_id"]
    # the learner edits their second message in the client and sends it again
    edited = _ask(open_server, [*so_far, _user("why do rnns forget?")]).json()
    assert edited["session_id"] != first["session_id"]

    def users(sid: str) -> list[str]:
        got = httpx.get(f"{open_server}/v1/sessions/{sid}/messages").json()["messages"]
        return [m["content"] for m in got if m["role"] == "user"]

    assert users(first["session_id"]) == ["what is the hidden state?", question]
    assert users(edited["session_id"]) == ["what is the hidden state?", "why do rnns forget?"]
