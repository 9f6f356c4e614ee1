"""``GET /v1/search``: the lesson passages that best match a query."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from deploy.deps import RateLimitDep, RetrieverDep

router = APIRouter(tags=["knowledge"])


@router.get("/v1/search", dependencies=[RateLimitDep])
async def search(
    retriever: RetrieverDep,
    q: Annotated[
        str, Query(min_length=1, max_length=1000, pattern=r"\S", description="the question")
    ],
    k: Annotated[int, Query(ge=1, le=20, description="how many passages")] = 5,
    mode: Annotated[Literal["hybrid", "dense", "bm25"], Query()] = "hybrid",
) -> dict[str, Any]:
    """Top ``k`` passages with source, section and score (hybrid dense + BM25 by default)."""
    passages = await run_in_threadpool(retriever.search, q, k=k, mode=mode)
    return {
        "results": [
            {
                "text": p.text,
                "source": p.source,
                "section": p.section,
                "score": float(p.score),
                "url": getattr(p, "url", None),
            }
            for p in passages
        ]
    }
