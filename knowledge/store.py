"""The lesson vector store: one Chroma collection of chunks with their metadata.

``make_store(settings, embedder)`` opens an embedded ``PersistentClient`` in
``settings.chroma_path``, or an ``HttpClient`` when ``settings.chroma_url`` is set (so
several tutor processes can share one Chroma server). Telemetry is off, the space is
cosine, and vectors are always passed in explicitly; the collection also carries our
own embedding function so nothing ever falls back to Chroma's default model.
``LessonStore`` hides Chroma's column-oriented results behind ``StoredChunk`` rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from core.errors import ConfigError, IndexNotReady, IndexUnavailable
from core.settings import Settings

if TYPE_CHECKING:
    from knowledge.chunking import Chunk
    from knowledge.embeddings import Embedder

RECIPE = "section-prefix-v1"  # how chunks are embedded; a change forces a re-embed


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store."""

    chunk_id: str
    text: str
    source: str
    section: str
    anchor: str
    url: str | None
    position: int
    content_hash: str
    title: str
    recipe: str = RECIPE


def _why(exc: Exception) -> str:
    """An exception's message, or its type when it has none (a timeout, a refused route)."""
    return str(exc).strip() or type(exc).__name__


def _metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "source": chunk.source,
        "section": chunk.section,
        "anchor": chunk.anchor,
        "url": chunk.url or "",  # Chroma metadata cannot hold None
        "position": chunk.position,
        "content_hash": chunk.content_hash,
        "title": chunk.title,
        "recipe": RECIPE,
    }


def _row(chunk_id: str, text: str | None, meta: dict[str, Any] | None) -> StoredChunk:
    meta = meta or {}
    return StoredChunk(
        chunk_id=chunk_id,
        text=text or "",
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        anchor=str(meta.get("anchor", "")),
        url=str(meta["url"]) if meta.get("url") else None,
        position=int(meta.get("position", 0)),
        content_hash=str(meta.get("content_hash", "")),
        title=str(meta.get("title", "")),
        recipe=str(meta.get("recipe", "")),
    )


class LessonStore:
    """Chunks in a Chroma collection: read all, upsert with vectors, delete, query."""

    def __init__(self, client: Any, collection: Any, location: str) -> None:
        self.client = client
        self.collection = collection
        self.location = location

    def count(self) -> int:
        return int(self.collection.count())

    def all_chunks(self) -> list[StoredChunk]:
        """Every stored chunk, in (source, position) order."""
        got = self.collection.get(include=["documents", "metadatas"])
        rows = [
            _row(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(rows, key=lambda r: (r.source, r.position))

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors for ``ids`` (used to reuse embeddings of moved chunks)."""
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        step = max(1, int(self.client.get_max_batch_size()))
        for start in range(0, len(chunks), step):
            part = chunks[start : start + step]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
                embeddings=vectors[start : start + step],
            )

    def delete(self, ids: list[str]) -> None:
        step = max(1, int(self.client.get_max_batch_size()))
        for start in range(0, len(ids), step):
            self.collection.delete(ids=ids[start : start + step])

    def rows(self, ids: list[str]) -> list[StoredChunk]:
        """The chunks with these ids (missing ids are skipped), in the order given."""
        if not ids:
            return []
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        found = {
            i: _row(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [found[i] for i in ids if i in found]

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``n`` nearest chunks, best first.

        Only ids and distances come back: callers hold the chunk rows already (the
        retriever's snapshot), which saves a third of the query time."""
        if n <= 0:
            return []
        got = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            include=["distances"],
        )
        return [
            (i, 1.0 - float(dist))
            for i, dist in zip(got["ids"][0], got["distances"][0], strict=True)
        ]


def _open_client(settings: Settings) -> tuple[Any, str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"TUTOR_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL; "
                "use e.g. http://127.0.0.1:8001 or leave it empty for the embedded store."
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:  # connection refused, wrong server, ...
            raise IndexNotReady(
                f"cannot reach the Chroma server at {settings.chroma_url} ({_why(exc)}); start it "
                "(`chroma run`) or unset TUTOR_CHROMA_URL."
            ) from exc
        return client, settings.chroma_url
    path = settings.chroma_path
    if path.exists() and not path.is_dir():
        raise IndexUnavailable(
            f"{path}: the Chroma directory is a file; remove it or set TUTOR_DATA_DIR elsewhere."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnavailable(
            f"{path}: cannot create the Chroma directory ({exc.strerror}); "
            "set TUTOR_DATA_DIR to a writable folder."
        ) from exc
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise IndexUnavailable(
            f"{path}: the Chroma directory is not readable and writable; fix its permissions."
        )
    try:
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # corrupt sqlite file, incompatible version, ...
        raise IndexUnavailable(
            f"{path}: the Chroma directory cannot be opened ({_why(exc)}); delete it and run "
            "`tutor index` to rebuild the index."
        ) from exc
    return client, str(path)


def make_store(settings: Settings, embedder: Embedder) -> LessonStore:
    """Open (creating if needed) the lesson collection described by ``settings``."""
    from chromadb.utils.embedding_functions import register_embedding_function

    function = embedder.chroma_function()
    # lets Chroma rebuild it from config; chromadb leaves this function unannotated
    register_embedding_function(type(function))  # type: ignore[no-untyped-call]
    client, location = _open_client(settings)
    try:
        collection = client.get_or_create_collection(
            settings.collection,
            embedding_function=function,
            configuration={"hnsw": {"space": "cosine"}},
        )
    except Exception as exc:
        raise IndexUnavailable(
            f"{location}: cannot open the Chroma collection {settings.collection!r} ({_why(exc)}); "
            "delete the Chroma directory (or collection) and run `tutor index` again."
        ) from exc
    return LessonStore(client, collection, location)
