"""``open_index``: the store, a first build when it is empty, the retriever.

The bundled lessons are swapped for the small fixture lesson (``knowledge.index`` reads
the list through ``bundled_lesson_paths``), so a first build embeds a few chunks, not the
whole course; the real bundled build is covered by ``tests/knowledge/test_cli.py``.
"""

from __future__ import annotations

import pytest

from knowledge import index
from knowledge.index import open_index
from knowledge.ingest import ingest
from tests.knowledge.conftest import FIXTURES, make_settings

TINY = FIXTURES / "lessons" / "tiny-lesson.md"


@pytest.fixture
def tiny_course(monkeypatch):
    monkeypatch.setattr(index, "bundled_lesson_paths", lambda: [TINY])


def test_an_empty_index_is_built_once_then_opened_as_is(tmp_path, embedder, tiny_course):
    settings = make_settings(tmp_path / "data")
    stages: list[str] = []

    first = open_index(settings, embedder, progress=lambda stage, done, total: stages.append(stage))
    assert first.report is not None and first.report.sources == ["tiny-lesson.md"]
    assert first.report.added == first.report.chunks == first.store.count() > 0
    assert {"read", "embed", "write"} <= set(stages)
    assert first.retriever.search("running tally of sheep", k=1)[0].source == "tiny-lesson.md"

    stages.clear()
    again = open_index(settings, embedder, progress=lambda *args: stages.append(args[0]))
    assert again.report is None and stages == []  # nothing ingested, nothing reported
    assert again.store.count() == first.store.count()


def test_refresh_ingests_incrementally_and_keeps_other_lessons(tmp_path, embedder, tiny_course):
    """The server refreshes the bundled lessons at every start; a lesson added with
    ``tutor index FILE`` must survive it, and unchanged chunks are not embedded again."""
    settings = make_settings(tmp_path / "data")
    extra = tmp_path / "tides.md"
    extra.write_text("---\nid: tides\ntitle: Tides\n---\n# Tides\n\nThe moon pulls the sea.\n")
    opened = open_index(settings, embedder)
    ingest([extra], opened.store, embedder)

    refreshed = open_index(settings, embedder, refresh=True)
    assert refreshed.report is not None
    assert refreshed.report.embedded == 0 and refreshed.report.deleted == 0
    sources = {row.source for row in refreshed.store.all_chunks()}
    assert sources == {"tiny-lesson.md", "tides.md"}
