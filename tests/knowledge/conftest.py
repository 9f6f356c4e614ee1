"""Fixtures for the knowledge tests: settings in tmp dirs, stores, the bundled index.

The embedding model comes from the suite-wide session ``embedder`` fixture in
``tests/conftest.py``; the bundled lesson is indexed once per run (``bundled_index``)
and tests that change an index build their own store in ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_PAGE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_544b2030b0dcce2b.txt"


def make_settings(data_dir: Path, **overrides) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture()
def store(settings, embedder):
    from knowledge.store import make_store

    return make_store(settings, embedder)


@pytest.fixture()
def seed_page() -> Path:
    if not SEED_PAGE.exists():
        pytest.skip(f"the scraped seed page is not beside the repo ({SEED_PAGE})")
    return SEED_PAGE


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory, embedder):
    """(settings, store, retriever, first IngestReport) over the bundled lesson, built once."""
    from knowledge.ingest import bundled_lesson_paths, ingest
    from knowledge.retrieval import make_retriever
    from knowledge.store import make_store

    settings = make_settings(tmp_path_factory.mktemp("bundled-index"))
    store = make_store(settings, embedder)
    report = ingest(bundled_lesson_paths(), store, embedder)
    return settings, store, make_retriever(settings, embedder, store), report
