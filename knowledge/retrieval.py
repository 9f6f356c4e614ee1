"""Hybrid lesson search: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion.

``make_retriever(settings, embedder, store)`` returns a ``HybridRetriever``.
``search(query, k, mode)`` returns ``Passage`` rows, best first: in ``"hybrid"`` mode
the score is the RRF score ``sum(1 / (60 + rank))`` over the dense and the BM25 lists,
in ``"dense"`` mode the cosine similarity, in ``"bm25"`` mode the BM25 score.
Near-identical passages (the same text indexed twice, e.g. a scraped page beside the
lesson) are returned once; review sections (Flashcards, Glossary) get 0.97x the fused
score so the teaching section ranks first. The BM25 index is built from the store's chunks on first
use, rebuilt by ``refresh()`` and whenever the store's chunk count changes (another
process re-indexed; checked every few seconds); ``as_langchain()`` wraps the retriever for LangChain.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from threading import Lock
from typing import TYPE_CHECKING, Any

from core.errors import IndexNotReady, InvalidInput, LimitExceeded
from core.limits import MAX_MESSAGE_CHARS
from core.settings import Settings
from knowledge.embeddings import Embedder
from knowledge.lexical import LexicalIndex, document_tokens
from knowledge.store import LessonStore, StoredChunk

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60
MAX_K = 50
MAX_QUERY_CHARS = MAX_MESSAGE_CHARS  # the tutor searches with the learner's whole message
NEAR_DUPLICATE = 0.9  # Jaccard similarity of word sets above which two passages are one
# Flashcards and glossary restate the whole lesson in one-line cards, so they match many
# questions loosely; in hybrid mode they rank below the sections that teach the idea,
# unless the query asks for them by name ("quiz me with flashcards", "glossary", "define").
REVIEW_SECTIONS = frozenset({"flashcards", "glossary"})
REVIEW_WEIGHT = 0.9  # about six places lower in an RRF list (1/61 vs 1/67)
NAMES_REVIEW = re.compile(r"flash\s*cards?|glossary|defin|\bterms?\b|vocab", re.I)
# Another process (the indexer, another instance) may change the shared index: at most
# this often a search compares the store's chunk count with the BM25 snapshot's.
STALE_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of a lesson, with where it came from and how well it matched."""

    text: str
    source: str
    section: str
    url: str | None
    score: float
    chunk_id: str
    anchor: str

    def to_dict(self) -> dict[str, Any]:
        """The ``GET /v1/search`` result shape (plus url, chunk_id and anchor)."""
        return asdict(self)


@dataclass(frozen=True)
class _Snapshot:
    rows: list[StoredChunk]
    lexical: LexicalIndex
    by_id: dict[str, StoredChunk]


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE


class HybridRetriever:
    """Searches one LessonStore; cheap to call from many threads."""

    def __init__(self, store: LessonStore, embedder: Embedder, rrf_k: int = RRF_K) -> None:
        self.store = store
        self.embedder = embedder
        self.rrf_k = rrf_k
        self._snapshot: _Snapshot | None = None
        self._checked = 0.0  # time.monotonic() of the last staleness check
        self._lock = Lock()
        self.notes: Any = None  # knowledge.notes.NoteIndex beside the store, if opened

    def refresh(self) -> int:
        """Re-read every chunk from the store and rebuild BM25; returns the chunk count."""
        rows = self.store.all_chunks()
        lexical = LexicalIndex([document_tokens(r.title, r.section, r.text) for r in rows])
        self._snapshot = _Snapshot(rows, lexical, {r.chunk_id: r for r in rows})
        return len(rows)

    def _current(self) -> _Snapshot:
        if self._snapshot is None or time.monotonic() - self._checked > STALE_CHECK_SECONDS:
            with self._lock:
                due = time.monotonic() - self._checked > STALE_CHECK_SECONDS
                if self._snapshot is None or (
                    due and self.store.count() != len(self._snapshot.rows)
                ):
                    self.refresh()
                self._checked = time.monotonic()
        snapshot = self._snapshot
        assert snapshot is not None
        if not snapshot.rows:
            raise IndexNotReady("the lesson index is empty; run `tutor index` to build it.")
        return snapshot

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Passage]:
        """The ``k`` best passages for ``query``; ``mode`` is hybrid, dense or bm25."""
        query = _check(query, k, mode)
        snapshot = self._current()
        pool = max(20, 4 * k)
        ranked: dict[str, float] = {}
        rows: dict[str, StoredChunk] = {}
        if mode in ("dense", "hybrid"):
            hits = self.store.query(self.embedder.embed_one(query), min(pool, len(snapshot.rows)))
            rows.update(self._rows_for([cid for cid, _ in hits], snapshot))
            for rank, (cid, similarity) in enumerate(hits, 1):
                if cid in rows:
                    ranked[cid] = similarity if mode == "dense" else 1.0 / (self.rrf_k + rank)
        if mode in ("bm25", "hybrid"):
            for rank, (index, score) in enumerate(snapshot.lexical.top(query, pool), 1):
                row = snapshot.rows[index]
                rows.setdefault(row.chunk_id, row)
                gain = score if mode == "bm25" else 1.0 / (self.rrf_k + rank)
                ranked[row.chunk_id] = ranked.get(row.chunk_id, 0.0) + gain
        if mode == "hybrid" and not NAMES_REVIEW.search(query):
            for cid in ranked:
                if rows[cid].title.strip().lower() in REVIEW_SECTIONS:
                    ranked[cid] *= REVIEW_WEIGHT
        order = sorted(ranked, key=lambda cid: (-ranked[cid], rows[cid].source, rows[cid].position))
        return _dedupe([(rows[cid], ranked[cid]) for cid in order], k)

    def _rows_for(self, ids: list[str], snapshot: _Snapshot) -> dict[str, StoredChunk]:
        """Rows for dense hits; ids unknown to the snapshot (another process re-indexed
        since the last refresh) are read from the store."""
        found = {cid: snapshot.by_id[cid] for cid in ids if cid in snapshot.by_id}
        missing = [cid for cid in ids if cid not in found]
        found.update({row.chunk_id: row for row in self.store.rows(missing)})
        return found

    def as_langchain(self, k: int = 5, mode: str = "hybrid") -> BaseRetriever:
        """A LangChain ``BaseRetriever`` whose Documents carry the passage metadata."""
        from knowledge.lc_retriever import LessonRetriever

        _check("probe", k, mode)
        return LessonRetriever(retriever=self, k=k, mode=mode)


def _check(query: str, k: int, mode: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("the search query is empty; type a question or a few keywords.")
    if len(query) > MAX_QUERY_CHARS:
        raise LimitExceeded(
            f"the search query has {len(query)} characters; keep it under {MAX_QUERY_CHARS}."
        )
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise LimitExceeded(f"k must be a whole number from 1 to {MAX_K}, got {k!r}.")
    if mode not in MODES:
        raise InvalidInput(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}.")
    return query.strip()


def _dedupe(scored: list[tuple[StoredChunk, float]], k: int) -> list[Passage]:
    kept: list[Passage] = []
    seen: list[frozenset[str]] = []
    for row, score in scored:
        words = _words(row.text)
        if any(_near_duplicate(words, other) for other in seen):
            continue
        seen.append(words)
        kept.append(
            Passage(
                text=row.text,
                source=row.source,
                section=row.section,
                url=row.url,
                score=float(score),
                chunk_id=row.chunk_id,
                anchor=row.anchor,
            )
        )
        if len(kept) == k:
            break
    return kept


def make_retriever(settings: Settings, embedder: Embedder, store: LessonStore) -> HybridRetriever:
    """The retriever over ``store``; BM25 is built lazily on the first search."""
    del settings  # reserved for tuning knobs; the signature is the internals.md contract
    from knowledge.notes import notes_beside

    retriever = HybridRetriever(store, embedder)
    retriever.notes = notes_beside(store, embedder)  # the teaching notes beside the chunks
    return retriever
