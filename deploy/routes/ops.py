"""Operations: ``/healthz`` (alive), ``/readyz`` (index and stores ready), ``/metrics``."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from core.errors import DatabaseUnavailable, IndexNotReady, StorageUnavailable
from deploy.deps import ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz(services: ServicesDep) -> dict[str, object]:
    """The process is alive."""
    return {"status": "ok", "uptime_s": round(time.time() - services.started_at, 1)}


@router.get("/readyz")
async def readyz(services: ServicesDep) -> dict[str, str]:
    """200 once the index, retriever, session store and tutor are built and the database
    answers; 503 before (or while the database is unreachable)."""
    if not services.ready:
        raise IndexNotReady("The tutor is still starting (building the index); retry shortly.")
    ping = getattr(services.sessions, "ping", None)
    if callable(ping) and not await run_in_threadpool(ping):
        raise DatabaseUnavailable("The session database does not answer; check TUTOR_DATABASE_URL.")
    storage_ok = getattr(services.sessions, "storage_ok", None)
    if callable(storage_ok) and not await run_in_threadpool(storage_ok):
        raise StorageUnavailable(
            "The session store cannot save (its disk is full or failing); free space and "
            "this instance reports ready again by itself."
        )
    return {"status": "ready"}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text: requests and latency by route, turns by intent, errors by code."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
