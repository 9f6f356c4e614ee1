"""What a reply showed comes back with the history (``GET /v1/sessions/{id}/messages``):
citations, trace, plots and the exercise card with its status as of now, for replies
given over ``/v1/chat`` and over the stream, with the real offline tutor."""

from __future__ import annotations

import json

from tests.deploy.test_stream import parse_sse


def _stream(client, message: str, sid: str | None = None, done: str = "compact"):
    r = client.post(f"/v1/chat/stream?done={done}", json={"message": message, "session_id": sid})
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


def _history(client, sid: str) -> list[dict]:
    return client.get(f"/v1/sessions/{sid}/messages").json()["messages"]


def test_a_trace_reply_comes_back_with_its_trace_plots_and_sources(real_client):
    body = real_client.post(
        "/v1/chat", json={"message": "walk me through a trace with inputs 1, 0, 0"}
    ).json()
    (user, reply) = _history(real_client, body["session_id"])
    assert user["role"] == "user" and "trace" not in user
    assert reply["trace"] == body["trace"] and len(reply["trace"]["steps"]) == 3
    assert reply["plots"] == body["plots"] and reply["plots"][0]["svg"].startswith("<")
    assert reply["citations"] == body["citations"]
    assert reply["content_html"] == body["reply_html"]


def test_exercise_cards_say_what_became_of_them(real_client):
    events = _stream(real_client, "quiz me")
    done = events[-1][1]
    sid = done["session_id"]
    first = next(d for e, d in events if e == "exercise")
    _stream(real_client, "I give up", sid)
    _stream(real_client, "quiz me", sid)
    history = _history(real_client, sid)
    cards = [m["exercise"] for m in history if m["role"] == "assistant" and m["exercise"]]
    assert cards[0]["id"] == first["id"] and cards[0]["status"] == "revealed"
    assert cards[1]["status"] == "revealed"  # the give-up reply's card
    assert cards[-1]["id"] != first["id"] and cards[-1]["status"] == "open"
    _stream(real_client, "next", sid)  # a new exercise while this one is open
    cards = [m["exercise"] for m in _history(real_client, sid) if m.get("exercise")]
    assert cards[-2]["status"] == "replaced" and cards[-1]["status"] == "open"


def test_compact_done_does_not_resend_what_the_events_carried(real_client):
    events = _stream(real_client, "walk me through a trace with inputs 1, 0, 0")
    names = [e for e, _ in events]
    done = events[-1][1]
    assert names[-1] == "done" and set(done) == {"session_id", "message_index", "reply_html"}
    assert "plot" in names and "trace" in names and "block" in names
    assert len(json.dumps(done)) < 12_000  # no SVG, no Markdown, no trace
    full = _stream(real_client, "walk me through a trace with inputs 1, 0, 0", done="full")
    assert {"reply", "plots", "trace", "citations"} <= set(full[-1][1])  # API.md's body


def test_offline_deltas_are_whole_blocks_each_followed_by_its_html(real_client):
    events = _stream(real_client, "walk me through a trace with inputs 1, 0, 0")
    text_events = [(e, d) for e, d in events if e in ("delta", "block")]
    deltas = [d["text"] for e, d in text_events if e == "delta"]
    assert any("|" in d and "---" in d for d in deltas)  # the table arrives as one piece
    for (e, d), (e2, _) in zip(text_events, text_events[1:], strict=False):
        if e == "delta" and d["text"].endswith("\n\n"):
            assert e2 == "block"  # a finished block is followed by its rendered HTML
    tables = [d["html"] for e, d in text_events if e == "block" and "<table>" in d["html"]]
    assert tables and "|---" not in tables[0]
