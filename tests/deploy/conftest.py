"""Fixtures for the HTTP tests: a fake tutor for fast edge cases, one real tutor per run.

``fake_client`` is a TestClient over an app with ``FakeTutor`` and ``FakeRetriever``
(no model load). ``real_parts`` builds the real stack once (the suite's embedder, Chroma
with the bundled lesson, SQLite, the offline tutor) in a temp dir; ``real_client`` wraps
it in a fresh app per test. Sessions are random ids, so tests never see each other's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings, get_settings
from deploy.app import create_app
from tests.deploy.http_fakes import FakeRetriever, FakeTutor

# the fields of a POST /v1/chat body (and of the stream's ``done`` event)
CHAT_FIELDS = {"session_id", "reply", "reply_html", "citations", "trace", "exercise", "plots"}


def make_settings(data_dir, **overrides: Any) -> Settings:
    base = {"rate_limit": "1000/minute", "allowed_origins": ["https://course.example"]}
    return Settings(_env_file=None, data_dir=data_dir, **{**base, **overrides})


@pytest.fixture
def settings_env(monkeypatch, tmp_path):
    """``monkeypatch`` for a CLI test whose settings come from the environment: run from
    ``tmp_path`` (no stray .env file), ``get_settings``' cache cleared before and after."""
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def fake_tutor() -> FakeTutor:
    return FakeTutor()


@pytest.fixture
def fake_app_factory(tmp_path, fake_tutor):
    def build(**overrides: Any):
        settings = make_settings(tmp_path, **overrides)
        return create_app(settings, tutor=fake_tutor, retriever=FakeRetriever(), sessions=object())

    return build


@pytest.fixture
def fake_client(fake_app_factory):
    with TestClient(fake_app_factory(), raise_server_exceptions=False) as client:
        yield client


@dataclass
class RealParts:
    settings: Settings
    retriever: Any
    tutor: Any


@pytest.fixture(scope="session")
def real_parts(tmp_path_factory, embedder) -> RealParts:
    from assistant.factory import make_tutor
    from knowledge.ingest import bundled_lesson_paths, ingest
    from knowledge.retrieval import make_retriever
    from knowledge.store import make_store

    settings = make_settings(tmp_path_factory.mktemp("deploy-real"))
    store = make_store(settings, embedder)
    ingest(bundled_lesson_paths(), store, embedder)
    retriever = make_retriever(settings, embedder, store)
    tutor = make_tutor(settings, embedder=embedder, retriever=retriever)
    yield RealParts(settings, retriever, tutor)
    tutor.sessions.close()
    # The composer embeds lesson sentences in a daemon thread; torch aborts the interpreter
    # if that thread is still running at exit, so let it finish first.
    from assistant.factory import shared_composer

    shared_composer(embedder).wait_warm()


def real_app(parts: RealParts, **overrides: Any):
    settings = parts.settings
    if overrides:  # re-validate so e.g. a str token becomes a SecretStr
        settings = Settings(_env_file=None, **{**settings.model_dump(), **overrides})
    return create_app(settings, tutor=parts.tutor, retriever=parts.retriever)


@pytest.fixture
def real_client(real_parts):
    with TestClient(real_app(real_parts), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    """The chat-platform tests run on asyncio (what uvicorn and Bolt use)."""
    return "asyncio"


@pytest.fixture
def slack_api():
    """A local fake of Slack's Web API, recording what the bot sends."""
    from tests.deploy.fake_platforms import FakePlatform

    with FakePlatform() as fake:
        yield fake


@pytest.fixture
def discord_api():
    """A local fake of Discord's API, recording follow-ups."""
    from tests.deploy.fake_platforms import FakePlatform

    with FakePlatform() as fake:
        yield fake
