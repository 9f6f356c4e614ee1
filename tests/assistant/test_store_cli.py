# ruff: noqa: F811
"""``tutor db upgrade|status|export`` against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from assistant.store import make_session_store_from_url
from assistant.store.engine import make_engine
from assistant.store.migrate import head_revision
from core.settings import get_settings
from deploy.cli import app

# the SQLite/PostgreSQL fixtures are shared with test_store.py (imported, not redefined)
from tests.assistant.test_store import pg_url, store_url  # noqa: F401
from tests.assistant.test_store_migrations import make_legacy_database


@pytest.fixture
def tutor(store_url, monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATABASE_URL", store_url)
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["db", *args])
    get_settings.cache_clear()


def test_upgrade_creates_then_reports_up_to_date(tutor, store_url):
    status = tutor("status")
    assert status.exit_code == 0, status.output
    assert "not created (run `tutor db upgrade`)" in status.output

    head = head_revision()
    first = tutor("upgrade")
    assert first.exit_code == 0, first.output
    assert f"created the schema at revision {head}" in first.output
    second = tutor("upgrade")
    assert f"schema is up to date (revision {head})" in second.output
    assert f"revision {head} (head); this tutor expects revision {head}" in tutor("status").output

    store = make_session_store_from_url(store_url)
    try:
        sid = store.create_session("cli")  # the schema the command made is usable
        store.append_message(sid, "user", "hello, tutor")
        store.append_message(sid, "assistant", "Hi! Ask me about recurrent networks.")
        store.add_feedback(sid, 1, "up")
    finally:
        store.close()

    export = tutor("export")
    assert export.exit_code == 0, export.output
    rows = list(csv.DictReader(io.StringIO(export.output)))
    assert [(r["seq"], r["role"], r["rating"]) for r in rows] == [
        ("0", "user", ""),
        ("1", "assistant", "up"),
    ]
    assert rows[0]["content"] == "hello, tutor"


def test_upgrade_adopts_a_pre_alembic_database(tutor, store_url):
    engine = make_engine(store_url)
    try:
        make_legacy_database(engine)
    finally:
        engine.dispose()
    status = tutor("status")
    assert "pre-Alembic version 1 (run `tutor db upgrade` to adopt it)" in status.output

    head = head_revision()
    upgraded = tutor("upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"adopted the pre-Alembic schema at revision {head}" in upgraded.output
    assert f"schema: revision {head} (head)" in tutor("status").output
    rows = list(csv.DictReader(io.StringIO(tutor("export").output)))
    assert len(rows) == 4  # the two sessions' messages, kept


def test_bad_url_is_a_clean_error(monkeypatch):
    monkeypatch.setenv("TUTOR_DATABASE_URL", "mysql://root@localhost/tutor")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert result.output.startswith("error")
    assert "Unsupported database URL scheme 'mysql'" in result.output
