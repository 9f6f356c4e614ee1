"""Local stand-ins for Slack's Web API and Discord's REST API, and a scripted tutor.

``FakePlatform`` is a real HTTP server on a free loopback port (``ThreadingHTTPServer``
in a thread) that records every call (method, path, headers, parsed body) and answers
like the platform would (``{"ok": true, ...}`` for Slack methods, message objects for
Discord webhooks, the command list for Discord's bulk overwrite). Tests point
``slack_api_url`` / ``discord_api_url`` at it and assert the exact payloads sent.
``ScriptedTutor`` answers by keyword with real ``TutorReply`` objects, for fast tests
of the adapters without the embedding model.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from assistant.types import ChatTurn, Citation, Plot, TutorReply
from core.errors import InvalidInput, SessionNotFound
from tests.deploy.fake_buttons import FakeButtonStore

FAKE_PNG = b"\x89PNG\r\n\x1a\n fake trace plot"  # the scripted trace plot's PNG


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # dict for JSON/form (query parameters merged in), multipart {"name": (filename, bytes)}
    raw: bytes = b""


def _parse(content_type: str, raw: bytes) -> Any:
    if "application/json" in content_type:
        return json.loads(raw or b"null")
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode()))
    if "multipart/form-data" in content_type:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        parts = {}
        for part in message.iter_parts():
            parts[part.get_param("name", header="content-disposition")] = (
                part.get_filename(),
                part.get_payload(decode=True),
            )
        return parts
    return raw


class FakePlatform:
    """A recording HTTP server; ``fail[path_suffix] = (status, json)`` scripts errors."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: dict[str, tuple[int, Any]] = {}
        self._ts = itertools.count(1)
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                path = url.path
                body = _parse(self.headers.get("Content-Type", ""), raw)
                if url.query and (isinstance(body, dict) or body == b""):
                    body = {**dict(parse_qsl(url.query)), **(body or {})}
                platform.calls.append(Call(self.command, path, dict(self.headers), body, raw))
                status, answer = platform.answer(self.command, path, body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                ctype = "text/plain" if isinstance(answer, bytes) else "application/json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakePlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for suffix, scripted in self.fail.items():
            if path.endswith(suffix):
                return scripted
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/api/"):
            return 200, self._slack(name, body)
        if path.startswith("/upload/"):
            return 200, b"OK - 1"
        if path.startswith("/applications/") and method == "PUT":
            return 200, [{**c, "id": str(900 + i)} for i, c in enumerate(body)]
        if path.startswith("/webhooks/"):
            return 200, {"id": f"M{next(self._ts)}", "channel_id": "C1"}
        return 200, b"ok"

    def _slack(self, name: str, body: Any) -> dict[str, Any]:
        if name == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T1",
                "user": "tutor",
            }
        if name == "chat.postMessage":
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": f"1700000000.{next(self._ts):06d}",
            }
        if name == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.url}/upload/F1", "file_id": "F1"}
        if name == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1"}]}
        return {"ok": True}

    def find(self, suffix: str) -> list[Call]:
        """Recorded calls whose path ends with ``suffix``."""
        return [c for c in self.calls if c.path.endswith(suffix)]

    async def wait_for(self, suffix: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Poll (yielding to the event loop) until ``count`` calls to ``suffix`` arrived."""
        deadline = time.monotonic() + timeout
        while len(self.find(suffix)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {count} call(s) to {suffix}: {[c.path for c in self.calls]}"
                )
            await asyncio.sleep(0.02)
        return self.find(suffix)


LONG = " ".join(["The hidden state carries a summary of everything seen so far."] * 120)


@dataclass
class ScriptedTutor:
    """A tutor that answers by keyword with real ``TutorReply`` objects and records turns."""

    turns: list[ChatTurn] = field(default_factory=list)
    sessions: dict[tuple[str, str], str] = field(default_factory=dict)
    gate: threading.Event | None = None  # when set by a test, respond() waits for it
    buttons: FakeButtonStore = field(default_factory=FakeButtonStore)  # the store's tokens

    def session_for(self, channel: str, external_key: str) -> str:
        return self.sessions.setdefault((channel, external_key), f"sess{len(self.sessions) + 1}")

    def respond(self, turn: ChatTurn) -> TutorReply:
        if self.gate is not None:
            assert self.gate.wait(20), "the test never released the tutor"
        self.turns.append(turn)
        if turn.session_id not in self.sessions.values():
            raise SessionNotFound(f"Unknown session {turn.session_id!r}; start a new chat.")
        return scripted_reply(turn.session_id, turn.text)


def scripted_reply(session_id: str, text: str) -> TutorReply:
    """The reply kinds of the tutor, chosen by a keyword of ``text``."""
    low = text.lower()
    cite = Citation(
        "why-sequences-need-memory",
        "Why sequences need memory > Where memory fades",
        "Each step multiplies the signal by the recurrent weight.",
        "/lessons/why-sequences-need-memory#where-memory-fades",
    )
    if "broken" in low:
        raise InvalidInput("The inputs must be numbers, e.g. 'inputs 1, 0, 0'.")
    if "trace" in low:
        steps = [
            {
                "t": t,
                "x": [1.0 if t == 1 else 0.0],
                "h": [0.5 * 0.8 ** (t - 1)],
                "c": None,
                "gates": None,
            }
            for t in range(1, 5)
        ]
        trace = {"cell": "rnn", "hidden_size": 1, "input_size": 1, "weights": {}, "steps": steps}
        plot = Plot(
            "Hidden state over time",
            "<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>",
            png=lambda: FAKE_PNG,
        )
        return TutorReply(
            session_id,
            "**Step 1:** $h_1 = \\tanh(0.5 \\cdot 1) = 0.462$",
            "",
            [],
            trace,
            None,
            [plot],
            "trace",
        )
    if "fade" in low or "forget" in low:
        plot = Plot("Memory fade", "<svg xmlns='http://www.w3.org/2000/svg'><line/></svg>")
        return TutorReply(
            session_id,
            "Memory **fades**: half-life 3.1 steps.\n\n" + LONG,
            "",
            [cite],
            None,
            None,
            [plot],
            "fade",
        )
    if "quiz" in low or "next" in low:
        ex = {"id": "ex-1-42", "level": 1, "question": "h1 for x=1, w=0.5?", "status": "open"}
        return TutorReply(
            session_id,
            "## Exercise\nCompute $h_1$ for $x_1 = 1$, $w = 0.5$.",
            "",
            [],
            None,
            ex,
            [],
            "exercise",
        )
    if "give up" in low:
        ex = {"id": "ex-1-42", "level": 1, "status": "revealed", "answers": [0.462]}
        return TutorReply(session_id, "The answer is **0.462**.", "", [], None, ex, [], "giveup")
    if "hint" in low:
        ex = {"id": "ex-1-42", "level": 1, "status": "open"}
        return TutorReply(
            session_id,
            "Hint: multiply the input by the weight first.",
            "",
            [],
            None,
            ex,
            [],
            "hint",
        )
    return TutorReply(
        session_id,
        "The **hidden state** is the network's memory. See [the lesson](/lessons/why-sequences-need-memory#the-hidden-state).",
        "",
        [cite],
        None,
        None,
        [],
        "concept",
    )


def adapter_app(settings: Any, tutor: Any) -> Any:
    """The tutor's FastAPI app with a ready ``tutor`` and a fake retriever; the session
    store is the scripted tutor's button tokens, or a real tutor's own store."""
    from deploy.app import create_app

    return create_app(settings, tutor, retriever=object(), sessions=getattr(tutor, "buttons", None))
