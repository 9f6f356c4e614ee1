"""One parse of a lesson: sections, anchors, cards, glossary and teaching model."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import IngestError
from knowledge.chunking import chunk_document
from knowledge.lessons import load_lessons
from knowledge.loaders import Document, load_document
from knowledge.parsed import parse_lesson, parse_sections, slugify
from tests.knowledge.conftest import FIXTURES

TINY = FIXTURES / "lessons" / "tiny-lesson.md"


def _doc(text: str, **meta: str) -> Document:
    return Document(source="t.md", path=Path("t.md"), text=text, meta=dict(meta))


def test_sections_levels_paths_and_anchors():
    lesson = parse_lesson(load_document(TINY))
    assert lesson.lesson_id == "tiny-lesson" and lesson.title == "Counting sheep in order"
    rows = [(s.level, s.anchor, s.name) for s in lesson.sections]
    assert rows[:4] == [
        (1, "counting-sheep-in-order", "Counting sheep in order"),
        (2, "the-running-tally", "Counting sheep in order > The running tally"),
        (3, "forgetting-the-colour",
         "Counting sheep in order > The running tally > Forgetting the colour"),
        (2, "fences-and-gates", "Counting sheep in order > Fences and gates"),
    ]  # fmt: skip
    tally = lesson.sections[1]
    assert tally.text.startswith("The tally is a single number") and "###" not in tally.text
    assert lesson.url(tally) == "/lessons/tiny-lesson#the-running-tally"
    assert lesson.url() == "/lessons/tiny-lesson"


def test_anchors_are_the_plugins_github_slugs_made_unique():
    sections = parse_sections(
        "# T\n\n## Notes\n\none\n\n## Notes\n\ntwo\n\n## Gates: what `h_t` keeps\n"
    )
    assert [s.anchor for s in sections] == ["t", "notes", "notes-1", "gates-what-h_t-keeps"]
    assert sections[3].title == "Gates: what h_t keeps" and sections[3].text == ""
    assert sections[3].heading == "Gates: what `h_t` keeps"
    assert slugify("What you’ll learn") == "what-youll-learn"


def test_only_real_headings_start_sections():
    text = (
        "Intro before any heading.\n\n## Code\n\n```python\n# not a heading\n```\n\n"
        "$$\n# not one either\n$$\n\n> ## Quoted\n\nSetext\n------\n\nbody\n"
    )
    sections = parse_sections(text, "Root")
    assert [(s.level, s.title, s.path) for s in sections] == [
        (0, "Root", ("Root",)),
        (2, "Code", ("Root", "Code")),
        (2, "Quoted", ("Root", "Quoted")),
        (2, "Setext", ("Root", "Setext")),
    ]
    assert "# not a heading" in sections[1].text and "# not one either" in sections[1].text


def test_a_whole_lesson_file_parses_without_its_front_matter():
    whole = parse_sections(TINY.read_text(encoding="utf-8"))
    body = parse_lesson(load_document(TINY)).sections
    assert whole == body


def test_cards_and_glossary_come_from_the_parse_and_fail_only_when_read():
    (lesson,) = load_lessons([TINY])
    assert [c.back for c in lesson.parsed.flashcards] == [
        "A single running tally.",
        "Only the count survives; other detail is dropped.",
    ]
    assert list(lesson.parsed.glossary) == ["tally", "gate"]
    bad = parse_lesson(_doc("# Bad\n\n## Flashcards\n\n- **Q:** lonely?\n", id="bad"))
    assert [c.section for c in chunk_document(_doc(bad.markdown, id="bad"))] == ["Bad > Flashcards"]
    with pytest.raises(IngestError, match=r"\*\*A:\*\*"):
        _ = bad.flashcards


def test_the_teaching_model_sits_beside_the_lesson():
    (lesson,) = load_lessons()
    model = lesson.parsed.teaching
    assert model is not None and model.lesson == lesson.id
    taught = {c.sections[0] for c in model.concepts if c.sections}
    titles = {s.title for s in lesson.parsed.sections}
    assert taught and taught <= titles  # every concept is taught under a real heading
    assert parse_lesson(load_document(TINY)).teaching is None
