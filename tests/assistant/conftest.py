"""Fixtures for the tutor tests: the real embedder, a real Chroma index, real SQLite.

The lesson index is built once per test run in a temporary directory (the bundled
lesson ingested with the real embedding model); each test gets its own SQLite session
store in ``tmp_path`` and a fresh ``Tutor`` on top.
"""

from __future__ import annotations

import pytest

from core.settings import Settings


def settings_for(data_dir, **overrides) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def tutor_embedder(embedder):
    """The suite's shared embedder (tests/conftest.py)."""
    return embedder


@pytest.fixture(scope="session")
def lesson_index(tmp_path_factory, tutor_embedder):
    """(settings, store, retriever) over the bundled lesson, built once."""
    from knowledge.ingest import bundled_lesson_paths, ingest
    from knowledge.retrieval import make_retriever
    from knowledge.store import make_store

    settings = settings_for(tmp_path_factory.mktemp("lesson-index"))
    store = make_store(settings, tutor_embedder)
    ingest(bundled_lesson_paths(), store, tutor_embedder)
    return settings, store, make_retriever(settings, tutor_embedder, store)


@pytest.fixture()
def retriever(lesson_index):
    return lesson_index[2]


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture()
def tutor(settings, tutor_embedder, retriever):
    from assistant.factory import make_tutor

    t = make_tutor(settings, embedder=tutor_embedder, retriever=retriever)
    yield t
    t.sessions.close()
