"""Checking that an interaction really comes from Discord (Ed25519, PyNaCl).

Discord signs ``timestamp + raw body`` with the application's key and sends the
signature in ``X-Signature-Ed25519`` and the timestamp in ``X-Signature-Timestamp``.
The app's public key (hex, from the Developer Portal) verifies it; anything missing,
malformed or not matching raises ``Unauthorized`` (Discord itself sends forged
requests now and then to check that the endpoint rejects them). A signature proves
who sent a request, not when: a captured interaction stays validly signed forever, so a
timestamp more than 5 minutes from this server's clock is refused too (and the
endpoint refuses an interaction id it has seen before, see ``http.py``).
"""

from __future__ import annotations

import time
from functools import lru_cache

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from core.errors import ConfigError, Unauthorized
from deploy.chat_common.freshness import check_fresh


@lru_cache(maxsize=4)
def verify_key(public_key_hex: str) -> VerifyKey:
    """The verify key for a hex public key; a malformed key is a ``ConfigError``."""
    try:
        return VerifyKey(bytes.fromhex(public_key_hex))
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            "TUTOR_DISCORD_PUBLIC_KEY must be the 64 hex characters shown as 'Public Key' "
            "on the app's General Information page in the Discord Developer Portal."
        ) from exc


def verify_request(
    public_key_hex: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    now: float | None = None,
) -> None:
    """Raise ``Unauthorized`` unless ``signature`` signs ``timestamp + body`` and the
    timestamp is within 5 minutes of ``now``."""
    if not signature or not timestamp:
        raise Unauthorized(
            "Missing X-Signature-Ed25519 or X-Signature-Timestamp: only Discord may call this endpoint."
        )
    key = verify_key(public_key_hex)
    try:
        key.verify(timestamp.encode() + body, bytes.fromhex(signature))
    except (BadSignatureError, ValueError) as exc:
        raise Unauthorized(
            "Invalid request signature: only Discord may call this endpoint."
        ) from exc
    check_fresh("X-Signature-Timestamp", timestamp, time.time() if now is None else now)
