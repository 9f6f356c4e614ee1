"""LangChain face of the hybrid retriever: a ``BaseRetriever`` returning Documents.

Each Document's ``page_content`` is the passage text and its ``metadata`` holds
``source``, ``section``, ``url``, ``anchor``, ``chunk_id`` and ``score``, so chains and
agents can cite the lesson. Obtain one with ``HybridRetriever.as_langchain(k, mode)``;
async calls run the (CPU-bound) search in LangChain's default executor.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class LessonRetriever(BaseRetriever):
    """Wraps a ``knowledge.retrieval.HybridRetriever``."""

    retriever: Any  # HybridRetriever (kept as Any: pydantic need not know the class)
    k: int = 5
    mode: str = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                metadata={
                    "source": p.source,
                    "section": p.section,
                    "url": p.url,
                    "anchor": p.anchor,
                    "chunk_id": p.chunk_id,
                    "score": p.score,
                },
            )
            for p in self.retriever.search(query, k=self.k, mode=self.mode)
        ]
