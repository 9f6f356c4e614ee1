"""Ingest into a real Chroma in tmp_path: metadata, incremental re-index, deletions, errors."""

from __future__ import annotations

import shutil

import pytest

from core.errors import IndexUnavailable, IngestError
from knowledge.ingest import bundled_lesson_paths, ingest
from knowledge.retrieval import make_retriever
from knowledge.store import make_store
from tests.knowledge.conftest import FIXTURES, make_settings

LESSON = "Why sequences need memory"


def test_bundled_lesson_is_indexed_with_metadata(bundled_index):
    _, store, _, report = bundled_index
    rows = store.all_chunks()
    assert report.files == 1 and report.added == len(rows) == report.embedded >= 30
    assert {r.source for r in rows} == {"why-sequences-need-memory.md"}
    sections = {r.section for r in rows}
    assert f"{LESSON} > Going deeper (optional) > Vanishing and exploding gradients" in sections
    assert all(s == LESSON or s.startswith(LESSON + " > ") for s in sections)
    fades = next(r for r in rows if r.section == f"{LESSON} > Where memory fades")
    assert fades.anchor == "where-memory-fades"
    assert fades.url == "/lessons/why-sequences-need-memory#where-memory-fades"
    assert len(fades.content_hash) == 64 and len({r.chunk_id for r in rows}) == len(rows)
    assert sorted(r.position for r in rows) == list(range(len(rows)))
    assert all(0 < len(r.text.split()) <= 160 for r in rows)


def test_scraped_seed_page_has_no_artifacts_in_any_chunk(store, embedder, seed_page):
    report = ingest([seed_page], store, embedder)
    rows = store.all_chunks()
    assert report.added == len(rows) >= 6
    assert not any("Section titled" in r.text or "Section titled" in r.section for r in rows)
    assert f"{LESSON} > Where this fits" in {r.section for r in rows}
    assert all(r.url is None for r in rows)  # the scraped page has no lesson id


def test_second_ingest_embeds_nothing(store, embedder):
    paths = [FIXTURES / "lessons", FIXTURES / "page.html"]
    first = ingest(paths, store, embedder)
    second = ingest(paths, store, embedder)
    assert first.embedded == first.added == store.count() > 0
    assert second.embedded == 0 and second.added == second.updated == second.deleted == 0
    assert second.unchanged == first.added
    assert "embedded nothing" in str(second)


def test_edits_re_embed_only_changed_chunks_and_delete_removed_sections(tmp_path, store, embedder):
    lesson = tmp_path / "tiny-lesson.md"
    shutil.copy(FIXTURES / "lessons" / "tiny-lesson.md", lesson)
    ingest([lesson], store, embedder)
    before = {r.section: r for r in store.all_chunks()}

    text = lesson.read_text()
    text = text.replace("bumps the tally by one", "raises the tally by exactly one")
    start, end = text.index("## Fences and gates"), text.index("## Flashcards")
    lesson.write_text(text[:start] + text[end:])  # drop a whole section
    report = ingest([lesson], store, embedder)

    after = {r.section: r for r in store.all_chunks()}
    assert "Counting sheep in order > Fences and gates" not in after
    # one chunk's text changed (embedded); the flashcards and glossary moved up one
    # position (metadata rewritten, vectors reused); the dropped section is deleted
    assert (report.deleted, report.updated, report.embedded, report.unchanged) == (1, 3, 1, 2)
    tally = "Counting sheep in order > The running tally"
    assert "exactly one" in after[tally].text
    assert after[tally].content_hash != before[tally].content_hash
    assert report.unchanged + report.updated + report.added == len(after) == 5
    flash = "Counting sheep in order > Flashcards"
    assert after[flash].position == before[flash].position - 1


def test_other_sources_are_kept_unless_pruned(store, embedder):
    ingest([FIXTURES / "page.html"], store, embedder)
    ingest([FIXTURES / "notes.txt"], store, embedder)
    assert {r.source for r in store.all_chunks()} == {"page.html", "notes.txt"}
    report = ingest([FIXTURES / "notes.txt"], store, embedder, prune=True)
    assert {r.source for r in store.all_chunks()} == {"notes.txt"}
    assert report.deleted >= 1 and report.embedded == 0


def test_a_failed_ingest_leaves_the_previous_index_usable(tmp_path, settings, store, embedder):
    ingest([FIXTURES / "lessons"], store, embedder)
    count = store.count()
    bad = tmp_path / "broken.md"
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(IngestError, match="broken.md"):
        ingest([FIXTURES / "page.html", bad], store, embedder)
    assert store.count() == count
    assert {r.source for r in store.all_chunks()} == {"tiny-lesson.md"}
    passages = make_retriever(settings, embedder, store).search("running tally of sheep", k=1)
    assert passages[0].section.endswith("The running tally")


def test_nothing_to_index_is_an_error(store, embedder):
    with pytest.raises(IngestError, match="nothing to index"):
        ingest([], store, embedder)


def test_a_file_where_the_chroma_dir_should_be(tmp_path, embedder):
    settings = make_settings(tmp_path)
    settings.chroma_path.write_text("not a directory")
    with pytest.raises(IndexUnavailable, match="Chroma directory is a file") as info:
        make_store(settings, embedder)
    assert str(settings.chroma_path) in info.value.message


def test_a_corrupt_chroma_dir(tmp_path, embedder):
    settings = make_settings(tmp_path)
    settings.chroma_path.mkdir(parents=True)
    (settings.chroma_path / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexUnavailable) as info:
        make_store(settings, embedder)
    assert str(settings.chroma_path) in info.value.message
    assert "tutor index" in info.value.message


def test_bundled_lessons_are_found():
    assert [p.name for p in bundled_lesson_paths()] == ["why-sequences-need-memory.md"]


def test_a_failing_write_is_an_ingest_error(store, embedder):
    class FullDisk:
        """The real collection, except that writes fail."""

        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def upsert(self, **_):
            raise RuntimeError("disk full")

    store.collection = FullDisk(store.collection)
    with pytest.raises(IngestError, match=r"writing the index failed \(disk full\)"):
        ingest([FIXTURES / "notes.txt"], store, embedder)
    assert store.count() == 0
