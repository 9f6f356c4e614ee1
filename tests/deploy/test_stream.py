"""SSE framing of ``/v1/chat/stream``: deltas, then citations and a ``done`` that is the
whole ``/v1/chat`` body; errors before the stream are JSON, errors inside it are events;
keep-alive pings parse as nothing (widget-style parser, the ``openai`` client) and a
stream under way when the server is told to stop still finishes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from openai import OpenAI

from deploy.app import create_app
from deploy.routes import stream
from deploy.routes.stream import sse_event
from tests.deploy.conftest import CHAT_FIELDS, make_settings
from tests.deploy.http_fakes import FakeRetriever, FakeTutor
from tests.deploy.servers import ROOT, free_port, serve_in_thread, wait_ready


def parse_sse(text: str) -> list[tuple[str, object]]:
    """Frames split on a blank line, as the widget does; comment lines (pings) skipped."""
    events = []
    for frame in text.split("\n\n"):
        lines = [line for line in frame.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_sse_event_is_one_frame():
    frame = sse_event("delta", {"text": "line one\nline two"}).encode()
    # the bytes the widget and scripts have always parsed: "\n" line ends, one data line
    assert frame == b'event: delta\ndata: {"text": "line one\\nline two"}\n\n'
    assert (
        sse_event("done", {"reply": "é"}).encode()
        == 'event: done\ndata: {"reply": "é"}\n\n'.encode()
    )


def test_plots_the_tutor_sent_as_they_were_drawn_are_not_sent_again_before_done():
    a, b = {"title": "A", "svg": "<svg>a</svg>"}, {"title": "B", "svg": "<svg>b</svg>"}
    tutor_events = [
        ("trace", {"cell": "rnn"}),
        ("plot", a),  # the tutor's own, as its tool finished
        ("delta", {"text": "Hello.\n\n"}),
        ("done", {"reply": "Hello.", "plots": [a, b]}),
    ]
    out = list(stream.reframe(iter(tutor_events), natural=True))
    assert [e for e, _ in out] == ["trace", "plot", "delta", "block", "plot", "done"]
    assert [d for e, d in out if e == "plot"] == [a, b]  # b only came with done: sent there
    older = [("delta", {"text": "Hi"}), ("done", {"reply": "Hi", "plots": [a]})]
    assert [e for e, _ in stream.reframe(iter(older), natural=False)] == ["delta", "plot", "done"]


class SlowTutor(FakeTutor):
    """A fake tutor that thinks ``pause`` seconds before each event."""

    def __init__(self, pause: float = 0.15) -> None:
        super().__init__()
        self.pause = pause

    def stream(self, turn):
        def slowly():
            for item in FakeTutor.stream(self, turn):
                time.sleep(self.pause)
                yield item

        return slowly()


def slow_app(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "PING_SECONDS", 0.05)
    settings = make_settings(tmp_path)
    return create_app(settings, tutor=SlowTutor(), retriever=FakeRetriever(), sessions=object())


def test_pings_on_a_slow_stream_leave_the_events_intact(tmp_path, monkeypatch):
    with TestClient(slow_app(tmp_path, monkeypatch)) as client:
        r = client.post("/v1/chat/stream", json={"message": "hello there"})
    assert r.status_code == 200 and "\n: ping" in r.text  # comments went out...
    names = [e for e, _ in parse_sse(r.text)]  # ...and a widget-style parser skips them
    assert names[0] == "delta" and names[-1] == "done"


def test_the_openai_client_reads_a_stream_with_pings(tmp_path, monkeypatch):
    app = slow_app(tmp_path, monkeypatch)
    message = [{"role": "user", "content": "hello there"}]
    with serve_in_thread(app) as base:
        body = {"stream": True, "user": "a", "messages": message}
        with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=30) as r:
            lines = list(r.iter_lines())
        client = OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
        chunks = list(
            client.chat.completions.create(
                model="rnn-tutor", user="a", messages=message, stream=True
            )
        )
    assert any(line.startswith(": ping") for line in lines)
    # unnamed ``data:`` events, as OpenAI sends them, and the final marker
    assert not any(line.startswith("event:") for line in lines)
    assert [line for line in lines if line.startswith("data:")][-1] == "data: [DONE]"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.strip() == "You said: hello there"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stream_headers(fake_client):
    r = fake_client.post("/v1/chat/stream", json={"message": "hi"})
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.headers["x-accel-buffering"] == "no"  # nginx passes each event on at once
    assert r.headers["cache-control"] == "no-store"
    assert "connection" not in r.headers  # left to the server (uvicorn), as before


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
    assert set(done) >= CHAT_FIELDS
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


SLOW_SERVER = """
import sys, tempfile, time
import uvicorn
from deploy.app import create_app
from tests.deploy.conftest import CHAT_FIELDS, make_settings
from tests.deploy.http_fakes import FakeRetriever
from tests.deploy.test_stream import SlowTutor

app = create_app(make_settings(tempfile.mkdtemp()), tutor=SlowTutor(pause=0.4),
                 retriever=FakeRetriever(), sessions=object())
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), timeout_graceful_shutdown=20)
"""


def test_sigterm_lets_a_stream_in_flight_finish(tmp_path):
    """sse-starlette ends every open stream as soon as uvicorn is told to stop; with
    the grace period a reply under way still reaches ``done``, as under plain uvicorn."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SLOW_SERVER, str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout=60)
        body = {"message": "one two three four five"}
        names = []
        with httpx.stream("POST", f"{base}/v1/chat/stream", json=body, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("event: "):
                    names.append(line.removeprefix("event: "))
                    if len(names) == 1:
                        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM), log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert names[-1] == "done" and names.count("delta") == 7, names  # "You said: ..." 7 words


class ScriptedChatModel(BaseChatModel):
    """A LangChain chat model that writes a scripted reply in ``pieces``, and waits at
    ``gate`` after the first piece until the test lets it go on."""

    pieces: list[str]
    gate: Any
    waited_out: bool = False

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self  # the script calls no tools

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # noqa: ANN001
        text = "".join(c.message.content for c in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):  # noqa: ANN001
        for i, piece in enumerate(self.pieces):
            if i == 1 and not self.gate.wait(30):
                self.waited_out = True  # nobody saw the first piece: it was held back
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


LLM_PIECES = ["**Memory", "** fades", " because each step multiplies it.\n\n", "| t | h |\n"]


def test_a_language_models_tokens_reach_the_learner_as_it_writes_them(tmp_path):
    """The first token arrives while the model is still writing (it waits for the test
    to have seen it); a block's HTML follows the token that finished the block."""
    from assistant.factory import make_tutor

    gate = threading.Event()
    model = ScriptedChatModel(pieces=LLM_PIECES, gate=gate)
    settings = make_settings(tmp_path, model="scripted:model")
    tutor = make_tutor(settings, retriever=FakeRetriever(), brain=model)
    app = create_app(settings, tutor=tutor, retriever=FakeRetriever())
    events = []
    with serve_in_thread(app) as base:
        body = {"message": "why does memory fade?"}
        url = f"{base}/v1/chat/stream?done=compact"
        with httpx.stream("POST", url, json=body, timeout=60) as r:
            name = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((name, json.loads(line.removeprefix("data: "))))
                    if name == "delta":
                        gate.set()  # seen: the model may go on
    tutor.sessions.close()
    assert not model.waited_out
    deltas = [d["text"] for e, d in events if e == "delta"]
    assert deltas[0] == LLM_PIECES[0] and "".join(deltas) == "".join(LLM_PIECES)
    names = [e for e, _ in events]
    block = names.index("block")
    assert "".join(deltas[: names[:block].count("delta")]).endswith("multiplies it.\n\n")
    assert "<strong>Memory</strong>" in events[block][1]["html"]
    assert names[-1] == "done" and set(events[-1][1]) == {
        "session_id",
        "message_index",
        "reply_html",
    }
