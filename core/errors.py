"""The one error hierarchy of the tutor.

Every layer raises a ``TutorError`` subclass that carries a stable ``code``, a
message that says what went wrong *and how to fix it*, and any context. Only the
edges (HTTP routes, the CLI, the chat adapters) translate them: into the JSON
error body of API.md with ``http_status``, into a CLI message, or a friendly chat line.
"""

from __future__ import annotations

from typing import Any


class TutorError(Exception):
    """Base class. ``code`` is snake_case and part of the public API."""

    code = "tutor_error"
    http_status = 400

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class InvalidInput(TutorError):
    """A request or argument has the wrong type, shape, or value."""

    code = "invalid_input"
    http_status = 422


class LimitExceeded(InvalidInput):
    """An argument is outside the allowed range (too many steps, too long a message)."""

    code = "limit_exceeded"
    http_status = 422


class MalformedBody(InvalidInput):
    """A request body cannot be parsed (not UTF-8, not JSON, not an object)."""

    code = "malformed_body"
    http_status = 400


class SessionNotFound(TutorError):
    code = "session_not_found"
    http_status = 404


class NotFound(TutorError):
    code = "not_found"
    http_status = 404


class IngestError(TutorError):
    """A lesson file could not be read or indexed; the previous index stays usable."""

    code = "ingest_error"


class IndexNotReady(TutorError):
    """The lesson index is not built yet, or its Chroma server does not answer."""

    code = "index_not_ready"
    http_status = 503


class IndexUnavailable(TutorError):
    """The lesson index's Chroma store cannot be opened (a file where its folder should be,
    no permission, a corrupt database): no lesson is at fault, so it is no ``IngestError``."""

    code = "index_unavailable"
    http_status = 503


class DatabaseUnavailable(TutorError):
    """The session database does not answer (down, unreachable, wrong URL); nothing is lost."""

    code = "database_unavailable"
    http_status = 503


class RateLimited(TutorError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after: int, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class Unauthorized(TutorError):
    code = "unauthorized"
    http_status = 401


class Forbidden(TutorError):
    """The caller is known but may not do this (e.g. another learner's exercise button)."""

    code = "forbidden"
    http_status = 403


class DuplicateInteraction(TutorError):
    """A platform request already handled arrived again (a replay): refused, not redone."""

    code = "duplicate_interaction"
    http_status = 409


class ConfigError(TutorError):
    """A setting is wrong or a provider cannot be loaded; raised at start-up."""

    code = "config_error"
    http_status = 500


class ModelUnavailable(ConfigError):
    code = "model_unavailable"
    http_status = 503


class StorageUnavailable(TutorError):
    """The session store cannot write (disk full, read-only, I/O error): nothing was saved,
    nothing stored is lost; the tutor recovers by itself once writes succeed again."""

    code = "storage_unavailable"
    http_status = 503
