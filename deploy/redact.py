"""Keep secrets that arrive in URLs out of the access log.

uvicorn's access log writes every request's path with its query string. No route takes
a secret in the URL (the admin token is refused there), but an old bookmark such as
``/admin?token=...`` still sends one; ``install_log_redaction`` puts a filter on the
``uvicorn.access`` logger that replaces the value of any query parameter named like a
secret with ``[redacted]`` before the line is written.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAM = re.compile(
    r"([?&](?:token|access_token|api_key|secret|password)=)[^&#\s\"]*", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` with the values of secret-looking query parameters replaced."""
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction(name: str = "uvicorn.access") -> None:
    """Add the filter to logger ``name`` once (apps are built many times in tests).

    A logger's filters survive uvicorn's logging set-up (``dictConfig`` replaces
    handlers, not filters), so this works whether the app is built before or after it."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
