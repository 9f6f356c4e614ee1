"""What every route can answer besides 200, written into the OpenAPI schema in one place.

FastAPI documents only the success response and its own 422 shape, which is not ours:
every error of this API is ``{"error": {"code", "message"}}`` (API.md). ``document_errors``
post-processes the generated schema so that each operation lists the error statuses it
can really return, by what the operation is: one with a body can get 400 (malformed
JSON), 413 (body over 64 KB) and 422; one with path parameters 404; rate-limited and
readiness-gated routes 503; routes behind ``RateLimitDep`` 429. Routes with statuses of
their own (401, 409, a 429 they count themselves) add them with ``error_responses(...)``
in their decorator.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error response of the API."""

    error: ErrorDetail


WHY = {
    400: "Malformed JSON or a body that cannot be read.",
    401: "Missing or wrong credentials (token or signature).",
    403: "Not allowed.",
    404: "No such session or resource.",
    409: "A duplicate of a request already handled.",
    413: "The request body, or the answer it asks for, is too large.",
    422: "A field has the wrong type, shape or value; the message names it.",
    429: "Rate limited; Retry-After says when to try again.",
    503: "Starting up, or the session store cannot save right now.",
}

_REF = "#/components/schemas/ErrorBody"
# Routes that answer from the lesson, the lab or the session store: 503 until ready.
_GATED = ("/v1/", "/slack/", "/discord/", "/admin", "/readyz")


# One Server-Sent Event as clients parse it: an optional event name and its data line.
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route decorator: these statuses with the error body."""
    return {code: {"model": ErrorBody, "description": WHY[code]} for code in codes}


def _rate_limited(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every route that counts requests with ``RateLimitDep``."""
    from fastapi.routing import APIRoute

    from deploy.deps import limit_client

    def walk(routes: Any) -> Any:  # included routers (no prefixes here) hold their routes
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    out = set()
    for route in walk(app.routes):
        if any(d.call is limit_client for d in route.dependant.dependencies):
            out |= {(route.path, m.lower()) for m in route.methods}
    return out


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    codes: set[int] = set()
    params = operation.get("parameters", [])
    if method == "post":  # the body limit (64 KB) holds for every POST, parsed or raw
        codes.add(413)
    if "requestBody" in operation:
        codes |= {400, 422}
    if params:
        codes.add(422)
    if any(p.get("in") == "path" for p in params):
        codes.add(404)
    if path.startswith(_GATED):
        codes.add(503)
    return codes


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` list each operation's error statuses with the error body."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components["ErrorBody"] = body
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        limited = _rate_limited(app)
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                declared = {int(c) for c in responses if c.isdigit() and int(c) >= 400}
                if (path, method) in limited:
                    declared.add(429)
                for code in _statuses(path, method, operation) | declared:
                    responses[str(code)] = {
                        "description": WHY.get(code, "Error."),
                        "content": {"application/json": {"schema": {"$ref": _REF}}},
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
