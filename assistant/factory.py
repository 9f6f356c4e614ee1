"""Building the tutor: ``make_brain`` picks the chat model, ``make_tutor`` wires the rest.

``make_tutor(settings, embedder=None, retriever=None, sessions=None)`` builds whatever is
not passed in (the embedding model, the Chroma store and hybrid retriever, ingesting the
bundled lesson when the index is empty, the session store), the brain named by
``settings.model``, the tools and the agent loop. Provider problems surface here as
``ConfigError``/``ModelUnavailable``, never in the middle of a chat.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from assistant.agent import build_agent
from assistant.offline.compose import Composer
from assistant.tools import make_tools
from assistant.tutor import Tutor
from core.settings import Settings

OFFLINE = "offline"
_COMPOSERS: weakref.WeakKeyDictionary[Any, Composer] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def shared_composer(embedder: Any) -> Composer:
    """One composer (and sentence-vector cache) per embedder object, shared by the brains
    built over it, so the lesson's sentences are embedded once per process."""
    from assistant.offline import Lessons

    with _LOCK:
        composer = _COMPOSERS.get(embedder)
        if composer is None:
            composer = _COMPOSERS[embedder] = Composer(embedder, Lessons.bundled().markdown)
        return composer


def shared_recognizer(embedder: Any) -> Any:
    """An intent recogniser over the bundled lessons (tests of the recogniser alone)."""
    from assistant.offline import Lessons
    from assistant.offline.intents import IntentRecognizer, lesson_anchors

    lessons = Lessons.bundled()
    anchors = lesson_anchors(lessons.markdown, list(lessons.flashcards), lessons.glossary)
    return IntentRecognizer(embedder, anchors)


def offline_brain(embedder: Any, notes: Any = None, store: Any = None) -> Any:
    """The offline brain over the lessons in the index (``notes``, a
    ``knowledge.notes.NoteIndex``, and the chunks in ``store``), else the bundled lessons."""
    from assistant.offline import Lessons, make_offline_brain

    lessons = Lessons.from_index(notes, store)
    return make_offline_brain(embedder, lessons, composer=shared_composer(embedder))


def make_brain(
    settings: Settings, embedder: Any = None, notes: Any = None, store: Any = None
) -> Any:
    """The chat model for ``settings.model``: 'offline' or an ``init_chat_model`` string.
    The offline brain reads questions against the teaching models in ``notes``."""
    name = (settings.model or OFFLINE).strip()
    if name.lower() == OFFLINE:
        if embedder is None:
            from knowledge.embeddings import make_embedder

            embedder = make_embedder(settings)
        brain = offline_brain(embedder, notes, store)
        if settings.warm_up:
            brain.composer.warm_in_background()
        return brain
    from assistant.brains.llm import make_llm

    return make_llm(settings)


def make_tutor(
    settings: Settings,
    embedder: Any = None,
    retriever: Any = None,
    sessions: Any = None,
    brain: Any = None,
) -> Tutor:
    """A ready ``Tutor``. Pass ``brain`` (a chat model) to override ``settings.model`` (tests)."""
    if brain is None and (settings.model or OFFLINE).strip().lower() != OFFLINE:
        brain = make_brain(settings)  # fail fast on a bad provider, before loading anything
    if embedder is None and (retriever is None or brain is None):
        from knowledge.embeddings import make_embedder

        embedder = make_embedder(settings)
    if retriever is None:
        from knowledge.index import open_index

        retriever = open_index(settings, embedder).retriever
    if brain is None:
        brain = make_brain(
            settings, embedder, getattr(retriever, "notes", None), getattr(retriever, "store", None)
        )
    if sessions is None:
        from assistant.store import make_session_store

        sessions = make_session_store(settings)
    agent = build_agent(brain, make_tools(retriever, warm=settings.warm_up))
    name = OFFLINE if getattr(brain, "reads_turn_context", False) else settings.model
    return Tutor(agent, sessions, brain=name)
