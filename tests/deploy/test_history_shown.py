"""What a reply showed comes back with the history (``GET /v1/sessions/{id}/messages``):
citations, trace, plots and the exercise card with its status as of now, for replies
given over ``/v1/chat``, over the stream (also one its client left) and over the
OpenAI-compatible endpoint, with the real offline tutor; and the stream sends what the
lab drew as soon as the lab has run, once."""

from __future__ import annotations

import json
import time

import httpx

from tests.deploy.conftest import real_app
from tests.deploy.servers import serve_in_thread
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


TRACE = "walk me through a trace with inputs 1, 0, 0"


def test_a_reply_over_the_openai_endpoint_comes_back_with_what_it_showed(real_client):
    """The tutor stores what a reply showed, so a turn from a channel without a web route
    of its own (here the OpenAI-compatible one) redraws like the widget's."""
    body = {
        "model": "rnn-tutor",
        "user": "learner-7",
        "messages": [{"role": "user", "content": TRACE}],
    }
    r = real_client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    (_, reply) = _history(real_client, r.json()["session_id"])
    assert len(reply["trace"]["steps"]) == 3 and reply["trace"]["cell"] == "rnn"
    assert reply["plots"] and reply["plots"][0]["svg"].startswith("<")
    assert reply["citations"] and reply["exercise"] is None


def test_history_items_keep_their_shape(real_client):
    """``GET /v1/sessions/{id}/messages`` items are as before the tutor stored the parts:
    API.md's fields, index, and for replies content_html and all four parts, empty or not."""
    sid = real_client.post("/v1/chat", json={"message": TRACE}).json()["session_id"]
    real_client.post("/v1/chat", json={"message": "thanks", "session_id": sid})
    user, trace, _, thanks = _history(real_client, sid)
    assert set(user) == {"role", "content", "created_at", "index"}
    parts = {"citations", "trace", "exercise", "plots"}
    assert (
        set(trace)
        == set(thanks)
        == {"role", "content", "created_at", "index", "content_html"} | parts
    )
    assert (thanks["citations"], thanks["trace"], thanks["exercise"], thanks["plots"]) == (
        [],
        None,
        None,
        [],
    )
    assert [m["index"] for m in _history(real_client, sid)] == [0, 1, 2, 3]


def test_the_labs_trace_and_plots_come_before_the_text_and_only_once(real_client):
    events = _stream(real_client, "how does memory fade over 20 steps?", done="full")
    names = [e for e, _ in events]
    done = events[-1][1]
    plots = [d for e, d in events if e == "plot"]
    assert plots == done["plots"] and len(plots) == len({p["svg"] for p in plots})
    assert names.index("plot") < names.index("delta")  # the lab ran before the text
    trace = _stream(real_client, TRACE, done="full")
    names = [e for e, _ in trace]
    assert names.count("trace") == 1 and names.index("trace") < names.index("delta")
    assert names.count("plot") == len(trace[-1][1]["plots"]) == 1


def test_a_stream_its_client_left_is_stored_with_what_it_showed(real_parts):
    sid = real_parts.tutor.new_session("web")
    with serve_in_thread(real_app(real_parts)) as base:
        url = f"{base}/v1/chat/stream?done=compact"
        body = {"message": TRACE, "session_id": sid}
        with httpx.stream("POST", url, json=body, timeout=30) as r:
            first = next(line for line in r.iter_lines() if line.startswith("event: "))
        deadline = time.monotonic() + 20
        while len(real_parts.tutor.history(sid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the turn finishes on the server without its client
        history = httpx.get(f"{base}/v1/sessions/{sid}/messages").json()["messages"]
    assert first != "event: done" and [m["role"] for m in history] == ["user", "assistant"]
    assert len(history[1]["trace"]["steps"]) == 3 and history[1]["plots"]
    assert history[1]["citations"]
