"""What every route can answer besides 200, written into the OpenAPI schema in one place.

FastAPI documents only the success response and its own 422 shape, which is not ours:
every error of this API is ``{"error": {"code", "message"}}`` (API.md). ``document_errors``
post-processes the generated schema so that each operation lists the error statuses it
can really return, by what the operation is: one with a body can get 400 (malformed
JSON), 413 (body over 64 KB) and 422; one with path parameters 404; rate-limited and
readiness-gated routes 429 and 503. Routes with statuses of their own (401, 409, ...)
add them with ``error_responses(...)`` in their decorator.
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
# Routes that answer from the lesson, the lab or the session store: gated on readiness
# and (except the operational ones) counted against the client's rate limit.
_GATED = ("/v1/", "/slack/", "/discord/", "/admin")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route decorator: these statuses with the error body."""
    return {code: {"model": ErrorBody, "description": WHY[code]} for code in codes}


def _statuses(path: str, operation: dict[str, Any]) -> set[int]:
    codes: set[int] = set()
    params = operation.get("parameters", [])
    if "requestBody" in operation:
        codes |= {400, 413, 422}
    if params:
        codes.add(422)
    if any(p.get("in") == "path" for p in params):
        codes.add(404)
    if path.startswith(_GATED):
        codes |= {429, 503}
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
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                declared = {int(c) for c in responses if c.isdigit() and int(c) >= 400}
                for code in _statuses(path, operation) | declared:
                    responses[str(code)] = {
                        "description": WHY.get(code, "Error."),
                        "content": {"application/json": {"schema": {"$ref": _REF}}},
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
