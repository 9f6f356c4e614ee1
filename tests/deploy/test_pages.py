"""The lesson pages: every citation link lands on the heading of the section it quotes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from core.errors import TutorError
from deploy.routes.pages import DEMO_SECTIONS, add_heading_ids
from knowledge.chunking import chunk_document
from knowledge.ingest import bundled_lesson_paths
from knowledge.loaders import load_document
from knowledge.parsed import parse_sections


class _Headings(HTMLParser):
    """(id, text) of every h1-h6 of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.found.append((dict(attrs).get("id") or "", ""))
            self._open = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            anchor, text = self.found[-1]
            self.found[-1] = (anchor, text + data)


def _headings(page: str) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(page)
    return [(anchor, " ".join(text.split())) for anchor, text in parser.found]


def test_every_citation_lands_on_the_heading_of_its_section(fake_client):
    for path in bundled_lesson_paths():
        doc = load_document(path)
        page = fake_client.get(f"/lessons/{doc.lesson_id}")
        assert page.status_code == 200
        headings = _headings(page.text)
        ids = [anchor for anchor, _ in headings]
        assert all(ids) and len(set(ids)) == len(ids), "every heading has its own id"
        text_of = dict(headings)
        chunks = chunk_document(doc)
        sections = {c.section: c for c in chunks}
        assert len(sections) > 20
        for section, chunk in sections.items():
            assert chunk.url == f"/lessons/{doc.lesson_id}#{chunk.anchor}", section
            assert text_of.get(chunk.anchor) == chunk.title, section
            assert {c.anchor for c in chunks if c.section == section} == {chunk.anchor}


def test_the_demo_excerpt_keeps_the_lesson_anchors(fake_client):
    page = fake_client.get("/").text
    assert [anchor for anchor, _ in _headings(page)] == list(DEMO_SECTIONS)


def test_a_heading_the_parse_does_not_know_is_an_error():
    sections = parse_sections("# Title\n\ntext\n")
    assert add_heading_ids("<h1>Title</h1><p>text</p>", sections) == (
        '<h1 id="title">Title</h1><p>text</p>'
    )
    with pytest.raises(TutorError, match="2 headings"):
        add_heading_ids("<h1>Title</h1><h2>Raw</h2>", sections)
