"""Lessons, flashcards and glossary load from the bundled lesson and from fixtures."""

from __future__ import annotations

import pytest

from core.errors import IngestError
from knowledge.lessons import load_flashcards, load_glossary, load_lessons
from tests.knowledge.conftest import FIXTURES

TINY = FIXTURES / "lessons" / "tiny-lesson.md"


def test_bundled_lesson_front_matter():
    (lesson,) = load_lessons()
    assert lesson.id == "why-sequences-need-memory"
    assert lesson.title == "Why sequences need memory"
    assert lesson.order == 2 and lesson.summary
    assert lesson.url == "/lessons/why-sequences-need-memory"
    assert "Why sequences need memory > Where memory fades" in lesson.sections()


def test_bundled_flashcards_and_glossary():
    cards = load_flashcards()
    assert len(cards) >= 15
    assert len({c.id for c in cards}) == len(cards)
    assert all(c.front.strip() and c.back.strip() for c in cards)
    assert all(c.section == "Why sequences need memory > Flashcards" for c in cards)
    assert not any("**" in c.front or "**" in c.back for c in cards)
    glossary = load_glossary()
    assert len(glossary) >= 10
    assert "hidden state" in glossary and "gradient clipping" in glossary


def test_fixture_cards_terms_and_stable_ids(tmp_path):
    lessons = load_lessons([TINY])
    cards = load_flashcards(lessons)
    assert [(c.front, c.back) for c in cards] == [
        ("What does the shepherd carry from one sheep to the next?", "A single running tally."),
        (
            "Why can she not recall the colour of the third sheep?",
            "Only the count survives; other detail is dropped.",
        ),
    ]
    assert load_glossary(lessons) == {
        "tally": "a running count kept while reading items one by one.",
        "gate": "something that lets part of a flow through and holds back the rest.",
    }
    # reordering cards keeps each card's id (review history follows the card)
    text = TINY.read_text()
    q1 = "- **Q:** What does the shepherd carry"
    block1 = text[text.index(q1) : text.index("- **Q:** Why can she")]
    swapped = tmp_path / "tiny-lesson.md"
    swapped.write_text(text.replace(block1, "").replace("## Glossary", block1 + "\n## Glossary"))
    swapped_cards = load_flashcards(load_lessons([swapped]))
    assert {c.id for c in swapped_cards} == {c.id for c in cards}


def test_card_without_answer_and_lesson_without_id(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: bad\ntitle: Bad\n---\n# Bad\n\n## Flashcards\n\n- **Q:** lonely?\n")
    with pytest.raises(IngestError, match=r"bad\.md.*\*\*A:\*\*"):
        load_flashcards(load_lessons([bad]))
    noid = tmp_path / "noid.md"
    noid.write_text("---\ntitle: No id\n---\n# No id\n\ntext\n")
    with pytest.raises(IngestError, match="lacks id"):
        load_lessons([noid])
