"""Settings read the TUTOR_ environment; errors carry the API.md error body."""

from pathlib import Path

from core.errors import LimitExceeded, RateLimited, SessionNotFound
from core.settings import Settings


def test_settings_read_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUTOR_PORT", "9123")
    monkeypatch.setenv("TUTOR_ALLOWED_ORIGINS", '["https://course.example"]')
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path
    assert settings.port == 9123
    assert settings.allowed_origins == ["https://course.example"]
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'tutor.db'}"


def test_default_embedding_model_is_the_packaged_one():
    path = Path(Settings(_env_file=None).resolved_embedding_model_path())
    assert (path / "config.json").exists() or any(path.iterdir())


def test_errors_have_codes_statuses_and_bodies():
    assert SessionNotFound("no such session").to_dict() == {
        "error": {"code": "session_not_found", "message": "no such session"}
    }
    assert SessionNotFound.http_status == 404
    assert LimitExceeded("too many steps").code == "limit_exceeded"
    exc = RateLimited("slow down", retry_after=7)
    assert exc.http_status == 429 and exc.retry_after == 7


def test_env_example_lists_every_setting():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    listed = {line.split("=", 1)[0] for line in example.splitlines() if line.startswith("TUTOR_")}
    expected = {f"TUTOR_{name.upper()}" for name in Settings.model_fields}
    assert expected <= listed, f"missing from .env.example: {sorted(expected - listed)}"
