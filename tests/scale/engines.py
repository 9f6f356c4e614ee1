"""The engines a scaled-out tutor shares, started for one test run on loopback.

``chroma_server`` runs ``chroma run`` as a subprocess and waits for its heartbeat;
``postgres_database`` creates a fresh database (dropped at exit) so runs never see each
other's rows; ``redis_database`` claims an empty logical Redis database (flushed at
exit). ``Proc`` wraps a subprocess with its log file, and ``wait_until`` bounds every
wait and puts the log tail into the error when a process dies or never gets ready.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BIN = Path(sys.executable).parent  # the venv's bin: chroma, tutor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None
) -> None:
    """Poll ``check`` until true; fail early with the log tail if ``proc`` dies meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive:
            raise RuntimeError(
                f"{what}: process exited with {proc.popen.returncode}\n{proc.tail()}"
            )
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s\n{proc.tail() if proc else ''}")


@dataclass
class Proc:
    """A subprocess with its log file."""

    popen: subprocess.Popen
    log: Path

    @classmethod
    def spawn(cls, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Proc:
        out = log.open("ab")
        try:
            popen = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()
        return cls(popen, log)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def signal(self, sig: int) -> None:
        if self.alive:
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit within ``timeout``."""
        self.signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait(timeout=10)


def base_env() -> dict[str, str]:
    """The parent's environment without any TUTOR_ setting (nor uvicorn's proxy trust,
    so every server starts with the default unless a test says otherwise), plus offline
    switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TUTOR_") and k != "FORWARDED_ALLOW_IPS"
    }
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return env


@contextlib.contextmanager
def chroma_server(workdir: Path, timeout: float = 30) -> Iterator[str]:
    """``chroma run`` on a free loopback port; yields its URL; stops it at exit."""
    port = free_port()
    path = workdir / "chroma-server"
    path.mkdir(parents=True, exist_ok=True)
    args = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1"]
    proc = Proc.spawn([*args, "--port", str(port)], base_env(), workdir, workdir / "chroma.log")
    url = f"http://127.0.0.1:{port}"
    try:
        hb = f"{url}/api/v2/heartbeat"
        wait_until(lambda: httpx.get(hb, timeout=2).status_code == 200, timeout, "chroma", proc)
        yield url
    finally:
        proc.stop(timeout=10)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new empty database ``tutor_scale_<random>``; dropped (forcibly) at exit."""
    import psycopg

    admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"tutor_scale_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_database(url: str) -> Iterator[str]:
    """An empty Redis logical database (highest free number first); flushed at exit."""
    import redis

    parts = urlsplit(url)
    for number in range(15, 0, -1):
        candidate = urlunsplit(parts._replace(path=f"/{number}"))
        client = redis.Redis.from_url(candidate)
        try:
            # The claim key (SETNX) stays until the flush, so parallel runs never share a database.
            if client.dbsize() == 0 and client.set("tutor-scale-claim", "1", nx=True, ex=3600):
                break
        finally:
            client.close()
    else:
        raise RuntimeError(f"no empty Redis database (1..15) at {url}")
    try:
        yield candidate
    finally:
        client = redis.Redis.from_url(candidate)
        client.flushdb()
        client.close()
