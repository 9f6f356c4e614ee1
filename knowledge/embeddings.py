"""Sentence embeddings with all-MiniLM-L6-v2, loaded from a local path (never the hub).

``make_embedder(settings)`` returns an ``Embedder``: ``embed(texts)`` gives an
``(n, 384)`` float32 array of L2-normalised rows, computed in batches of 32;
``embed_one(text)`` embeds a single query through a small LRU cache (a cachetools
``LRUCache`` behind a lock: learners repeat questions, and the tutor asks the same
lesson queries often); ``embed_remembered`` keeps the fixed texts of every start-up in
an on-disk cache. The model itself is loaded once per process per path and shared by
every Embedder. ``chroma_function()`` adapts the embedder to Chroma 1.x's
``EmbeddingFunction`` protocol so a collection never falls back to Chroma's default
(downloading) embedder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
from cachetools import LRUCache
from chromadb.api.types import EmbeddingFunction, Space

from core.errors import InvalidInput
from core.settings import Settings, get_settings
from knowledge.minilm import SentenceModel
from knowledge.vector_cache import DiskVectorCache, text_key

DIMENSIONS = 384
BATCH_SIZE = 32
QUERY_CACHE_SIZE = 2048
SMALL_BATCH = 4


@lru_cache(maxsize=4)
def _load_model(path: str, cache_dir: Path | None = None) -> SentenceModel:
    """One model per path per process, shared by every Embedder."""
    return SentenceModel(path, cache_dir)


class Embedder:
    """Turns texts into normalised vectors; thread-safe, one shared model."""

    def __init__(
        self,
        model: SentenceModel,
        model_path: str,
        cache_size: int = QUERY_CACHE_SIZE,
        disk_cache: DiskVectorCache | None = None,
    ) -> None:
        self._model = model
        self._disk = disk_cache
        self.computed = 0  # texts the model actually embedded (the rest came from caches)
        self.model_path = model_path
        self.dimensions = DIMENSIONS
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._lock = Lock()
        self._cache_lock = Lock()  # cachetools caches are not thread-safe; a hit reorders
        self._fast = model.fast

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, each row of unit length."""
        if isinstance(texts, str):
            raise InvalidInput("embed() takes a list of texts; use embed_one() for one text.")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if not all(isinstance(t, str) for t in texts):
            raise InvalidInput("embed() takes strings only.")
        return self._compute(texts)

    def lookup(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors for those ``texts`` already on disk (nothing is computed)."""
        if self._disk is None:
            return {}
        keys = {text_key(self.model_path, t): t for t in texts}
        return {keys[k]: v for k, v in self._disk.get_many(list(keys)).items()}

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        """Keep vectors computed elsewhere (e.g. in small batches) for the next start."""
        if self._disk is not None and len(texts):
            self._disk.put_many(
                {text_key(self.model_path, t): v for t, v in zip(texts, vectors, strict=True)}
            )
            self._disk.flush()

    def embed_remembered(self, texts: list[str]) -> np.ndarray:
        """Like ``embed``, for the fixed texts every start needs (intent examples, lesson
        anchors): vectors are read from and written to the on-disk cache, so a restart
        embeds nothing. Lesson chunks don't need it: Chroma keeps their vectors."""
        texts = list(texts)
        if self._disk is None or not texts:
            return self.embed(texts)
        keys = [text_key(self.model_path, t) for t in texts]
        known = self._disk.get_many(keys)
        # each missing text once: a list may repeat one (a correction per phrasing)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in known:
                first.setdefault(k, i)
        missing = list(first.values())
        if missing:
            fresh = self.embed([texts[i] for i in missing])
            added = {keys[i]: fresh[j] for j, i in enumerate(missing)}
            self._disk.put_many(added)
            self._disk.flush()
            known.update(added)
        return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)

    def _compute(self, texts: list[str]) -> np.ndarray:
        self.computed += len(texts)
        if self._fast and len(texts) <= SMALL_BATCH:
            # ONNX Runtime sessions are thread-safe and release the GIL: no lock, so two
            # learners' queries use both cores
            vectors = self._model.encode_queries(texts)
        else:
            with self._lock:  # torch's thread pool is process-wide: one batch at a time
                vectors = self._model.encode(
                    texts,
                    batch_size=BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        """One ``(384,)`` vector, served from the query cache when seen before."""
        if not isinstance(text, str):
            raise InvalidInput("embed_one() takes a string.")
        with self._cache_lock:
            cached = self._cache.get(text)
        if cached is not None:
            return cached
        vector: np.ndarray = self.embed([text])[0]  # (384,); numpy types a row as Any
        vector.setflags(write=False)
        if self._cache.maxsize:  # cache_size=0 turns the cache off (LRUCache would refuse)
            with self._cache_lock:
                self._cache[text] = vector
        return vector

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks use it to time real embeddings)."""
        with self._cache_lock:
            self._cache.clear()

    def chroma_function(self) -> TutorEmbeddingFunction:
        return TutorEmbeddingFunction(embedder=self)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder for ``settings``; the model is loaded at most once per process."""
    path = settings.resolved_embedding_model_path()
    digest = text_key(path, "")[:12]
    disk = DiskVectorCache(settings.data_dir / "cache" / f"vectors-{digest}.npz", DIMENSIONS)
    return Embedder(_load_model(path, settings.resolved_model_cache_dir), path, disk_cache=disk)


class TutorEmbeddingFunction(EmbeddingFunction[list[str]]):
    """Chroma ``EmbeddingFunction`` over an Embedder; builds lazily from its config."""

    def __init__(self, embedder: Embedder | None = None, model_path: str = "") -> None:
        self._embedder = embedder
        self._model_path = model_path or (embedder.model_path if embedder else "")

    def __call__(self, input: list[str]) -> list[np.ndarray]:  # noqa: A002 (Chroma's name)
        if self._embedder is None:
            cache = get_settings().resolved_model_cache_dir  # rebuilt from a collection config
            self._embedder = Embedder(_load_model(self._model_path, cache), self._model_path)
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "rnn_tutor_minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self._model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> TutorEmbeddingFunction:
        return TutorEmbeddingFunction(model_path=str(config.get("model_path", "")))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]
