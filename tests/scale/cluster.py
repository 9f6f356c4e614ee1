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
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.scale.engines import (
    BIN,
    Proc,
    base_env,
    chroma_server,
    free_port,
    postgres_database,
    redis_database,
    wait_until,
)

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


@dataclass
class Backing:
    """The shared engines: every instance of one cluster points at these three."""

    workdir: Path
    chroma_url: str
    database_url: str
    redis_url: str

    def env(
        self, data_dir: Path, environ: dict[str, str] | None = None, **settings: str
    ) -> dict[str, str]:
        """The process environment: ``settings`` become ``TUTOR_*``; ``environ`` is
        passed as it is (for variables that are not settings, e.g. uvicorn's
        ``FORWARDED_ALLOW_IPS``)."""
        env = base_env()
        env.update(environ or {})
        env.update(
            TUTOR_DATA_DIR=str(data_dir),
            TUTOR_CHROMA_URL=self.chroma_url,
            TUTOR_DATABASE_URL=self.database_url,
            TUTOR_REDIS_URL=self.redis_url,
            TUTOR_LOG_LEVEL="info",  # start-up and shutdown lines in the log file
            TUTOR_WARM_UP="0",  # no background warm-ups competing with the start-ups
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
    environ: dict[str, str] = field(default_factory=dict)
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
        env = self.backing.env(self.data_dir, self.environ, **self.settings)
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

    def pair(
        self,
        names: tuple[str, ...] = ("a", "b"),
        environ: dict[str, str] | None = None,
        **settings: str,
    ) -> list[Instance]:
        """Running instances with exactly these settings (and extra environment),
        (re)starting any that are dead or differently configured; all restarts boot in
        parallel."""
        wanted = {k: str(v) for k, v in settings.items()}
        extra = dict(environ or {})
        booting = []
        for name in names:
            current = self.instances.get(name)
            if (
                current is not None
                and current.alive
                and (current.settings, current.environ) == (wanted, extra)
            ):
                continue
            if current is not None:
                current.stop()
            fresh = Instance(name, self.backing, dict(wanted), extra)
            self.instances[name] = fresh.spawn()
            booting.append(fresh)
        for instance in booting:
            instance.wait_ready()
        return [self.instances[name] for name in names]

    def stop_all(self) -> None:
        for instance in self.instances.values():
            instance.stop()
