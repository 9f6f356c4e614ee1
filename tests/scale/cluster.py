"""A real multi-instance deployment on loopback, for the scale-out test and benchmark.

It starts what ``deploy/compose.yml`` runs, minus containers: a Chroma server
(``chroma run`` as a subprocess), a fresh PostgreSQL database and an empty Redis
database for the run (both dropped/flushed at the end), and any number of
``tutor serve`` processes sharing those three, each with its own data directory so
nothing can be shared through the disk. Every wait is bounded; every subprocess
writes a log file whose tail goes into the error when something does not come up.
``bench/bench_scale.py`` imports this module too, so test and benchmark measure the
same deployment.
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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BIN = Path(sys.executable).parent  # the venv's bin: chroma, tutor
HOW_TO_RUN = (
    "multi-instance tests need PostgreSQL and Redis: "
    "export TUTOR_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test "
    "TUTOR_TEST_REDIS_URL=redis://127.0.0.1:6379/0 (CI's .ci/run sets both)"
)


def scale_urls() -> tuple[str, str] | None:
    """(database URL, Redis URL) from the environment, or None when either is unset."""
    db, redis_url = (
        os.environ.get("TUTOR_TEST_DATABASE_URL"),
        os.environ.get("TUTOR_TEST_REDIS_URL"),
    )
    return (db, redis_url) if db and redis_url else None


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
    """The parent's environment without any TUTOR_ setting, plus offline switches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
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


@dataclass
class Backing:
    """The shared engines: every instance of one cluster points at these three."""

    workdir: Path
    chroma_url: str
    database_url: str
    redis_url: str

    def env(self, data_dir: Path, **settings: str) -> dict[str, str]:
        env = base_env()
        env.update(
            TUTOR_DATA_DIR=str(data_dir),
            TUTOR_CHROMA_URL=self.chroma_url,
            TUTOR_DATABASE_URL=self.database_url,
            TUTOR_REDIS_URL=self.redis_url,
            TUTOR_LOG_LEVEL="info",  # start-up and shutdown lines in the log file
        )
        env.update({f"TUTOR_{k.upper()}": v for k, v in settings.items()})
        return env

    def flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        client.set("tutor-scale-claim", "1", ex=3600)  # still ours
        client.close()

    def tutor(self, args: list[str], data_dir: Path, timeout: float = 180, **settings: str):
        """Run one ``tutor`` CLI command against the shared engines; raise with output on failure."""
        data_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(BIN / "tutor"), *args],
            env=self.env(data_dir, **settings),
            cwd=data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"tutor {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done


@contextlib.contextmanager
def backing_services(workdir: Path, database_url: str, redis_url: str) -> Iterator[Backing]:
    """Chroma server + fresh PostgreSQL database + empty Redis database, torn down at exit."""
    with (
        chroma_server(workdir) as chroma_url,
        postgres_database(database_url) as db_url,
        redis_database(redis_url) as r_url,
    ):
        yield Backing(workdir, chroma_url, db_url, r_url)


@dataclass
class Instance:
    """One ``tutor serve`` process on a loopback port with its own data directory."""

    name: str
    backing: Backing
    settings: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.backing.workdir / f"instance-{self.name}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive

    def spawn(self) -> Instance:
        """Start the process without waiting (so several instances boot in parallel)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        args = [str(BIN / "tutor"), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        env = self.backing.env(self.data_dir, **self.settings)
        log = self.backing.workdir / f"instance-{self.name}.log"
        self.proc = Proc.spawn(args, env, self.data_dir, log)
        return self

    def wait_ready(self, timeout: float = 120) -> Instance:
        ready = f"{self.url}/readyz"
        what = f"tutor serve ({self.name})"
        wait_until(lambda: httpx.get(ready, timeout=2).status_code == 200, timeout, what, self.proc)
        return self

    def start(self, ready_timeout: float = 120) -> Instance:
        return self.spawn().wait_ready(ready_timeout)

    def stop(self, timeout: float = 20) -> int | None:
        return self.proc.stop(timeout) if self.proc else None

    def tail(self) -> str:
        return self.proc.tail() if self.proc else ""


class Cluster:
    """Named tutor instances over one ``Backing``; ``pair()`` hands out two running ones."""

    def __init__(self, backing: Backing) -> None:
        self.backing = backing
        self.instances: dict[str, Instance] = {}

    def pair(self, names: tuple[str, ...] = ("a", "b"), **settings: str) -> list[Instance]:
        """Running instances with exactly these settings, (re)starting any that are dead
        or differently configured; all restarts boot in parallel."""
        wanted = {k: str(v) for k, v in settings.items()}
        booting = []
        for name in names:
            current = self.instances.get(name)
            if current is not None and current.alive and current.settings == wanted:
                continue
            if current is not None:
                current.stop()
            fresh = Instance(name, self.backing, dict(wanted))
            self.instances[name] = fresh.spawn()
            booting.append(fresh)
        for instance in booting:
            instance.wait_ready()
        return [self.instances[name] for name in names]

    def stop_all(self) -> None:
        for instance in self.instances.values():
            instance.stop()
