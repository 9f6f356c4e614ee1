"""Pure ASGI middleware of the service: body size limit, HEAD, security headers, metrics.

``BodyLimitMiddleware`` buffers at most ``limit`` bytes of a request body and answers
413 JSON beyond that (so no route ever sees a huge body); ``SecurityHeadersMiddleware``
adds ``nosniff`` everywhere and a Content-Security-Policy, Referrer-Policy and
frame-ancestors rule to HTML pages (no Referer at all from the instructor view);
``MetricsMiddleware`` counts requests and latency by route template.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deploy.metrics import Metrics

MAX_BODY_BYTES = 64 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def _reject(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "request_too_large",
                    "message": f"The request body is larger than {self.limit // 1024} KB; "
                    "send a shorter message or a smaller trace.",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._reject(send)
                return
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)


def _csp(connect: str, frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            f"connect-src 'self' {connect}".strip(),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


# The OpenAPI UI (local files) starts itself with an inline script and inline styles.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


def _route_path(scope: Scope) -> str:
    """The path the app routes on: behind ``--root-path /tutor`` the request path is
    ``/tutor/docs``, the route ``/docs``."""
    path: str = scope["path"]
    root = scope.get("root_path", "").rstrip("/")
    if root and path.startswith(root + "/"):
        return path[len(root) :]
    return path


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class HeadAsGetMiddleware:
    """``HEAD`` on any ``GET`` route answers as ``GET`` would, headers only (RFC 9110,
    9.3.2): load balancers probe ``HEAD /healthz``, caches ``HEAD /widget.js``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, connect_src: str = "") -> None:
        self.app = app
        self.page_csp = _csp(connect_src, "'self'")
        self.admin_csp = _csp("", "'none'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    if _under(path, "/docs"):
                        csp = _DOCS_CSP
                    elif _under(path, "/admin"):
                        csp = self.admin_csp
                    else:
                        csp = self.page_csp
                    headers["Content-Security-Policy"] = csp
                    admin = _under(path, "/admin")
                    # An old /admin?token= bookmark must not travel on as the Referer
                    # of the page's stylesheet request (and into a proxy's log).
                    referrer = "no-referrer" if admin else "strict-origin-when-cross-origin"
                    headers["Referrer-Policy"] = referrer
                    framed = not (admin or _under(path, "/docs"))
                    headers["X-Frame-Options"] = "SAMEORIGIN" if framed else "DENY"
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class MetricsMiddleware:
    def __init__(
        self, app: ASGIApp, metrics: Metrics, clock: Callable[[], float] = time.perf_counter
    ):
        self.app = app
        self.metrics = metrics
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = _route_label(scope)
                self.metrics.latency.labels(scope["method"], route).observe(self.clock() - started)
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.metrics.requests.labels(scope["method"], _route_label(scope), str(status)).inc()


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
