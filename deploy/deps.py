"""FastAPI dependencies: the parts built in the lifespan, as ``Annotated`` aliases.

Routes declare ``tutor: TutorDep`` or ``settings: SettingsDep`` instead of reaching
for globals; ``RateLimitDep`` counts the request against the client's address (routes
that know the session add a per-session check with ``limit_session``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request

from assistant.seams import RetrieverSeam, SessionStoreSeam, TutorSeam
from core.errors import IndexNotReady
from core.settings import Settings
from deploy.lifespan import Services
from deploy.ratelimit import check


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def _ready(services: ServicesDep) -> Services:
    if not services.ready or services.tutor is None:
        raise IndexNotReady("The tutor is still starting up; try again in a few seconds.")
    return services


def get_settings_dep(services: ServicesDep) -> Settings:
    return services.settings


def get_tutor(services: Annotated[Services, Depends(_ready)]) -> TutorSeam:
    assert services.tutor is not None  # _ready checked it
    return services.tutor


def get_retriever(services: Annotated[Services, Depends(_ready)]) -> RetrieverSeam | None:
    return services.retriever


def get_sessions(services: Annotated[Services, Depends(_ready)]) -> SessionStoreSeam | None:
    return services.sessions


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def client_key(request: Request) -> str:
    """The rate-limit key of the client's address."""
    return f"ip:{client_ip(request)}"


async def limit_client(request: Request, services: ServicesDep) -> None:
    await check(services.limiter, client_key(request))


async def limit_session(services: Services, session_id: str | None) -> None:
    """Count a turn against its session (no-op for a new session)."""
    if session_id:
        await check(services.limiter, f"session:{session_id}")


T = TypeVar("T")


async def run_turn(services: Services, fn: Callable[..., T], *args: Any) -> T:
    """Run one whole sync tutor call in the thread pool, at most ``turn_limiter`` at a time.

    Only for calls that finish in one go: a paused stream generator can hold a session
    lock, so streams use the default pool rather than competing for these tokens.
    """
    return await anyio.to_thread.run_sync(fn, *args, limiter=services.turn_limiter)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
TutorDep = Annotated[TutorSeam, Depends(get_tutor)]
RetrieverDep = Annotated[RetrieverSeam | None, Depends(get_retriever)]
SessionsDep = Annotated[SessionStoreSeam | None, Depends(get_sessions)]
RateLimitDep = Depends(limit_client)
