"""Opening the lesson index: the store, a first build when it is empty, the retriever.

Every entry point that searches the lessons (``tutor search``, ``tutor eval retrieval``,
``make_tutor``, the server's start-up, the retrieval benchmark) calls
``open_index(settings, embedder)``: it opens the Chroma store the settings name, ingests
the bundled lessons when the store is empty (the first run on a machine) and returns an
``OpenedIndex``, the hybrid retriever over the store with the report of that ingest.
``refresh=True`` ingests the bundled lessons into a store that has chunks too
(incrementally: unchanged chunks are skipped; the server does it at every start, so an
edited bundled lesson is picked up). Ingesting lives in ``knowledge.ingest`` and
searching in ``knowledge.retrieval``; this module only puts them in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from knowledge.embeddings import Embedder
from knowledge.ingest import IngestReport, Progress, bundled_lesson_paths, ingest
from knowledge.retrieval import HybridRetriever, make_retriever
from knowledge.store import LessonStore, make_store


@dataclass(frozen=True)
class OpenedIndex:
    """The retriever over the opened store, and the report of what opening it ingested
    (None when the store already had chunks and was not refreshed)."""

    retriever: HybridRetriever
    report: IngestReport | None = None

    @property
    def store(self) -> LessonStore:
        return self.retriever.store


def open_index(
    settings: Settings,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    refresh: bool = False,
) -> OpenedIndex:
    """The retriever over ``settings``' store, building the index from the bundled
    lessons first when it is empty (or always, with ``refresh``); ``progress`` is
    ``ingest``'s callback and is called only when something is ingested."""
    store = make_store(settings, embedder)
    report = None
    if refresh or store.count() == 0:
        # never prune: chunks of lessons added with `tutor index FILE` stay in the index
        report = ingest(bundled_lesson_paths(), store, embedder, progress)
    return OpenedIndex(make_retriever(settings, embedder, store), report)
