"""The OpenAI-compatible endpoint, driven by the official ``openai`` client against a real
uvicorn server (in a thread) over the real offline tutor."""

from __future__ import annotations

import uuid

import httpx
import pytest
from openai import BadRequestError, OpenAI, UnprocessableEntityError

from tests.deploy.conftest import real_app
from tests.deploy.servers import serve_in_thread


@pytest.fixture(scope="module")
def server(real_parts):
    with serve_in_thread(real_app(real_parts)) as base:
        yield base


@pytest.fixture
def client(server):
    return OpenAI(base_url=f"{server}/v1", api_key="x", max_retries=0)


def test_models_lists_rnn_tutor(client):
    assert [m.id for m in client.models.list()] == ["rnn-tutor"]


def test_non_streaming_answer_is_grounded(client):
    out = client.chat.completions.create(
        model="rnn-tutor",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "What is the hidden state of an RNN?"},
        ],
    )
    choice = out.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    text = choice.message.content
    assert "hidden state" in text.lower()
    assert "Sources:" in text and "/lessons/why-sequences-need-memory#" in text
    assert out.usage.total_tokens > 0 and out.object == "chat.completion"


def test_streaming_chunks_end_with_done(client):
    stream = client.chat.completions.create(
        model="rnn-tutor",
        messages=[{"role": "user", "content": "walk me through a trace with inputs 1, 0, 0"}],
        stream=True,
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "0.7" in text or "tanh" in text  # a real worked trace, with numbers
    assert len([c for c in chunks if c.choices[0].delta.content]) > 1


def test_raw_stream_ends_with_done_marker(server):
    body = {"model": "rnn-tutor", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream("POST", f"{server}/v1/chat/completions", json=body, timeout=30) as r:
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"


def test_user_field_keeps_one_session(client, real_parts):
    user = f"learner-{uuid.uuid4().hex}"
    first = client.chat.completions.create(
        model="rnn-tutor", user=user, messages=[{"role": "user", "content": "quiz me"}]
    )
    assert "trace the memory" in first.choices[0].message.content.lower()
    second = client.chat.completions.create(
        model="rnn-tutor", user=user, messages=[{"role": "user", "content": "hint"}]
    )
    sid = first.model_extra["session_id"]
    assert second.model_extra["session_id"] == sid
    history = real_parts.tutor.history(sid)
    assert [m.content for m in history if m.role == "user"] == ["quiz me", "hint"]


def test_bad_requests_are_4xx(client, server):
    with pytest.raises(UnprocessableEntityError):
        client.chat.completions.create(
            model="rnn-tutor", messages=[{"role": "system", "content": "x"}]
        )
    with pytest.raises(UnprocessableEntityError):
        client.chat.completions.create(
            model="rnn-tutor", messages=[{"role": "user", "content": "a" * 4001}]
        )
    r = httpx.post(
        f"{server}/v1/chat/completions", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    with pytest.raises((UnprocessableEntityError, BadRequestError)):
        client.chat.completions.create(model="rnn-tutor", messages=[])


def test_client_leaving_mid_stream_frees_the_session(server):
    sid = httpx.post(f"{server}/v1/chat", json={"message": "hello"}, timeout=30).json()[
        "session_id"
    ]
    body = {"message": "why do RNNs forget?", "session_id": sid}
    with httpx.stream("POST", f"{server}/v1/chat/stream", json=body, timeout=30) as r:
        first = next(r.iter_lines())
        assert first.startswith("event: ")
    # the abandoned turn must not keep the session locked
    r = httpx.post(
        f"{server}/v1/chat",
        json={"message": "what is the hidden state?", "session_id": sid},
        timeout=30,
    )
    assert r.status_code == 200
    roles = [
        m["role"] for m in httpx.get(f"{server}/v1/sessions/{sid}/messages").json()["messages"]
    ]
    assert roles[:2] == ["user", "assistant"] and roles[-2:] == ["user", "assistant"]


def _dialogue_turn(client, messages, stream=False):
    if not stream:
        reply = client.chat.completions.create(model="rnn-tutor", messages=messages)
        return reply.choices[0].message.content
    chunks = client.chat.completions.create(model="rnn-tutor", messages=messages, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in chunks)


@pytest.mark.parametrize("stream", [False, True])
def test_a_client_without_user_continues_its_quiz_by_resending_the_dialogue(client, stream):
    """Most OpenAI clients keep the history themselves and send no ``user``: the tutor
    recognises the dialogue and continues the same session (open exercise, hint ladder)."""
    messages = [{"role": "user", "content": "quiz me"}]
    quiz = _dialogue_turn(client, messages, stream)
    assert "trace the memory" in quiz.lower()
    messages += [{"role": "assistant", "content": quiz}, {"role": "user", "content": "hint"}]
    hint = _dialogue_turn(client, messages, stream)
    assert "Hint 1 of 4" in hint
    messages += [{"role": "assistant", "content": hint}, {"role": "user", "content": "hint"}]
    assert "Hint 2 of 4" in _dialogue_turn(client, messages, stream)


def test_an_unknown_or_edited_dialogue_starts_a_new_session(client):
    quiz = _dialogue_turn(client, [{"role": "user", "content": "quiz me"}])
    edited = [
        {"role": "user", "content": "quiz me"},
        {"role": "assistant", "content": quiz + " (edited by the client)"},
        {"role": "user", "content": "hint"},
    ]
    assert "Hint 1 of 4" not in _dialogue_turn(client, edited)
