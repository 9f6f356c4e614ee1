"""The FastAPI app factory: wiring only.

``create_app`` makes the per-app services holder (metrics registry, rate limiter),
the lifespan that builds the tutor once, the middleware stack (metrics, body limit,
security headers, CORS), the error translators, the access log's redaction of secrets
in URLs, and includes one router per resource plus the Slack and Discord adapters.
Pass ``tutor`` (and optionally ``retriever`` / ``sessions``) to reuse parts already
built, e.g. in tests.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from core.settings import Settings, get_settings
from deploy.errors import install_error_handlers
from deploy.lifespan import Provided, make_lifespan, new_services
from deploy.middleware import (
    BodyLimitMiddleware,
    HeadAsGetMiddleware,
    MetricsMiddleware,
    SecurityHeadersMiddleware,
)
from deploy.openapi import document_errors
from deploy.redact import install_log_redaction
from deploy.routes import docs
from deploy.routes.pages import STATIC


def _routers() -> list[Any]:
    from deploy.discord.http import router as discord_router
    from deploy.routes import (
        admin,
        chat,
        completions,
        feedback,
        ops,
        pages,
        search,
        sessions,
        stream,
        trace,
    )
    from deploy.slack.http import router as slack_router

    modules = (
        chat,
        stream,
        sessions,
        search,
        trace,
        completions,
        feedback,
        admin,
        ops,
        pages,
        docs,
    )
    return [m.router for m in modules] + [slack_router, discord_router]


def create_app(
    settings: Settings | None = None,
    tutor: Any = None,
    *,
    retriever: Any = None,
    sessions: Any = None,
) -> FastAPI:
    """A ready-to-serve app; heavy parts are built in its lifespan, not here."""
    settings = settings or get_settings()
    services = new_services(settings)
    provided = Provided(tutor=tutor, retriever=retriever, sessions=sessions)
    app = FastAPI(
        title="RNN Tutor",
        summary="A teaching assistant for 'Why sequences need memory'.",
        version="0.1.0",
        lifespan=make_lifespan(services, provided),
        telemetry={"tracing": False, "metrics": False, "logs": False},
        docs_url=None,  # deploy/routes/docs.py serves it from local files
        redoc_url=None,
    )
    app.state.services = services
    app.state.metrics = services.metrics
    install_error_handlers(app)
    install_log_redaction()
    for router in _routers():
        app.include_router(router)
    document_errors(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount(docs.ASSETS_URL, docs.assets(), name="docs-assets")

    origins = [o.rstrip("/") for o in settings.allowed_origins]
    # Added last = outermost: metrics see every response; CORS headers reach 413s too.
    app.add_middleware(HeadAsGetMiddleware)  # innermost: HEAD gets GET's headers, all of them
    app.add_middleware(SecurityHeadersMiddleware, connect_src=settings.public_url.rstrip("/"))
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(MetricsMiddleware, metrics=services.metrics)
    return app
