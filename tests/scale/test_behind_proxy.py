"""``deploy/nginx.conf`` in front of two real tutor instances.

The compose file's reverse proxy, run here with the local ``nginx`` binary on a
loopback port. Only what exists solely inside compose is rewritten: Docker's DNS
resolver and the ``server tutor:8000 resolve`` line (the ``resolve`` parameter needs
nginx 1.27.3+) become the two instances' loopback addresses, and the proxy's fixed
address in compose's ``FORWARDED_ALLOW_IPS`` becomes the local nginx's (127.0.0.1);
everything else (balancing, keep-alive, unbuffered server-sent events, forwarded
headers, whom the tutors trust) is the files as shipped. Learners connect from other
loopback addresses (127.0.0.2, ...: all of 127/8 is loopback on Linux), so the tests
can tell a learner's real address from the proxy's and from a forged header. Skips when
nginx is not installed (``apt-get install nginx-light``) or the scale URLs are unset.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests.scale.client import HIGH, TIMEOUT, assert_alternates, chat, check, history
from tests.scale.cluster import HOW_TO_RUN, Instance, scale_urls
from tests.scale.engines import Proc, base_env, free_port, wait_until

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(scale_urls() is None, reason=HOW_TO_RUN),
    pytest.mark.skipif(NGINX is None, reason="no nginx binary (apt-get install nginx-light)"),
]
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CONF = DEPLOY / "nginx.conf"
LOCAL_PROXY = "127.0.0.1"  # the address nginx connects to the instances from, here


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


def local_trust() -> dict[str, str]:
    """The tutors' ``FORWARDED_ALLOW_IPS`` from compose, with the proxy's fixed address
    there replaced by the local nginx's."""
    services = yaml.safe_load((DEPLOY / "compose.yml").read_text())["services"]
    trust = str(services["tutor"]["environment"]["FORWARDED_ALLOW_IPS"])
    networks = services["proxy"].get("networks") or {}
    for network in networks.values() if isinstance(networks, dict) else ():
        if network and network.get("ipv4_address"):
            trust = trust.replace(network["ipv4_address"], LOCAL_PROXY)
    return {"FORWARDED_ALLOW_IPS": trust}


@contextlib.contextmanager
def nginx(instances: list[Instance], tmp_path: Path) -> Iterator[Proxy]:
    """The shipped nginx.conf, adapted as the module says, in front of ``instances``."""
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
        yield Proxy("proxy", url, proc)
    finally:
        proc.stop(timeout=10)


@pytest.fixture
def proxy(cluster, tmp_path: Path) -> Iterator[tuple[Proxy, list[Instance]]]:
    instances = cluster.pair(environ=local_trust(), rate_limit=HIGH)
    with nginx(instances, tmp_path) as front:
        yield front, instances


def learner(address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z on Linux)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, timeout=TIMEOUT)


def same_window() -> None:
    """Wait, if need be, so a short burst of requests falls inside one fixed minute."""
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)


def searches_with_forged_addresses(url: str, client_address: str, n: int) -> list[int]:
    """``n`` searches from one address, each claiming another in X-Forwarded-For."""
    with learner(client_address) as client:
        return [
            client.get(
                f"{url}/v1/search",
                params={"q": "hidden state"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(n)
        ]


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
    """Per-client rate limits must count learners, not the proxy, and not whatever a
    learner claims to be: the tutor sees the address nginx accepted the connection from."""
    front, instances = proxy
    forged = "203.0.113.7"  # documentation range: only ever a header value here
    with learner("127.0.0.2") as client:
        body = {"message": "hello", "session_id": None}
        response = client.post(
            f"{front.url}/v1/chat", json=body, headers={"X-Forwarded-For": forged}
        )
    check(response, front)
    logs = "".join(i.proc.log.read_text() for i in instances)
    assert re.search(r"127\.0\.0\.2:\d+ - \"POST /v1/chat", logs), logs[-2000:]
    assert forged not in logs


def test_a_forged_forwarded_for_does_not_reset_the_rate_limit(cluster, tmp_path):
    cluster.backing.flush_redis()
    instances = cluster.pair(environ=local_trust(), rate_limit="5/minute")
    with nginx(instances, tmp_path) as front:
        same_window()
        codes = searches_with_forged_addresses(front.url, "127.0.0.3", 8)
    assert codes == [200] * 5 + [429] * 3, codes


def test_a_bare_tutor_ignores_a_forged_forwarded_for(cluster):
    """``tutor serve`` with its default trust (the proxy on 127.0.0.1 only): a learner
    connecting from anywhere else cannot pick an address either."""
    cluster.backing.flush_redis()
    (bare,) = cluster.pair(names=("a",), rate_limit="5/minute")
    same_window()
    codes = searches_with_forged_addresses(bare.url, "127.0.0.4", 8)
    assert codes == [200] * 5 + [429] * 3, codes


def test_a_token_in_a_url_stays_out_of_every_log(proxy, tmp_path):
    """An old bookmark may still say ``/admin?token=...``: it is refused, and neither
    nginx's access log nor the tutors' write the secret down."""
    front, instances = proxy
    secret = f"stale-bookmark-{uuid.uuid4().hex}"
    with learner("127.0.0.5") as client:
        for path in ("/admin", "/admin/export.csv", "/v1/search"):
            response = client.get(f"{front.url}{path}", params={"q": "state", "token": secret})
            assert response.status_code != 500, response.text
    proxy_logs = {p.name: p.read_text() for p in tmp_path.glob("*.log")}
    tutor_logs = {i.name: i.proc.log.read_text() for i in instances}
    for side in (proxy_logs, tutor_logs):  # both did log the requests
        assert any("GET /admin/export.csv" in text for text in side.values()), side
    logs = proxy_logs | tutor_logs
    leaked = [name for name, text in logs.items() if secret in text]
    assert not leaked, f"the token is in {leaked}"
