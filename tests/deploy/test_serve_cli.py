"""``tutor serve`` is registered with --host/--port and hands the app to uvicorn.

(The browser tests start ``tutor serve`` for real; this checks the wiring cheaply.)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from deploy.cli import app
from tests.deploy.servers import free_port, serve_subprocess


@pytest.fixture
def uvicorn_calls(monkeypatch, tmp_path) -> list[tuple[object, dict]]:
    """Every ``uvicorn.run(app, **options)`` that ``tutor serve`` makes, recorded instead
    of serving; the data dir is ``tmp_path``."""
    import uvicorn

    calls: list[tuple[object, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    return calls


def test_serve_runs_uvicorn_with_host_and_port(uvicorn_calls):
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    served, options = uvicorn_calls[0]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123
    assert served.title == "RNN Tutor"  # the FastAPI app from create_app
    assert "/v1/chat" in served.openapi()["paths"]
    assert served.state.services.settings.port == 8123  # the start-up names the URL served


def test_serve_shows_the_tutors_log_through_uvicorns_handler(monkeypatch, uvicorn_calls):
    """The start-up's steps (``tutor.*`` loggers) are written by uvicorn's own console
    handler, in every process uvicorn configures, not by a second handler of ours."""
    monkeypatch.setenv("TUTOR_LOG_LEVEL", "info")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    config = uvicorn_calls[0][1]["log_config"]
    assert config["loggers"]["tutor"] == {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    assert config["handlers"]["default"]["stream"] == "ext://sys.stderr"
    assert {"uvicorn", "uvicorn.access"} <= set(config["loggers"])  # uvicorn's, unchanged


def test_a_real_start_prints_its_steps_on_the_terminal(tmp_path):
    """``make run`` on a fresh clone was silent while the first start built the index.
    The model path is broken here so the start ends early, after its first step."""
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(tmp_path),
        "TUTOR_EMBEDDING_MODEL_PATH": str(tmp_path / "no-model-here"),
    }
    tutor = str(Path(sys.executable).parent / "tutor")
    done = subprocess.run(
        [tutor, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode != 0  # the lifespan failed: uvicorn exits
    assert "INFO:     loading the embedding model" in done.stderr, done.stderr


def test_serve_trusts_forwarded_headers_from_loopback_only_by_default(monkeypatch, uvicorn_calls):
    """A learner reaching ``tutor serve`` directly must not choose the address the rate
    limit counts; only a proxy on the same machine is believed."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    options = uvicorn_calls[0][1]
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert "FORWARDED_ALLOW_IPS" not in result.output


def test_serve_warns_when_every_peer_may_set_its_address(monkeypatch, uvicorn_calls):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert (
        uvicorn_calls[0][1]["forwarded_allow_ips"] == "*"
    )  # the operator's choice, but said aloud
    assert "FORWARDED_ALLOW_IPS=*" in result.output and "proxy's address" in result.output


def test_serve_rejects_a_port_out_of_range(uvicorn_calls):
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])  # would bind 70000 % 65536
    assert result.exit_code == 2 and "65535" in result.output and not uvicorn_calls


def test_serve_help_lists_options():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output


def test_serve_with_workers_passes_the_factory(monkeypatch, uvicorn_calls):
    from deploy.cli import serve_cmds

    calls = uvicorn_calls
    monkeypatch.setattr(serve_cmds, "_prepare_in_child", lambda s: calls.append(("prep", {})))
    monkeypatch.setenv("TUTOR_PORT", "8000")  # so that monkeypatch restores it after the test
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert calls == [("prep", {}), ("deploy.app:create_app", calls[1][1])]  # index first
    assert calls[1][1]["factory"] is True and calls[1][1]["workers"] == 2
    assert calls[1][1]["port"] == 8124
    assert os.environ["TUTOR_PORT"] == "8124"  # the workers' settings (and start-up URL) agree


@pytest.mark.slow
def test_two_workers_start_together_on_a_fresh_data_dir(tmp_path):
    """Both workers used to create the new Chroma database at once and one died on its
    schema ("table collections already exists"), taking the server down; the index is now
    built once before they start."""
    with (
        serve_subprocess(tmp_path, workers=2) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        # /readyz answers once the first worker is ready; the second may still be loading
        # (stopping it then would log no start-up line), so wait for both before stopping.
        ready = f"open {base} in a browser"
        deadline = time.monotonic() + 180
        while (tmp_path / "server.log").read_text().count(ready) < 2:
            assert time.monotonic() < deadline, "the second worker never became ready"
            time.sleep(0.2)
        for _ in range(6):
            reply = client.post("/v1/chat", json={"message": "what is the hidden state?"})
            assert reply.status_code == 200 and reply.json()["citations"]
    log = (tmp_path / "server.log").read_text()
    assert log.count("Application startup complete.") == 2, log[-2000:]
    assert "startup failed" not in log
    assert log.count(f"open {base} in a browser") == 2  # each worker's start-up is shown


def test_workers_report_a_preparation_error_without_a_traceback(tmp_path):
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(tmp_path),
        "TUTOR_EMBEDDING_MODEL_PATH": str(tmp_path / "no-model-here"),
    }
    tutor = str(Path(sys.executable).parent / "tutor")
    done = subprocess.run(
        [tutor, "serve", "--workers", "2", "--port", "9"],  # never reached: fails before
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 2
    assert "error[model_unavailable]" in done.stderr and "TUTOR_EMBEDDING_MODEL_PATH" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
def test_sigterm_during_the_start_up_index_build_stops_at_the_next_batch(tmp_path):
    """The probe: SIGTERM while a fresh server embedded the lesson was acted on only once
    the whole build had finished. Now the build stops between embedding batches, the
    server never reports ready, exits cleanly, and the next start builds the full index."""
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(tmp_path),
        "TUTOR_RATE_LIMIT": "10000/minute",
        "HF_HUB_OFFLINE": "1",
    }
    tutor = str(Path(sys.executable).parent / "tutor")
    port = str(free_port())
    log_path = tmp_path / "first.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [tutor, "serve", "--port", port], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while "embedded 32 of" not in log_path.read_text():  # the build is under way
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log_path.read_text()
    assert "start-up stopped by a signal before the tutor was ready" in text
    total = int(re.search(r"embedded \d+ of (\d+)", text).group(1))  # chunks to embed
    assert "index ready" not in text and f"embedded {total} of {total}" not in text  # not finished
    assert "Traceback" not in text and "startup failed" not in text

    with serve_subprocess(tmp_path) as base:  # the interrupted build left nothing broken
        reply = httpx.post(f"{base}/v1/chat", json={"message": "what is the hidden state?"})
        assert reply.status_code == 200 and reply.json()["citations"]
    assert f"embedded {total} of {total}" in (tmp_path / "server.log").read_text()
