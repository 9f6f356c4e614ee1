"""Chunks follow headings, stay within the size limit, overlap a little, keep stable ids."""

from __future__ import annotations

from pathlib import Path

from knowledge.chunking import MAX_WORDS, chunk_document, slugify, split_text
from knowledge.loaders import Document, load_document
from tests.knowledge.conftest import FIXTURES


def _doc(text: str, **meta) -> Document:
    return Document(source="t.md", path=Path("t.md"), text=text, meta=meta)


def test_sections_are_heading_paths_from_the_h1():
    chunks = chunk_document(load_document(FIXTURES / "lessons" / "tiny-lesson.md"))
    sections = [c.section for c in chunks]
    assert sections[:4] == [
        "Counting sheep in order",
        "Counting sheep in order > The running tally",
        "Counting sheep in order > The running tally > Forgetting the colour",
        "Counting sheep in order > Fences and gates",
    ]
    colour = chunks[2]
    assert colour.anchor == "forgetting-the-colour"
    assert colour.url == "/lessons/tiny-lesson#forgetting-the-colour"
    assert colour.title == "Forgetting the colour"
    assert colour.source == "tiny-lesson.md"
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert chunks[0].url == "/lessons/tiny-lesson#counting-sheep-in-order"


def test_no_lesson_id_means_no_url_and_headingless_text_uses_the_file_name():
    chunks = chunk_document(load_document(FIXTURES / "notes.txt"))
    assert [c.section for c in chunks] == ["Notes"]
    assert chunks[0].url is None


def test_github_style_anchors():
    assert slugify("Where memory fades") == "where-memory-fades"
    assert slugify("Gates: what LSTMs and GRUs add") == "gates-what-lstms-and-grus-add"
    assert slugify("What you’ll learn") == "what-youll-learn"
    doc = _doc("# T\n\n## Notes\n\none\n\n## Notes\n\ntwo\n")
    assert [c.anchor for c in chunk_document(doc)] == ["notes", "notes-1"]


def test_headings_inside_code_fences_are_text():
    doc = _doc("# T\n\n## Code\n\n```python\n# not a heading\nx = 1\n```\n")
    chunks = chunk_document(doc)
    assert len(chunks) == 1 and "# not a heading" in chunks[0].text


def test_long_sections_split_with_limit_and_overlap():
    sentences = [f"Sentence number {i} talks about recurrent memory." for i in range(120)]
    body = "\n\n".join(" ".join(sentences[i : i + 6]) for i in range(0, 120, 6))
    pieces = split_text(body, max_words=MAX_WORDS, overlap=30)
    assert len(pieces) >= 4
    assert all(len(p.split()) <= MAX_WORDS for p in pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):
        last_sentence = before.replace("\n", " ").split(". ")[-1].rstrip(".")
        assert last_sentence in after  # the next piece starts with the previous one's tail
    joined = " ".join(pieces)
    assert all(s in joined for s in sentences)  # nothing lost


def test_one_giant_paragraph_is_cut_by_words():
    pieces = split_text("word " * 1000, max_words=100, overlap=10)
    assert all(len(p.split()) <= 100 for p in pieces) and len(pieces) >= 10


def test_ids_are_stable_and_local_to_their_section():
    text = "# T\n\n## A\n\nalpha\n\n## B\n\nbeta\n"
    before = {c.section: c for c in chunk_document(_doc(text))}
    edited = {c.section: c for c in chunk_document(_doc(text.replace("alpha", "ALPHA")))}
    inserted = {
        c.section: c for c in chunk_document(_doc(text.replace("## B", "## New\n\nnew\n\n## B")))
    }
    assert before["T > B"].chunk_id == edited["T > B"].chunk_id == inserted["T > B"].chunk_id
    assert before["T > B"].content_hash == inserted["T > B"].content_hash
    assert before["T > A"].chunk_id == edited["T > A"].chunk_id
    assert before["T > A"].content_hash != edited["T > A"].content_hash
    assert before["T > B"].embedding_text == "T > B\nbeta"
