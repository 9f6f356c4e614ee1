"""The offline brain: a tutor that answers without any LLM, as one package.

``make_offline_brain(embedder, lessons)`` builds it from what it knows, passed in:

- ``Lessons``: the lessons' text (sections, sentences, flashcards, glossary) and their
  teaching models, read from the configured index (``Lessons.from_index``) so that a
  lesson added with ``tutor index`` is one the brain can answer about;
- the embedding model, which every part uses to read learners' words.

Inside: ``intents`` (what the learner wants, from embedded examples), ``understand`` (a
question's type and concepts), ``planner`` (a table from intent to tool calls),
``replies`` with ``explain`` and ``compose`` (the reply from the tools' results), and
``lesson_terms`` (the lesson vocabulary that citations and definitions use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.offline.brain import OfflineBrain

__all__ = ["Lessons", "OfflineBrain", "make_offline_brain"]


@dataclass(frozen=True)
class Lessons:
    """The lessons the offline brain teaches: their Markdown and their teaching models."""

    markdown: str
    models: tuple[Any, ...]  # knowledge.teaching.TeachingModel
    flashcards: tuple[Any, ...] = ()
    glossary: dict[str, str] = field(default_factory=dict)

    @classmethod
    def bundled(cls) -> Lessons:
        """The lessons shipped in ``knowledge/lessons``."""
        from knowledge.ingest import bundled_lesson_paths
        from knowledge.lessons import load_flashcards, load_glossary
        from knowledge.loaders import load_document
        from knowledge.teaching import load_teaching_models

        paths = bundled_lesson_paths()
        return cls(  # each lesson's body, front matter left out (it is no section)
            markdown="\n\n".join(load_document(p).text for p in paths),
            models=tuple(load_teaching_models(paths)),
            flashcards=tuple(load_flashcards()),
            glossary=dict(load_glossary()),
        )

    @classmethod
    def from_index(cls, notes: Any, store: Any = None) -> Lessons:
        """The lessons in the configured index: the teaching models of every indexed lesson
        (``notes``, a ``knowledge.notes.NoteIndex``) and, beside the bundled lessons' text,
        the text of every other lesson in ``store`` (a ``knowledge.store.LessonStore``), as
        sections rebuilt from its chunks, so that the intent recogniser knows its topics."""
        bundled = cls.bundled()
        models = tuple(notes.teaching_models()) if notes is not None and notes.count() else ()
        extra = indexed_markdown(store) if store is not None else ""
        if not models and not extra:
            return bundled
        markdown = "\n\n".join(x for x in (bundled.markdown, extra) if x)
        return cls(markdown, models or bundled.models, bundled.flashcards, bundled.glossary)


def indexed_markdown(store: Any) -> str:
    """Markdown for the lessons in ``store`` that are not bundled: one heading per section
    (its last part) over the section's chunks in order."""
    from knowledge.ingest import bundled_lesson_paths

    bundled = {p.name for p in bundled_lesson_paths()}
    sections: dict[tuple[str, str], list[str]] = {}
    for chunk in store.all_chunks():  # (source, position) order
        if chunk.source not in bundled:
            key = (chunk.source, chunk.section.split(" > ")[-1].strip())
            sections.setdefault(key, []).append(chunk.text)
    return "\n\n".join(f"## {title}\n\n" + "\n\n".join(texts)
                         for (_, title), texts in sections.items())  # fmt: skip


def make_offline_brain(embedder: Any, lessons: Lessons, composer: Any = None) -> OfflineBrain:
    """The offline brain for ``lessons``, reading with ``embedder``. Pass ``composer`` to
    share one sentence-vector cache between brains over the same embedder."""
    from assistant.listening.tools import shared_listener
    from assistant.offline.compose import Composer
    from assistant.offline.intents import IntentRecognizer, lesson_anchors
    from assistant.offline.lesson_terms import lesson_terms
    from assistant.offline.understand import QuestionReader, english_words

    terms = lesson_terms()  # parse the lesson's terms, cards and sections now, not in a turn
    anchors = lesson_anchors(lessons.markdown, list(lessons.flashcards), lessons.glossary)
    english = english_words(getattr(embedder, "model_path", ""))
    return OfflineBrain(
        recognizer=IntentRecognizer(embedder, anchors),
        composer=composer if composer is not None else Composer(embedder, lessons.markdown),
        reader=QuestionReader(embedder, list(lessons.models), terms.vocabulary, english),
        listener=shared_listener(embedder, lessons.models),
    )
