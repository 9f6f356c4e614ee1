"""Incremental ingest: lesson files -> chunks -> embeddings -> the Chroma store.

``ingest(paths, store, embedder)`` reads and validates every file before it writes
anything, so a bad file leaves the previous index untouched. It then compares each
chunk's content hash with what the store holds: unchanged chunks are skipped, chunks
whose text already exists elsewhere in the store reuse that vector, and only truly new
text is embedded. Chunks of the ingested sources that no longer exist are deleted
(with ``prune=True``, chunks of every other source too). Each lesson's teaching model
(``<id>.teaching.yaml`` beside it) is checked with the files and its notes are indexed in
their own collection (``knowledge.notes``). The ``IngestReport`` says
what happened, including ``embedded == 0`` on an unchanged re-index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import IngestError, InvalidInput
from knowledge.chunking import Chunk, chunk_document
from knowledge.embeddings import BATCH_SIZE, Embedder
from knowledge.lessons import bundled_paths
from knowledge.loaders import load_documents
from knowledge.notes import index_notes, notes_beside
from knowledge.store import RECIPE, LessonStore, StoredChunk
from knowledge.teaching import load_teaching_models

# progress(stage, done, total); stages: "read", "embed", "write"
Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """Counts of one ingest run (chunks, except ``files``)."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    files: int = 0
    chunks: int = 0
    seconds: float = 0.0
    notes: int = 0  # teaching notes of the lessons' teaching models
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        head = (
            f"{self.files} file(s), {self.chunks} chunks: {self.added} added, "
            f"{self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged"
        )
        if self.notes:
            head += f"; {self.notes} teaching notes"
        if self.embedded == 0:
            return f"{head}; embedded nothing (the index was already up to date)."
        return f"{head}; embedded {self.embedded} chunk(s) in {self.seconds:.1f} s."


def bundled_lesson_paths() -> list[Path]:
    """The lesson Markdown files shipped in ``knowledge/lessons/``."""
    return bundled_paths()


def _same_metadata(old: StoredChunk, new: Chunk) -> bool:
    return (old.text, old.section, old.anchor, old.url, old.position, old.title, old.source) == (
        new.text,
        new.section,
        new.anchor,
        new.url,
        new.position,
        new.title,
        new.source,
    )


def _embed(chunks: list[Chunk], embedder: Embedder, progress: Progress | None) -> np.ndarray:
    parts = []
    for start in range(0, len(chunks), BATCH_SIZE):
        batch = chunks[start : start + BATCH_SIZE]
        parts.append(embedder.embed([c.embedding_text for c in batch]))
        if progress:
            progress("embed", min(start + BATCH_SIZE, len(chunks)), len(chunks))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dimensions), np.float32)


def ingest(
    paths: Sequence[Path | str],
    store: LessonStore,
    embedder: Embedder,
    progress: Progress | None = None,
    *,
    prune: bool = False,
) -> IngestReport:
    """Bring the store in line with ``paths`` (files or folders), embedding only new text."""
    started = time.perf_counter()
    if not paths:
        raise IngestError("nothing to index: give lesson files or folders (or add lessons).")
    docs = load_documents([Path(p) for p in paths])
    try:  # checked before anything is written, like the lesson files
        models = load_teaching_models(d.path for d in docs)
    except InvalidInput as exc:
        raise IngestError(str(exc)) from exc
    chunks: list[Chunk] = []
    for i, doc in enumerate(docs, 1):
        doc_chunks = chunk_document(doc)
        if not doc_chunks:
            raise IngestError(f"{doc.path}: holds headings but no text; add text under them.")
        chunks.extend(doc_chunks)
        if progress:
            progress("read", i, len(docs))

    try:
        existing = {row.chunk_id: row for row in store.all_chunks()}
    except Exception as exc:  # the store is unreadable: say where, keep the old files
        raise IngestError(f"{store.location}: cannot read the index ({exc}).") from exc
    by_hash = {row.content_hash: row.chunk_id for row in existing.values() if row.recipe == RECIPE}
    report = IngestReport(files=len(docs), chunks=len(chunks), sources=[d.source for d in docs])

    to_write: list[Chunk] = []
    to_embed: list[Chunk] = []
    reuse: dict[str, str] = {}  # new chunk id -> stored id whose vector it can reuse
    for chunk in chunks:
        old = existing.get(chunk.chunk_id)
        if old is None:
            report.added += 1
        elif old.content_hash == chunk.content_hash and old.recipe == RECIPE:
            if _same_metadata(old, chunk):
                report.unchanged += 1
                continue
            report.updated += 1
        else:
            report.updated += 1
        to_write.append(chunk)
        if chunk.content_hash in by_hash:
            reuse[chunk.chunk_id] = by_hash[chunk.content_hash]
        else:
            to_embed.append(chunk)

    keep = {c.chunk_id for c in chunks}
    scope = set(report.sources)
    stale = [
        cid for cid, row in existing.items() if cid not in keep and (prune or row.source in scope)
    ]
    report.deleted = len(stale)

    fresh = _embed(to_embed, embedder, progress)
    report.embedded = len(to_embed)
    vectors = dict(zip((c.chunk_id for c in to_embed), fresh, strict=True))
    stored = store.embeddings(sorted(set(reuse.values())))
    for new_id, old_id in reuse.items():
        vectors[new_id] = stored[old_id]
    try:
        if to_write:
            store.upsert(to_write, np.stack([vectors[c.chunk_id] for c in to_write]))
            if progress:
                progress("write", len(to_write), len(to_write))
        store.delete(
            stale
        )  # after the upsert: a failure in between leaves extra, not missing, text
    except Exception as exc:  # Chroma server gone, disk full, ...
        raise IngestError(
            f"{store.location}: writing the index failed ({exc}); fix the cause and run "
            "`tutor index` again (unchanged chunks will be skipped)."
        ) from exc
    try:  # the lessons' teaching notes, in their own collection beside the chunks
        notes = index_notes(models, notes_beside(store, embedder), embedder, prune=prune)
    except Exception as exc:  # Chroma server gone, disk full, ...
        raise IngestError(
            f"{store.location}: writing the teaching notes failed ({exc}); fix the cause and "
            "run `tutor index` again."
        ) from exc
    report.notes = notes["notes"]
    report.seconds = time.perf_counter() - started
    return report
