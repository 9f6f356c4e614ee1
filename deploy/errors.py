"""Translate every failure into the JSON error body of API.md, at the HTTP edge only.

``TutorError`` subclasses become ``{"error": {"code", "message"}}`` with their
``http_status``; FastAPI's validation errors become 422 (or 400 for malformed JSON)
with a message naming the field and how to fix it; unknown routes and wrong methods
get the same shape; anything unexpected is logged with its traceback and answered
with a plain 500 body that never leaks a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import RateLimited, TutorError

log = logging.getLogger("tutor.http")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error body of the API."""
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def describe_validation(errors: Sequence[dict[str, Any]]) -> tuple[int, str, str]:
    """(status, code, message) for a list of pydantic errors, phrased as a fix-it hint."""
    if any(e.get("type") == "json_invalid" for e in errors):
        err = next(e for e in errors if e.get("type") == "json_invalid")
        detail = (err.get("ctx") or {}).get("error", "invalid JSON")
        return (
            400,
            "malformed_json",
            f"The request body is not valid JSON ({detail}); send a JSON object "
            'such as {"message": "why do RNNs forget?"} with Content-Type: application/json.',
        )
    code = "invalid_input"
    parts = []
    for err in errors[:5]:
        kind = err.get("type", "")
        field = _field_name(err.get("loc", ()))
        ctx = err.get("ctx") or {}
        if kind == "missing":
            parts.append(f"'{field}' is required; add it to the request")
        elif kind == "string_too_long":
            code = "limit_exceeded"
            # Only a chat message can be split; an id or a query can only be shortened.
            fix = (
                "shorten it or split it into several messages"
                if field == "message"
                else "shorten it"
            )
            parts.append(
                f"'{field}' is too long: at most {ctx.get('max_length')} characters are "
                f"allowed; {fix}"
            )
        elif kind == "string_too_short":
            parts.append(
                f"'{field}' is too short: at least {ctx.get('min_length')} character(s) "
                "are required; send a non-empty value"
            )
        elif kind == "model_attributes_type" or kind == "dict_type":
            parts.append(
                f"'{field}' must be a JSON object, sent with Content-Type: application/json"
            )
        else:
            parts.append(f"'{field}': {err.get('msg', 'invalid value')}; fix its type or value")
    if len(errors) > 5:
        parts.append(f"and {len(errors) - 5} more problem(s)")
    return 422, code, "Invalid request: " + "; ".join(parts) + "."


async def _tutor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TutorError)
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(max(1, int(exc.retry_after)))}
    if exc.http_status >= 500:
        log.error("%s on %s: %s", exc.code, request.url.path, exc.message)
    _count_error(request, exc.code)
    return error_response(exc.http_status, exc.code, exc.message, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, code, message = describe_validation(list(exc.errors()))
    _count_error(request, code)
    return error_response(status, code, message)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 400 and message == "There was an error parsing the body":
        # FastAPI's words for a body that is not UTF-8 or nests too deeply to decode.
        code = "malformed_json"
        message = (
            "The request body could not be read as JSON; send a UTF-8 JSON object "
            "with Content-Type: application/json."
        )
    elif exc.status_code == 404 and message == "Not Found":
        message = f"No endpoint at {request.url.path}; see /docs for the API."
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}; see /docs for the API."
    _count_error(request, code)
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    _count_error(request, "internal_error")
    return error_response(
        500,
        "internal_error",
        "The tutor hit an unexpected problem and logged it; please try again. "
        "If it keeps happening, tell the course staff what you sent.",
    )


def _count_error(request: Request, code: str) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code=code).inc()


def install_error_handlers(app: FastAPI) -> None:
    """Register the translators on ``app``."""
    app.add_exception_handler(TutorError, _tutor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
