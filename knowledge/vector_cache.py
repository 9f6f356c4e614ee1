"""A small on-disk cache of sentence vectors, so a restart does not re-embed what it knew.

The tutor embeds the same few thousand texts at every start (intent examples, lesson
anchors, lesson sentences for composing answers). Embedding them costs seconds of CPU
and a few hundred MB of allocator high-water mark; reading them back from one ``.npz``
file costs milliseconds. Entries are keyed by a hash of the model path and the text, so
a different model never sees another model's vectors. Writes are atomic (temp file +
``os.replace``), so processes sharing a data dir at worst redo a little work. The cache
is an optimisation only: any I/O error is logged once and the cache is skipped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from threading import Lock

import numpy as np

log = logging.getLogger("tutor.embeddings")

MAX_ENTRIES = 50_000


def text_key(model_path: str, text: str) -> str:
    return hashlib.blake2b(f"{model_path}\0{text}".encode(), digest_size=16).hexdigest()


class DiskVectorCache:
    """Vectors by text key, loaded lazily from and saved to one ``.npz`` file."""

    def __init__(self, path: Path, dimensions: int) -> None:
        self.path = path
        self.dimensions = dimensions
        self._vectors: dict[str, np.ndarray] | None = None
        self._dirty = False
        self._broken = False
        self._lock = Lock()

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is not None:
            return self._vectors
        self._vectors = {}
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                if vectors.ndim == 2 and vectors.shape[1] == self.dimensions:
                    self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                log.warning("ignoring unreadable embedding cache %s: %s", self.path, exc)
        return self._vectors

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            vectors = self._load()
            return {k: vectors[k] for k in keys if k in vectors}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            vectors = self._load()
            room = MAX_ENTRIES - len(vectors)
            for key, vector in list(items.items())[: max(room, 0)]:
                vectors[key] = np.asarray(vector, dtype=np.float32)
                self._dirty = True

    def flush(self) -> None:
        """Write the cache if anything was added (atomically)."""
        with self._lock:
            if not self._dirty or self._broken or not self._vectors:
                return
            keys = np.array(list(self._vectors), dtype="U32")
            vectors = np.stack(list(self._vectors.values())).astype(np.float32)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
                with os.fdopen(fd, "wb") as handle:
                    np.savez(handle, keys=keys, vectors=vectors)
                os.replace(tmp, self.path)
                self._dirty = False
            except OSError as exc:
                self._broken = True
                log.warning("embedding cache disabled (cannot write %s): %s", self.path, exc)
