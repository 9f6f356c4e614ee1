"""Who may see the instructor view: the admin token, its sign-in cookie, a brake on guessing.

``TUTOR_ADMIN_TOKEN`` is accepted in two places only: ``Authorization: Bearer <token>``
(scripts) and the sign-in form (``POST /admin/login``), which answers with a cookie
instead of putting the token anywhere a URL would carry it. ``?token=`` is refused
with a message saying so: URLs end up in access logs, browser history and Referer
headers. The cookie holds ``<expiry>.<HMAC-SHA256 of the expiry, keyed with the
token>``, never the token itself, so it needs no server-side state (every instance
checks it alike), lapses after ``SESSION_SECONDS`` and dies when the token changes.

Every attempt counts against the client's address in its own limiter
(``SIGN_IN_FAILURES``, shared through Redis when configured) before it is compared, and
a right one gives its count back: so only wrong ones add up, and a burst of guesses sent
at once is never compared beyond the limit. Once over it, every attempt is 429 until the
window ends, the right token included, so the throttle tells a guesser nothing.
Visiting without credentials is not an attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Annotated

from fastapi import Depends, Request, Response

from core.errors import RateLimited, TutorError, Unauthorized
from deploy.deps import ServicesDep, client_ip
from deploy.lifespan import Services
from deploy.ratelimit import Verdict

COOKIE = "tutor_admin"
SESSION_SECONDS = 12 * 3600  # one working day; then the form again
_EXPIRY = re.compile(r"[0-9]{1,12}")
HOW_TO_SIGN_IN = (
    "sign in with the form at /admin, or send the token as 'Authorization: Bearer <token>'"
)


class AdminDisabled(TutorError):
    code = "admin_disabled"
    http_status = 403


def _expected(services: Services) -> str:
    token = services.settings.admin_token.get_secret_value()
    if not token:
        raise AdminDisabled(
            "The instructor view is switched off; set TUTOR_ADMIN_TOKEN to a long random "
            "string and restart the tutor to enable it."
        )
    return token


def _mac(token: str, expiry: int) -> str:
    return hmac.new(token.encode(), f"admin-session:{expiry}".encode(), hashlib.sha256).hexdigest()


def session_value(token: str, now: float | None = None) -> str:
    """A cookie value that proves a sign-in with ``token`` until it expires."""
    expiry = int(now if now is not None else time.time()) + SESSION_SECONDS
    return f"{expiry}.{_mac(token, expiry)}"


def _cookie_state(value: str, token: str) -> str:
    """``"valid"``, ``"expired"`` (genuine but old: sign in again) or ``"forged"``."""
    expiry_text, _, mac = value.partition(".")
    # ASCII digits of a plausible length only: int() of the rest raises.
    if not _EXPIRY.fullmatch(expiry_text):
        return "forged"
    expiry = int(expiry_text)
    if not hmac.compare_digest(mac.encode(), _mac(token, expiry).encode()):
        return "forged"
    return "valid" if expiry > time.time() else "expired"


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _key(request: Request) -> str:
    return f"admin-fail:{client_ip(request)}"


def _throttled(verdict: Verdict) -> RateLimited:
    return RateLimited(
        f"Too many wrong admin tokens from your address; wait {verdict.retry_after} s "
        "and try again.",
        retry_after=verdict.retry_after,
    )


async def _attempt(services: Services, request: Request) -> None:
    """Count an attempt *before* comparing anything (one atomic increment), so that many
    guesses sent at once cannot all be compared while the count lags behind; 429 once
    over the limit. A correct credential gives its attempt back (``_succeeded``)."""
    verdict = await services.admin_failures.hit(_key(request), 1)
    if not verdict.allowed:
        raise _throttled(verdict)


async def _succeeded(services: Services, request: Request) -> None:
    await services.admin_failures.hit(_key(request), -1)


async def authenticate(request: Request, services: Services) -> bool:
    """True for a valid Bearer token or cookie, False when none was sent; raises
    ``AdminDisabled``, ``Unauthorized`` (wrong credentials) or ``RateLimited``."""
    token = _expected(services)
    given, cookie = _bearer(request), request.cookies.get(COOKIE)
    if given is None and cookie is None:
        return False
    await _attempt(services, request)
    if given is not None:
        if hmac.compare_digest(given.encode(), token.encode()):
            await _succeeded(services, request)
            return True
        raise Unauthorized(f"Wrong admin token; {HOW_TO_SIGN_IN}.")
    state = _cookie_state(cookie or "", token)
    if state == "forged":
        raise Unauthorized(f"Invalid sign-in cookie; {HOW_TO_SIGN_IN}.")
    await _succeeded(services, request)  # a genuine cookie, even an expired one
    return state == "valid"


def not_signed_in(request: Request) -> Unauthorized:
    """The 401 for a request without credentials, naming a ``?token=`` if it tried one."""
    if "token" in request.query_params:
        return Unauthorized(
            "?token= is no longer accepted (URLs end up in logs and browser history); "
            f"{HOW_TO_SIGN_IN}."
        )
    return Unauthorized(f"The instructor view needs the admin token: {HOW_TO_SIGN_IN}.")


async def sign_in(request: Request, services: Services, given: str) -> None:
    """Check a token typed into the form; raises like ``authenticate``."""
    token = _expected(services)
    if not given:
        raise Unauthorized("Enter the admin token (TUTOR_ADMIN_TOKEN) to sign in.")
    await _attempt(services, request)
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("Wrong admin token; check it and try again.")
    await _succeeded(services, request)


def _cookie_path(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/") + "/admin"


def set_session_cookie(response: Response, request: Request, services: Services) -> None:
    response.set_cookie(
        COOKIE,
        session_value(_expected(services)),
        max_age=SESSION_SECONDS,
        path=_cookie_path(request),
        secure=request.url.scheme == "https",  # behind a proxy: its X-Forwarded-Proto
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE,
        path=_cookie_path(request),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


async def require_admin(request: Request, services: ServicesDep) -> None:
    """Dependency for the instructor's API-style routes: credentials or a JSON error."""
    if not await authenticate(request, services):
        raise not_signed_in(request)


AdminDep = Annotated[None, Depends(require_admin)]
