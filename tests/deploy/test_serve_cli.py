"""``tutor serve`` is registered with --host/--port and hands the app to uvicorn.

(The browser tests start ``tutor serve`` for real; this checks the wiring cheaply.)
"""

from __future__ import annotations

from typer.testing import CliRunner

from deploy.cli import app


def test_serve_runs_uvicorn_with_host_and_port(monkeypatch, tmp_path):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    served, options = calls[0]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123
    assert served.title == "RNN Tutor"  # the FastAPI app from create_app
    assert "/v1/chat" in served.openapi()["paths"]


def test_serve_rejects_a_port_out_of_range(monkeypatch, tmp_path):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])  # would bind 70000 % 65536
    assert result.exit_code == 2 and "65535" in result.output and not calls


def test_serve_help_lists_options():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output


def test_serve_with_workers_passes_the_factory(monkeypatch, tmp_path):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert calls == [("deploy.app:create_app", calls[0][1])]
    assert calls[0][1]["factory"] is True and calls[0][1]["workers"] == 2
