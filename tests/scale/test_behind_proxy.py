"""``deploy/nginx.conf`` in front of two real tutor instances.

The compose file's reverse proxy, run here with the local ``nginx`` binary on a
loopback port. Only what exists solely inside compose is rewritten: Docker's DNS
resolver and the ``server tutor:8000 resolve`` line (the ``resolve`` parameter needs
nginx 1.27.3+) become the two instances' loopback addresses; everything else (balancing,
keep-alive, unbuffered server-sent events, forwarded headers) is the file as shipped.
Skips when nginx is not installed (``apt-get install nginx-light``) or the scale URLs
are unset.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.scale.client import HIGH, TIMEOUT, assert_alternates, chat, history
from tests.scale.cluster import HOW_TO_RUN, Instance, scale_urls
from tests.scale.engines import Proc, base_env, free_port, wait_until

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(scale_urls() is None, reason=HOW_TO_RUN),
    pytest.mark.skipif(NGINX is None, reason="no nginx binary (apt-get install nginx-light)"),
]
CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


@dataclass
class Proxy:
    name: str
    url: str
    proc: Proc

    def tail(self) -> str:
        return self.proc.tail()


def local_conf(instances: list[Instance], port: int) -> str:
    conf = re.sub(r"^resolver .*$", "", CONF.read_text(), flags=re.M)
    servers = "\n    ".join(f"server 127.0.0.1:{i.port};" for i in instances)
    conf, replaced = re.subn(r"server tutor:8000[^;]*;", servers, conf)
    assert replaced == 1, "deploy/nginx.conf no longer has one `server tutor:8000` line"
    return conf.replace("listen 80;", f"listen 127.0.0.1:{port};")


@pytest.fixture
def proxy(cluster, tmp_path: Path) -> Iterator[tuple[Proxy, list[Instance]]]:
    instances = cluster.pair(rate_limit=HIGH)
    port = free_port()
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "default.conf").write_text(local_conf(instances, port))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log {tmp_path}/access.log; include {tmp_path}/conf.d/*.conf; }}\n"
    )
    args = [NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g", "daemon off;"]
    proc = Proc.spawn(args, base_env(), tmp_path, tmp_path / "nginx.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, 20, "nginx", proc
        )
        yield Proxy("proxy", url, proc), instances
    finally:
        proc.stop(timeout=10)


def _chat_lines(instance: Instance) -> int:
    return instance.proc.log.read_text().count('"POST /v1/chat')


def test_one_session_through_the_proxy_uses_both_instances(proxy):
    front, instances = proxy
    before = [_chat_lines(i) for i in instances]
    sid = chat(front, "hello")["session_id"]
    for question in ("what is the hidden state?", "quiz me", "hint", "why do RNNs forget?"):
        assert chat(front, question, sid)["session_id"] == sid
    served = [_chat_lines(i) - n for i, n in zip(instances, before, strict=True)]
    assert sum(served) == 5 and min(served) >= 1, f"turns per instance: {served}"
    messages = history(front, sid)
    assert len(messages) == 10
    assert_alternates(messages)


def test_server_sent_events_pass_through_unbuffered(proxy):
    front, _ = proxy
    body = {"message": "why do RNNs forget?", "session_id": None}
    with httpx.stream("POST", f"{front.url}/v1/chat/stream", json=body, timeout=TIMEOUT) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [
            line.split(":", 1)[1].strip() for line in r.iter_lines() if line.startswith("event:")
        ]
    assert events.count("delta") >= 2 and events[-1] == "done", events


def test_the_learners_address_reaches_the_tutor(proxy):
    """Per-client rate limits must count learners, not the proxy: uvicorn trusts the
    X-Forwarded-For that nginx appends (the proxy is 127.0.0.1, trusted by default)."""
    front, instances = proxy
    learner = "203.0.113.7"  # documentation range: only ever a header value here
    chat(front, "hello", None, **{"X-Forwarded-For": learner})
    logs = "".join(i.proc.log.read_text() for i in instances)
    assert re.search(rf"{re.escape(learner)}:\d+ - \"POST /v1/chat", logs)
