"""``docs/streaming.md`` tells the truth: its client runs against a real server and gets
the reply, the plot and the seq; the events its table names are the ones a turn sends."""

from __future__ import annotations

import re

from tests.deploy.conftest import real_app
from tests.deploy.servers import ROOT, serve_in_thread
from tests.deploy.test_stream import parse_sse

DOC = ROOT / "docs" / "streaming.md"


def test_the_documented_client_reads_a_real_stream(real_parts):
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    with serve_in_thread(real_app(real_parts)) as base:
        scope: dict = {"print": lambda *a: None}
        exec(code.replace("http://127.0.0.1:8000", base), scope)  # noqa: S102 - our own doc
    assert "RNN" in scope["reply"] and scope["parts"]["plots"][0]["svg"].startswith("<")
    assert isinstance(scope["parts"]["message_index"], int) and scope["parts"]["citations"]


def test_the_documented_events_are_the_ones_sent(real_client):
    table = re.search(r"## Events\n(.*?)\n\n", DOC.read_text(), re.S).group(1)
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    r = real_client.post(
        "/v1/chat/stream", json={"message": "walk me through a trace with inputs 1, 0, 0"}
    )
    sent = {e for e, _ in parse_sse(r.text)}
    quiz = real_client.post("/v1/chat/stream", json={"message": "quiz me"})
    sent |= {e for e, _ in parse_sse(quiz.text)}
    assert sent | {"error"} == documented
