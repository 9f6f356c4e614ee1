"""SSE framing of ``/v1/chat/stream``: deltas, then citations and a ``done`` that is the
whole ``/v1/chat`` body; errors before the stream are JSON, errors inside it are events."""

from __future__ import annotations

import json

from deploy.routes.stream import sse_event


def parse_sse(text: str) -> list[tuple[str, object]]:
    events = []
    for frame in text.split("\n\n"):
        if not frame.strip():
            continue
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_sse_event_is_one_frame():
    frame = sse_event("delta", {"text": "line one\nline two"}).decode()
    assert frame.startswith("event: delta\ndata: ") and frame.endswith("\n\n")
    assert frame.count("\n") == 3  # newlines inside data are JSON-escaped


def test_stream_events_and_done_body(fake_client):
    r = fake_client.post("/v1/chat/stream", json={"message": "hello there"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [e for e, _ in events]
    assert names[0] == "delta" and names[-1] == "done" and "citation" in names
    text = "".join(d["text"] for e, d in events if e == "delta")
    done = events[-1][1]
    assert text.strip() == done["reply"] == "You said: hello there"
    assert set(done) >= {
        "session_id",
        "reply",
        "reply_html",
        "citations",
        "trace",
        "exercise",
        "plots",
    }
    history = fake_client.get(f"/v1/sessions/{done['session_id']}/messages").json()
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]


def test_failure_mid_stream_becomes_error_event(fake_client, fake_tutor):
    fake_tutor.fail_midstream = True
    r = fake_client.post("/v1/chat/stream", json={"message": "hello"})
    assert r.status_code == 200
    events = parse_sse(r.text)
    assert events[-1][0] == "error"
    assert events[-1][1]["code"] == "internal_error" and "lost the brain" not in r.text


def test_stream_validation_is_json(fake_client):
    r = fake_client.post("/v1/chat/stream", json={"message": "x" * 4001})
    assert r.status_code == 422 and r.json()["error"]["code"] == "limit_exceeded"
