"""The bundled lessons as data: front matter, flashcards and glossary.

``load_lessons()`` reads ``knowledge/lessons/*.md`` (or the paths given) into
``Lesson`` rows; each row's ``parsed`` is its ``knowledge.parsed.ParsedLesson``, the one
parse of its headings, flashcards and glossary. ``load_flashcards()`` gathers the cards
under each lesson's ``## Flashcards`` heading (``- **Q:** front`` then an indented
``**A:** back``), whose ids hash the lesson id and the front text, so reordering cards
keeps their review history; ``load_glossary()`` the ``- **term**: definition`` items
under ``## Glossary``. Malformed lessons raise ``IngestError`` naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from core.errors import IngestError
from knowledge.loaders import Document, load_document
from knowledge.parsed import Flashcard, ParsedLesson, lesson_url, parse_lesson

__all__ = ["LESSONS_DIR", "Flashcard", "Lesson", "bundled_paths", "load_flashcards",
           "load_glossary", "load_lessons"]  # fmt: skip

LESSONS_DIR = Path(__file__).resolve().parent / "lessons"


@dataclass(frozen=True)
class Lesson:
    """One lesson file: its front matter and Markdown body."""

    id: str
    title: str
    track: str
    order: int
    summary: str
    path: Path
    body: str

    @property
    def url(self) -> str:
        return lesson_url(self.id)

    def sections(self) -> list[str]:
        """Every section path (``Title > Heading > Subheading``) with text, in order."""
        return [s.name for s in self.parsed.sections if s.text]

    @cached_property
    def parsed(self) -> ParsedLesson:
        """The lesson's sections, flashcards, glossary and teaching model, parsed once."""
        doc = Document(source=self.path.name, path=self.path, text=self.body,
                       meta={"id": self.id, "title": self.title})  # fmt: skip
        return parse_lesson(doc)


def bundled_paths() -> list[Path]:
    return sorted(LESSONS_DIR.glob("*.md"))


def load_lessons(paths: Sequence[Path] | None = None) -> list[Lesson]:
    """Lessons from ``paths`` (default: the bundled ones), ordered by track and order."""
    lessons = []
    for path in bundled_paths() if paths is None else [Path(p) for p in paths]:
        doc = load_document(path)
        missing = [key for key in ("id", "title") if not doc.meta.get(key)]
        if missing:
            raise IngestError(
                f"{path}: the front matter lacks {', '.join(missing)}; every lesson needs "
                "id, title, track, order and summary."
            )
        try:
            order = int(doc.meta.get("order", 0))
        except (TypeError, ValueError) as exc:
            raise IngestError(f"{path}: front matter 'order' must be a whole number.") from exc
        lessons.append(
            Lesson(
                id=str(doc.meta["id"]),
                title=str(doc.meta["title"]),
                track=str(doc.meta.get("track", "")),
                order=order,
                summary=str(doc.meta.get("summary", "")).strip(),
                path=path,
                body=doc.text,
            )
        )
    return sorted(lessons, key=lambda lesson: (lesson.track, lesson.order, lesson.id))


def load_flashcards(lessons: Sequence[Lesson] | None = None) -> list[Flashcard]:
    """Every flashcard of every lesson, in lesson order."""
    lessons = load_lessons() if lessons is None else lessons
    return [card for lesson in lessons for card in lesson.parsed.flashcards]


def load_glossary(lessons: Sequence[Lesson] | None = None) -> dict[str, str]:
    """Term -> definition from every lesson's Glossary section."""
    glossary: dict[str, str] = {}
    for lesson in load_lessons() if lessons is None else lessons:
        glossary.update(lesson.parsed.glossary)
    return glossary
