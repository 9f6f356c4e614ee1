"""Build the tutor's heavy parts once per process, in the app's lifespan.

``Services`` holds what routes need: settings, the tutor, the retriever, the session
store (for the instructor view), the rate limiters (requests per client and session;
failed admin sign-ins per client) and the metrics. ``build_services`` loads the
embedding model, opens the lesson index with ``knowledge.index.open_index`` (an
incremental ingest of the bundled lessons: cheap after the first start) and builds the
tutor, saying each step on the ``tutor.startup`` logger and, once ready, the URL to
open. Anything handed to ``create_app`` is used as is (tests pass fakes or shared real
parts). ``ready`` drives ``/readyz``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from assistant.seams import RetrieverSeam, SessionStoreSeam, TutorSeam
from core.settings import Settings
from deploy.metrics import Metrics
from deploy.ratelimit import SIGN_IN_FAILURES, RateLimiter, make_rate_limiter
from deploy.startup import StartupStopped, checkpoint, stop_on_signals

log = logging.getLogger("tutor.startup")


@dataclass
class Services:
    settings: Settings
    metrics: Metrics
    limiter: RateLimiter
    admin_failures: RateLimiter
    tutor: TutorSeam | None = None
    retriever: RetrieverSeam | None = None
    sessions: SessionStoreSeam | None = None
    embedder: Any = None  # the model of the tutor the lifespan built, if it built one
    turn_limiter: Any = None  # bounds concurrent tutor work in the thread pool
    ready: bool = False
    started_at: float = field(default_factory=time.time)


@dataclass
class Provided:
    """What the caller of ``create_app`` handed in; the rest is built at start-up."""

    tutor: TutorSeam | None = None
    retriever: RetrieverSeam | None = None
    sessions: SessionStoreSeam | None = None


def build_services(
    settings: Settings,
    provided: Provided,
    services: Services,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Fill ``services`` with a tutor, retriever and session store (sync, slow: thread
    pool); ``should_stop`` ends it early at a safe point (``StartupStopped``). A tutor
    handed in without a retriever gets one over the configured index (``/v1/search``
    needs it; a ``Tutor`` does not expose the one inside its tools)."""
    services.sessions = provided.sessions or getattr(provided.tutor, "sessions", None)
    services.retriever = provided.retriever
    services.tutor = provided.tutor
    if services.retriever is None:
        services.retriever = prepare_data(settings, should_stop)
    if services.sessions is None:
        services.sessions = _make_sessions(settings)
    if services.tutor is None:
        from assistant.factory import make_tutor
        from knowledge.embeddings import make_embedder

        # the model the retriever was built with; a retriever handed in may not carry one
        services.embedder = getattr(services.retriever, "embedder", None) or make_embedder(settings)
        log.info("building the tutor (%s brain)", settings.model or "offline")
        services.tutor = make_tutor(
            settings,
            embedder=services.embedder,
            retriever=services.retriever,
            sessions=services.sessions,
        )


def prepare_data(settings: Settings, should_stop: Callable[[], bool] | None = None) -> Any:
    """The retriever (a ``HybridRetriever``) over the lesson store, with the bundled
    lessons indexed (incremental: nothing is embedded when they are unchanged). Every
    server start does this; ``tutor serve --workers N`` also does it once before the
    workers start, so they find the embedding graph, the Chroma store and the index in
    place (two embedded Chroma clients creating one new database race on its schema)."""
    from knowledge.embeddings import make_embedder
    from knowledge.index import open_index

    log.info("loading the embedding model")
    embedder = make_embedder(settings)
    checkpoint(should_stop)

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "write":  # one step, no safe point: stopping inside it would fail the build
            log.info("indexing the lessons: wrote %d chunks; indexing the teaching notes", done)
            return
        checkpoint(should_stop)  # after a file read or an embedding batch: nothing written yet
        if stage == "embed":
            log.info("indexing the lessons: embedded %d of %d new chunks", done, total)
        elif done == total:
            log.info("indexing the lessons: read %d lesson file(s)", total)

    opened = open_index(settings, embedder, progress=progress, refresh=True)
    log.info("index ready: %s", opened.report)
    return opened.retriever


def _finish_background_work(embedder: Any) -> None:
    """Stop the tutor's background warm-ups (lesson sentences, the assessor) between two
    embedding batches and wait for them: torch aborts the interpreter if a thread is still
    inside it at exit. They used to be left to finish, up to 30 s of a shutdown; whatever
    they had not embedded is embedded when it is first needed."""
    from assistant.factory import shared_composer
    from assistant.listening.tools import stop_listeners

    stop = getattr(shared_composer(embedder), "stop_warm", None)
    if callable(stop):
        stop()
    stop_listeners(embedder)


def _make_sessions(settings: Settings) -> Any:
    from assistant.store import make_session_store

    return make_session_store(settings)


def browser_url(settings: Settings) -> str:
    """Where a learner on this machine opens the tutor: ``TUTOR_PUBLIC_URL`` when set, else
    the address served (a server listening on every interface is reached at 127.0.0.1)."""
    if settings.public_url:
        return settings.public_url
    host = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


def make_lifespan(services: Services, provided: Provided):
    """The lifespan context of one app: build on start-up, release on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # More concurrent turns than cores only adds contention (and memory for the
        # embedding model's buffers); extra requests wait their turn in order.
        services.turn_limiter = anyio.CapacityLimiter(max(4, 2 * (os.cpu_count() or 1)))
        stop = threading.Event()
        started = time.perf_counter()
        with stop_on_signals(stop):
            try:
                await run_in_threadpool(
                    build_services, services.settings, provided, services, stop.is_set
                )
            except StartupStopped:  # uvicorn saw the signal too and shuts down next
                log.info("start-up stopped by a signal before the tutor was ready")
        if not stop.is_set():
            services.ready = True
            services.metrics.ready.set(1)
            seconds = time.perf_counter() - started
            url = browser_url(services.settings)
            log.info("tutor ready in %.1f s: open %s in a browser", seconds, url)
        try:
            yield
        finally:
            services.ready = False
            services.metrics.ready.set(0)
            await services.limiter.close()
            await services.admin_failures.close()
            close = getattr(services.tutor, "close", None)
            if callable(close) and provided.tutor is None:
                await run_in_threadpool(close)
            if services.embedder is not None:
                await run_in_threadpool(_finish_background_work, services.embedder)

    return lifespan


def new_services(settings: Settings) -> Services:
    return Services(
        settings=settings,
        metrics=Metrics(),
        limiter=make_rate_limiter(settings),
        admin_failures=make_rate_limiter(settings, SIGN_IN_FAILURES),
    )
