"""Checking that a request comes from Slack and can be parsed, before Bolt sees it.

Slack signs ``v0:<timestamp>:<raw body>`` with HMAC-SHA256 under the app's signing
secret (``X-Slack-Signature``) and sends the time it signed in
``X-Slack-Request-Timestamp``. Bolt checks the same, but crashes (a 500) on a timestamp
that is not a number or a body it cannot parse, and refuses with its own bare body. So
the endpoint runs these checks first, with slack_sdk's ``SignatureVerifier`` and Bolt's
own body parser (the code Bolt runs next), and every refusal becomes a ``TutorError``
that the HTTP edge answers in API.md's shape with a message saying how to fix it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from slack_bolt.request.internals import build_normalized_headers, extract_content_type
from slack_bolt.request.internals import parse_body as bolt_parse_body
from slack_sdk.signature import SignatureVerifier

from core.errors import MalformedBody, Unauthorized
from deploy.chat_common.freshness import check_fresh

SIGN_HOW = (
    "sign 'v0:<timestamp>:<raw body>' with HMAC-SHA256 under the app's signing secret "
    "(Basic Information > App Credentials in the Slack app settings; it must equal "
    "TUTOR_SLACK_SIGNING_SECRET)"
)
BODY_HOW = (
    "Slack sends events as a JSON object (Content-Type: application/json), and slash "
    "commands and button clicks as form data whose 'payload' field, if any, is a JSON object"
)


def verify_request(
    signing_secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
) -> str:
    """The body as text once it is known to be signed by Slack within 5 minutes.

    Raises ``Unauthorized`` (missing, malformed, stale or wrong signature) or
    ``MalformedBody`` (not UTF-8).
    """
    if not timestamp or not signature:
        raise Unauthorized(
            "Missing X-Slack-Signature or X-Slack-Request-Timestamp: only Slack may call this "
            f"endpoint; to test it by hand, {SIGN_HOW}."
        )
    check_fresh("X-Slack-Request-Timestamp", timestamp, time.time() if now is None else now)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody(f"The request body is not UTF-8 text; {BODY_HOW}.") from None
    if not SignatureVerifier(signing_secret).is_valid(text, timestamp, signature):
        raise Unauthorized(f"Invalid X-Slack-Signature: {SIGN_HOW}.")
    return text


def parse_body(text: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """The body as Bolt will parse it, or ``MalformedBody`` where Bolt would crash."""
    content_type = extract_content_type(build_normalized_headers(dict(headers)))
    try:
        parsed = bolt_parse_body(text, content_type)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise MalformedBody(f"The request body is not a JSON object ({exc}); {BODY_HOW}.") from None
    if not isinstance(parsed, dict):
        raise MalformedBody(
            f"The request body is JSON but not an object (got {type(parsed).__name__}); {BODY_HOW}."
        )
    return parsed
