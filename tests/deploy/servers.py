"""Real servers for tests: uvicorn in a thread (in-process app) or ``tutor serve`` in a
subprocess, each on a free loopback port, stopped cleanly when the test ends.

``bench/bench_http.py`` starts its server with ``tutor_serve`` too, so the benchmark
measures the same start-up the tests do."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def tutor_env(data_dir: Path, **env: str) -> dict[str, str]:
    """The environment of a ``tutor serve`` subprocess: the parent's, offline, with its
    own data dir, plus ``env``."""
    return {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        # no background warm-ups: on two cores they compete with the index builds and
        # start-ups these tests time out on; each text is embedded when first needed
        "TUTOR_WARM_UP": "0",
        **env,
    }


@contextlib.contextmanager
def tutor_serve(
    port: int, env: dict[str, str], workers: int = 1, stdout: Any = subprocess.DEVNULL
) -> Iterator[subprocess.Popen]:
    """``tutor serve`` on a loopback ``port`` as a subprocess (stderr into ``stdout``);
    yield it at once, stop it at exit."""
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "tutor"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if ``proc`` does not exit within ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def serve_subprocess(data_dir: Path, workers: int = 1, **env: str) -> Iterator[str]:
    """``tutor serve`` as a real process with its own data dir; yield its base URL once ready."""
    port = free_port()
    full_env = tutor_env(data_dir, **{"TUTOR_RATE_LIMIT": "10000/minute", **env})
    with (
        open(data_dir / "server.log", "wb") as log,
        tutor_serve(port, full_env, workers, stdout=log) as proc,
    ):
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout=180)
        yield base


def wait_ready(
    base: str, proc: subprocess.Popen | None = None, timeout: float = 120, interval: float = 0.1
) -> float:
    """Poll ``/readyz`` every ``interval`` seconds until 200; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(interval)
    raise RuntimeError("server not ready in time")
