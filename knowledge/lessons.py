"""The bundled lessons as data: front matter, flashcards and glossary.

``load_lessons()`` reads ``knowledge/lessons/*.md`` (or the paths given) into
``Lesson`` rows; ``load_flashcards()`` parses the list under each lesson's
``## Flashcards`` heading (``- **Q:** front`` then an indented ``**A:** back``) into
``Flashcard`` rows whose id hashes the lesson id and the front text, so reordering
cards keeps their review history; ``load_glossary()`` parses ``- **term**: definition``
items under ``## Glossary``. Malformed lessons raise ``IngestError`` naming the file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import IngestError
from knowledge.chunking import SEPARATOR, split_sections
from knowledge.loaders import Document, load_document

LESSONS_DIR = Path(__file__).resolve().parent / "lessons"

_QUESTION = re.compile(r"^\s*[-*+]\s+\*\*Q:\*\*\s*(.*)$")
_ANSWER = re.compile(r"^\s+\*\*A:\*\*\s*(.*)$")
_TERM = re.compile(r"^\s*[-*+]\s+\*\*(.+?)\*\*\s*:?\s*(.*)$")


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
        return f"/lessons/{self.id}"

    def sections(self) -> list[str]:
        """Every section path (``Title > Heading > Subheading``) with text, in order."""
        return [SEPARATOR.join(p) for p, _, _ in split_sections(self._document())]

    def _document(self) -> Document:
        return Document(source=self.path.name, path=self.path, text=self.body,
                        meta={"id": self.id, "title": self.title})  # fmt: skip


@dataclass(frozen=True)
class Flashcard:
    """A front/back review card taken from a lesson's Flashcards section."""

    id: str
    front: str
    back: str
    section: str


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


def _list_items(body: str, start: re.Pattern[str]) -> list[list[str]]:
    """Top-level list items (with their indented continuation lines) opened by ``start``."""
    items: list[list[str]] = []
    open_item = False
    for line in body.split("\n"):
        if start.match(line) and not line[:1].isspace():
            items.append([line])
            open_item = True
        elif open_item and line[:1].isspace() and line.strip():
            items[-1].append(line)
        elif line.strip():
            open_item = False  # unindented prose or another list ends the item
    return [item for item in items if item]


def _sections_named(lesson: Lesson, name: str) -> list[tuple[str, str]]:
    found = []
    for path, _, body in split_sections(lesson._document()):
        if any(part.strip().lower() == name for part in path[1:]):
            found.append((SEPARATOR.join(path), body))
    return found


def load_flashcards(lessons: Sequence[Lesson] | None = None) -> list[Flashcard]:
    """Every flashcard of every lesson, in lesson order."""
    cards: list[Flashcard] = []
    for lesson in load_lessons() if lessons is None else lessons:
        for section, body in _sections_named(lesson, "flashcards"):
            for item in _list_items(body, _QUESTION):
                front = [_QUESTION.match(item[0]).group(1)]  # type: ignore[union-attr]
                back: list[str] = []
                for line in item[1:]:
                    answer = _ANSWER.match(line)
                    if answer:
                        back.append(answer.group(1))
                    else:
                        (back if back else front).append(line.strip())
                front_text, back_text = " ".join(front).strip(), " ".join(back).strip()
                if not front_text or not back_text:
                    raise IngestError(
                        f"{lesson.path}: the flashcard {front_text or item[0].strip()!r} has no "
                        "**A:** line; write it as '- **Q:** front' then '  **A:** back'."
                    )
                digest = hashlib.sha256(f"{lesson.id}\x1f{front_text}".encode()).hexdigest()
                cards.append(
                    Flashcard(f"{lesson.id}-{digest[:10]}", front_text, back_text, section)
                )
    return cards


def load_glossary(lessons: Sequence[Lesson] | None = None) -> dict[str, str]:
    """Term -> definition from every lesson's Glossary section."""
    glossary: dict[str, str] = {}
    for lesson in load_lessons() if lessons is None else lessons:
        for _, body in _sections_named(lesson, "glossary"):
            for item in _list_items(body, _TERM):
                match = _TERM.match(item[0])
                assert match is not None
                term = match.group(1).strip().rstrip(":").strip()
                definition = " ".join([match.group(2), *(ln.strip() for ln in item[1:])]).strip()
                if not definition:
                    raise IngestError(
                        f"{lesson.path}: the glossary term {term!r} has no definition; write "
                        "it as '- **term**: definition'."
                    )
                glossary[term] = definition
    return glossary
